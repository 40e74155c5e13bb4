/**
 * Facts about the host that shape a spec: what this process may grant (capabilities, rlimits), the cgroup
 * layout, CPUs, kernel and architecture. Read once per command with {@link readHostFacts} and handed to the pure
 * builder, so the builder stays testable with made-up hosts.
 */
import { accessSync, existsSync, readFileSync, readdirSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { capabilitiesFromMask } from './caps.js';
import { listHostDevices } from './devices.js';
import { type HostRlimits, parseProcLimits } from './rlimits.js';
import { seccompArchOf } from './seccomp.js';
import type { Device } from './types.js';

export interface HostFacts {
  /** Capabilities of this process's bounding set (`CapBnd`): the most a container can get. */
  capabilities: string[];
  /** Capabilities in this process's effective set (`CapEff`); without CAP_SYS_RESOURCE rlimits cannot be raised. */
  effectiveCapabilities: string[];
  /** This process's current limits (inherited by containers that set none). */
  rlimits: HostRlimits;
  /** 2 when /sys/fs/cgroup is the unified hierarchy; 1 for legacy and hybrid layouts (as runc decides). */
  cgroupVersion: 1 | 2;
  /** Kernel `[version, major revision]`. */
  kernel: [number, number];
  /** libseccomp's native name of the architecture (`amd64`, `arm64`...). */
  arch: string;
  /** CPUs this process may run on (the upper bound of `--cpus`). */
  cpus: number;
  /** CPUs and memory nodes a cpuset may use (`0-1`, `0`). */
  cpusetCpus: string;
  cpusetMems: string;
  /** Whether the memory controller can limit swap (memsw on v1, memory.swap.max on v2). */
  swapLimit: boolean;
  /** This process's oom_score_adj: lowering a container's below it needs CAP_SYS_RESOURCE. */
  oomScoreAdj: number;
  /** Namespaced sysctls Docker sets by default when they exist on the kernel. */
  sysctls: { pingGroupRange: boolean; unprivilegedPortStart: boolean };
  /** Host device nodes, for `--privileged`; only read when asked for. */
  devices?: Device[];
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

function read(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function statusField(status: string, field: string): string {
  return new RegExp(`^${field}:\\s*([0-9a-fA-F]+)`, 'm').exec(status)?.[1] ?? '0';
}

/** Kernel `[version, major]` from a release string like `6.1.0-18-amd64`. */
export function parseKernelRelease(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function cgroupVersion(): 1 | 2 {
  try {
    return statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC ? 2 : 1;
  } catch {
    return 1;
  }
}

function swapLimit(version: 1 | 2): boolean {
  if (version === 1) return existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
  try {
    for (const e of readdirSync('/sys/fs/cgroup', { withFileTypes: true })) {
      if (e.isDirectory() && existsSync(`/sys/fs/cgroup/${e.name}/memory.swap.max`)) return true;
    }
  } catch {
    // fall through
  }
  return false;
}

function sysctlExists(name: string): boolean {
  try {
    accessSync(`/proc/sys/${name.replaceAll('.', '/')}`);
    return true;
  } catch {
    return false;
  }
}

/** Reads the facts of this host and process. `devices` walks /dev (only needed for `--privileged`). */
export function readHostFacts(opts: { devices?: boolean } = {}): HostFacts {
  const status = read('/proc/self/status') ?? '';
  const version = cgroupVersion();
  const cpusetDir = version === 1 ? '/sys/fs/cgroup/cpuset/cpuset.' : '/sys/fs/cgroup/cpuset.';
  const facts: HostFacts = {
    capabilities: capabilitiesFromMask(statusField(status, 'CapBnd')),
    effectiveCapabilities: capabilitiesFromMask(statusField(status, 'CapEff')),
    rlimits: parseProcLimits(read('/proc/self/limits') ?? ''),
    cgroupVersion: version,
    kernel: parseKernelRelease(os.release()),
    arch: seccompArchOf(process.arch),
    cpus: os.availableParallelism(),
    cpusetCpus: (
      read(`${cpusetDir}cpus${version === 2 ? '.effective' : ''}`) ??
      read('/sys/devices/system/cpu/online') ??
      ''
    ).trim(),
    cpusetMems: (
      read(`${cpusetDir}mems${version === 2 ? '.effective' : ''}`) ??
      read('/sys/devices/system/node/online') ??
      '0'
    ).trim(),
    swapLimit: swapLimit(version),
    oomScoreAdj: Number((read('/proc/self/oom_score_adj') ?? '0').trim()) || 0,
    sysctls: {
      pingGroupRange: sysctlExists('net.ipv4.ping_group_range'),
      unprivilegedPortStart: sysctlExists('net.ipv4.ip_unprivileged_port_start'),
    },
  };
  if (opts.devices) facts.devices = listHostDevices();
  return facts;
}

/** Host paths tried for `--init`, static builds first (a dynamic tini fails in images without glibc). */
export const INIT_BINARY_CANDIDATES: readonly string[] = [
  '/usr/bin/tini-static',
  '/usr/bin/catatonit',
  '/usr/libexec/podman/catatonit',
  '/usr/bin/docker-init',
  '/usr/local/bin/docker-init',
  '/usr/bin/tini',
  '/usr/local/bin/tini',
];

/** The first init binary present on the host (see {@link INIT_BINARY_CANDIDATES}), or `undefined`. */
export function findInitBinary(candidates: readonly string[] = INIT_BINARY_CANDIDATES): string | undefined {
  return candidates.find((p) => {
    try {
      accessSync(p, 1 /* X_OK */);
      return true;
    } catch {
      return false;
    }
  });
}
