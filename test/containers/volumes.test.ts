/**
 * Storage of containers: named volumes made on first use and kept, anonymous volumes for image VOLUMEs copied
 * up from the image, `rm -v`, `--volumes-from`, read-only mounts and tmpfs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { busyboxTar, canRunContainers, makeCtrEnv, type CtrEnv } from './helpers.js';

describe.skipIf(!canRunContainers)('container storage', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    expect(await env.cleanup()).toEqual([]);
  });

  const volumesDir = () => join(env.dataRoot, 'volumes', env.namespace);
  const volumeNames = () => (existsSync(volumesDir()) ? readdirSync(volumesDir()).sort() : []);

  it('creates a named volume on first use and keeps its data across containers', async () => {
    await env.ok(['run', '--rm', '--network', 'none', '-v', 'store:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
    expect(volumeNames()).toEqual(['store']);
    expect(readFileSync(join(volumesDir(), 'store', '_data', 'f'), 'utf8')).toBe('kept\n');
    const out = await env.ok(['run', '--rm', '--network', 'none', '-v', 'store:/data:ro', 'busybox', 'sh', '-c', 'cat /data/f; touch /data/g 2>&1 || echo ro']);
    expect(out).toMatch(/^kept\n.*ro\n$/s);
    const m = JSON.parse(await env.ok(['inspect', '-f', '{{json .Mounts}}', (await env.ok(['create', '-v', 'store:/data', '--network', 'none', 'busybox'])).trim()]));
    expect(m).toEqual([{ Type: 'volume', Name: 'store', Source: join(volumesDir(), 'store', '_data'), Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
    // The named volume stays after rm -v; it is in use while a container refers to it.
    await env.ok(['rm', '-f', '-v', ...(await env.ok(['ps', '-aq'])).trim().split('\n')]);
    expect(volumeNames()).toEqual(['store']);
  });

  it('gives image VOLUMEs an anonymous volume with the image content, removed by rm -v', async () => {
    const tar = await busyboxTar('withvol:latest', { Volumes: { '/var/www': {} } });
    await env.ok(['load', '-i', tar]);
    const id = (await env.ok(['run', '-d', '--network', 'none', 'withvol:latest', 'sleep', '100'])).trim();
    const mounts = JSON.parse(await env.ok(['inspect', '-f', '{{json .Mounts}}', id])) as { Name: string; Source: string; Destination: string }[];
    expect(mounts).toHaveLength(1);
    expect(mounts[0]!.Destination).toBe('/var/www');
    expect(mounts[0]!.Name).toMatch(/^[0-9a-f]{64}$/);
    // Copied up from the image at the first start.
    expect(readFileSync(join(mounts[0]!.Source, 'index.html'), 'utf8')).toBe('<h1>hello from busybox httpd</h1>\n');
    // Another container shares it with --volumes-from (read-only here).
    const seen = await env.ok(['run', '--rm', '--network', 'none', '--volumes-from', `${id}:ro`, 'busybox', 'sh', '-c', 'cat /var/www/index.html; touch /var/www/x 2>/dev/null || echo ro']);
    expect(seen).toBe('<h1>hello from busybox httpd</h1>\nro\n');
    await env.ok(['rm', '-f', '-v', id]);
    expect(volumeNames()).toEqual([]);
  });

  it('mounts read-only binds, tmpfs and a read-only rootfs', async () => {
    const out = await env.ok([
      'run', '--rm', '--network', 'none', '--read-only', '--tmpfs', '/scratch:size=1m', '-v', `${env.base}:/host:ro`, 'busybox', 'sh', '-c',
      'touch /x 2>/dev/null || echo rootfs-ro; touch /host/y 2>/dev/null || echo bind-ro; echo t > /scratch/t && cat /scratch/t; grep -c " /scratch tmpfs " /proc/mounts',
    ]);
    expect(out).toBe('rootfs-ro\nbind-ro\nt\n1\n');
  });
});
