/**
 * `__complete` against a real data root: the names come from the stores the typed global flags select, read-only.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, createTestEnv, type TestEnv } from '../helpers/cli.js';
import { busyboxImage, dockerArchive } from '../helpers/image-fixtures.js';

let env: TestEnv;

function complete(...words: string[]): string[] {
  const r = spawnSync(process.execPath, [BIN, '__complete', ...env.globalArgs, ...words], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stderr).not.toMatch(/Error/);
  const lines = r.stdout.trim().split('\n');
  expect(lines.pop()).toMatch(/^:\d+$/);
  return lines.map((l) => l.split('\t')[0]!);
}

beforeAll(async () => {
  env = createTestEnv('complete-data');
  await env.ok(['load'], { input: await dockerArchive(await busyboxImage(), ['example.com/tools/busybox:1.0']) });
  await env.ok(['create', '--name', 'stopped-one', '--network', 'none', 'example.com/tools/busybox:1.0', 'true']);
  await env.ok(['volume', 'create', 'cache-vol']);
  await env.ok(['network', 'create', '--subnet', '10.219.7.0/24', `net-${env.id}`]);
}, 120_000);

afterAll(async () => {
  await env.run(['network', 'rm', `net-${env.id}`]);
  await env.cleanup();
});

describe('__complete with the engine-backed data', () => {
  it('offers stopped containers to start and none to exec', () => {
    expect(complete('start', '')).toEqual(['stopped-one']);
    expect(complete('exec', '')).toEqual([]);
    expect(complete('rm', '')).toContain('stopped-one');
  });

  it('offers local images, volumes and networks', () => {
    expect(complete('rmi', '')).toContain('example.com/tools/busybox:1.0');
    expect(complete('volume', 'rm', '')).toEqual(['cache-vol']);
    const nets = complete('run', '--network', '');
    expect(nets).toEqual(expect.arrayContaining(['bridge', 'host', 'none', `net-${env.id}`]));
  });

  it('offers namespaces and never writes to the database', () => {
    const db = join(env.dataRoot, 'meta.db');
    const before = statSync(db).mtimeMs;
    expect(complete('--namespace', '')).toContain(env.namespace);
    expect(statSync(db).mtimeMs).toBe(before);
  });

  it('answers with no names for a data root that does not exist', () => {
    const r = spawnSync(process.execPath, [BIN, '__complete', '--data-root', '/nonexistent/nerdctl', 'start', ''], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([':4']);
  });
});
