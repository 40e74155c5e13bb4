/**
 * What a container changed in its root filesystem, as Docker computes it (`docker diff`, and the layer of
 * `docker commit`):
 *
 * - overlayfs: a walk of the container's upper directory in lexical order. A whiteout (0:0 character device, or
 *   the xattr form) is a deletion; an opaque directory is reported deleted too (its lower content is hidden) and
 *   its entries follow; anything else is added, or changed when the path exists in a lower layer; a directory that
 *   exists below with the same size, mode and mtime is not reported. The parent of an addition or deletion is
 *   reported changed (before it) unless already reported.
 * - native: a comparison of the container's tree with a copy of the image's (statDifferent: mode, owner, device,
 *   and for non-directories size and mtime; the `security.capability` xattr), directories with changes inside
 *   reported changed before them, deletions of whole directories as one entry.
 *
 * Docker's runtime mount points live in its hidden init layer, so they never show; ours are created by runc in the
 * container's own layer. They are left out here: the empty directories and files of {@link RUNTIME_STUBS} that
 * do not exist in the image, and a directory reported changed only because one of them was created in it.
 *
 * Entries come out parents first, in lexical order (Docker's own order is a map's: random).
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { readTreeXattrs, type Xattrs } from '../archive/xattrs.js';
import { OVERLAY_OPAQUE_XATTR, OVERLAY_WHITEOUT_XATTR } from '../archive/whiteout.js';
import { internal, isErrno } from '../errdefs.js';
import { mountLayout } from '../mount/mount.js';
import type { OpContext } from '../op-context.js';
import type { Snapshotter } from '../snapshots/types.js';
import type { ContainerServiceOptions } from './deps.js';

export type ChangeKind = 'A' | 'C' | 'D';

/** One change, with what a layer writer needs. */
export interface FsChange {
  /** Absolute path in the container (`/etc/hosts`). */
  readonly path: string;
  readonly kind: ChangeKind;
  /** Host path of the entry as it is now (A and C; also an opaque directory). */
  readonly abs?: string;
  /** An overlay opaque directory (reported `D`): it exists, with nothing of the layers below. */
  readonly opaque?: boolean;
  /** A directory reported only for its times or size, or for what changed inside it (not its own metadata). */
  readonly incidental?: boolean;
}

/** Mount points runc creates in the root filesystem (Docker keeps them in its init layer). */
export const RUNTIME_STUBS: ReadonlySet<string> = new Set([
  '/dev',
  '/dev/pts',
  '/dev/shm',
  '/dev/mqueue',
  '/dev/console',
  '/proc',
  '/sys',
  '/etc/hosts',
  '/etc/hostname',
  '/etc/resolv.conf',
  '/sbin/docker-init',
]);

function lstatIfExists(p: string): Stats | undefined {
  try {
    return lstatSync(p, { bigint: false });
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

function mtimeNs(p: string): bigint {
  return lstatSync(p, { bigint: true }).mtimeNs;
}

/** Go's sameFsTime: equal, or the same second when either side has no sub-second part. */
function sameTime(aAbs: string, bAbs: string): boolean {
  const a = mtimeNs(aAbs);
  const b = mtimeNs(bAbs);
  if (a === b) return true;
  const s = 1_000_000_000n;
  return (a % s === 0n || b % s === 0n) && a / s === b / s;
}

function sortedNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
}

const join = (parent: string, name: string) => (parent === '/' ? `/${name}` : `${parent}/${name}`);

/** Changes recorded in an overlay upper directory over `lowers` (nearest first). */
export async function overlayChanges(upper: string, lowers: readonly string[]): Promise<FsChange[]> {
  const xattrs = await readTreeXattrs(upper);
  const out: FsChange[] = [];
  const reported = new Set<string>();
  const walk = (dir: string, abs: string) => {
    for (const name of sortedNames(abs)) {
      const p = join(dir, name);
      const a = `${abs}/${name}`;
      const st = lstatIfExists(a);
      if (!st) continue;
      const xa = xattrs.get(a);
      const whiteout = (st.isCharacterDevice() && st.rdev === 0) || (st.isFile() && st.size === 0 && xa?.has(OVERLAY_WHITEOUT_XATTR) === true);
      const opaque = st.isDirectory() && xa?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y';
      let change: FsChange | undefined;
      if (whiteout) change = { path: p, kind: 'D' };
      else if (opaque) change = { path: p, kind: 'D', abs: a, opaque: true };
      else {
        let lower: { st: Stats; abs: string } | undefined;
        for (const l of lowers) {
          const la = l + p;
          const lst = lstatIfExists(la);
          if (lst) {
            lower = { st: lst, abs: la };
            break;
          }
        }
        if (!lower) change = { path: p, kind: 'A', abs: a };
        else if (st.isDirectory() && lower.st.isDirectory()) {
          const sameMeta = st.mode === lower.st.mode && st.uid === lower.st.uid && st.gid === lower.st.gid;
          if (st.size === lower.st.size && st.mode === lower.st.mode && sameTime(a, lower.abs)) {
            // Unchanged itself (copied up for something below): not reported.
            walk(p, a);
            continue;
          }
          change = { path: p, kind: 'C', abs: a, ...(sameMeta ? { incidental: true } : {}) };
        } else change = { path: p, kind: 'C', abs: a };
      }
      if (st.isDirectory() && !whiteout) reported.add(p);
      if (change.kind !== 'C') {
        const parent = path.posix.dirname(p);
        if (parent !== '/' && !reported.has(parent)) {
          out.push({ path: parent, kind: 'C', abs: path.dirname(a), incidental: true });
          reported.add(parent);
        }
      }
      out.push(change);
      if (st.isDirectory()) walk(p, a);
    }
  };
  walk('/', upper);
  return out;
}

function capability(x: Map<string, Xattrs>, abs: string): Buffer | undefined {
  return x.get(abs)?.get('security.capability');
}

/** Docker's statDifferent plus the capability xattr. */
function entryDiffers(lower: Stats, la: string, lx: Map<string, Xattrs>, upper: Stats, ua: string, ux: Map<string, Xattrs>): boolean {
  if (lower.mode !== upper.mode || lower.uid !== upper.uid || lower.gid !== upper.gid || lower.rdev !== upper.rdev) return true;
  if (!upper.isDirectory() && (lower.size !== upper.size || !sameTime(la, ua))) return true;
  const lc = capability(lx, la);
  const uc = capability(ux, ua);
  return lc === undefined ? uc !== undefined : uc === undefined || !lc.equals(uc);
}

/** Changes between `lowerRoot` (the image's tree) and `upperRoot` (the container's), for the native snapshotter. */
export async function treeChanges(lowerRoot: string | undefined, upperRoot: string): Promise<FsChange[]> {
  const [lx, ux] = await Promise.all([lowerRoot === undefined ? new Map<string, Xattrs>() : readTreeXattrs(lowerRoot), readTreeXattrs(upperRoot)]);
  const out: FsChange[] = [];
  /** Records the changes below directory `p`; the caller has reported `p` itself or not (`reportedSelf`). */
  const walk = (p: string, la: string | undefined, ua: string, reportedSelf: boolean) => {
    const start = out.length;
    const lowerNames = la === undefined ? [] : sortedNames(la);
    const upperNames = sortedNames(ua);
    const names = [...new Set([...lowerNames, ...upperNames])].sort();
    const inUpper = new Set(upperNames);
    const inLower = new Set(lowerNames);
    for (const name of names) {
      const cp = join(p, name);
      const cu = `${ua}/${name}`;
      const cl = la === undefined ? undefined : `${la}/${name}`;
      const ust = inUpper.has(name) ? lstatIfExists(cu) : undefined;
      const lst = cl !== undefined && inLower.has(name) ? lstatIfExists(cl) : undefined;
      if (!ust) {
        if (lst) out.push({ path: cp, kind: 'D' });
        continue;
      }
      let reported = false;
      if (!lst) {
        out.push({ path: cp, kind: 'A', abs: cu });
        reported = true;
      } else if (entryDiffers(lst, cl!, lx, ust, cu, ux)) {
        out.push({ path: cp, kind: 'C', abs: cu });
        reported = true;
      }
      if (ust.isDirectory()) walk(cp, lst?.isDirectory() ? cl : undefined, cu, reported);
    }
    if (out.length > start && !reportedSelf && p !== '/') out.splice(start, 0, { path: p, kind: 'C', abs: ua, incidental: true });
  };
  walk('/', lowerRoot, upperRoot, true);
  return out;
}

function isEmptyStub(abs: string): boolean {
  const st = lstatIfExists(abs);
  if (!st) return false;
  if (st.isDirectory()) return sortedNames(abs).length === 0;
  return st.isFile() && st.size === 0;
}

/**
 * Leaves out runc's mount points (see the module comment): additions of empty {@link RUNTIME_STUBS}, and the
 * incidental change of a directory they were made in, unless it would be reported anyway: on overlay when an entry
 * directly in it was added or deleted, on a tree comparison when anything below it changed. Pure but for
 * `lstat`/`readdir`.
 */
export function withoutRuntimeStubs(changes: readonly FsChange[], source: 'overlay' | 'tree'): FsChange[] {
  const dropped = new Set<string>();
  for (const c of changes) {
    if (c.kind === 'A' && c.abs !== undefined && RUNTIME_STUBS.has(c.path) && isEmptyStub(c.abs)) dropped.add(c.path);
  }
  if (dropped.size === 0) return [...changes];
  const kept = changes.filter((c) => !dropped.has(c.path));
  // A directory whose only own change is the stubs made in it is reported only if an entry directly in it was
  // added or deleted (which is what makes Docker report a parent), or, on a tree comparison, anything below it.
  return kept.filter((c) => {
    if (c.kind !== 'C' || c.incidental !== true) return true;
    if (![...dropped].some((s) => path.posix.dirname(s) === c.path)) return true;
    if (source === 'tree') return kept.some((o) => o.path.startsWith(`${c.path}/`));
    return kept.some((o) => path.posix.dirname(o.path) === c.path && o.kind !== 'C');
  });
}

/** Where a container's changes are read from: the snapshot's directories, and what to release afterwards. */
export interface ChangeSource {
  readonly changes: FsChange[];
  /** The directory the `abs` paths are under (the upper directory, or the container's tree). */
  readonly root: string;
  release(): Promise<void>;
}

/**
 * The changes of the active snapshot `key` (a container's rootfs) in `sn`, runtime mount points left out. For the
 * native snapshotter the image's tree is a view made for the comparison: call `release()` when done with the
 * changes (the `abs` paths stay valid until then).
 */
export async function snapshotChanges(ctx: OpContext, sn: Snapshotter, key: string): Promise<ChangeSource> {
  const layout = mountLayout(await sn.mounts(ctx, key));
  if (layout?.type === 'overlay' && layout.upper !== undefined) {
    return { changes: withoutRuntimeStubs(await overlayChanges(layout.upper, layout.lowers), 'overlay'), root: layout.upper, release: async () => {} };
  }
  if (layout?.type === 'dir') {
    const info = await sn.stat(ctx, key);
    if (sn.name === 'overlayfs' || info.parent === undefined) {
      // A snapshot without a parent: everything in it was added.
      return { changes: withoutRuntimeStubs(await treeChanges(undefined, layout.dir), 'tree'), root: layout.dir, release: async () => {} };
    }
    const viewKey = `${key}-diff-${process.pid}-${Date.now()}`;
    const view = mountLayout(await sn.view(ctx, viewKey, info.parent));
    const release = () => sn.remove(ctx, viewKey).catch(() => {});
    try {
      if (view?.type !== 'dir') throw internal(`snapshotter ${sn.name}: unexpected view mounts`);
      return { changes: withoutRuntimeStubs(await treeChanges(view.dir, layout.dir), 'tree'), root: layout.dir, release };
    } catch (err) {
      await release();
      throw err;
    }
  }
  throw internal(`snapshotter ${sn.name}: cannot compute the changes of these mounts`);
}

/** The changes of container `ref` (`docker diff`): kind and path only. not-found for a missing container. */
export async function containerDiff(d: ContainerServiceOptions, ctx: OpContext, ref: string): Promise<{ kind: ChangeKind; path: string }[]> {
  const rec = d.store.resolve(ctx.namespace, ref);
  const src = await snapshotChanges(ctx, d.storage.snapshotterFor(rec.snapshotter), rec.snapshotKey);
  try {
    return src.changes.map((c) => ({ kind: c.kind, path: c.path }));
  } finally {
    await src.release();
  }
}
