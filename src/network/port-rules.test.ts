import { describe, expect, it } from 'vitest';
import type { CniConfList } from './cni/types.js';
import {
  addPortRulesScript,
  dnatChainName,
  portRuleLines,
  publishesWithoutPortmap,
  purgePortRulesScript,
  removePortRulesScript,
  type PortRulesTarget,
} from './port-rules.js';

const id = 'c1';
const target: PortRulesTarget = {
  network: 'exp1',
  containerId: id,
  ip: '10.213.7.2',
  prefixLength: 24,
  mappings: [
    { hostPort: 18080, containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' },
    { hostPort: 18082, containerPort: 82, protocol: 'tcp' },
  ],
};
const chain = 'CNI-DN-265c177ac42ddafd6fae0';

describe('dnatChainName', () => {
  it("is portmap's name: CNI-DN- and the sha512 of network name and container ID, 28 characters", () => {
    expect(dnatChainName('exp1', 'c1')).toBe(chain);
    expect(dnatChainName('bridge', 'f'.repeat(64))).toHaveLength(28);
  });
});

describe('publishesWithoutPortmap', () => {
  const list: CniConfList = {
    cniVersion: '1.0.0',
    name: 'n',
    plugins: [{ type: 'bridge', bridge: 'br0' }, { type: 'portmap', capabilities: { portMappings: true } }, { type: 'firewall' }],
  };
  it('takes over tcp and sctp mappings of a plain portmap on a bridge network', () => {
    expect(publishesWithoutPortmap(list, target.mappings)).toBe(true);
    expect(publishesWithoutPortmap(list, [{ hostPort: 1, containerPort: 1, protocol: 'sctp' }])).toBe(true);
  });
  it('leaves udp (conntrack cleanup), configured portmaps and other drivers to the plugin', () => {
    expect(publishesWithoutPortmap(list, [...target.mappings, { hostPort: 53, containerPort: 53, protocol: 'udp' }])).toBe(false);
    const snat = { ...list, plugins: [list.plugins[0]!, { type: 'portmap', capabilities: { portMappings: true }, snat: false }] };
    expect(publishesWithoutPortmap(snat, target.mappings)).toBe(false);
    expect(publishesWithoutPortmap({ ...list, plugins: [{ type: 'ptp' }, list.plugins[1]!] }, target.mappings)).toBe(false);
    expect(publishesWithoutPortmap(list, [])).toBe(false);
  });
});

describe('portRuleLines', () => {
  it("writes portmap's rules: hairpin and localhost marks before each DNAT, -d for a bound host address", () => {
    expect(portRuleLines(target)).toEqual({
      chain,
      entries: [`-p tcp -m comment --comment "dnat name: \\"exp1\\" id: \\"c1\\"" -m multiport --dports 18080,18082 -j ${chain}`],
      rules: [
        '-s 10.213.7.0/24 -d 127.0.0.1/32 -p tcp -m tcp --dport 18080 -j CNI-HOSTPORT-SETMARK',
        '-s 127.0.0.1/32 -d 127.0.0.1/32 -p tcp -m tcp --dport 18080 -j CNI-HOSTPORT-SETMARK',
        '-d 127.0.0.1/32 -p tcp -m tcp --dport 18080 -j DNAT --to-destination 10.213.7.2:80',
        '-s 10.213.7.0/24 -p tcp -m tcp --dport 18082 -j CNI-HOSTPORT-SETMARK',
        '-s 127.0.0.1/32 -p tcp -m tcp --dport 18082 -j CNI-HOSTPORT-SETMARK',
        '-p tcp -m tcp --dport 18082 -j DNAT --to-destination 10.213.7.2:82',
      ],
    });
  });

  it('splits entry rules at 15 ports and skips mappings bound to the other family for IPv6', () => {
    const many = { ...target, mappings: Array.from({ length: 16 }, (_, i) => ({ hostPort: 20000 + i, containerPort: 80, protocol: 'tcp' })) };
    expect(portRuleLines(many).entries).toHaveLength(2);
    const v6 = portRuleLines({ ...target, ip: 'fd00::2', prefixLength: 64 });
    expect(v6.rules).toEqual([
      '-s fd00::/64 -p tcp -m tcp --dport 18082 -j CNI-HOSTPORT-SETMARK',
      '-p tcp -m tcp --dport 18082 -j DNAT --to-destination [fd00::2]:82',
    ]);
    // The entry rule still names every host port, as portmap's does.
    expect(v6.entries[0]).toContain('--dports 18080,18082');
  });
});

describe('addPortRulesScript', () => {
  it('creates the shared chains when missing, the container chain, then its entry rules', () => {
    const script = addPortRulesScript('*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n', target);
    const lines = script.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      '*nat',
      '-N CNI-HOSTPORT-SETMARK',
      '-N CNI-HOSTPORT-MASQ',
      '-N CNI-HOSTPORT-DNAT',
      '-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000',
      '-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE',
      '-I POSTROUTING 1 -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
    ]);
    expect(lines[9]).toBe(`-N ${chain}`);
    expect(lines.at(-3)).toMatch(/^-A CNI-HOSTPORT-DNAT -p tcp .* -j CNI-DN-/);
  });

  it('only adds the container rules when the shared ones exist, replacing a leftover chain of the same container', () => {
    const dump = [
      '*nat',
      ':CNI-HOSTPORT-DNAT - [0:0]',
      ':CNI-HOSTPORT-MASQ - [0:0]',
      ':CNI-HOSTPORT-SETMARK - [0:0]',
      `:${chain} - [0:0]`,
      '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
      '-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE',
      '-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000',
      `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"exp1\\" id: \\"c1\\"" -m multiport --dports 9999 -j ${chain}`,
      'COMMIT',
    ].join('\n');
    const lines = addPortRulesScript(dump, target).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '*nat',
      `-D CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"exp1\\" id: \\"c1\\"" -m multiport --dports 9999 -j ${chain}`,
      `-F ${chain}`,
    ]);
    expect(lines.filter((l) => l.startsWith('-N'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith(`-A ${chain} `))).toHaveLength(6);
  });
});

describe('removal scripts', () => {
  it('removes exactly the entry rules and the chain, or sweeps them from a dump', () => {
    expect(removePortRulesScript(target)).toBe(
      `*nat\n-D CNI-HOSTPORT-DNAT ${portRuleLines(target).entries[0]}\n-F ${chain}\n-X ${chain}\nCOMMIT\n`,
    );
    const dump = `*nat\n:${chain} - [0:0]\n-A CNI-HOSTPORT-DNAT -p tcp -m multiport --dports 1 -j ${chain}\n-A ${chain} -p tcp -m tcp --dport 1 -j DNAT --to-destination 10.0.0.2:1\nCOMMIT\n`;
    expect(purgePortRulesScript(dump, chain)).toBe(`*nat\n-D CNI-HOSTPORT-DNAT -p tcp -m multiport --dports 1 -j ${chain}\n-F ${chain}\n-X ${chain}\nCOMMIT\n`);
    expect(purgePortRulesScript('*nat\nCOMMIT\n', chain)).toBe('');
  });
});
