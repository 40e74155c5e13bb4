/**
 * What the `network` commands share: opening the network layer with the global options, the event log, label and
 * option flags, and Docker's row object for `network ls`.
 */
import { resolve } from 'node:path';
import { invalidArgument } from '../../engine/errdefs.js';
import type { EventInput } from '../../engine/events/types.js';
import type { NetworkInfo, Networking } from '../../network/index.js';
import { formatGoTime } from '../../util/time.js';
import type { CommandContext } from '../_lib/context.js';

/** Environment variables that move the default network (tests isolate with them; nerdctl has `--bridge-ip`). */
export const DEFAULT_NETWORK_ENV = {
  subnet: 'NERDCTL_DEFAULT_NETWORK_SUBNET',
  gateway: 'NERDCTL_DEFAULT_NETWORK_GATEWAY',
  bridge: 'NERDCTL_DEFAULT_BRIDGE',
} as const;

/** The default network's settings from the environment, if any. Pure. */
export function defaultNetworkFromEnv(env: Readonly<Record<string, string | undefined>>): { subnet?: string; gateway?: string; bridge?: string } | undefined {
  const out: { subnet?: string; gateway?: string; bridge?: string } = {};
  for (const [k, name] of Object.entries(DEFAULT_NETWORK_ENV) as [keyof typeof DEFAULT_NETWORK_ENV, string][]) {
    const v = env[name];
    if (v !== undefined && v !== '') out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Opens the network layer for this invocation; the caller closes it. */
export async function openNetworks(ctx: CommandContext): Promise<Networking> {
  const { openNetworking } = await import('../../network/index.js');
  const defaultNetwork = defaultNetworkFromEnv(ctx.env);
  return openNetworking({
    dataRoot: resolve(ctx.cwd, ctx.globals.dataRoot),
    netconfPath: ctx.globals.cniNetconfPath,
    cniPath: ctx.globals.cniPath,
    ...(defaultNetwork !== undefined ? { defaultNetwork } : {}),
  });
}

/** Runs `fn` with the network layer open, closing it afterwards. */
export async function withNetworks<T>(ctx: CommandContext, fn: (nets: Networking) => Promise<T>): Promise<T> {
  const nets = await openNetworks(ctx);
  try {
    return await fn(nets);
  } finally {
    nets.close();
  }
}

/** Records an event in this namespace's event log (never fails the command). */
export async function emitEvent(ctx: CommandContext, input: EventInput): Promise<void> {
  try {
    const [{ eventLogFor }, engine] = await Promise.all([import('../../engine/events/event-log.js'), ctx.engine()]);
    eventLogFor(engine.storage.db).emit(ctx.op(), input);
  } catch (err) {
    ctx.log.debug('event not recorded', { error: err });
  }
}

/**
 * `k=v` flags (`--label`, `-o`) into a map, as Docker's list and map options read them: `k` alone is an empty
 * value, the last of a repeated key wins. Pure.
 */
export function parseKeyValues(values: readonly string[], what = 'label'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const k = eq < 0 ? v : v.slice(0, eq);
    if (k === '') throw invalidArgument(`invalid ${what} "${v}": the key must not be empty`);
    out[k] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

/** Labels as Docker's listings print them: `k=v` joined with commas (sorted, so the output is stable). Pure. */
export function joinLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** Docker's natural order for names (`net2` before `net10`). Pure. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** RFC 3339 with nanoseconds to Unix nanoseconds (undefined when unparsable). Pure. */
export function rfc3339ToNano(text: string): bigint | undefined {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = (m[2] ?? '').slice(0, 9).padEnd(9, '0');
  return BigInt(ms) * 1_000_000n + BigInt(frac);
}

/** The pre-defined networks Docker's `type=builtin` filter means: the default network, `host` and `none`. */
export function isBuiltinNetwork(net: NetworkInfo): boolean {
  return net.isDefault || net.pseudo;
}

/** A `network ls` row as Docker's formatter.networkContext shows it. */
export interface NetworkRow {
  ID: string;
  Name: string;
  Driver: string;
  Scope: string;
  IPv6: string;
  Internal: string;
  Labels: string;
  CreatedAt: string;
  Label(name: string): string;
}

/** The `network ls` row of a network (ID truncated to 12 unless `noTrunc`). Pure. */
export function networkRow(net: NetworkInfo, noTrunc: boolean): NetworkRow {
  const created = rfc3339ToNano(net.created);
  const row = {
    ID: noTrunc ? net.id : net.id.slice(0, 12),
    Name: net.name,
    Driver: net.driver,
    Scope: 'local',
    IPv6: String(net.enableIPv6),
    Internal: String(net.internal),
    Labels: joinLabels(visibleLabels(net)),
    CreatedAt: created === undefined ? '' : formatGoTime(created),
  } as NetworkRow;
  Object.defineProperty(row, 'Label', { enumerable: false, value: (name: string) => visibleLabels(net)[name] ?? '' });
  return row;
}

/** A network's labels without our internal marker of the default network. */
export function visibleLabels(net: NetworkInfo): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(net.labels)) if (!k.startsWith('nerdctl/')) out[k] = v;
  return out;
}
