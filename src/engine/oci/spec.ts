/**
 * The OCI runtime spec (config.json) of a container, with Docker's defaults. A pure function: every host fact,
 * path and name it needs is resolved by the caller and passed in, so the same input always gives the same spec
 * and tests can build specs for made-up hosts.
 *
 * The caller (the containers service) does, in order:
 * 1. `mergeImageConfig(image, options)` (containers/options.ts): env, entrypoint/cmd, workdir, user;
 * 2. `resolveUser(rootfs, merged.user, options.groupAdd)` (./user.ts);
 * 3. resolves the bind/volume requests of `options.mounts` and `options.volumesFrom` into {@link ResolvedMount}s
 *    (volume directories, bind sources; `-v` creates missing host directories; tmpfs requests are taken from
 *    the options by the builder), `options.devices` with `resolveDevice` (./devices.ts),
 *    `--pid/--ipc container:x` into the other container's PID, the network namespace, and the hostname;
 * 4. `readHostFacts({ devices: options.privileged })` (./host.ts) and, for `--init`, `findInitBinary()`;
 * 5. {@link buildSpec}, then writes `serializeSpec(spec)` (./serialize.ts) to the bundle's config.json.
 *
 * Decisions:
 * - cgroupsPath, cgroupfs driver: `/nerdctl/<namespace>/<id>`, or `<cgroup-parent>/<id>` (made absolute).
 * - The working directory is not created here: runc creates `process.cwd` inside the container (as root, mode
 *   0755, before a read-only rootfs is remounted), which is what Docker does too.
 * - `--privileged` grants what this process really has (its bounding set), all host devices, no masked or
 *   read-only paths, rw /sys and cgroups, no seccomp (podman's behaviour; Docker asks for every capability and
 *   fails on hosts like this one).
 * - rlimits are inherited unless `--ulimit` is given; a hard limit above the host's is refused.
 */
import path from 'node:path';
import { type ContainerCreateOptions, type MergedConfig, replaceOrAppendEnv } from '../containers/options.js';
import { failedPrecondition, internal, invalidArgument } from '../errdefs.js';
import { effectiveCapabilities } from './caps.js';
import {
  CONTAINER_INIT_PATH,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH_ENV,
  DEFAULT_READONLY_PATHS,
  DEFAULT_SHM_SIZE,
  OCI_VERSION,
  WRITABLE_WITH_READONLY_ROOTFS,
  defaultDeviceRules,
  defaultMounts,
} from './defaults.js';
import type { ResolvedDevice } from './devices.js';
import type { HostFacts } from './host.js';
import { type ResolvedMount, mergeTmpfsOptions, sortMountsByDepth } from './mounts.js';
import { specRlimits } from './rlimits.js';
import { convertDockerSeccompProfile, defaultSeccompProfile } from './seccomp.js';
import { validateSysctlNamespaces } from './sysctls.js';
import type { Device, DeviceCgroupRule, Hooks, Linux, Mount, Namespace, Resources, Spec } from './types.js';
import { ValueSyntaxError, parseUintList } from './units.js';
import type { ResolvedUser } from './user.js';

export type { ResolvedMount } from './mounts.js';

/**
 * The container's network namespace:
 * - `new`: a fresh namespace with only loopback (`--network none`);
 * - `host`: the host's (`--network host`);
 * - `path`: an existing one, either prepared by the engine for this container (CNI) or, with `shared`, another
 *   container's (`--network container:x`, `/proc/<pid>/ns/net`).
 */
export type NetworkNamespace = { kind: 'new' } | { kind: 'host' } | { kind: 'path'; path: string; shared?: boolean };

export interface SpecInput {
  /** Container ID (64 hex). */
  id: string;
  /** containerd-style namespace the container lives in (for cgroupsPath). */
  namespace: string;
  options: ContainerCreateOptions;
  /** `mergeImageConfig(image, options)`. */
  config: MergedConfig;
  /** Host path of the mounted root filesystem. */
  rootfs: string;
  /** The container's hostname (the caller's choice: `--hostname`, the short ID, or the host's for `--network host`). */
  hostname: string;
  /** Host paths bind-mounted at /etc/hostname, /etc/hosts, /etc/resolv.conf (each optional). */
  files?: { hostname?: string; hosts?: string; resolvConf?: string };
  network: NetworkNamespace;
  /** PIDs of the containers named by `--pid container:x` and `--ipc container:x`. */
  joined?: { pid?: number; ipc?: number };
  /**
   * The bind and volume requests of `options.mounts`, and `options.volumesFrom`, resolved to host paths. The tmpfs
   * requests of `options.mounts` are added by the builder itself (they need no resolution).
   */
  mounts: readonly ResolvedMount[];
  user: ResolvedUser;
  /** `options.devices`, looked up on the host. */
  devices?: readonly ResolvedDevice[];
  host: HostFacts;
  /** Host path of the init binary; required when `options.init`. */
  initBinary?: string;
  hooks?: Hooks;
  /** Added to `options.annotations` (these win). */
  annotations?: Readonly<Record<string, string>>;
  /** Overrides the default cgroupsPath. */
  cgroupsPath?: string;
  consoleSize?: { height: number; width: number };
}

export interface BuildSpecResult {
  spec: Spec;
  /** What Docker prints as `WARNING:` at create (a setting this host cannot apply, e.g. swap limits). */
  warnings: string[];
  /** Settings accepted and silently ignored, as Docker does on hosts without them (AppArmor, SELinux): debug logs. */
  notes: string[];
}

/** The default cgroupsPath (cgroupfs driver): `/nerdctl/<namespace>/<id>`, or under `--cgroup-parent`. */
export function defaultCgroupsPath(namespace: string, id: string, cgroupParent?: string): string {
  if (cgroupParent) return path.posix.join('/', cgroupParent, id);
  return `/nerdctl/${namespace}/${id}`;
}

/**
 * Builds the spec. Raises invalid-argument for requests this host cannot honour (a capability outside the
 * bounding set, a hard rlimit above the host's, more CPUs than there are, unavailable cpusets, a namespaced
 * sysctl without its namespace, a malformed seccomp profile) and failed-precondition when `--init` is asked
 * for without an init binary.
 */
export function buildSpec(input: SpecInput): BuildSpecResult {
  const { options: o, config, host } = input;
  const warnings: string[] = [];
  const notes: string[] = [];

  // Namespaces decide several things below.
  const pidPrivate = o.pid.kind === 'private';
  const utsHost = o.uts === 'host';
  const hostNetwork = input.network.kind === 'host';
  const hostIpc = o.ipc.kind === 'host';
  validateSysctlNamespaces(o.sysctls, { hostNetwork, hostIpc });

  const caps = effectiveCapabilities({ privileged: o.privileged, add: o.capAdd, drop: o.capDrop }, host.capabilities);

  // Process.
  const base = [`PATH=${DEFAULT_PATH_ENV}`, `HOSTNAME=${input.hostname}`];
  if (o.tty) base.push('TERM=xterm');
  const env = replaceOrAppendEnv(base, config.env);
  let args = [...config.args];
  const extraMounts: Mount[] = [];
  if (o.init && pidPrivate) {
    if (!input.initBinary) {
      throw failedPrecondition('--init: no init binary found on this host (install tini-static or catatonit)');
    }
    args = [CONTAINER_INIT_PATH, '--', ...args];
    extraMounts.push({ destination: CONTAINER_INIT_PATH, type: 'bind', source: input.initBinary, options: ['bind', 'ro'] });
  }
  const canRaise = host.effectiveCapabilities.includes('CAP_SYS_RESOURCE');
  const rlimits = specRlimits(o.resources.ulimits, host.rlimits, canRaise);
  if (o.oomScoreAdj !== undefined && o.oomScoreAdj < host.oomScoreAdj && !canRaise) {
    throw invalidArgument(
      `--oom-score-adj ${o.oomScoreAdj}: lowering it below this process's ${host.oomScoreAdj} needs CAP_SYS_RESOURCE, which this process does not have`,
    );
  }

  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: o.tty,
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: [...input.user.additionalGids] },
      args,
      env,
      cwd: config.workingDir,
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
      noNewPrivileges: o.security.noNewPrivileges,
    },
    root: { path: input.rootfs, readonly: o.readOnly },
    mounts: [],
    linux: { namespaces: [] },
  };
  if (input.consoleSize && o.tty) spec.process.consoleSize = { ...input.consoleSize };
  if (rlimits.length) spec.process.rlimits = rlimits;
  if (o.oomScoreAdj !== undefined) spec.process.oomScoreAdj = o.oomScoreAdj;
  if (!utsHost) spec.hostname = input.hostname;
  if (o.security.apparmor) notes.push(`AppArmor profile "${o.security.apparmor}" ignored: AppArmor is not supported`);
  if (o.security.labels.length) notes.push('SELinux labels ignored: SELinux is not supported');

  const linux: Linux = spec.linux;
  linux.namespaces = namespaces(input);

  // Mounts.
  spec.mounts = mounts(input, extraMounts);

  // Sysctls: Docker's defaults for a private network namespace, the domain name, then the user's.
  const sysctl: Record<string, string> = {};
  const privateNetwork = input.network.kind === 'new' || (input.network.kind === 'path' && !input.network.shared);
  if (privateNetwork) {
    if (host.sysctls.pingGroupRange) sysctl['net.ipv4.ping_group_range'] = '0 2147483647';
    if (host.sysctls.unprivilegedPortStart) sysctl['net.ipv4.ip_unprivileged_port_start'] = '0';
  }
  if (o.domainname && !utsHost && o.sysctls['kernel.domainname'] === undefined) {
    sysctl['kernel.domainname'] = o.domainname;
  }
  Object.assign(sysctl, o.sysctls);
  if (Object.keys(sysctl).length) linux.sysctl = sysctl;

  // Devices and resources.
  const devices: Device[] = [];
  let deviceRules: DeviceCgroupRule[];
  if (o.privileged) {
    if (!host.devices) throw internal('buildSpec: host.devices must be read for a privileged container');
    devices.push(...host.devices.map((d) => ({ ...d })));
    for (const r of input.devices ?? []) {
      // A device mapped to another path is added; one at its host path is already there.
      if (!host.devices.some((d) => d.path === r.device.path)) devices.push({ ...r.device });
    }
    deviceRules = [{ allow: true, access: 'rwm' }];
  } else {
    deviceRules = defaultDeviceRules();
    for (const r of input.devices ?? []) {
      devices.push({ ...r.device });
      deviceRules.push({ allow: true, type: r.device.type === 'b' ? 'b' : 'c', major: r.device.major, minor: r.device.minor, access: r.permissions });
    }
    deviceRules.push(...o.deviceCgroupRules.map((r) => ({ ...r })));
  }
  if (devices.length) linux.devices = devices;
  linux.resources = resources(o, host, deviceRules, warnings);
  linux.cgroupsPath = input.cgroupsPath ?? defaultCgroupsPath(input.namespace, input.id, o.cgroupParent);

  // Seccomp.
  if (!o.privileged && o.security.seccomp.mode !== 'unconfined') {
    const ctx = { capabilities: caps, arch: host.arch, kernel: host.kernel };
    const profile =
      o.security.seccomp.mode === 'profile'
        ? convertDockerSeccompProfile(o.security.seccomp.profile, ctx)
        : defaultSeccompProfile(ctx);
    if (profile) linux.seccomp = profile;
  }

  // Masked and read-only paths.
  const unmaskAll = o.security.unmask.includes('ALL');
  const unmasked = new Set(o.security.unmask);
  const confined = !o.privileged && o.security.systemPaths === 'default' && !unmaskAll;
  const masked = new Set(confined ? DEFAULT_MASKED_PATHS.filter((p) => !unmasked.has(p)) : []);
  for (const p of o.security.mask) masked.add(p);
  linux.maskedPaths = [...masked];
  linux.readonlyPaths = confined ? DEFAULT_READONLY_PATHS.filter((p) => !unmasked.has(p)) : [];

  const propagation = rootfsPropagation(input.mounts);
  if (propagation) linux.rootfsPropagation = propagation;

  const annotations = { ...o.annotations, ...input.annotations };
  if (Object.keys(annotations).length) spec.annotations = annotations;
  if (input.hooks) spec.hooks = structuredClone(input.hooks);
  return { spec, warnings, notes };
}

function namespaces(input: SpecInput): Namespace[] {
  const o = input.options;
  const ns: Namespace[] = [{ type: 'mount' }];
  const net = input.network;
  if (net.kind === 'new') ns.push({ type: 'network' });
  else if (net.kind === 'path') ns.push({ type: 'network', path: net.path });
  if (o.uts === 'private') ns.push({ type: 'uts' });
  if (o.pid.kind === 'private') ns.push({ type: 'pid' });
  else if (o.pid.kind === 'container') ns.push({ type: 'pid', path: `/proc/${joinedPid(input, 'pid')}/ns/pid` });
  if (o.ipc.kind === 'container') ns.push({ type: 'ipc', path: `/proc/${joinedPid(input, 'ipc')}/ns/ipc` });
  else if (o.ipc.kind !== 'host') ns.push({ type: 'ipc' });
  // Docker's default: the host's cgroup namespace on cgroup v1, a private one on v2.
  const cgroupns = o.cgroupns ?? (input.host.cgroupVersion === 2 ? 'private' : 'host');
  if (cgroupns === 'private') ns.push({ type: 'cgroup' });
  return ns;
}

function joinedPid(input: SpecInput, which: 'pid' | 'ipc'): number {
  const pid = input.joined?.[which];
  if (pid === undefined) throw internal(`buildSpec: joined.${which} must be given for --${which} container:`);
  return pid;
}

function mounts(input: SpecInput, extra: Mount[]): Mount[] {
  const o = input.options;
  const user: Mount[] = [];
  const userTargets = new Set<string>();
  // tmpfs requests need nothing from the host, so they come straight from the options (unless the caller
  // resolved something else at the same target).
  const resolvedTargets = new Set(input.mounts.map((m) => m.destination));
  const tmpfs: ResolvedMount[] = o.mounts.flatMap((m) =>
    m.type === 'tmpfs' && !resolvedTargets.has(m.target) ? [{ type: 'tmpfs' as const, destination: m.target, options: m.options }] : [],
  );
  for (const m of [...input.mounts, ...tmpfs]) {
    userTargets.add(m.destination);
    if (m.type === 'tmpfs') {
      let options: string[];
      try {
        options = mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', ...m.options]);
      } catch (err) {
        throw invalidArgument((err as ValueSyntaxError).message);
      }
      user.push({ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options });
      continue;
    }
    const options = [m.nonRecursive ? 'bind' : 'rbind'];
    if (m.readOnly) options.push('ro');
    if (m.propagation) options.push(m.propagation);
    user.push({ destination: m.destination, type: 'bind', source: m.source, options });
  }
  // /etc/hostname, /etc/hosts, /etc/resolv.conf, unless the user mounts something there.
  const files = input.files ?? {};
  for (const [dest, source] of [
    ['/etc/resolv.conf', files.resolvConf],
    ['/etc/hostname', files.hostname],
    ['/etc/hosts', files.hosts],
  ] as const) {
    if (!source || userTargets.has(dest)) continue;
    const options = ['rbind'];
    if (o.readOnly) options.push('ro');
    options.push('rprivate');
    user.push({ destination: dest, type: 'bind', source, options });
    userTargets.add(dest);
  }
  // /dev/shm follows the IPC mode.
  if (o.ipc.kind === 'host' && !userTargets.has('/dev/shm')) {
    user.push({ destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate'] });
    userTargets.add('/dev/shm');
  } else if (o.ipc.kind === 'container' && !userTargets.has('/dev/shm')) {
    const source = `/proc/${joinedPid(input, 'ipc')}/root/dev/shm`;
    user.push({ destination: '/dev/shm', type: 'bind', source, options: ['rbind', 'rprivate'] });
    userTargets.add('/dev/shm');
  }

  const userDev = userTargets.has('/dev');
  const defaults: Mount[] = [];
  for (const m of defaultMounts()) {
    if (userTargets.has(m.destination)) continue;
    if (userDev && m.destination.startsWith('/dev/')) continue;
    if (m.destination === '/dev/shm') {
      if (o.ipc.kind === 'none') continue;
      m.options = [...(m.options ?? []), `size=${o.shmSize ?? DEFAULT_SHM_SIZE}`];
    }
    if (o.readOnly && !WRITABLE_WITH_READONLY_ROOTFS.includes(m.destination) && !m.options?.includes('ro')) {
      m.options = [...(m.options ?? []), 'ro'];
    }
    if (o.privileged && m.destination === '/sys') m.options = (m.options ?? []).filter((x) => x !== 'ro');
    const writableCgroups = o.security.writableCgroups ?? o.privileged;
    if (writableCgroups && m.type === 'cgroup') m.options = (m.options ?? []).filter((x) => x !== 'ro');
    defaults.push(m);
  }
  return [...defaults, ...extra, ...sortMountsByDepth(user)];
}

// A shared bind needs a shared rootfs, a slave bind a slave one (Docker's rule; runc refuses otherwise).
function rootfsPropagation(mounts: readonly ResolvedMount[]): string | undefined {
  let out: string | undefined;
  for (const m of mounts) {
    if (m.type !== 'bind' || !m.propagation) continue;
    if (m.propagation === 'shared' || m.propagation === 'rshared') return 'shared';
    if (m.propagation === 'slave' || m.propagation === 'rslave') out = 'rslave';
  }
  return out;
}

function resources(
  o: ContainerCreateOptions,
  host: HostFacts,
  devices: DeviceCgroupRule[],
  warnings: string[],
): Resources {
  const r = o.resources;
  const out: Resources = { devices };

  const memory: NonNullable<Resources['memory']> = {};
  if (r.memory && r.memory > 0) {
    memory.limit = r.memory;
    const swap = r.memorySwap === undefined || r.memorySwap === 0 ? r.memory * 2 : r.memorySwap;
    if (swap > 0) {
      if (host.swapLimit) memory.swap = swap;
      else if (r.memorySwap !== undefined && r.memorySwap > 0) {
        warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
      }
    }
  }
  if (r.memoryReservation && r.memoryReservation > 0) memory.reservation = r.memoryReservation;
  if (r.memorySwappiness !== undefined && r.memorySwappiness >= 0) {
    if (host.cgroupVersion === 1) memory.swappiness = r.memorySwappiness;
    else warnings.push('Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.');
  }
  if (r.oomKillDisable) {
    if (host.cgroupVersion === 1) memory.disableOOMKiller = true;
    else warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
  }
  if (Object.keys(memory).length) out.memory = memory;

  if (r.nanoCpus !== undefined && r.nanoCpus !== 0) {
    if (r.nanoCpus < 0 || r.nanoCpus > host.cpus * 1e9) {
      throw invalidArgument(
        `range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`,
      );
    }
  }
  checkCpuset('cpus', r.cpusetCpus, host.cpusetCpus, 'Requested CPUs are not available');
  checkCpuset('mems', r.cpusetMems, host.cpusetMems, 'Requested memory nodes are not available');
  const cpu: NonNullable<Resources['cpu']> = {};
  if (r.cpuShares) cpu.shares = r.cpuShares;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (r.nanoCpus && r.nanoCpus > 0) {
    cpu.period = 100_000;
    cpu.quota = Math.trunc((r.nanoCpus * 100_000) / 1e9);
  }
  if (r.cpuPeriod) cpu.period = r.cpuPeriod;
  if (r.cpuQuota) cpu.quota = r.cpuQuota;
  if (r.cpuRealtimePeriod) cpu.realtimePeriod = r.cpuRealtimePeriod;
  if (r.cpuRealtimeRuntime) cpu.realtimeRuntime = r.cpuRealtimeRuntime;
  if (Object.keys(cpu).length) out.cpu = cpu;

  if (r.pidsLimit && r.pidsLimit > 0) out.pids = { limit: r.pidsLimit };
  if (r.blkioWeight) out.blockIO = { weight: r.blkioWeight };
  return out;
}

function checkCpuset(what: 'cpus' | 'mems', requested: string | undefined, available: string, unavailable: string): void {
  if (!requested) return;
  let avail: Set<number>;
  let req: Set<number>;
  try {
    avail = parseUintList(available);
    const max = Math.max(8192, ...avail);
    req = parseUintList(requested, max);
  } catch (err) {
    if (err instanceof ValueSyntaxError) {
      throw invalidArgument(`Invalid value ${requested} for cpuset ${what}: ${err.message}`);
    }
    throw err;
  }
  for (const n of req) {
    if (!avail.has(n)) throw invalidArgument(`${unavailable} - requested ${requested}, available: ${available}`);
  }
}
