import { EngineError, findEngineError, type EngineErrorOptions } from '../../engine/errdefs.js';

/**
 * Errors about a Dockerfile carry the location Docker reports: `Dockerfile:3: unknown instruction: RUNN (did you
 * mean RUN?)`. They are `invalid-argument` EngineErrors (the user's file is wrong), with the location also
 * available as data so the CLI or a progress view can point at the line.
 */
export class DockerfileError extends EngineError {
  /** First line (1-based) of the instruction or directive at fault; 0 when the file as a whole is at fault. */
  readonly line: number;
  /** Last line (1-based, inclusive) of that instruction; equals `line` for one-line instructions. */
  readonly endLine: number;
  /** The file name used in the message (`Dockerfile`, or what `-f` named). */
  readonly file: string;
  /** The message without the `file:line: ` prefix. */
  readonly detail: string;

  constructor(file: string, line: number, endLine: number, detail: string, options: EngineErrorOptions = {}) {
    super('invalid-argument', line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`, options);
    this.name = 'DockerfileError';
    this.line = line;
    this.endLine = Math.max(line, endLine);
    this.file = file;
    this.detail = detail;
  }
}

/** A location-free problem found by a helper (lexer, flag parser); the caller adds file and line. */
export class DockerfileSyntaxError extends EngineError {
  constructor(message: string, options: EngineErrorOptions = {}) {
    super('invalid-argument', message, options);
    this.name = 'DockerfileSyntaxError';
  }
}

/** Throws a location-free syntax error (for helpers that do not know the line). */
export function syntaxError(message: string): never {
  throw new DockerfileSyntaxError(message);
}

/** Where an instruction sits in its file, for error messages. */
export interface ErrorLocation {
  file: string;
  startLine: number;
  endLine: number;
}

/**
 * Runs `fn` and turns any invalid-argument error without a location into a {@link DockerfileError} at `loc`.
 * Errors that already carry a location, and errors of other classes (bugs), pass through untouched.
 */
export function atLocation<T>(loc: ErrorLocation, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw locate(err, loc);
  }
}

/** The error `err` placed at `loc` (see {@link atLocation}). */
export function locate(err: unknown, loc: ErrorLocation): unknown {
  if (err instanceof DockerfileError) return err;
  const found = findEngineError(err);
  if (found === undefined || found.code !== 'invalid-argument') return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new DockerfileError(loc.file, loc.startLine, loc.endLine, detail, { cause: err, hint: found.hint });
}

/** Levenshtein distance between two strings (code units; the candidates are ASCII keywords and flag names). */
function distance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * The closest candidate to `value` within an edit distance of 2 (BuildKit's threshold), or undefined. An exact
 * match returns undefined: the error was about something else. Case-insensitive search returns the candidate in
 * the case the user typed (all upper, all lower, or as listed).
 */
export function suggest(value: string, candidates: Iterable<string>, caseSensitive = true): string | undefined {
  const v = caseSensitive ? value : value.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const c = caseSensitive ? candidate : candidate.toLowerCase();
    if (c === v) return undefined;
    const d = distance(v, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = caseSensitive ? candidate : matchCase(c, value);
    }
  }
  return best;
}

function matchCase(candidate: string, typed: string): string {
  if (typed === typed.toLowerCase()) return candidate.toLowerCase();
  if (typed === typed.toUpperCase()) return candidate.toUpperCase();
  return candidate;
}

/** `message (did you mean X?)` when a suggestion exists, else `message`. */
export function withSuggestion(message: string, value: string, candidates: Iterable<string>, caseSensitive = true): string {
  const s = suggest(value, candidates, caseSensitive);
  return s === undefined ? message : `${message} (did you mean ${s}?)`;
}
