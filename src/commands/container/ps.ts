/**
 * `ps`: the container listing. Kept lean for startup time: the rows come from one read-only query
 * (engine/containers/list.ts) and cheap reconciliation; the full containers service is loaded only for sizes
 * (`-s`) and for containers whose monitor died without an exit record.
 */
import type { ContainerSummary } from '../../engine/containers/types.js';
import { invalidArgument } from '../../engine/errdefs.js';
import type { CommandContext } from '../_lib/context.js';
import { FilterArgs } from '../_lib/filter.js';
import { formatListing, IGNORING_CUSTOM_FORMAT_WARNING, listingFieldsUsed } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { PS_DEFAULT_FORMAT, PS_HEADERS, psRow, type PsRow } from './ps-rows.js';

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

async function refreshUnknown(ctx: CommandContext, list: ContainerSummary[], unknown: readonly string[]): Promise<ContainerSummary[]> {
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

export const psCommand = defineCommand({
  name: 'ls',
  aliases: ['list', 'ps'],
  summary: 'List containers',
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Show all containers (default shows just running)' },
    filter: { type: 'strings', short: 'f', describe: 'Filter output based on conditions provided', valueName: 'filter' },
    format: { type: 'string', describe: 'Pretty-print containers using a Go template', complete: { format: Object.keys(PS_HEADERS) } },
    last: { type: 'number', short: 'n', describe: 'Show n last created containers (includes all states)', default: -1, valueName: 'int' },
    latest: { type: 'boolean', short: 'l', describe: 'Show the latest created container (includes all states)' },
    'no-trunc': { type: 'boolean', describe: "Don't truncate output" },
    quiet: { type: 'boolean', short: 'q', describe: 'Only display container IDs' },
    size: { type: 'boolean', short: 's', describe: 'Display total file sizes' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const filters = FilterArgs.parse(flags.filter, { commandPath: ['ps'] });
    const format = flags.format ?? '';
    if (flags.quiet && format !== '' && format !== 'table') ctx.err.line(IGNORING_CUSTOM_FORMAT_WARNING);
    const defaultFormat = flags.size ? `${PS_DEFAULT_FORMAT}\t{{.Size}}` : PS_DEFAULT_FORMAT;
    const listing = { format, quiet: flags.quiet, defaultFormat, quietOverridesFormat: true } as const;
    const used = listingFieldsUsed(listing);
    const wantSize = flags.size || used.has('Size') || format === 'json' || (format.startsWith('table') === false && /\{\{\s*json\s+\.\s*\}\}/.test(format));

    const { quickListContainers } = await import('../../engine/containers/list.js');
    const { resolve } = await import('node:path');
    const q = quickListContainers({ dataRoot: resolve(ctx.cwd, ctx.globals.dataRoot), stateRoot: ctx.globals.stateRoot, namespace: ctx.globals.namespace });
    let all = await refreshUnknown(ctx, q.containers, q.unknown);
    all = filterContainers(all, filters);
    let last = flags.last;
    if (flags.latest) last = 1;
    if (last > 0) all = all.slice(0, last);
    else if (!flags.all && last < 0) all = all.filter((c) => c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting');

    let sizes = new Map<string, { rw: number; rootFs: number }>();
    if (wantSize && !flags.quiet && all.length > 0) {
      const svc = await (await ctx.engine()).containers();
      sizes = new Map(
        await Promise.all(all.map(async (c) => [c.id, await svc.size(ctx.op(), c.id).catch(() => ({ rw: 0, rootFs: 0 }))] as const)),
      );
    }
    const now = Date.now();
    const rows = all.map((c) => {
      const size = sizes.get(c.id);
      const row: PsRow = psRow(c, { noTrunc: flags['no-trunc'], now, ...(size ? { size } : {}) });
      Object.defineProperty(row, 'Label', { enumerable: false, value: (k: unknown) => c.labels[String(k)] ?? '' });
      return row;
    });
    ctx.out.write(
      formatListing(rows, {
        ...listing,
        headers: PS_HEADERS,
        quietField: (r) => r.ID,
      }),
    );
  },
});

