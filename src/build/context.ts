/**
 * The build context and the Dockerfile, as `docker build` finds them:
 *
 * - the context is a directory, read in place (nothing is copied or sent anywhere); or `-`: standard input holds
 *   a tar (plain or compressed), extracted to a private directory for the build, or, when it is not an archive,
 *   a Dockerfile and the context is empty;
 * - the Dockerfile is `-f PATH` (relative to the current directory, else to the context, as Docker's CLI resolves
 *   it; it may live outside the context), `-f -` (standard input), or `Dockerfile` in the context, else
 *   `Containerfile` (podman's and nerdctl's fallback);
 * - ignore patterns come from `<Dockerfile>.dockerignore` next to the Dockerfile, else `<context>/.dockerignore`.
 *
 * Errors are invalid-argument (or not-found) with Docker's `unable to prepare context: ...` wording.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { EngineError, invalidArgument, isErrno, notImplemented } from '../engine/errdefs.js';
import { isTarHeader } from './copy-archive.js';
import { createIgnoreMatcher, readDockerignore, type IgnoreMatcher } from './dockerignore.js';

/** Where the context and Dockerfile come from. */
export interface ContextSpec {
  /** A directory path, or `-` for standard input. */
  context: string;
  /** `-f`: a path, `-` for standard input, or undefined for the default. */
  dockerfile?: string;
  /** The Dockerfile's text given directly (compose's `dockerfile_inline`); wins over `dockerfile`. */
  dockerfileText?: string;
  /** The directory relative paths start from. */
  cwd: string;
  /** Standard input, when `-` is used. */
  stdin?: AsyncIterable<Buffer | Uint8Array>;
  /** Where a context read from standard input is extracted (a directory is created under it). */
  scratchDir: string;
}

/** A prepared context. Call {@link BuildContext.close} when the build is done. */
export interface BuildContext {
  /** The context root (an empty directory for a Dockerfile given on standard input as the context). */
  dir: string;
  /** The Dockerfile's text. */
  dockerfile: string;
  /** The name messages use (`Dockerfile`, `app.Dockerfile`). */
  dockerfileName: string;
  /** Absolute path of the Dockerfile on disk, when it is one. */
  dockerfilePath?: string;
  ignore: IgnoreMatcher;
  /** The ignore file that was read, if any. */
  ignoreFile?: string;
  close(): void;
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

async function readAll(input: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

/** Replays `head` chunks, then the rest of `it`. */
async function* replay(head: Buffer[], it: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}

/**
 * Reads standard input as a context: a tar (extracted into `dir`), or a Dockerfile (returned). Docker decides
 * the same way: an archive if the (decompressed) data starts with a tar header, a Dockerfile otherwise.
 */
async function stdinContext(stdin: AsyncIterable<Buffer | Uint8Array>, dir: string): Promise<{ dockerfile?: string }> {
  const { openDecompressed } = await import('../engine/archive/compression.js');
  const { extractTree } = await import('../engine/archive/apply-layer.js');
  const d = await openDecompressed(stdin);
  const it = d.chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let len = 0;
  while (len < 512) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    len += r.value.length;
  }
  const first = Buffer.concat(head);
  if (first.length >= 512 && isTarHeader(first.subarray(0, 512))) {
    await extractTree(replay(head, it), dir, {});
    return {};
  }
  if (d.compression !== 'none') throw invalidArgument('unable to prepare context: the compressed input on stdin is not a tar archive');
  const rest = await readAll(replay(head, it));
  return { dockerfile: rest.toString('utf8') };
}

/** Prepares the context and reads the Dockerfile (see the module comment). */
export async function openBuildContext(spec: ContextSpec): Promise<BuildContext> {
  if (spec.context === '-' && spec.dockerfile === '-') {
    throw invalidArgument('invalid argument: can\'t use stdin for both build context and dockerfile');
  }
  if (/^(https?|git):\/\//.test(spec.context) || /^git@/.test(spec.context) || spec.context.startsWith('github.com/')) {
    throw notImplemented(`unable to prepare context: remote build contexts are not supported: ${spec.context}`);
  }
  let dir: string;
  let scratch: string | undefined;
  let dockerfile: string | undefined = spec.dockerfileText;
  let dockerfileName = 'Dockerfile';
  let dockerfilePath: string | undefined;
  const cleanup = () => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  };
  try {
    if (spec.context === '-') {
      if (spec.stdin === undefined) throw invalidArgument('unable to prepare context: no standard input to read the context from');
      scratch = path.join(spec.scratchDir, `context-${randomBytes(6).toString('hex')}`);
      mkdirSync(scratch, { recursive: true, mode: 0o700 });
      dir = scratch;
      const got = await stdinContext(spec.stdin, dir);
      if (got.dockerfile !== undefined && dockerfile === undefined) dockerfile = got.dockerfile;
    } else {
      dir = path.resolve(spec.cwd, spec.context === '' ? '.' : spec.context);
      const st = statOrUndefined(dir);
      if (st === undefined) throw new EngineError('not-found', `unable to prepare context: path "${spec.context}" not found`);
      if (!st.isDirectory()) throw invalidArgument(`unable to prepare context: context must be a directory: ${dir}`);
    }

    if (dockerfile === undefined) {
      if (spec.dockerfile === '-') {
        if (spec.stdin === undefined) throw invalidArgument('unable to prepare context: no standard input to read the Dockerfile from');
        dockerfile = (await readAll(spec.stdin)).toString('utf8');
      } else if (spec.dockerfile !== undefined && spec.dockerfile !== '') {
        const fromCwd = path.resolve(spec.cwd, spec.dockerfile);
        const candidates = path.isAbsolute(spec.dockerfile) ? [fromCwd] : [fromCwd, path.resolve(dir, spec.dockerfile)];
        const found = candidates.find((c) => statOrUndefined(c)?.isFile() === true);
        if (found === undefined) {
          const what = statOrUndefined(fromCwd)?.isDirectory() === true ? 'is a directory' : 'no such file or directory';
          throw new EngineError('not-found', `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${fromCwd}: ${what}`);
        }
        dockerfilePath = found;
        dockerfileName = path.basename(found);
      } else {
        const found = ['Dockerfile', 'Containerfile'].map((n) => path.join(dir, n)).find((c) => statOrUndefined(c)?.isFile() === true);
        if (found === undefined) {
          throw new EngineError('not-found', `unable to prepare context: cannot find a Dockerfile or Containerfile in "${dir}"`);
        }
        dockerfilePath = found;
        dockerfileName = path.basename(found);
      }
      if (dockerfilePath !== undefined) dockerfile = readFileSync(dockerfilePath, 'utf8');
    }
    const ignore = await readDockerignore(dir, dockerfilePath);
    let matcher: IgnoreMatcher;
    try {
      matcher = createIgnoreMatcher(ignore.patterns);
    } catch (err) {
      const where = ignore.path !== undefined ? path.basename(ignore.path) : '.dockerignore';
      throw invalidArgument(`failed to parse ${where}: ${(err as Error).message}`, { cause: err });
    }
    return {
      dir,
      dockerfile: dockerfile ?? '',
      dockerfileName,
      ...(dockerfilePath !== undefined ? { dockerfilePath } : {}),
      ignore: matcher,
      ...(ignore.path !== undefined ? { ignoreFile: ignore.path } : {}),
      close: cleanup,
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}
