/**
 * One HTTP exchange with keep-alive agents, TLS settings per host, manual redirects and an idle timeout.
 * No retries, auth or error classification here (see registry-client.ts and errors.ts): this module throws the
 * raw Node errors.
 */
import { createHash } from 'node:crypto';
import { getMaxListeners, setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import nodeTls from 'node:tls';

/** TLS settings of one registry host (from hosts.toml or certs.d). */
export interface TlsConfig {
  /** Extra CA certificates (PEM), added to Node's defaults. */
  readonly ca?: readonly Buffer[];
  /** Client certificate and key (PEM) for mutual TLS. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Accept any server certificate (`skip_verify`, insecure registries). */
  readonly insecureSkipVerify?: boolean;
}

export interface TransportRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** A body: bytes, or a stream (never retried or redirected). */
  readonly body?: Uint8Array | Readable;
  readonly tls?: TlsConfig;
  readonly signal?: AbortSignal;
  /** Socket inactivity limit until the response headers arrive (connect, upload, server think time). */
  readonly timeoutMs?: number;
  /** Follow redirects of GET and HEAD requests, at most this many (default 10; 0 = return the 3xx). */
  readonly maxRedirects?: number;
}

export interface TransportResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  /** The URL that gave this response (after redirects). */
  readonly url: URL;
  readonly body: IncomingMessage;
}

const agents = new Map<string, http.Agent>();

function tlsKey(tls: TlsConfig | undefined): string {
  if (tls === undefined) return 'default';
  const h = createHash('sha256');
  h.update(tls.insecureSkipVerify ? 'skip;' : 'verify;');
  for (const ca of tls.ca ?? []) h.update(ca).update(';');
  h.update('cert;');
  if (tls.cert) h.update(tls.cert);
  h.update('key;');
  if (tls.key) h.update(tls.key);
  return h.digest('hex');
}

/**
 * A keep-alive agent per scheme and TLS setting, shared by the whole process. Idle keep-alive sockets are
 * unref'd by Node, so they never keep a finished CLI process alive.
 */
function agentFor(url: URL, tls: TlsConfig | undefined): http.Agent {
  const https_ = url.protocol === 'https:';
  const key = https_ ? `https|${tlsKey(tls)}` : 'http';
  let agent = agents.get(key);
  if (agent === undefined) {
    const common = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 32, maxFreeSockets: 8, scheduling: 'lifo' as const };
    if (https_) {
      const ca = tls?.ca !== undefined && tls.ca.length > 0 ? [...tlsRootCertificates(), ...tls.ca] : undefined;
      agent = new https.Agent({
        ...common,
        ...(ca ? { ca } : {}),
        ...(tls?.cert ? { cert: tls.cert } : {}),
        ...(tls?.key ? { key: tls.key } : {}),
        rejectUnauthorized: !(tls?.insecureSkipVerify ?? false),
      });
    } else {
      agent = new http.Agent(common);
    }
    agents.set(key, agent);
  }
  return agent;
}

/** Setting `ca` replaces Node's bundled roots, so extra CAs are added to them. */
function tlsRootCertificates(): readonly string[] {
  return nodeTls.rootCertificates;
}

/** Closes every pooled connection (tests; a long-lived process that wants to drop its pool). */
export function closeIdleConnections(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`i/o timeout after ${ms}ms`), { code: 'ETIMEDOUT' });
}

function once(req: TransportRequest, url: URL, headers: Record<string, string | readonly string[]>, tls: TlsConfig | undefined): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const options: https.RequestOptions = {
      method: req.method,
      agent: agentFor(url, tls),
      headers: headers as http.OutgoingHttpHeaders,
      ...(req.signal ? { signal: req.signal } : {}),
    };
    if (url.protocol === 'https:' && tls === undefined) options.rejectUnauthorized = true;
    const r = mod.request(url, options);
    const timeoutMs = req.timeoutMs ?? 60_000;
    if (timeoutMs > 0) r.setTimeout(timeoutMs, () => r.destroy(timeoutError(timeoutMs)));
    r.once('error', reject);
    r.once('response', (res) => {
      // From here the consumer paces the body; its idle limit is the consumer's business (a paused reader
      // must not look like a dead server).
      r.setTimeout(0);
      resolve(res);
    });
    const body = req.body;
    if (body === undefined) r.end();
    else if (body instanceof Uint8Array) r.end(body);
    else {
      body.once('error', (err) => r.destroy(err));
      body.pipe(r);
    }
  });
}

/** Drains and drops a response body so its socket can go back to the pool. */
export function discard(res: TransportResponse | IncomingMessage): void {
  const body = res instanceof Readable ? res : res.body;
  body.resume();
  body.on('error', () => {});
}

/** Reads a whole (small) body; more than `limit` bytes is an error. */
export async function readBody(res: TransportResponse, limit = 4 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) {
      res.body.destroy();
      throw Object.assign(new Error(`response body from ${res.url.host} larger than ${limit} bytes`), {
        code: 'EBODYTOOLARGE',
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const sensitiveHeaders = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * Sends one request and follows redirects for GET/HEAD. Credentials never follow a redirect to another origin
 * (blob storage behind a registry gets a pre-signed URL and must not see the registry token), nor do the host's
 * TLS client settings.
 */
export async function send(req: TransportRequest): Promise<TransportResponse> {
  // One operation's signal is shared by all its requests (parallel layer downloads, retries): each in-flight
  // request holds a listener, which must not trip Node's leak warning (printed on stderr) at 11.
  if (req.signal && getMaxListeners(req.signal) < 256) setMaxListeners(256, req.signal);
  let url = req.url;
  let headers: Record<string, string | readonly string[]> = { ...(req.headers ?? {}) };
  let tls = req.tls;
  const origin = req.url.origin;
  const canRedirect = (req.method === 'GET' || req.method === 'HEAD') && !(req.body instanceof Readable);
  let left = canRedirect ? (req.maxRedirects ?? 10) : 0;
  for (;;) {
    const res = await once(req, url, headers, tls);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (left > 0 && redirectStatuses.has(status) && typeof location === 'string') {
      left--;
      discard(res);
      url = new URL(location, url);
      if (url.origin !== origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([k]) => !sensitiveHeaders.includes(k.toLowerCase())),
        );
        tls = undefined;
      }
      continue;
    }
    return { status, statusText: res.statusMessage ?? '', headers: res.headers, url, body: res };
  }
}
