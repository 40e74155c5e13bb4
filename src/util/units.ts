/**
 * Sizes and durations the way Docker prints and parses them: docker/go-units (HumanSize, BytesSize, RAMInBytes,
 * FromHumanSize, HumanDuration) and Go's time.ParseDuration / Duration.String.
 */
import { invalidArgument } from '../engine/errdefs.js';
import { formatFloat } from './gotemplate/fmt.js';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function sizeAndUnit(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** go-units HumanSizeWithPrecision: decimal units, `precision` significant digits (`%.*g`): `4.26MB`. */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [n, unit] = sizeAndUnit(size, 1000, DECIMAL_UNITS);
  return formatFloat(n, 'g', precision) + unit;
}

/**
 * Sizes as Docker's listings show them (images and ps SIZE, history, stats I/O, build cache): decimal units with
 * 3 significant digits, `HumanSizeWithPrecision(size, 3)`: `0B`, `1.2kB`, `4.26MB`, `1e+03kB` (sic, Go's %g).
 */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 3);
}

/**
 * go-units HumanSize itself: 4 significant digits (`4.258MB`), as Docker prints prune totals ("Total reclaimed
 * space"), `system df` and volume sizes.
 */
export function goHumanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** go-units BytesSize: binary units, 4 significant digits: `1.5MiB`, `512B` (stats memory). */
export function bytesSize(size: number): string {
  const [n, unit] = sizeAndUnit(size, 1024, BINARY_UNITS);
  return formatFloat(n, 'g', 4) + unit;
}

const DECIMAL_MAP: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const BINARY_MAP: Readonly<Record<string, number>> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** Go's strconv.ParseFloat for decimal syntax and the inf/nan words; undefined for invalid syntax. */
function parseGoFloat(s: string): number | undefined {
  const m = /^([+-]?)(?:(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|(inf|infinity)|(nan))$/i.exec(s);
  if (m === null) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[4] !== undefined) return sign * Infinity;
  if (m[5] !== undefined) return NaN;
  return sign * Number(`${m[2]}${m[3] ?? ''}`);
}

/** Go's int64(f) for the sizes here: truncation, and never a negative zero. */
function toInt(f: number): number {
  return Math.trunc(f) + 0;
}

function parseSize(sizeStr: string, map: Readonly<Record<string, number>>): number {
  let num: string;
  let sfx: string;
  const sp = sizeStr.indexOf(' ');
  if (sp >= 0) {
    num = sizeStr.slice(0, sp);
    sfx = sizeStr.slice(sp + 1);
  } else {
    let sep = -1;
    for (let i = sizeStr.length - 1; i >= 0; i--) {
      const c = sizeStr[i]!;
      if ((c >= '0' && c <= '9') || c === '.') {
        sep = i;
        break;
      }
    }
    if (sep === -1) throw invalidArgument(`invalid size: '${sizeStr}'`);
    num = sizeStr.slice(0, sep + 1);
    sfx = sizeStr.slice(sep + 1);
  }
  const size = parseGoFloat(num);
  if (size === undefined) throw invalidArgument(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  if (Number.isNaN(size) || size < 0) throw invalidArgument(`invalid size: '${sizeStr}'`);
  if (sfx.length === 0) return toInt(size);
  if (sfx.length > 3) throw invalidArgument(`invalid suffix: '${sfx}'`);
  const lower = sfx.toLowerCase();
  if (lower[0] === 'b') {
    if (lower.length > 1) throw invalidArgument(`invalid suffix: '${lower}'`);
    return toInt(size);
  }
  const mul = map[lower[0]!];
  if (mul === undefined) throw invalidArgument(`invalid suffix: '${lower}'`);
  if ((lower.length === 2 && lower[1] !== 'b') || (lower.length === 3 && lower.slice(1) !== 'ib')) {
    throw invalidArgument(`invalid suffix: '${lower}'`);
  }
  return toInt(size * mul);
}

/**
 * go-units FromHumanSize: decimal (`44kB` = 44000, `1.5G` = 1.5e9); units are case-insensitive and may be `k`,
 * `kb` or `kib`. Errors are `invalid-argument` with go-units' wording (`invalid suffix: 'x'`).
 */
export function fromHumanSize(size: string): number {
  return parseSize(size, DECIMAL_MAP);
}

/**
 * go-units RAMInBytes, how `--memory`, `--shm-size` and friends are read: binary (`512m` = 512 MiB, `1g` = 1 GiB,
 * `1024` = 1024 bytes, `1.5G`). Errors are `invalid-argument` with go-units' wording: `invalid size: 'abc'`,
 * `invalid suffix: 'x'`.
 */
export function ramInBytes(size: string): number {
  return parseSize(size, BINARY_MAP);
}

/**
 * go-units HumanDuration of `ms` milliseconds: `Less than a second`, `1 second`, `N seconds`, `About a minute`,
 * `N minutes`, `About an hour`, `N hours` (below 48), `N days` (below 2 weeks), `N weeks` (below 2 months),
 * `N months` (below 2 years), `N years`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

// ---- Go durations -----------------------------------------------------------------------------------------

export const NANOSECOND = 1;
export const MICROSECOND = 1_000;
export const MILLISECOND = 1_000_000;
export const SECOND = 1_000_000_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_INT64 = 2n ** 63n - 1n;

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's time.ParseDuration, exactly, as BigInt nanoseconds. */
export function parseGoDurationBig(s: string): bigint {
  const orig = s;
  const invalid = (): never => {
    throw invalidArgument(`time: invalid duration ${goQuote(orig)}`);
  };
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0]! >= '0' && s[0]! <= '9'))) invalid();
    const intM = /^\d*/.exec(s)![0];
    s = s.slice(intM.length);
    let frac = '';
    const pre = intM !== '';
    if (s[0] === '.') {
      s = s.slice(1);
      frac = /^\d*/.exec(s)![0];
      s = s.slice(frac.length);
    }
    if (!pre && frac === '') invalid();
    let i = 0;
    while (i < s.length && s[i] !== '.' && !(s[i]! >= '0' && s[i]! <= '9')) i++;
    const u = s.slice(0, i);
    s = s.slice(i);
    if (u === '') throw invalidArgument(`time: missing unit in duration ${goQuote(orig)}`);
    const unit = UNIT_NS[u];
    if (unit === undefined) throw invalidArgument(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    let v = BigInt(intM === '' ? '0' : intM) * unit;
    if (frac !== '') {
      // Go scales the fraction in floating point and truncates.
      const f = Number(`0.${frac}`) * Number(unit);
      v += BigInt(Math.trunc(f));
    }
    total += v;
    if (total > MAX_INT64 + (neg ? 1n : 0n)) invalid();
  }
  return neg ? -total : total;
}

/**
 * Go's time.ParseDuration (`1m30s`, `500ms`, `1h`, `-1.5h`, `0`) in nanoseconds. Errors are `invalid-argument`
 * with Go's wording: `time: invalid duration "x"`, `time: missing unit in duration "1"`,
 * `time: unknown unit "d" in duration "1d"`. Values beyond 2^53 ns (about 104 days) lose precision: use
 * {@link parseGoDurationBig} for those.
 */
export function parseGoDuration(s: string): number {
  return Number(parseGoDurationBig(s));
}

function fracDigits(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const d = v % 10n;
    print = print || d !== 0n;
    if (print) digits = String(d) + digits;
    v /= 10n;
  }
  return [print ? `.${digits}` : '', v];
}

/** Go's Duration.String of `ns` nanoseconds: `1m30s`, `1.5s`, `500ms`, `2h0m0s`, `0s`. */
export function formatGoDuration(ns: number | bigint): string {
  let d = typeof ns === 'bigint' ? ns : BigInt(Math.trunc(ns));
  if (d === 0n) return '0s';
  const neg = d < 0n;
  if (neg) d = -d;
  let out: string;
  if (d < 1_000_000_000n) {
    let prec: number;
    let unit: string;
    if (d < 1_000n) {
      prec = 0;
      unit = 'ns';
    } else if (d < 1_000_000n) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const [frac, rest] = fracDigits(d, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const [frac, secs] = fracDigits(d, 9);
    out = `${secs % 60n}${frac}s`;
    let u = secs / 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}
