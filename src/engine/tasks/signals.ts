/**
 * Signal names and numbers as Docker accepts them (`kill -s`, `--stop-signal`, `STOPSIGNAL`): a decimal number,
 * or a name with or without the `SIG` prefix in any case, including `RTMIN+n` / `RTMAX-n`.
 */
import { constants } from 'node:os';
import { invalidArgument } from '../errdefs.js';

/** A parsed signal. `name` is the canonical `SIG…` spelling when the number has one. */
export interface Signal {
  readonly number: number;
  readonly name: string;
}

// Linux x86/arm: SIGRTMIN is 34 as glibc reports it (32 and 33 are reserved by the threading library).
const RTMIN = 34;
const RTMAX = 64;

const byName = new Map<string, number>();
const byNumber = new Map<number, string>();
for (const [name, num] of Object.entries(constants.signals)) {
  byName.set(name, num);
  // Prefer the first (canonical) name for a number: SIGABRT over SIGIOT, SIGIO over SIGPOLL.
  if (!byNumber.has(num)) byNumber.set(num, name);
}

function nameOf(num: number): string {
  const known = byNumber.get(num);
  if (known) return known;
  if (num === RTMIN) return 'SIGRTMIN';
  if (num === RTMAX) return 'SIGRTMAX';
  if (num > RTMIN && num < RTMAX) {
    const fromMin = num - RTMIN;
    return fromMin <= 15 ? `SIGRTMIN+${fromMin}` : `SIGRTMAX-${RTMAX - num}`;
  }
  return String(num);
}

/**
 * Parses a signal as Docker does. Throws `invalid-argument` ("invalid signal: X") for anything else, including 0.
 */
export function parseSignal(raw: string | number): Signal {
  if (typeof raw === 'number' || /^\d+$/.test(raw.trim())) {
    const num = typeof raw === 'number' ? raw : Number.parseInt(raw.trim(), 10);
    if (!Number.isInteger(num) || num <= 0 || num > RTMAX) throw invalidArgument(`invalid signal: ${String(raw)}`);
    return { number: num, name: nameOf(num) };
  }
  const upper = raw.trim().toUpperCase();
  const bare = upper.startsWith('SIG') ? upper.slice(3) : upper;
  const known = byName.get(`SIG${bare}`);
  if (known !== undefined) return { number: known, name: nameOf(known) };
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(bare);
  if (rt) {
    const base = rt[1] === 'MIN' ? RTMIN : RTMAX;
    const offset = rt[3] === undefined ? 0 : Number.parseInt(rt[3], 10) * (rt[2] === '-' ? -1 : 1);
    const num = base + offset;
    if (num >= RTMIN && num <= RTMAX && (rt[1] === 'MIN' ? offset >= 0 : offset <= 0)) {
      return { number: num, name: nameOf(num) };
    }
  }
  throw invalidArgument(`invalid signal: ${raw}`);
}

export const SIGKILL = parseSignal('SIGKILL');
export const SIGTERM = parseSignal('SIGTERM');
