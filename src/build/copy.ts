/**
 * COPY and ADD into a mounted root filesystem, with Docker's rules:
 *
 * - a directory source copies its contents (`COPY dir /x`, `COPY dir/ /x` and `COPY dir/. /x` are the same);
 * - the destination is a directory when it ends in `/`, when several paths are copied, or when it already is
 *   one; otherwise a single file is written as that path; missing parents are created as root, 0755;
 * - files from the build context belong to 0:0, files from a stage or image keep their owner; `--chown` and
 *   `--chmod` apply to what is copied (not to created parents), and in an existing directory only new entries
 *   take them;
 * - a source named directly (or matched by a wildcard) is followed when it is a symlink; symlinks inside a copied
 *   directory stay symlinks; modes and modification times are kept;
 * - ADD extracts a local tar (plain, gzip, bzip2, xz or zstd, told by content, not by name) into the destination
 *   directory; a file that is not a tar is copied as a file; a corrupt archive is an error.
 *
 * Confinement: every path written is resolved inside the root with symlinks followed as if the root were `/`
 * (engine/archive's resolveInRoot), and the final component of every entry is created without following it, so a
 * symlink already in the image (`/x -> /etc`, `../../..`) can never lead a write outside the root.
 */
import {
  chmodSync,
  constants as fsc,
  copyFileSync,
  createReadStream,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import { posix } from 'node:path';
import { resolveInRoot } from '../engine/archive/root-path.js';
import { extractTree } from '../engine/archive/apply-layer.js';
import { invalidArgument, isErrno } from '../engine/errdefs.js';
import type { Logger } from '../engine/log.js';
import { walkSource, type SourceMatch, type SourceTree } from './copy-sources.js';
import type { IgnoreMatcher } from './dockerignore.js';
import { applyChmod, type ChmodSpec } from './dockerfile/values.js';
import { isTarArchive } from './copy-archive.js';

/** One source argument and what it matched. */
export interface CopySource {
  tree: SourceTree;
  matches: SourceMatch[];
  /** Files from the build context (owned by root unless --chown) rather than a stage or image (owners kept). */
  fromContext: boolean;
  /** ADD: extract files that are tar archives (local sources; downloads only with `--unpack`). */
  extractArchives?: boolean;
}

/** A resolved COPY/ADD, ready to apply. */
export interface CopyRequest {
  sources: CopySource[];
  /** Heredoc sources: 0644 files named after their delimiter. */
  inline: { name: string; content: string }[];
  /** Absolute destination inside the root (`resolveDestPath`), a trailing `/` meaning "into this directory". */
  dest: string;
  chown?: { uid: number; gid: number };
  chmod?: ChmodSpec;
  /** `--exclude` patterns, relative to each copied directory. */
  exclude?: IgnoreMatcher;
  /** `--parents`: keep each matched path's directories below the destination. */
  parents?: boolean;
  log?: Logger;
  signal?: AbortSignal;
}

/** What a copy wrote (for debug logs). */
export interface CopyResult {
  files: number;
  directories: number;
  archives: number;
}

function lstatIfAny(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

/** The directories of `p` inside `root`, created as root 0755 where missing; returns the host path. */
function mkdirAllInRoot(root: string, rel: string): string {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  let cur = '';
  let host = root;
  for (const part of parts) {
    cur = cur === '' ? part : `${cur}/${part}`;
    const r = resolveInRoot(root, cur, { followFinal: true });
    host = r.path;
    const st = lstatIfAny(host);
    if (st === undefined) {
      mkdirSync(host, { mode: 0o755 });
      chmodSync(host, 0o755);
      lchownSync(host, 0, 0);
    } else if (!st.isDirectory()) {
      throw invalidArgument(`cannot copy to "/${cur}": it exists and is not a directory`);
    }
  }
  return host;
}

/** Removes whatever is at `host` (not following a symlink there). */
function removeEntry(host: string, st: Stats): void {
  if (st.isDirectory()) rmSync(host, { recursive: true, force: true });
  else unlinkSync(host);
}

class Copier {
  readonly root: string;
  readonly req: CopyRequest;
  readonly result: CopyResult = { files: 0, directories: 0, archives: 0 };
  /** Directory mtimes to restore once their contents are written, deepest last. */
  private readonly dirTimes: { host: string; atime: Date; mtime: Date }[] = [];

  constructor(root: string, req: CopyRequest) {
    this.root = root;
    this.req = req;
  }

  private owner(st: BigIntStats, fromContext: boolean): { uid: number; gid: number } {
    if (this.req.chown !== undefined) return this.req.chown;
    return fromContext ? { uid: 0, gid: 0 } : { uid: Number(st.uid), gid: Number(st.gid) };
  }

  private mode(st: BigIntStats): number {
    const m = Number(st.mode & 0o7777n);
    return this.req.chmod === undefined ? m : applyChmod(this.req.chmod, m, st.isDirectory());
  }

  /** The host path for creating `rel` (inside the root): its parent resolved and confined, the name itself not followed. */
  private hostFor(rel: string): string {
    const parent = posix.dirname(rel);
    const name = posix.basename(rel);
    const p = parent === '.' || parent === '' ? this.root : resolveInRoot(this.root, parent, { followFinal: true }).path;
    return `${p}/${name}`;
  }

  /** Creates or replaces a non-directory entry at `rel` as a copy of `src`. */
  private writeEntry(rel: string, srcAbs: string, st: BigIntStats, fromContext: boolean): void {
    const host = this.hostFor(rel);
    const existing = lstatIfAny(host);
    if (existing !== undefined) removeEntry(host, existing);
    const { uid, gid } = this.owner(st, fromContext);
    const atime = new Date(Number(st.atimeMs));
    const mtime = new Date(Number(st.mtimeMs));
    if (st.isSymbolicLink()) {
      symlinkSync(readlinkSync(srcAbs), host);
      lchownSync(host, uid, gid);
      lutimesSync(host, atime, mtime);
      this.result.files++;
      return;
    }
    if (!st.isFile()) {
      // Devices, fifos and sockets from a stage: nothing a build needs; Docker's copier skips sockets too.
      this.req.log?.debug('copy: skipping special file', { path: rel });
      return;
    }
    copyFileSync(srcAbs, host, fsc.COPYFILE_FICLONE);
    lchownSync(host, uid, gid);
    chmodSync(host, this.mode(st));
    utimesSync(host, atime, mtime);
    this.result.files++;
  }

  /**
   * Makes `rel` a directory with the source's metadata when it is new; an existing directory (or a symlink
   * leading to one inside the root) keeps its own. Returns the host path of the directory.
   */
  private ensureDir(rel: string, st: BigIntStats | undefined, fromContext: boolean): string {
    const followed = resolveInRoot(this.root, rel, { followFinal: true });
    const existing = lstatIfAny(followed.path);
    if (existing?.isDirectory()) return followed.path;
    const host = this.hostFor(rel);
    const here = lstatIfAny(host);
    if (here !== undefined) removeEntry(host, here);
    mkdirSync(host);
    if (st === undefined) {
      chmodSync(host, 0o755);
      lchownSync(host, 0, 0);
    } else {
      const { uid, gid } = this.owner(st, fromContext);
      lchownSync(host, uid, gid);
      chmodSync(host, this.mode(st));
      this.dirTimes.push({ host, atime: new Date(Number(st.atimeMs)), mtime: new Date(Number(st.mtimeMs)) });
    }
    this.result.directories++;
    return host;
  }

  /** Copies the contents of directory `m` into `destRel` (created from `m`'s metadata when missing). */
  private copyDir(src: CopySource, m: SourceMatch, destRel: string): void {
    mkdirAllInRoot(this.root, posix.dirname(destRel));
    this.ensureDir(destRel, m.st, src.fromContext);
    for (const e of walkSource(src.tree, m, this.req.exclude)) {
      if (this.req.signal?.aborted) throw this.req.signal.reason;
      const rel = `${destRel}/${e.rel}`;
      if (e.st.isDirectory()) this.ensureDir(rel, e.st, src.fromContext);
      else this.writeEntry(rel, e.abs, e.st, src.fromContext);
    }
  }

  finishDirTimes(): void {
    for (const d of this.dirTimes.reverse()) {
      try {
        utimesSync(d.host, d.atime, d.mtime);
      } catch {
        // a directory replaced later in the same copy
      }
    }
  }

  async run(): Promise<CopyResult> {
    const req = this.req;
    const destTrailing = req.dest.endsWith('/') || req.dest.endsWith('/.');
    const destRel = req.dest.replace(/\/\.?$/, '').replace(/^\/+/, '');
    const count = req.sources.reduce((n, s) => n + s.matches.length, 0) + req.inline.length;
    const destFollowed = destRel === '' ? this.root : resolveInRoot(this.root, destRel, { followFinal: true }).path;
    const destExistsAsDir = destRel === '' || lstatIfAny(destFollowed)?.isDirectory() === true;
    const intoDir = destTrailing || count > 1 || destExistsAsDir;

    for (const src of req.sources) {
      for (const m of src.matches) {
        const name = m.rel === '' ? '' : posix.basename(m.rel);
        let target = destRel;
        if (req.parents === true && m.rel !== '') {
          target = destRel === '' ? posix.dirname(m.rel) : `${destRel}/${posix.dirname(m.rel)}`;
          if (target.endsWith('/.')) target = target.slice(0, -2);
          if (target === '.') target = '';
        }
        if (m.st.isDirectory()) {
          const into = req.parents === true && m.rel !== '' ? (target === '' ? name : `${target}/${name}`) : target;
          this.copyDir(src, m, into);
          continue;
        }
        if (src.extractArchives === true && m.st.isFile() && (await isTarArchive(m.abs))) {
          const dir = mkdirAllInRoot(this.root, target);
          await extractTree(createReadStream(m.abs), dir, {
            sameOwner: true,
            ...(req.chown !== undefined ? { owner: req.chown } : {}),
            ...(req.signal !== undefined ? { signal: req.signal } : {}),
            ...(req.log !== undefined ? { log: req.log } : {}),
          });
          this.result.archives++;
          continue;
        }
        const fileRel = intoDir || req.parents === true ? (target === '' ? name : `${target}/${name}`) : destRel;
        if (fileRel === '') throw invalidArgument('cannot copy a file to "/"');
        mkdirAllInRoot(this.root, posix.dirname(fileRel));
        this.writeEntry(fileRel, m.abs, m.st, src.fromContext);
      }
    }
    for (const f of req.inline) {
      const fileRel = intoDir ? (destRel === '' ? f.name : `${destRel}/${f.name}`) : destRel;
      mkdirAllInRoot(this.root, posix.dirname(fileRel));
      const host = this.hostFor(fileRel);
      const existing = lstatIfAny(host);
      if (existing !== undefined) removeEntry(host, existing);
      writeFileSync(host, f.content, { mode: 0o644 });
      const mode = req.chmod === undefined ? 0o644 : applyChmod(req.chmod, 0o644, false);
      chmodSync(host, mode);
      const owner = req.chown ?? { uid: 0, gid: 0 };
      lchownSync(host, owner.uid, owner.gid);
      this.result.files++;
    }
    this.finishDirTimes();
    return this.result;
  }
}

/** Applies `req` to the root filesystem mounted at `root`. Errors: invalid-argument (a path that cannot be written). */
export async function copyInto(root: string, req: CopyRequest): Promise<CopyResult> {
  return new Copier(root, req).run();
}
