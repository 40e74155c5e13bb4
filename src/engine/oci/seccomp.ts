/**
 * Seccomp: this project's default profile and the conversion of Docker-format profiles
 * (`--security-opt seccomp=profile.json`) to the OCI form runc reads.
 *
 * The default profile follows the behaviour of Docker's: everything not allowed fails with EPERM; the normal
 * syscalls of a process are allowed; the ones that reach beyond the container (kexec, kernel modules, keyrings,
 * bpf, perf, mount, namespaces, ptrace on old kernels, raw I/O ports, the clock, reboot, swap...) are allowed
 * only when the container holds the capability that would make them legitimate, as Docker's `includes.caps`
 * does. It is written here as purpose-grouped tables rather than as Docker's JSON.
 *
 * Syscall names unknown to the host's libseccomp are skipped by runc, so listing newer ones is harmless.
 */
import { invalidArgument } from '../errdefs.js';
import type { Seccomp, SeccompAction, SeccompArg, SeccompOperator, SeccompSyscall } from './types.js';

const EPERM = 1;
const ENOSYS = 38;

/** Host facts that select which rules apply. */
export interface SeccompContext {
  /** Capabilities the container's process will hold (its bounding set). */
  capabilities: readonly string[];
  /** libseccomp's native name of the host architecture: `amd64`, `arm64`, `x86`, `arm`, `s390x`, `ppc64le`... */
  arch: string;
  /** Host kernel `[version, major revision]`, e.g. `[6, 1]`. */
  kernel: readonly [number, number];
}

interface Condition {
  /** All of these capabilities must be held. */
  caps?: string[];
  /** None of these capabilities may be held. */
  withoutCaps?: string[];
  /** The host architecture is one of these. */
  arches?: string[];
  notArches?: string[];
  minKernel?: [number, number];
}

interface Rule {
  why: string;
  syscalls: string[];
  action?: SeccompAction;
  errno?: number;
  args?: SeccompArg[];
  when?: Condition;
}

const always = (why: string, syscalls: string[]): Rule => ({ why, syscalls });
const withCap = (cap: string, syscalls: string[]): Rule => ({
  why: `needs ${cap}`,
  syscalls,
  when: { caps: [cap] },
});

const fileSyscalls = [
  // descriptors and reading/writing
  'close', 'close_range', 'dup', 'dup2', 'dup3', 'pipe', 'pipe2', 'fcntl', 'fcntl64', 'flock', 'lseek', '_llseek',
  'read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2',
  'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice', 'copy_file_range', 'readahead', 'cachestat',
  'fadvise64', 'fadvise64_64', 'fallocate', 'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range',
  'truncate', 'truncate64', 'ftruncate', 'ftruncate64',
  // opening, naming and metadata
  'open', 'openat', 'openat2', 'creat', 'name_to_handle_at', 'access', 'faccessat', 'faccessat2',
  'stat', 'stat64', 'lstat', 'lstat64', 'fstat', 'fstat64', 'fstatat64', 'newfstatat', 'statx',
  'statfs', 'statfs64', 'fstatfs', 'fstatfs64', 'getdents', 'getdents64', 'getcwd', 'chdir', 'fchdir',
  'mkdir', 'mkdirat', 'mknod', 'mknodat', 'rmdir', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2',
  'link', 'linkat', 'symlink', 'symlinkat', 'readlink', 'readlinkat', 'umask',
  'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'chown32', 'fchown', 'fchown32', 'fchownat',
  'lchown', 'lchown32', 'utime', 'utimes', 'utimensat', 'utimensat_time64', 'futimesat',
  // extended attributes
  'getxattr', 'lgetxattr', 'fgetxattr', 'getxattrat', 'setxattr', 'lsetxattr', 'fsetxattr', 'setxattrat',
  'listxattr', 'llistxattr', 'flistxattr', 'listxattrat', 'removexattr', 'lremovexattr', 'fremovexattr',
  'removexattrat',
  // change notification
  'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark',
  // mount information (read-only)
  'statmount', 'listmount',
];

const waitingSyscalls = [
  'poll', 'ppoll', 'ppoll_time64', 'select', '_newselect', 'pselect6', 'pselect6_time64',
  'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old',
  'epoll_pwait', 'epoll_pwait2', 'eventfd', 'eventfd2', 'signalfd', 'signalfd4',
  'timerfd_create', 'timerfd_settime', 'timerfd_settime64', 'timerfd_gettime', 'timerfd_gettime64',
  'io_setup', 'io_destroy', 'io_submit', 'io_cancel', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64',
  'ioprio_get', 'ioprio_set', 'ioctl', 'futex', 'futex_time64', 'futex_waitv', 'futex_wait', 'futex_wake',
  'futex_requeue', 'set_robust_list', 'get_robust_list',
];

const memorySyscalls = [
  'brk', 'mmap', 'mmap2', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'remap_file_pages',
  'mlock', 'mlock2', 'mlockall', 'munlock', 'munlockall', 'membarrier', 'memfd_create', 'memfd_secret',
  'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'map_shadow_stack', 'mseal',
];

const processSyscalls = [
  'execve', 'execveat', 'fork', 'vfork', 'exit', 'exit_group', 'wait4', 'waitid', 'waitpid',
  'getpid', 'getppid', 'gettid', 'getpgid', 'setpgid', 'getpgrp', 'getsid', 'setsid',
  'set_tid_address', 'set_thread_area', 'get_thread_area', 'rseq', 'restart_syscall', 'prctl', 'capget',
  'capset', 'getpriority', 'setpriority', 'getrlimit', 'ugetrlimit', 'setrlimit', 'prlimit64', 'getrusage',
  'times', 'uname', 'sysinfo', 'getcpu', 'getrandom', 'seccomp', 'pidfd_open', 'pidfd_send_signal',
  'process_mrelease', 'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self', 'uretprobe',
  'riscv_hwprobe',
  'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getattr', 'sched_setattr', 'sched_getparam',
  'sched_setparam', 'sched_getscheduler', 'sched_setscheduler', 'sched_get_priority_max',
  'sched_get_priority_min', 'sched_rr_get_interval', 'sched_rr_get_interval_time64',
];

const identitySyscalls = [
  'getuid', 'getuid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getegid', 'getegid32',
  'getresuid', 'getresuid32', 'getresgid', 'getresgid32', 'getgroups', 'getgroups32',
  'setuid', 'setuid32', 'setgid', 'setgid32', 'setreuid', 'setreuid32', 'setregid', 'setregid32',
  'setresuid', 'setresuid32', 'setresgid', 'setresgid32', 'setfsuid', 'setfsuid32', 'setfsgid', 'setfsgid32',
  'setgroups', 'setgroups32',
];

const signalSyscalls = [
  'kill', 'tkill', 'tgkill', 'pause', 'alarm', 'sigaltstack', 'sigprocmask', 'sigreturn',
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigsuspend', 'rt_sigtimedwait',
  'rt_sigtimedwait_time64', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo',
];

const timeSyscalls = [
  'time', 'gettimeofday', 'clock_gettime', 'clock_gettime64', 'clock_getres', 'clock_getres_time64',
  'clock_nanosleep', 'clock_nanosleep_time64', 'nanosleep', 'getitimer', 'setitimer',
  'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime',
  'timer_settime64',
  // adjtimex/clock_adjtime only read the clock unless CAP_SYS_TIME is held; the kernel checks that.
  'adjtimex', 'clock_adjtime', 'clock_adjtime64',
];

const networkSyscalls = [
  'socketpair', 'bind', 'listen', 'accept', 'accept4', 'connect', 'shutdown', 'getsockname', 'getpeername',
  'getsockopt', 'setsockopt', 'send', 'sendto', 'sendmsg', 'sendmmsg', 'recv', 'recvfrom', 'recvmsg',
  'recvmmsg', 'recvmmsg_time64', 'socketcall',
];

const ipcSyscalls = [
  'ipc', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'semctl',
  'shmget', 'shmat', 'shmdt', 'shmctl', 'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedsend_time64',
  'mq_timedreceive', 'mq_timedreceive_time64', 'mq_notify', 'mq_getsetattr',
];

// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
const NAMESPACE_CLONE_FLAGS = 0x7e020000;
const AF_ALG = 38;
const AF_VSOCK = 40;

const eq = (index: number, value: number): SeccompArg => ({ index, value, op: 'SCMP_CMP_EQ' });

const defaultRules: Rule[] = [
  always('files', fileSyscalls),
  always('waiting and events', waitingSyscalls),
  always('memory', memorySyscalls),
  always('processes', processSyscalls),
  always('identity', identitySyscalls),
  always('signals', signalSyscalls),
  always('time', timeSyscalls),
  always('sockets', networkSyscalls),
  always('System V and POSIX IPC', ipcSyscalls),
  // Every socket family except AF_ALG (kernel crypto) and AF_VSOCK (host sockets), which have had exploitable bugs.
  { why: 'sockets below AF_ALG', syscalls: ['socket'], args: [{ index: 0, value: AF_ALG, op: 'SCMP_CMP_LT' }] },
  { why: 'the family between', syscalls: ['socket'], args: [eq(0, AF_ALG + 1)] },
  { why: 'sockets above AF_VSOCK', syscalls: ['socket'], args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_GT' }] },
  // personality: only the Linux personality, READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE (setarch -R) and queries.
  ...[0x0, 0x8, 0x20000, 0x20008, 0xffffffff].map<Rule>((p) => ({
    why: 'harmless personalities',
    syscalls: ['personality'],
    args: [eq(0, p)],
  })),
  // ptrace was a way out of seccomp before 4.8.
  { why: 'safe since 4.8', syscalls: ['ptrace', 'process_vm_readv', 'process_vm_writev'], when: { minKernel: [4, 8] } },
  { why: 'x86 TLS', syscalls: ['arch_prctl'], when: { arches: ['amd64', 'x32'] } },
  { why: 'x86 LDT', syscalls: ['modify_ldt'], when: { arches: ['amd64', 'x32', 'x86'] } },
  {
    why: 'arm helpers',
    syscalls: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'],
    when: { arches: ['arm', 'arm64'] },
  },
  { why: 'ppc helpers', syscalls: ['sync_file_range2', 'swapcontext'], when: { arches: ['ppc64le'] } },
  {
    why: 's390 helpers',
    syscalls: ['s390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr'],
    when: { arches: ['s390', 's390x'] },
  },
  { why: 'riscv helper', syscalls: ['riscv_flush_icache'], when: { arches: ['riscv64'] } },
  withCap('CAP_SYS_ADMIN', [
    'mount', 'umount', 'umount2', 'mount_setattr', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount',
    'fspick', 'unshare', 'setns', 'clone', 'clone3', 'sethostname', 'setdomainname', 'quotactl', 'quotactl_fd',
    'fanotify_init', 'lookup_dcookie', 'bpf', 'perf_event_open', 'syslog', 'lsm_get_self_attr',
    'lsm_set_self_attr', 'lsm_list_modules',
  ]),
  // Without CAP_SYS_ADMIN, clone may make threads and processes but no namespaces (the flags are argument 0,
  // argument 1 on s390); clone3 hides its flags in memory, so it reports ENOSYS and libc falls back to clone.
  {
    why: 'clone without namespaces',
    syscalls: ['clone'],
    args: [{ index: 0, value: NAMESPACE_CLONE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    when: { withoutCaps: ['CAP_SYS_ADMIN'], notArches: ['s390', 's390x'] },
  },
  {
    why: 'clone without namespaces (s390)',
    syscalls: ['clone'],
    args: [{ index: 1, value: NAMESPACE_CLONE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    when: { withoutCaps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
  },
  {
    why: 'clone3 falls back to clone',
    syscalls: ['clone3'],
    action: 'SCMP_ACT_ERRNO',
    errno: ENOSYS,
    when: { withoutCaps: ['CAP_SYS_ADMIN'] },
  },
  withCap('CAP_DAC_READ_SEARCH', ['open_by_handle_at']),
  withCap('CAP_SYS_BOOT', ['reboot']),
  withCap('CAP_SYS_CHROOT', ['chroot']),
  withCap('CAP_SYS_MODULE', ['init_module', 'finit_module', 'delete_module']),
  withCap('CAP_SYS_PACCT', ['acct']),
  withCap('CAP_SYS_PTRACE', ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd', 'process_madvise']),
  withCap('CAP_SYS_RAWIO', ['iopl', 'ioperm']),
  withCap('CAP_SYS_TIME', ['settimeofday', 'stime', 'clock_settime', 'clock_settime64']),
  withCap('CAP_SYS_TTY_CONFIG', ['vhangup']),
  withCap('CAP_SYS_NICE', ['get_mempolicy', 'set_mempolicy', 'set_mempolicy_home_node', 'mbind']),
  withCap('CAP_SYSLOG', ['syslog']),
  withCap('CAP_BPF', ['bpf']),
  withCap('CAP_PERFMON', ['perf_event_open']),
];

/** Sub-architectures a filter must also cover, by libseccomp native arch (32-bit ABIs on 64-bit hosts). */
const archFamilies: Record<string, string[]> = {
  amd64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  x86: ['SCMP_ARCH_X86'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
  arm: ['SCMP_ARCH_ARM'],
  s390x: ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'],
  ppc64le: ['SCMP_ARCH_PPC64LE'],
  riscv64: ['SCMP_ARCH_RISCV64'],
  loong64: ['SCMP_ARCH_LOONGARCH64'],
  mips64: ['SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64N32'],
  mipsel64: ['SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64N32'],
};

/** libseccomp's native arch name for a Node `process.arch`. */
export function seccompArchOf(nodeArch: string): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    ia32: 'x86',
    arm64: 'arm64',
    arm: 'arm',
    s390x: 's390x',
    ppc64: 'ppc64le',
    riscv64: 'riscv64',
    loong64: 'loong64',
    mips64el: 'mipsel64',
  };
  return map[nodeArch] ?? nodeArch;
}

function kernelAtLeast(k: readonly [number, number], min: readonly [number, number]): boolean {
  return k[0] > min[0] || (k[0] === min[0] && k[1] >= min[1]);
}

function applies(when: Condition | undefined, ctx: SeccompContext): boolean {
  if (!when) return true;
  if (when.caps && !when.caps.every((c) => ctx.capabilities.includes(c))) return false;
  if (when.withoutCaps && when.withoutCaps.some((c) => ctx.capabilities.includes(c))) return false;
  if (when.arches && !when.arches.includes(ctx.arch)) return false;
  if (when.notArches && when.notArches.includes(ctx.arch)) return false;
  if (when.minKernel && !kernelAtLeast(ctx.kernel, when.minKernel)) return false;
  return true;
}

/** The default profile for a container holding `ctx.capabilities` on this host. */
export function defaultSeccompProfile(ctx: SeccompContext): Seccomp {
  const syscalls: SeccompSyscall[] = [];
  for (const rule of defaultRules) {
    if (!applies(rule.when, ctx)) continue;
    const s: SeccompSyscall = { names: [...rule.syscalls], action: rule.action ?? 'SCMP_ACT_ALLOW' };
    if (rule.errno !== undefined) s.errnoRet = rule.errno;
    if (rule.args) s.args = rule.args.map((a) => ({ ...a }));
    syscalls.push(s);
  }
  const profile: Seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: EPERM, syscalls };
  const arches = archFamilies[ctx.arch];
  if (arches) profile.architectures = [...arches];
  return profile;
}

const actions = new Set<string>([
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
]);
const operators = new Set<string>([
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
]);

type Json = Record<string, unknown>;

function bad(why: string) {
  return invalidArgument(`Decoding seccomp profile failed: ${why}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad(`${field} must be a list of strings`);
  return v as string[];
}

function action(v: unknown, field: string): SeccompAction {
  if (typeof v !== 'string' || !actions.has(v)) throw bad(`${field}: unknown action ${JSON.stringify(v)}`);
  return v as SeccompAction;
}

function uint(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`${field} must be an unsigned integer`);
  return v;
}

function kernelVersion(v: unknown): [number, number] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const m = typeof v === 'string' ? /^(\d+)\.(\d+)$/.exec(v) : null;
  if (!m || (m[1] === '0' && m[2] === '0')) {
    throw bad(`invalid kernel version: ${JSON.stringify(v)}, expected "<kernel>.<major>"`);
  }
  return [Number(m[1]), Number(m[2])];
}

function filter(v: unknown, field: string): Condition | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw bad(`${field} must be an object`);
  const c: Condition = {};
  const caps = stringList(v['caps'], `${field}.caps`);
  const arches = stringList(v['arches'], `${field}.arches`);
  const minKernel = kernelVersion(v['minKernel']);
  if (caps.length) c.caps = caps;
  if (arches.length) c.arches = arches;
  if (minKernel) c.minKernel = minKernel;
  return c;
}

/**
 * Converts a seccomp profile in Docker's format (the OCI form plus `archMap`, `name`, `comment`, `includes` and
 * `excludes`) to the OCI form for this container and host, with Docker's selection rules: `archMap` gives the
 * host architecture and its sub-architectures; a rule is dropped when an `excludes` condition holds (any listed
 * capability held, the host arch listed, kernel at least `minKernel`) or an `includes` condition fails (all
 * listed capabilities held, host arch listed, kernel at least `minKernel`).
 *
 * Returns `undefined` for a profile with neither a default action nor rules (Docker treats it as unconfined).
 * Raises invalid-argument `Decoding seccomp profile failed: ...` for malformed input.
 */
export function convertDockerSeccompProfile(profile: unknown, ctx: SeccompContext): Seccomp | undefined {
  if (!isObject(profile)) throw bad('profile must be a JSON object');
  const rawSyscalls = profile['syscalls'];
  if (rawSyscalls !== undefined && rawSyscalls !== null && !Array.isArray(rawSyscalls)) {
    throw bad('syscalls must be a list');
  }
  const calls = (rawSyscalls ?? []) as unknown[];
  if ((profile['defaultAction'] === undefined || profile['defaultAction'] === '') && calls.length === 0) {
    return undefined;
  }
  const out: Seccomp = { defaultAction: action(profile['defaultAction'], 'defaultAction') };
  const defaultErrno = uint(profile['defaultErrnoRet'], 'defaultErrnoRet');
  if (defaultErrno !== undefined) out.defaultErrnoRet = defaultErrno;
  const architectures = stringList(profile['architectures'], 'architectures');
  const archMap = profile['archMap'];
  if (architectures.length && Array.isArray(archMap) && archMap.length) {
    throw invalidArgument(
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  if (architectures.length) out.architectures = architectures;
  if (Array.isArray(archMap)) {
    const native = archFamilies[ctx.arch]?.[0];
    for (const entry of archMap) {
      if (!isObject(entry)) throw bad('archMap entries must be objects');
      if (native !== undefined && entry['architecture'] === native) {
        out.architectures = [native, ...stringList(entry['subArchitectures'], 'archMap.subArchitectures')];
        break;
      }
    }
  }
  const flags = stringList(profile['flags'], 'flags');
  if (flags.length) out.flags = flags;
  if (typeof profile['listenerPath'] === 'string' && profile['listenerPath']) out.listenerPath = profile['listenerPath'];
  if (typeof profile['listenerMetadata'] === 'string' && profile['listenerMetadata']) {
    out.listenerMetadata = profile['listenerMetadata'];
  }

  const syscalls: SeccompSyscall[] = [];
  calls.forEach((raw, i) => {
    const field = `syscalls[${i}]`;
    if (!isObject(raw)) throw bad(`${field} must be an object`);
    let names = stringList(raw['names'], `${field}.names`);
    if (typeof raw['name'] === 'string' && raw['name'] !== '') {
      if (names.length) {
        throw invalidArgument(
          "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'",
        );
      }
      names = [raw['name']];
    }
    const excludes = filter(raw['excludes'], `${field}.excludes`);
    if (excludes) {
      if (excludes.arches?.includes(ctx.arch)) return;
      if (excludes.caps?.some((c) => ctx.capabilities.includes(c))) return;
      if (excludes.minKernel && kernelAtLeast(ctx.kernel, excludes.minKernel)) return;
    }
    const includes = filter(raw['includes'], `${field}.includes`);
    if (includes) {
      if (includes.arches && !includes.arches.includes(ctx.arch)) return;
      if (includes.caps && !includes.caps.every((c) => ctx.capabilities.includes(c))) return;
      if (includes.minKernel && !kernelAtLeast(ctx.kernel, includes.minKernel)) return;
    }
    const s: SeccompSyscall = { names, action: action(raw['action'], `${field}.action`) };
    const errnoRet = uint(raw['errnoRet'], `${field}.errnoRet`);
    if (errnoRet !== undefined) s.errnoRet = errnoRet;
    const args = raw['args'];
    if (args !== undefined && args !== null) {
      if (!Array.isArray(args)) throw bad(`${field}.args must be a list`);
      s.args = args.map((a, j) => {
        if (!isObject(a)) throw bad(`${field}.args[${j}] must be an object`);
        const op = a['op'];
        if (typeof op !== 'string' || !operators.has(op)) throw bad(`${field}.args[${j}].op: unknown operator`);
        const arg: SeccompArg = {
          index: uint(a['index'], `${field}.args[${j}].index`) ?? 0,
          value: uint(a['value'], `${field}.args[${j}].value`) ?? 0,
          op: op as SeccompOperator,
        };
        const two = uint(a['valueTwo'], `${field}.args[${j}].valueTwo`);
        if (two !== undefined) arg.valueTwo = two;
        return arg;
      });
    }
    syscalls.push(s);
  });
  out.syscalls = syscalls;
  return out;
}
