/**
 * Leftover checks for integration tests that run containers: take a snapshot before, compare after, and report
 * what the test left behind — mounts under its data or state root, network namespaces of its containers, veths
 * on its bridge, iptables rules naming its bridge or subnet, cgroups of its namespace, host-local IP allocations,
 * and conmon / nerdctl helper processes working for it.
 *
 * Every check is scoped to things only this test can own (its own roots, namespace, bridge and subnet), so tests
 * of other areas running at the same time on the machine never show up as false leaks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LeakScope {
  readonly dataRoot: string;
  readonly stateRoot: string;
  /** The containerd namespace only this test uses (cgroups live under `nerdctl/<namespace>`). */
  readonly namespace: string;
  /** The test's default bridge device, if it has one. */
  readonly bridge?: string;
  /** The test's subnet prefix as text (`10.215.7.`), for iptables rules and namespaces' addresses. */
  readonly subnetPrefix?: string;
}

export interface LeakSnapshot {
  readonly iptables: ReadonlySet<string>;
  readonly netns: ReadonlySet<string>;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout ?? '') : '';
}

function iptablesLines(): string[] {
  return [sh('iptables-save', []), sh('ip6tables-save', [])]
    .join('\n')
    .split('\n')
    .filter((l) => l.startsWith('-A ') || (l.startsWith(':') && !l.startsWith(':INPUT') && !l.startsWith(':OUTPUT')))
    .map((l) => l.replace(/\[\d+:\d+\]/, '').trim());
}

function netnsNames(): string[] {
  return sh('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith('nerdctl-'));
}

export function snapshotLeaks(_scope: LeakScope): LeakSnapshot {
  return { iptables: new Set(iptablesLines()), netns: new Set(netnsNames()) };
}

function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => m !== undefined);
}

function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/** Cgroup directories of containers in `namespace` (any controller, v1 or v2). */
function cgroupLeftovers(namespace: string): string[] {
  const out: string[] = [];
  const root = '/sys/fs/cgroup';
  const candidates = [join(root, 'nerdctl', namespace)];
  try {
    for (const c of readdirSync(root)) candidates.push(join(root, c, 'nerdctl', namespace));
  } catch {
    // no cgroupfs
  }
  for (const dir of candidates) {
    if (!existsSync(dir)) continue;
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(join(dir, e.name));
    } catch {
      // raced with removal
    }
  }
  return out;
}

/** host-local allocation files under the data root (named after the IP). */
function ipamLeftovers(dataRoot: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^\d+\.\d+\.\d+\.\d+$/.test(e.name) || /^[0-9a-f:]+:[0-9a-f:]*$/.test(e.name)) out.push(p);
    }
  };
  walk(join(dataRoot, 'network'));
  return out;
}

/** Processes whose command line mentions one of the roots (conmon, runc, the exit command, the health runner). */
function processLeftovers(roots: readonly string[]): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    if (roots.some((r) => cmd.includes(r)) && !cmd.includes('vitest')) out.push(`${pid}: ${cmd.slice(0, 160)}`);
  }
  return out;
}

/** The namespace's addresses in our subnet, if any (a netns of one of our containers). */
function netnsInSubnet(name: string, prefix: string): boolean {
  return sh('ip', ['-n', name, '-o', '-4', 'addr', 'show']).includes(prefix);
}

/**
 * What the test left behind (empty when clean). Waits a little for processes that are finishing (an exit
 * command completes after `rm` returns) before reporting them.
 */
export async function findLeaks(scope: LeakScope, before: LeakSnapshot, opts: { settleMs?: number } = {}): Promise<string[]> {
  const deadline = Date.now() + (opts.settleMs ?? 5000);
  let procs = processLeftovers([scope.dataRoot, scope.stateRoot]);
  while (procs.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    procs = processLeftovers([scope.dataRoot, scope.stateRoot]);
  }
  const leaks: string[] = procs.map((p) => `process ${p}`);
  for (const m of mountPoints()) {
    if (under(m, scope.dataRoot) || under(m, scope.stateRoot)) leaks.push(`mount ${m}`);
  }
  for (const c of cgroupLeftovers(scope.namespace)) leaks.push(`cgroup ${c}`);
  for (const n of netnsNames()) {
    if (before.netns.has(n)) continue;
    if (scope.subnetPrefix !== undefined && netnsInSubnet(n, scope.subnetPrefix)) leaks.push(`netns ${n}`);
  }
  if (scope.bridge !== undefined) {
    const ports = sh('ip', ['-o', 'link', 'show', 'master', scope.bridge]).split('\n').filter(Boolean);
    for (const p of ports) leaks.push(`veth on ${scope.bridge}: ${p.split(':')[1]?.trim() ?? p}`);
  }
  if (scope.subnetPrefix !== undefined) {
    // Rules for one container name its address (10.x.y.N, N >= 2); the network's own rules name the subnet or gateway.
    const ipRe = new RegExp(`${scope.subnetPrefix.replace(/\./g, '\\.')}(?:[2-9]|[1-9]\\d{1,2})\\b`);
    for (const l of iptablesLines()) {
      if (!before.iptables.has(l) && ipRe.test(l)) leaks.push(`iptables ${l}`);
    }
  }
  for (const f of ipamLeftovers(scope.dataRoot)) leaks.push(`ipam ${f}`);
  return leaks;
}

/** True when `path` exists and is a directory with entries. */
export function nonEmptyDir(path: string): boolean {
  try {
    return statSync(path).isDirectory() && readdirSync(path).length > 0;
  } catch {
    return false;
  }
}
