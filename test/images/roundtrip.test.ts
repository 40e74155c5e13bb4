/**
 * Image round trips through the built CLI against a real registry (Debian's docker-registry on 127.0.0.1):
 * import -> push -> rmi -> pull -> image mount; layers that delete files of lower layers; a multi-arch index.
 */
import { writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, isRoot, type TestEnv } from '../helpers/cli.js';
import { busyboxImage, busyboxRootfs, makeImage, makeIndex, makeLayer, makeTar, pushFixture } from '../helpers/image-fixtures.js';
import { hasRegistryBinary, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { expectNothingLeft } from './helpers.js';

describe.skipIf(!isRoot() || !hasRegistryBinary())('images: round trips through a registry', () => {
  let registry: TestRegistry;
  const envs: TestEnv[] = [];
  const newEnv = () => {
    const e = createTestEnv('images');
    envs.push(e);
    return e;
  };

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });
  afterEach(async () => {
    for (const e of envs.splice(0)) await e.cleanup();
  });

  it('imports, pushes, removes, pulls and mounts an image', async () => {
    const env = newEnv();
    const ref = `${registry.host}/rt${env.id}/app:v1`;
    const tarFile = path.join(env.dataRoot, '..', 'rootfs.tar');
    writeFileSync(tarFile, await makeTar(busyboxRootfs([{ path: 'hello.txt', content: 'hello from import\n' }])));

    const id = (await env.ok(['import', '-c', 'CMD ["sh"]', '-c', 'ENV A=1', '-m', 'imported for a test', tarFile, ref])).trim();
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).toBe(`${registry.host}/rt${env.id}/app:v1 ${id.slice(7, 19)}\n`);

    const push = await env.ok(['push', ref]);
    expect(push).toContain(`The push refers to repository [${registry.host}/rt${env.id}/app]`);
    expect(push).toMatch(/[a-f0-9]{12}: Pushed\n/);
    expect(push).toMatch(/^v1: digest: sha256:[a-f0-9]{64} size: \d+$/m);

    // A second repository on the same registry gets the layer by a cross-repository mount.
    const ref2 = `${registry.host}/rt${env.id}/copy:v2`;
    await env.ok(['tag', ref, ref2]);
    expect(await env.ok(['push', ref2])).toMatch(new RegExp(`[a-f0-9]{12}: Mounted from rt${env.id}/app\n`));
    expect((await env.ok(['push', '-q', ref2])).trim()).toBe(ref2);

    const rmi1 = await env.ok(['rmi', ref2]);
    expect(rmi1).toContain(`Untagged: ${ref2}\n`);
    expect(rmi1).not.toContain('Deleted:');
    const rmi2 = await env.ok(['rmi', ref]);
    expect(rmi2).toContain(`Untagged: ${ref}\n`);
    expect(rmi2).toContain(`Deleted: ${id}\n`);
    await expectNothingLeft(env);

    const pull = await env.ok(['pull', ref]);
    expect(pull).toContain(`v1: Pulling from rt${env.id}/app\n`);
    expect(pull).toMatch(/[a-f0-9]{12}: Pull complete\n/);
    expect(pull).toMatch(/^Digest: sha256:[a-f0-9]{64}$/m);
    expect(pull).toContain(`Status: Downloaded newer image for ${ref}\n`);
    expect(pull.endsWith(`${ref}\n`)).toBe(true);
    const again = await env.ok(['pull', ref]);
    expect(again).toContain(`Status: Image is up to date for ${ref}\n`);
    expect(again).not.toContain('Already exists');

    const inspect = JSON.parse(await env.ok(['image', 'inspect', ref])) as Record<string, any>[];
    expect(inspect[0]).toMatchObject({
      Id: id,
      RepoTags: [ref],
      Comment: 'imported for a test',
      Config: { Cmd: ['sh'], Env: ['A=1'] },
      Os: 'linux',
      GraphDriver: { Name: 'overlayfs' },
    });
    expect(inspect[0]!.RepoDigests[0]).toMatch(new RegExp(`^${registry.host}/rt${env.id}/app@sha256:`));
    const history = await env.ok(['history', '--format', '{{.ID}}|{{.Comment}}', ref]);
    expect(history).toBe(`${id.slice(7, 19)}|imported for a test\n`);

    const mnt = path.join(env.dataRoot, '..', 'mnt');
    mkdirSync(mnt);
    expect((await env.ok(['image', 'mount', ref, mnt])).trim()).toBe(mnt);
    try {
      expect(readFileSync(path.join(mnt, 'hello.txt'), 'utf8')).toBe('hello from import\n');
      expect(existsSync(path.join(mnt, 'bin', 'busybox'))).toBe(true);
      const mountErr = await env.run(['image', 'mount', ref, mnt]);
      expect(mountErr.code).toBe(1);
      expect(mountErr.stderr).toContain('already mounted');
    } finally {
      await env.ok(['image', 'unmount', mnt]);
    }
    expect(existsSync(path.join(mnt, 'hello.txt'))).toBe(false);
    expect(await env.ok(['snapshot', 'ls', '--format', '{{.Kind}}'])).toBe('Committed\n');
  });

  it('hides files that a later layer deletes (whiteouts and opaque directories)', async () => {
    const env = newEnv();
    const base = await makeLayer(
      busyboxRootfs([
        { path: 'etc/removed', content: 'gone\n' },
        { path: 'etc/kept', content: 'kept\n' },
        { path: 'data', type: 'directory' },
        { path: 'data/old', content: 'old\n' },
      ]),
    );
    const top = await makeLayer([
      { path: 'etc', type: 'directory' },
      { path: 'etc/.wh.removed', content: '' },
      { path: 'data', type: 'directory' },
      { path: 'data/.wh..wh..opq', content: '' },
      { path: 'data/new', content: 'new\n' },
    ]);
    const ref = `${registry.host}/wh${env.id}/app:v1`;
    await pushFixture(registry.host, `wh${env.id}/app`, 'v1', makeImage([base, top]));
    await env.ok(['pull', '-q', ref]);
    const mnt = path.join(env.dataRoot, '..', 'mnt');
    mkdirSync(mnt);
    await env.ok(['image', 'mount', ref, mnt]);
    try {
      expect(existsSync(path.join(mnt, 'etc', 'removed'))).toBe(false);
      expect(readFileSync(path.join(mnt, 'etc', 'kept'), 'utf8')).toBe('kept\n');
      expect(existsSync(path.join(mnt, 'data', 'old'))).toBe(false);
      expect(readFileSync(path.join(mnt, 'data', 'new'), 'utf8')).toBe('new\n');
    } finally {
      await env.ok(['image', 'unmount', mnt]);
    }
    // Two layers, two chain snapshots.
    expect((await env.ok(['snapshot', 'ls', '-q'])).trim().split('\n')).toHaveLength(2);
  });

  it('picks linux/amd64 from a multi-arch index, and another platform with --platform', async () => {
    const env = newEnv();
    const marker = (arch: string) => makeLayer(busyboxRootfs([{ path: 'arch.txt', content: `${arch}\n` }]));
    const amd = makeImage([await marker('amd64')], {}, { architecture: 'amd64' });
    const arm = makeImage([await marker('arm64')], {}, { architecture: 'arm64' });
    const index = makeIndex([
      { image: arm, platform: { os: 'linux', architecture: 'arm64' } },
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    const repo = `ma${env.id}/app`;
    await pushFixture(registry.host, repo, 'v1', index);
    const ref = `${registry.host}/${repo}:v1`;

    const pull = await env.ok(['pull', ref]);
    expect(pull).toContain(`Digest: ${index.index.digest}`);
    expect(await env.ok(['image', 'inspect', '--format', '{{.Architecture}} {{.Id}}', ref])).toBe(`amd64 ${amd.config.digest}\n`);
    const mnt = path.join(env.dataRoot, '..', 'mnt');
    mkdirSync(mnt);
    await env.ok(['image', 'mount', ref, mnt]);
    try {
      expect(readFileSync(path.join(mnt, 'arch.txt'), 'utf8')).toBe('amd64\n');
    } finally {
      await env.ok(['image', 'unmount', mnt]);
    }
    // Only the chosen platform was fetched.
    const blobs = (await env.ok(['content', 'ls', '-q'])).trim().split('\n');
    expect(blobs).toContain(amd.layers[0]!.digest);
    expect(blobs).not.toContain(arm.layers[0]!.digest);

    const other = newEnv();
    await other.ok(['pull', '-q', '--platform', 'linux/arm64', ref]);
    expect(await other.ok(['image', 'inspect', '--format', '{{.Architecture}}', ref])).toBe('arm64\n');
    expect(await other.ok(['images', '--format', '{{.ID}}'])).toBe(`${arm.config.digest.slice(7, 19)}\n`);
    const bad = await other.run(['pull', '--platform', 'linux/s390x', ref]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('Error: no matching manifest for linux/s390x in the manifest list entries');

    // --all-platforms stores every platform's content.
    const all = newEnv();
    await all.ok(['pull', '-q', '--all-platforms', ref]);
    const allBlobs = (await all.ok(['content', 'ls', '-q'])).trim().split('\n');
    expect(allBlobs).toEqual(expect.arrayContaining([amd.layers[0]!.digest, arm.layers[0]!.digest, index.index.digest]));
  });

  it('pulls Docker schema2 images and zstd layers', async () => {
    const env = newEnv();
    const docker = makeImage([await makeLayer(busyboxRootfs(), 'gzip', true)], { Cmd: ['echo', 'hi'] }, { format: 'docker' });
    const zstd = makeImage([await makeLayer(busyboxRootfs([{ path: 'z', content: 'zstd\n' }]), 'zstd')]);
    await pushFixture(registry.host, `s2${env.id}/docker`, 'v1', docker);
    await pushFixture(registry.host, `s2${env.id}/zstd`, 'v1', zstd);
    await env.ok(['pull', '-q', `${registry.host}/s2${env.id}/docker:v1`]);
    await env.ok(['pull', '-q', `${registry.host}/s2${env.id}/zstd:v1`]);
    expect(await env.ok(['image', 'inspect', '--format', '{{json .Config.Cmd}}', `${registry.host}/s2${env.id}/docker:v1`])).toBe('["echo","hi"]\n');
    // Both share nothing but are complete: two images, two snapshots.
    expect((await env.ok(['images', '-q'])).trim().split('\n')).toHaveLength(2);
    expect((await env.ok(['snapshot', 'ls', '-q'])).trim().split('\n')).toHaveLength(2);
  });
});
