/**
 * attach/detach against real CNI plugins and network namespaces: reachability and name resolution between
 * containers, internal networks, none/host modes, rollback of a failed attach, cleanup after detach, connect and
 * disconnect, macvlan.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/engine/errdefs.js';
import { netnsNameFor } from '../../src/network/netns.js';
import {
  bridgePorts,
  canRun,
  cleanupEnv,
  containerId,
  freeSubnets,
  ipamAllocations,
  iptablesDump,
  makeEnv,
  netnsList,
  sh,
  spawnInNetns,
  stop,
  waitFor,
  type NetTestEnv,
} from './helpers.js';

/** Runs a command in a container's netns with its generated hosts file mounted over /etc/hosts. */
function inContainer(containerIdFull: string, hostsPath: string, command: string) {
  return sh('ip', ['netns', 'exec', netnsNameFor(containerIdFull), 'sh', '-c', `mount --bind ${hostsPath} /etc/hosts && ${command}`]);
}

describe.skipIf(!canRun)('attach and detach', () => {
  let env: NetTestEnv;
  beforeEach(() => {
    env = makeEnv();
  });
  afterEach(async () => {
    expect(await cleanupEnv(env)).toEqual([]);
  });

  function newContainer(): { id: string; hostsPath: string; resolvPath: string } {
    const id = containerId();
    env.containers.add(id);
    return { id, hostsPath: join(env.dir, `${id.slice(0, 12)}.hosts`), resolvPath: join(env.dir, `${id.slice(0, 12)}.resolv`) };
  }

  it('lets two containers on a user network reach and resolve each other, and forgets a container that leaves', async () => {
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    const a = newContainer();
    const b = newContainer();
    const ra = await env.nets.attach(env.ctx, {
      containerId: a.id,
      name: `${env.id}-web`,
      hostname: 'webhost',
      network: { mode: 'cni', networks: [{ network: net.name, aliases: ['frontend'] }] },
      hostsPath: a.hostsPath,
      resolvConfPath: a.resolvPath,
      extraHosts: [{ host: 'gw', ip: 'host-gateway' }],
    });
    expect(ra.netnsPath).toBe(`/var/run/netns/${netnsNameFor(a.id)}`);
    expect(ra.endpoints).toEqual([
      {
        network: net.name,
        networkId: net.id,
        ifname: 'eth0',
        endpointId: expect.stringMatching(/^[0-9a-f]{64}$/),
        ipAddress: subnet!.replace(/0\/24$/, '2'),
        prefixLength: 24,
        gateway: subnet!.replace(/0\/24$/, '1'),
        macAddress: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/),
        aliases: ['frontend'],
        driver: 'bridge',
      },
    ]);
    // A, alone: its own line, host-gateway resolved to the bridge address.
    const inodeBefore = statSync(a.hostsPath).ino;
    const hostsA1 = readFileSync(a.hostsPath, 'utf8');
    expect(hostsA1).toContain(`${subnet!.replace(/0\/24$/, '1')}\tgw\n`);
    expect(hostsA1).toContain(`${ra.endpoints[0]!.ipAddress}\twebhost webhost.${net.name} ${env.id}-web ${env.id}-web.${net.name} frontend`);
    expect(readFileSync(a.resolvPath, 'utf8')).toMatch(/^nameserver /m);

    // A long-lived process in A with the hosts file bind-mounted, as a container has it, started before B exists.
    const holder = spawnInNetns(netnsNameFor(a.id), 'sh', ['-c', `mount --bind ${a.hostsPath} /etc/hosts && exec sleep 60`]);
    try {
      // `ip netns exec` runs the shell in the holder's own mount namespace; wait for the bind mount to be there.
      const mounted = await waitFor(() => {
        try {
          return readFileSync(`/proc/${holder.pid}/mountinfo`, 'utf8').includes(' /etc/hosts ');
        } catch {
          return false;
        }
      });
      expect(mounted).toBe(true);
      const rb = await env.nets.attach(env.ctx, {
        containerId: b.id,
        name: `${env.id}-db`,
        hostname: 'dbhost',
        network: { mode: 'cni', networks: [{ network: net.name }] },
        hostsPath: b.hostsPath,
      });
      const ipB = rb.endpoints[0]!.ipAddress!;
      // The file was rewritten in place (same inode), so the bind mount sees B.
      expect(statSync(a.hostsPath).ino).toBe(inodeBefore);
      expect(readFileSync(a.hostsPath, 'utf8')).toContain(`${ipB}\tdbhost dbhost.${net.name} ${env.id}-db ${env.id}-db.${net.name}\n`);
      const viaHolder = await waitFor(
        () =>
          sh('nsenter', ['-t', String(holder.pid), '-m', '-n', 'busybox', 'ping', '-c', '1', '-W', '2', `${env.id}-db`]).code === 0,
        5000,
      );
      expect(viaHolder).toBe(true);

      // Both ways, by name, hostname, name.network and alias.
      for (const target of [`${env.id}-db`, 'dbhost', `${env.id}-db.${net.name}`]) {
        const r = inContainer(a.id, a.hostsPath, `busybox ping -c 1 -W 2 ${target}`);
        expect(r.code, `${target}: ${r.stdout}${r.stderr}`).toBe(0);
        expect(r.stdout).toContain(ipB);
      }
      const back = inContainer(b.id, b.hostsPath, 'busybox ping -c 1 -W 2 frontend');
      expect(back.code, back.stderr).toBe(0);

      // B leaves: A's file drops it at once, nothing of B remains.
      await env.nets.detach(env.ctx, b.id);
      expect(readFileSync(a.hostsPath, 'utf8')).not.toContain(ipB);
      expect(statSync(a.hostsPath).ino).toBe(inodeBefore);
      const gone = sh('nsenter', ['-t', String(holder.pid), '-m', '-n', 'busybox', 'ping', '-c', '1', '-W', '1', `${env.id}-db`]);
      expect(gone.code).not.toBe(0);
      expect(netnsList()).not.toContain(netnsNameFor(b.id));
      expect(ipamAllocations(net.ipamDataDir).map((p) => p.split('/').pop())).toEqual([ra.endpoints[0]!.ipAddress]);
      expect(iptablesDump()).not.toContain(b.id);
      expect(bridgePorts(net.bridge!)).toHaveLength(1);
      // Detach is idempotent.
      await env.nets.detach(env.ctx, b.id);
    } finally {
      stop(holder);
    }
  });

  it('gives an internal network no default route and containers on the default bridge no names of each other', async () => {
    const [subnet] = freeSubnets(1);
    const internal = await env.nets.createNetwork(env.ctx, { name: `${env.id}-i`, subnets: [subnet!], internal: true });
    const a = newContainer();
    await env.nets.attach(env.ctx, { containerId: a.id, hostname: 'a', network: { mode: 'cni', networks: [{ network: internal.name }] } });
    const routes = sh('ip', ['-n', netnsNameFor(a.id), 'route']).stdout;
    expect(routes).toContain(subnet);
    expect(routes).not.toMatch(/^default/m);

    const b = newContainer();
    const c = newContainer();
    await env.nets.attach(env.ctx, { containerId: b.id, name: 'b', hostname: 'bh', network: { mode: 'cni', networks: [{ network: 'bridge' }] }, hostsPath: b.hostsPath });
    await env.nets.attach(env.ctx, { containerId: c.id, name: 'c', hostname: 'ch', network: { mode: 'cni', networks: [{ network: 'bridge' }] }, hostsPath: c.hostsPath });
    const hostsB = readFileSync(b.hostsPath, 'utf8');
    expect(hostsB).toMatch(/\tbh\n/);
    expect(hostsB).not.toContain('ch');
    expect(sh('ip', ['-n', netnsNameFor(b.id), 'route']).stdout).toMatch(/^default via/m);
  });

  it('sets up none (loopback only) and host modes as plain data', async () => {
    const a = newContainer();
    const r = await env.nets.attach(env.ctx, { containerId: a.id, hostname: 'a', network: { mode: 'none' }, hostsPath: a.hostsPath, resolvConfPath: a.resolvPath });
    expect(r.netnsPath).toBe(`/var/run/netns/${netnsNameFor(a.id)}`);
    const links = sh('ip', ['-n', netnsNameFor(a.id), '-o', 'link']).stdout.trim().split('\n');
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
    expect(readFileSync(a.hostsPath, 'utf8')).not.toContain('<nerdctl>');
    await env.nets.detach(env.ctx, a.id);
    expect(netnsList()).not.toContain(netnsNameFor(a.id));

    const h = newContainer();
    const rh = await env.nets.attach(env.ctx, {
      containerId: h.id,
      hostname: 'h',
      network: { mode: 'host' },
      hostsPath: h.hostsPath,
      resolvConfPath: h.resolvPath,
      ports: [{ hostIp: '', containerPort: 80, protocol: 'tcp' }],
    });
    expect(rh).toEqual({ mode: 'host', endpoints: [], portMappings: [] });
    expect(readFileSync(h.hostsPath, 'utf8')).toBe(readFileSync('/etc/hosts', 'utf8'));
    expect(readFileSync(h.resolvPath, 'utf8')).toBe(readFileSync('/etc/resolv.conf', 'utf8'));
    const rc = await env.nets.attach(env.ctx, { containerId: containerId(), hostname: 'x', network: { mode: 'container', netnsPath: r.netnsPath! } });
    expect(rc.netnsPath).toBe(r.netnsPath);
  });

  it('refuses an address already in use and leaves nothing behind', async () => {
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    const ip = subnet!.replace(/0\/24$/, '50');
    const a = newContainer();
    const ra = await env.nets.attach(env.ctx, { containerId: a.id, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name, ip, mac: '02:42:0a:d5:00:32' }] } });
    expect(ra.endpoints[0]).toMatchObject({ ipAddress: ip, macAddress: '02:42:0a:d5:00:32' });
    const b = newContainer();
    const before = iptablesDump();
    const err = await env.nets
      .attach(env.ctx, { containerId: b.id, hostname: 'b', network: { mode: 'cni', networks: [{ network: net.name, ip }] } })
      .catch((e: unknown) => e);
    expect(hasCode(err, 'conflict')).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`^network "${net.name}": plugin bridge failed \\(add\\): .*requested IP address ${ip.replace(/\./g, '\\.')} is not available`));
    expect(netnsList()).not.toContain(netnsNameFor(b.id));
    expect(bridgePorts(net.bridge!)).toHaveLength(1);
    expect(iptablesDump()).toBe(before);
    expect(env.nets.getAttachment(b.id)).toBeUndefined();
    expect(ipamAllocations(net.ipamDataDir)).toHaveLength(1);

    const outside = await env.nets
      .attach(env.ctx, { containerId: b.id, hostname: 'b', network: { mode: 'cni', networks: [{ network: net.name, ip: '192.168.77.7' }] } })
      .catch((e: unknown) => e);
    expect(hasCode(outside, 'invalid-argument')).toBe(true);
    const unknown = await env.nets
      .attach(env.ctx, { containerId: b.id, hostname: 'b', network: { mode: 'cni', networks: [{ network: 'nope' }] } })
      .catch((e: unknown) => e);
    expect(hasCode(unknown, 'not-found')).toBe(true);
    expect(env.nets.getAttachment(b.id)).toBeUndefined();
    // The namespace made beside the validation went again.
    expect(netnsList()).not.toContain(netnsNameFor(b.id));
  });

  it('rolls back a canceled attach', async () => {
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    const a = newContainer();
    const err = await env.nets
      .attach({ ...env.ctx, signal: AbortSignal.abort() }, { containerId: a.id, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] } })
      .catch((e: unknown) => e);
    expect(hasCode(err, 'canceled')).toBe(true);
    expect(netnsList()).not.toContain(netnsNameFor(a.id));
    expect(env.nets.getAttachment(a.id)).toBeUndefined();
    expect(ipamAllocations(net.ipamDataDir)).toEqual([]);
    const alias = await env.nets
      .attach(env.ctx, { containerId: a.id, hostname: 'a', network: { mode: 'cni', networks: [{ network: 'bridge', aliases: ['x'] }] } })
      .catch((e: unknown) => e);
    expect((alias as Error).message).toBe('network-scoped alias is supported only for containers in user defined networks');
  });

  it('cleans up even when the namespace disappeared before detach', async () => {
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    const a = newContainer();
    // A published port: per-container rules (portmap's) that name the container.
    await env.nets.attach(env.ctx, {
      containerId: a.id,
      hostname: 'a',
      network: { mode: 'cni', networks: [{ network: net.name }] },
      ports: [{ hostIp: '127.0.0.1', containerPort: 80, protocol: 'tcp' }],
    });
    expect(iptablesDump()).toContain(a.id);
    sh('ip', ['netns', 'del', netnsNameFor(a.id)]);
    await env.nets.detach(env.ctx, a.id);
    expect(iptablesDump()).not.toContain(a.id);
    expect(ipamAllocations(net.ipamDataDir)).toEqual([]);
    expect(env.nets.getAttachment(a.id)).toBeUndefined();
  });

  it('finishes an interrupted attach whose results were never recorded', async () => {
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    const a = newContainer();
    const r = await env.nets.attach(env.ctx, {
      containerId: a.id,
      hostname: 'a',
      network: { mode: 'cni', networks: [{ network: net.name }] },
      ports: [{ hostIp: '127.0.0.1', containerPort: 80, protocol: 'tcp' }],
    });
    const ip = r.endpoints[0]!.ipAddress!;
    expect(iptablesDump()).toContain(`--to-destination ${ip}:80`);
    // As if the attaching process had been killed right after CNI ADD: no result, no rule list, owner gone.
    await env.nets.store.withLock(async () => {
      const rec = env.nets.store.get(a.id)!;
      for (const ep of rec.networks) {
        delete ep.result;
        delete ep.forwardRules;
      }
      env.nets.store.put({ ...rec, state: 'attaching', pid: 2 ** 22 + 1 });
    });
    await env.nets.detach(env.ctx, a.id);
    expect(iptablesDump()).not.toContain(`--to-destination ${ip}:80`);
    expect(iptablesDump()).not.toContain(a.id);
    expect(ipamAllocations(net.ipamDataDir)).toEqual([]);
  });

  it('uses a namespace prepared ahead of attach, clears an unused one, and replaces debris of a killed attach', async () => {
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
    const a = newContainer();
    env.nets.prepareNetns(a.id);
    // Made in the background, with loopback up, before attach is called.
    expect(await waitFor(() => netnsList().includes(netnsNameFor(a.id)))).toBe(true);
    expect(await waitFor(() => /^1: lo: <LOOPBACK,UP/.test(sh('ip', ['-n', netnsNameFor(a.id), '-o', 'link']).stdout))).toBe(true);
    const ra = await env.nets.attach(env.ctx, { containerId: a.id, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] } });
    expect(sh('ip', ['-n', netnsNameFor(a.id), 'addr', 'show', 'eth0']).stdout).toContain(ra.endpoints[0]!.ipAddress);

    // Prepared, never attached: detach removes it. Prepared for a host-mode container: attach drops it.
    const b = newContainer();
    env.nets.prepareNetns(b.id);
    await env.nets.detach(env.ctx, b.id);
    expect(netnsList()).not.toContain(netnsNameFor(b.id));
    const h = newContainer();
    env.nets.prepareNetns(h.id);
    await env.nets.attach(env.ctx, { containerId: h.id, hostname: 'h', network: { mode: 'host' } });
    expect(netnsList()).not.toContain(netnsNameFor(h.id));

    // A namespace without a record (its attaching process was killed before writing anything): replaced.
    const d = newContainer();
    sh('ip', ['netns', 'add', netnsNameFor(d.id)]);
    const rd = await env.nets.attach(env.ctx, { containerId: d.id, hostname: 'd', network: { mode: 'cni', networks: [{ network: net.name }] } });
    expect(sh('ip', ['-n', netnsNameFor(d.id), '-o', 'link']).stdout).toMatch(/^1: lo: <LOOPBACK,UP/);
    expect(sh('ip', ['-n', netnsNameFor(d.id), 'addr', 'show', 'eth0']).stdout).toContain(rd.endpoints[0]!.ipAddress);
    await env.nets.detach(env.ctx, d.id);
    expect(netnsList()).not.toContain(netnsNameFor(d.id));
    expect(bridgePorts(net.bridge!)).toHaveLength(1);
  });

  it('connects and disconnects a second network, keeping hosts files right', async () => {
    const [s1, s2] = freeSubnets(2);
    const n1 = await env.nets.createNetwork(env.ctx, { name: `${env.id}-1`, subnets: [s1!] });
    const n2 = await env.nets.createNetwork(env.ctx, { name: `${env.id}-2`, subnets: [s2!] });
    const a = newContainer();
    const b = newContainer();
    await env.nets.attach(env.ctx, { containerId: a.id, name: 'ca', hostname: 'a', network: { mode: 'cni', networks: [{ network: n1.name }] }, hostsPath: a.hostsPath });
    const rb = await env.nets.attach(env.ctx, { containerId: b.id, name: 'cb', hostname: 'b', network: { mode: 'cni', networks: [{ network: n2.name }] }, hostsPath: b.hostsPath });
    expect(readFileSync(a.hostsPath, 'utf8')).not.toContain(rb.endpoints[0]!.ipAddress!);

    const ep = await env.nets.connect(env.ctx, a.id, { network: n2.name, aliases: ['second'] });
    expect(ep).toMatchObject({ network: n2.name, ifname: 'eth1' });
    expect(sh('ip', ['-n', netnsNameFor(a.id), 'addr', 'show', 'eth1']).stdout).toContain(ep.ipAddress);
    expect(readFileSync(a.hostsPath, 'utf8')).toContain(`${rb.endpoints[0]!.ipAddress}\tb b.${n2.name} cb cb.${n2.name}`);
    expect(readFileSync(b.hostsPath, 'utf8')).toContain(`${ep.ipAddress}\ta a.${n2.name} ca ca.${n2.name} second`);
    const twice = await env.nets.connect(env.ctx, a.id, { network: n2.name }).catch((e: unknown) => e);
    expect(hasCode(twice, 'already-exists')).toBe(true);
    const ping = inContainer(a.id, a.hostsPath, 'busybox ping -c 1 -W 2 cb');
    expect(ping.code, ping.stderr).toBe(0);

    await env.nets.disconnect(env.ctx, a.id, n2.name);
    expect(sh('ip', ['-n', netnsNameFor(a.id), 'link', 'show', 'eth1']).code).not.toBe(0);
    expect(readFileSync(b.hostsPath, 'utf8')).not.toContain(ep.ipAddress!);
    expect(readFileSync(a.hostsPath, 'utf8')).not.toContain(rb.endpoints[0]!.ipAddress!);
    expect(env.nets.getAttachment(a.id)!.networks.map((n) => n.networkName)).toEqual([n1.name]);
    const inspect = await env.nets.inspectNetwork(env.ctx, n1);
    expect(inspect.Containers[a.id]).toMatchObject({ Name: 'ca', IPv4Address: expect.stringMatching(/\/24$/) });
  });

  it('attaches macvlan endpoints on a dummy parent that reach each other', async () => {
    // A dummy parent where the kernel has the dummy driver; else one end of a veth pair (this machine's kernel
    // has no dummy driver). Either way nothing leaves the host.
    const parent = `${env.id}m`;
    if (sh('ip', ['link', 'add', parent, 'type', 'dummy']).code !== 0) {
      expect(sh('ip', ['link', 'add', parent, 'type', 'veth', 'peer', 'name', `${env.id}p`]).code).toBe(0);
      sh('ip', ['link', 'set', `${env.id}p`, 'up']);
    }
    env.links.add(parent);
    sh('ip', ['link', 'set', parent, 'up']);
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, {
      name: `${env.id}-mv`,
      driver: 'macvlan',
      subnets: [subnet!],
      options: { parent, macvlan_mode: 'bridge' },
    });
    expect(net.options).toEqual({ parent, macvlan_mode: 'bridge' });
    const a = newContainer();
    const b = newContainer();
    const ra = await env.nets.attach(env.ctx, { containerId: a.id, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] }, ports: [{ hostIp: '', containerPort: 80, protocol: 'tcp' }] });
    const rb = await env.nets.attach(env.ctx, { containerId: b.id, hostname: 'b', network: { mode: 'cni', networks: [{ network: net.name }] } });
    expect(ra.portMappings).toEqual([]);
    expect(sh('ip', ['-n', netnsNameFor(a.id), '-d', 'link', 'show', 'eth0']).stdout).toContain('macvlan mode bridge');
    const ping = sh('ip', ['netns', 'exec', netnsNameFor(a.id), 'busybox', 'ping', '-c', '1', '-W', '2', rb.endpoints[0]!.ipAddress!]);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
    await env.nets.detach(env.ctx, a.id);
    await env.nets.detach(env.ctx, b.id);
    expect(ipamAllocations(net.ipamDataDir)).toEqual([]);
    expect(netnsList().filter((n) => n === netnsNameFor(a.id) || n === netnsNameFor(b.id))).toEqual([]);
  });

  it('attaches ipvlan endpoints (l2) that reach each other, or fails cleanly without kernel support', async () => {
    const parent = `${env.id}v`;
    expect(sh('ip', ['link', 'add', parent, 'type', 'veth', 'peer', 'name', `${env.id}w`]).code).toBe(0);
    env.links.add(parent);
    sh('ip', ['link', 'set', `${env.id}w`, 'up']);
    sh('ip', ['link', 'set', parent, 'up']);
    const [subnet] = freeSubnets(1);
    const net = await env.nets.createNetwork(env.ctx, {
      name: `${env.id}-iv`,
      driver: 'ipvlan',
      subnets: [subnet!],
      options: { parent, ipvlan_mode: 'l2' },
    });
    const a = newContainer();
    const b = newContainer();
    // Some kernels (this machine's) are built without ipvlan: then attach must fail in one clear line and leave
    // nothing behind.
    const probe = `${env.id}q`;
    const kernelHasIpvlan = sh('ip', ['link', 'add', 'link', parent, 'name', probe, 'type', 'ipvlan', 'mode', 'l2']).code === 0;
    sh('ip', ['link', 'del', probe]);
    if (!kernelHasIpvlan) {
      const err = await env.nets
        .attach(env.ctx, { containerId: a.id, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] } })
        .catch((e: unknown) => e);
      expect(hasCode(err, 'failed-precondition')).toBe(true);
      expect((err as Error).message).toBe(`network "${net.name}": plugin ipvlan failed (add): failed to create ipvlan: operation not supported`);
      expect(netnsList()).not.toContain(netnsNameFor(a.id));
      expect(ipamAllocations(net.ipamDataDir)).toEqual([]);
      expect(env.nets.getAttachment(a.id)).toBeUndefined();
      return;
    }
    await env.nets.attach(env.ctx, { containerId: a.id, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] } });
    const rb = await env.nets.attach(env.ctx, { containerId: b.id, hostname: 'b', network: { mode: 'cni', networks: [{ network: net.name }] } });
    expect(sh('ip', ['-n', netnsNameFor(a.id), '-d', 'link', 'show', 'eth0']).stdout).toMatch(/ipvlan\s+mode l2/);
    const ping = sh('ip', ['netns', 'exec', netnsNameFor(a.id), 'busybox', 'ping', '-c', '1', '-W', '2', rb.endpoints[0]!.ipAddress!]);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
  });

  it('attaches dual-stack networks, honouring --ip and --ip6', async () => {
    const [subnet] = freeSubnets(1);
    const x = subnet!.split('.')[2];
    const v6 = `fd00:213:${x}::/64`;
    const net = await env.nets.createNetwork(env.ctx, { name: `${env.id}-6`, ipv6: true, subnets: [subnet!, v6] });
    expect(net.enableIPv6).toBe(true);
    const a = newContainer();
    const b = newContainer();
    const ra = await env.nets.attach(env.ctx, {
      containerId: a.id,
      hostname: 'a',
      network: { mode: 'cni', networks: [{ network: net.name, ip: subnet!.replace(/0\/24$/, '20'), ip6: `fd00:213:${x}::20` }] },
    });
    expect(ra.endpoints[0]).toMatchObject({
      ipAddress: subnet!.replace(/0\/24$/, '20'),
      ipv6Address: `fd00:213:${x}::20`,
      ipv6PrefixLength: 64,
    });
    const rb = await env.nets.attach(env.ctx, { containerId: b.id, hostname: 'b', network: { mode: 'cni', networks: [{ network: net.name }] } });
    expect(rb.endpoints[0]!.ipv6Address).toMatch(new RegExp(`^fd00:213:${x}::`));
    const ping = await waitFor(
      () => sh('ip', ['netns', 'exec', netnsNameFor(b.id), 'busybox', 'ping', '-6', '-c', '1', '-W', '1', `fd00:213:${x}::20`]).code === 0,
      5000,
    );
    expect(ping).toBe(true);
  });

  it('writes resolv.conf from the host file with --dns options applied', async () => {
    const a = newContainer();
    writeFileSync(a.resolvPath, 'stale content that must go\n');
    await env.nets.attach(env.ctx, {
      containerId: a.id,
      hostname: 'a',
      network: { mode: 'none' },
      resolvConfPath: a.resolvPath,
      dns: { servers: ['192.0.2.53'], search: ['example.test'], options: ['ndots:2'] },
    });
    expect(readFileSync(a.resolvPath, 'utf8')).toBe('search example.test\nnameserver 192.0.2.53\noptions ndots:2\n');
    expect(existsSync(a.hostsPath)).toBe(false);
  });
});
