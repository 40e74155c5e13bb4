import { describe, expect, it } from 'vitest';
import type { CniConfList } from './cni/types.js';
import { ensureRulesScript, networkRuleLines, removeRulesScript, runtimeConfList, type NetworkRules } from './network-rules.js';

const bridgeList: CniConfList = {
  cniVersion: '1.0.0',
  name: 'web',
  plugins: [
    {
      type: 'bridge',
      bridge: 'br-0123456789ab',
      isGateway: true,
      ipMasq: true,
      hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.4.1.0/24', gateway: '10.4.1.1' }], [{ subnet: 'fd00:1::/64' }]] },
    },
    { type: 'portmap', capabilities: { portMappings: true } },
    { type: 'firewall', ingressPolicy: 'same-bridge' },
    { type: 'tuning' },
  ],
};

const rules: NetworkRules = { bridge: 'br0', subnets: ['10.4.1.0/24'], masquerade: true, forward: true, isolate: true };

/** iptables-save text holding exactly the rules `ensureRulesScript` asks for (as if applied to an empty table). */
function appliedDump(r: NetworkRules): string {
  const lines = networkRuleLines(r, 4);
  const filter = lines.filter((l) => l.table === 'filter');
  const nat = lines.filter((l) => l.table === 'nat');
  const row = (l: (typeof lines)[number]) => `-A ${l.chain} ${l.spec}`;
  return [
    '*filter',
    ':FORWARD DROP [0:0]',
    ':NERDCTL-FORWARD - [0:0]',
    ':NERDCTL-ISOLATION - [0:0]',
    '-A FORWARD -m comment --comment "nerdctl networks" -j NERDCTL-FORWARD',
    ...filter.filter((l) => l.first).map(row),
    ...filter.filter((l) => !l.first).map(row),
    'COMMIT',
    '*nat',
    ':POSTROUTING ACCEPT [0:0]',
    ':NERDCTL-POSTROUTING - [0:0]',
    '-A POSTROUTING -m comment --comment "nerdctl networks" -j NERDCTL-POSTROUTING',
    ...nat.map(row),
    'COMMIT',
    '',
  ].join('\n');
}

describe('runtimeConfList', () => {
  it('runs a bridge chain without ipMasq and without the firewall plugin, and says which rules replace them', () => {
    const { conflist, rules: r } = runtimeConfList(bridgeList);
    expect(conflist.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap', 'tuning']);
    expect(conflist.plugins[0]).toMatchObject({ ipMasq: false, hairpinMode: true, bridge: 'br-0123456789ab' });
    expect(r).toEqual({ bridge: 'br-0123456789ab', subnets: ['10.4.1.0/24', 'fd00:1::/64'], masquerade: true, forward: true, isolate: true });
    // The stored conflist is not touched.
    expect(bridgeList.plugins[0]!.ipMasq).toBe(true);
  });

  it('leaves other drivers and firewall plugins it cannot stand in for alone', () => {
    const mv: CniConfList = { cniVersion: '1.0.0', name: 'm', plugins: [{ type: 'macvlan', master: 'eth0' }] };
    expect(runtimeConfList(mv)).toEqual({ conflist: mv });
    const fwd: CniConfList = { ...bridgeList, plugins: [bridgeList.plugins[0]!, { type: 'firewall', backend: 'firewalld' }] };
    expect(runtimeConfList(fwd)).toEqual({ conflist: fwd });
    const internal: CniConfList = {
      ...bridgeList,
      plugins: [{ ...bridgeList.plugins[0]!, ipMasq: false, isGateway: false }, { type: 'firewall', ingressPolicy: 'same-bridge' }],
    };
    expect(runtimeConfList(internal).rules).toMatchObject({ masquerade: false, forward: true, isolate: true });
  });
});

describe('ensureRulesScript', () => {
  it('creates the shared chains, jumps and the network rules on an empty host, isolation first', () => {
    const script = ensureRulesScript('*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n', rules, 4);
    expect(script).toBe(
      [
        '*filter',
        '-N NERDCTL-FORWARD',
        '-A FORWARD -m comment --comment "nerdctl networks" -j NERDCTL-FORWARD',
        '-N NERDCTL-ISOLATION',
        '-I NERDCTL-FORWARD 1 -i br0 ! -o br0 -m comment --comment "nerdctl network br0" -j NERDCTL-ISOLATION',
        '-A NERDCTL-ISOLATION -o br0 -m comment --comment "nerdctl network br0" -j DROP',
        '-A NERDCTL-FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "nerdctl network br0" -j ACCEPT',
        '-A NERDCTL-FORWARD -o br0 -m conntrack --ctstate DNAT -m comment --comment "nerdctl network br0" -j ACCEPT',
        '-A NERDCTL-FORWARD -i br0 -m comment --comment "nerdctl network br0" -j ACCEPT',
        'COMMIT',
        '*nat',
        '-N NERDCTL-POSTROUTING',
        '-A POSTROUTING -m comment --comment "nerdctl networks" -j NERDCTL-POSTROUTING',
        '-A NERDCTL-POSTROUTING -s 10.4.1.0/24 ! -d 224.0.0.0/4 ! -o br0 -m comment --comment "nerdctl network br0" -j MASQUERADE',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });

  it('does nothing when every rule is there, and rewrites a network whose rules are incomplete', () => {
    const dump = appliedDump(rules);
    expect(ensureRulesScript(dump, rules, 4)).toBe('');
    const partial = dump.replace(/^-A NERDCTL-FORWARD -i br0 .*\n/m, '');
    const script = ensureRulesScript(partial, rules, 4);
    expect(script).toContain('-D NERDCTL-FORWARD -o br0 -m conntrack --ctstate DNAT -m comment --comment "nerdctl network br0" -j ACCEPT');
    expect(script).toContain('-A NERDCTL-FORWARD -i br0 -m comment --comment "nerdctl network br0" -j ACCEPT');
    expect(script).not.toContain('*nat');
    expect(script).not.toContain('-N ');
  });

  it('writes IPv6 masquerade rules for IPv6 subnets only', () => {
    const v6 = networkRuleLines({ ...rules, subnets: ['10.4.1.0/24', 'fd00:1::/64'] }, 6).filter((l) => l.table === 'nat');
    expect(v6.map((l) => l.spec)).toEqual(['-s fd00:1::/64 ! -d ff00::/8 ! -o br0 -m comment --comment "nerdctl network br0" -j MASQUERADE']);
  });
});

describe('removeRulesScript', () => {
  it('deletes the network rules and, once empty, the shared chains and jumps', () => {
    const script = removeRulesScript(appliedDump(rules), 'br0');
    expect(script).toContain('-D NERDCTL-ISOLATION -o br0 -m comment --comment "nerdctl network br0" -j DROP');
    expect(script).toContain('-D FORWARD -m comment --comment "nerdctl networks" -j NERDCTL-FORWARD\n-X NERDCTL-FORWARD\n-X NERDCTL-ISOLATION\nCOMMIT');
    expect(script).toContain('-D POSTROUTING -m comment --comment "nerdctl networks" -j NERDCTL-POSTROUTING\n-X NERDCTL-POSTROUTING\nCOMMIT');
    expect(removeRulesScript(appliedDump(rules), 'br1')).toBe('');
  });

  it('keeps the shared chains while another network uses them', () => {
    const two = appliedDump(rules).replace(
      'COMMIT\n*nat',
      '-A NERDCTL-FORWARD -i br1 -m comment --comment "nerdctl network br1" -j ACCEPT\nCOMMIT\n*nat',
    );
    const script = removeRulesScript(two, 'br0');
    expect(script).not.toContain('-X NERDCTL-FORWARD');
    expect(script).not.toContain('-D FORWARD ');
    // The isolation chain is empty without br0 and nothing of br1 jumps to it.
    expect(script).toContain('-X NERDCTL-ISOLATION');
    expect(removeRulesScript(two, 'br0', false)).not.toContain('-X ');
  });
});
