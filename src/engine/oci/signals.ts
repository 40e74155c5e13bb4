/**
 * Linux signal names and numbers, parsed the way Docker parses `--stop-signal`, `kill -s` and STOPSIGNAL
 * (moby/sys/signal ParseSignal): a number, or a name with or without `SIG`, any case; `RTMIN+n`/`RTMAX-n`.
 */
import { invalidArgument } from '../errdefs.js';

/** Signal numbers by name without the `SIG` prefix (x86/arm generic numbering). */
export const SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  POLL: 29,
  PWR: 30,
  SYS: 31,
  RTMIN: 34,
  RTMAX: 64,
};

const RTMIN = 34;
const RTMAX = 64;

export interface ParsedSignal {
  /** Canonical name with `SIG` (`SIGTERM`, `SIGRTMIN+3`), or the number as text when it has no name. */
  name: string;
  number: number;
}

const byNumber = new Map<number, string>();
for (const [name, n] of Object.entries(SIGNALS)) if (!byNumber.has(n)) byNumber.set(n, `SIG${name}`);

/**
 * Parses a signal. Raises invalid-argument `Invalid signal: x` (Docker's wording) for 0, unknown names and
 * numbers outside 1..64.
 */
export function parseSignal(raw: string): ParsedSignal {
  const bad = () => invalidArgument(`Invalid signal: ${raw}`);
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n < 1 || n > RTMAX) throw bad();
    return { name: byNumber.get(n) ?? nameOfRealtime(n) ?? String(n), number: n };
  }
  const key = raw.toUpperCase().replace(/^SIG/, '');
  const known = SIGNALS[key];
  if (known !== undefined) return { name: byNumber.get(known) ?? `SIG${key}`, number: known };
  const rt = /^RTMIN\+(\d+)$/.exec(key) ?? /^RTMAX-(\d+)$/.exec(key);
  if (rt) {
    const off = Number(rt[1]);
    const n = key.startsWith('RTMIN') ? RTMIN + off : RTMAX - off;
    if (off >= 1 && off <= 15 && n > RTMIN && n < RTMAX) return { name: `SIG${key}`, number: n };
  }
  throw bad();
}

function nameOfRealtime(n: number): string | undefined {
  if (n <= RTMIN || n >= RTMAX) return undefined;
  return n - RTMIN <= 15 ? `SIGRTMIN+${n - RTMIN}` : `SIGRTMAX-${RTMAX - n}`;
}
