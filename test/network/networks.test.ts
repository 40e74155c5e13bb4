/**
 * Network configs against the real filesystem and plugins: create, list, inspect, remove, overlap refusal,
 * namespaces, the default network.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/engine/errdefs.js';
import { canRun, cleanupEnv, containerId, freeSubnets, iptablesDump, linkExists, makeEnv, type NetTestEnv } from './helpers.js';

describe.skipIf(!canRun)('network configs', () => {
  let env: NetTestEnv;
  beforeEach(() => {
    env = makeEnv();
  });
  afterEach(async () => {
    expect(await cleanupEnv(env)).toEqual([]);
  });

  it('creates, lists, inspects and removes a user bridge network', async () => {
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, {
      name: `${env.id}-a`,
      subnets: [subnet!],
      labels: { team: 'x' },
      options: { 'com.docker.network.bridge.name': `${env.id}a`, mtu: '1400' },
    });
    expect(net.file).toBe(join(env.netconfPath, 'nettest', `nerdctl-${env.id}-a.conflist`));
    const onDisk = JSON.parse(readFileSync(net.file!, 'utf8')) as Record<string, unknown>;
    expect(onDisk).toMatchObject({ cniVersion: '1.0.0', name: `${env.id}-a`, nerdctlID: net.id, nerdctlLabels: { team: 'x' } });
    expect(net.id).toMatch(/^[0-9a-f]{64}$/);

    const names = (await env.nets.listNetworks(env.ctx)).map((n) => n.name);
    expect(names).toEqual(['bridge', 'host', 'none', `${env.id}-a`]);

    for (const ref of [`${env.id}-a`, net.id, net.id.slice(0, 12)]) {
      expect((await env.nets.getNetwork(env.ctx, ref)).id).toBe(net.id);
    }
    const inspect = await env.nets.inspectNetwork(env.ctx, net);
    expect(inspect).toEqual({
      Name: `${env.id}-a`,
      Id: net.id,
      Created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: subnet, Gateway: subnet!.replace(/0\/24$/, '1') }] },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: {},
      Options: { 'com.docker.network.bridge.name': `${env.id}a`, 'com.docker.network.driver.mtu': '1400' },
      Labels: { team: 'x' },
    });

    // The bridge device exists once a container used the network; rm deletes it and the IPAM data.
    const id = containerId();
    env.containers.add(id);
    await env.nets.attach(env.ctx, { containerId: id, hostname: 'h', network: { mode: 'cni', networks: [{ network: net.name }] } });
    expect(linkExists(`${env.id}a`)).toBe(true);
    const inUse = await env.nets.removeNetwork(env.ctx, net.name).catch((e: unknown) => e);
    expect(hasCode(inUse, 'failed-precondition')).toBe(true);
    expect((inUse as Error).message).toMatch(/is in use by container/);
    await env.nets.detach(env.ctx, id);
    await env.nets.removeNetwork(env.ctx, net.name);
    expect(existsSync(net.file!)).toBe(false);
    expect(linkExists(`${env.id}a`)).toBe(false);
    expect(iptablesDump()).not.toContain(`${env.id}a`);
    expect(existsSync(net.ipamDataDir!)).toBe(false);
    await expect(env.nets.getNetwork(env.ctx, net.name)).rejects.toThrow(`network "${net.name}": not found`);
  });

  it('refuses an overlapping subnet and a duplicate name, and allocates free subnets', async () => {
    const [subnet] = freeSubnets(1);
    await env.nets.createNetwork(env.ctx, { name: `${env.id}-a`, subnets: [subnet!] });
    const overlap = await env.nets
      .createNetwork(env.ctx, { name: `${env.id}-b`, subnets: [subnet!.replace(/\.0\/24$/, '.128/25')] })
      .catch((e: unknown) => e);
    expect(hasCode(overlap, 'conflict')).toBe(true);
    expect((overlap as Error).message).toBe(
      `subnet ${subnet!.replace(/\.0\/24$/, '.128/25')} overlaps with other one on this address space (network "${env.id}-a": ${subnet})`,
    );
    const dup = await env.nets.createNetwork(env.ctx, { name: `${env.id}-a`, subnets: [] }).catch((e: unknown) => e);
    expect(hasCode(dup, 'already-exists')).toBe(true);
    const host = await env.nets.createNetwork(env.ctx, { name: 'host' }).catch((e: unknown) => e);
    expect(hasCode(host, 'already-exists')).toBe(true);

    // Automatic subnets: distinct /24s from 10.4.1.0/24 upwards, never overlapping one another.
    const a = await env.nets.createNetwork(env.ctx, { name: `${env.id}-c` });
    const b = await env.nets.createNetwork(env.ctx, { name: `${env.id}-d` });
    expect(a.ipam[0]!.subnet).toMatch(/^10\.\d+\.\d+\.0\/24$/);
    expect(b.ipam[0]!.subnet).not.toBe(a.ipam[0]!.subnet);
  });

  it('keeps networks of other namespaces private but the default-namespace ones global', async () => {
    const [s1, s2] = freeSubnets(2);
    const other = { ...env.ctx, namespace: 'default' };
    const global = await env.nets.createNetwork(other, { name: `${env.id}-g`, subnets: [s1!] });
    expect(global.file).toBe(join(env.netconfPath, `nerdctl-${env.id}-g.conflist`));
    const priv = await env.nets.createNetwork(env.ctx, { name: `${env.id}-p`, subnets: [s2!] });
    expect((await env.nets.listNetworks(other)).map((n) => n.name)).not.toContain(priv.name);
    expect((await env.nets.listNetworks(env.ctx)).map((n) => n.name)).toContain(global.name);
    await env.nets.removeNetwork(other, global.name);
  });

  it('creates the default network on first use with its marker label and refuses to remove it', async () => {
    const def = await env.nets.getNetwork(env.ctx, 'bridge');
    expect(def.isDefault).toBe(true);
    expect(def.bridge).toBe(`${env.id}d`);
    expect(def.labels).toEqual({ 'nerdctl/default-network': 'true' });
    expect(def.file).toBe(join(env.netconfPath, 'nerdctl-bridge.conflist'));
    const inspect = await env.nets.inspectNetwork(env.ctx, def);
    expect(inspect.Labels).toEqual({});
    expect(inspect.Options['com.docker.network.bridge.default_bridge']).toBe('true');
    const err = await env.nets.removeNetwork(env.ctx, 'bridge').catch((e: unknown) => e);
    expect((err as Error).message).toBe('bridge is a pre-defined network and cannot be removed');
    const host = await env.nets.inspectNetwork(env.ctx, await env.nets.getNetwork(env.ctx, 'host'));
    expect(host).toMatchObject({ Name: 'host', Driver: 'host', IPAM: { Options: null, Config: [] } });
  });

  it('prunes unused user networks only', async () => {
    const [s1, s2] = freeSubnets(2);
    const used = await env.nets.createNetwork(env.ctx, { name: `${env.id}-u`, subnets: [s1!] });
    await env.nets.createNetwork(env.ctx, { name: `${env.id}-x`, subnets: [s2!] });
    const id = containerId();
    env.containers.add(id);
    await env.nets.attach(env.ctx, { containerId: id, hostname: 'h', network: { mode: 'cni', networks: [{ network: used.name }] } });
    const removed = await env.nets.pruneNetworks(env.ctx);
    expect(removed.map((n) => n.name)).toEqual([`${env.id}-x`]);
    expect((await env.nets.listNetworks(env.ctx)).map((n) => n.name)).toContain(used.name);
  });
});
