/**
 * Turns files on disk into tar members, in a reproducible way: directories are read in sorted order, hard
 * links (same inode seen twice) become link members pointing at the first name, xattrs come from one batched
 * `getfattr` (overlayfs' own and SELinux labels excluded: they describe the host, not the image).
 */
import { constants as fsc, closeSync, lstatSync, openSync, readSync, readdirSync, type Stats } from 'node:fs';
import { EngineError, internal, isErrno, wrap } from '../errdefs.js';
import type { Logger } from '../log.js';
import { padding, type TarHeader } from './tar-header.js';
import { entryType, headerFromStat, markerHeader, type TarWriter } from './tar-writer.js';
import { OVERLAY_XATTR_PREFIX } from './whiteout.js';
import { readTreeXattrs, type Xattrs } from './xattrs.js';

const READ_CHUNK = 1024 * 1024;

/** Names in a directory, sorted so the same tree always gives the same archive. */
export function sortedNames(dir: string): string[] {
  return readdirSync(dir).sort();
}

export function lstatIfExists(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

/** xattrs that belong in an archive: all but overlayfs bookkeeping and host SELinux labels. */
export function archivableXattrs(all: Xattrs | undefined): Xattrs | undefined {
  if (!all) return undefined;
  let out: Xattrs | undefined;
  for (const [k, v] of all) {
    if (k.startsWith(OVERLAY_XATTR_PREFIX) || k === 'security.selinux') continue;
    (out ??= new Map()).set(k, v);
  }
  return out;
}

export interface TreeEmitterOptions {
  /** Prepended to every member name (`prefix/name`); no trailing slash. */
  prefix?: string;
  log?: Logger;
}

/** Writes members for files under a root to a TarWriter. */
export class TreeEmitter {
  readonly writer: TarWriter;
  private readonly prefix: string;
  /** `dev:ino` of files already written -> their member name. */
  private readonly links = new Map<string, string>();
  private xattrs = new Map<string, Xattrs>();
  private readonly log: Logger | undefined;

  constructor(writer: TarWriter, opts: TreeEmitterOptions = {}) {
    this.writer = writer;
    this.prefix = opts.prefix ? opts.prefix.replace(/\/+$/, '') + '/' : '';
    this.log = opts.log;
  }

  /** Loads the xattrs of everything under `paths` (absolute) with one getfattr. */
  async loadXattrs(...paths: string[]): Promise<void> {
    this.xattrs = await readTreeXattrs(...paths);
  }

  /** Raw xattrs of `abs`, overlay ones included (the overlay diff reads them). */
  rawXattrs(abs: string): Xattrs | undefined {
    return this.xattrs.get(abs);
  }

  /** The member name of `rel`; the root itself is named by the prefix alone. */
  memberName(rel: string): string {
    return rel === '' ? this.prefix.slice(0, -1) : this.prefix + rel;
  }

  /**
   * Writes one member for `abs` (archive name `rel`, relative to the root), without descending. Returns
   * false when nothing was written (a socket, or a file that vanished meanwhile).
   */
  async entry(rel: string, abs: string, st: Stats): Promise<boolean> {
    const type = entryType(st);
    if (type === undefined) {
      this.log?.debug('skipping socket', { path: rel });
      return false;
    }
    const name = this.memberName(rel);
    try {
      const h = headerFromStat(name, abs, st, type, archivableXattrs(this.xattrs.get(abs)));
      const key = type !== 'dir' && st.nlink > 1 ? `${st.dev}:${st.ino}` : undefined;
      if (key !== undefined) {
        const first = this.links.get(key);
        if (first !== undefined) {
          await this.writer.header({ ...h, type: 'link', linkname: first, size: 0, xattrs: undefined });
          return true;
        }
      }
      if (type === 'file') await this.file(abs, h);
      else await this.writer.header(h);
      // Only a name that made it into the archive can be a link target.
      if (key !== undefined) this.links.set(key, name);
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) {
        // Gone between readdir and now (a running container): as if it never was.
        this.log?.debug('file vanished while archiving', { path: rel });
        return false;
      }
      throw err instanceof EngineError ? err : wrap(err, `archive "${rel}"`);
    }
  }

  /** A data-less member (whiteout or opaque marker) named `rel`. */
  async marker(rel: string): Promise<void> {
    await this.writer.header(markerHeader(this.memberName(rel)));
  }

  /** Writes `abs` and, for a directory, everything below it in sorted order. */
  async subtree(rel: string, abs: string, st: Stats): Promise<void> {
    if (!(await this.entry(rel, abs, st))) return;
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = sortedNames(abs);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    for (const n of names) {
      const childAbs = abs + '/' + n;
      const cst = lstatIfExists(childAbs);
      if (cst) await this.subtree(rel === '' ? n : rel + '/' + n, childAbs, cst);
    }
  }

  private async file(abs: string, h: TarHeader): Promise<void> {
    // Open before writing the header, so a file that vanished leaves no half member behind.
    const fd = openSync(abs, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    try {
      await this.writer.header(h);
      let left = h.size;
      while (left > 0) {
        const want = Math.min(left, READ_CHUNK);
        const buf = Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const n = readSync(fd, buf, got, want - got, null);
          if (n === 0) throw internal(`"${h.name}" shrank while it was being archived`);
          got += n;
        }
        left -= want;
        await this.writer.data(buf);
      }
      const pad = padding(h.size);
      if (pad > 0) await this.writer.data(Buffer.alloc(pad));
    } finally {
      closeSync(fd);
    }
  }
}
