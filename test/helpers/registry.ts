/**
 * A real registry for tests: Debian's `docker-registry` (distribution 2.8, `/usr/bin/docker-registry serve
 * <config.yml>`) on 127.0.0.1 on a free port, filesystem storage in a temp dir, and optionally
 *
 * - htpasswd basic auth: bcrypt hashes made by `htpasswd -nbBC 4` (apache2-utils) when it is installed, else by
 *   Debian's python3 `crypt` module (libxcrypt does bcrypt); cost 4 keeps the registry's per-request check fast;
 * - token auth: a tiny token server in this process issues RS256 JWTs signed with a key and self-signed
 *   certificate made by `openssl req -x509` (the certificate is the registry's `rootcertbundle` and travels in the
 *   token's `x5c` header). It takes GET with basic credentials (or none: anonymous) and the OAuth2
 *   refresh-token POST (see {@link refreshTokenFor}).
 *
 * `startRegistry()` waits until `GET /v2/` answers; `stop()` kills the registry, closes the token server and
 * removes the temp dir. Every test file can start its own registries: nothing is shared.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** True when Debian's docker-registry is installed (integration tests skip themselves otherwise). */
export function hasRegistryBinary(): boolean {
  return existsSync(REGISTRY_BIN);
}

export interface RegistryUser {
  readonly username: string;
  readonly password: string;
}

export type RegistryAuth =
  | { readonly kind: 'htpasswd'; readonly users: readonly RegistryUser[] }
  | {
      readonly kind: 'token';
      readonly users: readonly RegistryUser[];
      /** Anonymous clients get pull access (like public repositories on Docker Hub). Default false. */
      readonly anonymousPull?: boolean;
      /** Token lifetime in seconds (default 300). */
      readonly expiresIn?: number;
    };

export interface StartRegistryOptions {
  readonly auth?: RegistryAuth;
}

export interface TokenServer {
  /** The realm, `http://127.0.0.1:<port>/token`. */
  readonly realm: string;
  readonly service: string;
  /** Each token request seen: the user (or '' for anonymous) and the scopes asked for. */
  readonly requests: { user: string; scopes: string[]; ok: boolean }[];
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the domain to use in references (`${host}/repo:tag`). */
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Temp dir holding config, storage and logs. */
  readonly dir: string;
  readonly tokenServer?: TokenServer;
  /** The registry's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir, bin);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** A bcrypt hash of `password` (cost 4) for an htpasswd file. */
export function bcryptHash(password: string): string {
  const htpasswd = which('htpasswd');
  if (htpasswd !== undefined) {
    const out = execFileSync(htpasswd, ['-nbBC', '4', 'u', password], { encoding: 'utf8' }).trim();
    return out.slice(out.indexOf(':') + 1);
  }
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  return execFileSync(
    python,
    [
      '-W',
      'ignore',
      '-c',
      'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))',
      password,
    ],
    { encoding: 'utf8' },
  ).trim();
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

interface TokenKeys {
  readonly keyPem: string;
  readonly certPem: string;
  readonly certDerB64: string;
}

function makeTokenKeys(dir: string): TokenKeys {
  const key = path.join(dir, 'token.key');
  const cert = path.join(dir, 'token.crt');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=test-token-issuer'],
    { stdio: 'ignore' },
  );
  const certPem = readFileSync(cert, 'utf8');
  const der = certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return { keyPem: readFileSync(key, 'utf8'), certPem, certDerB64: der };
}

const ISSUER = 'test-token-issuer';

/** Signs a distribution token (RS256 JWT with the certificate in `x5c`). */
function signToken(keys: TokenKeys, claims: Record<string, unknown>): string {
  const header = { typ: 'JWT', alg: 'RS256', x5c: [keys.certDerB64] };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = createSign('RSA-SHA256').update(input).sign(keys.keyPem);
  return `${input}.${b64url(sig)}`;
}

/** The OAuth2 refresh token (config.json `identitytoken`) the test token server accepts for `user`. */
export function refreshTokenFor(user: RegistryUser): string {
  return `refresh-${user.username}`;
}

function startTokenServer(
  keys: TokenKeys,
  service: string,
  auth: Extract<RegistryAuth, { kind: 'token' }>,
): Promise<{ server: http.Server; info: TokenServer }> {
  const requests: TokenServer['requests'] = [];
  const server = http.createServer((req, res) => {
    let form = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (form += d));
    req.on('end', () => answer(req, res, new URLSearchParams(form)));
  });
  const answer = (req: http.IncomingMessage, res: http.ServerResponse, form: URLSearchParams) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const post = req.method === 'POST';
    const scopes = (post ? (form.get('scope') ?? '').split(' ') : url.searchParams.getAll('scope').flatMap((s) => s.split(' '))).filter(
      (s) => s !== '',
    );
    let user = '';
    const header = req.headers.authorization;
    if (post) {
      // OAuth2 refresh-token grant: the refresh token of user u is `refresh-<u>` (see refreshTokenFor).
      const refresh = form.get('refresh_token') ?? '';
      const owner = auth.users.find((u) => refreshTokenFor(u) === refresh);
      if (form.get('grant_type') !== 'refresh_token' || owner === undefined) {
        requests.push({ user: '', scopes, ok: false });
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }));
        return;
      }
      user = owner.username;
    } else if (header !== undefined) {
      const m = /^Basic (.+)$/i.exec(header);
      const decoded = m ? Buffer.from(m[1] as string, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const name = decoded.slice(0, colon);
      const pass = decoded.slice(colon + 1);
      if (colon < 0 || !auth.users.some((u) => u.username === name && u.password === pass)) {
        requests.push({ user: name, scopes, ok: false });
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      user = name;
    }
    requests.push({ user, scopes, ok: true });
    const access = scopes.flatMap((s) => {
      const first = s.indexOf(':');
      const last = s.lastIndexOf(':');
      if (first < 0 || last <= first) return [];
      const type = s.slice(0, first);
      const name = s.slice(first + 1, last);
      const wanted = s.slice(last + 1).split(',');
      const granted = user !== '' ? wanted : auth.anonymousPull ? wanted.filter((a) => a === 'pull') : [];
      return granted.length > 0 ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = auth.expiresIn ?? 300;
    const token = signToken(keys, {
      iss: ISSUER,
      sub: user,
      aud: service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() }));
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address() as net.AddressInfo;
      resolve({ server, info: { realm: `http://127.0.0.1:${addr.port}/token`, service, requests } });
    });
  });
}

function configYaml(dir: string, port: number, auth: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    auth,
    '',
  ].join('\n');
}

async function waitUntilAnswering(port: number, child: ChildProcess, logText: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}): ${logText()}`);
    }
    const status = await new Promise<number>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/v2/', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.setTimeout(1000, () => req.destroy());
    });
    if (status === 200 || status === 401) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on port ${port}: ${logText()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a registry; see the file header. Throws when `docker-registry` is missing or does not come up. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  if (!hasRegistryBinary()) throw new Error(`${REGISTRY_BIN} is not installed (apt-get install docker-registry)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'nerdctl-test-registry-'));
  let tokenServer: { server: http.Server; info: TokenServer } | undefined;
  try {
    let authYaml = '';
    const auth = options.auth;
    if (auth?.kind === 'htpasswd') {
      const file = path.join(dir, 'htpasswd');
      writeFileSync(file, auth.users.map((u) => `${u.username}:${bcryptHash(u.password)}\n`).join(''));
      authYaml = ['auth:', '  htpasswd:', '    realm: test-realm', `    path: ${file}`].join('\n');
    } else if (auth?.kind === 'token') {
      const keys = makeTokenKeys(dir);
      tokenServer = await startTokenServer(keys, 'test-registry', auth);
      authYaml = [
        'auth:',
        '  token:',
        `    realm: ${tokenServer.info.realm}`,
        `    service: ${tokenServer.info.service}`,
        `    issuer: ${ISSUER}`,
        `    rootcertbundle: ${path.join(dir, 'token.crt')}`,
      ].join('\n');
    }
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const configFile = path.join(dir, 'config.yml');
      writeFileSync(configFile, configYaml(dir, port, authYaml));
      const logFile = path.join(dir, `registry-${attempt}.log`);
      let logBuf = '';
      const child = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      const collect = (d: Buffer) => {
        logBuf += d.toString('utf8');
        if (logBuf.length > 256 << 10) logBuf = logBuf.slice(-128 << 10);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      try {
        await waitUntilAnswering(port, child, () => logBuf.slice(-2000));
      } catch (err) {
        await stopChild(child);
        writeFileSync(logFile, logBuf);
        if (attempt < 3 && /address already in use/.test(logBuf)) continue;
        throw err;
      }
      const server = tokenServer;
      let stopped = false;
      return {
        host: `127.0.0.1:${port}`,
        port,
        url: `http://127.0.0.1:${port}`,
        dir,
        ...(server ? { tokenServer: server.info } : {}),
        log: () => logBuf,
        async stop() {
          if (stopped) return;
          stopped = true;
          await stopChild(child);
          if (server) await new Promise<void>((r) => server.server.close(() => r()));
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    if (tokenServer) tokenServer.server.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
