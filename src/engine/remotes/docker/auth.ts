/**
 * Registry authentication: anonymous, HTTP basic, and bearer tokens (distribution's token auth).
 *
 * The flow, per registry host: the first request goes out anonymously; a 401 carries `WWW-Authenticate`
 * challenges; for `Bearer realm=..,service=..,scope=..` a token is fetched from the realm (GET with basic
 * credentials when there are any, or an OAuth2 refresh-token POST for an identity token) and the request is sent
 * once more. Later requests to that host send credentials up front. Tokens are cached for the process per
 * (realm, service, scopes, identity) until they expire.
 */
import { createHash } from 'node:crypto';
import { EngineError, unauthenticated } from '../../errdefs.js';
import type { OpContext } from '../../op-context.js';
import type { RegistryHost } from '../hosts.js';
import { fromResponse, fromTransport } from './errors.js';
import { readBody, send, type TlsConfig } from './transport.js';

/** One challenge of a `WWW-Authenticate` header. `scheme` is lowercase, as are parameter names. */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const tokenChar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses `WWW-Authenticate` values (RFC 7235: several challenges in one header, or several headers), e.g.
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a:pull"`.
 * Unparseable tails are ignored.
 */
export function parseWWWAuthenticate(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  if (typeof header !== 'string') return header.flatMap((h) => parseWWWAuthenticate(h));
  const s = header;
  let i = 0;
  const out: { scheme: string; params: Record<string, string> }[] = [];
  const skipWs = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < s.length && tokenChar.test(s[i] as string)) i++;
    return s.slice(start, i);
  };
  // Unquoted values should be tokens, but servers send bare URLs too: take everything up to a comma or space.
  const readBare = () => {
    const start = i;
    while (i < s.length && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
    return s.slice(start, i);
  };
  const readQuoted = () => {
    // at opening quote
    i++;
    let v = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i];
      i++;
    }
    i++; // closing quote
    return v;
  };
  while (i < s.length) {
    skipWs();
    while (s[i] === ',') {
      i++;
      skipWs();
    }
    if (i >= s.length) break;
    const scheme = readToken();
    if (scheme === '') break;
    const challenge = { scheme: scheme.toLowerCase(), params: {} as Record<string, string> };
    out.push(challenge);
    skipWs();
    // auth-params (name=value, ...) until something that is not a parameter starts the next challenge
    for (;;) {
      skipWs();
      const save = i;
      const name = readToken();
      skipWs();
      if (name === '' || s[i] !== '=') {
        // token68 (`Negotiate abc==`) or the next challenge's scheme
        if (name !== '' && (i >= s.length || s[i] === ',')) {
          // a lone token followed by a comma or the end: token68 value of this challenge
          if (Object.keys(challenge.params).length === 0) {
            challenge.params[''] = name;
            continue;
          }
        }
        i = save;
        break;
      }
      i++; // '='
      skipWs();
      const value = s[i] === '"' ? readQuoted() : readBare();
      challenge.params[name.toLowerCase()] = value;
      skipWs();
      if (s[i] === ',') {
        i++;
        continue;
      }
      break;
    }
  }
  return out;
}

/** What a registry knows about a user: a password, or an identity (refresh) token, or a raw registry token. */
export interface AuthCredentials {
  readonly username?: string;
  readonly password?: string;
  /** OAuth2 refresh token (`identitytoken` in config.json): exchanged for access tokens by POST. */
  readonly identityToken?: string;
  /** A bearer token to send as is (`registrytoken` in config.json). */
  readonly registryToken?: string;
}

/** Looks up credentials for a registry host (`name[:port]` as dialled, e.g. `registry-1.docker.io`). */
export type CredentialsProvider = (host: string) => Promise<AuthCredentials | undefined>;

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** A token cache; share one per process (the default) so every resolver reuses tokens. */
export type TokenCache = Map<string, Promise<CachedToken>>;

const processTokenCache: TokenCache = new Map();

type HostAuthState = { kind: 'basic' } | { kind: 'bearer'; realm: string; service: string | undefined };

export interface AuthorizerOptions {
  readonly credentials?: CredentialsProvider;
  /** Token cache (default: one for the whole process). */
  readonly tokenCache?: TokenCache;
  readonly userAgent?: string;
  readonly timeoutMs?: number;
}

/** The outcome of a 401: whether to send again, and with which scopes. */
export interface ChallengeOutcome {
  readonly retry: boolean;
  readonly scopes: readonly string[];
}

/**
 * Gives Authorization headers for requests to registry hosts and learns from their 401 challenges.
 * One Authorizer serves many hosts; it keeps what each host asked for.
 */
export interface Authorizer {
  /** The Authorization header for a request needing `scopes`, or undefined to go anonymously. */
  authorization(ctx: OpContext, host: RegistryHost, scopes: readonly string[]): Promise<string | undefined>;
  /**
   * Handles a 401 response. `sent` is the Authorization header that was refused (if any). Fetches nothing yet
   * that cannot be used; a wrong password shows up as `unauthenticated` from the token server or as a second 401.
   */
  onUnauthorized(
    ctx: OpContext,
    host: RegistryHost,
    scopes: readonly string[],
    wwwAuthenticate: string | readonly string[] | undefined,
    sent: string | undefined,
  ): Promise<ChallengeOutcome>;
}

/** `repository:<path>:<actions>` */
export function repositoryScope(path: string, actions: readonly string[]): string {
  return `repository:${path}:${actions.join(',')}`;
}

/** Merges scopes: the same resource's actions are united (`repository:a:pull` + `repository:a:push`). */
export function mergeScopes(...lists: readonly (readonly string[])[]): string[] {
  const byResource = new Map<string, Set<string>>();
  const order: string[] = [];
  for (const list of lists) {
    for (const scope of list) {
      for (const one of scope.split(' ')) {
        if (one === '') continue;
        const colon = one.lastIndexOf(':');
        const resource = colon > 0 ? one.slice(0, colon) : one;
        const actions = colon > 0 ? one.slice(colon + 1).split(',') : [];
        let set = byResource.get(resource);
        if (set === undefined) {
          set = new Set();
          byResource.set(resource, set);
          order.push(resource);
        }
        for (const a of actions) if (a !== '') set.add(a);
      }
    }
  }
  return order.map((r) => {
    const actions = [...(byResource.get(r) ?? [])].sort();
    return actions.length > 0 ? `${r}:${actions.join(',')}` : r;
  });
}

function identityKey(creds: AuthCredentials | undefined): string {
  if (creds === undefined) return 'anonymous';
  const h = createHash('sha256');
  h.update(`${creds.username ?? ''}\0${creds.password ?? ''}\0${creds.identityToken ?? ''}\0${creds.registryToken ?? ''}`);
  return h.digest('hex').slice(0, 32);
}

function basicHeader(creds: AuthCredentials): string {
  return `Basic ${Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`).toString('base64')}`;
}

/** Creates an {@link Authorizer}. */
export function createAuthorizer(options: AuthorizerOptions = {}): Authorizer {
  const states = new Map<string, HostAuthState>();
  const credsCache = new Map<string, Promise<AuthCredentials | undefined>>();
  const cache = options.tokenCache ?? processTokenCache;

  const credentialsFor = (host: string) => {
    let p = credsCache.get(host);
    if (p === undefined) {
      p = options.credentials ? options.credentials(host) : Promise.resolve(undefined);
      credsCache.set(host, p);
    }
    return p;
  };

  const tokenKey = (state: { realm: string; service: string | undefined }, scopes: readonly string[], creds?: AuthCredentials) =>
    `${state.realm}|${state.service ?? ''}|${[...scopes].sort().join(' ')}|${identityKey(creds)}`;

  async function fetchToken(
    ctx: OpContext,
    host: RegistryHost,
    state: { realm: string; service: string | undefined },
    scopes: readonly string[],
    creds: AuthCredentials | undefined,
  ): Promise<CachedToken> {
    if (creds?.registryToken) return { token: creds.registryToken, expiresAt: Number.POSITIVE_INFINITY };
    let realm: URL;
    try {
      realm = new URL(state.realm);
    } catch {
      throw unauthenticated(`invalid token realm "${state.realm}" from ${host.host}`);
    }
    const tls: TlsConfig | undefined = realm.host === host.host ? host.tls : undefined;
    const headers: Record<string, string> = { 'user-agent': options.userAgent ?? 'nerdctl' };
    let method = 'GET';
    let body: Uint8Array | undefined;
    if (creds?.identityToken) {
      method = 'POST';
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        service: state.service ?? '',
        client_id: 'nerdctl',
        scope: scopes.join(' '),
      });
      body = Buffer.from(form.toString());
      headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    } else {
      if (state.service !== undefined) realm.searchParams.set('service', state.service);
      for (const s of scopes) realm.searchParams.append('scope', s);
      if (creds?.username) {
        realm.searchParams.set('account', creds.username);
        headers.authorization = basicHeader(creds);
      }
    }
    let res;
    try {
      res = await send({
        method,
        url: realm,
        headers,
        ...(body ? { body } : {}),
        ...(tls ? { tls } : {}),
        signal: ctx.signal,
        timeoutMs: options.timeoutMs ?? 30_000,
      });
    } catch (err) {
      throw fromTransport(err, { host: realm.host });
    }
    const text = (await readBody(res, 1 << 20).catch((err: unknown) => {
      throw fromTransport(err, { host: realm.host });
    })).toString('utf8');
    if (res.status !== 200) {
      const base = fromResponse(res.status, res.statusText, text, { method, url: `${realm.origin}${realm.pathname}` });
      let detail = base.message;
      try {
        const j = JSON.parse(text) as { details?: unknown; error?: unknown; error_description?: unknown };
        const d = j.details ?? j.error_description ?? j.error;
        if (typeof d === 'string' && d !== '') detail = d;
      } catch {
        // not JSON: keep the status-based message
      }
      const code = res.status === 401 || res.status === 403 ? 'unauthenticated' : base.code;
      throw new EngineError(code, `failed to fetch ${creds ? '' : 'anonymous '}token from ${realm.origin}${realm.pathname}: ${detail}`, {
        cause: base,
      });
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw unauthenticated(`token server ${realm.host} sent a response that is not JSON`);
    }
    const token = typeof parsed.token === 'string' && parsed.token !== '' ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || token === '') throw unauthenticated(`token server ${realm.host} sent no token`);
    const expiresIn = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    const issued = typeof parsed.issued_at === 'string' ? Date.parse(parsed.issued_at) : Number.NaN;
    const start = Number.isFinite(issued) && Math.abs(issued - Date.now()) < 60_000 ? issued : Date.now();
    // Renew a little early so a token does not expire between being picked and being checked.
    return { token, expiresAt: start + expiresIn * 1000 - Math.min(10_000, (expiresIn * 1000) / 4) };
  }

  async function bearer(
    ctx: OpContext,
    host: RegistryHost,
    state: { realm: string; service: string | undefined },
    scopes: readonly string[],
  ): Promise<string> {
    const creds = await credentialsFor(host.host);
    const key = tokenKey(state, scopes, creds);
    const hit = cache.get(key);
    if (hit !== undefined) {
      try {
        const t = await hit;
        if (t.expiresAt > Date.now()) return `Bearer ${t.token}`;
      } catch {
        // a failed fetch is retried below
      }
      if (cache.get(key) === hit) cache.delete(key);
    }
    const p = fetchToken(ctx, host, state, scopes, creds);
    cache.set(key, p);
    p.catch(() => {
      if (cache.get(key) === p) cache.delete(key);
    });
    return `Bearer ${(await p).token}`;
  }

  return {
    async authorization(ctx, host, scopes) {
      const state = states.get(host.host);
      if (state === undefined) return undefined;
      if (state.kind === 'basic') {
        const creds = await credentialsFor(host.host);
        return creds?.username !== undefined ? basicHeader(creds) : undefined;
      }
      return bearer(ctx, host, state, scopes);
    },

    async onUnauthorized(ctx, host, scopes, wwwAuthenticate, sent) {
      const challenges = parseWWWAuthenticate(wwwAuthenticate);
      const bearerChallenge = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
      if (bearerChallenge !== undefined) {
        const state = {
          kind: 'bearer' as const,
          realm: bearerChallenge.params.realm as string,
          service: bearerChallenge.params.service,
        };
        states.set(host.host, state);
        const merged = mergeScopes(scopes, bearerChallenge.params.scope ? [bearerChallenge.params.scope] : []);
        if (sent?.startsWith('Bearer ')) {
          // The token we sent was refused: forget it so the next attempt fetches a fresh one.
          const creds = await credentialsFor(host.host);
          for (const s of [scopes, merged]) cache.delete(tokenKey(state, s, creds));
        }
        return { retry: true, scopes: merged };
      }
      if (challenges.some((c) => c.scheme === 'basic')) {
        states.set(host.host, { kind: 'basic' });
        const creds = await credentialsFor(host.host);
        const canTry = creds?.username !== undefined && !sent?.startsWith('Basic ');
        return { retry: canTry, scopes };
      }
      return { retry: false, scopes };
    },
  };
}

/** Drops the process-wide token cache (tests, `logout`). */
export function clearTokenCache(): void {
  processTokenCache.clear();
}

