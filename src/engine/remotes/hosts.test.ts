import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { isLoopbackHost, loadRegistryHosts, parseHostsToml, parseHostUrl } from './hosts.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'nerdctl-hosts-unit-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function writeHostFile(root: string, host: string, name: string, text: string): void {
  mkdirSync(path.join(root, host), { recursive: true });
  writeFileSync(path.join(root, host, name), text);
}

describe('parseHostsToml', () => {
  it('reads server, mirrors in file order and their settings', () => {
    const f = parseHostsToml(
      `
server = "https://registry-1.docker.io"

[host."https://mirror-b.example"]
  capabilities = ["pull", "resolve"]
  ca = "mirror-ca.crt"
  client = [["/abs/client.cert", "client.key"]]
  header = { x-token = "t", x-multi = ["a", "b"] }

[host."http://mirror-a.example:5000/v2/dockerhub"]
  capabilities = ["pull"]
  skip_verify = true
  override_path = true
`,
      '/etc/containerd/certs.d/docker.io',
    );
    expect(f.server?.url).toBe('https://registry-1.docker.io');
    expect(f.hosts.map((h) => h.url)).toEqual(['https://mirror-b.example', 'http://mirror-a.example:5000/v2/dockerhub']);
    expect(f.hosts[0]).toEqual({
      url: 'https://mirror-b.example',
      capabilities: ['pull', 'resolve'],
      ca: ['/etc/containerd/certs.d/docker.io/mirror-ca.crt'],
      client: [['/abs/client.cert', '/etc/containerd/certs.d/docker.io/client.key']],
      headers: { 'x-token': ['t'], 'x-multi': ['a', 'b'] },
      overridePath: false,
    });
    expect(f.hosts[1]?.skipVerify).toBe(true);
    expect(f.hosts[1]?.overridePath).toBe(true);
  });

  it.each([
    ['not toml = = ', /invalid TOML/],
    ['[host."https://m"]\ncapabilities = ["fly"]', /unknown capability "fly"/],
    ['server = 5', /server must be a string/],
    ['skip_verify = "yes"', /skip_verify must be a boolean/],
  ])('refuses %j', (text, message) => {
    let err: unknown;
    try {
      parseHostsToml(text, '/d');
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});

describe('parseHostUrl', () => {
  it.each([
    ['https://mirror.example', false, { scheme: 'https', host: 'mirror.example', path: '/v2' }],
    ['mirror.example:5000', false, { scheme: 'https', host: 'mirror.example:5000', path: '/v2' }],
    ['localhost:5000', false, { scheme: 'http', host: 'localhost:5000', path: '/v2' }],
    ['https://m.example/v2/proxy', false, { scheme: 'https', host: 'm.example', path: '/v2/proxy/v2' }],
    ['https://m.example/v2', false, { scheme: 'https', host: 'm.example', path: '/v2' }],
    ['https://m.example/api/v2/proxy/', true, { scheme: 'https', host: 'm.example', path: '/api/v2/proxy' }],
  ] as const)('%s (override_path %s)', (url, override, expected) => {
    expect(parseHostUrl(url, override)).toEqual(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['127.0.0.1:5000', true],
    ['127.1.2.3', true],
    ['[::1]:5000', true],
    ['registry.example:5000', false],
    ['10.0.0.1:5000', false],
    ['docker.io', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('loadRegistryHosts', () => {
  it('gives Docker Hub its upstream host when nothing is configured', async () => {
    expect(await loadRegistryHosts('docker.io', { hostsDirs: [tempDir()] })).toEqual([
      { host: 'registry-1.docker.io', scheme: 'https', path: '/v2', capabilities: ['pull', 'resolve', 'push'], mirror: false },
    ]);
  });

  it('talks plain HTTP to loopback registries', async () => {
    const [h] = await loadRegistryHosts('127.0.0.1:5000', { hostsDirs: [] });
    expect(h?.scheme).toBe('http');
    const [v6] = await loadRegistryHosts('[::1]:5000', { hostsDirs: [] });
    expect(v6?.scheme).toBe('http');
  });

  it('puts mirrors first, then the server, and uses the first hosts dir that has the host', async () => {
    const a = tempDir();
    const b = tempDir();
    writeHostFile(b, 'docker.io', 'hosts.toml', '[host."https://other"]\n');
    writeHostFile(a, 'docker.io', 'hosts.toml', 'server = "https://registry-1.docker.io"\n[host."https://mirror.example"]\ncapabilities = ["pull","resolve"]\n');
    const hosts = await loadRegistryHosts('docker.io', { hostsDirs: [a, b] });
    expect(hosts.map((h) => [h.host, h.mirror, h.capabilities])).toEqual([
      ['mirror.example', true, ['pull', 'resolve']],
      ['registry-1.docker.io', false, ['pull', 'resolve', 'push']],
    ]);
  });

  it('falls back to _default/hosts.toml', async () => {
    const d = tempDir();
    writeHostFile(d, '_default', 'hosts.toml', '[host."https://cache.example"]\ncapabilities = ["pull"]\n');
    const hosts = await loadRegistryHosts('quay.io', { hostsDirs: [d] });
    expect(hosts.map((h) => h.host)).toEqual(['cache.example', 'quay.io']);
  });

  it("reads Docker's certs.d layout: *.crt CAs and a client.cert/client.key pair", async () => {
    const d = tempDir();
    writeHostFile(d, 'reg.example:5000', 'ca.crt', 'CA-PEM');
    writeHostFile(d, 'reg.example:5000', 'client.cert', 'CERT-PEM');
    writeHostFile(d, 'reg.example:5000', 'client.key', 'KEY-PEM');
    const [h] = await loadRegistryHosts('reg.example:5000', { hostsDirs: [d] });
    expect(h?.tls?.ca?.map(String)).toEqual(['CA-PEM']);
    expect(String(h?.tls?.cert)).toBe('CERT-PEM');
    expect(String(h?.tls?.key)).toBe('KEY-PEM');
  });

  it('refuses a client certificate without its key', async () => {
    const d = tempDir();
    writeHostFile(d, 'reg.example', 'client.cert', 'CERT');
    await expect(loadRegistryHosts('reg.example', { hostsDirs: [d] })).rejects.toThrow(/missing key client.key/);
  });

  it('names the file of a broken hosts.toml', async () => {
    const d = tempDir();
    writeHostFile(d, 'reg.example', 'hosts.toml', 'server = [');
    const err = await loadRegistryHosts('reg.example', { hostsDirs: [d] }).catch((e: unknown) => e);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toContain(path.join(d, 'reg.example', 'hosts.toml'));
  });

  it('marks insecure registries: TLS unverified and HTTPS falling back to HTTP', async () => {
    const [h] = await loadRegistryHosts('reg.example:5000', { hostsDirs: [], insecureRegistries: ['reg.example:5000'] });
    expect(h).toMatchObject({ scheme: 'https', httpFallback: true, tls: { insecureSkipVerify: true } });
    const [byName] = await loadRegistryHosts('reg.example:5000', { hostsDirs: [], insecureRegistries: ['reg.example'] });
    expect(byName?.httpFallback).toBe(true);
    const [other] = await loadRegistryHosts('other.example', { hostsDirs: [], insecureRegistries: ['reg.example'] });
    expect(other?.httpFallback).toBeUndefined();
    const [all] = await loadRegistryHosts('other.example', { hostsDirs: [], insecure: true });
    expect(all?.httpFallback).toBe(true);
  });
});
