/**
 * `cp` between a container and the host, with Docker's semantics (copy-plan.ts holds the path rules). The container
 * side is read and written through {@link withContainerFs} (rootfs plus volumes, binds and network files, running
 * or not); every container path is resolved inside the container's root, symlinks included, so nothing outside
 * it is ever read or written. Archives are made with the engine's tar writer and applied with its extractor
 * (archive/), which confines entries to the target directory as well.
 *
 * Ownership: into the container, entries belong to root unless `archive` (`-a`) keeps the source's uid/gid; out of
 * the container, entries belong to the caller unless `archive` keeps the container's. Docker's documented rules.
 *
 * Errors carry Docker's wording: `No such container:path: c:/x` (not-found), `cannot copy directory`,
 * `no such directory`, `destination "c:/x" must be a directory`, `extraction point is not a directory`,
 * `mounted volume is marked read-only`, `container rootfs is marked read-only`.
 */
import { lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import { extractTree } from '../archive/apply-layer.js';
import { resolveInRoot } from '../archive/root-path.js';
import { TarWriter } from '../archive/tar-writer.js';
import { TreeEmitter } from '../archive/tree-emitter.js';
import { EngineError, failedPrecondition, hasCode, invalidArgument, isErrno } from '../errdefs.js';
import { emitContainerEvent } from '../events/emit.js';
import type { OpContext } from '../op-context.js';
import { withContainerFs, type ContainerFs } from './container-fs.js';
import {
  containerAbsPath,
  getRebaseName,
  goBase,
  goClean,
  goDir,
  goJoin,
  prepareArchiveCopy,
  splitPathDirEntry,
  type CopyDestInfo,
  type CopySourceInfo,
} from './copy-plan.js';
import type { ContainerServiceImpl } from './service.js';
import type { ContainerRecord } from './types.js';

export interface CopyOptions {
  /** `-L`: follow a symlink named as the source. */
  readonly followLink?: boolean;
  /** `-a`: keep the source's uid/gid. */
  readonly archive?: boolean;
}

/** Where a copy out goes: a local path, or a tar stream (`-`). */
export type CopyOutTarget = { readonly kind: 'path'; readonly path: string } | { readonly kind: 'stream'; readonly out: Writable };
/** Where a copy in comes from: a local path, or a tar stream (`-`). */
export type CopyInSource = { readonly kind: 'path'; readonly path: string } | { readonly kind: 'stream'; readonly input: AsyncIterable<Buffer | Uint8Array> };

function noSuchPath(container: string, p: string): EngineError {
  return new EngineError('not-found', `No such container:path: ${container}:${p}`, { subject: { kind: 'file', ref: `${container}:${p}` } });
}

/** The container, with "no such container" phrased as Docker's cp phrases it. */
async function containerFor(svc: ContainerServiceImpl, ctx: OpContext, ref: string, p: string): Promise<ContainerRecord> {
  try {
    return await svc.get(ctx, ref);
  } catch (err) {
    if (hasCode(err, 'not-found')) throw noSuchPath(ref, p);
    throw err;
  }
}

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}

/** A container path resolved in the mounted tree: the host path and its lstat (undefined when missing). */
interface ResolvedContainerPath {
  /** `absPath` of Docker: absolute, with the user's trailing `/` or `/.`. */
  readonly abs: string;
  readonly host: string;
  readonly st: Stats | undefined;
}

/**
 * Docker's ResolvePath: the directory part resolved inside the root (symlinks followed), the last component kept
 * as it is (so a symlink is itself), then lstat. ENOTDIR and the like are invalid-argument `lstat <path>: ...`.
 */
function resolveContainerPath(fs: ContainerFs, p: string): ResolvedContainerPath {
  const abs = containerAbsPath(p);
  const slash = abs.lastIndexOf('/');
  const dirPart = abs.slice(0, slash + 1);
  const basePart = abs.slice(slash + 1);
  const dir = resolveInRoot(fs.root, dirPart).path;
  const host = basePart === '' ? `${dir}/` : `${dir}/${basePart}`;
  try {
    return { abs, host, st: lstatSync(host) };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { abs, host, st: undefined };
    throw invalidArgument(`lstat ${abs}: ${errnoText(err)}`, { cause: err });
  }
}

/** The container path a symlink at `abs` finally points to (resolved in the container's scope), absolute. */
function linkTargetInContainer(fs: ContainerFs, abs: string): string {
  const r = resolveInRoot(fs.root, goClean(abs));
  return `/${r.components.join('/')}`;
}

/** Docker's checkIfPathIsInAVolume and ReadonlyRootfs rule for writes at container path `abs`. */
function checkWritable(fs: ContainerFs, rec: ContainerRecord, abs: string): void {
  let inVolume = false;
  for (const m of fs.mounts) {
    const rel = abs === m.destination || abs.startsWith(m.destination.endsWith('/') ? m.destination : `${m.destination}/`);
    if (!rel) continue;
    if (m.readOnly) throw failedPrecondition('mounted volume is marked read-only');
    inVolume = true;
  }
  if (!inVolume && rec.config.options.readOnly) throw failedPrecondition('container rootfs is marked read-only');
}

/** Writes the tree at `host` (not following it if a symlink) as a tar whose top entry is `topName`. */
async function archiveResource(host: string, topName: string, out: Writable, signal: AbortSignal): Promise<void> {
  const st = lstatSync(host);
  const writer = new TarWriter(out, { signal });
  const emitter = new TreeEmitter(writer, { prefix: topName === '/' ? '.' : topName });
  try {
    await emitter.loadXattrs(host);
    await emitter.subtree('', host, st);
    await writer.finish();
  } catch (err) {
    writer.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

/** Streams `host` as a tar (top entry `topName`) straight into `targetDir`. */
async function copyTree(host: string, topName: string, targetDir: string, opts: { owner: 'keep' | 'caller' | 'root'; signal: AbortSignal }): Promise<void> {
  const pipe = new PassThrough({ highWaterMark: 1 << 20 });
  const producing = archiveResource(host, topName, pipe, opts.signal);
  const consuming = extractTree(pipe, targetDir, {
    sameOwner: opts.owner === 'keep',
    ...(opts.owner === 'root' ? { owner: { uid: 0, gid: 0 } } : {}),
    noOverwriteDirNonDir: true,
    signal: opts.signal,
  });
  const [p, c] = await Promise.allSettled([producing, consuming]);
  if (c.status === 'rejected') {
    pipe.destroy();
    throw c.reason;
  }
  if (p.status === 'rejected') throw p.reason;
}

/** Docker's ValidateOutputPath for a local destination. */
function validateLocalOutput(p: string): void {
  const dir = goDir(goClean(p));
  if (dir !== '' && dir !== '.') {
    try {
      statSync(dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw invalidArgument(`invalid output path: directory ${JSON.stringify(dir)} does not exist`);
    }
  }
  let st: Stats;
  try {
    st = statSync(p);
  } catch {
    return;
  }
  if (!st.isDirectory() && !st.isFile()) throw invalidArgument(`invalid output path: ${JSON.stringify(p)} must be a directory or a regular file`);
}

/** Docker's CopyInfoDestinationPath: a local destination, its final symlinks followed; the parent must exist. */
function localDestInfo(p: string): CopyDestInfo {
  let cur = p;
  let st: Stats | undefined;
  try {
    st = lstatSync(cur);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw invalidArgument(`lstat ${cur}: ${errnoText(err)}`, { cause: err });
  }
  for (let n = 0; st?.isSymbolicLink(); n++) {
    if (n > 10) throw invalidArgument(`too many symlinks in ${p}`);
    const target = readlinkSync(cur);
    cur = target.startsWith('/') ? target : goJoin(splitPathDirEntry(cur).dir, target);
    try {
      st = lstatSync(cur);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw invalidArgument(`lstat ${cur}: ${errnoText(err)}`, { cause: err });
      st = undefined;
    }
  }
  if (st) return { path: cur, exists: true, isDir: st.isDirectory() };
  const parent = splitPathDirEntry(cur).dir;
  let pst: Stats;
  try {
    pst = statSync(parent);
  } catch (err) {
    throw invalidArgument(`stat ${parent}: ${errnoText(err)}`, { cause: err });
  }
  if (!pst.isDirectory()) throw invalidArgument('not a directory');
  return { path: cur, exists: false, isDir: false };
}

/** Docker's CopyInfoSourcePath for a local source (`-L` follows the last component too). */
function localSourceInfo(p: string, followLink: boolean): CopySourceInfo & { host: string } {
  let resolved: string;
  let rebaseName: string | undefined;
  try {
    if (followLink) {
      const r = getRebaseName(p, realpathSync(p));
      resolved = r.path;
      rebaseName = r.rebaseName;
    } else {
      const slash = p.lastIndexOf('/');
      const dir = realpathSync(slash <= 0 ? '/' : p.slice(0, slash));
      resolved = `${dir === '/' ? '' : dir}/${p.slice(slash + 1)}`;
      if (p.endsWith('/') && goBase(p) !== goBase(resolved)) rebaseName = goBase(p);
    }
  } catch (err) {
    throw invalidArgument(`lstat ${p}: ${errnoText(err)}`, { cause: err });
  }
  let st: Stats;
  try {
    st = lstatSync(resolved);
  } catch (err) {
    throw invalidArgument(`lstat ${resolved}: ${errnoText(err)}`, { cause: err });
  }
  return { path: resolved, host: resolved, isDir: st.isDirectory(), ...(rebaseName !== undefined ? { rebaseName } : {}) };
}

/**
 * Copies container path `srcPath` of `ref` to a local path or a tar stream (`docker cp CONTAINER:SRC DEST|-`).
 * A local `dest.path` must be absolute (the CLI resolves it against its working directory).
 */
export async function copyFromContainer(
  svc: ContainerServiceImpl,
  ctx: OpContext,
  ref: string,
  srcPath: string,
  dest: CopyOutTarget,
  opts: CopyOptions = {},
): Promise<void> {
  if (dest.kind === 'path') validateLocalOutput(dest.path);
  const rec = await containerFor(svc, ctx, ref, srcPath);
  await withContainerFs(svc.deps, ctx, rec, { volumes: true }, async (fs) => {
    let requested = srcPath;
    let rebaseName: string | undefined;
    if (opts.followLink) {
      const first = resolveContainerPath(fs, requested);
      if (first.st?.isSymbolicLink()) {
        const r = getRebaseName(requested, linkTargetInContainer(fs, first.abs));
        requested = r.path;
        rebaseName = r.rebaseName;
      }
    }
    const src = resolveContainerPath(fs, requested);
    if (!src.st) throw noSuchPath(ref, srcPath);
    if (src.abs.endsWith('/') && !src.st.isDirectory() && !src.st.isSymbolicLink()) throw invalidArgument(`lstat ${src.abs}: not a directory`);
    if (dest.kind === 'stream') {
      // The daemon names the top entry after the requested path (`/etc/.` -> `.`, `/` -> `/`); the CLI streams it as is.
      await archiveResource(src.host, splitPathDirEntry(src.abs).base, dest.out, ctx.signal);
    } else {
      const info: CopySourceInfo = { path: src.abs, isDir: src.st.isDirectory(), ...(rebaseName !== undefined ? { rebaseName } : {}) };
      const plan = prepareArchiveCopy(info, localDestInfo(dest.path));
      await copyTree(src.host, plan.topName, plan.dstDir, { owner: opts.archive ? 'keep' : 'caller', signal: ctx.signal });
    }
  });
  emitContainerEvent(svc.deps.storage.db, ctx, rec, 'archive-path', { path: containerAbsPath(srcPath) });
}

/**
 * Copies a local path or a tar stream into container path `dstPath` of `ref` (`docker cp SRC|- CONTAINER:DEST`). A
 * local `src.path` must be absolute.
 */
export async function copyToContainer(
  svc: ContainerServiceImpl,
  ctx: OpContext,
  ref: string,
  dstPath: string,
  src: CopyInSource,
  opts: CopyOptions = {},
): Promise<void> {
  const local = src.kind === 'path' ? localSourceInfo(src.path, opts.followLink === true) : undefined;
  const rec = await containerFor(svc, ctx, ref, dstPath);
  await withContainerFs(svc.deps, ctx, rec, { volumes: true }, async (fs) => {
    // The destination, its final symlink followed (Docker's ContainerStatPath + link evaluation).
    let dstAbs = containerAbsPath(dstPath);
    let dst = resolveContainerPath(fs, dstAbs);
    if (dst.st?.isSymbolicLink()) {
      dstAbs = linkTargetInContainer(fs, dst.abs);
      dst = resolveContainerPath(fs, dstAbs);
    }
    if (dst.st && !dst.st.isDirectory() && !dst.st.isFile()) {
      throw invalidArgument(`destination "${ref}:${dstPath}" must be a directory or a regular file`);
    }
    const dstInfo: CopyDestInfo = { path: dstAbs, exists: dst.st !== undefined, isDir: dst.st?.isDirectory() === true };
    let extractAt: string;
    let topName: string | undefined;
    if (local === undefined) {
      if (!dstInfo.isDir) throw invalidArgument(`destination "${ref}:${dstPath}" must be a directory`);
      extractAt = dstInfo.path;
    } else {
      const plan = prepareArchiveCopy(local, dstInfo);
      extractAt = plan.dstDir;
      topName = plan.topName;
    }
    // The daemon's extraction point: every symlink followed, it must be an existing directory.
    const at = resolveInRoot(fs.root, extractAt);
    if (!at.exists) throw noSuchPath(ref, extractAt);
    if (!lstatSync(at.path).isDirectory()) throw failedPrecondition('extraction point is not a directory');
    checkWritable(fs, rec, `/${at.components.join('/')}`);
    const owner = opts.archive ? 'keep' : 'root';
    if (local === undefined) {
      await extractTree((src as { input: AsyncIterable<Buffer | Uint8Array> }).input, at.path, {
        sameOwner: owner === 'keep',
        ...(owner === 'root' ? { owner: { uid: 0, gid: 0 } } : {}),
        noOverwriteDirNonDir: true,
        signal: ctx.signal,
      });
    } else {
      await copyTree(local.host, topName!, at.path, { owner, signal: ctx.signal });
    }
  });
  emitContainerEvent(svc.deps.storage.db, ctx, rec, 'extract-to-dir', { path: containerAbsPath(dstPath) });
}

