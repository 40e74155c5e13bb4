import { describe, expect, it } from 'vitest';
import { mergeTmpfsOptions, parseTmpfs, sortMountsByDepth } from './mounts.js';
import { parseSignal } from './signals.js';
import { parseSysctl, validateSysctlNamespaces } from './sysctls.js';

describe('mergeTmpfsOptions', () => {
  it('lets later flags and data options win, keeping order', () => {
    expect(mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', 'exec', 'size=64m'])).toEqual([
      'nosuid',
      'nodev',
      'rprivate',
      'exec',
      'size=64m',
    ]);
    expect(mergeTmpfsOptions(['size=1m', 'ro', 'size=2m', 'rw', 'shared'])).toEqual(['size=2m', 'rw', 'shared']);
    expect(mergeTmpfsOptions(['defaults', 'mode=1777'])).toEqual(['mode=1777']);
  });

  it('refuses unknown options as Docker words it', () => {
    expect(() => mergeTmpfsOptions(['foo'])).toThrow('invalid tmpfs option ["foo"]');
    expect(() => mergeTmpfsOptions(['foo=bar'])).toThrow('invalid tmpfs option ["foo" "bar"]');
    expect(() => mergeTmpfsOptions(['size'])).toThrow('invalid tmpfs option ["size"]');
  });
});

describe('parseTmpfs', () => {
  it('splits destination and options at the first colon', () => {
    expect(parseTmpfs('/run')).toEqual({ destination: '/run', options: [] });
    expect(parseTmpfs('/run/:rw,noexec,size=64m')).toEqual({ destination: '/run', options: ['rw', 'noexec', 'size=64m'] });
  });

  it('refuses relative and root destinations and bad options', () => {
    expect(() => parseTmpfs('run')).toThrow("invalid mount path: 'run' mount path must be absolute");
    expect(() => parseTmpfs('/')).toThrow("invalid specification: destination can't be '/'");
    expect(() => parseTmpfs('/x:bogus')).toThrow('invalid tmpfs option ["bogus"]');
  });
});

describe('sortMountsByDepth', () => {
  it('mounts parents before children, stable otherwise', () => {
    const sorted = sortMountsByDepth([
      { destination: '/a/b/c' },
      { destination: '/z' },
      { destination: '/a/b' },
      { destination: '/a' },
    ]);
    expect(sorted.map((m) => m.destination)).toEqual(['/z', '/a', '/a/b', '/a/b/c']);
  });
});

describe('parseSysctl', () => {
  it.each([
    ['net.ipv4.ip_forward=1', ['net.ipv4.ip_forward', '1']],
    ['kernel.shmmax=65536', ['kernel.shmmax', '65536']],
    ['fs.mqueue.msg_max=100', ['fs.mqueue.msg_max', '100']],
    ['net/core/somaxconn=1024', ['net.core.somaxconn', '1024']],
    ['net.ipv4.ping_group_range=0 2147483647', ['net.ipv4.ping_group_range', '0 2147483647']],
  ])('%s', (text, kv) => {
    expect(parseSysctl(text)).toEqual(kv);
  });

  it.each(['kernel.foo=1', 'vm.swappiness=1', 'net.ipv4.ip_forward', '=1'])('refuses %s', (text) => {
    expect(() => parseSysctl(text)).toThrow(`sysctl '${text}' is not allowed`);
  });

  it('refuses namespaced sysctls without their namespace', () => {
    expect(() => validateSysctlNamespaces({ 'net.ipv4.ip_forward': '1' }, { hostNetwork: true, hostIpc: false })).toThrow(
      'sysctl "net.ipv4.ip_forward" not allowed in host network namespace',
    );
    expect(() => validateSysctlNamespaces({ 'kernel.shmmax': '1' }, { hostNetwork: false, hostIpc: true })).toThrow(
      'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace',
    );
    expect(() => validateSysctlNamespaces({ 'net.core.somaxconn': '1' }, { hostNetwork: false, hostIpc: true })).not.toThrow();
  });
});

describe('parseSignal', () => {
  it.each([
    ['SIGTERM', 'SIGTERM', 15],
    ['term', 'SIGTERM', 15],
    ['9', 'SIGKILL', 9],
    ['SIGUSR1', 'SIGUSR1', 10],
    ['RTMIN+3', 'SIGRTMIN+3', 37],
    ['SIGRTMAX-1', 'SIGRTMAX-1', 63],
    ['iot', 'SIGABRT', 6],
  ])('%s -> %s (%d)', (raw, name, number) => {
    expect(parseSignal(raw)).toEqual({ name, number });
  });

  it.each(['0', 'FOO', '65', 'SIGRTMIN+20', ''])('refuses %j', (raw) => {
    expect(() => parseSignal(raw)).toThrow(`Invalid signal: ${raw}`);
  });
});
