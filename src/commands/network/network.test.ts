import { describe, expect, it } from 'vitest';
import { hasCode } from '../../engine/errdefs.js';
import type { NetworkInfo } from '../../network/index.js';
import { FilterArgs } from '../_lib/filter.js';
import { formatListing } from '../_lib/format.js';
import { toNetworkCreateOptions, type NetworkCreateFlags } from './create.js';
import { filterNetworks } from './ls.js';
import { deletedNetworksText, networkPruneMatch } from './prune.js';
import { activeEndpointsError } from './rm.js';
import { defaultNetworkFromEnv, joinLabels, naturalCompare, networkRow, parseKeyValues, rfc3339ToNano } from './shared.js';

function net(name: string, over: Partial<NetworkInfo> = {}): NetworkInfo {
  return {
    name,
    id: `${name.length.toString(16).padStart(2, '0')}${'ab'.repeat(31)}`,
    driver: 'bridge',
    labels: {},
    created: '2024-01-02T03:04:05.123456789Z',
    internal: false,
    enableIPv6: false,
    ipamDriver: 'default',
    ipam: [],
    options: {},
    isDefault: false,
    pseudo: false,
    managed: true,
    ...over,
  };
}

const flags = (over: Partial<NetworkCreateFlags> = {}): NetworkCreateFlags => ({
  driver: 'bridge',
  subnet: [],
  gateway: [],
  'ip-range': [],
  'ipam-driver': 'default',
  internal: false,
  ipv6: false,
  label: [],
  opt: [],
  ...over,
});

describe('toNetworkCreateOptions', () => {
  it('maps Docker flags to the network layer options', () => {
    expect(
      toNetworkCreateOptions('n1', flags({ subnet: ['10.9.0.0/24'], gateway: ['10.9.0.254'], 'ip-range': ['10.9.0.128/25'], label: ['a=b', 'c'], opt: ['mtu=1400'], internal: true })),
    ).toEqual({
      name: 'n1',
      driver: 'bridge',
      subnets: ['10.9.0.0/24'],
      gateways: ['10.9.0.254'],
      ipRanges: ['10.9.0.128/25'],
      ipamDriver: 'default',
      internal: true,
      ipv6: false,
      labels: { a: 'b', c: '' },
      options: { mtu: '1400' },
    });
  });

  it('refuses gateways or ranges without a subnet, as Docker does', () => {
    expect(() => toNetworkCreateOptions('n', flags({ gateway: ['10.0.0.1'] }))).toThrow('every ip-range or gateway must have a corresponding subnet');
  });
});

describe('parseKeyValues', () => {
  it('reads k=v and bare keys; values may hold =', () => {
    expect(parseKeyValues(['a=1', 'b', 'c=x=y', 'a=2'])).toEqual({ a: '2', b: '', c: 'x=y' });
  });
  it('refuses an empty key', () => {
    expect(() => parseKeyValues(['=v'])).toThrow('invalid label "=v"');
  });
});

describe('helpers', () => {
  it('joins labels sorted', () => expect(joinLabels({ z: '1', a: '2' })).toBe('a=2,z=1'));
  it('sorts names naturally', () => {
    expect(['net10', 'net2', 'bridge', 'net1', 'host'].sort(naturalCompare)).toEqual(['bridge', 'host', 'net1', 'net2', 'net10']);
  });
  it('parses RFC 3339 with nanoseconds', () => {
    expect(rfc3339ToNano('2024-01-02T03:04:05.123456789Z')).toBe(1704164645123456789n);
    expect(rfc3339ToNano('2024-01-02T04:04:05+01:00')).toBe(1704164645000000000n);
    expect(rfc3339ToNano('garbage')).toBeUndefined();
  });
  it('reads the default network settings from the environment', () => {
    expect(defaultNetworkFromEnv({})).toBeUndefined();
    expect(defaultNetworkFromEnv({ NERDCTL_DEFAULT_NETWORK_SUBNET: '10.213.5.0/24', NERDCTL_DEFAULT_BRIDGE: 'tbr0' })).toEqual({
      subnet: '10.213.5.0/24',
      bridge: 'tbr0',
    });
  });
});

describe('network ls rows', () => {
  const rows = [networkRow(net('bridge', { isDefault: true, labels: { 'nerdctl/default-network': 'true' } }), false), networkRow(net('web', { labels: { 'com.example.tier': 'front', a: 'b' } }), false)];

  it('prints Docker default table', () => {
    const out = formatListing(rows, {
      defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
      headers: { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE' },
      quietField: (r) => r.ID,
    });
    expect(out).toBe(
      ['NETWORK ID     NAME      DRIVER    SCOPE', '06ababababab   bridge    bridge    local', '03ababababab   web       bridge    local', ''].join('\n'),
    );
  });

  it('hides internal labels and supports .Label', () => {
    expect(rows[0]!.Labels).toBe('');
    expect(rows[1]!.Labels).toBe('a=b,com.example.tier=front');
    expect(rows[1]!.Label('com.example.tier')).toBe('front');
    const out = formatListing(rows, { format: '{{json .}}', defaultFormat: '', headers: {}, quietField: (r) => r.ID });
    expect(JSON.parse(out.split('\n')[1]!)).toMatchObject({ Driver: 'bridge', IPv6: 'false', Internal: 'false', Name: 'web', Scope: 'local' });
  });
});

describe('filterNetworks', () => {
  const nets = [
    net('bridge', { isDefault: true }),
    net('host', { pseudo: true, driver: 'host' }),
    net('frontend', { labels: { tier: 'front' } }),
    net('backend', { driver: 'macvlan', labels: { tier: 'back' } }),
  ];
  const names = (f: string[], attached = new Set<string>()) => filterNetworks(nets, FilterArgs.parse(f), attached).map((n) => n.name);

  it.each([
    [['driver=macvlan'], ['backend']],
    [['name=end'], ['frontend', 'backend']],
    [['name=^front'], ['frontend']],
    [['label=tier=front'], ['frontend']],
    [['label=tier'], ['frontend', 'backend']],
    [['type=builtin'], ['bridge', 'host']],
    [['type=custom'], ['frontend', 'backend']],
    [['scope=local', 'driver=bridge'], ['bridge', 'frontend']],
  ])('%j gives %j', (f, want) => expect(names(f)).toEqual(want));

  it('matches id prefixes', () => {
    expect(names([`id=${nets[3]!.id.slice(0, 4)}`])).toEqual(['backend']);
  });

  it('dangling means custom networks without containers', () => {
    const attached = new Set([nets[2]!.id]);
    expect(names(['dangling=true'], attached)).toEqual(['backend']);
    expect(names(['dangling=false'], attached)).toEqual(['bridge', 'host', 'frontend']);
  });

  it('refuses unknown keys and bad types', () => {
    expect(() => names(['color=red'])).toThrow("invalid filter 'color'");
    expect(() => names(['type=other'])).toThrow("invalid filter: 'type'='other'");
  });
});

describe('network prune', () => {
  it('matches until and labels', () => {
    const n = net('x', { labels: { keep: 'no' }, created: '2024-01-02T03:04:05Z' });
    expect(networkPruneMatch(n, FilterArgs.parse([]), undefined)).toBe(true);
    expect(networkPruneMatch(n, FilterArgs.parse([]), 1704164644000000000n)).toBe(false);
    expect(networkPruneMatch(n, FilterArgs.parse([]), 1704164646000000000n)).toBe(true);
    expect(networkPruneMatch(n, FilterArgs.parse(['label=keep=no']), undefined)).toBe(true);
    expect(networkPruneMatch(n, FilterArgs.parse(['label!=keep']), undefined)).toBe(false);
  });

  it('reports as Docker', () => {
    expect(deletedNetworksText([])).toBe('');
    expect(deletedNetworksText([net('a'), net('b')])).toBe('Deleted Networks:\na\nb\n');
  });
});

describe('activeEndpointsError', () => {
  it('names the network, its id and the containers', () => {
    const e = activeEndpointsError({ name: 'n1', id: 'f'.repeat(64) }, [{ id: 'a'.repeat(64), name: 'web' }]);
    expect(e.message).toBe(`error while removing network: network n1 id ${'f'.repeat(64)} has active endpoints (name:"web" id:"aaaaaaaaaaaa")`);
    expect(hasCode(e, 'failed-precondition')).toBe(true);
  });
});
