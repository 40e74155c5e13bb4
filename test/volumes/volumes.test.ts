/**
 * `volume create|ls|inspect|rm|prune` through the built CLI, with real containers using the volumes (in-use
 * refusal, anonymous volumes left by containers, sizes of data written from inside a container).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canRunContainers, makeCtrEnv, type CtrEnv } from '../containers/helpers.js';

const PRUNE_ANON = 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ';
const PRUNE_ALL = 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ';

describe.skipIf(!canRunContainers)('volume commands', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    const leaks = await env.cleanup();
    expect(leaks).toEqual([]);
  });

  it('creates, lists, filters, inspects and removes volumes', async () => {
    expect(await env.ok(['volume', 'create', '--label', 'app=db', '--label', 'tier', 'data1'])).toBe('data1\n');
    expect(await env.ok(['volume', 'create', 'data1'])).toBe('data1\n'); // idempotent, as Docker
    const anon = (await env.ok(['volume', 'create'])).trim();
    expect(anon).toMatch(/^[0-9a-f]{64}$/);

    const ls = await env.ok(['volume', 'ls']);
    const sorted = [anon, 'data1'].sort();
    expect(ls).toBe(`DRIVER    VOLUME NAME\n${sorted.map((n) => `local     ${n}\n`).join('')}`);
    expect(await env.ok(['volume', 'ls', '-q', '--filter', 'label=app=db'])).toBe('data1\n');
    expect(await env.ok(['volume', 'ls', '-q', '--filter', 'label=tier', '--filter', 'label=app'])).toBe('data1\n');
    expect(await env.ok(['volume', 'ls', '-q', '--filter', 'name=^data'])).toBe('data1\n');
    expect(await env.ok(['volume', 'ls', '-q', '--filter', 'driver=local', '--filter', 'dangling=true'])).toBe(sorted.map((n) => `${n}\n`).join(''));
    expect(await env.ok(['volume', 'ls', '--format', '{{.Name}} {{.Labels}} {{.Label "app"}}', '--filter', 'name=data1'])).toBe('data1 app=db,tier= db\n');
    const bad = await env.run(['volume', 'ls', '--filter', 'dangling=maybe']);
    expect(bad).toMatchObject({ code: 1, stderr: "Error: invalid filter 'dangling=[maybe]'\n" });

    const [v] = JSON.parse(await env.ok(['volume', 'inspect', 'data1'])) as Record<string, unknown>[];
    expect(Object.keys(v!)).toEqual(['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    expect(v).toMatchObject({
      Driver: 'local',
      Labels: { app: 'db', tier: '' },
      Mountpoint: join(env.dataRoot, 'volumes', env.namespace, 'data1', '_data'),
      Name: 'data1',
      Options: {},
      Scope: 'local',
    });
    expect(v!.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(statSync(v!.Mountpoint as string).isDirectory()).toBe(true);
    expect(await env.ok(['volume', 'inspect', '-f', '{{.Name}}:{{.Driver}}', 'data1', anon])).toBe(`data1:local\n${anon}:local\n`);
    const missing = await env.run(['volume', 'inspect', 'nosuch']);
    expect(missing).toMatchObject({ code: 1, stdout: '[]\n', stderr: 'Error: No such volume: nosuch\n' });

    const rm = await env.run(['volume', 'rm', 'data1', 'nosuch', anon]);
    expect(rm).toMatchObject({ code: 1, stdout: `data1\n${anon}\n`, stderr: 'Error: No such volume: nosuch\n' });
    expect(await env.run(['volume', 'rm', '-f', 'nosuch'])).toMatchObject({ code: 0, stdout: 'nosuch\n' });
    expect(await env.ok(['volume', 'ls', '-q'])).toBe('');
    expect(existsSync(join(env.dataRoot, 'volumes', env.namespace, 'data1'))).toBe(false);
  });

  it('refuses clearly to remove a volume a container uses, running or not', async () => {
    const running = (await env.ok(['run', '-d', '--network', 'none', '-v', 'busy:/data', 'busybox', 'sleep', '300'])).trim();
    const r = await env.run(['volume', 'rm', 'busy']);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `Error: remove busy: volume is in use - [${running}]\n` });
    // -f forgives a missing volume only, as Docker's does.
    expect((await env.run(['volume', 'rm', '-f', 'busy'])).code).toBe(1);
    expect(await env.ok(['volume', 'ls', '-q', '--filter', 'dangling=false'])).toBe('busy\n');
    await env.ok(['rm', '-f', running]);

    const created = (await env.ok(['create', '--network', 'none', '-v', 'busy:/data', 'busybox', 'true'])).trim();
    expect((await env.run(['volume', 'rm', 'busy'])).stderr).toBe(`Error: remove busy: volume is in use - [${created}]\n`);
    await env.ok(['rm', created]);
    expect(await env.ok(['volume', 'rm', 'busy'])).toBe('busy\n');
  });

  it('prunes anonymous volumes by default and every unused one with -a, reporting Docker sizes', async () => {
    // An anonymous volume left behind by a container removed without -v, with 100 kB written into it.
    const c = (await env.ok(['run', '--network', 'none', '-v', '/data', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/data/f bs=1000 count=100 2>/dev/null; echo done'])).trim();
    expect(c).toBe('done');
    const ids = (await env.ok(['ps', '-aq'])).trim();
    const anon = JSON.parse(await env.ok(['inspect', '--format', '{{json .Mounts}}', ids])) as { Name: string }[];
    await env.ok(['rm', ids]);
    await env.ok(['volume', 'create', '--label', 'keep=no', 'named1']);
    await env.ok(['volume', 'create', 'named2']);
    const inUse = (await env.ok(['run', '-d', '--network', 'none', '-v', 'named3:/x', 'busybox', 'sleep', '300'])).trim();

    expect(await env.run(['volume', 'prune'], { input: 'n\n' })).toMatchObject({ code: 0, stdout: `${PRUNE_ANON}Total reclaimed space: 0B\n` });
    const first = await env.run(['volume', 'prune'], { input: 'y\n' });
    expect(first.stdout).toBe(`${PRUNE_ANON}Deleted Volumes:\n${anon[0]!.Name}\n\nTotal reclaimed space: 100kB\n`);
    expect(await env.ok(['volume', 'ls', '-q'])).toBe('named1\nnamed2\nnamed3\n');

    expect(await env.ok(['volume', 'prune', '-af', '--filter', 'label=keep=no'])).toBe('Deleted Volumes:\nnamed1\n\nTotal reclaimed space: 0B\n');
    const all = await env.run(['volume', 'prune', '-a'], { input: 'y\n' });
    expect(all.stdout).toBe(`${PRUNE_ALL}Deleted Volumes:\nnamed2\n\nTotal reclaimed space: 0B\n`);
    expect(await env.ok(['volume', 'prune', '-af'])).toBe('Total reclaimed space: 0B\n');
    expect(await env.ok(['volume', 'ls', '-q'])).toBe('named3\n');
    await env.ok(['rm', '-f', inUse]);
  });
});
