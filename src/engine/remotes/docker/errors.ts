/**
 * The one place where foreign errors of the registry client become EngineErrors: HTTP statuses, the registry's
 * JSON error bodies (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}`, distribution spec "Error
 * codes") and Node socket/TLS/DNS errors. Messages follow Docker's and Go's wording so users recognise them
 * (`dial tcp 127.0.0.1:1: connect: connection refused`, `manifest unknown: manifest unknown`).
 */
import {
  EngineError,
  findEngineError,
  type ErrorCode,
  type ErrorSubject,
  type EngineErrorOptions,
} from '../../errdefs.js';

/** One entry of a registry's JSON error body. */
export interface RegistryErrorEntry {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
}

/** The class of each error code of the distribution spec (plus Docker Hub's TOOMANYREQUESTS). */
const registryCodeClass: Readonly<Record<string, ErrorCode>> = {
  BLOB_UNKNOWN: 'not-found',
  BLOB_UPLOAD_INVALID: 'invalid-argument',
  BLOB_UPLOAD_UNKNOWN: 'not-found',
  DIGEST_INVALID: 'invalid-argument',
  MANIFEST_BLOB_UNKNOWN: 'failed-precondition',
  MANIFEST_INVALID: 'invalid-argument',
  MANIFEST_UNKNOWN: 'not-found',
  MANIFEST_UNVERIFIED: 'invalid-argument',
  NAME_INVALID: 'invalid-argument',
  NAME_UNKNOWN: 'not-found',
  SIZE_INVALID: 'invalid-argument',
  TAG_INVALID: 'invalid-argument',
  PAGINATION_NUMBER_INVALID: 'invalid-argument',
  RANGE_INVALID: 'invalid-argument',
  UNAUTHORIZED: 'unauthenticated',
  DENIED: 'permission-denied',
  UNSUPPORTED: 'not-implemented',
  TOOMANYREQUESTS: 'unavailable',
  UNAVAILABLE: 'unavailable',
};

/** Parses a registry error body; anything that is not the spec's shape gives an empty list. */
export function parseRegistryErrors(body: string): RegistryErrorEntry[] {
  if (body.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const list = (parsed as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(list)) return [];
  const out: RegistryErrorEntry[] = [];
  for (const e of list) {
    if (typeof e !== 'object' || e === null) continue;
    const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'UNKNOWN';
    const message = typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : '';
    out.push({ code, message, detail: (e as { detail?: unknown }).detail });
  }
  return out;
}

/** Docker's rendering of one registry error: `manifest unknown: manifest unknown`. */
export function formatRegistryError(e: RegistryErrorEntry): string {
  const code = e.code.toLowerCase().replace(/_/g, ' ');
  return e.message === '' ? code : `${code}: ${e.message}`;
}

function classOfStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'permission-denied';
  if (status === 404) return 'not-found';
  if (status === 405 || status === 501) return 'not-implemented';
  if (status === 409) return 'conflict';
  if (status === 416 || status === 400) return 'invalid-argument';
  if (status === 408) return 'deadline-exceeded';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'internal';
}

/** What a failed response was about, to word the error. */
export interface ResponseErrorContext {
  readonly method: string;
  readonly url: string;
  readonly subject?: ErrorSubject;
  /** Text used when a 404 has no body (HEAD responses never have one): `manifest unknown`, `blob unknown`. */
  readonly notFoundText?: string;
}

/**
 * An EngineError for an HTTP response that the caller did not expect. The class comes from the registry's first
 * error code when there is one, else from the status; the message is the registry's errors, Docker-style, or
 * `unexpected status from <METHOD> request to <url>: <status>` when the body says nothing.
 */
export function fromResponse(
  status: number,
  statusText: string,
  body: string,
  context: ResponseErrorContext,
): EngineError {
  const entries = parseRegistryErrors(body);
  const first = entries[0];
  let code: ErrorCode = classOfStatus(status);
  if (first !== undefined) {
    const byCode = registryCodeClass[first.code];
    if (byCode !== undefined) code = byCode;
  }
  let message: string;
  if (entries.length > 0) {
    message = entries.map(formatRegistryError).join('; ');
  } else if (status === 404 && context.notFoundText !== undefined) {
    message = `${context.notFoundText}: ${context.notFoundText}`;
  } else if (status === 401) {
    message = 'unauthorized: authentication required';
  } else {
    message = `unexpected status from ${context.method} request to ${context.url}: ${status} ${statusText}`.trimEnd();
  }
  const opts: EngineErrorOptions = context.subject === undefined ? {} : { subject: context.subject };
  return new EngineError(code, message, { ...opts, cause: { status, body: body.slice(0, 2048) } });
}

/** Registry error entries carried by an EngineError made by {@link fromResponse}. */
export function registryErrorsOf(err: unknown): RegistryErrorEntry[] {
  const found = findEngineError(err);
  const cause = (found?.cause ?? undefined) as { body?: unknown } | undefined;
  return typeof cause?.body === 'string' ? parseRegistryErrors(cause.body) : [];
}

/** The HTTP status behind an EngineError made by {@link fromResponse}, if any. */
export function statusOf(err: unknown): number | undefined {
  const found = findEngineError(err);
  const cause = found?.cause as { status?: unknown } | undefined;
  return typeof cause?.status === 'number' ? cause.status : undefined;
}

/** Statuses worth retrying for an idempotent request. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Socket errors that a retry may cure (a reset, a timeout, a half-closed keep-alive connection). */
export function isTransientTransportError(err: unknown): boolean {
  if (err instanceof EngineError) return false;
  const code = errnoCode(err);
  return (
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    code === 'ECONNABORTED' ||
    code === 'EAI_AGAIN' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    (err instanceof Error && err.message === 'socket hang up')
  );
}

/** The peer speaks plain HTTP where TLS was expected (Go: "server gave HTTP response to HTTPS client"). */
export function isHttpResponseToHttpsClient(err: unknown): boolean {
  const code = errnoCode(err) ?? '';
  const msg = err instanceof Error ? err.message : '';
  return (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(msg))
  );
}

export function isConnectionRefused(err: unknown): boolean {
  return errnoCode(err) === 'ECONNREFUSED';
}

function isAbort(err: unknown): boolean {
  return (
    (err instanceof Error && err.name === 'AbortError') ||
    errnoCode(err) === 'ABORT_ERR' ||
    (err instanceof DOMException && err.name === 'AbortError')
  );
}

const certCodes: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'x509: certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT: 'x509: certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'x509: certificate signed by unknown authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'x509: certificate signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'x509: certificate signed by unknown authority',
  CERT_HAS_EXPIRED: 'x509: certificate has expired or is not yet valid',
  CERT_NOT_YET_VALID: 'x509: certificate has expired or is not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'x509: certificate is not valid for this host',
};

/** Where a transport error happened. `host` is `name[:port]` as dialled. */
export interface TransportErrorContext {
  readonly host: string;
  readonly subject?: ErrorSubject;
}

/**
 * An EngineError for a Node socket, DNS, TLS or abort error, worded like Go's net errors so one line says what
 * failed and where: `dial tcp 127.0.0.1:1: connect: connection refused`, `dial tcp: lookup x: no such host`.
 * EngineErrors pass through unchanged.
 */
export function fromTransport(err: unknown, context: TransportErrorContext): EngineError {
  if (err instanceof EngineError) return err;
  const opts: EngineErrorOptions = { cause: err, ...(context.subject ? { subject: context.subject } : {}) };
  if (isAbort(err)) return new EngineError('canceled', 'operation canceled', opts);
  const e = err as { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown; message?: unknown };
  const code = errnoCode(err) ?? '';
  const addr =
    typeof e.address === 'string' && typeof e.port === 'number'
      ? e.address.includes(':')
        ? `[${e.address}]:${e.port}`
        : `${e.address}:${e.port}`
      : context.host;
  const hostname = typeof e.hostname === 'string' ? e.hostname : context.host.replace(/:\d+$/, '');
  const unavailable = (message: string, hint?: string) =>
    new EngineError('unavailable', message, { ...opts, ...(hint ? { hint } : {}) });
  switch (code) {
    case 'ECONNREFUSED':
      return unavailable(`dial tcp ${addr}: connect: connection refused`);
    case 'ENOTFOUND':
      return unavailable(`dial tcp: lookup ${hostname}: no such host`);
    case 'EAI_AGAIN':
      return unavailable(`dial tcp: lookup ${hostname}: temporary failure in name resolution`);
    case 'ETIMEDOUT':
      return unavailable(`dial tcp ${addr}: i/o timeout`);
    case 'ECONNRESET':
      return unavailable(`read tcp ${addr}: connection reset by peer`);
    case 'EHOSTUNREACH':
      return unavailable(`dial tcp ${addr}: connect: no route to host`);
    case 'ENETUNREACH':
      return unavailable(`dial tcp ${addr}: connect: network is unreachable`);
    case 'EPIPE':
      return unavailable(`write tcp ${addr}: broken pipe`);
  }
  if (isHttpResponseToHttpsClient(err)) {
    return unavailable(
      `http: server gave HTTP response to HTTPS client (${context.host})`,
      `use --insecure-registry or a hosts.toml with server = "http://${context.host}" for this registry`,
    );
  }
  const cert = certCodes[code];
  if (cert !== undefined) {
    return unavailable(
      `tls: failed to verify certificate for ${context.host}: ${cert}`,
      `add the registry's CA to /etc/containerd/certs.d/${context.host}/ or use --insecure-registry`,
    );
  }
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  if (err instanceof Error && err.message === 'socket hang up') {
    return unavailable(`read tcp ${addr}: connection closed by peer (EOF)`);
  }
  return unavailable(`${context.host}: ${message}`);
}

/**
 * Docker's wording for a pull or push that the registry refused: `pull access denied for <name>, repository does
 * not exist or may require 'docker login': <registry's reason>`. Keeps the class of `cause`
 * (unauthenticated or permission-denied).
 */
export function accessDenied(op: 'pull' | 'push', name: string, cause: unknown): EngineError {
  const found = findEngineError(cause);
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new EngineError(
    found?.code ?? 'unauthenticated',
    `${op} access denied for ${name}, repository does not exist or may require 'docker login': ${reason}`,
    { cause, subject: { kind: 'image', ref: name }, hint: 'run `nerdctl login` for this registry' },
  );
}
