/**
 * Resource metrics of a running task, read straight from the kernel (no `runc events` process per container):
 * the cgroup paths come from `/proc/<pid>/cgroup`, the mount points from `/proc/self/mountinfo`, so cgroup v1,
 * hybrid and v2 layouts all work. Network counters come from `/proc/<pid>/net/dev` (the container's network
 * namespace). Everything Docker's `stats` shows can be computed from one sample plus the previous one.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errdefs.js';

export interface CpuMetrics {
  /** Total CPU time used by the cgroup, nanoseconds. */
  readonly usageNanos: number;
  /** Total CPU time of the host (all CPUs, all states), nanoseconds, from /proc/stat; Docker's system_cpu_usage. */
  readonly systemNanos: number;
  readonly onlineCpus: number;
  readonly throttledPeriods?: number;
  readonly throttledNanos?: number;
}

export interface MemoryMetrics {
  /** Bytes charged to the cgroup (v1 usage_in_bytes, v2 memory.current). */
  readonly usage: number;
  /** The limit; the host's memory when unlimited. */
  readonly limit: number;
  /** Inactive file cache, which Docker's CLI subtracts from usage. */
  readonly inactiveFile: number;
  readonly stat: Readonly<Record<string, number>>;
}

export interface NetworkMetrics {
  readonly rxBytes: number;
  readonly rxPackets: number;
  readonly rxErrors: number;
  readonly rxDropped: number;
  readonly txBytes: number;
  readonly txPackets: number;
  readonly txErrors: number;
  readonly txDropped: number;
}

export interface TaskMetrics {
  readonly read: Date;
  readonly cgroupVersion: 1 | 2;
  readonly cpu: CpuMetrics;
  readonly memory: MemoryMetrics;
  readonly pids: { readonly current: number; readonly limit?: number };
  readonly blkio: { readonly readBytes: number; readonly writeBytes: number };
  /** Per interface, loopback excluded. */
  readonly networks: Readonly<Record<string, NetworkMetrics>>;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsers (pure)

/** `/proc/<pid>/cgroup`: v1 controller → path, and the v2 (unified) path if any. */
export function parseProcCgroup(text: string): { v1: Map<string, string>; unified?: string } {
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, id, ctrls, p] = m;
    if (id === '0' && ctrls === '') unified = p;
    else for (const c of (ctrls ?? '').split(',')) if (c) v1.set(c, p ?? '/');
  }
  return unified === undefined ? { v1 } : { v1, unified };
}

/** cgroup mounts from mountinfo: v1 controller → mount point, and the cgroup2 mount point. */
export function parseCgroupMounts(mountinfo: string): { v1: Map<string, string>; unified?: string } {
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const mountPoint = unescapeMountinfo(left[4] ?? '');
    const root = left[3] ?? '/';
    if (right[0] === 'cgroup2') {
      if (root === '/') unified ??= mountPoint;
    } else if (right[0] === 'cgroup') {
      for (const opt of (right[2] ?? '').split(',')) {
        if (['rw', 'ro'].includes(opt) || opt.startsWith('release_agent') || opt === 'clone_children') continue;
        if (!v1.has(opt)) v1.set(opt, mountPoint);
      }
    }
  }
  return unified === undefined ? { v1 } : { v1, unified };
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** `key value` lines (memory.stat, cpu.stat, pids files) into numbers. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** v1 `blkio.throttle.io_service_bytes` ("8:0 Read 4096"). */
export function parseBlkioV1(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    const [dev, op, v] = line.trim().split(/\s+/);
    if (!dev || !dev.includes(':') || v === undefined) continue;
    if (op === 'Read') readBytes += Number(v);
    else if (op === 'Write') writeBytes += Number(v);
  }
  return { readBytes, writeBytes };
}

/** v2 `io.stat` ("8:0 rbytes=4096 wbytes=0 rios=1 wios=0 ..."). */
export function parseIoStatV2(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    for (const kv of line.trim().split(/\s+/).slice(1)) {
      const [k, v] = kv.split('=');
      if (k === 'rbytes') readBytes += Number(v);
      else if (k === 'wbytes') writeBytes += Number(v);
    }
  }
  return { readBytes, writeBytes };
}

/** `/proc/<pid>/net/dev`, loopback excluded. */
export function parseNetDev(text: string): Record<string, NetworkMetrics> {
  const out: Record<string, NetworkMetrics> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === 'lo') continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    out[name] = {
      rxBytes: f[0] ?? 0,
      rxPackets: f[1] ?? 0,
      rxErrors: f[2] ?? 0,
      rxDropped: f[3] ?? 0,
      txBytes: f[8] ?? 0,
      txPackets: f[9] ?? 0,
      txErrors: f[10] ?? 0,
      txDropped: f[11] ?? 0,
    };
  }
  return out;
}

/** The host's total CPU time in nanoseconds from /proc/stat's `cpu` line (USER_HZ = 100 on Linux). */
export function parseProcStatCpu(text: string, userHz = 100): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  // user nice system idle iowait irq softirq steal (guest time is already counted in user)
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const ticks = f.reduce((a, b) => a + b, 0);
  return Math.round((ticks * 1e9) / userHz);
}

/** Docker's CPU percentage from two samples. */
export function cpuPercent(prev: Pick<CpuMetrics, 'usageNanos' | 'systemNanos'>, cur: CpuMetrics): number {
  const cpuDelta = cur.usageNanos - prev.usageNanos;
  const sysDelta = cur.systemNanos - prev.systemNanos;
  if (cpuDelta <= 0 || sysDelta <= 0) return 0;
  return (cpuDelta / sysDelta) * cur.onlineCpus * 100;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENODEV') || isErrno(err, 'EINVAL')) return undefined;
    throw err;
  }
}

async function readNumber(file: string): Promise<number | undefined> {
  const t = (await readText(file))?.trim();
  if (t === undefined || t === '' || t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

// v1 reports "no limit" as the largest page-aligned 64-bit value.
const V1_UNLIMITED = 2 ** 62;

async function hostMemory(): Promise<number> {
  const m = /MemTotal:\s+(\d+)\s+kB/.exec((await readText('/proc/meminfo')) ?? '');
  return m ? Number(m[1]) * 1024 : 0;
}

async function onlineCpus(): Promise<number> {
  const t = (await readText('/sys/devices/system/cpu/online'))?.trim();
  if (!t) return 1;
  let n = 0;
  for (const part of t.split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : (b as number) - (a as number) + 1;
  }
  return n || 1;
}

/**
 * One sample of a process's cgroup and network counters. `pid` is the task's init pid; a pid that no longer
 * exists gives ENOENT from /proc (the caller maps it to "not running").
 */
export async function readTaskMetrics(pid: number): Promise<TaskMetrics> {
  const [cgText, mountinfo, statText, cpus, netText] = await Promise.all([
    fsp.readFile(`/proc/${pid}/cgroup`, 'utf8'),
    fsp.readFile('/proc/self/mountinfo', 'utf8'),
    readText('/proc/stat'),
    onlineCpus(),
    readText(`/proc/${pid}/net/dev`),
  ]);
  const cg = parseProcCgroup(cgText);
  const mounts = parseCgroupMounts(mountinfo);
  const systemNanos = parseProcStatCpu(statText ?? '');
  const networks = parseNetDev(netText ?? '');
  const v2 = mounts.v1.get('memory') === undefined && mounts.unified !== undefined && cg.unified !== undefined;

  if (v2) {
    const dir = path.join(mounts.unified as string, cg.unified as string);
    const [cpuStat, memCurrent, memMax, memStat, pidsCur, pidsMax, ioStat] = await Promise.all([
      readText(path.join(dir, 'cpu.stat')),
      readNumber(path.join(dir, 'memory.current')),
      readNumber(path.join(dir, 'memory.max')),
      readText(path.join(dir, 'memory.stat')),
      readNumber(path.join(dir, 'pids.current')),
      readNumber(path.join(dir, 'pids.max')),
      readText(path.join(dir, 'io.stat')),
    ]);
    const cs = parseFlatKeyed(cpuStat ?? '');
    const ms = parseFlatKeyed(memStat ?? '');
    return {
      read: new Date(),
      cgroupVersion: 2,
      cpu: {
        usageNanos: (cs.usage_usec ?? 0) * 1000,
        systemNanos,
        onlineCpus: cpus,
        throttledPeriods: cs.nr_throttled,
        throttledNanos: cs.throttled_usec === undefined ? undefined : cs.throttled_usec * 1000,
      },
      memory: { usage: memCurrent ?? 0, limit: memMax ?? (await hostMemory()), inactiveFile: ms.inactive_file ?? 0, stat: ms },
      pids: { current: pidsCur ?? 0, ...(pidsMax === undefined ? {} : { limit: pidsMax }) },
      blkio: parseIoStatV2(ioStat ?? ''),
      networks,
    };
  }

  const v1dir = (ctrl: string): string | undefined => {
    const mount = mounts.v1.get(ctrl);
    const p = cg.v1.get(ctrl);
    return mount === undefined || p === undefined ? undefined : path.join(mount, p);
  };
  const acct = v1dir('cpuacct');
  const cpu = v1dir('cpu');
  const mem = v1dir('memory');
  const pids = v1dir('pids');
  const blkio = v1dir('blkio');
  const [usage, cpuStat, memUsage, memLimit, memStat, pidsCur, pidsMax, blkBytes, blkRecursive] = await Promise.all([
    acct ? readNumber(path.join(acct, 'cpuacct.usage')) : undefined,
    cpu ? readText(path.join(cpu, 'cpu.stat')) : undefined,
    mem ? readNumber(path.join(mem, 'memory.usage_in_bytes')) : undefined,
    mem ? readNumber(path.join(mem, 'memory.limit_in_bytes')) : undefined,
    mem ? readText(path.join(mem, 'memory.stat')) : undefined,
    pids ? readNumber(path.join(pids, 'pids.current')) : undefined,
    pids ? readNumber(path.join(pids, 'pids.max')) : undefined,
    blkio ? readText(path.join(blkio, 'blkio.throttle.io_service_bytes')) : undefined,
    blkio ? readText(path.join(blkio, 'blkio.io_service_bytes_recursive')) : undefined,
  ]);
  const cs = parseFlatKeyed(cpuStat ?? '');
  const ms = parseFlatKeyed(memStat ?? '');
  const throttle = parseBlkioV1(blkBytes ?? '');
  return {
    read: new Date(),
    cgroupVersion: 1,
    cpu: {
      usageNanos: usage ?? 0,
      systemNanos,
      onlineCpus: cpus,
      throttledPeriods: cs.nr_throttled,
      throttledNanos: cs.throttled_time,
    },
    memory: {
      usage: memUsage ?? 0,
      limit: memLimit === undefined || memLimit >= V1_UNLIMITED ? await hostMemory() : memLimit,
      inactiveFile: ms.total_inactive_file ?? ms.inactive_file ?? 0,
      stat: ms,
    },
    pids: { current: pidsCur ?? 0, ...(pidsMax === undefined ? {} : { limit: pidsMax }) },
    blkio: throttle.readBytes + throttle.writeBytes > 0 ? throttle : parseBlkioV1(blkRecursive ?? ''),
    networks,
  };
}

let cgroupMounts: Promise<{ v1: Map<string, string>; unified?: string }> | undefined;
/** This process's cgroup mount points, read once. */
const cgroupMountsOnce = () => (cgroupMounts ??= readText('/proc/self/mountinfo').then((t) => parseCgroupMounts(t ?? '')));

/**
 * How many processes the kernel's OOM killer killed in the cgroup at `cgroupsPath` (a cgroupfs-driver path from
 * the spec), from `memory.oom_control` (v1, kernel 4.13+) or `memory.events` (v2). Read before `runc delete`
 * removes the cgroup; undefined when the cgroup or the counter is not there (a systemd-driver path included).
 */
export async function readOomKillCount(cgroupsPath: string): Promise<number | undefined> {
  if (!cgroupsPath.startsWith('/')) return undefined;
  const mounts = await cgroupMountsOnce();
  const v1 = mounts.v1.get('memory');
  const file =
    v1 !== undefined
      ? path.join(v1, cgroupsPath, 'memory.oom_control')
      : mounts.unified !== undefined
        ? path.join(mounts.unified, cgroupsPath, 'memory.events')
        : undefined;
  const text = file === undefined ? undefined : await readText(file);
  return text === undefined ? undefined : parseFlatKeyed(text).oom_kill;
}

/**
 * Removes the per-namespace parent (`/nerdctl/<namespace>`) of a container cgroup in every hierarchy once it is
 * empty: runc removes the container's own cgroup at delete, never the parents it created. Only that default
 * layout is touched (never a user's --cgroup-parent); a parent still holding other containers stays (EBUSY).
 */
export async function removeEmptyNamespaceCgroup(cgroupsPath: string): Promise<void> {
  const parent = path.posix.dirname(cgroupsPath);
  if (!/^\/nerdctl\/[^/]+$/.test(parent)) return;
  const mounts = await cgroupMountsOnce();
  const roots = new Set([...mounts.v1.values(), ...(mounts.unified !== undefined ? [mounts.unified] : [])]);
  await Promise.all([...roots].map((root) => fsp.rmdir(path.join(root, parent)).catch(() => {})));
}
