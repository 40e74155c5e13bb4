import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import {
  createCredentialStore,
  credentialKey,
  credentialsProvider,
  decodeAuthEntry,
  dockerConfigDir,
  DOCKER_HUB_KEY,
  encodeAuthEntry,
  findAuthKey,
} from './credentials.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'nerdctl-creds-unit-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('credentialKey', () => {
  it.each([
    [undefined, DOCKER_HUB_KEY],
    ['', DOCKER_HUB_KEY],
    ['docker.io', DOCKER_HUB_KEY],
    ['index.docker.io', DOCKER_HUB_KEY],
    ['registry-1.docker.io', DOCKER_HUB_KEY],
    ['https://index.docker.io/v1/', DOCKER_HUB_KEY],
    ['localhost:5000', 'localhost:5000'],
    ['https://localhost:5000/', 'localhost:5000'],
    ['http://Registry.Example:5000/v2/', 'registry.example:5000'],
  ])('%j -> %s', (input, key) => {
    expect(credentialKey(input)).toBe(key);
  });
});

describe('dockerConfigDir', () => {
  it('honours $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: '/x/y', HOME: '/home/u' })).toBe('/x/y');
    expect(dockerConfigDir({ HOME: '/home/u' })).toBe('/home/u/.docker');
  });
});

describe('auth entries', () => {
  it('decodes base64 auth, identity tokens, and separate fields', () => {
    expect(decodeAuthEntry({ auth: b64('me:p:a:ss') })).toEqual({ username: 'me', password: 'p:a:ss' });
    expect(decodeAuthEntry({ auth: b64('me:'), identitytoken: 'tok' })).toEqual({ username: 'me', identityToken: 'tok' });
    expect(decodeAuthEntry({ username: 'u', password: 'p' })).toEqual({ username: 'u', password: 'p' });
    expect(decodeAuthEntry({})).toBeUndefined();
    expect(() => decodeAuthEntry({ auth: b64('nocolon') })).toThrow(/auth field/);
  });

  it('encodes what it decodes', () => {
    const creds = { username: 'a', password: 'b' };
    expect(decodeAuthEntry(encodeAuthEntry(creds))).toEqual(creds);
  });

  it('finds entries under another spelling of the same host', () => {
    expect(findAuthKey({ 'https://localhost:5000': {} }, 'localhost:5000')).toBe('https://localhost:5000');
    expect(findAuthKey({ 'index.docker.io': {} }, DOCKER_HUB_KEY)).toBe('index.docker.io');
    expect(findAuthKey({ 'other:5000': {} }, 'localhost:5000')).toBeUndefined();
  });
});

describe('config.json store', () => {
  it('reads nothing from a missing file and writes a 0600 file atomically, keeping unknown fields', async () => {
    const dir = tempDir();
    const store = createCredentialStore({ configDir: dir });
    expect(await store.get('localhost:5000')).toBeUndefined();
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ psFormat: 'table {{.ID}}', auths: { 'other:1': { auth: b64('o:p') } } }));
    await store.store('localhost:5000', { username: 'alice', password: 's3cret' });
    const file = path.join(dir, 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(cfg.psFormat).toBe('table {{.ID}}');
    expect(cfg.auths).toEqual({ 'other:1': { auth: b64('o:p') }, 'localhost:5000': { auth: b64('alice:s3cret') } });
    expect(readdirSync(dir)).toEqual(['config.json']); // no temp files left
    expect(await store.get('http://localhost:5000')).toEqual({ username: 'alice', password: 's3cret' });
  });

  it('stores Docker Hub under https://index.docker.io/v1/ and finds it from the dialled host', async () => {
    const dir = tempDir();
    const store = createCredentialStore({ configDir: dir });
    await store.store('docker.io', { username: 'hub', password: 'pw' });
    const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { auths: Record<string, unknown> };
    expect(Object.keys(cfg.auths)).toEqual([DOCKER_HUB_KEY]);
    expect(await credentialsProvider(store)('registry-1.docker.io')).toEqual({ username: 'hub', password: 'pw' });
  });

  it('erases an entry and says whether there was one', async () => {
    const dir = tempDir();
    const store = createCredentialStore({ configDir: dir });
    await store.store('localhost:5000', { username: 'a', password: 'b' });
    expect(await store.erase('localhost:5000')).toBe(true);
    expect(await store.get('localhost:5000')).toBeUndefined();
    expect(await store.erase('localhost:5000')).toBe(false);
  });

  it('reports a malformed config.json as invalid-argument naming the file; the provider goes anonymous', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'config.json'), '{ not json');
    const store = createCredentialStore({ configDir: dir });
    const err = await store.get('x').catch((e: unknown) => e);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toContain(path.join(dir, 'config.json'));
    const seen: Error[] = [];
    expect(await credentialsProvider(store, (e) => seen.push(e))('x')).toBeUndefined();
    expect(seen).toHaveLength(1);
  });

  it('uses $DOCKER_CONFIG when no dir is given', async () => {
    const dir = tempDir();
    const store = createCredentialStore({ env: { ...process.env, DOCKER_CONFIG: dir } });
    expect(store.configFile).toBe(path.join(dir, 'config.json'));
  });
});

describe('credential helpers', () => {
  /** A docker-credential-test helper keeping its secrets in a JSON file, speaking the helper protocol. */
  function installHelper(): { env: NodeJS.ProcessEnv; db: string; dir: string } {
    const dir = tempDir();
    const db = path.join(dir, 'db.json');
    writeFileSync(db, '{}');
    const script = `#!/usr/bin/env node
const fs = require('fs');
const db = ${JSON.stringify(db)};
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const data = JSON.parse(fs.readFileSync(db, 'utf8'));
  const action = process.argv[2];
  if (action === 'store') {
    const c = JSON.parse(input);
    data[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
    fs.writeFileSync(db, JSON.stringify(data));
  } else if (action === 'get') {
    const c = data[input.trim()];
    if (!c) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    process.stdout.write(JSON.stringify({ ServerURL: input.trim(), ...c }));
  } else if (action === 'erase') {
    if (!data[input.trim()]) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    delete data[input.trim()];
    fs.writeFileSync(db, JSON.stringify(data));
  } else process.exit(2);
});
`;
    const bin = path.join(dir, 'docker-credential-test');
    writeFileSync(bin, script);
    chmodSync(bin, 0o755);
    return { env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` }, db, dir };
  }

  it('stores through credsStore, leaving an empty auths entry, and reads and erases through it', async () => {
    const { env, db } = installHelper();
    const dir = tempDir();
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ credsStore: 'test' }));
    const store = createCredentialStore({ configDir: dir, env });
    await store.store('localhost:5000', { username: 'u', password: 'p' });
    expect(JSON.parse(readFileSync(db, 'utf8'))).toEqual({ 'localhost:5000': { Username: 'u', Secret: 'p' } });
    expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({
      credsStore: 'test',
      auths: { 'localhost:5000': {} },
    });
    expect(await store.get('localhost:5000')).toEqual({ username: 'u', password: 'p' });
    expect(await store.get('elsewhere:1')).toBeUndefined();
    expect(await store.erase('localhost:5000')).toBe(true);
    expect(JSON.parse(readFileSync(db, 'utf8'))).toEqual({});
  });

  it('prefers credHelpers for its host and maps <token> users to identity tokens', async () => {
    const { env, db } = installHelper();
    writeFileSync(db, JSON.stringify({ 'ghcr.example': { Username: '<token>', Secret: 'refresh-me' } }));
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ credsStore: 'missing-helper', credHelpers: { 'ghcr.example': 'test' }, auths: { 'other:1': { auth: b64('a:b') } } }),
    );
    const store = createCredentialStore({ configDir: dir, env });
    expect(await store.get('ghcr.example')).toEqual({ identityToken: 'refresh-me' });
    // credsStore names a helper that is not installed: the file entry is used, as if there were no helper.
    expect(await store.get('other:1')).toEqual({ username: 'a', password: 'b' });
    const err = await store.store('new:1', { username: 'x', password: 'y' }).catch((e: unknown) => e);
    expect(hasCode(err, 'failed-precondition')).toBe(true);
    expect((err as Error).message).toContain('docker-credential-missing-helper');
  });
});
