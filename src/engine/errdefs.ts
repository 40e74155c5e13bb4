/**
 * The engine's single error vocabulary (containerd's errdefs, in TypeScript).
 *
 * Errors are classified where they are detected, wrapped with `{ cause }` as they travel up, and mapped to
 * exit codes and wording only at the top (src/commands/_lib/exit.ts). Callers test the class with
 * {@link hasCode}, never the message text. Messages are lowercase, object first, no final period:
 * `image "docker.io/library/nginx:latest": not found`.
 */

/** The classes an engine error can have. */
export const ErrorCodes = [
  'not-found',
  'already-exists',
  'invalid-argument',
  'failed-precondition',
  'conflict',
  'unavailable',
  'permission-denied',
  'unauthenticated',
  'not-implemented',
  'canceled',
  'deadline-exceeded',
  'internal',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/** What an error is about, so the CLI can phrase it the way Docker does ("No such container: x"). */
export interface ErrorSubject {
  kind:
    | 'container'
    | 'image'
    | 'network'
    | 'volume'
    | 'namespace'
    | 'content'
    | 'snapshot'
    | 'lease'
    | 'registry'
    | 'task'
    | 'exec'
    | 'file'
    | 'stage'
    | 'service'
    | 'project'
    | 'build-cache'
    | 'object';
  ref: string;
}

export interface EngineErrorOptions {
  cause?: unknown;
  subject?: ErrorSubject;
  /** A short hint the CLI may print after the message ("stop the container before removing it"). */
  hint?: string;
  /**
   * The exit status this failure implies for the CLI, when it is not the usual one: 126 when a container's command
   * cannot be invoked, 127 when it is not found (Docker's convention).
   */
  exitCode?: number;
}

/** An error with a class. The message is complete on its own; `cause` keeps the chain for --debug. */
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly subject: ErrorSubject | undefined;
  readonly hint: string | undefined;
  readonly exitCode: number | undefined;

  constructor(code: ErrorCode, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.subject = options.subject;
    this.hint = options.hint;
    this.exitCode = options.exitCode;
  }
}

function make(code: ErrorCode) {
  return (message: string, options?: EngineErrorOptions): EngineError => new EngineError(code, message, options);
}

export const invalidArgument = make('invalid-argument');
export const failedPrecondition = make('failed-precondition');
export const conflict = make('conflict');
export const unavailable = make('unavailable');
export const permissionDenied = make('permission-denied');
export const unauthenticated = make('unauthenticated');
export const notImplemented = make('not-implemented');
export const canceled = make('canceled');
export const deadlineExceeded = make('deadline-exceeded');
export const internal = make('internal');

/** `<kind> "<ref>": not found`, with the subject attached. */
export function notFound(subject: ErrorSubject, options: Omit<EngineErrorOptions, 'subject'> = {}): EngineError {
  return new EngineError('not-found', `${subject.kind} "${subject.ref}": not found`, { ...options, subject });
}

/** `<kind> "<ref>": already exists`, with the subject attached. */
export function alreadyExists(subject: ErrorSubject, options: Omit<EngineErrorOptions, 'subject'> = {}): EngineError {
  return new EngineError('already-exists', `${subject.kind} "${subject.ref}": already exists`, {
    ...options,
    subject,
  });
}

/** The first EngineError in the cause chain of `err`, if any. */
export function findEngineError(err: unknown): EngineError | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && !seen.has(cur)) {
    seen.add(cur);
    if (cur instanceof EngineError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when `err` or anything in its cause chain is an EngineError of class `code`. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && !seen.has(cur)) {
    seen.add(cur);
    if (cur instanceof EngineError && cur.code === code) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Adds context to an error while keeping its class: `wrap(err, 'pull "alpine"')` gives
 * `pull "alpine": <original message>` with the same code and subject. Unclassified errors become `internal`
 * unless `fallback` says otherwise.
 */
export function wrap(err: unknown, context: string, fallback: ErrorCode = 'internal'): EngineError {
  const found = findEngineError(err);
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError(found?.code ?? fallback, `${context}: ${message}`, {
    cause: err,
    subject: found?.subject,
    hint: found?.hint,
    exitCode: found?.exitCode,
  });
}

/** A Node system error (`ENOENT`, `EEXIST`, ...) has a string `code`. */
export function isErrno(err: unknown, code?: string): err is NodeJS.ErrnoException {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    (code === undefined || (err as { code: string }).code === code)
  );
}
