/**
 * Authentication against real registries: htpasswd basic auth and token auth (a token server in the test
 * signing JWTs the registry verifies), with right, wrong and missing credentials; login/logout writing
 * config.json; the credentials it wrote then used for pulls.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, hasCode } from '../../src/engine/errdefs.js';
import { createCredentialStore, credentialsProvider } from '../../src/engine/remotes/credentials.js';
import { createAuthorizer } from '../../src/engine/remotes/docker/auth.js';
import { createDockerResolver } from '../../src/engine/remotes/docker/resolver.js';
import { createRegistryHosts } from '../../src/engine/remotes/hosts.js';
import { login, logout } from '../../src/engine/remotes/login.js';
import type { AuthCredentials } from '../../src/engine/remotes/docker/auth.js';
import { hasRegistryBinary, refreshTokenFor, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { configBlob, manifestOf, opContext, randomBlob, readAll } from './fixtures.js';

const ctx = opContext();
const hosts = () => createRegistryHosts({ hostsDirs: [] });

/** A resolver with its own token cache, so tests do not see each other's tokens. */
function resolverWith(creds: AuthCredentials | undefined) {
  return createDockerResolver({
    hosts: hosts(),
    retryBaseMs: 5,
    authorizer: createAuthorizer({ credentials: async () => creds, tokenCache: new Map() }),
  });
}

async function pushImage(creds: AuthCredentials, ref: string, tag: string) {
  const layer = randomBlob(4096);
  const config = configBlob();
  const manifest = manifestOf(config, [layer]);
  const pusher = resolverWith(creds).pusher(ctx, ref);
  await pusher.pushBlob(ctx, layer.desc, layer.bytes);
  await pusher.pushBlob(ctx, config.desc, config.bytes);
  await pusher.pushManifest(ctx, manifest.desc, manifest.bytes, { tag });
  return { layer, config, manifest };
}

describe.skipIf(!hasRegistryBinary())('htpasswd basic auth', () => {
  let registry: TestRegistry;
  const alice = { username: 'alice', password: 'wonderland' };
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'htpasswd', users: [alice] } });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes and pulls with the right password', async () => {
    const ref = `${registry.host}/private/app`;
    const { manifest, layer } = await pushImage(alice, ref, 'v1');
    const r = resolverWith(alice);
    expect((await r.resolve(ctx, `${ref}:v1`)).descriptor).toEqual(manifest.desc);
    expect(await readAll(await r.fetcher(ctx, ref).fetch(ctx, layer.desc))).toEqual(layer.bytes);
  });

  it('is unauthenticated without credentials, in Docker words', async () => {
    const err = await resolverWith(undefined).resolve(ctx, `${registry.host}/private/app:v1`).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('unauthenticated');
    expect((err as EngineError).message).toBe(
      `pull access denied for ${registry.host}/private/app, repository does not exist or may require 'docker login': unauthorized: authentication required`,
    );
  });

  it('is unauthenticated with a wrong password, for pull and for push', async () => {
    const wrong = { username: 'alice', password: 'nope' };
    const pullErr = await resolverWith(wrong).resolve(ctx, `${registry.host}/private/app:v1`).catch((e: unknown) => e);
    expect(hasCode(pullErr, 'unauthenticated')).toBe(true);
    const blob = randomBlob(100);
    const pushErr = await resolverWith(wrong)
      .pusher(ctx, `${registry.host}/private/other`)
      .pushBlob(ctx, blob.desc, blob.bytes)
      .catch((e: unknown) => e);
    expect(hasCode(pushErr, 'unauthenticated')).toBe(true);
    expect((pushErr as Error).message).toMatch(/^push access denied for /);
  });

  it('logs in (storing 0600 credentials that later pulls use) and logs out', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nerdctl-test-docker-config-'));
    try {
      const store = createCredentialStore({ configDir: dir });
      const bad = await login(ctx, registry.host, { ...alice, password: 'bad', store, hosts: hosts() }).catch((e: unknown) => e);
      expect((bad as EngineError).code).toBe('unauthenticated');
      expect((bad as EngineError).message).toBe(`login attempt to http://${registry.host}/v2/ failed with status: 401 Unauthorized`);
      expect(() => statSync(path.join(dir, 'config.json'))).toThrow();

      const res = await login(ctx, registry.host, { ...alice, store, hosts: hosts() });
      expect(res.serverAddress).toBe(registry.host);
      const file = path.join(dir, 'config.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const cfg = JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }> };
      expect(Buffer.from(cfg.auths[registry.host]?.auth ?? '', 'base64').toString()).toBe('alice:wonderland');

      await pushImage(alice, `${registry.host}/private/login`, 'v1');
      const r = createDockerResolver({
        hosts: hosts(),
        authorizer: createAuthorizer({ credentials: credentialsProvider(store), tokenCache: new Map() }),
      });
      expect((await r.resolve(ctx, `${registry.host}/private/login:v1`)).name).toBe(`${registry.host}/private/login:v1`);

      expect(await logout(registry.host, { store })).toEqual({ serverAddress: registry.host, removed: true });
      expect(await store.get(registry.host)).toBeUndefined();
      expect(await logout(registry.host, { store })).toEqual({ serverAddress: registry.host, removed: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasRegistryBinary())('token auth', () => {
  let registry: TestRegistry;
  const bob = { username: 'bob', password: 'builder' };
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'token', users: [bob], anonymousPull: true } });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes with a pull,push token, mounts across repositories with the source pull scope, and pulls anonymously', async () => {
    const ref = `${registry.host}/team/app`;
    const { manifest, layer } = await pushImage(bob, ref, 'v1');
    const requests = registry.tokenServer?.requests ?? [];
    expect(requests.some((r) => r.user === 'bob' && r.scopes.includes('repository:team/app:pull,push'))).toBe(true);

    const status = await resolverWith(bob)
      .pusher(ctx, `${registry.host}/team/copy`)
      .pushBlob(ctx, layer.desc, layer.bytes, { mountFrom: ['team/app'] });
    expect(status).toBe('mounted');
    expect(
      requests.some(
        (r) => r.user === 'bob' && r.scopes.includes('repository:team/copy:pull,push') && r.scopes.includes('repository:team/app:pull'),
      ),
    ).toBe(true);

    const anon = resolverWith(undefined);
    expect((await anon.resolve(ctx, `${ref}:v1`)).descriptor).toEqual(manifest.desc);
    expect(await readAll(await anon.fetcher(ctx, `${registry.host}/team/copy`).fetch(ctx, layer.desc))).toEqual(layer.bytes);
  });

  it('reuses a cached token for the same scope', async () => {
    const ref = `${registry.host}/team/cached`;
    await pushImage(bob, ref, 'v1');
    const r = resolverWith(bob);
    await r.resolve(ctx, `${ref}:v1`);
    const before = registry.tokenServer?.requests.length ?? 0;
    await r.resolve(ctx, `${ref}:v1`);
    await r.resolve(ctx, `${ref}:v1`);
    expect(registry.tokenServer?.requests.length).toBe(before);
  });

  it('refuses an anonymous push (the token lacks push) as unauthenticated', async () => {
    const blob = randomBlob(100);
    const err = await resolverWith(undefined)
      .pusher(ctx, `${registry.host}/team/anon`)
      .pushBlob(ctx, blob.desc, blob.bytes)
      .catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('unauthenticated');
    expect((err as EngineError).message).toMatch(
      new RegExp(`^push access denied for ${registry.host}/team/anon, repository does not exist or may require 'docker login': `),
    );
  });

  it('exchanges an identity token (OAuth2 refresh token) for access tokens by POST', async () => {
    const ref = `${registry.host}/team/oauth`;
    const layer = randomBlob(1000);
    const r = resolverWith({ identityToken: refreshTokenFor(bob) });
    expect(await r.pusher(ctx, ref).pushBlob(ctx, layer.desc, layer.bytes)).toBe('uploaded');
    const bad = await resolverWith({ identityToken: 'stolen' })
      .pusher(ctx, ref)
      .pushBlob(ctx, randomBlob(10).desc, Buffer.alloc(10))
      .catch((e: unknown) => e);
    expect(hasCode(bad, 'unauthenticated')).toBe(true);
    expect((bad as Error).message).toMatch(/^push access denied for .*team\/oauth, .*invalid_grant$/);
  });

  it('is unauthenticated with a wrong password (the token server refuses it)', async () => {
    const err = await resolverWith({ username: 'bob', password: 'wrong' })
      .resolve(ctx, `${registry.host}/team/app:v1`)
      .catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('unauthenticated');
    expect((err as EngineError).message).toBe(
      `pull access denied for ${registry.host}/team/app, repository does not exist or may require 'docker login': ` +
        `failed to fetch token from ${registry.tokenServer?.realm}: incorrect username or password`,
    );
  });

  it('logs in through the token server and refuses a wrong password', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nerdctl-test-docker-config-'));
    try {
      const store = createCredentialStore({ configDir: dir });
      const bad = await login(ctx, `http://${registry.host}`, { username: 'bob', password: 'x', store, hosts: hosts() }).catch(
        (e: unknown) => e,
      );
      expect(hasCode(bad, 'unauthenticated')).toBe(true);
      await login(ctx, `http://${registry.host}`, { ...bob, store, hosts: hosts() });
      expect(await store.get(registry.host)).toEqual(bob);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasRegistryBinary())('token auth without anonymous access', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: 'token', users: [{ username: 'carol', password: 'pw' }] } });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('fetches an anonymous token, retries once, and reports pull access denied', async () => {
    const err = await resolverWith(undefined).resolve(ctx, `${registry.host}/secret/app:v1`).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('unauthenticated');
    expect((err as EngineError).message).toMatch(/^pull access denied for .*secret\/app, repository does not exist or may require 'docker login': /);
    expect(registry.tokenServer?.requests.filter((r) => r.user === '')).toHaveLength(1);
  });
});
