import { invalidArgument } from '../engine/errdefs.js';

/**
 * Go's path matching, as Docker uses it for COPY/ADD source wildcards and to validate .dockerignore and
 * `--exclude` patterns (the `**` extension lives in dockerignore.ts):
 *
 * - `*` any run of non-`/` characters, `?` one non-`/` character, `[...]` a class with ranges and `^`
 *   negation, `\` escapes the next character (Linux rules: `\` is never a separator).
 * - A malformed pattern (`[` unclosed, `[]`, a trailing `\`, a range missing an end) is an error even when the
 *   name does not match (Go >= 1.16 checks the whole pattern).
 */

/** Thrown (as invalid-argument) for malformed patterns, with Go's wording. */
export function badPattern(pattern: string): never {
  throw invalidArgument(`syntax error in pattern: ${JSON.stringify(pattern)}`);
}

class BadPattern {}

/** Splits off the next chunk: leading stars, then up to the next unbracketed `*`. */
function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let i = 0;
  let star = false;
  while (i < pattern.length && pattern[i] === '*') {
    i++;
    star = true;
  }
  const p = pattern.slice(i);
  let inRange = false;
  let j = 0;
  for (; j < p.length; j++) {
    const c = p[j];
    if (c === '\\') {
      if (j + 1 < p.length) j++;
    } else if (c === '[') inRange = true;
    else if (c === ']') inRange = false;
    else if (c === '*' && !inRange) break;
  }
  return { star, chunk: p.slice(0, j), rest: p.slice(j) };
}

function getEsc(chunk: string[], at: number): { r: string; next: number } {
  let i = at;
  if (i >= chunk.length || chunk[i] === '-' || chunk[i] === ']') throw new BadPattern();
  if (chunk[i] === '\\') {
    i++;
    if (i >= chunk.length) throw new BadPattern();
  }
  const r = chunk[i] as string;
  i++;
  if (i >= chunk.length) throw new BadPattern();
  return { r, next: i };
}

/** Matches `chunk` at the start of `s`; returns the rest of `s`, or undefined. Throws BadPattern. */
function matchChunk(chunk: string[], s: string[]): string[] | undefined {
  let failed = false;
  let si = 0;
  let ci = 0;
  while (ci < chunk.length) {
    if (!failed && si >= s.length) failed = true;
    const c = chunk[ci] as string;
    if (c === '[') {
      const r = failed ? '' : (s[si++] as string);
      ci++;
      let negated = false;
      if (chunk[ci] === '^') {
        negated = true;
        ci++;
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (ci < chunk.length && chunk[ci] === ']' && nrange > 0) {
          ci++;
          break;
        }
        const lo = getEsc(chunk, ci);
        ci = lo.next;
        let hi = lo.r;
        if (chunk[ci] === '-') {
          const h = getEsc(chunk, ci + 1);
          hi = h.r;
          ci = h.next;
        }
        if (!failed && (lo.r.codePointAt(0) as number) <= (r.codePointAt(0) as number) && (r.codePointAt(0) as number) <= (hi.codePointAt(0) as number)) {
          match = true;
        }
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[si] === '/') failed = true;
        si++;
      }
      ci++;
    } else {
      let lit = c;
      if (c === '\\') {
        ci++;
        if (ci >= chunk.length) throw new BadPattern();
        lit = chunk[ci] as string;
      }
      if (!failed) {
        if (lit !== s[si]) failed = true;
        si++;
      }
      ci++;
    }
  }
  return failed ? undefined : s.slice(si);
}

/**
 * Go's `filepath.Match(pattern, name)` on Linux: true when `name` matches the whole pattern. Throws
 * invalid-argument for a malformed pattern.
 */
export function matchPath(pattern: string, name: string): boolean {
  try {
    return matchChars(Array.from(pattern), Array.from(name));
  } catch (err) {
    if (err instanceof BadPattern) badPattern(pattern);
    throw err;
  }
}

function matchChars(patternIn: string[], nameIn: string[]): boolean {
  let pattern = patternIn;
  let name = nameIn;
  outer: while (pattern.length > 0) {
    const { star, chunk, rest } = scanChunk(pattern);
    pattern = rest;
    if (star && chunk.length === 0) return !name.includes('/');
    const t = matchChunk(chunk, name);
    if (t !== undefined && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (star) {
      for (let i = 0; i < name.length && name[i] !== '/'; i++) {
        const t2 = matchChunk(chunk, name.slice(i + 1));
        if (t2 !== undefined) {
          if (pattern.length === 0 && t2.length > 0) continue;
          name = t2;
          continue outer;
        }
      }
    }
    // No match: still check the rest of the pattern is well formed.
    while (pattern.length > 0) {
      const next = scanChunk(pattern);
      pattern = next.rest;
      matchChunk(next.chunk, []);
    }
    return false;
  }
  return name.length === 0;
}

/** Throws invalid-argument when `pattern` is malformed for {@link matchPath}. */
export function validatePattern(pattern: string): void {
  matchPath(pattern, '.');
}

/** True when `name` contains an unescaped `*`, `?` or `[` (BuildKit's test for COPY wildcard sources). */
export function hasWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** Go's `path.Clean`: the shortest equivalent slash path (`.` for empty, no trailing slash but for `/`). */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? '.' : s;
}
