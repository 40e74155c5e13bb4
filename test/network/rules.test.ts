/**
 * The per-network firewall rules (src/network/network-rules.ts) against the real iptables: installed once when a
 * network is first used, shared by its containers, re-created when missing, removed with the network without
 * leftovers; masquerading of outgoing traffic and isolation between networks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execPlugin, pluginStdinConfig } from '../../src/network/cni/exec.js';
import { netnsNameFor } from '../../src/network/netns.js';
import { networkTag } from '../../src/network/network-rules.js';
import { openNetworking } from '../../src/network/networking.js';
import {
  canRun,
  cleanupEnv,
  containerId,
  freeSubnets,
  httpGetInNetns,
  iptablesDump,
  makeEnv,
  newIptablesLines,
  sh,
  spawnInNetns,
  stop,
  waitFor,
  type NetTestEnv,
} from './helpers.js';
import type { ChildProcess } from 'node:child_process';

/** Lines of the current iptables/ip6tables dumps that carry the network's tag. */
function taggedLines(bridge: string): string[] {
  return iptablesDump()
    .split('\n')
    .filter((l) => l.includes(`"${networkTag(bridge)}"`));
}

describe.skipIf(!canRun)('per-network firewall rules', () => {
  let env: NetTestEnv;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    env = makeEnv();
  });
  afterEach(async () => {
    children.splice(0).forEach(stop);
    expect(await cleanupEnv(env)).toEqual([]);
  });

  function newId(): string {
    const id = containerId();
    env.containers.add(id);
    return id;
  }

  it("installs a network's rules once on first use, adds none per container, and removes them with the network", async () => {
    const before = iptablesDump();
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    const br = net.bridge!;
    // Creating the network touches no firewall; the first container does.
    expect(taggedLines(br)).toEqual([]);
    const a = newId();
    const ra = await env.nets.attach(env.ctx, { containerId: a, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] } });
    const rules = taggedLines(br);
    expect(rules.sort()).toEqual(
      [
        `-A NERDCTL-FORWARD -i ${br} ! -o ${br} -m comment --comment "${networkTag(br)}" -j NERDCTL-ISOLATION`,
        `-A NERDCTL-FORWARD -i ${br} -m comment --comment "${networkTag(br)}" -j ACCEPT`,
        `-A NERDCTL-FORWARD -o ${br} -m conntrack --ctstate DNAT -m comment --comment "${networkTag(br)}" -j ACCEPT`,
        `-A NERDCTL-FORWARD -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "${networkTag(br)}" -j ACCEPT`,
        `-A NERDCTL-ISOLATION -o ${br} -m comment --comment "${networkTag(br)}" -j DROP`,
        `-A NERDCTL-POSTROUTING -s ${subnet} ! -d 224.0.0.0/4 ! -o ${br} -m comment --comment "${networkTag(br)}" -j MASQUERADE`,
      ].sort(),
    );
    expect(iptablesDump()).toMatch(/^-A FORWARD -m comment --comment "nerdctl networks" -j NERDCTL-FORWARD$/m);
    expect(iptablesDump()).toMatch(/^-A POSTROUTING -m comment --comment "nerdctl networks" -j NERDCTL-POSTROUTING$/m);

    // A second container, attached by another invocation (which checks the rules afresh): the same rules, once.
    const nets2 = openNetworking({ dataRoot: env.dataRoot, netconfPath: env.netconfPath });
    const b = newId();
    try {
      await nets2.attach(env.ctx, { containerId: b, hostname: 'b', network: { mode: 'cni', networks: [{ network: net.name }] } });
    } finally {
      nets2.close();
    }
    expect(taggedLines(br).sort()).toEqual(rules.sort());
    // Nothing per container: no rule names a container or its address.
    const ipA = ra.endpoints[0]!.ipAddress!;
    expect(newIptablesLines(before, [a, b, `${ipA}/32`, `${ipA} `])).toEqual([]);

    // The rules belong to the network: they outlive its containers and go with it.
    await env.nets.detach(env.ctx, a);
    await env.nets.detach(env.ctx, b);
    expect(taggedLines(br).sort()).toEqual(rules.sort());
    await env.nets.removeNetwork(env.ctx, net.name);
    expect(taggedLines(br)).toEqual([]);
    expect(newIptablesLines(before, [br, a, b])).toEqual([]);
    // The shared chains and jumps stay only while another network still has rules in them.
    const after = iptablesDump();
    if (!after.includes('"nerdctl network ')) {
      expect(after).not.toContain('NERDCTL-');
    }
  });

  it("removes with the network the isolation rules the firewall plugin left for its bridge (older attachments)", async () => {
    const before = iptablesDump();
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    const br = net.bridge!;
    await env.nets.attach(env.ctx, { containerId: newId(), hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] } });
    // As an attachment made before the per-network rules did: the firewall plugin ran for a container.
    const id = newId();
    const list = { cniVersion: '1.0.0', name: net.name };
    const plugin = { type: 'firewall', ingressPolicy: 'same-bridge' };
    const prev = { cniVersion: '1.0.0', interfaces: [{ name: br }], ips: [{ address: subnet!.replace(/0\/24$/, '77/24') }] };
    const rt = { paths: ['/usr/lib/cni', '/opt/cni/bin'] };
    const conf = pluginStdinConfig(list, plugin, {}, prev);
    await execPlugin(rt, 'ADD', plugin, conf, { containerId: id, netnsPath: '/proc/self/ns/net', ifname: 'eth0' });
    await execPlugin(rt, 'DEL', plugin, conf, { containerId: id, netnsPath: '', ifname: 'eth0' });
    expect(newIptablesLines(before, [br]).some((l) => l.startsWith('-A CNI-ISOLATION-STAGE-'))).toBe(true);
    for (const c of [...env.containers]) await env.nets.detach(env.ctx, c);
    await env.nets.removeNetwork(env.ctx, net.name);
    expect(newIptablesLines(before, [br])).toEqual([]);
  });

  it('checks a network once for containers attached at the same time (compose up), installing its rules once', async () => {
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    await Promise.all(
      [newId(), newId(), newId()].map((id) =>
        env.nets.attach(env.ctx, { containerId: id, hostname: 'x', network: { mode: 'cni', networks: [{ network: net.name }] } }),
      ),
    );
    const lines = taggedLines(net.bridge!);
    expect(lines).toHaveLength(6);
    expect(new Set(lines).size).toBe(6);
  });

  it('re-creates missing rules on the next attach', async () => {
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    const br = net.bridge!;
    const a = newId();
    await env.nets.attach(env.ctx, { containerId: a, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] } });
    const rules = taggedLines(br).sort();
    expect(rules).toHaveLength(6);
    // As after a firewall reload: the network's rules are gone (only this network's, others may share the chains).
    for (const line of rules) {
      const table = line.includes('MASQUERADE') ? 'nat' : 'filter';
      const words = line.replace(/^-A /, '').replace(`"${networkTag(br)}"`, networkTag(br).replace(/ /g, '\u0000'));
      const args = words.split(' ').map((w) => w.replace(/\u0000/g, ' '));
      expect(sh('iptables', ['-t', table, '-D', ...args]).code).toBe(0);
    }
    expect(taggedLines(br)).toEqual([]);
    // A new invocation attaches another container: the check finds them missing and puts them back, once.
    const nets2 = openNetworking({ dataRoot: env.dataRoot, netconfPath: env.netconfPath });
    try {
      await nets2.attach(env.ctx, { containerId: newId(), hostname: 'b', network: { mode: 'cni', networks: [{ network: net.name }] } });
    } finally {
      nets2.close();
    }
    expect(taggedLines(br).sort()).toEqual(rules);
  });

  it('masquerades outgoing traffic, isolates networks from each other, with the FORWARD policy DROP', async () => {
    const [s1, s2, extSubnet] = freeSubnets(3);
    const n1 = await env.nets.createNetwork(env.ctx, { name: `${env.id}-1`, subnets: [s1!] });
    const n2 = await env.nets.createNetwork(env.ctx, { name: `${env.id}-2`, subnets: [s2!] });
    const internal = await env.nets.createNetwork(env.ctx, { name: `${env.id}-i`, subnets: [freeSubnets(1)[0]!], internal: true });
    // "Another host": a namespace routed to this one over a veth pair; its server echoes the peer address it sees.
    const base = extSubnet!.replace(/\.0\/24$/, '');
    const ext = `${env.id}x`;
    const hostSide = `${env.id}h`;
    env.links.add(hostSide);
    sh('ip', ['netns', 'add', ext]);
    const policy = /^-P FORWARD (\w+)/m.exec(sh('iptables', ['-S', 'FORWARD']).stdout)?.[1] ?? 'ACCEPT';
    try {
      expect(sh('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'ext0', 'netns', ext]).code).toBe(0);
      sh('ip', ['addr', 'add', `${base}.1/30`, 'dev', hostSide]);
      sh('ip', ['link', 'set', hostSide, 'up']);
      sh('ip', ['-n', ext, 'addr', 'add', `${base}.2/30`, 'dev', 'ext0']);
      sh('ip', ['-n', ext, 'link', 'set', 'ext0', 'up']);
      sh('ip', ['-n', ext, 'link', 'set', 'lo', 'up']);
      // No route back to the container subnets: only a masqueraded reply can come back.
      const echo = "require('http').createServer((q,s)=>s.end(q.socket.remoteAddress.replace(/^::ffff:/,''))).listen(8080)";
      children.push(spawnInNetns(ext, process.execPath, ['-e', echo]));

      const a = newId();
      const b = newId();
      const c = newId();
      const ra = await env.nets.attach(env.ctx, { containerId: a, hostname: 'a', network: { mode: 'cni', networks: [{ network: n1.name }] } });
      const rb = await env.nets.attach(env.ctx, { containerId: b, hostname: 'b', network: { mode: 'cni', networks: [{ network: n2.name }] } });
      await env.nets.attach(env.ctx, { containerId: c, hostname: 'c', network: { mode: 'cni', networks: [{ network: internal.name }] } });
      // Network 1 and network 2 cannot reach each other (with the FORWARD policy ACCEPT, only the isolation rules
      // stop it); the same network works (the gateway answers).
      const across = sh('ip', ['netns', 'exec', netnsNameFor(a), 'busybox', 'ping', '-c', '1', '-W', '1', rb.endpoints[0]!.ipAddress!]);
      expect(across.code).not.toBe(0);
      const gw = sh('ip', ['netns', 'exec', netnsNameFor(b), 'busybox', 'ping', '-c', '1', '-W', '2', rb.endpoints[0]!.gateway!]);
      expect(gw.code, gw.stdout + gw.stderr).toBe(0);

      // Out through the host with the FORWARD policy DROP: accepted, and masqueraded to the host's address.
      sh('iptables', ['-P', 'FORWARD', 'DROP']);
      expect(await waitFor(() => httpGetInNetns(netnsNameFor(a), `http://${base}.2:8080/`).body !== '', 5000)).toBe(true);
      const seen = httpGetInNetns(netnsNameFor(a), `http://${base}.2:8080/`);
      expect(seen.body, seen.error).toBe(`${base}.1`);
      expect(ra.endpoints[0]!.ipAddress).not.toBe(`${base}.1`);
      // The internal network has no way out.
      expect(httpGetInNetns(netnsNameFor(c), `http://${base}.2:8080/`).body).toBe('');
    } finally {
      sh('iptables', ['-P', 'FORWARD', policy]);
      sh('ip', ['netns', 'del', ext]);
    }
  });
});
