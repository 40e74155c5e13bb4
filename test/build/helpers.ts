/**
 * Build tests' world: a private environment (data and state roots, namespace, default bridge and subnet; see
 * test/containers/helpers.ts) with busybox loaded, `nerdctl build` through the CLI, and in-process looks at the
 * result (the image's config through the image service, its files through a read-only mount), plus the checks
 * that a build left nothing behind: no mount, netns, cgroup or process (the shared leak check), no active
 * snapshot, lease or ingest in the database.
 */
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, lstatSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeCtrEnv, type CtrEnv } from '../containers/helpers.js';
import type { RunOptions, RunResult } from '../helpers/cli.js';
import { openStorage, type Storage } from '../../src/engine/metadata/storage.js';
import { createImageService } from '../../src/engine/images/service.js';
import type { DockerImageInspect, HistoryEntry, ImageService } from '../../src/engine/images/types.js';
import type { OpContext } from '../../src/engine/op-context.js';
import { nullLogger } from '../../src/engine/log.js';

export { canRunContainers } from '../containers/helpers.js';

/** A file fact in expectations: its type, content, mode (octal text), owner, link target. */
export interface FileFact {
  type?: 'file' | 'dir' | 'symlink';
  content?: string;
  /** Substring of the content. */
  contains?: string;
  mode?: string;
  uid?: number;
  gid?: number;
  target?: string;
}

export interface BuildEnv extends CtrEnv {
  /** `nerdctl build --progress plain <args...>`. */
  build(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Docker's inspect object of an image. */
  inspect(ref: string): Promise<DockerImageInspect>;
  /** The image config's history entries. */
  configHistory(ref: string): Promise<HistoryEntry[]>;
  /** Runs `fn` with the image's root filesystem mounted read-only. */
  withRootfs<T>(ref: string, fn: (dir: string) => Promise<T> | T): Promise<T>;
  /** What the database holds that only a running build should: active snapshots, leases, ingests. */
  buildLeftovers(): string[];
  /** Closes the in-process storage and cleans everything; returns the leaks found. */
  dispose(): Promise<string[]>;
}

/** A test context for in-process engine calls. */
export function op(namespace: string): OpContext {
  return { namespace, signal: new AbortController().signal, log: nullLogger };
}

/** Makes a private build environment with busybox:latest loaded. */
export async function makeBuildEnv(): Promise<BuildEnv> {
  const env = await makeCtrEnv();
  let storage: Storage | undefined;
  let images: ImageService | undefined;
  const svc = () => {
    storage ??= openStorage({ dataRoot: env.dataRoot, readonly: true, syncBlobs: false });
    images ??= createImageService({
      storage,
      resolver: () => {
        throw new Error('no registry in this test');
      },
    });
    return images;
  };
  const ctx = op(env.namespace);
  const mounts = path.join(env.base, 'mnt');
  mkdirSync(mounts, { recursive: true });
  let n = 0;
  return {
    ...env,
    build: (args, opts) => env.run(['build', '--progress', 'plain', ...args], { timeoutMs: 240_000, ...opts }),
    inspect: (ref) => svc().inspect(ctx, ref),
    async configHistory(ref) {
      const content = await svc().open(ctx, ref);
      return content.config.history ?? [];
    },
    async withRootfs(ref, fn) {
      const dir = path.join(mounts, String(++n));
      mkdirSync(dir);
      await svc().mount(ctx, ref, dir);
      try {
        return await fn(dir);
      } finally {
        await svc().unmount(ctx, dir);
      }
    },
    buildLeftovers() {
      const db = new Database(path.join(env.dataRoot, 'meta.db'), { readonly: true, fileMustExist: true });
      try {
        const out: string[] = [];
        const q = (sql: string) => {
          try {
            return db.prepare(sql).all() as Record<string, unknown>[];
          } catch {
            return [];
          }
        };
        for (const r of q("SELECT key FROM snapshots WHERE kind != 'committed'")) out.push(`snapshot ${String(r.key)}`);
        for (const r of q('SELECT id FROM leases')) out.push(`lease ${String(r.id)}`);
        for (const r of q('SELECT ref FROM ingests')) out.push(`ingest ${String(r.ref)}`);
        return out;
      } finally {
        db.close();
      }
    },
    async dispose() {
      storage?.close();
      return env.cleanup();
    },
  };
}

/** Writes a context directory from `files` (path -> content) under a fresh temporary directory. */
export function writeContext(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nerdctl-bctx-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}

/** The differences between a file in `root` and what is expected of it (empty when it matches). */
export function checkFile(root: string, file: string, want: FileFact | null): string[] {
  const p = path.join(root, file);
  let st;
  try {
    st = lstatSync(p);
  } catch {
    st = undefined;
  }
  if (want === null) return st === undefined ? [] : [`${file}: should not exist`];
  if (st === undefined) return [`${file}: missing`];
  const out: string[] = [];
  const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
  if (want.type !== undefined && want.type !== type) out.push(`${file}: type ${type}, want ${want.type}`);
  if (want.mode !== undefined && (st.mode & 0o7777).toString(8).padStart(4, '0') !== want.mode.padStart(4, '0')) {
    out.push(`${file}: mode ${(st.mode & 0o7777).toString(8)}, want ${want.mode}`);
  }
  if (want.uid !== undefined && st.uid !== want.uid) out.push(`${file}: uid ${st.uid}, want ${want.uid}`);
  if (want.gid !== undefined && st.gid !== want.gid) out.push(`${file}: gid ${st.gid}, want ${want.gid}`);
  if (want.target !== undefined && type === 'symlink' && readlinkSync(p) !== want.target) out.push(`${file}: -> ${readlinkSync(p)}, want ${want.target}`);
  if (want.content !== undefined || want.contains !== undefined) {
    const text = type === 'file' ? readFileSync(p, 'utf8') : '';
    if (want.content !== undefined && text !== want.content) out.push(`${file}: content ${JSON.stringify(text)}, want ${JSON.stringify(want.content)}`);
    if (want.contains !== undefined && !text.includes(want.contains)) out.push(`${file}: content ${JSON.stringify(text)} lacks ${JSON.stringify(want.contains)}`);
  }
  return out;
}

/** The vertices a plain build output reports as CACHED, by name. */
export function cachedSteps(stderr: string): string[] {
  const names = new Map<string, string>();
  const cached: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (m === null) continue;
    const [, id, rest] = m;
    if (rest === 'CACHED') cached.push(names.get(id!) ?? id!);
    else if (!names.has(id!)) names.set(id!, rest!);
  }
  return cached;
}

/** The step vertices (`[k/n] ...`) a plain build output shows, by name, with whether each was cached. */
export function stepOutcomes(stderr: string): Map<string, 'cached' | 'ran'> {
  const names = new Map<string, string>();
  const out = new Map<string, 'cached' | 'ran'>();
  for (const line of stderr.split('\n')) {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (m === null) continue;
    const [, id, rest] = m;
    if (!names.has(id!)) {
      names.set(id!, rest!);
      continue;
    }
    const name = names.get(id!)!;
    if (!/^\[/.test(name) || name.startsWith('[internal]')) continue;
    if (rest === 'CACHED') out.set(name, 'cached');
    else if (rest!.startsWith('DONE')) out.set(name, 'ran');
  }
  return out;
}
