/**
 * save and load through the built CLI: docker-archive and OCI layout tars (as `docker save` and containerd write
 * them), our own dual-format archive back into a fresh data root, `docker load` of our archive and our load of
 * `docker save` output (against the running dockerd, when there is one), and corrupt input.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestEnv, isRoot, type TestEnv } from '../helpers/cli.js';
import { busyboxImage, busyboxRootfs, dockerArchive, makeImage, makeIndex, makeLayer, makeTar, ociLayoutArchive } from '../helpers/image-fixtures.js';
import { expectNothingLeft } from './helpers.js';

const DOCKER = '/usr/bin/docker';
const dockerd = existsSync(DOCKER) && spawnSync(DOCKER, ['version', '--format', '{{.Server.Version}}']).status === 0;

describe.skipIf(!isRoot())('images: save and load', () => {
  const envs: TestEnv[] = [];
  const newEnv = () => {
    const e = createTestEnv('archives');
    envs.push(e);
    return e;
  };
  afterEach(async () => {
    for (const e of envs.splice(0)) await e.cleanup();
  });
  const file = (env: TestEnv, name: string, data: Buffer) => {
    const p = path.join(env.dataRoot, '..', name);
    writeFileSync(p, data);
    return p;
  };

  it('loads a docker-archive (as docker save writes it) and an OCI layout, from a file and from stdin', async () => {
    const env = newEnv();
    const img = await busyboxImage({ Cmd: ['sh'] }, [{ path: 'which', content: 'docker-archive\n' }]);
    const tar = await dockerArchive(img, ['busybox:da', 'example.com/team/app:1']);
    expect(await env.ok(['load', '-i', file(env, 'da.tar', tar)])).toBe('Loaded image: busybox:da\nLoaded image: example.com/team/app:1\n');
    expect(await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'])).toContain(`busybox:da ${img.config.digest.slice(7, 19)} `);

    const oci = makeImage([await makeLayer(busyboxRootfs([{ path: 'which', content: 'oci\n' }]))]);
    const layout = await ociLayoutArchive(oci, 'docker.io/library/ocitest:v2');
    expect(await env.ok(['load'], { input: gzipSync(layout) })).toBe('Loaded image: ocitest:v2\n');
    // The manifest digest is kept: it is the one the archive carried.
    expect(await env.ok(['image', 'inspect', '--format', '{{.Id}}', 'ocitest:v2'])).toBe(`${oci.config.digest}\n`);
    expect((await env.ok(['content', 'ls', '-q'])).split('\n')).toContain(oci.manifest.digest);

    // An OCI index without names: an untagged image.
    const unnamed = await ociLayoutArchive(makeImage([await makeLayer(busyboxRootfs([{ path: 'u', content: 'u\n' }]))]));
    const out = await env.ok(['load', '-i', file(env, 'unnamed.tar', unnamed)]);
    expect(out).toMatch(/^Loaded image ID: sha256:[a-f0-9]{64}\n$/);
    expect(await env.ok(['images', '--filter', 'dangling=true', '--format', '{{.Repository}}:{{.Tag}}'])).toBe('<none>:<none>\n');
  });

  it('loads a multi-platform OCI layout and unpacks the host platform', async () => {
    const env = newEnv();
    const amd = makeImage([await makeLayer(busyboxRootfs([{ path: 'arch', content: 'amd64\n' }]))], {}, { architecture: 'amd64' });
    const arm = makeImage([await makeLayer(busyboxRootfs([{ path: 'arch', content: 'arm64\n' }]))], {}, { architecture: 'arm64' });
    const idx = makeIndex([
      { image: arm, platform: { os: 'linux', architecture: 'arm64' } },
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
    await env.ok(['load', '-i', file(env, 'multi.tar', await ociLayoutArchive(idx, 'multi:1'))]);
    expect(await env.ok(['image', 'inspect', '--format', '{{.Architecture}}', 'multi:1'])).toBe('amd64\n');
  });

  it('saves images and loads them back into an empty data root', async () => {
    const env = newEnv();
    const a = await busyboxImage({ Cmd: ['sh'] }, [{ path: 'a', content: 'a\n' }]);
    const b = makeImage([a.layers[0]!, await makeLayer([{ path: 'b', content: 'b\n' }])], { Cmd: ['true'] });
    await env.ok(['load', '-i', file(env, 'a.tar', await dockerArchive(a, ['a:1']))]);
    await env.ok(['load', '-i', file(env, 'b.tar', await dockerArchive(b, ['b:1']))]);
    const saved = path.join(env.dataRoot, '..', 'saved.tar');
    await env.ok(['save', '-o', saved, 'a:1', 'b:1']);
    const names = execFileSync('tar', ['tf', saved], { encoding: 'utf8' }).split('\n');
    // docker-archive layers are stored as they came: uncompressed, digest = diffID.
    const shared = a.layers[0]!.diffId.slice(7);
    expect(names).toEqual(expect.arrayContaining(['oci-layout', 'index.json', 'manifest.json', `blobs/sha256/${shared}`]));
    // The shared layer is written once.
    expect(names.filter((n) => n.endsWith(shared))).toHaveLength(1);
    const manifest = JSON.parse(execFileSync('tar', ['xOf', saved, 'manifest.json'], { encoding: 'utf8' })) as { RepoTags: string[] }[];
    expect(manifest.map((m) => m.RepoTags)).toEqual([['a:1'], ['b:1']]);

    const other = newEnv();
    expect(await other.ok(['load', '-i', saved])).toBe('Loaded image: a:1\nLoaded image: b:1\n');
    expect(await other.ok(['image', 'inspect', '--format', '{{.Id}}', 'a:1', 'b:1'])).toBe(`${a.config.digest}\n${b.config.digest}\n`);
    // Two images sharing their base layer share its snapshot.
    expect((await other.ok(['snapshot', 'ls', '-q'])).trim().split('\n')).toHaveLength(2);

    // save to stdout works when stdout is not a terminal.
    const r = spawnSync(process.execPath, [...(process.env.NERDCTL_TEST_BIN ? [process.env.NERDCTL_TEST_BIN] : [path.resolve(__dirname, '../../dist/nerdctl.js')]), ...env.globalArgs, 'save', 'a:1'], { maxBuffer: 64 << 20 });
    expect(r.status).toBe(0);
    expect(r.stdout.subarray(257, 262).toString()).toBe('ustar');
  });

  it.skipIf(!dockerd)('writes archives docker load accepts, and loads what docker save writes', async () => {
    const env = newEnv();
    const tag = `nerdctl-test/saveload:${env.id}`;
    const img = await busyboxImage({ Cmd: ['sh'] }, [{ path: 'marker', content: `${env.id}\n` }]);
    await env.ok(['load', '-i', file(env, 'in.tar', await dockerArchive(img, [tag]))]);
    const ours = path.join(env.dataRoot, '..', 'ours.tar');
    await env.ok(['save', '-o', ours, tag]);
    try {
      expect(execFileSync(DOCKER, ['load', '-i', ours], { encoding: 'utf8' })).toBe(`Loaded image: ${tag}\n`);
      expect(execFileSync(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', tag], { encoding: 'utf8' })).toBe(`${img.config.digest}\n`);
      const theirs = path.join(env.dataRoot, '..', 'theirs.tar');
      execFileSync(DOCKER, ['save', '-o', theirs, tag]);
      const fresh = newEnv();
      expect(await fresh.ok(['load', '-i', theirs])).toBe(`Loaded image: ${tag}\n`);
      expect(await fresh.ok(['image', 'inspect', '--format', '{{.Id}}', tag])).toBe(`${img.config.digest}\n`);
      const mnt = path.join(fresh.dataRoot, '..', 'mnt');
      mkdirSync(mnt);
      await fresh.ok(['image', 'mount', tag, mnt]);
      try {
        expect(readFileSync(path.join(mnt, 'marker'), 'utf8')).toBe(`${env.id}\n`);
      } finally {
        await fresh.ok(['image', 'unmount', mnt]);
      }
    } finally {
      spawnSync(DOCKER, ['rmi', '-f', tag], { stdio: 'ignore' });
    }
  });

  it.each([
    ['not a tar', Buffer.from('this is not an archive\n'.repeat(100))],
    ['a truncated tar', Buffer.alloc(0)],
    ['a tar without image metadata', 'tar'],
    ['a gzip that stops short', 'gzip'],
  ])('refuses %s with one line and leaves nothing behind', async (_name, data) => {
    const env = newEnv();
    let input: Buffer;
    if (data === 'tar') input = await makeTar([{ path: 'hello', content: 'hi' }]);
    else if (data === 'gzip') input = gzipSync(await dockerArchive(await busyboxImage(), ['x:1'])).subarray(0, 5000);
    else if ((data as Buffer).length === 0) input = (await dockerArchive(await busyboxImage(), ['x:1'])).subarray(0, 700_000);
    else input = data as Buffer;
    const r = await env.run(['load', '-i', file(env, 'bad.tar', input)]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^Error: /);
    await expectNothingLeft(env);
  });

  it('refuses a corrupt rootfs tar for import and leaves nothing behind', async () => {
    const env = newEnv();
    const good = await makeTar(busyboxRootfs());
    const bad = Buffer.concat([good.subarray(0, 600_000), Buffer.from('garbage'.repeat(200))]);
    for (const input of [bad, Buffer.alloc(0)]) {
      const r = await env.run(['import', '-', 'broken:1'], { input });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      await expectNothingLeft(env);
    }
    const badChange = await env.run(['import', '-c', 'RUN make', '-', 'x:1'], { input: good });
    expect(badChange.code).toBe(1);
    expect(badChange.stderr.trim()).toBe('Error: RUN is not a valid change command');
    await expectNothingLeft(env);
  });
});
