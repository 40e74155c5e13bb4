/**
 * Containers on real CNI networks: published ports reachable from 127.0.0.1 and the host's own address, a busy
 * host port failing cleanly, name resolution between containers of a user network, --add-host and --dns.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/registry.js';
import { canRunContainers, hostAddress, makeCtrEnv, waitFor, type CtrEnv } from './helpers.js';

async function fetchText(url: string): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return await r.text();
  } catch {
    return undefined;
  }
}

describe.skipIf(!canRunContainers)('networking', () => {
  let env: CtrEnv;
  let holder: Server | undefined;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    await new Promise<void>((r) => (holder ? holder.close(() => r()) : r()));
    holder = undefined;
    expect(await env.cleanup()).toEqual([]);
  });

  it('publishes a port reachable from 127.0.0.1 and from the host address', async () => {
    const port = await freePort();
    const id = (await env.ok(['run', '-d', '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www'])).trim();
    const page = await waitFor(() => fetchText(`http://127.0.0.1:${port}/`));
    expect(page).toBe('<h1>hello from busybox httpd</h1>\n');
    expect(await waitFor(() => fetchText(`http://${hostAddress()}:${port}/`))).toBe('<h1>hello from busybox httpd</h1>\n');
    expect((await env.ok(['port', id])).trim()).toBe(`80/tcp -> 0.0.0.0:${port}`);
    expect((await env.ok(['ps', '--format', '{{.Ports}}'])).trim()).toBe(`0.0.0.0:${port}->80/tcp`);
    const ip = (await env.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id])).trim();
    expect(ip.startsWith(env.subnetPrefix)).toBe(true);
  });

  it('binds 127.0.0.1 only when asked to', async () => {
    const port = await freePort();
    await env.ok(['run', '-d', '--name', 'lo', '-p', `127.0.0.1:${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']);
    expect(await waitFor(() => fetchText(`http://127.0.0.1:${port}/`))).toMatch(/hello/);
    expect((await env.ok(['port', 'lo', '80'])).trim()).toBe(`127.0.0.1:${port}`);
  });

  it('fails clearly on a host port held by another process and leaves nothing behind', async () => {
    const port = await freePort();
    holder = createServer();
    await new Promise<void>((r) => holder!.listen(port, '0.0.0.0', () => r()));
    const r = await env.run(['run', '-d', '--name', 'busy', '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`${port}`));
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    // The container exists (as Docker's does) but holds no network resources; removing it leaves nothing.
    expect((await env.ok(['inspect', '-f', '{{.State.Status}}', 'busy'])).trim()).toBe('created');
  });

  it('lets two containers on a user network reach each other by name and alias', async () => {
    const sub = `10.216.${1 + Math.floor(Math.random() * 250)}.0/24`;
    await env.ok(['network', 'create', '--subnet', sub, '-o', `com.docker.network.bridge.name=${env.id}u`, `${env.id}net`]);
    await env.ok(['run', '-d', '--name', 'server', '--network', `${env.id}net`, '--network-alias', 'web', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/var/www']);
    const out = await env.ok([
      'run', '--rm', '--network', `${env.id}net`, 'busybox', 'sh', '-c',
      'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://server/ && wget -q -O - http://web/ && break; sleep 0.3; done',
    ]);
    expect(out).toBe('<h1>hello from busybox httpd</h1>\n<h1>hello from busybox httpd</h1>\n');
    await env.ok(['rm', '-f', 'server']);
    await env.ok(['network', 'rm', `${env.id}net`]);
  });

  it('writes --add-host (with host-gateway), --dns and --hostname into the container files', async () => {
    const out = await env.ok([
      'run', '--rm', '--add-host', 'db:10.9.8.7', '--add-host', 'gw:host-gateway', '--dns', '10.1.1.1', '--dns-search', 'example.test',
      '--hostname', 'myhost', 'busybox', 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf; hostname',
    ]);
    expect(out).toMatch(/^10\.9\.8\.7\s+db$/m);
    expect(out).toMatch(new RegExp(`^${env.subnetPrefix.replace(/\./g, '\\.')}1\\s+gw$`, 'm'));
    expect(out).toMatch(/^nameserver 10\.1\.1\.1$/m);
    expect(out).toMatch(/^search example\.test$/m);
    expect(out.trim().split('\n').at(-1)).toBe('myhost');
  });

  it('runs with --network host and none', async () => {
    const none = await env.ok(['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']);
    expect(none.trim().split('\n')).toHaveLength(1);
    expect(none).toMatch(/lo:.*UP/);
    const host = await env.ok(['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link']);
    expect(host.trim().split('\n').length).toBeGreaterThan(1);
  });
});
