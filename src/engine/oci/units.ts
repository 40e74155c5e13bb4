/**
 * Docker's scalar value syntaxes, with the error texts Docker's Go code produces for them: byte sizes
 * (go-units RAMInBytes: `512m`, `1g`, `1.5GiB`), CPU counts (`--cpus 1.5`, a big.Rat), Go integers as pflag
 * parses them (strconv base 0) and Go durations (`1m30s`). The functions throw plain `Error`s whose message is
 * Docker's inner text; callers attach the flag (see `flagError` in containers/options.ts) or wrap them.
 */

/** An error in a value, before the flag or field it came from is known. */
export class ValueSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueSyntaxError';
  }
}

const goFloatRe = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const binaryUnits: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const INT64_MAX = 2 ** 63;

/**
 * Bytes from a human size with binary multipliers, as go-units `RAMInBytes`: a number (decimals allowed) and an
 * optional case-insensitive suffix `b`, `k`, `kb`, `kib`, `m`, ... `p`; an optional single space between them.
 * Fractions of a byte are truncated.
 */
export function parseRamBytes(text: string): number {
  let num: string;
  let suffix: string;
  const space = text.indexOf(' ');
  if (space >= 0) {
    num = text.slice(0, space);
    suffix = text.slice(space + 1);
  } else {
    let sep = -1;
    for (let i = text.length - 1; i >= 0; i--) {
      if ('0123456789.'.includes(text[i] as string)) {
        sep = i;
        break;
      }
    }
    if (sep === -1) throw new ValueSyntaxError(`invalid size: '${text}'`);
    num = text.slice(0, sep + 1);
    suffix = text.slice(sep + 1);
  }
  if (!goFloatRe.test(num)) throw new ValueSyntaxError(`strconv.ParseFloat: parsing "${num}": invalid syntax`);
  let size = Number(num);
  if (size < 0) throw new ValueSyntaxError(`invalid size: '${text}'`);
  if (suffix.length > 0) {
    const sfx = suffix.toLowerCase();
    const bad = () => new ValueSyntaxError(`invalid suffix: '${sfx}'`);
    if (sfx.length > 3) throw new ValueSyntaxError(`invalid suffix: '${sfx}'`);
    if (sfx[0] === 'b') {
      if (sfx.length > 1) throw bad();
    } else {
      const mul = binaryUnits[sfx[0] as string];
      if (mul === undefined) throw bad();
      if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) throw bad();
      size *= mul;
    }
  }
  if (!Number.isFinite(size) || size >= INT64_MAX) throw new ValueSyntaxError(`invalid size: '${text}'`);
  return Math.trunc(size);
}

/**
 * Nano-CPUs from a `--cpus` value, exactly as Docker's `ParseCPUs` (a big.Rat times 1e9, which must be an
 * integer): `1.5` -> 1500000000, `3/2` likewise, `0.0000000001` -> "value is too precise".
 */
export function parseNanoCpus(text: string): number {
  const rat = parseRational(text);
  if (!rat) throw new ValueSyntaxError(`failed to parse ${text} as a rational number`);
  const num = rat.num * 1_000_000_000n;
  if (num % rat.den !== 0n) throw new ValueSyntaxError('value is too precise');
  return Number(num / rat.den);
}

function parseRational(text: string): { num: bigint; den: bigint } | undefined {
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(text);
  if (frac) {
    const den = BigInt(frac[2] as string);
    if (den === 0n) return undefined;
    return { num: BigInt(frac[1] as string), den };
  }
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!dec) return undefined;
  const [, sign, int = '', fracDigits = '', exp] = dec;
  if (int === '' && fracDigits === '') return undefined;
  let num = BigInt(`${int || '0'}${fracDigits}`);
  let den = 10n ** BigInt(fracDigits.length);
  const e = exp === undefined ? 0 : Number(exp);
  if (Math.abs(e) > 4096) return undefined;
  if (e > 0) num *= 10n ** BigInt(e);
  if (e < 0) den *= 10n ** BigInt(-e);
  if (sign === '-') num = -num;
  return { num, den };
}

/**
 * An integer as pflag's int flags parse it (Go `strconv.ParseInt(s, 0, bits)` / `ParseUint`): optional sign
 * (signed only), base prefixes `0x`, `0o`, `0b` and a bare leading `0` for octal, `_` separators after a prefix.
 */
export function parseGoInt(text: string, opts: { bits?: 8 | 16 | 32 | 64; unsigned?: boolean } = {}): number {
  const bits = opts.bits ?? 64;
  const fn = opts.unsigned ? 'strconv.ParseUint' : 'strconv.ParseInt';
  const syntax = () => new ValueSyntaxError(`${fn}: parsing ${JSON.stringify(text)}: invalid syntax`);
  let s = text;
  let neg = false;
  if (!opts.unsigned && (s.startsWith('+') || s.startsWith('-'))) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '') throw syntax();
  let base = 10;
  let prefixed = false;
  if (s.length > 1 && s[0] === '0') {
    const p = s[1]?.toLowerCase();
    if (p === 'x' || p === 'o' || p === 'b') {
      base = p === 'x' ? 16 : p === 'o' ? 8 : 2;
      s = s.slice(2);
      prefixed = true;
    } else {
      base = 8;
      s = s.slice(1);
      prefixed = true;
    }
  }
  if (s.includes('_')) {
    if (!prefixed || !/^_?[^_]+(?:_[^_]+)*$/.test(s)) throw syntax();
    s = s.replaceAll('_', '');
  }
  if (s === '') throw syntax();
  const digits = '0123456789abcdef'.slice(0, base);
  let v = 0n;
  for (const ch of s.toLowerCase()) {
    const d = digits.indexOf(ch);
    if (d < 0) throw syntax();
    v = v * BigInt(base) + BigInt(d);
  }
  const max = opts.unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - (neg ? 0n : 1n);
  if (v > max) throw new ValueSyntaxError(`${fn}: parsing ${JSON.stringify(text)}: value out of range`);
  const n = Number(neg ? -v : v);
  return n;
}

const durationUnits: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Nanoseconds from a Go duration (`time.ParseDuration`): `300ms`, `1.5h`, `2h45m`, `-1s`, a bare `0`. Errors
 * are Go's: `time: invalid duration "x"`, `time: missing unit in duration "1"`, `time: unknown unit "d" in
 * duration "1d"`.
 */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new ValueSyntaxError(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const int = m?.[1] ?? '';
    const frac = m?.[2];
    if (int === '' && (frac === undefined || frac === '')) throw new ValueSyntaxError(`time: invalid duration ${quoted}`);
    s = s.slice((m?.[0] ?? '').length);
    const u = /^[^\d.]*/.exec(s)?.[0] ?? '';
    if (u === '') throw new ValueSyntaxError(`time: missing unit in duration ${quoted}`);
    const mul = durationUnits[u];
    if (mul === undefined) throw new ValueSyntaxError(`time: unknown unit ${JSON.stringify(u)} in duration ${quoted}`);
    s = s.slice(u.length);
    total += Number(int || '0') * mul + (frac ? Number(`0.${frac}`) * mul : 0);
  }
  if (total > 2 ** 63) throw new ValueSyntaxError(`time: invalid duration ${quoted}`);
  return Math.round(neg ? -total : total);
}

/** A go-units style human size for messages (`64MiB`), used when explaining limits back to the user. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/**
 * The members of a cpuset list (`0-3,5`, `1`, `0,2-4`), as Docker's parseUintList: Atoi numbers, `a-b` ranges
 * with a <= b, duplicates allowed. `maximum` bounds the values (Docker refuses huge ranges, CVE-2018-20699).
 * Errors: `invalid format: <list>`, `value of out range, maximum is N` (sic).
 */
export function parseUintList(val: string, maximum = 0): Set<number> {
  const out = new Set<number>();
  if (val === '') return out;
  const invalid = () => new ValueSyntaxError(`invalid format: ${val}`);
  const atoi = (s: string) => {
    if (!/^[+-]?\d+$/.test(s)) throw invalid();
    return Number(s);
  };
  for (const r of val.split(',')) {
    const dash = r.indexOf('-');
    const lo = atoi(dash < 0 ? r : r.slice(0, dash));
    const hi = dash < 0 ? lo : atoi(r.slice(dash + 1));
    if (hi < lo) throw invalid();
    if (maximum !== 0 && hi > maximum) throw new ValueSyntaxError(`value of out range, maximum is ${maximum}`);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}
