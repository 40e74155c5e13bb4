/**
 * Container and volume events recorded by the containers service, read back through `events`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canRunContainers, makeCtrEnv, type CtrEnv } from '../containers/helpers.js';

/** --until covering everything so far (see events.test.ts). */
const nextSecond = (): string => String(Math.floor(Date.now() / 1000) + 1);

describe.skipIf(!canRunContainers)('container events', () => {
  let env: CtrEnv;
  let t0: string;
  beforeEach(async () => {
    env = await makeCtrEnv();
    t0 = String(Math.floor(Date.now() / 1000) - 1);
  });
  afterEach(async () => {
    const leaks = await env.cleanup();
    expect(leaks).toEqual([]);
  });

  const events = async (...args: string[]) => env.ok(['events', '--since', t0, '--until', nextSecond(), ...args]);

  it('records the lifecycle in Docker order with Docker attributes', async () => {
    const id = (await env.ok(['run', '-d', '--name', 'evc', '--label', 'tier=web', '--network', 'none', 'busybox', 'sleep', '300'])).trim();
    await env.ok(['pause', 'evc']);
    await env.ok(['unpause', 'evc']);
    await env.ok(['exec', 'evc', 'true']);
    await env.ok(['rename', 'evc', 'evc2']);
    await env.ok(['kill', 'evc2']);
    await env.ok(['rm', 'evc2']);

    const actions = (await events('--filter', `container=${id}`, '--format', '{{.Action}}')).trim().split('\n');
    expect(actions).toEqual([
      'create',
      'start',
      'pause',
      'unpause',
      'exec_create: true',
      'exec_start: true',
      'exec_die',
      'rename',
      'kill',
      'die',
      'destroy',
    ]);
    const [create] = (await events('--filter', 'event=create', '--filter', 'type=container', '--format', '{{json .}}')).trim().split('\n');
    expect(JSON.parse(create!)).toMatchObject({
      status: 'create',
      id,
      from: 'busybox',
      Type: 'container',
      Action: 'create',
      Actor: { ID: id, Attributes: { image: 'busybox', name: 'evc', tier: 'web' } },
      scope: 'local',
    });
    expect(await events('--filter', 'event=die', '--format', '{{.Actor.Attributes.exitCode}} {{.Actor.Attributes.name}}')).toBe('137 evc2\n');
    expect(await events('--filter', 'event=kill', '--format', '{{.Actor.Attributes.signal}}')).toBe('9\n');
    expect(await events('--filter', 'event=rename', '--format', '{{.Actor.Attributes.oldName}} {{.Actor.Attributes.name}}')).toBe('/evc evc2\n');
    expect((await events('--filter', 'label=tier=web', '--format', '{{.Action}}')).trim().split('\n')).toHaveLength(actions.length);
    expect(await events('--filter', 'label=tier=db')).toBe('');
    expect((await events('--filter', 'image=busybox', '--filter', 'event=start')).trim().split('\n')).toHaveLength(1);
  });

  it('records network connect before start and disconnect after die, with the network and container', async () => {
    const id = (await env.ok(['create', '--name', 'nw', 'busybox', 'true'])).trim();
    await env.ok(['start', '-a', 'nw']);
    const all = (await events('--filter', 'type=container', '--filter', 'type=network', '--format', '{{.Type}} {{.Action}}')).trim().split('\n');
    expect(all).toEqual(['container create', 'container attach', 'network connect', 'container start', 'container die', 'network disconnect']);
    const net = (await events('--filter', 'type=network', '--format', '{{.Actor.Attributes.name}} {{.Actor.Attributes.type}} {{.Actor.Attributes.container}}')).trim().split('\n');
    expect(net).toEqual([`bridge bridge ${id}`, `bridge bridge ${id}`]);
    await env.ok(['rm', 'nw']);
  });

  it('records attach for a foreground run, stop as kill/die/stop, and volume events', async () => {
    await env.ok(['run', '--name', 'fg', '--network', 'none', '-v', 'evvol:/data', 'busybox', 'true']);
    const fg = (await events('--filter', 'container=fg', '--format', '{{.Action}}')).trim().split('\n');
    expect(fg).toEqual(['create', 'attach', 'start', 'die']);
    const vol = (await events('--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "destination"}}')).replace(/\n$/, '').split('\n');
    expect(vol).toEqual(['create evvol ', 'mount evvol /data', 'unmount evvol ']);

    await env.ok(['run', '-d', '--name', 'st', '--network', 'none', 'busybox', 'sleep', '300']);
    await env.ok(['stop', '-t', '1', 'st']);
    const st = (await events('--filter', 'container=st', '--format', '{{.Action}} {{index .Actor.Attributes "signal"}}{{index .Actor.Attributes "exitCode"}}')).replace(/\n$/, '').split('\n');
    expect(st).toEqual(['create ', 'start ', 'kill 15', 'die 137', 'stop ']);
    await env.ok(['rm', 'fg']);
    await env.ok(['volume', 'rm', 'evvol']);
    expect(await events('--filter', 'type=volume', '--filter', 'event=destroy', '--format', '{{.Actor.ID}}')).toBe('evvol\n');
  });
});
