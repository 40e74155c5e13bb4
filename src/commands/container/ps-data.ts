/** The data side of `ps`: filters (Docker's rules) and the slow-path refresh of states only runc knows. */
import type { ContainerSummary } from '../../engine/containers/types.js';
import { invalidArgument } from '../../engine/errdefs.js';
import type { CommandContext } from '../_lib/context.js';
import type { FilterArgs } from '../_lib/filter.js';

const FILTER_KEYS = ['id', 'name', 'label', 'label!', 'status', 'exited', 'ancestor', 'before', 'since', 'volume', 'network', 'health', 'publish', 'expose', 'is-task'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];

function findRef(all: readonly ContainerSummary[], ref: string): ContainerSummary {
  const hit = all.find((c) => c.id === ref) ?? all.find((c) => c.name === ref.replace(/^\//, '')) ?? all.find((c) => c.id.startsWith(ref));
  if (!hit) throw invalidArgument(`no such container ${ref}`);
  return hit;
}

function portRange(v: string): { start: number; end: number; proto: string } {
  const [ports = '', proto = 'tcp'] = v.split('/');
  const [a = '', b = a] = ports.split('-');
  const start = Number(a);
  const end = Number(b);
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b) || end < start) throw invalidArgument(`invalid port range: ${v}`);
  return { start, end, proto };
}

function imageMatches(c: ContainerSummary, value: string): boolean {
  if (c.image === value) return true;
  const v = value.startsWith('sha256:') ? value : `sha256:${value}`;
  if (/^sha256:[0-9a-f]{4,64}$/.test(v) && c.imageId.startsWith(v)) return true;
  const name = value.includes(':') || value.includes('@') ? value : `${value}:latest`;
  const norm = (n: string) => n.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
  return norm(c.imageName) === norm(name) || norm(c.imageName) === norm(value);
}

/** Applies ps filters (Docker's rules). */
export function filterContainers(all: readonly ContainerSummary[], f: FilterArgs): ContainerSummary[] {
  f.validate(FILTER_KEYS);
  f.walkValues('status', (v) => {
    if (!STATUSES.includes(v)) throw invalidArgument(`Invalid filter 'status=${v}'`);
  });
  f.walkValues('health', (v) => {
    if (!HEALTH.includes(v)) throw invalidArgument(`Unrecognised filter value for health: ${v}`);
  });
  const exited: number[] = [];
  f.walkValues('exited', (v) => {
    if (!/^-?\d+$/.test(v)) throw invalidArgument(`strconv.Atoi: parsing "${v}": invalid syntax`);
    exited.push(Number(v));
  });
  const before = f.lastValue('before');
  const since = f.lastValue('since');
  const beforeAt = before !== undefined ? findRef(all, before).createdAt : undefined;
  const sinceAt = since !== undefined ? findRef(all, since).createdAt : undefined;
  const publish = f.get('publish').map(portRange);
  const expose = f.get('expose').map(portRange);
  return all.filter((c) => {
    const s = c.state;
    if (!f.fuzzyMatch('id', c.id)) return false;
    if (!f.match('name', c.name)) return false;
    if (!f.matchKVList('label', c.labels)) return false;
    if (f.includes('label!') && f.matchKVList('label!', c.labels)) return false;
    if (!f.exactMatch('status', s.status)) return false;
    if (exited.length > 0 && (s.status !== 'exited' || !exited.includes(s.exitCode))) return false;
    if (!f.exactMatch('health', s.health?.status ?? 'none')) return false;
    if (f.includes('ancestor') && !f.get('ancestor').some((v) => imageMatches(c, v))) return false;
    if (beforeAt !== undefined && !(c.createdAt < beforeAt)) return false;
    if (sinceAt !== undefined && !(c.createdAt > sinceAt)) return false;
    if (f.includes('volume') && !f.get('volume').some((v) => c.volumes.includes(v))) return false;
    if (f.includes('network') && !f.get('network').some((v) => c.networks.includes(v) || (s.network?.endpoints ?? []).some((e) => e.networkId.startsWith(v) || e.network === v))) {
      return false;
    }
    if (publish.length > 0) {
      const ports = s.status === 'running' || s.status === 'paused' ? (s.network?.ports ?? []) : [];
      if (!publish.some((r) => ports.some((p) => p.protocol === r.proto && p.hostPort >= r.start && p.hostPort <= r.end))) return false;
    }
    if (expose.length > 0) {
      const keys = c.exposedPorts.map((k) => k.split('/'));
      if (!expose.some((r) => keys.some(([p, proto]) => proto === r.proto && Number(p) >= r.start && Number(p) <= r.end))) return false;
    }
    return true;
  });
}

export async function refreshUnknown(ctx: CommandContext, list: ContainerSummary[], unknown: readonly string[]): Promise<ContainerSummary[]> {
  if (unknown.length === 0) return list;
  const svc = await (await ctx.engine()).containers();
  const fresh = new Map<string, ContainerSummary['state']>();
  for (const id of unknown) {
    try {
      fresh.set(id, (await svc.get(ctx.op(), id)).state);
    } catch {
      // removed meanwhile
    }
  }
  return list.map((c) => (fresh.has(c.id) ? { ...c, state: fresh.get(c.id)! } : c));
}

