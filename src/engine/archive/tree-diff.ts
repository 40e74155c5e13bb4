/**
 * The native snapshotter's diff: compare a snapshot with its parent's copy and write what changed.
 */
import { closeSync, lstatSync, openSync, readSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import type { Writable } from 'node:stream';
import { EngineError, isErrno, notFound, wrap } from '../errdefs.js';
import type { WriteDiffOptions, WriteDiffResult } from './overlay-diff.js';
import { TarWriter } from './tar-writer.js';
import { archivableXattrs, lstatIfExists, sortedNames, TreeEmitter } from './tree-emitter.js';
import { whiteoutName } from './whiteout.js';
import { readTreeXattrs, type Xattrs } from './xattrs.js';

function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound({ kind: 'file', ref: dir });
    throw err;
  }
}

function kind(st: Stats): string {
  if (st.isFile()) return 'f';
  if (st.isDirectory()) return 'd';
  if (st.isSymbolicLink()) return 'l';
  if (st.isCharacterDevice()) return 'c';
  if (st.isBlockDevice()) return 'b';
  if (st.isFIFO()) return 'p';
  return 's';
}

function sameXattrs(a: Xattrs | undefined, b: Xattrs | undefined): boolean {
  const x = archivableXattrs(a);
  const y = archivableXattrs(b);
  if (!x || !y) return !x && !y;
  if (x.size !== y.size) return false;
  for (const [k, v] of x) {
    const w = y.get(k);
    if (!w || !w.equals(v)) return false;
  }
  return true;
}

const CMP_CHUNK = 256 * 1024;

function sameContent(a: string, b: string, size: number): boolean {
  const fa = openSync(a, 'r');
  try {
    const fb = openSync(b, 'r');
    try {
      const ba = Buffer.allocUnsafe(CMP_CHUNK);
      const bb = Buffer.allocUnsafe(CMP_CHUNK);
      let left = size;
      while (left > 0) {
        const want = Math.min(left, CMP_CHUNK);
        const na = readSync(fa, ba, 0, want, null);
        const nb = readSync(fb, bb, 0, want, null);
        if (na !== nb || na === 0) return na === nb && na === 0 && left === 0;
        if (ba.compare(bb, 0, nb, 0, na) !== 0) return false;
        left -= na;
      }
      return true;
    } finally {
      closeSync(fb);
    }
  } finally {
    closeSync(fa);
  }
}

/**
 * Whether `lower` and `upper` (same name in both trees) are unchanged, after containerd's continuity rules:
 * same type, permission bits, owner, device number and xattrs; for non-directories also the same size and
 * mtime seconds. Equal nanoseconds settle it; otherwise (copies whose sub-second time was lost, or
 * filesystems without it) the content decides: link targets, or file bytes.
 */
export function sameEntry(lowerAbs: string, lower: Stats, lx: Xattrs | undefined, upperAbs: string, upper: Stats, ux: Xattrs | undefined): boolean {
  if (kind(lower) !== kind(upper)) return false;
  if ((lower.mode & 0o7777) !== (upper.mode & 0o7777) || lower.uid !== upper.uid || lower.gid !== upper.gid) return false;
  if (lower.rdev !== upper.rdev) return false;
  if (!sameXattrs(lx, ux)) return false;
  if (upper.isDirectory()) return true;
  if (lower.size !== upper.size) return false;
  const ls = Math.floor(lower.mtimeMs / 1000);
  const us = Math.floor(upper.mtimeMs / 1000);
  if (ls !== us) return false;
  // Stats carries mtime as a double of milliseconds, too coarse for nanoseconds: ask again in bigint.
  const lns = lstatSync(lowerAbs, { bigint: true }).mtimeNs;
  const uns = lstatSync(upperAbs, { bigint: true }).mtimeNs;
  if (lns === uns && lns % 1_000_000_000n !== 0n) return true;
  if (upper.isSymbolicLink()) return readlinkSync(lowerAbs) === readlinkSync(upperAbs);
  if (upper.isFile()) return upper.size === 0 || sameContent(lowerAbs, upperAbs, upper.size);
  return true;
}

/**
 * Writes the difference between `lowerDir` (the parent's tree) and `upperDir` (the same tree after changes)
 * as an OCI layer: added and changed entries as members (a changed entry's parent directories are written
 * too, as containerd does, so their metadata travels), deleted ones as `.wh.<name>` whiteouts. A directory
 * replaced by a non-directory is just the new member; appliers remove the old directory. Members are sorted
 * and reproducible. Errors are prefixed `write diff: `.
 */
export async function writeTreeDiff(lowerDir: string, upperDir: string, out: Writable, opts: WriteDiffOptions = {}): Promise<WriteDiffResult> {
  const lowerRoot = realDir(lowerDir);
  const upperRoot = realDir(upperDir);
  const writer = new TarWriter(out, opts);
  const emitter = new TreeEmitter(writer, { log: opts.log });
  try {
    const [lowerX] = await Promise.all([readTreeXattrs(lowerRoot), emitter.loadXattrs(upperRoot)]);
    // Directories on the current path not written yet: written just before the first change below them.
    const pending: Array<{ rel: string; abs: string; st: Stats; written: boolean }> = [];
    const flushParents = async (): Promise<void> => {
      for (const p of pending) {
        if (p.written) continue;
        p.written = true;
        await emitter.entry(p.rel, p.abs, p.st);
      }
    };
    const walk = async (rel: string, lowerAbs: string, upperAbs: string): Promise<void> => {
      const ln = sortedNames(lowerAbs);
      const un = sortedNames(upperAbs);
      let i = 0;
      let j = 0;
      while (i < ln.length || j < un.length) {
        const a = ln[i];
        const b = un[j];
        const name = a !== undefined && (b === undefined || a < b) ? a : b!;
        const inLower = a === name;
        const inUpper = b === name;
        if (inLower) i++;
        if (inUpper) j++;
        const childRel = rel === '' ? name : rel + '/' + name;
        const la = lowerAbs + '/' + name;
        const ua = upperAbs + '/' + name;
        const lst = inLower ? lstatIfExists(la) : undefined;
        const ust = inUpper ? lstatIfExists(ua) : undefined;
        if (lst && !ust) {
          await flushParents();
          await emitter.marker(rel === '' ? whiteoutName(name) : rel + '/' + whiteoutName(name));
          continue;
        }
        if (!ust) continue;
        if (!lst || !lst.isDirectory() || !ust.isDirectory()) {
          if (lst && sameEntry(la, lst, lowerX.get(la), ua, ust, emitter.rawXattrs(ua))) continue;
          await flushParents();
          await emitter.subtree(childRel, ua, ust);
          continue;
        }
        // A directory in both: written if its own metadata changed, else only if something below changed.
        const changed = !sameEntry(la, lst, lowerX.get(la), ua, ust, emitter.rawXattrs(ua));
        if (changed) {
          await flushParents();
          await emitter.entry(childRel, ua, ust);
        }
        pending.push({ rel: childRel, abs: ua, st: ust, written: changed });
        await walk(childRel, la, ua);
        pending.pop();
      }
    };
    await walk('', lowerRoot, upperRoot);
    return await writer.finish();
  } catch (err) {
    writer.destroy(err instanceof Error ? err : new Error(String(err)));
    if (err instanceof EngineError) throw wrap(err, 'write diff');
    throw err;
  }
}
