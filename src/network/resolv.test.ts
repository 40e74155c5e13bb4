import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildResolvConf, filterLoopbackNameservers, readHostResolvConf } from './resolv.js';

describe('buildResolvConf', () => {
  const host = '# managed\nsearch corp.example\nnameserver 127.0.0.1\nnameserver 10.255.255.53\noptions edns0\n';

  it('drops loopback nameservers and keeps the rest of the host file', () => {
    expect(buildResolvConf({ hostContent: host })).toBe(
      '# managed\nsearch corp.example\nnameserver 10.255.255.53\noptions edns0\n',
    );
  });

  it('falls back to the public resolvers when only loopback ones were configured', () => {
    expect(filterLoopbackNameservers('nameserver 127.0.0.53\nnameserver ::1\n')).toBe(
      'nameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\n',
    );
  });

  it('copies the host file for host networking', () => {
    expect(buildResolvConf({ hostContent: host, hostNetwork: true })).toBe(host);
  });

  it('applies --dns, --dns-search and --dns-opt like Docker', () => {
    expect(
      buildResolvConf({ hostContent: host, servers: ['1.1.1.1'], search: ['a.com'], options: ['ndots:2'] }),
    ).toBe('search a.com\nnameserver 1.1.1.1\noptions ndots:2\n');
  });

  it('keeps host nameservers (without loopback) when only the search list is given', () => {
    expect(buildResolvConf({ hostContent: host, search: ['a.com'] })).toBe(
      'search a.com\nnameserver 10.255.255.53\noptions edns0\n',
    );
  });

  it('treats --dns-search . as no search list', () => {
    expect(buildResolvConf({ hostContent: host, search: ['.'], servers: ['9.9.9.9'] })).toBe(
      'nameserver 9.9.9.9\noptions edns0\n',
    );
  });
});

describe('readHostResolvConf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resolv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('follows systemd-resolved past its stub listener', async () => {
    writeFileSync(join(dir, 'stub'), 'nameserver 127.0.0.53\noptions edns0 trust-ad\n');
    writeFileSync(join(dir, 'upstream'), 'nameserver 192.0.2.53\n');
    const r = await readHostResolvConf({ resolvConf: join(dir, 'stub'), systemdResolvedConf: join(dir, 'upstream') });
    expect(r).toEqual({ path: join(dir, 'upstream'), content: 'nameserver 192.0.2.53\n' });
  });

  it('reads a missing file as empty', async () => {
    expect((await readHostResolvConf({ resolvConf: join(dir, 'missing') })).content).toBe('');
  });
});
