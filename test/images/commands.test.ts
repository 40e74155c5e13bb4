/**
 * The listing and containerd-level commands through the built CLI: images filters and formats, image prune, history,
 * namespace, content, snapshot, info and version, and pull progress on a terminal.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, createTestEnv, isRoot, type TestEnv } from '../helpers/cli.js';
import { busyboxImage, busyboxRootfs, dockerArchive, makeImage, makeLayer, pushFixture } from '../helpers/image-fixtures.js';
import { hasRegistryBinary, startRegistry, type TestRegistry } from '../helpers/registry.js';

describe.skipIf(!isRoot())('images: listing and containerd-level commands', () => {
  const envs: TestEnv[] = [];
  const newEnv = () => {
    const e = createTestEnv('imgcmd');
    envs.push(e);
    return e;
  };
  afterEach(async () => {
    for (const e of envs.splice(0)) await e.cleanup();
  });
  const load = async (env: TestEnv, tags: string[], config = {}, extra = [{ path: 'x', content: `${Math.random()}` }]) => {
    const img = await busyboxImage(config, extra);
    const file = path.join(env.dataRoot, '..', `${tags[0]?.replace(/[^a-z0-9]/g, '_') ?? 'untagged'}.tar`);
    writeFileSync(file, await dockerArchive(img, tags));
    await env.ok(['load', '-q', '-i', file]);
    return img;
  };

  it('filters and formats images as Docker does', async () => {
    const env = newEnv();
    const a = await load(env, ['alpha:1', 'alpha:2'], { Labels: { team: 'a' } });
    const b = await load(env, ['beta:1'], { Labels: { team: 'b' } });
    expect(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'alpha'])).toBe('alpha:1\nalpha:2\n');
    expect(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=b*'])).toBe('beta:1\n');
    expect(await env.ok(['images', '--format', '{{.Repository}}', '--filter', 'label=team=b'])).toBe('beta\n');
    expect(await env.ok(['images', '--format', '{{.Repository}}', '--filter', 'dangling=true'])).toBe('');
    expect((await env.ok(['images', '-q'])).trim().split('\n').sort()).toEqual([a.config.digest.slice(7, 19), a.config.digest.slice(7, 19), b.config.digest.slice(7, 19)].sort());
    expect(await env.ok(['images', '--no-trunc', '--format', '{{.ID}}', 'beta'])).toBe(`${b.config.digest}\n`);
    const json = JSON.parse((await env.ok(['images', '--format', '{{json .}}', 'beta'])).trim()) as Record<string, string>;
    expect(Object.keys(json)).toEqual(['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize']);
    expect(json).toMatchObject({ Repository: 'beta', Tag: '1', Digest: '<none>', Containers: 'N/A' });
    const table = await env.ok(['images']);
    expect(table.split('\n')[0]).toMatch(/^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    const bad = await env.run(['images', '--filter', 'color=red']);
    expect([bad.code, bad.stderr.trim()]).toEqual([1, "Error: invalid filter 'color'"]);

    // Retagging leaves the old image dangling, like Docker; prune removes it.
    await env.ok(['tag', 'beta:1', 'alpha:1']);
    expect(await env.ok(['images', '--filter', 'dangling=true', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'])).toBe('');
    await env.ok(['tag', 'alpha:2', 'alpha:1']);
    await env.ok(['rmi', 'alpha:2']);
    await env.ok(['tag', 'beta:1', 'alpha:1']);
    expect(await env.ok(['images', '--filter', 'dangling=true', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'])).toBe(`${a.config.digest.slice(7, 19)} <none>:<none>\n`);
    const prune = await env.ok(['image', 'prune', '-f']);
    expect(prune).toMatch(new RegExp(`^Deleted Images:\ndeleted: ${a.config.digest}\n(deleted: sha256:[a-f0-9]{64}\n)*\nTotal reclaimed space: [\\d.]+[kM]B\n$`));
    expect(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).toBe('alpha:1\nbeta:1\n');
    const refused = await env.run(['image', 'prune', '-a'], { input: 'n\n' });
    expect(refused.stdout).toBe('WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n');
    expect(await env.ok(['image', 'prune', '-a', '-f'])).toContain('untagged: alpha:1\n');
    expect(await env.ok(['images', '-q'])).toBe('');
  });

  it('shows history in its formats', async () => {
    const env = newEnv();
    const img = makeImage([await makeLayer(busyboxRootfs()), await makeLayer([{ path: 'f', content: '12345' }])]);
    writeFileSync(path.join(env.dataRoot, '..', 'h.tar'), await dockerArchive(img, ['hist:1']));
    await env.ok(['load', '-i', path.join(env.dataRoot, '..', 'h.tar')]);
    expect(await env.ok(['history', '-q', 'hist:1'])).toBe(`${img.config.digest.slice(7, 19)}\n<missing>\n`);
    expect(await env.ok(['history', '-H=false', '--format', '{{.CreatedSince}} {{.Size}} {{.CreatedBy}}', 'hist:1'])).toBe(
      '2024-01-01T00:00:00Z 5 fixture layer 1\n2024-01-01T00:00:00Z ' + (await env.ok(['image', 'inspect', '--format', '{{.Size}}', 'hist:1'])).trim().replace(/^\d+$/, (s) => String(Number(s) - 5)) + ' fixture layer 0\n',
    );
    expect((await env.ok(['history', 'hist:1'])).split('\n')[0]).toMatch(/^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$/);
  });

  it('manages namespaces', async () => {
    const env = newEnv();
    const ns = `ns${env.id}`;
    await env.ok(['namespace', 'create', '--label', 'a=1', ns]);
    expect(await env.ok(['namespace', 'ls', '-q'])).toContain(`${ns}\n`);
    expect(JSON.parse(await env.ok(['namespace', 'inspect', ns]))).toEqual([{ Name: ns, Labels: { a: '1' } }]);
    await env.ok(['namespace', 'update', '--label', 'b=2', ns]);
    expect(await env.ok(['namespace', 'inspect', '--format', '{{json .Labels}}', ns])).toBe('{"a":"1","b":"2"}\n');
    await load(env, ['inns:1']);
    expect(await env.ok(['namespace', 'ls', '--format', '{{.Name}} {{.Images}}'])).toContain(`${env.namespace} 1\n`);
    const busy = await env.run(['namespace', 'rm', env.namespace]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`namespace "${env.namespace}" must be empty, but it still has content, images, snapshots`);
    expect(await env.ok(['namespace', 'rm', ns])).toBe(`${ns}\n`);
    const gone = await env.run(['namespace', 'inspect', ns]);
    expect(gone.code).toBe(1);
    // Images are per namespace.
    expect(await env.ok(['--namespace', ns, 'images', '-q'])).toBe('');
  });

  it('shows content and snapshots as ctr does, and prunes unreferenced content', async () => {
    const env = newEnv();
    const img = await load(env, ['ctr:1']);
    const content = await env.ok(['content', 'ls']);
    expect(content.split('\n')[0]).toMatch(/^DIGEST +SIZE +AGE +LABELS$/);
    expect(content).toContain('containerd.io/gc.ref.snapshot.overlayfs=');
    const snaps = (await env.ok(['snapshot', 'ls'])).split('\n');
    expect(snaps[0]).toMatch(/^KEY +PARENT +KIND$/);
    expect(snaps[1]).toMatch(new RegExp(`^${img.layers[0]!.diffId} +Committed`));
    expect(await env.ok(['snapshot', 'tree'])).toBe(` ${img.layers[0]!.diffId}\n`);
    expect(await env.ok(['snapshot', 'usage'])).toMatch(/^KEY +SIZE +INODES\nsha256:[a-f0-9]{64} +[\d.]+ [KM]iB +\d+\n$/);
    const refused = await env.run(['snapshot', 'rm', 'nonexistent']);
    expect(refused.code).toBe(1);
    // Content nothing references goes with prune; the image's stays.
    expect(await env.ok(['content', 'prune'])).toBe('Total reclaimed space: 0B\n');
    await env.ok(['rmi', '--no-prune', 'ctr:1']);
    expect(await env.ok(['content', 'ls', '-q'])).toBe('');
  });

  it('reports info and version', async () => {
    const env = newEnv();
    const info = await env.ok(['info']);
    expect(info).toContain(` Storage Driver: overlayfs\n`);
    expect(info).toContain(` Docker Root Dir: ${env.dataRoot}\n`);
    expect(info).toMatch(/ runc version: \d/);
    expect(await env.ok(['info', '--format', '{{.Driver}} {{.DockerRootDir}} {{.Namespace}}'])).toBe(`overlayfs ${env.dataRoot} ${env.namespace}\n`);
    const v = JSON.parse(await env.ok(['version', '--format', '{{json .}}'])) as { Client: { Version: string }; Server: { Components: { Name: string; Version: string }[] } };
    expect(v.Client.Version).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.Server.Components.map((c) => c.Name)).toEqual(['nerdctl engine', 'runc', 'conmon', 'CNI plugins']);
    expect(await env.ok(['version', '--format', '{{.Client.Version}}'])).toBe(`${v.Client.Version}\n`);
    expect(await env.ok(['version'])).toMatch(/^Client:\n Version:\t.*\n[\s\S]*Server:\n[\s\S]* runc:\n  Version:\t/);
  });
});

describe.skipIf(!isRoot() || !hasRegistryBinary())('images: pull progress on a terminal', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('draws one line per layer and ends with the digest and status', async () => {
    const env = createTestEnv('tty');
    try {
      const repo = `tty${env.id}/app`;
      await pushFixture(registry.host, repo, 'v1', makeImage([await makeLayer(busyboxRootfs()), await makeLayer([{ path: 'x', content: 'x' }])]));
      const pty = await import('node-pty');
      const term = pty.spawn(process.execPath, [BIN, ...env.globalArgs, 'pull', `${registry.host}/${repo}:v1`], { cols: 120, rows: 30, env: { ...process.env, NO_COLOR: '1' } as Record<string, string> });
      let out = '';
      term.onData((d) => (out += d));
      const code = await new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
      expect(code).toBe(0);
      const text = out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
      expect(text).toContain('v1: Pulling from');
      expect(text).toMatch(/[a-f0-9]{12}: (Pull complete|Download complete|Extracting|Downloading)/);
      expect(text).toContain(`Status: Downloaded newer image for ${registry.host}/${repo}:v1`);
    } finally {
      await env.cleanup();
    }
  });
});
