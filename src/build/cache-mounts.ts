/**
 * `RUN --mount=type=cache` directories: persistent across builds, one per (namespace, id), under
 * `<dataRoot>/build/cache-mounts/<namespace>/<sha256(id)>`. Their content is never part of a cache key or a
 * layer. Sharing modes (BuildKit's): `shared` (default) lets every step use the directory at once, `locked` waits
 * for the other user to finish, `private` takes a fresh temporary directory while another step holds it.
 *
 * Locks are files created exclusively next to the directory and naming the holder's pid; a lock whose process is
 * gone is stale and taken over.
 */
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, lstatSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { canceled, isErrno } from '../engine/errdefs.js';

/** The directory holding a data root's cache mounts for `namespace`. */
export function cacheMountsRoot(dataRoot: string, namespace?: string): string {
  const base = path.join(dataRoot, 'build', 'cache-mounts');
  return namespace === undefined ? base : path.join(base, namespace);
}

/** The directory of cache mount `id`. */
export function cacheMountDir(dataRoot: string, namespace: string, id: string): string {
  return path.join(cacheMountsRoot(dataRoot, namespace), createHash('sha256').update(id).digest('hex').slice(0, 32));
}

/** A cache mount in use. */
export interface HeldCacheMount {
  dir: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

/** Tries to take the lock file; false when a live process holds it. */
function tryLock(lock: string): boolean {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      let holder = NaN;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue;
      }
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) return false;
      try {
        unlinkSync(lock);
      } catch {
        // someone else cleaned it up
      }
    }
  }
  return false;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(canceled('build canceled'));
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(canceled('build canceled'));
    }, { once: true });
  });
}

/** Options of {@link acquireCacheMount}. */
export interface AcquireCacheMountOptions {
  dataRoot: string;
  namespace: string;
  id: string;
  sharing: 'shared' | 'private' | 'locked';
  /** Mode, uid and gid of a new directory. */
  mode: number;
  uid: number;
  gid: number;
  /** Where a private instance goes when the shared one is busy. */
  scratchDir: string;
  signal: AbortSignal;
}

/** Takes cache mount `id` for one step (see the module comment). Call `release` when the step ends. */
export async function acquireCacheMount(o: AcquireCacheMountOptions): Promise<HeldCacheMount> {
  const dir = cacheMountDir(o.dataRoot, o.namespace, o.id);
  mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  const create = (d: string) => {
    if (existsSync(d)) return;
    mkdirSync(d, { mode: o.mode });
    chmodSync(d, o.mode);
    chownSync(d, o.uid, o.gid);
  };
  if (o.sharing === 'shared') {
    create(dir);
    return { dir, release() {} };
  }
  const lock = `${dir}.lock`;
  for (;;) {
    if (tryLock(lock)) {
      create(dir);
      return {
        dir,
        release() {
          try {
            unlinkSync(lock);
          } catch {
            // already gone
          }
        },
      };
    }
    if (o.sharing === 'private') {
      const tmp = path.join(o.scratchDir, `cache-private-${path.basename(dir)}-${process.hrtime.bigint()}`);
      create(tmp);
      return { dir: tmp, release: () => rmSync(tmp, { recursive: true, force: true }) };
    }
    await sleep(100, o.signal);
  }
}

/** Bytes used by a directory tree (apparent sizes), for prune reports. */
export function treeSize(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.isDirectory()) walk(p);
      else total += st.size;
    }
  };
  walk(dir);
  return total;
}
