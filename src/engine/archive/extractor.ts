/**
 * The filesystem half of applying an archive: a {@link TarSink} that creates each entry under a root.
 *
 * Speed: every entry is handled with synchronous syscalls from inside the parse loop. A regular file costs
 * open, write, fchown, fchmod, futimes and close — microseconds each — where the promise API would pay a
 * thread-pool round trip per call. Decompression still runs concurrently (zlib on the thread pool, zstd in its
 * own process), so the main thread does little else but these syscalls. What Node cannot do itself is
 * batched: device nodes and fifos are created at the end by one shell running `mknod` for each, xattrs by one
 * `setfattr`, and every overlay whiteout is a hard link to a single 0:0 device made once per layer.
 *
 * Safety: names are cleaned (`..` above the root is refused), parent directories are resolved inside the root
 * following symlinks the way securejoin does, and the final component is never followed (O_EXCL, mkdir,
 * symlink, link and lchown all act on the name itself). Directories that were verified are cached; the cache
 * is dropped whenever a directory is removed, so a later symlink in its place is re-resolved.
 */
import { execFile } from 'node:child_process';
import {
  closeSync,
  constants as fsc,
  copyFileSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
  chmodSync,
  type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { canceled, conflict, EngineError, internal, invalidArgument, isErrno, notImplemented, permissionDenied, unavailable } from '../errdefs.js';
import type { Logger } from '../log.js';
import { cleanArchivePath, resolveInRoot } from './root-path.js';
import type { TarHeader } from './tar-header.js';
import type { TarSink } from './tar-reader.js';
import { classifyWhiteout, OVERLAY_OPAQUE_XATTR, OVERLAY_XATTR_PREFIX, type WhiteoutKind } from './whiteout.js';
import { writeXattrs, type Xattrs } from './xattrs.js';

/** How `.wh.` entries are treated. */
export type WhiteoutMode = 'overlay' | 'remove' | 'none';

export interface ExtractorOptions {
  whiteouts: WhiteoutMode;
  /** Apply the archive's uid/gid (lchown). Otherwise files belong to whoever runs us, unless `owner` is set. */
  sameOwner: boolean;
  /** Force this owner on every entry (takes precedence over `sameOwner`). */
  owner?: { uid: number; gid: number } | undefined;
  /** Overlay mode: the snapshot's lower directories, topmost first, for hard links to files of lower layers. */
  lowerDirs?: readonly string[] | undefined;
  /** Refuse to replace a directory with a non-directory or the reverse (`docker cp` semantics). */
  noOverwriteDirNonDir?: boolean | undefined;
  signal?: AbortSignal | undefined;
  log?: Logger | undefined;
}

const O_NEW_FILE = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;

/** Maps a Node system error on `name` to an EngineError with one readable line. */
export function fsError(err: unknown, name: string): EngineError {
  if (err instanceof EngineError) return err;
  if (!isErrno(err)) return internal(`"${name}": ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  const what = `${err.syscall ?? 'write'} "${name}": ${describeErrno(err)}`;
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return permissionDenied(what, { cause: err });
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EMFILE':
    case 'ENFILE':
      return unavailable(what, { cause: err });
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ELOOP':
    case 'ENAMETOOLONG':
    case 'EINVAL':
    case 'EEXIST':
    case 'ENOTEMPTY':
    case 'EMLINK':
    case 'EXDEV':
      return invalidArgument(what, { cause: err });
    default:
      return internal(what, { cause: err });
  }
}

function describeErrno(err: NodeJS.ErrnoException): string {
  // Node's message is "<CODE>: <text>, <syscall> '<abs path>'"; keep the text, drop the host path.
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(err.message);
  return `${m?.[1] ?? err.message} (${err.code})`;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

function mknod(path: string, type: 'c' | 'b' | 'p', major: number, minor: number): Promise<void> {
  const args = ['-m', '0600', '--', path, type];
  if (type !== 'p') args.push(String(major), String(minor));
  return new Promise((resolve, reject) => {
    execFile('mknod', args, (err, _stdout, stderr) => {
      if (!err) return resolve();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(notImplemented('creating device nodes needs the `mknod` program', { cause: err }));
      }
      const msg = String(stderr).trim().split('\n')[0]?.replace(/^mknod: /, '') ?? err.message;
      reject(/Operation not permitted/.test(msg) ? permissionDenied(`mknod: ${msg}`) : internal(`mknod: ${msg}`));
    });
  });
}

export interface NodeRequest {
  path: string;
  type: 'c' | 'b' | 'p';
  major: number;
  minor: number;
}

// One shell runs every mknod of a batch: a Node spawn per node costs ~10 ms on a busy machine, a fork+exec
// from the shell about one.
const MKNOD_LOOP =
  'while [ $# -gt 0 ]; do ' +
  'if [ "$2" = p ]; then mknod -m 0600 -- "$1" p || exit 1; else mknod -m 0600 -- "$1" "$2" "$3" "$4" || exit 1; fi; ' +
  'shift 4; done';
const MKNOD_BATCH = 500;

/** Creates device nodes and fifos (mode 0600, owner root) in batches of one shell each. */
export async function mknodAll(nodes: NodeRequest[]): Promise<void> {
  for (let i = 0; i < nodes.length; i += MKNOD_BATCH) {
    const args: string[] = [];
    for (const n of nodes.slice(i, i + MKNOD_BATCH)) args.push(n.path, n.type, String(n.major), String(n.minor));
    await new Promise<void>((resolve, reject) => {
      execFile('sh', ['-c', MKNOD_LOOP, 'sh', ...args], (err, _stdout, stderr) => {
        if (!err) return resolve();
        const msg = String(stderr).trim().split('\n')[0]?.replace(/^mknod: /, '') || err.message;
        if (/not found/.test(msg)) return reject(notImplemented('creating device nodes needs the `mknod` program'));
        reject(/Operation not permitted/.test(msg) ? permissionDenied(`mknod: ${msg}`) : internal(`mknod: ${msg}`));
      });
    });
  }
}

/** One extraction run. Use once: feed it through a TarReader, then {@link finish} or {@link abort}. */
export class Extractor implements TarSink {
  private readonly root: string;
  private readonly opts: ExtractorOptions;
  /** Parent directory (archive-relative, `/`-joined) -> verified real directory under root. */
  private readonly dirCache = new Map<string, string>();
  /** Directory mtimes, applied last because creating entries inside a directory changes its mtime. */
  private readonly dirTimes = new Map<string, number>();
  /** xattrs to set at the end in one `setfattr` run (after every chown, which would clear capabilities). */
  private readonly pendingXattrs = new Map<string, Xattrs>();
  private readonly opaqueDirs = new Set<string>();
  /** Device nodes and fifos, created in one batch at the end (or before a hard link needs one). */
  private readonly pendingNodes = new Map<string, TarHeader>();
  /** Remove mode: paths this archive created, which an opaque marker must keep. */
  private readonly unpacked: Set<string> | undefined;
  private whiteoutTemplate: string | undefined;
  // The regular file being written.
  private fd = -1;
  private fileHeader: TarHeader | undefined;
  private filePath = '';
  entries = 0;

  constructor(root: string, opts: ExtractorOptions) {
    this.root = root;
    this.opts = opts;
    this.unpacked = opts.whiteouts === 'remove' ? new Set() : undefined;
  }

  entry(h: TarHeader): void | Promise<void> {
    if (this.opts.signal?.aborted) throw canceled('canceled');
    this.entries++;
    const parts = cleanArchivePath(h.name);
    try {
      if (parts.length === 0) return this.rootEntry(h);
      const base = parts[parts.length - 1]!;
      const parentParts = parts.slice(0, -1);
      if (this.opts.whiteouts !== 'none') {
        const w = classifyWhiteout(base);
        if (w) return this.whiteout(w, parentParts, h);
      }
      const dir = this.parentDir(parentParts, h.name, true)!;
      const path = dir + '/' + base;
      this.unpacked?.add(path);
      this.pendingNodes.delete(path);
      switch (h.type) {
        case 'dir':
          return this.makeDir(path, h);
        case 'file':
          return this.openFile(path, h);
        case 'symlink':
          return this.makeSymlink(path, h);
        case 'link':
          return this.makeHardlink(path, h);
        case 'char':
        case 'block':
        case 'fifo':
          return this.makeNode(path, h);
      }
    } catch (err) {
      throw fsError(err, h.name);
    }
  }

  data(chunk: Buffer): void {
    if (this.fd < 0) return;
    try {
      let off = 0;
      while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
    } catch (err) {
      throw fsError(err, this.fileHeader?.name ?? this.filePath);
    }
  }

  end(): void {
    if (this.fd < 0) return;
    const h = this.fileHeader!;
    const fd = this.fd;
    this.fd = -1;
    try {
      const own = this.ownerFor(h);
      if (own) fchownSync(fd, own.uid, own.gid);
      // After chown: chown clears setuid/setgid.
      fchmodSync(fd, h.mode);
      futimesSync(fd, h.mtime, h.mtime);
    } catch (err) {
      throw fsError(err, h.name);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Completes the extraction: removes the whiteout template, sets xattrs, then directory mtimes (last, since
   * everything before changes them).
   */
  async finish(): Promise<void> {
    await this.flushNodes();
    this.removeTemplate();
    const opaque: Array<[string, Xattrs]> = [];
    for (const dir of this.opaqueDirs) opaque.push([dir, new Map([[OVERLAY_OPAQUE_XATTR, Buffer.from('y')]])]);
    if (opaque.length > 0) await writeXattrs(opaque);
    if (this.pendingXattrs.size > 0) {
      const r = await writeXattrs([...this.pendingXattrs], { ignoreUnsupported: true });
      for (const line of r.unsupported) this.opts.log?.warn('ignored extended attribute the filesystem cannot store', { error: line });
    }
    for (const [path, t] of this.dirTimes) {
      try {
        utimesSync(path, t, t);
      } catch (err) {
        throw fsError(err, path.slice(this.root.length + 1) || '.');
      }
    }
  }

  /** Releases what an interrupted extraction holds (open file, whiteout template). Never throws. */
  abort(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = -1;
    }
    try {
      this.removeTemplate();
    } catch {
      // the snapshot is being discarded anyway
    }
  }

  private ownerFor(h: TarHeader): { uid: number; gid: number } | undefined {
    if (this.opts.owner) return this.opts.owner;
    return this.opts.sameOwner ? { uid: h.uid, gid: h.gid } : undefined;
  }

  private rootEntry(h: TarHeader): void {
    if (h.type !== 'dir') throw invalidArgument(`archive entry "${h.name}" must be a directory`);
    this.setDirMeta(this.root, h);
  }

  /**
   * The real directory for archive-relative `parts`, resolved inside the root. With `create`, missing
   * directories are made (mode 0755, as containerd does); without, undefined when it does not exist.
   */
  private parentDir(parts: string[], name: string, create: boolean): string | undefined {
    const key = parts.join('/');
    const hit = this.dirCache.get(key);
    if (hit !== undefined) return hit;
    const r = resolveInRoot(this.root, key);
    if (!r.exists) {
      if (!create) return undefined;
      let cur = this.root;
      for (const c of r.components) {
        cur += '/' + c;
        const st = lstatOrUndefined(cur);
        if (st === undefined && this.pendingNodes.has(cur)) {
          throw invalidArgument(`archive entry "${name}": parent "${c}" is not a directory`);
        }
        if (st === undefined) {
          mkdirSync(cur, 0o755);
          chmodSync(cur, 0o755);
        } else if (!st.isDirectory()) {
          throw invalidArgument(`archive entry "${name}": parent "${c}" is not a directory`);
        }
      }
    } else if (r.components.length > 0 && !lstatSync(r.path).isDirectory()) {
      throw invalidArgument(`archive entry "${name}": parent is not a directory`);
    }
    this.dirCache.set(key, r.path);
    return r.path;
  }

  /** Removes whatever is at `path` (not following a final symlink) and forgets state below it. */
  private removePath(path: string, st: Stats): void {
    if (st.isDirectory()) {
      rmSync(path, { recursive: true, force: true });
      this.dirCache.clear();
      const prefix = path + '/';
      for (const m of [this.dirTimes, this.pendingXattrs, this.pendingNodes]) {
        for (const k of m.keys()) if (k === path || k.startsWith(prefix)) m.delete(k);
      }
      for (const k of this.opaqueDirs) if (k === path || k.startsWith(prefix)) this.opaqueDirs.delete(k);
    } else {
      unlinkSync(path);
      this.pendingXattrs.delete(path);
    }
  }

  /** Clears `path` for a new entry of `type`; returns true when an existing directory should be kept. */
  private prepare(path: string, h: TarHeader): boolean {
    const st = lstatOrUndefined(path);
    if (st === undefined) return false;
    if (st.isDirectory() && h.type === 'dir') return true;
    if (this.opts.noOverwriteDirNonDir && st.isDirectory() !== (h.type === 'dir')) {
      throw conflict(
        st.isDirectory()
          ? `cannot overwrite directory "${h.name}" with non-directory`
          : `cannot overwrite non-directory "${h.name}" with directory`,
      );
    }
    this.removePath(path, st);
    return false;
  }

  private setXattrs(path: string, h: TarHeader): void {
    if (!h.xattrs) {
      this.pendingXattrs.delete(path);
      return;
    }
    // overlayfs' own attributes are never taken from an archive: they would let a layer fake opaque
    // directories or redirects.
    let attrs: Xattrs | undefined;
    for (const [k, v] of h.xattrs) {
      if (k.startsWith(OVERLAY_XATTR_PREFIX)) continue;
      (attrs ??= new Map()).set(k, v);
    }
    if (attrs) this.pendingXattrs.set(path, attrs);
    else this.pendingXattrs.delete(path);
  }

  private setDirMeta(path: string, h: TarHeader): void {
    const own = this.ownerFor(h);
    if (own) lchownSync(path, own.uid, own.gid);
    chmodSync(path, h.mode);
    this.dirTimes.set(path, h.mtime);
    this.setXattrs(path, h);
  }

  private makeDir(path: string, h: TarHeader): void {
    try {
      mkdirSync(path, 0o700);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      if (!this.prepare(path, h)) mkdirSync(path, 0o700);
    }
    this.setDirMeta(path, h);
  }

  private openFile(path: string, h: TarHeader): void {
    let fd: number;
    try {
      fd = openSync(path, O_NEW_FILE, 0o600);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      this.prepare(path, h);
      fd = openSync(path, O_NEW_FILE, 0o600);
    }
    this.fd = fd;
    this.fileHeader = h;
    this.filePath = path;
    this.setXattrs(path, h);
  }

  private makeSymlink(path: string, h: TarHeader): void {
    try {
      symlinkSync(h.linkname, path);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      this.prepare(path, h);
      symlinkSync(h.linkname, path);
    }
    const own = this.ownerFor(h);
    if (own) lchownSync(path, own.uid, own.gid);
    lutimesSync(path, h.mtime, h.mtime);
    this.setXattrs(path, h);
  }

  private makeHardlink(path: string, h: TarHeader): void | Promise<void> {
    const tparts = cleanArchivePath(h.linkname);
    if (tparts.length === 0) throw invalidArgument(`hard link "${h.name}" points to the root directory`);
    const tbase = tparts[tparts.length - 1]!;
    const tdir = this.parentDir(tparts.slice(0, -1), h.linkname, this.opts.whiteouts === 'overlay');
    if (tdir !== undefined && this.pendingNodes.has(tdir + '/' + tbase)) {
      return this.flushNodes().then(() => {
        try {
          this.makeHardlink(path, h);
        } catch (err) {
          throw fsError(err, h.name);
        }
      });
    }
    let target = tdir === undefined ? undefined : tdir + '/' + tbase;
    let st = target === undefined ? undefined : lstatOrUndefined(target);
    if (st === undefined && this.opts.whiteouts === 'overlay' && tdir !== undefined) {
      st = this.copyUp(tparts, tdir + '/' + tbase);
      target = tdir + '/' + tbase;
    }
    if (st === undefined || target === undefined) {
      throw invalidArgument(`hard link "${h.name}": target "${h.linkname}" not found`);
    }
    if (st.isDirectory()) throw invalidArgument(`hard link "${h.name}": target "${h.linkname}" is a directory`);
    if (target === path) return;
    try {
      linkSync(target, path);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      this.prepare(path, h);
      linkSync(target, path);
    }
    this.pendingXattrs.delete(path);
  }

  /**
   * Overlay mode: a hard link to a file of a lower layer. overlayfs cannot link across layers, so the file is
   * copied into the upper directory first (what overlayfs' own copy-up would do) and linked there.
   */
  private copyUp(parts: string[], dest: string): Stats | undefined {
    for (const lower of this.opts.lowerDirs ?? []) {
      const r = resolveInRoot(lower, parts.join('/'), { followFinal: false });
      if (!r.exists) continue;
      const st = lstatSync(r.path);
      if (st.isDirectory()) return st;
      if (st.isSymbolicLink()) symlinkSync(readlinkSync(r.path), dest);
      else if (st.isFile()) copyFileSync(r.path, dest, fsc.COPYFILE_EXCL);
      else throw notImplemented(`hard link to special file "${parts.join('/')}" of a lower layer`);
      lchownSync(dest, st.uid, st.gid);
      if (!st.isSymbolicLink()) chmodSync(dest, st.mode & 0o7777);
      lutimesSync(dest, st.atime, st.mtime);
      return lstatSync(dest);
    }
    return undefined;
  }

  private makeNode(path: string, h: TarHeader): void {
    this.prepare(path, h);
    this.pendingNodes.set(path, h);
    this.setXattrs(path, h);
  }

  /** Creates the pending device nodes and fifos, then gives them their metadata. */
  private async flushNodes(): Promise<void> {
    if (this.pendingNodes.size === 0) return;
    const nodes = [...this.pendingNodes];
    this.pendingNodes.clear();
    await mknodAll(
      nodes.map(([path, h]) => ({ path, type: h.type === 'char' ? 'c' : h.type === 'block' ? 'b' : 'p', major: h.devmajor, minor: h.devminor })),
    );
    for (const [path, h] of nodes) {
      try {
        const own = this.ownerFor(h);
        if (own) lchownSync(path, own.uid, own.gid);
        chmodSync(path, h.mode);
        lutimesSync(path, h.mtime, h.mtime);
      } catch (err) {
        throw fsError(err, h.name);
      }
    }
  }

  private whiteout(w: WhiteoutKind, parentParts: string[], h: TarHeader): void | Promise<void> {
    if (w.kind === 'meta') return;
    if (this.opts.whiteouts === 'overlay') {
      const dir = this.parentDir(parentParts, h.name, true)!;
      if (w.kind === 'opaque') {
        this.opaqueDirs.add(dir);
        return;
      }
      return this.overlayWhiteout(dir + '/' + w.target, h);
    }
    // remove mode: act on the lower layers' copy that the target already holds.
    const dir = this.parentDir(parentParts, h.name, false);
    if (dir === undefined) return;
    if (w.kind === 'opaque') {
      this.emptyOpaque(dir);
      return;
    }
    const path = dir + '/' + w.target;
    this.pendingNodes.delete(path);
    this.pendingXattrs.delete(path);
    const st = lstatOrUndefined(path);
    if (st) this.removePath(path, st);
  }

  /** Remove mode: deletes everything below `dir` this archive did not create itself. */
  private emptyOpaque(dir: string): void {
    let removedDir = false;
    const walk = (d: string): void => {
      for (const ent of readdirSync(d, { withFileTypes: true })) {
        const p = d + '/' + ent.name;
        if (this.unpacked!.has(p)) {
          if (ent.isDirectory()) walk(p);
          continue;
        }
        if (ent.isDirectory()) {
          rmSync(p, { recursive: true, force: true });
          removedDir = true;
        } else {
          unlinkSync(p);
          this.pendingXattrs.delete(p);
        }
      }
    };
    walk(dir);
    if (removedDir) {
      // Cheaper than tracking which: opaque markers are rare.
      this.dirCache.clear();
      for (const m of [this.dirTimes, this.pendingXattrs]) for (const k of m.keys()) if (!lstatOrUndefined(k)) m.delete(k);
      for (const k of this.pendingNodes.keys()) if (!lstatOrUndefined(k.slice(0, k.lastIndexOf('/')))) this.pendingNodes.delete(k);
    }
  }

  /**
   * Overlay mode: a whiteout is a 0:0 character device. Node cannot mknod, and a process per whiteout would
   * be slow, so one device is made per layer and every whiteout is a hard link to it — overlayfs itself shares
   * whiteout inodes the same way, and treats any 0:0 character device as a whiteout whatever its link count.
   */
  private async overlayWhiteoutSlow(path: string, h: TarHeader): Promise<void> {
    const tmpl = `${this.root}/.wh-template-${process.pid}-${randomBytes(4).toString('hex')}`;
    await mknod(tmpl, 'c', 0, 0);
    this.whiteoutTemplate = tmpl;
    this.overlayWhiteout(path, h);
  }

  private overlayWhiteout(path: string, h: TarHeader): void | Promise<void> {
    if (this.whiteoutTemplate === undefined) return this.overlayWhiteoutSlow(path, h);
    this.pendingNodes.delete(path);
    this.pendingXattrs.delete(path);
    const st = lstatOrUndefined(path);
    if (st) this.removePath(path, st);
    try {
      linkSync(this.whiteoutTemplate, path);
    } catch (err) {
      if (!isErrno(err, 'EMLINK')) throw fsError(err, h.name);
      // The template reached the filesystem's link limit: start a new one.
      this.removeTemplate();
      return this.overlayWhiteoutSlow(path, h);
    }
  }

  private removeTemplate(): void {
    if (this.whiteoutTemplate === undefined) return;
    const t = this.whiteoutTemplate;
    this.whiteoutTemplate = undefined;
    try {
      unlinkSync(t);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
}
