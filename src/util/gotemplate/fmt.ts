/**
 * The parts of Go's fmt and strconv that templates print through: the default format (`%v`) of every value kind,
 * `Sprint`/`Sprintln`/`Sprintf`, `strconv.Quote` and float formatting (`%g`, `%e`, `%f`).
 */
import { kindOf, sortedMapEntries, structFields, typeName } from './values.js';

/** Go's strconv.FormatFloat for the verbs e, E, f, F, g, G; `prec` -1 means the shortest exact representation. */
export function formatFloat(v: number, verb: string, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  const lower = verb.toLowerCase();
  let out: string;
  if (lower === 'e') {
    out = expForm(digitsOf(abs, prec < 0 ? -1 : prec + 1), prec < 0 ? -1 : prec, verb === 'E');
  } else if (lower === 'f') {
    out = prec < 0 ? fixedForm(digitsOf(abs, -1), -1) : fixedFromValue(abs, prec);
  } else {
    const shortest = prec < 0;
    let p = prec === 0 ? 1 : prec;
    const d = digitsOf(abs, shortest ? -1 : p);
    if (shortest) p = d.digits.length;
    let eprec = p;
    if (eprec > d.digits.length && d.digits.length >= d.dp) eprec = d.digits.length;
    if (shortest) eprec = 6;
    const exp = d.dp - 1;
    if (abs !== 0 && (exp < -4 || exp >= eprec)) {
      if (p > d.digits.length) p = d.digits.length;
      out = expForm(d, p - 1, verb === 'G');
    } else {
      if (p > d.dp) p = d.digits.length;
      out = fixedForm(d, Math.max(p - d.dp, 0));
    }
  }
  return neg ? `-${out}` : out;
}

interface Digits {
  /** Significant decimal digits without trailing zeros ("" for zero). */
  digits: string;
  /** Position of the decimal point relative to the digits: value = 0.digits × 10^dp. */
  dp: number;
}

/** Decimal digits of a non-negative number, rounded to `n` significant digits (-1: shortest round-trip). */
function digitsOf(abs: number, n: number): Digits {
  if (abs === 0) return { digits: '', dp: 1 };
  if (n < 0) return parseExp(abs.toExponential());
  return roundDigits(parseExp(abs.toExponential(100)), n);
}

function parseExp(s: string): Digits {
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return { digits: '', dp: 1 };
  const digits = ((m[1] ?? '') + (m[2] ?? '')).replace(/0+$/, '');
  return { digits, dp: Number(m[3]) + 1 };
}

/**
 * Rounds exact digits to `n` significant digits, half to even as Go does (JavaScript's toFixed and toExponential
 * round ties away from zero: 2.125 to 3 digits is 2.12 in Go, 2.13 in JavaScript).
 */
function roundDigits(d: Digits, n: number): Digits {
  if (d.digits.length <= n) return d;
  if (n < 0) return { digits: '', dp: 1 };
  const rest = d.digits.slice(n);
  let keep = d.digits.slice(0, n);
  const first = rest.charCodeAt(0) - 48;
  const prev = n > 0 ? keep.charCodeAt(n - 1) - 48 : 0;
  const up = first > 5 || (first === 5 && (rest.length > 1 || prev % 2 === 1));
  let dp = d.dp;
  if (up) {
    const arr = keep.split('').map((c) => c.charCodeAt(0) - 48);
    let i = arr.length - 1;
    while (i >= 0) {
      const digit = (arr[i] ?? 0) + 1;
      if (digit < 10) {
        arr[i] = digit;
        break;
      }
      arr[i] = 0;
      i--;
    }
    if (i < 0) {
      arr.unshift(1);
      arr.pop();
      dp++;
      if (n === 0) arr.push(1);
    }
    keep = arr.join('');
  }
  keep = keep.replace(/0+$/, '');
  return keep === '' ? { digits: '', dp: 1 } : { digits: keep, dp };
}

function expForm(d: Digits, prec: number, upper: boolean): string {
  const digits = d.digits === '' ? '0' : d.digits;
  const first = digits[0] ?? '0';
  let rest = digits.slice(1);
  if (prec >= 0) rest = rest.padEnd(prec, '0').slice(0, prec);
  const exp = d.digits === '' ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  const e = String(Math.abs(exp)).padStart(2, '0');
  return `${first}${rest.length > 0 ? `.${rest}` : ''}${upper ? 'E' : 'e'}${sign}${e}`;
}

/** Fixed notation from digits; `prec` -1 prints exactly the digits there are. */
function fixedForm(d: Digits, prec: number): string {
  const digits = d.digits;
  let intPart: string;
  let frac: string;
  if (digits === '') {
    intPart = '0';
    frac = '';
  } else if (d.dp <= 0) {
    intPart = '0';
    frac = '0'.repeat(-d.dp) + digits;
  } else if (d.dp >= digits.length) {
    intPart = digits + '0'.repeat(d.dp - digits.length);
    frac = '';
  } else {
    intPart = digits.slice(0, d.dp);
    frac = digits.slice(d.dp);
  }
  if (prec >= 0) frac = frac.padEnd(prec, '0').slice(0, prec);
  return frac.length > 0 ? `${intPart}.${frac}` : intPart;
}

function fixedFromValue(abs: number, prec: number): string {
  if (abs === 0) return fixedForm({ digits: '', dp: 1 }, prec);
  const exact = parseExp(abs.toExponential(100));
  return fixedForm(roundDigits(exact, exact.dp + prec), prec);
}

/** Go's strconv.Quote: a double-quoted string with Go escapes. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
      default:
        break;
    }
    if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || (c >= 0xd800 && c <= 0xdfff) || c === 0xfeff) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** Go's `time.Time.String()` for a Date, in UTC: `2024-01-02 03:04:05.123 +0000 UTC`. */
export function formatGoTime(d: Date): string {
  const iso = d.toISOString(); // 2024-01-02T03:04:05.123Z
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${date} ${time}${frac.length > 0 ? `.${frac}` : ''} +0000 UTC`;
}

function stringer(v: object): string | undefined {
  const fn = (v as { String?: unknown }).String;
  if (typeof fn === 'function' && !Array.isArray(v)) {
    const r = (fn as () => unknown).call(v);
    if (typeof r === 'string') return r;
  }
  return undefined;
}

/**
 * Go's default format (`%v`, also what `{{.}}` prints). `undefined` inside values prints as `<nil>`, as a nil
 * interface does; the template printer handles a top-level "no value" itself. `plus` is `%+v` (field names).
 */
export function formatValue(v: unknown, plus = false): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'string':
      return v as string;
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return typeof v === 'bigint' ? v.toString() : Number.isSafeInteger(v) ? String(v) : BigInt(v as number).toString();
    case 'float':
      return formatFloat(v as number, 'g', -1);
    case 'time':
      return formatGoTime(v as Date);
    case 'func':
      return '<func>';
    case 'slice':
      return `[${(v as unknown[]).map((e) => formatValue(e, plus)).join(' ')}]`;
    case 'map': {
      const s = stringer(v as object);
      if (s !== undefined) return s;
      return `map[${sortedMapEntries(v)
        .map(([k, x]) => `${formatValue(k, plus)}:${formatValue(x, plus)}`)
        .join(' ')}]`;
    }
    case 'struct': {
      const s = stringer(v as object);
      if (s !== undefined) return s;
      return `{${structFields(v as object)
        .map(([k, x]) => (plus ? `${k}:${formatValue(x, plus)}` : formatValue(x, plus)))
        .join(' ')}}`;
    }
  }
}

/** Go's fmt.Sprint: operands formatted with %v, a space between two operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((a, i) => {
    const isString = typeof a === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += formatValue(a);
    prevString = isString;
  });
  return out;
}

/** Go's fmt.Sprintln: operands with %v, always space-separated, and a newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map((a) => formatValue(a)).join(' ')}\n`;
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined) return s;
  const n = runeCount(s);
  if (n >= spec.width) return s;
  const fill = spec.width - n;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const sign = s.startsWith('-') || s.startsWith('+') || s.startsWith(' ') ? s[0] : '';
    return sign + '0'.repeat(fill) + s.slice(sign?.length ?? 0);
  }
  return ' '.repeat(fill) + s;
}

function badVerb(verb: string, arg: unknown): string {
  if (arg === undefined || arg === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(arg)}=${formatValue(arg)})`;
}

function signed(s: string, negative: boolean, spec: Spec): string {
  if (negative) return `-${s}`;
  if (spec.plus) return `+${s}`;
  if (spec.space) return ` ${s}`;
  return s;
}

function formatInteger(arg: number | bigint, verb: string, spec: Spec): string {
  const big = typeof arg === 'bigint' ? arg : BigInt(arg);
  const neg = big < 0n;
  const abs = neg ? -big : big;
  let digits: string;
  switch (verb) {
    case 'b':
      digits = abs.toString(2);
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') digits = `0o${digits}`;
      else if (spec.sharp) digits = `0${digits}`;
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) digits = `0x${digits}`;
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) digits = `0X${digits}`;
      break;
    default:
      digits = abs.toString(10);
  }
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, '0');
  return pad(signed(digits, neg, spec), spec, spec.prec === undefined);
}

function formatOne(verb: string, arg: unknown, spec: Spec): string {
  const kind = kindOf(arg);
  switch (verb) {
    case 'v': {
      if (kind === 'float') return formatOne('g', arg, spec);
      if (kind === 'int') return formatInteger(arg as number | bigint, 'd', spec);
      return pad(formatValue(arg, spec.plus), spec, false);
    }
    case 'T':
      return pad(arg === undefined || arg === null ? '<nil>' : typeName(arg), spec, false);
    case 's': {
      if (kind === 'string') {
        const s = arg as string;
        return pad(spec.prec !== undefined ? Array.from(s).slice(0, spec.prec).join('') : s, spec, false);
      }
      if (kind === 'int' || kind === 'float' || kind === 'bool' || kind === 'invalid' || kind === 'nil') {
        return badVerb(verb, arg);
      }
      return pad(formatValue(arg), spec, false);
    }
    case 'q': {
      if (kind === 'string') return pad(quote(arg as string), spec, false);
      if (kind === 'int') return pad(`'${String.fromCodePoint(Number(arg))}'`, spec, false);
      if (kind === 'slice') return pad(`[${(arg as unknown[]).map((e) => formatOne('q', e, { ...spec, width: undefined })).join(' ')}]`, spec, false);
      return badVerb(verb, arg);
    }
    case 'd':
    case 'b':
    case 'o':
    case 'O':
      if (kind === 'int') return formatInteger(arg as number | bigint, verb, spec);
      if (kind === 'slice') return pad(`[${(arg as unknown[]).map((e) => formatOne(verb, e, { ...spec, width: undefined })).join(' ')}]`, spec, false);
      return badVerb(verb, arg);
    case 'x':
    case 'X':
      if (kind === 'int') return formatInteger(arg as number | bigint, verb, spec);
      if (kind === 'string') {
        let hex = Buffer.from(arg as string, 'utf8').toString('hex');
        if (verb === 'X') hex = hex.toUpperCase();
        if (spec.sharp) hex = (verb === 'X' ? '0X' : '0x') + hex;
        return pad(hex, spec, false);
      }
      return badVerb(verb, arg);
    case 'c':
      if (kind === 'int') return pad(String.fromCodePoint(Number(arg)), spec, false);
      return badVerb(verb, arg);
    case 't':
      if (kind === 'bool') return pad(arg ? 'true' : 'false', spec, false);
      return badVerb(verb, arg);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      // Lenient where Go is strict: a JavaScript number has no int/float distinction, so any number is a float here.
      if (kind !== 'int' && kind !== 'float') return badVerb(verb, arg);
      const n = Number(arg);
      const prec = spec.prec ?? (verb === 'g' || verb === 'G' ? -1 : 6);
      const s = formatFloat(Math.abs(n), verb === 'F' ? 'f' : verb, prec);
      return pad(signed(s, n < 0 || Object.is(n, -0), spec), spec, true);
    }
    default:
      return badVerb(verb, arg);
  }
}

/** Go's fmt.Sprintf for the common verbs (v s d q x X o b c t e f g T %), flags `-+# 0`, width and precision. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };
    flags: while (i < n) {
      switch (format[i]) {
        case '-':
          spec.minus = true;
          break;
        case '+':
          spec.plus = true;
          break;
        case '#':
          spec.sharp = true;
          break;
        case ' ':
          spec.space = true;
          break;
        case '0':
          spec.zero = !spec.minus;
          break;
        default:
          break flags;
      }
      i++;
    }
    if (format[i] === '*') {
      const w = args[argi++];
      spec.width = typeof w === 'number' ? Math.trunc(w) : undefined;
      if (spec.width !== undefined && spec.width < 0) {
        spec.minus = true;
        spec.width = -spec.width;
      }
      i++;
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m !== null) {
        spec.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        const p = args[argi++];
        spec.prec = typeof p === 'number' && p >= 0 ? Math.trunc(p) : undefined;
        i++;
      } else {
        const m = /^\d+/.exec(format.slice(i));
        spec.prec = m === null ? 0 : Number(m[0]);
        i += m === null ? 0 : m[0].length;
      }
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], spec);
  }
  if (argi < args.length) {
    const extra = args
      .slice(argi)
      .map((a) => (a === undefined || a === null ? '<nil>' : `${typeName(a)}=${formatValue(a)}`))
      .join(', ');
    out += `%!(EXTRA ${extra})`;
  }
  return out;
}
