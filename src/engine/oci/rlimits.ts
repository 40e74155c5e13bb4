/**
 * `--ulimit` values and the rlimits of the spec. This process lacks CAP_SYS_RESOURCE, so a container can never get
 * a hard limit above the current one: such requests are refused here, with a clear message, rather than by runc
 * half-way through `runc create`.
 */
import { invalidArgument } from '../errdefs.js';
import type { Rlimit } from './types.js';
import { ValueSyntaxError, parseGoInt } from './units.js';

/** The names `--ulimit` accepts (go-units; `as` is refused by Docker too). */
export const ULIMIT_NAMES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
] as const;

export type UlimitName = (typeof ULIMIT_NAMES)[number];

/** One `--ulimit name=soft[:hard]`; -1 means unlimited. */
export interface Ulimit {
  name: UlimitName;
  soft: number;
  hard: number;
}

/** rlim_t's RLIM_INFINITY. */
export const RLIM_INFINITY = 2n ** 64n - 1n;

/**
 * Parses `name=soft[:hard]` exactly as Docker (go-units ParseUlimit): hard defaults to soft; soft may not exceed
 * hard unless hard is -1 (unlimited). Throws {@link ValueSyntaxError} with Docker's text.
 */
export function parseUlimit(text: string): Ulimit {
  const eq = text.indexOf('=');
  if (eq < 0) throw new ValueSyntaxError(`invalid ulimit argument: ${text}`);
  const name = text.slice(0, eq);
  const value = text.slice(eq + 1);
  if (!(ULIMIT_NAMES as readonly string[]).includes(name)) throw new ValueSyntaxError(`invalid ulimit type: ${name}`);
  const colon = value.indexOf(':');
  const parse = (s: string) => {
    // go-units uses strconv.ParseInt(s, 10, 64): no base prefixes.
    if (!/^[+-]?\d+$/.test(s)) throw new ValueSyntaxError(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
    return parseGoInt(s.replace(/^([+-]?)0+(?=\d)/, '$1'));
  };
  let hard: number;
  let soft: number;
  if (colon >= 0) {
    hard = parse(value.slice(colon + 1));
    soft = parse(value.slice(0, colon));
  } else {
    soft = parse(value);
    hard = soft;
  }
  if (hard !== -1) {
    if (soft === -1) {
      throw new ValueSyntaxError(
        `ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${hard}`,
      );
    }
    if (soft > hard) {
      throw new ValueSyntaxError(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    }
  }
  return { name: name as UlimitName, soft, hard };
}

/** The current limits of a process, by ulimit name; unlimited is {@link RLIM_INFINITY}. */
export type HostRlimits = Partial<Record<UlimitName | 'as', { soft: bigint; hard: bigint }>>;

const limitsRows: Record<string, UlimitName | 'as'> = {
  'Max cpu time': 'cpu',
  'Max file size': 'fsize',
  'Max data size': 'data',
  'Max stack size': 'stack',
  'Max core file size': 'core',
  'Max resident set': 'rss',
  'Max processes': 'nproc',
  'Max open files': 'nofile',
  'Max locked memory': 'memlock',
  'Max address space': 'as',
  'Max file locks': 'locks',
  'Max pending signals': 'sigpending',
  'Max msgqueue size': 'msgqueue',
  'Max nice priority': 'nice',
  'Max realtime priority': 'rtprio',
  'Max realtime timeout': 'rttime',
};

/** Parses the text of /proc/<pid>/limits. */
export function parseProcLimits(text: string): HostRlimits {
  const out: HostRlimits = {};
  for (const line of text.split('\n')) {
    for (const [label, name] of Object.entries(limitsRows)) {
      if (!line.startsWith(label)) continue;
      const fields = line.slice(label.length).trim().split(/\s+/);
      const val = (s: string | undefined) => (s === 'unlimited' || s === undefined ? RLIM_INFINITY : BigInt(s));
      out[name] = { soft: val(fields[0]), hard: val(fields[1]) };
    }
  }
  return out;
}

function toRlim(n: number): bigint {
  return n < 0 ? RLIM_INFINITY : BigInt(n);
}

function show(n: bigint): string {
  return n === RLIM_INFINITY ? 'unlimited' : n.toString();
}

/**
 * The spec's rlimits for the requested ulimits (later entries of the same name win). With none requested the
 * result is empty and the container inherits the limits of the process that starts runc, as Docker's containers
 * inherit dockerd's.
 *
 * Unless `canRaise` (the process has CAP_SYS_RESOURCE), a hard limit above the host's current hard limit is an
 * invalid-argument error naming the limit; the kernel would refuse it inside `runc create` otherwise.
 */
export function specRlimits(ulimits: readonly Ulimit[], host: HostRlimits, canRaise: boolean): Rlimit[] {
  const byName = new Map<UlimitName, Ulimit>();
  for (const u of ulimits) byName.set(u.name, u);
  const out: Rlimit[] = [];
  for (const u of byName.values()) {
    const hard = toRlim(u.hard);
    const soft = toRlim(u.soft);
    const current = host[u.name];
    if (!canRaise && current && hard > current.hard) {
      throw invalidArgument(
        `ulimit ${u.name}: hard limit ${show(hard)} is above the host's hard limit ${show(current.hard)}` +
          ' (raising it needs CAP_SYS_RESOURCE, which this process does not have)',
        { hint: `lower the hard limit to ${show(current.hard)} or less` },
      );
    }
    out.push({ type: `RLIMIT_${u.name.toUpperCase()}`, hard: narrow(hard), soft: narrow(soft) });
  }
  return out;
}

function narrow(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}
