import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../../engine/errdefs.js';
import {
  allocateSubnet,
  findNetwork,
  loadNetworks,
  NetworkConfigCache,
  networkInfoFromConfList,
  planNetworkConfig,
  type NetworkInfo,
  type PlanNetworkInput,
} from './config.js';

const ID = 'ab'.repeat(32);

function plan(over: Partial<PlanNetworkInput> & { opts: PlanNetworkInput['opts'] }) {
  return planNetworkConfig({ existing: [], live: [], id: ID, dataRoot: '/data', ...over });
}

function errOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('planNetworkConfig', () => {
  it('plans a bridge network like nerdctl', () => {
    const list = plan({ opts: { name: 'foo', labels: { a: 'b' } } });
    expect(list).toEqual({
      cniVersion: '1.0.0',
      name: 'foo',
      nerdctlID: ID,
      nerdctlLabels: { a: 'b' },
      plugins: [
        {
          type: 'bridge',
          bridge: `br-${ID.slice(0, 12)}`,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: '10.4.1.0/24', gateway: '10.4.1.1' }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: `/data/network/ipam/${ID}`,
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'firewall', ingressPolicy: 'same-bridge' },
        { type: 'tuning' },
      ],
    });
  });

  it('makes internal networks without gateway, masquerade, default route or portmap', () => {
    const list = plan({ opts: { name: 'int', internal: true, subnets: ['10.213.9.0/24'] } });
    const bridge = list.plugins[0]!;
    expect(bridge.isGateway).toBe(false);
    expect(bridge.ipMasq).toBe(false);
    expect((bridge.ipam as { routes?: unknown }).routes).toBeUndefined();
    expect(list.plugins.map((p) => p.type)).toEqual(['bridge', 'firewall', 'tuning']);
  });

  it('honours gateway, ip-range, bridge name and mtu options', () => {
    const list = plan({
      opts: {
        name: 'x',
        subnets: ['10.213.10.0/24'],
        gateways: ['10.213.10.254'],
        ipRanges: ['10.213.10.128/25'],
        options: { 'com.docker.network.bridge.name': 'ntest0', mtu: '1400' },
      },
    });
    const bridge = list.plugins[0]!;
    expect(bridge.bridge).toBe('ntest0');
    expect(bridge.mtu).toBe(1400);
    expect((bridge.ipam as { ranges: unknown }).ranges).toEqual([
      [
        {
          subnet: '10.213.10.0/24',
          gateway: '10.213.10.254',
          rangeStart: '10.213.10.128',
          rangeEnd: '10.213.10.254',
          ipRange: '10.213.10.128/25',
        },
      ],
    ]);
  });

  it('plans macvlan and ipvlan with parent and mode', () => {
    const mac = plan({ opts: { name: 'm', driver: 'macvlan', subnets: ['10.213.11.0/24'], options: { parent: 'dummy0', macvlan_mode: 'bridge' } } });
    expect(mac.plugins).toHaveLength(1);
    expect(mac.plugins[0]).toMatchObject({ type: 'macvlan', master: 'dummy0', mode: 'bridge' });
    const ipv = plan({ opts: { name: 'i', driver: 'ipvlan', subnets: ['10.213.12.0/24'], options: { parent: 'dummy0', ipvlan_mode: 'l3' } } });
    expect(ipv.plugins[0]).toMatchObject({ type: 'ipvlan', master: 'dummy0', mode: 'l3' });
    expect(errOf(() => plan({ opts: { name: 'm', driver: 'macvlan', options: { macvlan_mode: 'x' } } })).message).toMatch(
      /unknown macvlan mode "x"/,
    );
  });

  it('refuses an overlapping subnet with a clear conflict', () => {
    const existing = [networkInfoFromConfList(plan({ opts: { name: 'a', subnets: ['10.213.0.0/16'] } }), {})];
    const err = errOf(() => plan({ opts: { name: 'b', subnets: ['10.213.5.0/24'] }, existing }));
    expect(hasCode(err, 'conflict')).toBe(true);
    expect(err.message).toBe(
      'subnet 10.213.5.0/24 overlaps with other one on this address space (network "a": 10.213.0.0/16)',
    );
  });

  it('allocates the next free /24, skipping configured and live subnets', () => {
    const existing = [networkInfoFromConfList(plan({ opts: { name: 'a', subnets: ['10.4.1.0/24'] }, id: 'ef'.repeat(32) }), {})];
    const list = plan({
      opts: { name: 'b' },
      existing,
      live: [{ cidr: '10.4.2.0/23', owner: 'interface eth9', device: 'eth9' }],
    });
    expect((list.plugins[0]!.ipam as { ranges: { subnet: string }[][] }).ranges[0]![0]!.subnet).toBe('10.4.4.0/24');
  });

  it.each([
    [{ name: 'x', subnets: ['10.213.1.1/24'] }, 'invalid subnet 10.213.1.1/24: it should be 10.213.1.0/24'],
    [{ name: 'x', subnets: ['10.213.1.0/24'], gateways: ['10.213.2.1'] }, 'no matching subnet for gateway 10.213.2.1'],
    [{ name: 'x', options: { foo: 'bar' } }, 'unsupported bridge network option "foo"'],
    [{ name: 'x', options: { mtu: '10' } }, 'invalid MTU 10: must be between 68 and 65535'],
    [{ name: 'x', options: { 'com.docker.network.bridge.name': 'waytoolongbridgename' } }, /invalid bridge name/],
    [{ name: 'x', subnets: ['fd00::/64'] }, 'subnet fd00::/64 is IPv6: pass --ipv6 to enable IPv6'],
  ] as const)('rejects %j', (opts, msg) => {
    const err = errOf(() => plan({ opts }));
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    if (typeof msg === 'string') expect(err.message).toBe(msg);
    else expect(err.message).toMatch(msg);
  });

  it('refuses unknown drivers as not implemented', () => {
    expect(hasCode(errOf(() => plan({ opts: { name: 'x', driver: 'overlay' } })), 'not-implemented')).toBe(true);
  });

  it('refuses a bridge device another network uses', () => {
    const existing = [networkInfoFromConfList(plan({ opts: { name: 'a', subnets: ['10.213.1.0/24'], options: { 'com.docker.network.bridge.name': 'nt1' } } }), {})];
    const err = errOf(() => plan({ opts: { name: 'b', subnets: ['10.213.2.0/24'], options: { 'com.docker.network.bridge.name': 'nt1' } }, existing }));
    expect(hasCode(err, 'conflict')).toBe(true);
  });

  it('plans dual-stack ranges and routes with --ipv6', () => {
    const list = plan({ opts: { name: 'v6', ipv6: true, subnets: ['10.213.3.0/24', 'fd00:213:3::/64'] } });
    const ipam = list.plugins[0]!.ipam as { ranges: unknown; routes: unknown };
    expect(ipam.ranges).toEqual([
      [{ subnet: '10.213.3.0/24', gateway: '10.213.3.1' }],
      [{ subnet: 'fd00:213:3::/64', gateway: 'fd00:213:3::1' }],
    ]);
    expect(ipam.routes).toEqual([{ dst: '0.0.0.0/0' }, { dst: '::/0' }]);
  });
});

describe('allocateSubnet', () => {
  it('stays inside 10.0.0.0/8', () => {
    const err = errOf(() => allocateSubnet([{ cidr: '10.0.0.0/8', owner: 'x' }]));
    expect(hasCode(err, 'unavailable')).toBe(true);
  });
});

describe('networkInfoFromConfList and findNetwork', () => {
  const a = networkInfoFromConfList(
    plan({ opts: { name: 'alpha', subnets: ['10.213.1.0/24'], options: { mtu: '1450' } } }),
    { file: '/x/nerdctl-alpha.conflist' },
  );
  const b = networkInfoFromConfList(
    planNetworkConfig({ opts: { name: 'beta', internal: true, subnets: ['10.213.2.0/24'] }, existing: [], live: [], id: 'cd'.repeat(32), dataRoot: '/d' }),
    {},
  );

  it('derives Docker-visible fields', () => {
    expect(a).toMatchObject({
      name: 'alpha',
      id: ID,
      driver: 'bridge',
      internal: false,
      enableIPv6: false,
      ipamDriver: 'default',
      ipam: [{ subnet: '10.213.1.0/24', gateway: '10.213.1.1' }],
      options: { 'com.docker.network.bridge.name': `br-${ID.slice(0, 12)}`, 'com.docker.network.driver.mtu': '1450' },
      bridge: `br-${ID.slice(0, 12)}`,
      isDefault: false,
      managed: true,
    });
    expect(b.internal).toBe(true);
  });

  const nets: NetworkInfo[] = [a, b];
  it.each([
    ['alpha', 'alpha'],
    [ID, 'alpha'],
    [ID.slice(0, 12), 'alpha'],
    ['cdcd', 'beta'],
    ['host', 'host'],
    ['none', 'none'],
  ])('resolves %s', (ref, name) => {
    expect(findNetwork(nets, ref).name).toBe(name);
  });

  it('reports unknown and ambiguous references', () => {
    expect(hasCode(errOf(() => findNetwork(nets, 'nope')), 'not-found')).toBe(true);
    const twin = { ...b, name: 'gamma', id: 'ab'.repeat(31) + 'ff' };
    expect(errOf(() => findNetwork([...nets, twin], 'abab')).message).toMatch(/ambiguous/);
  });
});

describe('NetworkConfigCache', () => {
  it('serves parsed configs while the directories are unchanged, and reads again after a change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netcache-'));
    try {
      const conf = (name: string) => JSON.stringify({ cniVersion: '1.0.0', name, plugins: [{ type: 'bridge', bridge: `br-${name}` }] });
      writeFileSync(join(dir, 'nerdctl-a.conflist'), conf('a'));
      const past = new Date(Date.now() - 60_000);
      utimesSync(dir, past, past);
      const env = { netconfPath: dir, dataRoot: dir, cniPaths: [], cache: new NetworkConfigCache() };
      const first = await loadNetworks(env, 'ns1');
      expect(first.map((n) => n.name)).toEqual(['a']);
      expect(await loadNetworks(env, 'ns1')).toBe(first);
      // A new file changes the directory: read again (and not trusted while the change is fresh).
      writeFileSync(join(dir, 'nerdctl-b.conflist'), conf('b'));
      const second = await loadNetworks(env, 'ns1');
      expect(second.map((n) => n.name)).toEqual(['a', 'b']);
      expect(await loadNetworks(env, 'ns1')).not.toBe(second);
      utimesSync(dir, past, new Date(Date.now() - 30_000));
      const settled = await loadNetworks(env, 'ns1');
      expect(await loadNetworks(env, 'ns1')).toBe(settled);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
