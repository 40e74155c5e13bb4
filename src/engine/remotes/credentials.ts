/**
 * Registry credentials in Docker's client config, `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`):
 *
 * ```json
 * { "auths": { "localhost:5000": { "auth": "<base64 user:password>" },
 *              "https://index.docker.io/v1/": { "identitytoken": "<oauth2 refresh token>" } },
 *   "credsStore": "pass", "credHelpers": { "ghcr.io": "gh" } }
 * ```
 *
 * `credHelpers[<host>]`, else `credsStore`, names a `docker-credential-<helper>` program spoken to with its
 * get/store/erase protocol (server URL or JSON on stdin, JSON on stdout). Entries stored through a helper leave an
 * empty `{}` under `auths`, as Docker does. The file is written atomically with mode 0600 and keeps every field
 * it does not know. Docker Hub's key is `https://index.docker.io/v1/`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EngineError, failedPrecondition, invalidArgument, isErrno, unavailable, wrap } from '../errdefs.js';
import type { AuthCredentials, CredentialsProvider } from './docker/auth.js';

/** Docker Hub's key in config.json. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

const hubNames = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** The config directory: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DOCKER_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return path.join(env.HOME && env.HOME !== '' ? env.HOME : os.homedir(), '.docker');
}

/** The host part of a config key or server address: `https://localhost:5000/v1/` -> `localhost:5000`. */
export function hostOfServerAddress(address: string): string {
  let s = address.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = s.indexOf('/');
  if (slash >= 0) s = s.slice(0, slash);
  return s.toLowerCase();
}

/**
 * The config.json key for a server address as a user types it (`nerdctl login localhost:5000`), a reference
 * domain, or a dialled host: Docker Hub in any spelling (and the empty string) is `https://index.docker.io/v1/`,
 * anything else its bare `host[:port]`.
 */
export function credentialKey(serverAddress: string | undefined): string {
  if (serverAddress === undefined || serverAddress.trim() === '') return DOCKER_HUB_KEY;
  const host = hostOfServerAddress(serverAddress);
  return hubNames.has(host) ? DOCKER_HUB_KEY : host;
}

/** The reference domain behind a config key (`https://index.docker.io/v1/` -> `docker.io`). */
export function domainOfKey(key: string): string {
  const host = hostOfServerAddress(key);
  return hubNames.has(host) ? 'docker.io' : host;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  [k: string]: unknown;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

/** Reads credentials of one entry of `auths` (pure). */
export function decodeAuthEntry(entry: AuthEntry): AuthCredentials | undefined {
  let username = typeof entry.username === 'string' ? entry.username : undefined;
  let password = typeof entry.password === 'string' ? entry.password : undefined;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidArgument('invalid auth configuration file: auth field is not "user:password" in base64');
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const identityToken = typeof entry.identitytoken === 'string' && entry.identitytoken !== '' ? entry.identitytoken : undefined;
  const registryToken = typeof entry.registrytoken === 'string' && entry.registrytoken !== '' ? entry.registrytoken : undefined;
  if (!username && !password && !identityToken && !registryToken) return undefined;
  return {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(identityToken ? { identityToken } : {}),
    ...(registryToken ? { registryToken } : {}),
  };
}

/** Encodes credentials as an `auths` entry (pure). */
export function encodeAuthEntry(creds: AuthCredentials): AuthEntry {
  const entry: AuthEntry = {};
  if (creds.username !== undefined || creds.password !== undefined) {
    entry.auth = Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`).toString('base64');
  }
  if (creds.identityToken) entry.identitytoken = creds.identityToken;
  if (creds.registryToken) entry.registrytoken = creds.registryToken;
  return entry;
}

/** The `auths` key that serves `key`: exact, else the first whose host is the same. */
export function findAuthKey(auths: Readonly<Record<string, unknown>>, key: string): string | undefined {
  if (Object.hasOwn(auths, key)) return key;
  const host = domainOfKey(key);
  return Object.keys(auths).find((k) => domainOfKey(k) === host);
}

/** Reads and writes registry credentials. Server addresses go through {@link credentialKey}. */
export interface CredentialStore {
  /** The config.json this store uses. */
  readonly configFile: string;
  /**
   * Credentials for a server, or undefined. Errors: invalid-argument for a malformed config.json;
   * unavailable when a credential helper fails (a missing helper program counts as no credentials).
   */
  get(serverAddress: string): Promise<AuthCredentials | undefined>;
  /** Saves credentials (through the helper when one is configured for the server). */
  store(serverAddress: string, creds: AuthCredentials): Promise<void>;
  /** Removes a server's credentials; false when there were none. */
  erase(serverAddress: string): Promise<boolean>;
}

export interface CredentialStoreOptions {
  /** Directory of config.json (default {@link dockerConfigDir}). */
  readonly configDir?: string;
  /** Environment for helper programs (PATH) and `$DOCKER_CONFIG` (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

const NOT_FOUND_TEXT = 'credentials not found in native keychain';

class HelperNotFound extends Error {}

/** Runs `docker-credential-<helper> <action>` with `input` on stdin; resolves with stdout. */
function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string, env: NodeJS.ProcessEnv): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    let out = '';
    let errText = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (errText += d));
    child.on('error', (err) => {
      if (isErrno(err, 'ENOENT')) reject(new HelperNotFound(`${program}: executable file not found in $PATH`));
      else reject(err);
    });
    child.stdin.on('error', () => {});
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else {
        const msg = (out.trim() || errText.trim() || `exit status ${code}`).split('\n')[0] ?? '';
        reject(Object.assign(new Error(msg), { helperNotFound: msg.includes(NOT_FOUND_TEXT) }));
      }
    });
    child.stdin.end(input);
  });
}

async function writeFileAtomic(file: string, data: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

class FileCredentialStore implements CredentialStore {
  readonly configFile: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: CredentialStoreOptions) {
    this.#env = options.env ?? process.env;
    this.configFile = path.join(options.configDir ?? dockerConfigDir(this.#env), 'config.json');
  }

  async #read(): Promise<ConfigFile> {
    let text: string;
    try {
      text = await readFile(this.configFile, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return {};
      throw wrap(err, `read ${this.configFile}`, isErrno(err, 'EACCES') ? 'permission-denied' : 'internal');
    }
    if (text.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw invalidArgument(`${this.configFile}: invalid JSON: ${(err as Error).message}`, { cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalidArgument(`${this.configFile}: not a JSON object`);
    }
    const cfg = parsed as ConfigFile;
    if (cfg.auths !== undefined && (typeof cfg.auths !== 'object' || cfg.auths === null)) {
      throw invalidArgument(`${this.configFile}: "auths" is not an object`);
    }
    return cfg;
  }

  async #write(cfg: ConfigFile): Promise<void> {
    try {
      await writeFileAtomic(this.configFile, `${JSON.stringify(cfg, null, '\t')}\n`);
    } catch (err) {
      throw wrap(err, `write ${this.configFile}`, isErrno(err, 'EACCES') || isErrno(err, 'EROFS') ? 'permission-denied' : 'internal');
    }
  }

  #helperFor(cfg: ConfigFile, key: string): string | undefined {
    const helpers = cfg.credHelpers ?? {};
    const hk = findAuthKey(helpers, key);
    const h = hk !== undefined ? helpers[hk] : undefined;
    if (typeof h === 'string' && h !== '') return h;
    return typeof cfg.credsStore === 'string' && cfg.credsStore !== '' ? cfg.credsStore : undefined;
  }

  async get(serverAddress: string): Promise<AuthCredentials | undefined> {
    const key = credentialKey(serverAddress);
    const cfg = await this.#read();
    const helper = this.#helperFor(cfg, key);
    if (helper !== undefined) {
      try {
        const out = await runHelper(helper, 'get', key, this.#env);
        const j = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
        const user = typeof j.Username === 'string' ? j.Username : '';
        const secret = typeof j.Secret === 'string' ? j.Secret : '';
        if (user === '<token>') return { identityToken: secret };
        if (user !== '' || secret !== '') return { username: user, password: secret };
      } catch (err) {
        // A missing helper or an unknown server falls back to the file, as if there were no helper.
        if (!(err instanceof HelperNotFound) && !(err as { helperNotFound?: boolean }).helperNotFound) {
          if (err instanceof SyntaxError) throw unavailable(`docker-credential-${helper}: invalid output: ${err.message}`);
          throw unavailable(`error getting credentials from docker-credential-${helper}: ${(err as Error).message}`, { cause: err });
        }
      }
    }
    const auths = cfg.auths ?? {};
    const k = findAuthKey(auths, key);
    const entry = k !== undefined ? auths[k] : undefined;
    if (entry === undefined || typeof entry !== 'object' || entry === null) return undefined;
    try {
      return decodeAuthEntry(entry);
    } catch (err) {
      throw invalidArgument(`${this.configFile}: ${(err as Error).message}`, { cause: err });
    }
  }

  async store(serverAddress: string, creds: AuthCredentials): Promise<void> {
    const key = credentialKey(serverAddress);
    const cfg = await this.#read();
    const helper = this.#helperFor(cfg, key);
    const auths = { ...(cfg.auths ?? {}) };
    if (helper !== undefined) {
      const payload = creds.identityToken
        ? { ServerURL: key, Username: '<token>', Secret: creds.identityToken }
        : { ServerURL: key, Username: creds.username ?? '', Secret: creds.password ?? '' };
      try {
        await runHelper(helper, 'store', JSON.stringify(payload), this.#env);
      } catch (err) {
        if (err instanceof HelperNotFound) throw failedPrecondition(`error storing credentials: ${err.message}`, { cause: err });
        throw unavailable(`error storing credentials in docker-credential-${helper}: ${(err as Error).message}`, { cause: err });
      }
      auths[key] = {};
    } else {
      auths[key] = encodeAuthEntry(creds);
    }
    await this.#write({ ...cfg, auths });
  }

  async erase(serverAddress: string): Promise<boolean> {
    const key = credentialKey(serverAddress);
    const cfg = await this.#read();
    const auths = { ...(cfg.auths ?? {}) };
    let removed = false;
    for (const k of Object.keys(auths)) {
      if (k === key || domainOfKey(k) === domainOfKey(key)) {
        delete auths[k];
        removed = true;
      }
    }
    const helper = this.#helperFor(cfg, key);
    if (helper !== undefined) {
      try {
        await runHelper(helper, 'erase', key, this.#env);
        removed = true;
      } catch (err) {
        if (!(err instanceof HelperNotFound) && !(err as { helperNotFound?: boolean }).helperNotFound) {
          throw unavailable(`error erasing credentials in docker-credential-${helper}: ${(err as Error).message}`, { cause: err });
        }
      }
    }
    if (removed && cfg.auths !== undefined) await this.#write({ ...cfg, auths });
    return removed;
  }
}

/** A {@link CredentialStore} on Docker's config.json. */
export function createCredentialStore(options: CredentialStoreOptions = {}): CredentialStore {
  return new FileCredentialStore(options);
}

/**
 * Credentials for the registry client: the host being dialled (`registry-1.docker.io`, `localhost:5000`) is
 * looked up under its config key. A broken config or helper is reported through `onError` (default: ignored)
 * and the request goes out anonymously, so a stale `credsStore` does not block public pulls.
 */
export function credentialsProvider(
  store: CredentialStore,
  onError: (err: EngineError) => void = () => {},
): CredentialsProvider {
  return async (host) => {
    try {
      return await store.get(host);
    } catch (err) {
      onError(err instanceof EngineError ? err : wrap(err, 'read credentials'));
      return undefined;
    }
  };
}
