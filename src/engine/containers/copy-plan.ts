/**
 * `cp`'s path rules, exactly as Docker's CLI and its archive package decide them (pure; unit-tested):
 *
 * - `CONTAINER:PATH` vs a local path ({@link splitCpArg}): an absolute path or one whose part before `:` starts
 *   with `.` is local; container paths are relative to the container's `/`.
 * - a trailing `/` asserts a directory, a trailing `/.` means "the contents of" ({@link preserveTrailingDotOrSeparator}).
 * - where the copy lands and under which name ({@link prepareArchiveCopy}): into an existing directory under the
 *   source's name; over an existing file; as the destination's name when it does not exist (its parent must);
 *   never a directory onto a file (`cannot copy directory`), never a file to a missing `dir/`
 *   (`no such directory`).
 *
 * Paths use Go's path semantics (`Clean`, `Dir`, `Base`), which differ from Node's at the edges (`Base("/")` is
 * `/`, `Clean("")` is `.`).
 */
import { failedPrecondition, invalidArgument } from '../errdefs.js';

/** Go's path.Clean. */
export function goClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Go's path.Base. */
export function goBase(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's path.Dir. */
export function goDir(p: string): string {
  const i = p.lastIndexOf('/');
  return goClean(p.slice(0, i + 1));
}

/** Go's path.Join. */
export function goJoin(...parts: string[]): string {
  const nonEmpty = parts.filter((x) => x !== '');
  return nonEmpty.length === 0 ? '' : goClean(nonEmpty.join('/'));
}

const specifiesCurrentDir = (p: string) => goBase(p) === '.';
const hasTrailingSeparator = (p: string) => p.endsWith('/');

/** Keeps the `/.` or `/` the user typed on a cleaned path (Docker's archive.PreserveTrailingDotOrSeparator). */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(out)) out += '/';
    out += '.';
  }
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += '/';
  return out;
}

/** Splits a path into its directory and last entry, keeping a trailing `.` as the entry (archive.SplitPathDirEntry). */
export function splitPathDirEntry(p: string): { dir: string; base: string } {
  let cleaned = goClean(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return { dir: goDir(cleaned), base: goBase(cleaned) };
}

/** An absolute container path as Docker's daemon reads one (relative to `/`, trailing `/` or `/.` kept). */
export function containerAbsPath(p: string): string {
  return preserveTrailingDotOrSeparator(goJoin('/', p), p);
}

/** `CONTAINER:PATH` or a local path (docker/cli's splitCpArg). */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/')) return { path: arg };
  const colon = arg.indexOf(':');
  if (colon < 0 || arg.slice(0, colon).startsWith('.')) return { path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** What `cp` does, from its two arguments. */
export type CpDirection =
  | { readonly kind: 'from'; readonly container: string; readonly source: string; readonly destination: string }
  | { readonly kind: 'to'; readonly container: string; readonly source: string; readonly destination: string };

/** Decides the direction (Docker's errors for both or neither side being a container). */
export function cpDirection(source: string, destination: string): CpDirection {
  const s = splitCpArg(source);
  const d = splitCpArg(destination);
  if (s.container !== undefined && d.container !== undefined) throw invalidArgument('copying between containers is not supported');
  if (s.container !== undefined) return { kind: 'from', container: s.container, source: s.path, destination: d.path };
  if (d.container !== undefined) return { kind: 'to', container: d.container, source: s.path, destination: d.path };
  throw invalidArgument('must specify at least one container source');
}

/** The source of a copy (archive.CopyInfo). */
export interface CopySourceInfo {
  readonly path: string;
  readonly isDir: boolean;
  /** The name the source's entries must carry instead of its own base name (after following a symlink). */
  readonly rebaseName?: string;
}

/** The destination of a copy, as found. */
export interface CopyDestInfo {
  readonly path: string;
  readonly exists: boolean;
  readonly isDir: boolean;
}

/** Where to extract, and the name the source's top entry gets there. */
export interface CopyPlan {
  /** The directory the archive is extracted into. */
  readonly dstDir: string;
  /** The name of the source's top entry in the archive (`.` for the contents of a directory). */
  readonly topName: string;
}

/** The name `src`'s entries carry in its archive: its rebase name, or its own base name. */
export function sourceTopName(src: CopySourceInfo): string {
  return src.rebaseName !== undefined && src.rebaseName !== '' ? src.rebaseName : splitPathDirEntry(src.path).base;
}

/** Docker's archive.PrepareArchiveCopy as a plan. failed-precondition with Docker's messages. */
export function prepareArchiveCopy(src: CopySourceInfo, dst: CopyDestInfo): CopyPlan {
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  if (dst.exists && dst.isDir) return { dstDir: dst.path, topName: sourceTopName(src) };
  if (dst.exists && src.isDir) throw failedPrecondition('cannot copy directory');
  if (dst.exists) return { dstDir, topName: dstBase };
  if (src.isDir) return { dstDir, topName: dstBase };
  if (hasTrailingSeparator(dst.path) || specifiesCurrentDir(dst.path)) throw failedPrecondition('no such directory');
  return { dstDir, topName: dstBase };
}

/**
 * After following a symlink (`-L`): the resolved path with the user's trailing `/.` or `/` kept, and the name
 * the entries must keep when the last component changed (archive.GetRebaseName).
 */
export function getRebaseName(requested: string, resolved: string): { path: string; rebaseName?: string } {
  let out = resolved;
  if (specifiesCurrentDir(requested) && !specifiesCurrentDir(out)) out += '/.';
  if (hasTrailingSeparator(requested) && !hasTrailingSeparator(out)) out += '/';
  return goBase(requested) !== goBase(out) ? { path: out, rebaseName: goBase(requested) } : { path: out };
}
