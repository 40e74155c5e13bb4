/**
 * Networks with real containers: `network connect|disconnect` of running and stopped containers (name and alias
 * resolution through the peers' hosts files, addresses in inspect), `network rm` refused while a running
 * container is attached, and `network prune` keeping networks of running containers only, as Docker does.
 */
import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canRunContainers, makeCtrEnv, type CtrEnv } from '../containers/helpers.js';

function freeSubnet(): string {
  const used = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((a) => /^10\.217\.(\d+)\./.exec(a?.address ?? '')?.[1]),
  );
  for (;;) {
    const x = String(1 + Math.floor(Math.random() * 250));
    if (!used.has(x)) return `10.217.${x}.0/24`;
  }
}

const networksOf = async (env: CtrEnv, c: string): Promise<Record<string, { IPAddress: string; Aliases: string[] | null }>> =>
  JSON.parse(await env.ok(['inspect', '--format', '{{json .NetworkSettings.Networks}}', c])) as Record<string, { IPAddress: string; Aliases: string[] | null }>;

describe.skipIf(!canRunContainers)('networks with containers', () => {
  let env: CtrEnv;
  let net: string;
  beforeEach(async () => {
    env = await makeCtrEnv();
    net = `${env.id}net`;
    await env.ok(['network', 'create', '--subnet', freeSubnet(), '-o', `com.docker.network.bridge.name=${env.id}u`, net]);
  });
  afterEach(async () => {
    const leaks = await env.cleanup();
    expect(leaks).toEqual([]);
  });

  it('connects and disconnects a running container; peers resolve it by name and alias', async () => {
    await env.ok(['run', '-d', '--name', 'server', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']);
    await env.ok(['run', '-d', '--name', 'client', '--network', net, 'busybox', 'sleep', '300']);
    expect(Object.keys(await networksOf(env, 'server'))).toEqual(['bridge']);

    expect(await env.run(['network', 'connect', '--alias', 'web', net, 'server'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const nets = await networksOf(env, 'server');
    expect(Object.keys(nets).sort()).toEqual(['bridge', net].sort());
    expect(nets[net]!.IPAddress).toMatch(/^10\.217\.\d+\.\d+$/);
    const [inspected] = JSON.parse(await env.ok(['network', 'inspect', net])) as { Containers: Record<string, { Name: string }> }[];
    expect(Object.values(inspected!.Containers).map((c) => c.Name).sort()).toEqual(['client', 'server']);

    const fetched = await env.ok([
      'exec', 'client', 'sh', '-c',
      'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://server/ && wget -q -O - http://web/ && break; sleep 0.3; done',
    ]);
    expect(fetched).toBe('<h1>hello from busybox httpd</h1>\n<h1>hello from busybox httpd</h1>\n');

    const again = await env.run(['network', 'connect', net, 'server']);
    expect(again).toMatchObject({ code: 1, stderr: `Error: endpoint with name server already exists in network ${net}\n` });

    expect(await env.run(['network', 'disconnect', net, 'server'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(Object.keys(await networksOf(env, 'server'))).toEqual(['bridge']);
    expect(await env.ok(['exec', 'client', 'cat', '/etc/hosts'])).not.toMatch(/\bserver\b/);
    const id = (await env.ok(['inspect', '--format', '{{.Id}}', 'server'])).trim();
    expect(await env.run(['network', 'disconnect', net, 'server'])).toMatchObject({
      code: 1,
      stderr: `Error: container ${id} is not connected to network ${net}\n`,
    });
    expect((await env.run(['network', 'connect', net, 'nosuch'])).stderr).toBe('Error: No such container: nosuch\n');
    expect((await env.run(['network', 'connect', 'nosuch', 'server'])).stderr).toBe('Error: No such network: nosuch\n');

    const events = await env.ok(['events', '--since', '5m', '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=network', '--format', '{{.Action}} {{.Actor.Attributes.container}}']);
    expect(events).toContain(`connect ${id}\n`);
    expect(events).toContain(`disconnect ${id}\n`);
  });

  it('records a connect of a stopped container and attaches it at start, across restarts', async () => {
    await env.ok(['create', '--name', 'later', 'busybox', 'sleep', '300']);
    await env.ok(['network', 'connect', net, 'later']);
    await env.ok(['start', 'later']);
    const nets = await networksOf(env, 'later');
    expect(Object.keys(nets).sort()).toEqual(['bridge', net].sort());
    expect(nets[net]!.IPAddress).not.toBe('');
    await env.ok(['restart', '-t', '1', 'later']);
    expect(Object.keys(await networksOf(env, 'later')).sort()).toEqual(['bridge', net].sort());
    await env.ok(['stop', '-t', '1', 'later']);
    await env.ok(['network', 'disconnect', net, 'later']);
    await env.ok(['start', 'later']);
    expect(Object.keys(await networksOf(env, 'later'))).toEqual(['bridge']);
  });

  it('refuses to remove a network a running container uses; stopped containers do not hold it', async () => {
    const id = (await env.ok(['run', '-d', '--name', 'user1', '--network', net, 'busybox', 'sleep', '300'])).trim();
    const r = await env.run(['network', 'rm', net]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Error: error while removing network: network ${net} id [0-9a-f]{64} has active endpoints \\(name:"user1" id:"${id.slice(0, 12)}"\\)\\n$`));
    // prune keeps it too.
    expect(await env.ok(['network', 'prune', '-f'])).toBe('');
    await env.ok(['stop', '-t', '1', 'user1']);
    // Docker: a network only stopped containers refer to is not in use (nerdctl's test too).
    expect(await env.ok(['network', 'prune', '-f'])).toBe(`Deleted Networks:\n${net}\n\n`);
    expect((await env.run(['network', 'inspect', net])).code).toBe(1);
  });
});
