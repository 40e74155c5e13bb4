import { opendir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { invalidArgument, isErrno, wrap } from '../engine/errdefs.js';
import { cleanPath, validatePattern } from './path-match.js';

/**
 * `.dockerignore` and `COPY --exclude` matching, with Docker's rules (moby/patternmatcher), and helpers to walk
 * a build context in place.
 *
 * Why not `@balena/dockerignore` (evaluated, 1.0.2): it ports an old moby matcher and differs from Docker in
 * ways users hit: it is case-insensitive by default, silently drops a bare `!` (Docker: `illegal exclusion
 * pattern: "!"`), lets regex syntax through (`a(1).txt` and `a+b` never match themselves), lacks the `**foo`
 * suffix rule, reports malformed patterns as raw RegExp errors, and has no support for skipping excluded
 * directories during a walk. This module implements the current matcher:
 *
 * - File syntax: one pattern per line; a line starting with `#` is a comment; lines are trimmed; each pattern is
 *   cleaned like a path (`./a`, `a//b`, `a/../b`) and a leading `/` is dropped; `!` marks an exception.
 * - Matching (paths are slash-separated, relative to the context root): `*`, `?`, `[...]`, `\` escapes as Go's
 *   filepath.Match; `**` matches any number of directories (`**` then `/x`, `a/` `**` `/b`, a trailing `x/` `**`); a pattern
 *   that matches a directory also matches everything beneath it; the last matching line decides.
 */

/** One compiled pattern. */
export interface IgnorePattern {
  /** The cleaned pattern, without `!`. */
  pattern: string;
  /** True for `!pattern` (re-include). */
  exclusion: boolean;
  /** The pattern's path segments (used to decide whether a directory can be skipped). */
  segments: string[];
  /** Does this pattern match `path` itself (not its parents)? */
  test(path: string): boolean;
}

/** Per-pattern results for a directory, reused for its children (see {@link IgnoreMatcher.matchWithParent}). */
export interface MatchState {
  parentMatched: boolean[];
}

/** Reads `.dockerignore` text into cleaned patterns (Docker's ignorefile.ReadAll). */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  lines.forEach((rawLine, i) => {
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (i === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.startsWith('#')) return;
    let p = line.trim();
    if (p === '') return;
    const invert = p.startsWith('!');
    if (invert) p = p.slice(1).trim();
    if (p.length > 0) {
      p = cleanPath(p);
      if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    }
    out.push(invert ? `!${p}` : p);
  });
  return out;
}

// Characters Docker escapes when turning a pattern into a regular expression (they have no glob meaning).
const REGEX_SPECIAL = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);
// Characters a `u`-mode RegExp accepts after `\` (inside a class `-` too).
const SYNTAX_CHARS = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

function literal(c: string, inClass: boolean): string {
  return SYNTAX_CHARS.has(c) || (inClass && c === '-') ? `\\${c}` : c;
}

/**
 * Compiles one cleaned pattern (without `!`) the way Docker's patternmatcher does, including its shortcuts,
 * which are part of the behaviour: a pattern starting with `**` is a suffix test (`**foo` matches `xfoo`), a
 * literal pattern ending in `**` a prefix test. Like Docker, `^` outside a class is left to the regular
 * expression (an anchor); inside a class, `*` and `?` are literal.
 */
function compile(pattern: string): (path: string) => boolean {
  const chars = Array.from(pattern);
  let re = '^';
  let type: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (inClass) {
      if (ch === ']') {
        re += ']';
        inClass = false;
      } else if (ch === '\\' && i + 1 < chars.length) {
        re += literal(chars[++i] as string, true);
      } else if (ch === '-' || (ch === '^' && chars[i - 1] === '[')) {
        re += ch;
      } else {
        re += literal(ch, true);
      }
      continue;
    }
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++;
        if (i + 1 >= chars.length) {
          if (type === 'exact') type = 'prefix';
          else {
            re += '.*';
            type = 'regexp';
          }
        } else {
          re += '(.*/)?';
          type = 'regexp';
        }
        if (i <= 2 && chars[0] === '*' && chars[1] === '*') type = 'suffix';
      } else {
        re += '[^/]*';
        type = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      type = 'regexp';
    } else if (REGEX_SPECIAL.has(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      if (i + 1 < chars.length) {
        const nx = chars[++i] as string;
        // Go's regexp reads `\d`, `\w`, `\s` (and capitals) as classes; other escaped characters are literal.
        re += /^[dDwWsS]$/.test(nx) ? `\\${nx}` : literal(nx, false);
        type = 'regexp';
      } else {
        re += '\\\\';
      }
    } else if (ch === '[') {
      re += '[';
      inClass = true;
      type = 'regexp';
    } else if (ch === ']') {
      re += '\\]';
      type = 'regexp';
    } else {
      re += ch;
    }
  }
  switch (type) {
    case 'exact':
      return (p) => p === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (p) => p.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      return (p) => p.endsWith(suffix) || (suffix.startsWith('/') && p === suffix.slice(1));
    }
    case 'regexp': {
      let rx: RegExp;
      try {
        rx = new RegExp(`${re}$`, 'u');
      } catch {
        throw invalidArgument(`syntax error in pattern: ${JSON.stringify(pattern)}`);
      }
      return (p) => rx.test(p);
    }
  }
}

/** A compiled list of patterns. Create with {@link createIgnoreMatcher}. */
export interface IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  /** True when some pattern is an exception (`!x`). */
  readonly hasExclusions: boolean;
  /**
   * True when `path` (slash-separated, relative to the context root, no leading `./`) is excluded: the last
   * pattern matching the path or one of its parent directories is not an exception. The root (`.`) is never
   * excluded.
   */
  excludes(path: string): boolean;
  /**
   * Like {@link excludes} for a walk: `parent` is the state returned for the parent directory (omit it for
   * top-level entries), so parents are not re-matched.
   */
  matchWithParent(path: string, parent?: MatchState): { excluded: boolean; state: MatchState };
  /**
   * Whether something beneath the excluded directory `dir` could still be included by a later exception, so a
   * walk must descend into it. False means the whole subtree is excluded and can be skipped.
   */
  mayIncludeBeneath(dir: string): boolean;
}

/**
 * Compiles patterns (as returned by {@link parseDockerignore}, or `COPY --exclude` values). Throws
 * invalid-argument for a bare `!` (`illegal exclusion pattern: "!"`) or a malformed pattern.
 */
export function createIgnoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const compiled: IgnorePattern[] = [];
  for (const raw of patterns) {
    let p = raw.trim();
    if (p === '') continue;
    p = cleanPath(p);
    let exclusion = false;
    if (p.startsWith('!')) {
      if (p.length === 1) throw invalidArgument('illegal exclusion pattern: "!"');
      exclusion = true;
      p = p.slice(1);
    }
    validatePattern(p);
    compiled.push({ pattern: p, exclusion, segments: p.split('/'), test: compile(p) });
  }
  return new Matcher(compiled);
}

class Matcher implements IgnoreMatcher {
  readonly patterns: readonly IgnorePattern[];
  readonly hasExclusions: boolean;

  constructor(patterns: IgnorePattern[]) {
    this.patterns = patterns;
    this.hasExclusions = patterns.some((p) => p.exclusion);
  }

  excludes(path: string): boolean {
    const file = cleanPath(path);
    if (file === '.') return false;
    const parents = file.split('/').slice(0, -1);
    let matched = false;
    for (const pat of this.patterns) {
      // Only a pattern of the other polarity can change the outcome (the last match decides).
      if (pat.exclusion !== matched) continue;
      let match = pat.test(file);
      for (let i = 1; !match && i <= parents.length; i++) match = pat.test(parents.slice(0, i).join('/'));
      if (match) matched = !pat.exclusion;
    }
    return matched;
  }

  matchWithParent(path: string, parent?: MatchState): { excluded: boolean; state: MatchState } {
    if (parent === undefined && path.includes('/')) {
      // No parent information: fall back to checking every parent (same result, slower).
      const parentMatched = this.patterns.map((p) => {
        const parts = path.split('/');
        for (let i = 1; i <= parts.length; i++) if (p.test(parts.slice(0, i).join('/'))) return true;
        return false;
      });
      return this.decide(parentMatched);
    }
    const parentMatched = this.patterns.map((p, i) => (parent?.parentMatched[i] ?? false) || p.test(path));
    return this.decide(parentMatched);
  }

  private decide(parentMatched: boolean[]): { excluded: boolean; state: MatchState } {
    let matched = false;
    this.patterns.forEach((p, i) => {
      if (parentMatched[i] === true) matched = !p.exclusion;
    });
    return { excluded: matched, state: { parentMatched } };
  }

  mayIncludeBeneath(dir: string): boolean {
    const dirSegs = cleanPath(dir).split('/');
    return this.patterns.some((p) => p.exclusion && mayMatchBeneath(p, dirSegs));
  }
}

/** Could `p` match some path strictly beneath the directory `dirSegs`? Conservative: true when unsure. */
function mayMatchBeneath(p: IgnorePattern, dirSegs: string[]): boolean {
  const segs = p.segments;
  for (let i = 0; i < dirSegs.length; i++) {
    const seg = segs[i];
    if (seg === undefined) return false; // the pattern ends above: it matches nothing deeper than dir
    if (seg.includes('**') || seg.includes('[^')) return true;
    const one = compile(seg);
    if (!one(dirSegs[i] as string)) return false;
  }
  return segs.length > dirSegs.length;
}

/** Where the ignore patterns of a build come from. */
export interface DockerignoreSource {
  patterns: string[];
  /** The file read, or undefined when there is none. */
  path?: string;
}

/**
 * Reads the ignore file for a build: `<dockerfile>.dockerignore` next to the Dockerfile when it exists (it
 * replaces the context's), else `<context>/.dockerignore`, else nothing. Pass `dockerfilePath` undefined when
 * the Dockerfile came from stdin.
 */
export async function readDockerignore(contextDir: string, dockerfilePath?: string): Promise<DockerignoreSource> {
  const candidates: string[] = [];
  if (dockerfilePath !== undefined && dockerfilePath !== '-') {
    candidates.push(join(dirname(dockerfilePath), `${basename(dockerfilePath)}.dockerignore`));
  }
  candidates.push(join(contextDir, '.dockerignore'));
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) continue;
      throw wrap(err, `read ${path}`, 'unavailable');
    }
    return { patterns: parseDockerignore(text), path };
  }
  return { patterns: [] };
}

/** One entry of a context walk. */
export interface ContextEntry {
  /** Slash-separated path relative to the root. */
  path: string;
  /** Absolute path on disk. */
  absolute: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
}

export interface WalkContextOptions {
  /** Compiled ignore patterns; undefined includes everything. */
  matcher?: IgnoreMatcher;
}

/**
 * Walks `root` depth-first in byte order of names (deterministic, as Docker's tarsum walk), yielding the
 * entries that are not excluded. Symlinks are reported, never followed. An excluded directory is skipped
 * without being read when no exception could re-include anything beneath it; otherwise it is read, and it is
 * yielded (just before its first included descendant) only when something beneath it is included, the way
 * Docker keeps parent directories of re-included files.
 */
export async function* walkContext(root: string, options: WalkContextOptions = {}): AsyncGenerator<ContextEntry> {
  const matcher = options.matcher !== undefined && options.matcher.patterns.length > 0 ? options.matcher : undefined;
  yield* walkDir(root, '', matcher, undefined, []);
}

/**
 * `pending` is shared by the whole walk: the excluded directories above the current one that were not emitted
 * yet, outermost first. They are emitted (and dropped) when an included entry shows up beneath them.
 */
async function* walkDir(
  root: string,
  rel: string,
  matcher: IgnoreMatcher | undefined,
  parentState: MatchState | undefined,
  pending: ContextEntry[],
): AsyncGenerator<ContextEntry> {
  const absDir = rel === '' ? root : join(root, rel);
  const names: { name: string; type: ContextEntry['type'] }[] = [];
  const dir = await opendir(absDir);
  for await (const d of dir) {
    names.push({
      name: d.name,
      type: d.isDirectory() ? 'directory' : d.isFile() ? 'file' : d.isSymbolicLink() ? 'symlink' : 'other',
    });
  }
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, type } of names) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const entry: ContextEntry = { path, absolute: join(root, path), type };
    let excluded = false;
    let state: MatchState | undefined;
    if (matcher !== undefined) ({ excluded, state } = matcher.matchWithParent(path, parentState));
    if (excluded) {
      if (type !== 'directory' || matcher?.mayIncludeBeneath(path) !== true) continue;
      pending.push(entry);
      yield* walkDir(root, path, matcher, state, pending);
      if (pending[pending.length - 1] === entry) pending.pop();
      continue;
    }
    for (const p of pending.splice(0)) yield p;
    yield entry;
    if (type === 'directory') yield* walkDir(root, path, matcher, state, pending);
  }
}
