/**
 * Sends one logical request to one registry host: builds the URL, adds headers and credentials, answers a 401
 * challenge once, retries transient failures with backoff (only requests that are safe to repeat), and switches
 * an insecure host from HTTPS to plain HTTP when it turns out to speak HTTP. Returns the response whatever its
 * status; transport failures come back as EngineErrors (via errors.ts).
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { canceled, EngineError } from '../../errdefs.js';
import type { OpContext } from '../../op-context.js';
import type { RegistryHost } from '../hosts.js';
import type { Authorizer } from './auth.js';
import {
  fromTransport,
  isConnectionRefused,
  isHttpResponseToHttpsClient,
  isRetryableStatus,
  isTransientTransportError,
} from './errors.js';
import { discard, send, type TransportResponse } from './transport.js';

export interface RegistryClientOptions {
  readonly authorizer: Authorizer;
  /** Attempts after the first for retryable failures (default 4). */
  readonly retries?: number;
  /** First backoff delay; doubles each time, with jitter, capped at 10 s (default 250 ms). */
  readonly retryBaseMs?: number;
  /** Socket inactivity limit until response headers (default 60 s). */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /** Headers added to every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RegistryRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the host's API root (`/library/nginx/manifests/latest`), or an absolute URL (upload locations). */
  readonly path: string | URL;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes, or a function opening a fresh stream for each attempt. */
  readonly body?: Uint8Array | (() => Readable | Promise<Readable>);
  /** Token scopes this request needs. */
  readonly scopes: readonly string[];
  /** Retry transient failures (default: GET, HEAD, PUT and DELETE, which are idempotent). */
  readonly retry?: boolean;
  readonly maxRedirects?: number;
}

/** Hosts found to speak plain HTTP although configured for HTTPS (insecure registries), for the process. */
const plainHttpHosts = new Set<string>();

/** The scheme a host is currently reached with (after any HTTP fallback). */
export function effectiveScheme(host: RegistryHost): 'http' | 'https' {
  return host.scheme === 'https' && host.httpFallback && plainHttpHosts.has(host.host) ? 'http' : host.scheme;
}

/** The base URL of a host's API (`http://127.0.0.1:5000/v2`). */
export function apiBase(host: RegistryHost): string {
  return `${effectiveScheme(host)}://${host.host}${host.path}`;
}

function retryAfterMs(res: TransportResponse): number | undefined {
  const v = res.headers['retry-after'];
  if (typeof v !== 'string') return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.min(Math.max(secs, 0), 30) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.min(Math.max(at - Date.now(), 0), 30_000) : undefined;
}

/** The HTTP engine shared by resolver, fetcher and pusher. */
export class RegistryClient {
  readonly authorizer: Authorizer;
  readonly #retries: number;
  readonly #retryBaseMs: number;
  readonly #timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(options: RegistryClientOptions) {
    this.authorizer = options.authorizer;
    this.#retries = options.retries ?? 4;
    this.#retryBaseMs = options.retryBaseMs ?? 250;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#headers = { 'user-agent': options.userAgent ?? 'nerdctl', ...(options.headers ?? {}) };
  }

  url(host: RegistryHost, path: string | URL, query?: RegistryRequest['query']): URL {
    const u = path instanceof URL ? new URL(path) : new URL(apiBase(host) + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (typeof v === 'string') u.searchParams.set(k, v);
      else for (const one of v as readonly string[]) u.searchParams.append(k, one);
    }
    // A Location handed out by the registry keeps its scheme; follow a fallback to plain HTTP for it too.
    if (u.host === host.host && effectiveScheme(host) === 'http') u.protocol = 'http:';
    return u;
  }

  async #backoff(ctx: OpContext, attempt: number, hint: number | undefined): Promise<void> {
    const base = Math.min(this.#retryBaseMs * 2 ** attempt, 10_000);
    const delay = hint ?? base / 2 + Math.random() * (base / 2);
    try {
      await sleep(delay, undefined, { signal: ctx.signal });
    } catch {
      throw canceled('operation canceled');
    }
  }

  /**
   * Sends `req` to `host`. Throws EngineErrors for transport failures (`unavailable`, `canceled`, ...); any
   * HTTP status is returned, including a 401 that survived one authentication attempt, and a 5xx/429 that
   * survived the retries.
   */
  async do(ctx: OpContext, host: RegistryHost, req: RegistryRequest): Promise<TransportResponse> {
    const retryable = req.retry ?? (req.method === 'GET' || req.method === 'HEAD' || req.method === 'PUT' || req.method === 'DELETE');
    let scopes = req.scopes;
    let attempt = 0;
    let authTried = false;
    for (;;) {
      if (ctx.signal.aborted) throw canceled('operation canceled');
      const url = this.url(host, req.path, req.query);
      const sameHost = url.host === host.host;
      const headers: Record<string, string | readonly string[]> = { ...this.#headers };
      for (const [k, v] of Object.entries(host.headers ?? {})) headers[k.toLowerCase()] = v;
      for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
      const auth = sameHost ? await this.authorizer.authorization(ctx, host, scopes) : undefined;
      if (auth !== undefined) headers.authorization = auth;
      const body = typeof req.body === 'function' ? await req.body() : req.body;
      let res: TransportResponse;
      try {
        res = await send({
          method: req.method,
          url,
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(sameHost && host.tls && url.protocol === 'https:' ? { tls: host.tls } : {}),
          signal: ctx.signal,
          timeoutMs: this.#timeoutMs,
          ...(req.maxRedirects !== undefined ? { maxRedirects: req.maxRedirects } : {}),
        });
      } catch (err) {
        if (body !== undefined && !(body instanceof Uint8Array)) body.destroy();
        if (
          host.httpFallback &&
          sameHost &&
          url.protocol === 'https:' &&
          (isHttpResponseToHttpsClient(err) || isConnectionRefused(err))
        ) {
          ctx.log.debug('registry speaks plain HTTP, falling back', { host: host.host });
          plainHttpHosts.add(host.host);
          continue;
        }
        if (retryable && attempt < this.#retries && isTransientTransportError(err) && !ctx.signal.aborted) {
          ctx.log.debug('retrying after transport error', { host: host.host, error: (err as Error).message, attempt });
          await this.#backoff(ctx, attempt++, undefined);
          continue;
        }
        throw fromTransport(err, { host: url.host });
      }
      if (res.status === 401 && !authTried && sameHost) {
        authTried = true;
        const outcome = await this.authorizer.onUnauthorized(ctx, host, scopes, res.headers['www-authenticate'], auth);
        if (outcome.retry) {
          discard(res);
          scopes = outcome.scopes;
          continue;
        }
        return res;
      }
      if (retryable && isRetryableStatus(res.status) && attempt < this.#retries) {
        ctx.log.debug('retrying after server error', { host: host.host, status: res.status, attempt });
        discard(res);
        await this.#backoff(ctx, attempt++, retryAfterMs(res));
        continue;
      }
      return res;
    }
  }
}

/** True for EngineErrors that another host (a mirror's upstream) might not have. */
export function worthTryingNextHost(err: unknown): boolean {
  return err instanceof EngineError && err.code !== 'canceled' && err.code !== 'invalid-argument';
}
