/**
 * Path confinement: archive names and symlinks resolved as if `root` were `/`, so that nothing an archive or a
 * container's filesystem contains can make us read or write outside `root` (securejoin's rule).
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { invalidArgument, isErrno } from '../errdefs.js';

/**
 * Splits an archive member name into clean components: leading `/` and `./` dropped, `.` and empty components
 * removed, `a/../b` folded. Returns `[]` for the root itself. A `..` that would climb above the root throws
 * invalid-argument (Docker and containerd refuse such members too), as does a NUL byte.
 */
export function cleanArchivePath(name: string): string[] {
  if (name.includes('\u0000')) throw invalidArgument(`archive entry "${name}" contains a NUL byte`);
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw invalidArgument(`archive entry "${name}" escapes the target directory`);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out;
}

// Linux gives up after 40 nested links; we are more generous but still bounded.
const MAX_LINKS = 255;

/** Result of resolving a path inside a root. */
export interface ResolvedPath {
  /** Absolute host path, always `root` or below it. */
  path: string;
  /** Components below root of the resolved path (no symlinks among the ones that exist). */
  components: string[];
  /** True when every component exists. */
  exists: boolean;
}

/**
 * Resolves `rel` (a path inside the root, `/`-separated, absolute or not) against `root`, following symlinks
 * found in the tree as if `root` were the filesystem root: absolute link targets restart at `root`, `..` stops
 * at `root`. Components that do not exist are appended literally. With `followFinal: false` the last
 * component is not followed (what `lstat` and creating an entry need).
 *
 * Synchronous on purpose: it is called per archive entry from the extractor's hot loop, where a few `lstat`s
 * cost microseconds and a promise per component would dominate.
 */
export function resolveInRoot(root: string, rel: string, opts: { followFinal?: boolean } = {}): ResolvedPath {
  const followFinal = opts.followFinal ?? true;
  const queue = rel.split('/').reverse();
  const cur: string[] = [];
  let links = 0;
  // Index in `cur` of the first component that does not exist; after it everything is appended literally,
  // until `..` climbs back above it.
  let missingFrom: number | undefined;
  while (queue.length > 0) {
    const part = queue.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      cur.pop();
      if (missingFrom !== undefined && cur.length <= missingFrom) missingFrom = undefined;
      continue;
    }
    if (missingFrom !== undefined) {
      cur.push(part);
      continue;
    }
    const isFinal = !queue.some((p) => p !== '' && p !== '.');
    const full = joinRoot(root, cur) + '/' + part;
    let st;
    try {
      st = lstatSync(full);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) {
        missingFrom = cur.length;
        cur.push(part);
        continue;
      }
      throw err;
    }
    if (st.isSymbolicLink() && (followFinal || !isFinal)) {
      if (++links > MAX_LINKS) throw invalidArgument(`too many levels of symbolic links resolving "${rel}"`);
      const target = readlinkSync(full);
      if (target.startsWith('/')) cur.length = 0;
      const parts = target.split('/');
      for (let i = parts.length - 1; i >= 0; i--) queue.push(parts[i]!);
      continue;
    }
    cur.push(part);
  }
  return { path: joinRoot(root, cur), components: cur, exists: missingFrom === undefined };
}

function joinRoot(root: string, parts: string[]): string {
  if (parts.length === 0) return root;
  return (root.endsWith('/') ? root : root + '/') + parts.join('/');
}
