/**
 * COPY/ADD sources: which files a source argument names in a source tree (the build context read in place, or a
 * stage's or image's mounted root filesystem), and the entries beneath a matched directory. Shared by the cache
 * key (cache-context-hash.ts hashes what is matched) and the copy itself (copy.ts), so both see the same files.
 *
 * Rules (BuildKit's): a source path is taken from the tree's root whatever it starts with (`../x` and `/x` both
 * name `x`: nothing outside the tree is reachable); symlinks on the way, including a final one, are followed inside
 * the tree (`link/foo` resolves, an absolute link target restarts at the tree root); `*`, `?` and `[...]` match
 * within one path component (Go's filepath.Match, `\` escapes); entries `.dockerignore` excludes are invisible,
 * except directories that an exception (`!dir/keep`) looks into. Walks are in byte order of names.
 */
import { lstatSync, readdirSync, statSync, type BigIntStats } from 'node:fs';
import { isErrno } from '../engine/errdefs.js';
import { resolveInRoot } from '../engine/archive/root-path.js';
import type { IgnoreMatcher } from './dockerignore.js';
import { cleanPath, hasWildcards, matchPath } from './path-match.js';

/** A directory tree sources are read from. */
export interface SourceTree {
  /** Absolute host directory that is `/` for source paths. */
  root: string;
  /** The context's `.dockerignore`: excluded paths are invisible. Undefined for root filesystems. */
  matcher?: IgnoreMatcher;
}

/** One path a source argument matched. */
export interface SourceMatch {
  /** The path as matched, relative to the tree root (`a/b.txt`, `''` for the root itself). */
  rel: string;
  /** Where it leads after following symlinks inside the tree, relative to the root. */
  resolvedRel: string;
  /** Host path of `resolvedRel`. */
  abs: string;
  /** lstat of `abs` (the entry a final symlink leads to). */
  st: BigIntStats;
}

/** One entry beneath a matched directory. */
export interface SourceEntry {
  /** Path relative to the matched directory. */
  rel: string;
  abs: string;
  /** lstat (symlinks are entries of their own here, never followed). */
  st: BigIntStats;
}

function lstatBig(p: string): BigIntStats | undefined {
  try {
    return lstatSync(p, { bigint: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

/** Components of a source path, cleaned and taken from the root. */
export function sourceComponents(source: string): string[] {
  const c = cleanPath(`/${source}`);
  return c === '/' ? [] : c.slice(1).split('/');
}

function visible(tree: SourceTree, rel: string, isDir: boolean): boolean {
  const m = tree.matcher;
  if (m === undefined || rel === '' || m.patterns.length === 0) return true;
  if (!m.excludes(rel)) return true;
  return isDir && m.mayIncludeBeneath(rel);
}

function resolve(tree: SourceTree, rel: string): SourceMatch | undefined {
  const r = resolveInRoot(tree.root, rel, { followFinal: true });
  if (!r.exists) return undefined;
  const st = lstatBig(r.path);
  if (st === undefined) return undefined;
  const resolvedRel = r.components.join('/');
  if (!visible(tree, resolvedRel, st.isDirectory())) return undefined;
  if (rel !== resolvedRel && !visible(tree, rel, st.isDirectory())) return undefined;
  return { rel, resolvedRel, abs: r.path, st };
}

/**
 * The paths `source` matches in `tree`, sorted. A source without wildcards matches itself or nothing; with
 * wildcards, every visible entry whose path matches. Throws invalid-argument for a malformed pattern.
 */
export function matchSources(tree: SourceTree, source: string): SourceMatch[] {
  const parts = sourceComponents(source);
  if (!parts.some((p) => hasWildcards(p))) {
    // Escapes (`arr[[]0].txt` has none left here) only matter to patterns; a literal path is used as it is.
    const m = resolve(tree, parts.join('/'));
    return m === undefined ? [] : [m];
  }
  let current: string[] = [''];
  for (const part of parts) {
    const next: string[] = [];
    for (const base of current) {
      if (!hasWildcards(part)) {
        next.push(base === '' ? part : `${base}/${part}`);
        continue;
      }
      const dir = resolveInRoot(tree.root, base, { followFinal: true });
      if (!dir.exists) continue;
      let names: string[];
      try {
        names = readdirSync(dir.path);
      } catch (err) {
        if (isErrno(err, 'ENOTDIR') || isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      names.sort(byteOrder);
      for (const name of names) {
        if (!matchPath(part, name)) continue;
        next.push(base === '' ? name : `${base}/${name}`);
      }
    }
    current = next;
  }
  const out: SourceMatch[] = [];
  for (const rel of current) {
    const m = resolve(tree, rel);
    if (m !== undefined) out.push(m);
  }
  return out;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The entries beneath the matched directory `dir` (not `dir` itself), depth-first in byte order, skipping what the
 * tree's `.dockerignore` or `exclude` (patterns relative to `dir`, as `COPY --exclude` gives them) leave out. An
 * excluded directory that an exception looks into is walked, and yielded only before its first included entry.
 */
export function* walkSource(tree: SourceTree, dir: SourceMatch, exclude?: IgnoreMatcher): Generator<SourceEntry> {
  const ignore = tree.matcher !== undefined && tree.matcher.patterns.length > 0 ? tree.matcher : undefined;
  const excl = exclude !== undefined && exclude.patterns.length > 0 ? exclude : undefined;
  const pending: SourceEntry[] = [];
  function* walk(rel: string, abs: string): Generator<SourceEntry> {
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw err;
    }
    names.sort(byteOrder);
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const childAbs = `${abs}/${name}`;
      const st = lstatBig(childAbs);
      if (st === undefined) continue;
      const isDir = st.isDirectory();
      const treeRel = dir.resolvedRel === '' ? childRel : `${dir.resolvedRel}/${childRel}`;
      let hidden = false;
      let mayDescend = true;
      if (ignore?.excludes(treeRel)) {
        hidden = true;
        mayDescend = isDir && ignore.mayIncludeBeneath(treeRel);
      }
      if (!hidden && excl?.excludes(childRel)) {
        hidden = true;
        mayDescend = isDir && excl.mayIncludeBeneath(childRel);
      }
      const entry: SourceEntry = { rel: childRel, abs: childAbs, st };
      if (hidden) {
        if (!mayDescend) continue;
        pending.push(entry);
        yield* walk(childRel, childAbs);
        if (pending[pending.length - 1] === entry) pending.pop();
        continue;
      }
      for (const p of pending.splice(0)) yield p;
      yield entry;
      if (isDir) yield* walk(childRel, childAbs);
    }
  }
  yield* walk('', dir.abs);
}

/** True when `p` exists and is a directory (following symlinks). */
export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
