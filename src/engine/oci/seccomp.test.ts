import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPABILITIES } from './caps.js';
import { type SeccompContext, convertDockerSeccompProfile, defaultSeccompProfile, seccompArchOf } from './seccomp.js';
import type { Seccomp } from './types.js';

const ctx: SeccompContext = { capabilities: DEFAULT_CAPABILITIES, arch: 'amd64', kernel: [6, 1] };

function allowed(p: Seccomp, name: string): boolean {
  return (p.syscalls ?? []).some((s) => s.action === 'SCMP_ACT_ALLOW' && s.names.includes(name) && !s.args);
}

function ruleFor(p: Seccomp, name: string) {
  return (p.syscalls ?? []).filter((s) => s.names.includes(name));
}

describe('defaultSeccompProfile', () => {
  const p = defaultSeccompProfile(ctx);

  it('denies by default with EPERM on the host architecture family', () => {
    expect(p.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(p.defaultErrnoRet).toBe(1);
    expect(p.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  it.each(['read', 'openat', 'pipe', 'pipe2', 'execve', 'mmap', 'futex', 'accept4', 'epoll_wait', 'chown', 'setuid', 'arch_prctl', 'ptrace'])(
    'allows %s',
    (name) => {
      expect(allowed(p, name)).toBe(true);
    },
  );

  it.each([
    'kexec_load',
    'kexec_file_load',
    'open_by_handle_at',
    'init_module',
    'finit_module',
    'delete_module',
    'mount',
    'umount2',
    'unshare',
    'setns',
    'keyctl',
    'add_key',
    'request_key',
    'bpf',
    'perf_event_open',
    'reboot',
    'swapon',
    'pivot_root',
    'userfaultfd',
    'io_uring_setup',
    'iopl',
    'clock_settime',
    'acct',
    'kcmp',
  ])('does not allow %s without the matching capability', (name) => {
    expect(ruleFor(p, name).some((s) => s.action === 'SCMP_ACT_ALLOW')).toBe(false);
  });

  it('allows clone without namespace flags, clone3 gives ENOSYS', () => {
    const [clone] = ruleFor(p, 'clone');
    expect(clone?.args).toEqual([{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
    const [clone3] = ruleFor(p, 'clone3');
    expect(clone3).toEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  });

  it('keeps AF_ALG and AF_VSOCK sockets out', () => {
    const socket = ruleFor(p, 'socket');
    expect(socket.map((s) => s.args)).toEqual([
      [{ index: 0, value: 38, op: 'SCMP_CMP_LT' }],
      [{ index: 0, value: 39, op: 'SCMP_CMP_EQ' }],
      [{ index: 0, value: 40, op: 'SCMP_CMP_GT' }],
    ]);
  });

  it('opens the capability-guarded syscalls when the capability is held', () => {
    const admin = defaultSeccompProfile({ ...ctx, capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'] });
    for (const name of ['mount', 'unshare', 'setns', 'clone', 'clone3', 'bpf']) expect(allowed(admin, name)).toBe(true);
    expect(ruleFor(admin, 'clone3').some((s) => s.action === 'SCMP_ACT_ERRNO')).toBe(false);
    const module = defaultSeccompProfile({ ...ctx, capabilities: ['CAP_SYS_MODULE'] });
    expect(allowed(module, 'init_module')).toBe(true);
    expect(allowed(defaultSeccompProfile({ ...ctx, capabilities: ['CAP_DAC_READ_SEARCH'] }), 'open_by_handle_at')).toBe(true);
  });

  it('keeps ptrace closed before kernel 4.8 and chooses per-arch rules', () => {
    expect(allowed(defaultSeccompProfile({ ...ctx, kernel: [4, 4] }), 'ptrace')).toBe(false);
    const arm = defaultSeccompProfile({ ...ctx, arch: 'arm64' });
    expect(arm.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(allowed(arm, 'arch_prctl')).toBe(false);
    expect(allowed(arm, 'set_tls')).toBe(true);
  });

  it('maps node architectures to libseccomp names', () => {
    expect(seccompArchOf('x64')).toBe('amd64');
    expect(seccompArchOf('arm64')).toBe('arm64');
  });
});

describe('convertDockerSeccompProfile', () => {
  const docker = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { name: 'getpid', action: 'SCMP_ACT_ALLOW', comment: 'old single-name form' },
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMIN'] }, args: [{ index: 0, value: 1, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
    ],
  };

  it('selects rules for the container\'s capabilities, the arch and the kernel', () => {
    const p = convertDockerSeccompProfile(docker, ctx);
    expect(p).toEqual({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW' },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      ],
    });
    const admin = convertDockerSeccompProfile(docker, { ...ctx, capabilities: ['CAP_SYS_ADMIN'], kernel: [4, 4] });
    const names = admin?.syscalls?.flatMap((s) => s.names);
    expect(names).toContain('mount');
    expect(names).not.toContain('clone');
    expect(names).not.toContain('ptrace');
  });

  it('passes an OCI-form profile through', () => {
    const oci = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    expect(convertDockerSeccompProfile(oci, ctx)).toEqual(oci);
  });

  it('treats an empty profile as unconfined, as Docker does', () => {
    expect(convertDockerSeccompProfile({}, ctx)).toBeUndefined();
  });

  it.each([
    [[], 'Decoding seccomp profile failed: profile must be a JSON object'],
    [{ defaultAction: 'SCMP_ACT_NOPE' }, 'Decoding seccomp profile failed: defaultAction: unknown action "SCMP_ACT_NOPE"'],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86' }] },
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] },
      "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'",
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4' } }] },
      'Decoding seccomp profile failed: invalid kernel version: "4", expected "<kernel>.<major>"',
    ],
  ])('refuses malformed profile %#', (profile, message) => {
    expect(() => convertDockerSeccompProfile(profile, ctx)).toThrow(message);
  });
});
