/**
 * `ps` rows as Docker's CLI renders them (docker/cli formatter.ContainerContext): pure functions over container
 * summaries, unit-tested in ps-rows.test.ts. Kept free of engine services so the `ps` chunk stays small.
 */
import type { ContainerState, ContainerSummary, PortBinding } from '../../engine/containers/types.js';
import { displayWidth } from '../../util/tabwriter.js';
import { formatGoTime, timeAgo } from '../../util/time.js';
import { humanDuration, humanSizeWithPrecision } from '../../util/units.js';

/** Go's strconv.Quote for the printable text commands have (quotes and backslashes escaped, controls as \x). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** docker/cli's Ellipsis: at most `max` characters, the last one `…` when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * COMMAND: the command line as Docker's daemon joins it (arguments after the first that contain a space in single
 * quotes), truncated to 20 characters unless `noTrunc`, quoted.
 */
export function commandText(command: readonly string[], noTrunc: boolean): string {
  const [path = '', ...args] = command;
  const text = args.length === 0 ? path : `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
  return goQuote(noTrunc ? text : ellipsis(text, 20));
}

function since(t: string, now: number): string {
  const ms = Date.parse(t);
  return humanDuration(Number.isNaN(ms) ? 0 : now - ms);
}

/** STATUS: `Up 5 seconds (healthy)`, `Exited (0) 3 seconds ago`, `Created`, `Up 2 minutes (Paused)`... */
export function statusText(s: ContainerState, now = Date.now()): string {
  switch (s.status) {
    case 'created':
      return 'Created';
    case 'running':
    case 'paused': {
      let out = `Up ${since(s.startedAt, now)}`;
      if (s.status === 'paused') out += ' (Paused)';
      const h = s.health?.status;
      if (h === 'starting') out += ' (health: starting)';
      else if (h === 'healthy' || h === 'unhealthy') out += ` (${h})`;
      return out;
    }
    case 'restarting':
      return `Restarting (${s.exitCode}) ${since(s.finishedAt, now)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return s.finishedAt === '' ? `Exited (${s.exitCode})` : `Exited (${s.exitCode}) ${since(s.finishedAt, now)} ago`;
  }
}

interface PortEntry {
  ip: string;
  privatePort: number;
  publicPort: number;
  type: string;
}

/** The ports of a running container as Docker's daemon lists them: bindings, and exposed ports without one. */
export function portEntries(exposed: readonly string[], bindings: readonly PortBinding[]): PortEntry[] {
  const out: PortEntry[] = [];
  const bound = new Set<string>();
  for (const b of bindings) {
    out.push({ ip: b.hostIp === '' ? '0.0.0.0' : b.hostIp, privatePort: b.containerPort, publicPort: b.hostPort, type: b.protocol });
    bound.add(`${b.containerPort}/${b.protocol}`);
  }
  for (const e of exposed) {
    if (bound.has(e)) continue;
    const [p, proto] = e.split('/');
    const n = Number(p);
    if (Number.isInteger(n)) out.push({ ip: '', privatePort: n, publicPort: 0, type: proto ?? 'tcp' });
  }
  return out;
}

function joinHostPort(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** PORTS: Docker's DisplayablePorts (consecutive ports grouped, `0.0.0.0:8080->80/tcp`, `443/tcp`). */
export function portsText(entries: readonly PortEntry[]): string {
  const sorted = [...entries].sort(
    (a, b) => a.privatePort - b.privatePort || a.ip.localeCompare(b.ip) || a.publicPort - b.publicPort || a.type.localeCompare(b.type),
  );
  const groups = new Map<string, { first: number; last: number }>();
  const order: string[] = [];
  const result: string[] = [];
  const mappings: string[] = [];
  const form = (key: string, g: { first: number; last: number }) => {
    const [a, b] = key.split('\u0000');
    const ip = b === undefined ? '' : a!;
    const type = b === undefined ? a! : b;
    let range = String(g.first);
    if (g.first !== g.last) range += `-${g.last}`;
    return ip !== '' ? `${joinHostPort(ip, range)}->${range}/${type}` : `${range}/${type}`;
  };
  for (const p of sorted) {
    let key = p.type;
    if (p.ip !== '') {
      if (p.publicPort !== p.privatePort) {
        mappings.push(`${joinHostPort(p.ip, p.publicPort)}->${p.privatePort}/${p.type}`);
        continue;
      }
      key = `${p.ip}\u0000${p.type}`;
    }
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { first: p.privatePort, last: p.privatePort });
      order.push(key);
    } else if (p.privatePort === g.last + 1) {
      g.last = p.privatePort;
    } else {
      result.push(form(key, g));
      groups.set(key, { first: p.privatePort, last: p.privatePort });
    }
  }
  for (const k of order) result.push(form(k, groups.get(k)!));
  return [...result, ...mappings].join(', ');
}

/** The template context of one row (Docker's field names; `{{json .}}` lists them sorted). */
export interface PsRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Ports: string;
  State: string;
  Status: string;
  Size: string;
  Names: string;
  Labels: string;
  Mounts: string;
  Networks: string;
  LocalVolumes: string;
}

export interface RowOptions {
  readonly noTrunc: boolean;
  readonly now?: number;
  /** `SizeRw`/`SizeRootFs` when computed. */
  readonly size?: { rw: number; rootFs: number };
}

/** Mount names for the MOUNTS column: volume names, else host paths (cut to 15 characters unless noTrunc). */
function mountsText(c: ContainerSummary, noTrunc: boolean): string {
  const names: string[] = [];
  for (let i = 0; i < c.volumes.length; i++) {
    const v = c.volumes[i]!;
    if (v.startsWith('/')) continue;
    names.push(noTrunc ? v : ellipsis(v, 15));
  }
  return names.join(',');
}

/** One row of `ps` (see {@link PsRow}). */
export function psRow(c: ContainerSummary, o: RowOptions): PsRow {
  const now = o.now ?? Date.now();
  const running = c.state.status === 'running' || c.state.status === 'paused';
  const ports = running ? portsText(portEntries(c.exposedPorts, c.state.network?.ports ?? [])) : '';
  const createdMs = Date.parse(c.createdAt);
  const created = new Date(Math.floor(createdMs / 1000) * 1000);
  const labels = Object.keys(c.labels)
    .sort()
    .map((k) => `${k}=${c.labels[k]}`)
    .join(',');
  const localVolumes = c.volumes.filter((v) => !v.startsWith('/')).length;
  const row = {
    ID: o.noTrunc ? c.id : c.id.slice(0, 12),
    Image: c.image,
    Command: commandText(c.command, o.noTrunc),
    CreatedAt: '',
    RunningFor: timeAgo(createdMs, now),
    Ports: ports,
    State: c.state.status,
    Status: statusText(c.state, now),
    Size: o.size ? `${humanSizeWithPrecision(o.size.rw, 3)} (virtual ${humanSizeWithPrecision(o.size.rootFs, 3)})` : '',
    Names: c.name,
    Labels: labels,
    Mounts: mountsText(c, o.noTrunc),
    Networks: c.networks.join(','),
    LocalVolumes: String(localVolumes),
  };
  // Go's time text needs the zone's name (Intl, slow per call): made only when a format reads it.
  let createdAt: string | undefined;
  Object.defineProperty(row, 'CreatedAt', { enumerable: true, get: () => (createdAt ??= formatGoTime(created)) });
  return row;
}

/**
 * Docker's table layout (util/tabwriter.ts with docker/cli's settings: minwidth 10, padding 3, spaces) for rows that
 * all have the same cells, which is one tabwriter block: every column but the last is as wide as its widest cell
 * plus 3, at least 10. The same output as `tabwrite`, without its per-character state machine: `ps` with
 * hundreds of containers spends its time here otherwise.
 */
export function alignTable(lines: readonly (readonly string[])[]): string {
  const ncols = lines[0]?.length ?? 0;
  const widthOf = (t: string) => (/^[\x20-\x7e]*$/.test(t) ? t.length : displayWidth(t));
  const widths = lines.map((l) => l.map(widthOf));
  const colw: number[] = [];
  for (let c = 0; c < ncols - 1; c++) {
    let w = 10;
    for (const row of widths) w = Math.max(w, (row[c] ?? 0) + 3);
    colw.push(w);
  }
  let out = '';
  lines.forEach((l, i) => {
    for (let c = 0; c < l.length; c++) {
      const t = l[c]!;
      out += c < ncols - 1 ? t + ' '.repeat(Math.max(colw[c]! - widths[i]![c]!, 0)) : t;
    }
    out += '\n';
  });
  return out;
}

export { PS_HEADERS } from './ps-headers.js';

export const PS_DEFAULT_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
