import { describe, expect, it } from 'vitest';
import {
  buildHostsFile,
  managedRecordsFor,
  parseAddHost,
  replaceManagedRegion,
  resolveExtraHosts,
  type HostsParticipant,
} from './hosts.js';

describe('parseAddHost', () => {
  it.each([
    ['foo:1.2.3.4', { host: 'foo', ip: '1.2.3.4' }],
    ['foo=1.2.3.4', { host: 'foo', ip: '1.2.3.4' }],
    ['foo:::1', { host: 'foo', ip: '::1' }],
    ['foo:[fd00::1]', { host: 'foo', ip: 'fd00::1' }],
    ['hg:host-gateway', { host: 'hg', ip: 'host-gateway' }],
  ])('parses %s', (spec, want) => {
    expect(parseAddHost(spec)).toEqual(want);
  });

  it.each([
    ['foo', 'bad format for add-host: "foo"'],
    [':1.2.3.4', 'bad format for add-host: ":1.2.3.4"'],
    ['foo:bar', 'invalid IP address in add-host: "bar"'],
  ])('rejects %s', (spec, msg) => {
    expect(() => parseAddHost(spec)).toThrow(msg);
  });

  it('resolves host-gateway and refuses it without a gateway', () => {
    expect(resolveExtraHosts([{ host: 'hg', ip: 'host-gateway' }], '10.4.0.1')).toEqual([
      { ip: '10.4.0.1', names: ['hg'] },
    ]);
    expect(() => resolveExtraHosts([{ host: 'hg', ip: 'host-gateway' }], undefined)).toThrow(/host-gateway/);
  });
});

describe('buildHostsFile', () => {
  it('writes Docker layout with extra hosts before the container lines', () => {
    const text = buildHostsFile({
      extraHosts: [{ ip: '1.2.3.4', names: ['foo'] }],
      managed: [{ ip: '10.4.0.2', names: ['myh.example.com', 'myh'] }],
    });
    expect(text).toBe(
      [
        '127.0.0.1\tlocalhost',
        '::1\tlocalhost ip6-localhost ip6-loopback',
        'fe00::0\tip6-localnet',
        'ff00::0\tip6-mcastprefix',
        'ff02::1\tip6-allnodes',
        'ff02::2\tip6-allrouters',
        '1.2.3.4\tfoo',
        '# <nerdctl>',
        '10.4.0.2\tmyh.example.com myh',
        '# </nerdctl>',
        '',
      ].join('\n'),
    );
  });
});

describe('replaceManagedRegion', () => {
  it('replaces only the region and keeps user edits around it', () => {
    const original = buildHostsFile({ managed: [{ ip: '10.0.0.2', names: ['a'] }] }) + '9.9.9.9\tuser-added\n';
    const next = replaceManagedRegion(original, [
      { ip: '10.0.0.2', names: ['a'] },
      { ip: '10.0.0.3', names: ['b'] },
    ]);
    expect(next).toContain('# <nerdctl>\n10.0.0.2\ta\n10.0.0.3\tb\n# </nerdctl>\n');
    expect(next.endsWith('9.9.9.9\tuser-added\n')).toBe(true);
    expect(next.split('# <nerdctl>').length).toBe(2);
  });

  it('appends the region when it is missing', () => {
    expect(replaceManagedRegion('127.0.0.1 localhost\n', [{ ip: '10.0.0.2', names: ['a'] }])).toBe(
      '127.0.0.1 localhost\n# <nerdctl>\n10.0.0.2\ta\n# </nerdctl>\n',
    );
  });
});

describe('managedRecordsFor', () => {
  const web: HostsParticipant = {
    containerId: 'w',
    hostname: 'webhost',
    name: 'web',
    networks: [
      { networkId: 'n1', networkName: 'net1', isDefault: false, ip: '10.1.0.2', aliases: ['frontend'] },
      { networkId: 'b', networkName: 'bridge', isDefault: true, ip: '10.4.0.2', aliases: [] },
    ],
  };
  const db: HostsParticipant = {
    containerId: 'd',
    hostname: 'dbhost',
    name: 'db',
    networks: [{ networkId: 'n1', networkName: 'net1', isDefault: false, ip: '10.1.0.3', aliases: [] }],
  };
  const other: HostsParticipant = {
    containerId: 'o',
    hostname: 'o',
    name: 'other',
    networks: [
      { networkId: 'n2', networkName: 'net2', isDefault: false, ip: '10.2.0.2', aliases: [] },
      { networkId: 'b', networkName: 'bridge', isDefault: true, ip: '10.4.0.3', aliases: [] },
    ],
  };
  const all = [web, db, other];

  it('lists own addresses first, then peers on shared user networks only', () => {
    expect(managedRecordsFor(web, all)).toEqual([
      { ip: '10.1.0.2', names: ['webhost', 'webhost.net1', 'web', 'web.net1', 'frontend', 'frontend.net1'] },
      { ip: '10.4.0.2', names: ['webhost'] },
      { ip: '10.1.0.3', names: ['dbhost', 'dbhost.net1', 'db', 'db.net1'] },
    ]);
  });

  it('does not resolve across networks nor on the default bridge', () => {
    const recs = managedRecordsFor(other, all);
    expect(recs.map((r) => r.ip)).toEqual(['10.2.0.2', '10.4.0.3']);
  });
});

describe('buildHostsFile without a managed region', () => {
  it('writes only defaults and extra hosts (host and none networking)', () => {
    const text = buildHostsFile({ extraHosts: [{ ip: '1.2.3.4', names: ['foo'] }] });
    expect(text.endsWith('ff02::2\tip6-allrouters\n1.2.3.4\tfoo\n')).toBe(true);
    expect(text).not.toContain('<nerdctl>');
  });
});
