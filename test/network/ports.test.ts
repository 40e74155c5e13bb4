/**
 * Port publishing through the portmap plugin, end to end: a busybox httpd (or a UDP echo server) inside a
 * container's namespace, reached from the host over 127.0.0.1 and over the host's own address; busy ports; picked
 * ports; and everything again with the FORWARD policy set to DROP, as dockerd leaves it.
 */
import { createSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/engine/errdefs.js';
import { netnsNameFor } from '../../src/network/netns.js';
import { openNetworking } from '../../src/network/networking.js';
import { execPlugin, pluginStdinConfig } from '../../src/network/cni/exec.js';
import { dnatChainName, publishPorts, unpublishPorts, type PortRulesTarget } from '../../src/network/port-rules.js';
import { formatPortMapping, parsePublish } from '../../src/network/ports.js';
import {
  canRun,
  cleanupEnv,
  containerId,
  freeSubnets,
  hostAddress,
  httpGet,
  httpGetInNetns,
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
import type { ChildProcess } from 'node:child_process';

/** A port in 20000-29999 (outside the ephemeral range picked ports come from) that nothing listens on. */
async function freePort(): Promise<number> {
  for (;;) {
    const p = 20000 + Math.floor(Math.random() * 10000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '0.0.0.0', () => s.close(() => resolve(true)));
    });
    if (ok && !iptablesDump().includes(`--dport ${p} `)) return p;
  }
}

function udpRoundTrip(host: string, port: number, msg: string, timeoutMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve('TIMEOUT');
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.send(msg, port, host);
  });
}

describe.skipIf(!canRun)('port publishing', () => {
  let env: NetTestEnv;
  const children: ChildProcess[] = [];
  const servers: Server[] = [];

  beforeEach(() => {
    env = makeEnv();
  });
  afterEach(async () => {
    children.splice(0).forEach(stop);
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    expect(await cleanupEnv(env)).toEqual([]);
  });

  async function network() {
    const [subnet] = freeSubnets(1);
    return env.nets.createNetwork(env.ctx, { name: `${env.id}-n`, subnets: [subnet!] });
  }

  function newId(): string {
    const id = containerId();
    env.containers.add(id);
    return id;
  }

  /** Starts busybox httpd on port 80 in the container and waits until it answers on its own address. */
  async function httpd(id: string, ip: string): Promise<void> {
    const www = join(env.dir, `www-${id.slice(0, 8)}`);
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), `hello from ${id.slice(0, 12)}\n`);
    children.push(spawnInNetns(netnsNameFor(id), 'busybox', ['httpd', '-f', '-p', '80', '-h', www]));
    expect(await waitFor(async () => (await httpGet(`http://${ip}/`, 500)).startsWith('hello'))).toBe(true);
  }

  it('serves a published port on 127.0.0.1 and on the host address, honouring the bound address', async () => {
    const net = await network();
    const [pLocal, pAll] = [await freePort(), await freePort()];
    const id = newId();
    const r = await env.nets.attach(env.ctx, {
      containerId: id,
      name: 'web',
      hostname: 'web',
      network: { mode: 'cni', networks: [{ network: net.name }] },
      ports: [...parsePublish(`127.0.0.1:${pLocal}:80`), ...parsePublish(`${pAll}:80`)],
    });
    expect(r.portMappings.map(formatPortMapping)).toEqual([`80/tcp -> 127.0.0.1:${pLocal}`, `80/tcp -> 0.0.0.0:${pAll}`]);
    await httpd(id, r.endpoints[0]!.ipAddress!);
    const hostIp = hostAddress();
    const want = `hello from ${id.slice(0, 12)}\n`;
    expect(await httpGet(`http://127.0.0.1:${pLocal}/`)).toBe(want);
    expect(await httpGet(`http://127.0.0.1:${pAll}/`)).toBe(want);
    expect(await httpGet(`http://${hostIp}:${pAll}/`)).toBe(want);
    expect(await httpGet(`http://${hostIp}:${pLocal}/`, 1000)).toMatch(/^ERR/);

    await env.nets.detach(env.ctx, id);
    expect(await httpGet(`http://127.0.0.1:${pAll}/`, 1000)).toMatch(/^ERR/);
    expect(iptablesDump()).not.toContain(`--dport ${pAll} `);
  });

  it('writes exactly the rules the portmap plugin writes, and removes them', async () => {
    // A host route to the container subnet (portmap enables route_localnet on the interface routing to it).
    const [subnet] = freeSubnets(1);
    const link = `${env.id}r`;
    env.links.add(link);
    expect(sh('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', `${env.id}s`]).code).toBe(0);
    sh('ip', ['addr', 'add', subnet!.replace(/0\/24$/, '1/24'), 'dev', link]);
    sh('ip', ['link', 'set', link, 'up']);
    const id = newId();
    const ip = subnet!.replace(/0\/24$/, '5');
    const [p1, p2] = [await freePort(), await freePort()];
    const mappings = [
      { hostPort: p1, containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' },
      { hostPort: p2, containerPort: 81, protocol: 'tcp' },
    ];
    const list = { cniVersion: '1.0.0', name: `${env.id}-pm` };
    const chain = dnatChainName(list.name, id);
    const lines = () =>
      iptablesDump()
        .split('\n')
        .filter((l) => l.includes(chain))
        .sort();
    // The plugin wants a namespace path, though it does nothing inside.
    const ns = `${env.id}p`;
    sh('ip', ['netns', 'add', ns]);
    const plugin = { type: 'portmap', capabilities: { portMappings: true } };
    const prev = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/x' }], ips: [{ address: `${ip}/24`, interface: 0 }] };
    const inv = { containerId: id, netnsPath: `/var/run/netns/${ns}`, ifname: 'eth0' };
    const rt = { paths: ['/usr/lib/cni', '/opt/cni/bin'] };
    const conf = pluginStdinConfig(list, plugin, { portMappings: mappings }, prev);
    try {
      await execPlugin(rt, 'ADD', plugin, conf, inv);
    } finally {
      sh('ip', ['netns', 'del', ns]);
    }
    const byPlugin = lines();
    await execPlugin(rt, 'DEL', plugin, conf, { ...inv, netnsPath: '' });
    expect(lines()).toEqual([]);
    expect(byPlugin.length).toBeGreaterThan(6);

    const target: PortRulesTarget = { network: list.name, containerId: id, ip, prefixLength: 24, mappings };
    await publishPorts(target, link);
    expect(lines()).toEqual(byPlugin);
    expect(sh('cat', [`/proc/sys/net/ipv4/conf/${link}/route_localnet`]).stdout.trim()).toBe('1');
    await unpublishPorts(target);
    expect(lines()).toEqual([]);
    // Idempotent, as a plugin DEL is.
    await unpublishPorts(target);
  });

  it('refuses a host port held by a host process or another container, leaving nothing behind', async () => {
    const net = await network();
    const port = await freePort();
    const srv = createServer();
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(port, '0.0.0.0', r));
    const id = newId();
    const before = iptablesDump();
    const err = await env.nets
      .attach(env.ctx, {
        containerId: id,
        name: 'busy',
        hostname: 'busy',
        network: { mode: 'cni', networks: [{ network: net.name }] },
        ports: parsePublish(`${port}:80`),
      })
      .catch((e: unknown) => e);
    expect(hasCode(err, 'conflict')).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(`^driver failed programming external connectivity on endpoint busy \\([0-9a-f]{64}\\): Error starting userland proxy: listen tcp4 0\\.0\\.0\\.0:${port}: bind: address already in use$`),
    );
    expect(netnsList()).not.toContain(netnsNameFor(id));
    expect(env.nets.getAttachment(id)).toBeUndefined();
    expect(iptablesDump()).toBe(before);
    expect(ipamAllocations(net.ipamDataDir)).toEqual([]);

    // Held by another container: Docker's "port is already allocated", whatever address the second one asks for.
    const other = await freePort();
    const a = newId();
    await env.nets.attach(env.ctx, { containerId: a, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] }, ports: parsePublish(`${other}:80`) });
    const b = newId();
    const err2 = await env.nets
      .attach(env.ctx, { containerId: b, name: 'b', hostname: 'b', network: { mode: 'cni', networks: [{ network: net.name }] }, ports: parsePublish(`127.0.0.1:${other}:8080`) })
      .catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(new RegExp(`: Bind for 127\\.0\\.0\\.1:${other} failed: port is already allocated$`));
    expect(netnsList()).not.toContain(netnsNameFor(b));
    // The same host port for udp is a different binding.
    await env.nets.attach(env.ctx, { containerId: b, hostname: 'b', network: { mode: 'cni', networks: [{ network: net.name }] }, ports: parsePublish(`${other}:80/udp`) });
  });

  it('picks distinct host ports for concurrent attaches from separate processes', async () => {
    const net = await network();
    // A second Networking instance has its own database connection: a separate writer, as another CLI process.
    const nets2 = openNetworking({ dataRoot: env.dataRoot, netconfPath: env.netconfPath });
    try {
      const ids = [newId(), newId(), newId(), newId()];
      const results = await Promise.all(
        ids.map((id, i) =>
          (i % 2 === 0 ? env.nets : nets2).attach(env.ctx, {
            containerId: id,
            hostname: 'x',
            network: { mode: 'cni', networks: [{ network: net.name }] },
            ports: parsePublish('80'),
          }),
        ),
      );
      const ports = results.map((r) => r.portMappings[0]!.hostPort);
      expect(new Set(ports).size).toBe(4);
      const [lo, hi] = sh('cat', ['/proc/sys/net/ipv4/ip_local_port_range']).stdout.trim().split(/\s+/).map(Number);
      for (const p of ports) expect(p >= lo! && p <= hi!).toBe(true);
      expect(results[0]!.portMappings.map(formatPortMapping)).toEqual([`80/tcp -> 0.0.0.0:${ports[0]}`]);
    } finally {
      nets2.close();
    }
  });

  it('publishes udp ports', async () => {
    const net = await network();
    const port = await freePort();
    const id = newId();
    const r = await env.nets.attach(env.ctx, {
      containerId: id,
      hostname: 'u',
      network: { mode: 'cni', networks: [{ network: net.name }] },
      ports: parsePublish(`127.0.0.1:${port}:5353/udp`),
    });
    const echo = "require('dgram').createSocket('udp4').on('message',function(m,r){this.send('echo:'+m,r.port,r.address)}).bind(5353)";
    children.push(spawnInNetns(netnsNameFor(id), process.execPath, ['-e', echo]));
    const ip = r.endpoints[0]!.ipAddress!;
    expect(await waitFor(async () => (await udpRoundTrip(ip, 5353, 'direct', 200)) === 'echo:direct')).toBe(true);
    expect(await udpRoundTrip('127.0.0.1', port, 'mapped')).toBe('echo:mapped');
  });

  it('works with the FORWARD policy DROP: between containers, from the host, and from another host', async () => {
    const net = await network();
    const port = await freePort();
    const [extSubnet] = freeSubnets(1);
    const base = extSubnet!.replace(/\.0\/24$/, '');
    // "Another host": a namespace routed to this one over a veth pair (its traffic is forwarded, not local).
    const ext = `${env.id}x`;
    const hostSide = `${env.id}h`;
    env.links.add(hostSide);
    sh('ip', ['netns', 'add', ext]);
    try {
      expect(sh('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'ext0', 'netns', ext]).code).toBe(0);
      sh('ip', ['addr', 'add', `${base}.1/30`, 'dev', hostSide]);
      sh('ip', ['link', 'set', hostSide, 'up']);
      sh('ip', ['-n', ext, 'addr', 'add', `${base}.2/30`, 'dev', 'ext0']);
      sh('ip', ['-n', ext, 'link', 'set', 'ext0', 'up']);
      sh('ip', ['-n', ext, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', ext, 'route', 'add', 'default', 'via', `${base}.1`]);

      const policy = /^-P FORWARD (\w+)/m.exec(sh('iptables', ['-S', 'FORWARD']).stdout)?.[1] ?? 'ACCEPT';
      sh('iptables', ['-P', 'FORWARD', 'DROP']);
      try {
        const a = newId();
        const b = newId();
        const ra = await env.nets.attach(env.ctx, { containerId: a, hostname: 'a', network: { mode: 'cni', networks: [{ network: net.name }] }, ports: parsePublish(`${port}:80`) });
        const hostsB = join(env.dir, 'b.hosts');
        const rb = await env.nets.attach(env.ctx, {
          containerId: b,
          hostname: 'b',
          network: { mode: 'cni', networks: [{ network: net.name }] },
          hostsPath: hostsB,
        });
        const ipA = ra.endpoints[0]!.ipAddress!;
        await httpd(a, ipA);
        const want = `hello from ${a.slice(0, 12)}\n`;
        const ping = sh('ip', ['netns', 'exec', netnsNameFor(b), 'sh', '-c', `mount --bind ${hostsB} /etc/hosts && busybox ping -c 1 -W 2 a`]);
        expect(ping.code, ping.stdout + ping.stderr).toBe(0);
        expect(ping.stdout).toContain(ipA);
        expect(await httpGet(`http://127.0.0.1:${port}/`)).toBe(want);
        expect(await httpGet(`http://${hostAddress()}:${port}/`)).toBe(want);
        // Forwarded from outside: accepted only thanks to our rule for DNAT'ed traffic (the firewall plugin's own
        // rules accept traffic from the container and replies to it, not new connections to it).
        const fromExt = httpGetInNetns(ext, `http://${base}.1:${port}/`);
        expect(fromExt.body, fromExt.error).toBe(want);
        // Another container through the host's published port (hairpin through the bridge).
        const hairpin = httpGetInNetns(netnsNameFor(b), `http://${hostAddress()}:${port}/`);
        expect(hairpin.body, hairpin.error).toBe(want);
        expect(rb.portMappings).toEqual([]);
      } finally {
        sh('iptables', ['-P', 'FORWARD', policy]);
      }
    } finally {
      sh('ip', ['netns', 'del', ext]);
    }
  });
});
