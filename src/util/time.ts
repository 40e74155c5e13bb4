/**
 * Time as Docker's CLI reads and prints it: `--since`/`--until` values (moby's GetTimestamp: Go durations,
 * RFC3339 variants, dates, Unix seconds), "2 minutes ago", Go's RFC3339Nano and `time.Time.String()`.
 */
import { invalidArgument } from '../engine/errdefs.js';
import { humanDuration, parseGoDurationBig } from './units.js';

const NS_PER_SEC = 1_000_000_000n;

/** A Go layout as its elements: std chunks (`2006`, `01`, ...) and literal text. */
interface Layout {
  readonly name: string;
  readonly elems: readonly string[];
}

function layout(...elems: string[]): Layout {
  return { name: elems.join(''), elems };
}

const LAYOUTS = {
  rfc3339NanoLocal: layout('2006', '-', '01', '-', '02', 'T', '15', ':', '04', ':', '05', '.999999999'),
  rfc3339Nano: layout('2006', '-', '01', '-', '02', 'T', '15', ':', '04', ':', '05', '.999999999', 'Z07:00'),
  hourLocal: layout('2006', '-', '01', '-', '02', 'T', '15'),
  minuteLocal: layout('2006', '-', '01', '-', '02', 'T', '15', ':', '04'),
  rfc3339Local: layout('2006', '-', '01', '-', '02', 'T', '15', ':', '04', ':', '05'),
  hourZoned: layout('2006', '-', '01', '-', '02', 'T', '15', 'Z07:00'),
  minuteZoned: layout('2006', '-', '01', '-', '02', 'T', '15', ':', '04', 'Z07:00'),
  rfc3339: layout('2006', '-', '01', '-', '02', 'T', '15', ':', '04', ':', '05', 'Z07:00'),
  dateLocal: layout('2006', '-', '01', '-', '02'),
  dateZoned: layout('2006', '-', '01', '-', '02', 'Z07:00'),
} as const;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(month: number, year: number): number {
  return month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

const isDigit = (s: string, i: number): boolean => s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

/** Go's getnum: one or two digits; `fixed` requires two. */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : [s.charCodeAt(0) - 48, s.slice(1)];
  return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
}

/**
 * Go's time.Parse for the layouts above, with its error wording; the result is Unix nanoseconds. `offsetMin` is
 * the zone of layouts without one.
 */
function parseLayout(avalue: string, l: Layout, offsetMin: number): bigint {
  const q = JSON.stringify;
  const fail = (valueElem: string, layoutElem: string, message = ''): never => {
    if (message !== '') throw invalidArgument(`parsing time ${q(avalue)}${message}`);
    throw invalidArgument(`parsing time ${q(avalue)} as ${q(l.name)}: cannot parse ${q(valueElem)} as ${q(layoutElem)}`);
  };
  let value = avalue;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nanos = 0n;
  let offset = offsetMin;
  const fraction = (): void => {
    let i = 0;
    while (i + 1 < value.length && isDigit(value, i + 1)) i++;
    nanos = BigInt(value.slice(1, 1 + i).padEnd(9, '0').slice(0, 9));
    value = value.slice(1 + i);
  };
  l.elems.forEach((elem, idx) => {
    const hold = value;
    let r: [number, string] | undefined;
    switch (elem) {
      case '2006':
        if (value.length < 4 || !/^\d{4}/.test(value)) fail(hold, elem);
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        return;
      case '01':
        if ((r = getnum(value, true)) === undefined) return fail(hold, elem);
        [month, value] = r;
        if (month < 1 || month > 12) fail(value, elem, ': month out of range');
        return;
      case '02':
        if ((r = getnum(value, true)) === undefined) return fail(hold, elem);
        [day, value] = r;
        if (day > 31) fail(value, elem, ': day out of range');
        return;
      case '15':
        if ((r = getnum(value, false)) === undefined) return fail(hold, elem);
        [hour, value] = r;
        if (hour >= 24) fail(value, elem, ': hour out of range');
        return;
      case '04':
        if ((r = getnum(value, true)) === undefined) return fail(hold, elem);
        [min, value] = r;
        if (min >= 60) fail(value, elem, ': minute out of range');
        return;
      case '05':
        if ((r = getnum(value, true)) === undefined) return fail(hold, elem);
        [sec, value] = r;
        if (sec >= 60) fail(value, elem, ': second out of range');
        // A fraction is accepted after the seconds even when the layout has none.
        if (l.elems[idx + 1] !== '.999999999' && value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigit(value, 1)) fraction();
        return;
      case '.999999999':
        if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigit(value, 1)) fraction();
        return;
      case 'Z07:00': {
        if (value[0] === 'Z') {
          value = value.slice(1);
          offset = 0;
          return;
        }
        const m = /^([+-])(\d{2}):(\d{2})/.exec(value);
        if (m === null) return fail(hold, elem);
        const hh = Number(m[2]);
        const mm = Number(m[3]);
        if (hh > 24) fail(value, elem, ': time zone offset hour out of range');
        if (mm > 60) fail(value, elem, ': time zone offset minute out of range');
        offset = (m[1] === '-' ? -1 : 1) * (hh * 60 + mm);
        value = value.slice(6);
        return;
      }
      default:
        // Literal text.
        if (!value.startsWith(elem)) fail(value, elem);
        value = value.slice(elem.length);
    }
  });
  if (value.length > 0) fail(value, '', `: extra text: ${q(value)}`);
  if (day < 1 || day > daysIn(month, year)) fail(value, '', ': day out of range');
  const d = new Date(Date.UTC(2000, month - 1, day, hour, min, sec));
  d.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  const seconds = BigInt(Math.floor(d.getTime() / 1000)) - BigInt(offset * 60);
  return seconds * NS_PER_SEC + nanos;
}

/** `sec[.frac]` Unix timestamps (moby's ParseTimestamps); undefined when `value` is not one. */
function parseUnix(value: string): bigint | undefined {
  const m = /^([+-]?\d+)(?:\.(\d*))?$/.exec(value);
  if (m === null) return undefined;
  const secs = BigInt(m[1]!);
  if (m[2] === undefined) return secs * NS_PER_SEC;
  if (m[2] === '') return undefined;
  const frac = m[2].length > 9 ? m[2].slice(0, 9) : m[2].padEnd(9, '0');
  // As time.Unix(sec, nsec): the fraction is always added, so -1.5 is half a second before the epoch.
  return secs * NS_PER_SEC + BigInt(frac);
}

/**
 * Docker's `--since`/`--until`/`until=` reading (moby GetTimestamp), as Unix nanoseconds:
 * - a Go duration (`10m`, `1h30m`, `-5s`): `reference` minus it, truncated to whole seconds;
 * - RFC3339 and its shortenings: `2024-01-02T03:04:05Z`, `...05.123456789+02:00`, `2024-01-02T03:04Z`,
 *   `2024-01-02T03Z`, `2024-01-02Z`, and the same without a zone, read in the zone of `reference` (local time);
 * - a date, `2024-01-02`, at midnight local time;
 * - Unix seconds with an optional fraction: `1700000000`, `1700000000.5`.
 * Anything else is `invalid-argument`: a Go parse error when it looks like a date (has a `-`), otherwise
 * `failed to parse value as time or duration: "x"`.
 */
export function getTimestamp(value: string, reference: Date = new Date()): bigint {
  if (value !== '0') {
    let d: bigint | undefined;
    try {
      d = parseGoDurationBig(value);
    } catch {
      d = undefined;
    }
    if (d !== undefined) {
      const refNs = BigInt(reference.getTime()) * 1_000_000n;
      const t = refNs - d;
      const secs = t >= 0n ? t / NS_PER_SEC : -((-t + NS_PER_SEC - 1n) / NS_PER_SEC);
      return secs * NS_PER_SEC;
    }
  }
  const local = !/[zZ+]/.test(value) && value.split('-').length - 1 !== 3;
  let l: Layout;
  if (value.includes('.')) {
    l = local ? LAYOUTS.rfc3339NanoLocal : LAYOUTS.rfc3339Nano;
  } else if (value.includes('T')) {
    let colons = value.split(':').length - 1;
    if (!local && !/[zZ]/.test(value) && colons > 0) colons--;
    if (local) l = colons === 0 ? LAYOUTS.hourLocal : colons === 1 ? LAYOUTS.minuteLocal : LAYOUTS.rfc3339Local;
    else l = colons === 0 ? LAYOUTS.hourZoned : colons === 1 ? LAYOUTS.minuteZoned : LAYOUTS.rfc3339;
  } else {
    l = local ? LAYOUTS.dateLocal : LAYOUTS.dateZoned;
  }
  try {
    return parseLayout(value, l, -reference.getTimezoneOffset());
  } catch (e) {
    if (value.includes('-')) throw e;
    const unix = parseUnix(value);
    if (unix === undefined) throw invalidArgument(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
    return unix;
  }
}

/** {@link getTimestamp} as a Date (millisecond precision). */
export function getTimestampDate(value: string, reference: Date = new Date()): Date {
  return new Date(Number(getTimestamp(value, reference) / 1_000_000n));
}

function toNanos(t: Date | bigint): bigint {
  return typeof t === 'bigint' ? t : BigInt(t.getTime()) * 1_000_000n;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Go's RFC3339Nano in UTC: `2024-01-02T03:04:05.123456789Z`, trailing zeros of the fraction dropped. */
export function formatRFC3339Nano(t: Date | bigint): string {
  const ns = toNanos(t);
  let secs = ns / NS_PER_SEC;
  let nanos = ns % NS_PER_SEC;
  if (nanos < 0n) {
    nanos += NS_PER_SEC;
    secs -= 1n;
  }
  const d = new Date(Number(secs) * 1000);
  const frac = nanos === 0n ? '' : `.${nanos.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${frac}Z`;
}

/** Docker's relative time: `humanDuration(now - t) + " ago"` (`2 minutes ago`, `About an hour ago`). */
export function timeAgo(t: Date | number, now: Date | number = Date.now()): string {
  const ms = (typeof now === 'number' ? now : now.getTime()) - (typeof t === 'number' ? t : t.getTime());
  return `${humanDuration(ms)} ago`;
}

let zoneNames: Intl.DateTimeFormat | undefined;

function zoneAbbreviation(d: Date, offsetMin: number): string {
  zoneNames ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });
  const name = zoneNames.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  if (/^[A-Z]{2,5}$/.test(name)) return name;
  if (offsetMin === 0) return 'UTC';
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return `${sign}${pad2(Math.floor(a / 60))}${a % 60 === 0 ? '' : pad2(a % 60)}`;
}

/**
 * Go's `time.Time.String()` in local time: `2024-01-02 03:04:05 +0000 UTC`, with a fraction when there is one.
 * Docker's `ps` prints `CreatedAt` this way.
 */
export function formatGoTime(t: Date | bigint): string {
  const ns = toNanos(t);
  let secs = ns / NS_PER_SEC;
  let nanos = ns % NS_PER_SEC;
  if (nanos < 0n) {
    nanos += NS_PER_SEC;
    secs -= 1n;
  }
  const d = new Date(Number(secs) * 1000);
  const offsetMin = -d.getTimezoneOffset();
  const frac = nanos === 0n ? '' : `.${nanos.toString().padStart(9, '0').replace(/0+$/, '')}`;
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  const zone = `${sign}${pad2(Math.floor(a / 60))}${pad2(a % 60)}`;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}${frac} ${zone} ${zoneAbbreviation(d, offsetMin)}`;
}
