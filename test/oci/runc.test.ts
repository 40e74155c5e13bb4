/**
 * Generated specs run by real runc: each test builds a config.json from run-style flags exactly as the
 * containers service does (see fixtures.ts), runs a busybox container in the foreground with `runc run`, and
 * checks what the process inside sees. Containers are removed by runc when they exit and again in afterEach;
 * the fixture's cgroup parent is removed after each test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/engine/errdefs.js';
import { DEFAULT_CAPABILITIES, KNOWN_CAPABILITIES } from '../../src/engine/oci/caps.js';
import { listHostDevices } from '../../src/engine/oci/devices.js';
import { readHostFacts } from '../../src/engine/oci/host.js';
import { type RuncFixture, canRunRunc, capMask, createRuncFixture } from './fixtures.js';

function statusField(status: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(\\S+)`, 'm').exec(status)?.[1];
}

describe.skipIf(!canRunRunc)('generated specs under runc', () => {
  let f: RuncFixture;
  beforeAll(() => {
    f = createRuncFixture();
  });
  afterEach(() => f.reset());
  afterAll(() => f.cleanup());

  const sh = (script: string) => ['sh', '-c', script];

  it('gives Docker\'s 14 default capabilities, none inheritable or ambient', () => {
    const r = f.run({}, ['cat', '/proc/self/status']);
    expect(r.code).toBe(0);
    const want = capMask(DEFAULT_CAPABILITIES, KNOWN_CAPABILITIES);
    expect(want).toBe('00000000a80425fb');
    expect(statusField(r.stdout, 'CapEff')).toBe(want);
    expect(statusField(r.stdout, 'CapPrm')).toBe(want);
    expect(statusField(r.stdout, 'CapBnd')).toBe(want);
    expect(statusField(r.stdout, 'CapInh')).toBe('0000000000000000');
    expect(statusField(r.stdout, 'CapAmb')).toBe('0000000000000000');
    expect(statusField(r.stdout, 'Seccomp')).toBe('2');
    expect(statusField(r.stdout, 'NoNewPrivs')).toBe('0');
  });

  it('applies --cap-drop ALL --cap-add and no-new-privileges', () => {
    const r = f.run({ 'cap-drop': ['ALL'], 'cap-add': ['net_bind_service'], 'security-opt': ['no-new-privileges'] }, [
      'cat',
      '/proc/self/status',
    ]);
    expect(r.code).toBe(0);
    expect(statusField(r.stdout, 'CapEff')).toBe('0000000000000400');
    expect(statusField(r.stdout, 'NoNewPrivs')).toBe('1');
  });

  it('masks /proc and /sys paths and mounts /proc/sys read-only', () => {
    // /proc/kcore does not exist on every kernel; /proc/keys and /proc/timer_list do.
    const r = f.run({}, sh('stat -c %F /proc/keys /proc/timer_list; ls -A /sys/firmware | wc -l; grep " /proc/sys " /proc/mounts'));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('character special file');
    expect(lines[1]).toBe('character special file');
    expect(lines[2]?.trim()).toBe('0');
    expect(lines[3]).toMatch(/ \/proc\/sys proc ro,/);
    const w = f.run({}, sh('echo x > /proc/sys/kernel/domainname'));
    expect(w.code).not.toBe(0);
    expect(w.stderr).toContain('Read-only file system');
  });

  it('resolves -u by name to the uid, primary gid and supplementary groups, plus --group-add', () => {
    const r = f.run({ user: 'alice', 'group-add': ['staff', '4242'] }, ['id']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^uid=1000\(alice\) gid=1000\(alice\) groups=/);
    for (const g of ['10(wheel)', '29(audio)', '1000(alice)', '50(staff)', '4242']) expect(r.stdout).toContain(g);
    const numeric = f.run({ user: '4000' }, ['id']);
    expect(numeric.stdout.trim()).toBe('uid=4000 gid=0(root) groups=0(root)');
  });

  it('refuses an unknown user before runc', () => {
    let err: unknown;
    try {
      f.build({ user: 'mallory' }, ['id']);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe('unable to find user mallory: no matching entries in passwd file');
  });

  it('makes the rootfs read-only with --read-only, keeping --tmpfs writable', () => {
    const r = f.run({ 'read-only': true, tmpfs: ['/tmp'] }, sh('touch /tmp/ok && echo tmp-ok; touch /nope'));
    expect(r.stdout).toContain('tmp-ok');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Read-only file system');
    expect(fs.existsSync(path.join(f.rootfs, 'nope'))).toBe(false);
  });

  it('creates a missing working directory (runc does, as root, like Docker)', () => {
    const r = f.run({ workdir: '/work/sub' }, ['pwd']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('/work/sub');
    const st = fs.statSync(path.join(f.rootfs, 'work/sub'));
    expect(st.isDirectory()).toBe(true);
    expect(st.uid).toBe(0);
  });

  it('sets an rlimit within the host hard limit', () => {
    const r = f.run({ ulimit: ['nofile=1024:2048'] }, sh('ulimit -n; ulimit -Hn'));
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['1024', '2048']);
  });

  it('refuses an rlimit above the host hard limit instead of failing in runc', () => {
    const hard = readHostFacts().rlimits.nofile?.hard ?? 0n;
    const tooHigh = (hard + 1n).toString();
    let err: unknown;
    try {
      f.build({ ulimit: [`nofile=${tooHigh}`] }, ['true']);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toContain(`hard limit ${tooHigh} is above the host's hard limit ${hard}`);
  });

  it('runs --privileged with the host\'s capabilities and devices, mounts allowed', () => {
    const hostBnd = statusField(fs.readFileSync('/proc/self/status', 'utf8'), 'CapBnd');
    const standard = new Set(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/ptmx']);
    const extra = listHostDevices().find((d) => !standard.has(d.path) && d.path.split('/').length === 3);
    const r = f.run({ privileged: true }, sh(`grep -E '^(CapEff|Seccomp):' /proc/self/status; mount -t tmpfs none /mnt && echo mounted; test -e ${extra?.path ?? '/dev/null'} && echo has-device`));
    expect(r.code).toBe(0);
    expect(statusField(r.stdout, 'CapEff')).toBe(hostBnd);
    expect(statusField(r.stdout, 'Seccomp')).toBe('0');
    expect(r.stdout).toContain('mounted');
    expect(r.stdout).toContain('has-device');
  });

  it('blocks namespace creation with the default seccomp profile, and not with seccomp=unconfined', () => {
    const blocked = f.run({}, ['unshare', '-U', 'true']);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('Operation not permitted');
    const open = f.run({ 'security-opt': ['seccomp=unconfined'] }, ['unshare', '-U', 'true']);
    expect(open.code).toBe(0);
  });

  it('applies a custom Docker-format seccomp profile', () => {
    const profile = path.join(f.dir, 'deny-mkdir.json');
    fs.writeFileSync(
      profile,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
      }),
    );
    const r = f.run({ 'security-opt': [`seccomp=${profile}`] }, sh('mkdir /tmp/d'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Permission denied');
  });

  it('puts memory, pids and CPU limits into the container\'s cgroup', () => {
    const v2 = readHostFacts().cgroupVersion === 2;
    const script = v2
      ? 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max; cat /proc/self/cgroup'
      : 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us; cat /proc/self/cgroup';
    const r = f.run({ memory: '64m', 'pids-limit': '50', cpus: '0.5' }, sh(script));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    if (v2) {
      expect(lines.slice(0, 3)).toEqual(['67108864', '50', '50000 100000']);
    } else {
      expect(lines.slice(0, 4)).toEqual(['67108864', '50', '50000', '100000']);
      expect(r.stdout).toMatch(new RegExp(`memory:/${f.cgroupParent}/[0-9a-f]{64}`));
    }
  });

  it('runs the command under the init with --init', () => {
    const r = f.run({ init: true }, sh('tr "\\0" " " < /proc/1/cmdline; exit 3'));
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('/sbin/docker-init -- sh -c tr "\\0" " " < /proc/1/cmdline; exit 3 ');
  });

  it('sizes /dev/shm and mounts --tmpfs with Docker\'s options', () => {
    const r = f.run({ 'shm-size': '128m', tmpfs: ['/run:size=1m'] }, sh('grep -E " /dev/shm | /run " /proc/mounts'));
    expect(r.code).toBe(0);
    const shm = r.stdout.split('\n').find((l) => l.includes(' /dev/shm '));
    const run = r.stdout.split('\n').find((l) => l.includes(' /run '));
    expect(shm).toContain('size=131072k');
    expect(run).toContain('size=1024k');
    for (const o of ['nosuid', 'nodev', 'noexec']) expect(run).toContain(o);
  });

  it('adds --device nodes under their container path', () => {
    const r = f.run({ device: ['/dev/null:/dev/mynull:rw'] }, sh('stat -c "%t,%T %F" /dev/mynull && echo x > /dev/mynull && echo wrote'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1,3 character special file');
    expect(r.stdout).toContain('wrote');
  });

  it('sets env, hostname, files and sysctls', () => {
    const r = f.run({ env: ['FOO=bar'], hostname: 'web1', sysctl: ['net.core.somaxconn=1234'] }, sh(
      'env; hostname; cat /etc/hosts; cat /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/ip_unprivileged_port_start',
    ));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('FOO=bar');
    expect(r.stdout).toContain('HOSTNAME=web1');
    expect(r.stdout).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(r.stdout).not.toContain('TERM=');
    expect(r.stdout).toMatch(/^web1$/m);
    expect(r.stdout).toContain('127.0.0.1\tlocalhost');
    expect(r.stdout.trim().split('\n').slice(-2)).toEqual(['1234', '0']);
  });

  it('bind-mounts resolved mounts, read-only when asked', () => {
    const data = path.join(f.dir, 'data');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'hello'), 'hi\n');
    const r = f.run({}, sh('cat /data/hello; touch /data/new'), {
      mounts: [{ type: 'bind', source: data, destination: '/data', readOnly: true, propagation: 'rprivate' }],
    });
    expect(r.stdout).toBe('hi\n');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Read-only file system');
  });
});
