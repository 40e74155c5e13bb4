/**
 * Errors raised while loading a compose project. They are ordinary `invalid-argument` (or `not-found` for missing
 * files) EngineErrors that also carry where the problem is: the file, the path in the document
 * (`services.web.ports.0`) and, when the YAML node is known, its 1-based line and column. The message already
 * contains the location, so a CLI can print it as is.
 */
import { EngineError, type ErrorCode } from '../engine/errdefs.js';

/** Where in which compose file a problem was found. All fields are optional: not every error has them all. */
export interface ComposeLocation {
  /** Absolute path of the compose file, or `-` for stdin. */
  file?: string;
  /** Dotted path in the document, list items by index: `services.web.ports.0`. */
  path?: string;
  /** 1-based line of the YAML node. */
  line?: number;
  /** 1-based column of the YAML node. */
  column?: number;
}

/** A loading error with its location. `code` is `invalid-argument` unless said otherwise. */
export class ComposeError extends EngineError {
  readonly location: ComposeLocation;

  constructor(message: string, location: ComposeLocation = {}, code: ErrorCode = 'invalid-argument', cause?: unknown) {
    super(code, message, { cause, subject: { kind: 'project', ref: location.file ?? '' } });
    this.name = 'ComposeError';
    this.location = location;
  }
}

/** `file:line:column` (or the parts that are known). */
export function formatLocation(loc: ComposeLocation): string {
  let s = loc.file ?? '';
  if (loc.line !== undefined) {
    s += `:${loc.line}`;
    if (loc.column !== undefined) s += `:${loc.column}`;
  }
  return s;
}

/**
 * An error whose message starts with `prefix file:line:col: ` when the line is known (a file alone is not repeated:
 * such messages name it themselves), or with `prefix file: ` when a prefix is given.
 */
export function composeError(message: string, location: ComposeLocation = {}, prefix = ''): ComposeError {
  const where = location.line !== undefined || prefix !== '' ? formatLocation(location) : '';
  const head = [prefix, where].filter((x) => x !== '').join(' ');
  return new ComposeError(head === '' ? message : `${head}: ${message}`, location);
}

/** A non-fatal finding (a missing variable, an obsolete `version`...), collected instead of printed. */
export interface LoadWarning {
  message: string;
  location?: ComposeLocation;
}
