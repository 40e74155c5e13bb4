import { syntaxError } from './errors.js';

/**
 * Parser directives: `# key=value` comment lines at the very top of a Dockerfile (BuildKit's rules).
 *
 * - Only lines before the first instruction, blank line or ordinary comment count; leading whitespace before `#`
 *   is allowed. The first line that is not a directive ends the scan, and so does an unknown key (that line is
 *   then an ordinary comment).
 * - Keys are case-insensitive, values are not; each key may appear once (`only one escape parser directive can
 *   be used`). Known keys: `escape` (`\` or `` ` ``), `syntax` (a frontend image: we accept and ignore it, with a
 *   warning when it is not `docker/dockerfile`), `check` (lint configuration, recorded).
 */

export type DirectiveName = 'escape' | 'syntax' | 'check';

export interface Directive {
  name: DirectiveName;
  value: string;
  /** 1-based line number. */
  line: number;
}

/** The `# check=skip=A,B;error=true` directive, parsed. */
export interface CheckDirective {
  /** Rule names to skip, or `all`. */
  skip: string[] | 'all';
  /** Whether lint warnings fail the build. */
  error: boolean;
}

const DIRECTIVE_RE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN = new Set<string>(['escape', 'syntax', 'check']);

/** Feeds lines one by one (already left-trimmed of whitespace, newline removed) and collects directives. */
export class DirectiveScanner {
  private finished = false;
  private readonly seen = new Set<string>();
  readonly directives: Directive[] = [];

  /** True once a non-directive line was seen: later `# x=y` lines are ordinary comments. */
  get done(): boolean {
    return this.finished;
  }

  /** Returns the directive on this line, or undefined (and stops scanning) if it is not one. */
  feed(line: string, lineNo: number): Directive | undefined {
    if (this.finished) return undefined;
    if (!line.startsWith('#')) {
      this.finished = true;
      return undefined;
    }
    const m = DIRECTIVE_RE.exec(line.slice(1).replace(/^\s+/u, ''));
    const key = m?.[1]?.toLowerCase();
    if (m === null || key === undefined || !KNOWN.has(key)) {
      this.finished = true;
      return undefined;
    }
    if (this.seen.has(key)) syntaxError(`only one ${key} parser directive can be used`);
    this.seen.add(key);
    const d: Directive = { name: key as DirectiveName, value: m[2] as string, line: lineNo };
    this.directives.push(d);
    return d;
  }
}

/** Validates an escape directive value. */
export function parseEscapeDirective(value: string): '\\' | '`' {
  if (value !== '`' && value !== '\\') syntaxError(`invalid escape token '${value}' does not match \` or \\`);
  return value;
}

/** Parses `skip=A,B;error=true` (also `skip=all`). Unknown keys are an error, as in BuildKit. */
export function parseCheckDirective(value: string): CheckDirective {
  const out: CheckDirective = { skip: [], error: false };
  for (const part of value.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq < 0) syntaxError(`invalid check directive: ${p}`);
    const key = p.slice(0, eq).trim().toLowerCase();
    const v = p.slice(eq + 1).trim();
    if (key === 'skip') {
      out.skip = v.toLowerCase() === 'all' ? 'all' : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    } else if (key === 'error') {
      if (!/^(true|false|1|0)$/i.test(v)) syntaxError(`invalid check directive: error=${v}`);
      out.error = /^(true|1)$/i.test(v);
    } else {
      syntaxError(`invalid check directive option: ${key}`);
    }
  }
  return out;
}

/**
 * Whether a `# syntax=` value names Docker's own Dockerfile frontend (which this builder implements), such as
 * `docker/dockerfile:1`, `docker.io/docker/dockerfile:1.7-labs` or `docker/dockerfile-upstream:master`.
 */
export function isDockerfileFrontend(ref: string): boolean {
  const name = ref.split(/[@:]/)[0]?.replace(/^(docker\.io\/|index\.docker\.io\/)/, '') ?? '';
  return name === 'docker/dockerfile' || name === 'docker/dockerfile-upstream';
}
