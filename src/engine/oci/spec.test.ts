import { describe, expect, it } from 'vitest';
import {
  type ContainerCreateOptions,
  type ContainerFlags,
  containerOptionsFromFlags,
  mergeImageConfig,
} from '../containers/options.js';
import { hasCode } from '../errdefs.js';
import { DEFAULT_CAPABILITIES, capabilitiesFromMask } from './caps.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from './defaults.js';
import type { HostFacts } from './host.js';
import { RLIM_INFINITY, parseProcLimits } from './rlimits.js';
import { type SpecInput, buildSpec } from './spec.js';
import type { Mount, Spec } from './types.js';

const ID = 'a'.repeat(64);

function host(patch: Partial<HostFacts> = {}): HostFacts {
  const caps = capabilitiesFromMask('000001fffeffffff');
  return {
    capabilities: caps,
    effectiveCapabilities: caps,
    rlimits: parseProcLimits('Max open files            20000                20000                files\n'),
    cgroupVersion: 1,
    kernel: [6, 1],
    arch: 'amd64',
    cpus: 2,
    cpusetCpus: '0-1',
    cpusetMems: '0',
    swapLimit: true,
    oomScoreAdj: 0,
    sysctls: { pingGroupRange: true, unprivilegedPortStart: true },
    devices: [
      { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
      { type: 'b', path: '/dev/sda', major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6 },
    ],
    ...patch,
  };
}

const image = { Env: ['PATH=/usr/bin:/bin', 'IMAGE_VAR=1'], Cmd: ['sh'], WorkingDir: '/srv' };

function options(flags: ContainerFlags = {}, command: string[] = []): ContainerCreateOptions {
  return containerOptionsFromFlags(flags, command, { env: { HOME: '/root' }, cwd: '/tmp' });
}

function build(flags: ContainerFlags = {}, patch: Partial<SpecInput> = {}, command: string[] = []) {
  const o = options(flags, command);
  const input: SpecInput = {
    id: ID,
    namespace: 'default',
    options: o,
    config: mergeImageConfig(image, o),
    rootfs: '/run/nerdctl/x/rootfs',
    hostname: 'aaaaaaaaaaaa',
    files: { hostname: '/d/hostname', hosts: '/d/hosts', resolvConf: '/d/resolv.conf' },
    network: { kind: 'path', path: '/var/run/netns/x' },
    mounts: [],
    user: { uid: 0, gid: 0, additionalGids: [0], home: '/root' },
    host: host(),
    initBinary: '/usr/bin/tini-static',
    ...patch,
  };
  return buildSpec(input);
}

function mount(spec: Spec, dest: string): Mount | undefined {
  return spec.mounts.find((m) => m.destination === dest);
}

function err(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected an error');
}

describe('buildSpec defaults', () => {
  const { spec, warnings } = build();

  it('runs the image command as root with Docker\'s 14 capabilities, not inheritable or ambient', () => {
    expect(spec.ociVersion).toBe('1.0.2-dev');
    expect(spec.process.args).toEqual(['sh']);
    expect(spec.process.cwd).toBe('/srv');
    expect(spec.process.user).toEqual({ uid: 0, gid: 0, additionalGids: [0] });
    expect(spec.process.capabilities).toEqual({
      bounding: DEFAULT_CAPABILITIES,
      effective: DEFAULT_CAPABILITIES,
      permitted: DEFAULT_CAPABILITIES,
    });
    expect(spec.process.terminal).toBe(false);
    expect(spec.process.noNewPrivileges).toBe(false);
    expect(spec.process.rlimits).toBeUndefined();
    expect(spec.process.oomScoreAdj).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('sets env with the image PATH, HOSTNAME and no TERM', () => {
    expect(spec.process.env).toEqual(['PATH=/usr/bin:/bin', 'HOSTNAME=aaaaaaaaaaaa', 'IMAGE_VAR=1']);
  });

  it('mounts /proc, /dev, /dev/pts, /sys, cgroup, mqueue, shm, then the network files', () => {
    expect(spec.mounts.map((m) => m.destination)).toEqual([
      '/proc',
      '/dev',
      '/dev/pts',
      '/sys',
      '/sys/fs/cgroup',
      '/dev/mqueue',
      '/dev/shm',
      '/etc/resolv.conf',
      '/etc/hostname',
      '/etc/hosts',
    ]);
    expect(mount(spec, '/dev')?.options).toEqual(['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
    expect(mount(spec, '/dev/pts')?.options).toEqual(['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']);
    expect(mount(spec, '/dev/shm')?.options).toEqual(['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864']);
    expect(mount(spec, '/sys')?.options).toContain('ro');
    expect(mount(spec, '/sys/fs/cgroup')).toEqual({
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['ro', 'nosuid', 'noexec', 'nodev'],
    });
    expect(mount(spec, '/etc/hosts')).toEqual({ destination: '/etc/hosts', type: 'bind', source: '/d/hosts', options: ['rbind', 'rprivate'] });
  });

  it('masks and write-protects Docker\'s /proc and /sys paths', () => {
    expect(spec.linux.maskedPaths).toEqual(DEFAULT_MASKED_PATHS);
    for (const p of ['/proc/kcore', '/proc/keys', '/proc/acpi', '/sys/firmware', '/proc/scsi', '/sys/devices/virtual/powercap']) {
      expect(spec.linux.maskedPaths).toContain(p);
    }
    expect(spec.linux.readonlyPaths).toEqual(DEFAULT_READONLY_PATHS);
  });

  it('uses private namespaces, the prepared netns and the host cgroup namespace on v1', () => {
    expect(spec.linux.namespaces).toEqual([
      { type: 'mount' },
      { type: 'network', path: '/var/run/netns/x' },
      { type: 'uts' },
      { type: 'pid' },
      { type: 'ipc' },
    ]);
    expect(spec.hostname).toBe('aaaaaaaaaaaa');
  });

  it('allows only the standard device nodes', () => {
    expect(spec.linux.devices).toBeUndefined();
    expect(spec.linux.resources?.devices?.[0]).toEqual({ allow: false, access: 'rwm' });
    expect(spec.linux.resources?.devices).toContainEqual({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    expect(spec.linux.resources?.devices).toContainEqual({ allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' });
  });

  it('applies the default seccomp profile and Docker\'s default sysctls', () => {
    expect(spec.linux.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(spec.linux.sysctl).toEqual({ 'net.ipv4.ping_group_range': '0 2147483647', 'net.ipv4.ip_unprivileged_port_start': '0' });
  });

  it('places the cgroup under /nerdctl/<namespace>/<id>', () => {
    expect(spec.linux.cgroupsPath).toBe(`/nerdctl/default/${ID}`);
    expect(build({ 'cgroup-parent': 'mygroup' }).spec.linux.cgroupsPath).toBe(`/mygroup/${ID}`);
  });

  it('uses a private cgroup namespace on cgroup v2', () => {
    const v2 = build({}, { host: host({ cgroupVersion: 2 }) }).spec;
    expect(v2.linux.namespaces).toContainEqual({ type: 'cgroup' });
    expect(build({ cgroupns: 'private' }).spec.linux.namespaces).toContainEqual({ type: 'cgroup' });
  });
});

describe('buildSpec process', () => {
  it('adds TERM=xterm and a terminal with -t', () => {
    const { spec } = build({ tty: true });
    expect(spec.process.terminal).toBe(true);
    expect(spec.process.env).toContain('TERM=xterm');
  });

  it('lets the user env override the image, and PATH default when the image has none', () => {
    const o = options({ env: ['IMAGE_VAR=2', 'NEW=x'] });
    const { spec } = buildSpec({
      id: ID,
      namespace: 'default',
      options: o,
      config: mergeImageConfig({ Cmd: ['true'] }, o),
      rootfs: '/r',
      hostname: 'h',
      network: { kind: 'new' },
      mounts: [],
      user: { uid: 0, gid: 0, additionalGids: [0], home: '/' },
      host: host(),
    });
    expect(spec.process.env).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=h',
      'IMAGE_VAR=2',
      'NEW=x',
    ]);
    expect(spec.linux.namespaces).toContainEqual({ type: 'network' });
  });

  it('prefixes the init and bind-mounts it read-only with --init', () => {
    const { spec } = build({ init: true }, {}, ['sleep', '1']);
    expect(spec.process.args).toEqual(['/sbin/docker-init', '--', 'sleep', '1']);
    expect(mount(spec, '/sbin/docker-init')).toEqual({
      destination: '/sbin/docker-init',
      type: 'bind',
      source: '/usr/bin/tini-static',
      options: ['bind', 'ro'],
    });
  });

  it('adds no init when the PID namespace is not private, and fails without a binary', () => {
    expect(build({ init: true, pid: 'host' }).spec.process.args).toEqual(['sh']);
    const e = err(() => build({ init: true }, { initBinary: undefined }));
    expect(hasCode(e, 'failed-precondition')).toBe(true);
  });

  it('sets the resolved user and groups', () => {
    const { spec } = build({ user: 'alice' }, { user: { uid: 1000, gid: 1000, additionalGids: [1000, 10], home: '/home/alice' } });
    expect(spec.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [1000, 10] });
  });

  it('sets no-new-privileges and oom_score_adj', () => {
    expect(build({ 'security-opt': ['no-new-privileges'] }).spec.process.noNewPrivileges).toBe(true);
    expect(build({ 'security-opt': ['no-new-privileges=false'] }).spec.process.noNewPrivileges).toBe(false);
    expect(build({ 'oom-score-adj': '500' }).spec.process.oomScoreAdj).toBe(500);
    const e = err(() => build({ 'oom-score-adj': '-500' }, { host: host({ effectiveCapabilities: [] }) }));
    expect(e.message).toContain('needs CAP_SYS_RESOURCE');
  });
});

describe('buildSpec capabilities', () => {
  it('adds and drops', () => {
    const caps = build({ 'cap-add': ['net_admin'], 'cap-drop': ['chown'] }).spec.process.capabilities?.bounding ?? [];
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).not.toContain('CAP_CHOWN');
  });

  it('handles ALL', () => {
    expect(build({ 'cap-drop': ['ALL'] }).spec.process.capabilities?.effective).toEqual([]);
    const all = build({ 'cap-add': ['all'] }).spec.process.capabilities?.permitted ?? [];
    expect(all).toHaveLength(40);
  });

  it('refuses a capability the host lacks', () => {
    const e = err(() => build({ 'cap-add': ['SYS_RESOURCE'] }));
    expect(e.message).toBe('capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"');
  });

  it('opens seccomp rules for added capabilities', () => {
    const { spec } = build({ 'cap-add': ['SYS_ADMIN'] });
    expect(spec.linux.seccomp?.syscalls?.some((s) => s.names.includes('unshare') && s.action === 'SCMP_ACT_ALLOW')).toBe(true);
  });
});

describe('buildSpec --privileged', () => {
  const { spec } = build({ privileged: true, device: ['/dev/null:/dev/other'] }, {
    devices: [{ device: { type: 'c', path: '/dev/other', major: 1, minor: 3 }, permissions: 'rwm' }],
  });

  it('grants the host\'s capabilities, devices, no seccomp and no masked paths', () => {
    expect(spec.process.capabilities?.bounding).toEqual(host().capabilities);
    expect(spec.linux.devices?.map((d) => d.path)).toEqual(['/dev/null', '/dev/sda', '/dev/other']);
    expect(spec.linux.resources?.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(spec.linux.seccomp).toBeUndefined();
    expect(spec.linux.maskedPaths).toEqual([]);
    expect(spec.linux.readonlyPaths).toEqual([]);
  });

  it('mounts /sys and cgroups read-write', () => {
    expect(mount(spec, '/sys')?.options).not.toContain('ro');
    expect(mount(spec, '/sys/fs/cgroup')?.options).not.toContain('ro');
  });
});

describe('buildSpec --read-only', () => {
  const { spec } = build({ 'read-only': true, tmpfs: ['/run'] }, {
    mounts: [{ type: 'bind', source: '/data', destination: '/data', readOnly: false, propagation: 'rprivate' }],
  });

  it('makes the rootfs and non-user mounts read-only but keeps /dev, /proc, shm, mqueue, pts and user mounts', () => {
    expect(spec.root).toEqual({ path: '/run/nerdctl/x/rootfs', readonly: true });
    expect(mount(spec, '/etc/hosts')?.options).toEqual(['rbind', 'ro', 'rprivate']);
    for (const d of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue']) expect(mount(spec, d)?.options).not.toContain('ro');
    expect(mount(spec, '/sys')?.options).toContain('ro');
    expect(mount(spec, '/data')?.options).toEqual(['rbind', 'rprivate']);
    expect(mount(spec, '/run')?.options).not.toContain('ro');
  });
});

describe('buildSpec mounts', () => {
  it('turns tmpfs requests into tmpfs mounts with Docker\'s defaults merged', () => {
    const { spec } = build({ tmpfs: ['/scratch:exec,size=64m,mode=1777'] });
    expect(spec.mounts.filter((m) => m.destination === '/scratch')).toHaveLength(1);
    expect(mount(spec, '/scratch')).toEqual({
      destination: '/scratch',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'rprivate', 'exec', 'size=64m', 'mode=1777'],
    });
  });

  it('sizes /dev/shm from --shm-size and drops it for --ipc none', () => {
    expect(mount(build({ 'shm-size': '128m' }).spec, '/dev/shm')?.options).toContain('size=134217728');
    expect(mount(build({ ipc: 'none' }).spec, '/dev/shm')).toBeUndefined();
  });

  it('bind-mounts the host /dev/shm for --ipc host and the other container\'s for --ipc container:', () => {
    const host = build({ ipc: 'host' }).spec;
    expect(mount(host, '/dev/shm')).toEqual({ destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate'] });
    expect(host.linux.namespaces.some((n) => n.type === 'ipc')).toBe(false);
    const joined = build({ ipc: 'container:web' }, { joined: { ipc: 4242 } }).spec;
    expect(mount(joined, '/dev/shm')?.source).toBe('/proc/4242/root/dev/shm');
    expect(joined.linux.namespaces).toContainEqual({ type: 'ipc', path: '/proc/4242/ns/ipc' });
  });

  it('lets a user mount replace a default one and a user /dev replace everything below /dev', () => {
    const { spec } = build({}, {
      mounts: [
        { type: 'bind', source: '/host/dev', destination: '/dev', readOnly: false },
        { type: 'bind', source: '/h/hosts', destination: '/etc/hosts', readOnly: true },
      ],
    });
    expect(spec.mounts.filter((m) => m.destination.startsWith('/dev/'))).toEqual([]);
    expect(spec.mounts.filter((m) => m.destination === '/etc/hosts')).toEqual([
      { destination: '/etc/hosts', type: 'bind', source: '/h/hosts', options: ['rbind', 'ro'] },
    ]);
  });

  it('orders user mounts parents first and sets rootfs propagation for shared binds', () => {
    const { spec } = build({}, {
      mounts: [
        { type: 'bind', source: '/b', destination: '/a/b', readOnly: false, nonRecursive: true },
        { type: 'bind', source: '/a', destination: '/a', readOnly: false, propagation: 'rshared' },
      ],
    });
    const user = spec.mounts.filter((m) => m.destination.startsWith('/a'));
    expect(user.map((m) => m.destination)).toEqual(['/a', '/a/b']);
    expect(user[1]?.options).toEqual(['bind']);
    expect(spec.linux.rootfsPropagation).toBe('shared');
  });
});

describe('buildSpec namespaces', () => {
  it('joins host and container namespaces', () => {
    const { spec } = build({ pid: 'container:db', uts: 'host' }, { joined: { pid: 99 }, network: { kind: 'host' } });
    expect(spec.linux.namespaces).toEqual([{ type: 'mount' }, { type: 'pid', path: '/proc/99/ns/pid' }, { type: 'ipc' }]);
    expect(spec.hostname).toBeUndefined();
    expect(spec.linux.sysctl).toBeUndefined();
  });

  it('drops the pid namespace for --pid host', () => {
    expect(build({ pid: 'host' }).spec.linux.namespaces.some((n) => n.type === 'pid')).toBe(false);
  });

  it('sets the domain name through kernel.domainname', () => {
    expect(build({ domainname: 'example.org' }).spec.linux.sysctl?.['kernel.domainname']).toBe('example.org');
  });

  it('refuses net.* sysctls in the host network namespace', () => {
    const o = options({ sysctl: ['net.core.somaxconn=1024'] });
    const e = err(() =>
      buildSpec({
        id: ID,
        namespace: 'default',
        options: o,
        config: mergeImageConfig(image, o),
        rootfs: '/r',
        hostname: 'h',
        network: { kind: 'host' },
        mounts: [],
        user: { uid: 0, gid: 0, additionalGids: [0], home: '/' },
        host: host(),
      }),
    );
    expect(e.message).toBe('sysctl "net.core.somaxconn" not allowed in host network namespace');
    expect(build({ sysctl: ['net.core.somaxconn=1024'] }).spec.linux.sysctl?.['net.core.somaxconn']).toBe('1024');
  });
});

describe('buildSpec resources', () => {
  it('maps memory, swap (twice the memory by default), cpus, shares, cpusets, pids and blkio', () => {
    const r = build({
      memory: '512m',
      'memory-reservation': '256m',
      cpus: '1.5',
      'cpu-shares': '512',
      'cpuset-cpus': '0-1',
      'cpuset-mems': '0',
      'pids-limit': '100',
      'blkio-weight': '300',
      'oom-kill-disable': true,
      'memory-swappiness': '10',
    }).spec.linux.resources;
    expect(r?.memory).toEqual({
      limit: 512 * 1024 ** 2,
      swap: 1024 * 1024 ** 2,
      reservation: 256 * 1024 ** 2,
      swappiness: 10,
      disableOOMKiller: true,
    });
    expect(r?.cpu).toEqual({ shares: 512, cpus: '0-1', mems: '0', period: 100000, quota: 150000 });
    expect(r?.pids).toEqual({ limit: 100 });
    expect(r?.blockIO).toEqual({ weight: 300 });
  });

  it('handles --memory-swap -1 and explicit values', () => {
    expect(build({ memory: '64m', 'memory-swap': '-1' }).spec.linux.resources?.memory).toEqual({ limit: 64 * 1024 ** 2 });
    expect(build({ memory: '64m', 'memory-swap': '100m' }).spec.linux.resources?.memory?.swap).toBe(100 * 1024 ** 2);
  });

  it('omits swap, with a warning, when the host cannot limit it', () => {
    const { spec, warnings } = build({ memory: '64m', 'memory-swap': '100m' }, { host: host({ swapLimit: false }) });
    expect(spec.linux.resources?.memory).toEqual({ limit: 64 * 1024 ** 2 });
    expect(warnings[0]).toContain('swap limit');
  });

  it('uses --cpu-period/--cpu-quota directly', () => {
    expect(build({ 'cpu-period': '50000', 'cpu-quota': '25000' }).spec.linux.resources?.cpu).toEqual({ period: 50000, quota: 25000 });
  });

  it('refuses more CPUs than the host has and unavailable cpusets', () => {
    expect(err(() => build({ cpus: '3' })).message).toBe('range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
    expect(err(() => build({ 'cpuset-cpus': '5' })).message).toBe('Requested CPUs are not available - requested 5, available: 0-1');
    expect(err(() => build({ 'cpuset-mems': '1' })).message).toBe(
      'Requested memory nodes are not available - requested 1, available: 0',
    );
  });

  it('adds --device nodes and their cgroup rules, and --device-cgroup-rule', () => {
    const { spec } = build({ 'device-cgroup-rule': ['c 42:* rmw'] }, {
      devices: [{ device: { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }, permissions: 'rw' }],
    });
    expect(spec.linux.devices).toEqual([{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }]);
    const rules = spec.linux.resources?.devices ?? [];
    expect(rules.slice(-2)).toEqual([
      { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
      { allow: true, type: 'c', major: 42, access: 'rmw' },
    ]);
  });
});

describe('buildSpec rlimits', () => {
  it('passes --ulimit within the host hard limit', () => {
    expect(build({ ulimit: ['nofile=1024:2048'] }).spec.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }]);
  });

  it('refuses --ulimit above the host hard limit before runc would', () => {
    const e = err(() => build({ ulimit: ['nofile=1024:1048576'] }));
    expect(hasCode(e, 'invalid-argument')).toBe(true);
    expect(e.message).toMatch(/ulimit nofile: hard limit 1048576 is above the host's hard limit 20000/);
  });

  it('keeps unlimited exact', () => {
    const h = host({ rlimits: { core: { soft: 0n, hard: RLIM_INFINITY } } });
    expect(build({ ulimit: ['core=-1'] }, { host: h }).spec.process.rlimits?.[0]?.hard).toBe(RLIM_INFINITY);
  });
});

describe('buildSpec security options', () => {
  it('drops seccomp for seccomp=unconfined', () => {
    expect(build({ 'security-opt': ['seccomp=unconfined'] }).spec.linux.seccomp).toBeUndefined();
  });

  it('uses a custom profile', () => {
    const o = containerOptionsFromFlags({ 'security-opt': ['seccomp=/p.json'] }, [], {
      env: {},
      cwd: '/',
      readFile: () => JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }),
    });
    const { spec } = buildSpec({
      id: ID,
      namespace: 'n',
      options: o,
      config: mergeImageConfig(image, o),
      rootfs: '/r',
      hostname: 'h',
      network: { kind: 'new' },
      mounts: [],
      user: { uid: 0, gid: 0, additionalGids: [0], home: '/' },
      host: host(),
    });
    expect(spec.linux.seccomp).toEqual({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
  });

  it('unmasks system paths for systempaths=unconfined and applies mask/unmask', () => {
    const open = build({ 'security-opt': ['systempaths=unconfined'] }).spec.linux;
    expect(open.maskedPaths).toEqual([]);
    expect(open.readonlyPaths).toEqual([]);
    const tuned = build({ 'security-opt': ['unmask=/proc/kcore:/proc/sys', 'mask=/proc/cpuinfo'] }).spec.linux;
    expect(tuned.maskedPaths).not.toContain('/proc/kcore');
    expect(tuned.maskedPaths).toContain('/proc/cpuinfo');
    expect(tuned.readonlyPaths).not.toContain('/proc/sys');
  });

  it('accepts apparmor and labels, ignoring them with a note (no warning, as Docker on such hosts)', () => {
    const { spec, warnings, notes } = build({ 'security-opt': ['apparmor=docker-default', 'label=disable'] });
    expect(spec.process.apparmorProfile).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(notes).toHaveLength(2);
  });

  it('carries hooks and annotations', () => {
    const { spec } = build({ annotation: ['a=1'] }, {
      hooks: { poststop: [{ path: '/bin/true' }] },
      annotations: { b: '2' },
    });
    expect(spec.hooks).toEqual({ poststop: [{ path: '/bin/true' }] });
    expect(spec.annotations).toEqual({ a: '1', b: '2' });
  });
});
