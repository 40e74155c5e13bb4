/**
 * Pulls that go wrong: a registry that sends the wrong bytes, two processes pulling the same image at once, a
 * pull killed half-way and repeated, unknown images, malformed references, unreachable registries and wrong
 * credentials. Each failure must give one clear line, a non-zero exit and leave nothing behind; `rmi` must free
 * the blobs and snapshots at once.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, createTestEnv, isRoot, type TestEnv } from '../helpers/cli.js';
import { busyboxImage, busyboxRootfs, makeImage, makeLayer, pushFixture } from '../helpers/image-fixtures.js';
import { freePort, hasRegistryBinary, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { entries, expectNothingLeft, startRegistryProxy, type RegistryProxy } from './helpers.js';

describe.skipIf(!isRoot() || !hasRegistryBinary())('images: pulls that go wrong', () => {
  let registry: TestRegistry;
  const envs: TestEnv[] = [];
  const proxies: RegistryProxy[] = [];
  const newEnv = () => {
    const e = createTestEnv('faults');
    envs.push(e);
    return e;
  };
  const proxy = async () => {
    const p = await startRegistryProxy(registry.host);
    proxies.push(p);
    return p;
  };

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
    for (const e of envs.splice(0)) await e.cleanup();
  });

  /** A three-layer image; the middle layer is big and incompressible. */
  async function bigImage(repo: string, bigBytes = 4 << 20) {
    const img = makeImage([
      await makeLayer(busyboxRootfs()),
      await makeLayer([{ path: 'big', content: randomBytes(bigBytes) }]),
      await makeLayer([{ path: 'top', content: 'top\n' }]),
    ]);
    await pushFixture(registry.host, repo, 'v1', img);
    return img;
  }

  it('rejects a blob with the wrong digest and commits nothing', async () => {
    const env = newEnv();
    const repo = `bad${env.id}/app`;
    const img = await bigImage(repo, 1 << 20);
    const p = await proxy();
    p.rules.set(img.layers[1]!.digest, { corrupt: true });
    const r = await env.run(['pull', `${p.host}/${repo}:v1`]);
    expect(r.code).toBe(1);
    const errLines = r.stderr.trim().split('\n');
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(new RegExp(`^Error: .*content ${img.layers[1]!.digest}: digest mismatch`));
    await expectNothingLeft(env);
    // The same pull through an honest path works afterwards (no poisoned ingest left to resume from).
    p.rules.clear();
    await env.ok(['pull', '-q', `${p.host}/${repo}:v1`]);
  });

  it('lets two processes pull the same image at once', async () => {
    const env = newEnv();
    const repo = `two${env.id}/app`;
    await bigImage(repo, 2 << 20);
    const ref = `${registry.host}/${repo}:v1`;
    const [a, b] = await Promise.all([env.run(['pull', '-q', ref]), env.run(['pull', '-q', ref])]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    expect(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).toBe(`${ref}\n`);
    // Each chain ID once.
    expect((await env.ok(['snapshot', 'ls', '-q'])).trim().split('\n')).toHaveLength(3);
    expect(readdirSync(path.join(env.dataRoot, 'snapshots', 'overlayfs')).filter((n) => /^\d+$/.test(n))).toHaveLength(3);
  });

  it('resumes a pull that was killed half-way and reuses what it downloaded', async () => {
    const env = newEnv();
    const repo = `kill${env.id}/app`;
    const size = 6 << 20;
    const img = await bigImage(repo, size);
    const big = img.layers[1]!;
    const p = await proxy();
    p.rules.set(big.digest, { bytesPerSecond: 1 << 20 });
    const ref = `${p.host}/${repo}:v1`;
    const child = spawn(process.execPath, [BIN, ...env.globalArgs, 'pull', '-q', ref], { stdio: 'ignore' });
    const served = () => p.requests.filter((r) => r.url.endsWith(big.digest) && r.method === 'GET').reduce((a, r) => a + r.sent, 0);
    for (let i = 0; i < 300 && served() < 2.5 * (1 << 20); i++) await new Promise((r) => setTimeout(r, 50));
    expect(served()).toBeGreaterThan(1 << 20);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const firstRun = served();

    p.rules.clear();
    p.requests.length = 0;
    await env.ok(['pull', '-q', ref]);
    const again = p.requests.filter((r) => r.url.endsWith(big.digest) && r.method === 'GET');
    expect(again).toHaveLength(1);
    // Only the rest was asked for and sent.
    const from = Number(/^bytes=(\d+)-$/.exec(again[0]!.range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(firstRun);
    expect(again[0]!.sent).toBe(big.size - from);
    expect(entries(path.join(env.dataRoot, 'content', 'ingest'))).toEqual([]);
    expect((await env.ok(['content', 'ls', '-q'])).split('\n')).toContain(big.digest);
  });

  it('frees blobs and snapshots when the last image using them is removed', async () => {
    const env = newEnv();
    const repo = `gc${env.id}/app`;
    const img = await bigImage(repo, 1 << 20);
    const ref = `${registry.host}/${repo}:v1`;
    await env.ok(['pull', '-q', ref]);
    await env.ok(['tag', ref, 'keep:1']);
    expect(readdirSync(path.join(env.dataRoot, 'content', 'blobs', 'sha256'))).toEqual(
      expect.arrayContaining(img.layers.map((l) => l.digest.slice(7))),
    );
    expect(await env.ok(['rmi', ref])).toBe(`Untagged: ${ref}\nUntagged: ${registry.host}/${repo}@${img.manifest.digest}\n`);
    expect(readdirSync(path.join(env.dataRoot, 'content', 'blobs', 'sha256'))).toHaveLength(5);
    const out = await env.ok(['rmi', 'keep:1']);
    expect(out).toContain('Untagged: keep:1\n');
    expect(out).toContain(`Deleted: ${img.config.digest}\n`);
    await expectNothingLeft(env);
  });

  it('fails clearly and leaves nothing for unknown images, bad references and unreachable registries', async () => {
    const env = newEnv();
    const dead = `127.0.0.1:${await freePort()}`;
    const cases: [string[], RegExp][] = [
      [['pull', `${registry.host}/nope${env.id}/x:1`], new RegExp(`^Error: manifest for ${registry.host}/nope${env.id}/x:1 not found: manifest unknown`)],
      [['pull', 'Bad:Ref'], /^Error: invalid reference format/],
      [['pull', `${dead}/x/y:1`], /^Error: failed to resolve reference .*connection refused/],
      [['rmi', 'nosuch'], /^Error: No such image: nosuch$/],
      [['image', 'inspect', 'nosuch'], /^Error: No such image: nosuch$/],
      [['push', 'nosuch:1'], /^Error: An image does not exist locally with the tag: nosuch$/],
    ];
    for (const [args, re] of cases) {
      const r = await env.run(args);
      expect(r.code, args.join(' ')).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(re);
      expect(r.stdout).toBe(args[0] === 'image' ? '[]\n' : '');
    }
    await expectNothingLeft(env);
  });

  it.each(['htpasswd', 'token'] as const)('logs in and out, and refuses wrong credentials (%s auth)', async (kind) => {
    const user = { username: 'alice', password: `pw-${randomBytes(4).toString('hex')}` };
    const authReg = await startRegistry({ auth: kind === 'htpasswd' ? { kind, users: [user] } : { kind, users: [user] } });
    const env = newEnv();
    const config = mkdtempSync(path.join(tmpdir(), 'nerdctl-test-dockercfg-'));
    const dockerEnv = { env: { DOCKER_CONFIG: config } };
    try {
      const img = await busyboxImage();
      const ref = `${authReg.host}/private/app:v1`;
      const anon = await env.run(['pull', ref], dockerEnv);
      expect(anon.code).toBe(1);
      expect(anon.stderr.trim().split('\n')).toHaveLength(1);
      await expectNothingLeft(env);

      const wrong = await env.run(['login', '-u', user.username, '--password-stdin', authReg.host], { ...dockerEnv, input: 'nope\n' });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(path.join(config, 'config.json'))).toBe(false);

      const ok = await env.run(['login', '-u', user.username, '-p', user.password, authReg.host], dockerEnv);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toBe('Login Succeeded\n');
      expect(ok.stderr).toContain('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
      expect(ok.stderr).toContain(`WARNING! Your password will be stored unencrypted in ${path.join(config, 'config.json')}.`);
      const cfg = JSON.parse(readFileSync(path.join(config, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      expect(Buffer.from(cfg.auths[authReg.host]!.auth, 'base64').toString()).toBe(`${user.username}:${user.password}`);

      // Push and pull with the stored credentials.
      await env.ok(['load'], { ...dockerEnv, input: await (await import('../helpers/image-fixtures.js')).dockerArchive(img, [ref]) });
      await env.ok(['push', '-q', ref], dockerEnv);
      await env.ok(['rmi', ref], dockerEnv);
      await env.ok(['pull', '-q', ref], dockerEnv);

      expect(await env.ok(['logout', authReg.host], dockerEnv)).toBe(`Removing login credentials for ${authReg.host}\n`);
      const after = JSON.parse(readFileSync(path.join(config, 'config.json'), 'utf8')) as { auths?: Record<string, unknown> };
      expect(after.auths?.[authReg.host]).toBeUndefined();
    } finally {
      await authReg.stop();
      rmSync(config, { recursive: true, force: true });
    }
  });
});
