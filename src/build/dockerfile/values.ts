import { syntaxError } from './errors.js';

/**
 * Value syntaxes used by Dockerfile instructions, with Docker's validation and wording: Go durations
 * (HEALTHCHECK), port specs (EXPOSE), signals (STOPSIGNAL) and file modes (COPY/ADD --chmod).
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds (`1m30s`, `300ms`, `1.5h`, `-2s`, `0`). */
export function parseGoDuration(s: string): number {
  const invalid = (): never => syntaxError(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') invalid();
  let total = 0;
  while (rest !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const intPart = num?.[1] ?? '';
    const fracPart = num?.[2];
    if (intPart === '' && (fracPart === undefined || fracPart === '')) invalid();
    rest = rest.slice((num?.[0] ?? '').length);
    const unit = /^[^\d.]*/.exec(rest)?.[0] ?? '';
    if (unit === '') syntaxError(`time: missing unit in duration ${JSON.stringify(s)}`);
    const mult = UNIT_NS[unit];
    if (mult === undefined) syntaxError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(s)}`);
    rest = rest.slice(unit.length);
    const frac = fracPart === undefined || fracPart === '' ? 0 : Number(`0.${fracPart}`);
    total += Number(intPart === '' ? '0' : intPart) * mult + Math.trunc(frac * mult);
  }
  if (!Number.isSafeInteger(Math.round(total))) invalid();
  return sign * Math.round(total);
}

function parsePortNumber(raw: string): number {
  if (raw === '') syntaxError('value is empty');
  if (!/^[+-]?\d+$/.test(raw)) syntaxError('invalid syntax');
  const n = Number(raw);
  if (n < 0 || n > 65535) syntaxError('value out of range (0–65535)');
  return n;
}

function parsePortRange(ports: string): [number, number] {
  if (ports === '') syntaxError('empty string specified for ports');
  const dash = ports.indexOf('-');
  const start = dash < 0 ? ports : ports.slice(0, dash);
  const end = dash < 0 ? undefined : ports.slice(dash + 1);
  const s = parsePortNumber(start);
  if (end === undefined || end === start) return [s, s];
  const e = parsePortNumber(end);
  if (e < s) syntaxError(`invalid port range: ${ports}`);
  return [s, e];
}

/**
 * Expands EXPOSE words into `port/proto` keys of the image config's ExposedPorts, in order: `80` gives
 * `80/tcp`, `53/UDP` gives `53/udp`, `8000-8002` three ports. Docker also tolerates (and ignores) an
 * `ip:hostPort:` prefix.
 */
export function parseExposePorts(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of words) {
    // [ip:][hostPort:]containerPort[/proto]
    let rest = raw;
    let ip = '';
    let hostPort = '';
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close > 0 && rest[close + 1] === ':') {
        ip = rest.slice(0, close + 1);
        rest = rest.slice(close + 2);
      }
    }
    const parts = rest.split(':');
    let containerPort = parts[parts.length - 1] as string;
    if (parts.length === 2) hostPort = parts[0] as string;
    else if (parts.length >= 3) {
      ip = ip || parts.slice(0, parts.length - 2).join(':');
      hostPort = parts[parts.length - 2] as string;
    }
    const slash = containerPort.indexOf('/');
    let proto = 'tcp';
    if (slash >= 0) {
      proto = containerPort.slice(slash + 1);
      containerPort = containerPort.slice(0, slash);
      if (proto === '') syntaxError(`invalid port: ${JSON.stringify(raw)}: no protocol specified`);
    }
    if (containerPort === '') syntaxError(`invalid port: ${JSON.stringify(raw)}: no port specified`);
    const lower = proto.toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(lower)) syntaxError(`invalid port: ${JSON.stringify(raw)}: invalid proto: ${proto}`);
    if (ip !== '') {
      const bare = ip.startsWith('[') ? ip.slice(1, -1) : ip;
      if (!/^[0-9.]+$/.test(bare) && !/^[0-9a-fA-F:.]+$/.test(bare)) syntaxError(`invalid IP address: ${bare}`);
    }
    let range: [number, number];
    try {
      range = parsePortRange(containerPort);
    } catch {
      syntaxError(`invalid containerPort: ${containerPort}`);
    }
    if (hostPort !== '') {
      let host: [number, number];
      try {
        host = parsePortRange(hostPort);
      } catch {
        syntaxError(`invalid hostPort: ${hostPort}`);
      }
      if (range[1] - range[0] !== host[1] - host[0] && range[1] !== range[0]) {
        syntaxError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
      }
    }
    for (let p = range[0]; p <= range[1]; p++) out.push(`${p}/${lower}`);
  }
  return out;
}

/** Linux signal numbers by name (without `SIG`), as Docker's signal map knows them. */
const SIGNALS: Record<string, number> = {
  ABRT: 6,
  ALRM: 14,
  BUS: 7,
  CHLD: 17,
  CLD: 17,
  CONT: 18,
  FPE: 8,
  HUP: 1,
  ILL: 4,
  INT: 2,
  IO: 29,
  IOT: 6,
  KILL: 9,
  PIPE: 13,
  POLL: 29,
  PROF: 27,
  PWR: 30,
  QUIT: 3,
  SEGV: 11,
  STKFLT: 16,
  STOP: 19,
  SYS: 31,
  TERM: 15,
  TRAP: 5,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  USR1: 10,
  USR2: 12,
  VTALRM: 26,
  WINCH: 28,
  XCPU: 24,
  XFSZ: 25,
};
for (let i = 0; i <= 30; i++) {
  SIGNALS[`RTMIN+${i}`] = 34 + i;
  SIGNALS[`RTMAX-${i}`] = 64 - i;
}

/** Validates a STOPSIGNAL value (`SIGTERM`, `term`, `15`, `SIGRTMIN+3`) and returns its number. */
export function parseSignal(raw: string): number {
  if (/^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n === 0) syntaxError(`Invalid signal: ${raw}`);
    return n;
  }
  const name = raw.toUpperCase().replace(/^SIG/, '');
  const n = Object.hasOwn(SIGNALS, name) ? SIGNALS[name] : undefined;
  if (n === undefined) syntaxError(`Invalid signal: ${raw}`);
  return n;
}

/** A `--chmod` value: an octal mode, or a symbolic expression applied to each copied file. */
export type ChmodSpec = { kind: 'octal'; mode: number } | { kind: 'symbolic'; expression: string };

const SYMBOLIC_CLAUSE = /^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+$/;

/**
 * Parses `--chmod` (after expansion): octal up to 07777, or symbolic clauses like `u=rwX,go=rX`, `+x`, `a-w`.
 * Numbers that are not valid octal get Docker's message.
 */
export function parseChmod(value: string): ChmodSpec {
  const nonOctal = `invalid chmod parameter: '${value}'. it should be octal string and between 0 and 07777`;
  if (/^[0-7]+$/.test(value)) {
    const mode = Number.parseInt(value, 8);
    if (mode > 0o7777) syntaxError(nonOctal);
    return { kind: 'octal', mode };
  }
  if (/^\d+$/.test(value)) syntaxError(nonOctal);
  const clauses = value.split(',');
  if (value === '' || !clauses.every((c) => SYMBOLIC_CLAUSE.test(c))) syntaxError(`invalid chmod parameter: '${value}'`);
  return { kind: 'symbolic', expression: value };
}

/**
 * Applies a chmod spec to a file's current mode (permission and special bits only): octal replaces them,
 * symbolic clauses edit them like chmod(1), where `X` adds execute for directories or files already executable
 * by someone. Without a `who` part the clause applies to all (no umask: Docker ignores it).
 */
export function applyChmod(spec: ChmodSpec, currentMode: number, isDirectory: boolean): number {
  if (spec.kind === 'octal') return spec.mode;
  let mode = currentMode & 0o7777;
  for (const clause of spec.expression.split(',')) {
    const m = /^([ugoa]*)(.*)$/.exec(clause) as RegExpExecArray;
    let who = m[1] as string;
    if (who === '' || who.includes('a')) who = 'ugo';
    const ops = (m[2] as string).match(/[-+=][^-+=]*/g) ?? [];
    for (const op of ops) {
      const action = op[0];
      const perms = op.slice(1);
      let bits = 0;
      const copyFrom = perms.length === 1 && 'ugo'.includes(perms) ? perms : undefined;
      if (copyFrom !== undefined) {
        const shift = copyFrom === 'u' ? 6 : copyFrom === 'g' ? 3 : 0;
        const rwx = (mode >> shift) & 0o7;
        for (const w of who) bits |= rwx << (w === 'u' ? 6 : w === 'g' ? 3 : 0);
      } else {
        for (const w of who) {
          const shift = w === 'u' ? 6 : w === 'g' ? 3 : 0;
          for (const p of perms) {
            if (p === 'r') bits |= 0o4 << shift;
            else if (p === 'w') bits |= 0o2 << shift;
            else if (p === 'x') bits |= 0o1 << shift;
            else if (p === 'X' && (isDirectory || (mode & 0o111) !== 0)) bits |= 0o1 << shift;
            else if (p === 's' && w === 'u') bits |= 0o4000;
            else if (p === 's' && w === 'g') bits |= 0o2000;
            else if (p === 't' && w === 'o') bits |= 0o1000;
          }
        }
      }
      if (action === '+') mode |= bits;
      else if (action === '-') mode &= ~bits;
      else {
        let clear = 0;
        for (const w of who) clear |= w === 'u' ? 0o4700 : w === 'g' ? 0o2070 : 0o1007;
        mode = (mode & ~clear) | bits;
      }
    }
  }
  return mode;
}
