/**
 * `login` and `logout`: check credentials against a registry (`GET /v2/` through the normal auth flow: basic, or
 * a bearer token fetched with the credentials) and keep them in Docker's config.json (credentials.ts).
 */
import { EngineError, invalidArgument, unauthenticated } from '../errdefs.js';
import type { OpContext } from '../op-context.js';
import { createCredentialStore, credentialKey, domainOfKey, type CredentialStore } from './credentials.js';
import { createAuthorizer, type AuthCredentials } from './docker/auth.js';
import { RegistryClient, apiBase } from './docker/registry-client.js';
import { discard } from './docker/transport.js';
import { createRegistryHosts, type RegistryHosts } from './hosts.js';

export interface LoginOptions {
  readonly username: string;
  readonly password: string;
  /** Where to keep the credentials (default: `$DOCKER_CONFIG/config.json`). */
  readonly store?: CredentialStore;
  /** Hosts configuration (insecure registries, certs.d); the upstream server of the registry is checked. */
  readonly hosts?: RegistryHosts;
  readonly timeoutMs?: number;
}

export interface LoginResult {
  /** The config.json key the credentials were stored under (`https://index.docker.io/v1/`, `localhost:5000`). */
  readonly serverAddress: string;
}

/**
 * Verifies `username`/`password` against the registry named by `serverAddress` (empty or undefined: Docker Hub)
 * and stores them. Errors: invalid-argument (empty username or password), unauthenticated
 * (`login attempt to <url> failed with status: 401 Unauthorized`), unavailable (unreachable registry);
 * nothing is stored on failure.
 */
export async function login(ctx: OpContext, serverAddress: string | undefined, options: LoginOptions): Promise<LoginResult> {
  if (options.username === '') throw invalidArgument('username is empty');
  if (options.password === '') throw invalidArgument('password is empty');
  const key = credentialKey(serverAddress);
  const domain = domainOfKey(key);
  const hostsOf = options.hosts ?? createRegistryHosts();
  const all = await hostsOf(domain);
  const host = all.find((h) => !h.mirror) ?? all[all.length - 1];
  if (host === undefined) throw invalidArgument(`no host for registry ${domain}`);
  const creds: AuthCredentials = { username: options.username, password: options.password };
  // A fresh token cache: a token cached from earlier must not make wrong credentials look right.
  const client = new RegistryClient({
    authorizer: createAuthorizer({ credentials: async () => creds, tokenCache: new Map() }),
    retries: 2,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const url = () => `${apiBase(host)}/`;
  let res;
  try {
    res = await client.do(ctx, host, { method: 'GET', path: '/', scopes: [] });
  } catch (err) {
    if (err instanceof EngineError && err.code === 'unauthenticated') {
      throw unauthenticated(`login attempt to ${url()} failed: ${err.message}`, { cause: err, subject: { kind: 'registry', ref: key } });
    }
    throw err;
  }
  discard(res);
  if (res.status === 401 || res.status === 403) {
    throw unauthenticated(`login attempt to ${url()} failed with status: ${res.status} ${res.statusText}`.trimEnd(), {
      subject: { kind: 'registry', ref: key },
    });
  }
  if (res.status !== 200) {
    throw new EngineError(res.status >= 500 ? 'unavailable' : 'invalid-argument', `login attempt to ${url()} failed with status: ${res.status} ${res.statusText}`.trimEnd(), {
      subject: { kind: 'registry', ref: key },
    });
  }
  await (options.store ?? createCredentialStore()).store(key, creds);
  ctx.log.debug('stored credentials', { server: key });
  return { serverAddress: key };
}

export interface LogoutResult {
  readonly serverAddress: string;
  /** False when there were no credentials for the server (Docker prints "Not logged in to <server>"). */
  readonly removed: boolean;
}

/** Removes the stored credentials of a server (empty or undefined: Docker Hub). */
export async function logout(serverAddress: string | undefined, options: { store?: CredentialStore } = {}): Promise<LogoutResult> {
  const key = credentialKey(serverAddress);
  const removed = await (options.store ?? createCredentialStore()).erase(key);
  return { serverAddress: key, removed };
}
