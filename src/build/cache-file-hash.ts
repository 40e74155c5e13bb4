/**
 * Content hashes of build-context files, memoised across builds by stat facts (device, inode, size, mtime and
 * ctime in nanoseconds) so that a rebuild reads no file that did not change: the stat is the lookup key, the
 * content hash is what cache keys use. A file modified within two seconds before it was hashed is hashed again
 * next time (its mtime might not tell a later change of the same second apart: git's "racy" rule).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, type BigIntStats } from 'node:fs';
import type { BuildCache, FileHashEntry } from './cache.js';

const RACY_WINDOW_NS = 2_000_000_000n;
const CHUNK = 1 << 20;

/** Hashes regular files of the context, with a persistent memo. Call {@link FileHasher.flush} when done. */
export interface FileHasher {
  /** sha256 hex of the file's content; `st` is its lstat (bigint). */
  hash(abs: string, st: BigIntStats): string;
  /** Writes new memo entries (one transaction); cheap when there are none. */
  flush(): void;
  /** Files actually read (for tests and debug logs). */
  readonly filesRead: number;
}

/** sha256 hex of a file's bytes, read synchronously in 1 MiB chunks. */
export function hashFileContent(abs: string): string {
  const h = createHash('sha256');
  const fd = openSync(abs, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      h.update(n === CHUNK ? buf : buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** A hasher backed by the build cache's memo table (or none, for tests). */
export function createFileHasher(cache: BuildCache | undefined): FileHasher {
  const pending: FileHashEntry[] = [];
  const local = new Map<string, string>();
  let filesRead = 0;
  return {
    get filesRead() {
      return filesRead;
    },
    hash(abs, st) {
      const memoKey = `${abs}\0${st.ino}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}`;
      const seen = local.get(memoKey);
      if (seen !== undefined) return seen;
      const e = cache?.fileHash(abs);
      const nowNs = BigInt(Date.now()) * 1_000_000n;
      if (
        e !== undefined &&
        e.dev === Number(st.dev) &&
        e.ino === Number(st.ino) &&
        e.size === Number(st.size) &&
        e.mtimeNs === st.mtimeNs &&
        e.ctimeNs === st.ctimeNs &&
        st.mtimeNs + RACY_WINDOW_NS < BigInt(e.hashedAt) * 1_000_000n
      ) {
        local.set(memoKey, e.hash);
        return e.hash;
      }
      const hash = hashFileContent(abs);
      filesRead++;
      local.set(memoKey, hash);
      pending.push({
        path: abs,
        dev: Number(st.dev),
        ino: Number(st.ino),
        size: Number(st.size),
        mtimeNs: st.mtimeNs,
        ctimeNs: st.ctimeNs,
        hash,
        hashedAt: Number(nowNs / 1_000_000n),
      });
      return hash;
    },
    flush() {
      if (pending.length === 0 || cache === undefined) return;
      cache.putFileHashes(pending.splice(0));
    },
  };
}
