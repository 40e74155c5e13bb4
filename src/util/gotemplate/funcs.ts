/**
 * Template functions: Go's builtins (text/template funcs.go) and Docker's additions (docker/cli templates.go), plus
 * the replacements Docker uses when it renders a table's header row.
 */
import { formatValue, sprint, sprintf, sprintln } from './fmt.js';
import { goJson } from './json.js';
import { byteLength, isTrue, kindOf, mapEntries, sortedMapEntries, typeName } from './values.js';

/** The Go parameter types the executor checks arguments against. */
export type ParamType = 'any' | 'string' | 'int' | 'bool';

/** A template function with Go's typed signature. Throwing an Error gives `error calling <name>: <message>`. */
export interface GoFunc {
  readonly params: readonly ParamType[];
  /** Type of the variadic tail, if the function is variadic. */
  readonly variadic?: ParamType;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly fn: (...args: any[]) => unknown;
}

/** Functions by name. A plain JavaScript function takes any number of arguments of any type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FuncMap = Readonly<Record<string, GoFunc | ((...args: any[]) => unknown)>>;

/** Normalises a FuncMap entry. */
export function toGoFunc(f: GoFunc | ((...args: unknown[]) => unknown)): GoFunc {
  return typeof f === 'function' ? { params: [], variadic: 'any', fn: f } : f;
}

const fn = (params: readonly ParamType[], f: GoFunc['fn'], variadic?: ParamType): GoFunc =>
  variadic === undefined ? { params, fn: f } : { params, variadic, fn: f };

// ---- comparison -------------------------------------------------------------------------------------------

type BasicKind = 'bool' | 'number' | 'string' | 'invalid';

function basicKind(v: unknown): BasicKind {
  switch (kindOf(v)) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'invalid';
  }
}

const isNilish = (v: unknown): boolean => v === undefined || v === null;

function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth: boolean;
    if (k1 !== k2) {
      if (!isNilish(arg1) && !isNilish(arg)) throw new Error('incompatible types for comparison');
      truth = false;
    } else if (k1 === 'invalid') {
      if (isNilish(arg1) || isNilish(arg)) truth = isNilish(arg1) === isNilish(arg);
      else if (Array.isArray(arg1) || Array.isArray(arg) || kindOf(arg1) === 'map' || kindOf(arg) === 'map') {
        throw new Error(`non-comparable type ${formatValue(Array.isArray(arg1) || kindOf(arg1) === 'map' ? arg1 : arg)}: ${typeName(Array.isArray(arg1) || kindOf(arg1) === 'map' ? arg1 : arg)}`);
      } else truth = arg1 === arg;
    } else if (k1 === 'number') {
      truth = Number(arg1) === Number(arg);
    } else truth = arg1 === arg;
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  if (k1 === 'number') return Number(a) < Number(b);
  return (a as string) < (b as string);
}

// ---- indexing ---------------------------------------------------------------------------------------------

function toIndex(i: unknown): number {
  if (i === undefined || i === null) throw new Error('cannot index slice/array with nil');
  if (kindOf(i) !== 'int') throw new Error(`cannot index slice/array with type ${typeName(i)}`);
  return Number(i);
}

/** The zero value Go returns for a missing map key, guessed from the map's other values. */
function zeroValueOfMap(m: unknown): unknown {
  const vals = mapEntries(m).map(([, v]) => v);
  if (vals.length === 0 || vals.every((v) => typeof v === 'string')) return '';
  if (vals.every((v) => typeof v === 'number')) return 0;
  if (vals.every((v) => typeof v === 'boolean')) return false;
  if (vals.every((v) => v !== null && typeof v === 'object')) return null;
  return undefined;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  let v = item;
  if (v === undefined) throw new Error('index of untyped nil');
  for (const i of indexes) {
    if (v === null || v === undefined) throw new Error('index of nil pointer');
    if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8');
      const x = toIndex(i);
      if (x < 0 || x >= bytes.length) throw new Error(`index out of range: ${x}`);
      v = bytes[x];
    } else if (Array.isArray(v)) {
      const x = toIndex(i);
      if (x < 0 || x >= v.length) throw new Error(`index out of range: ${x}`);
      v = v[x];
    } else if (v instanceof Map) {
      v = v.has(i) ? v.get(i) : zeroValueOfMap(v);
    } else if (typeof v === 'object' && !(v instanceof Date)) {
      // Any plain object indexes like a map: Go cannot index a struct at all, so this is only more lenient.
      if (typeof i !== 'string') {
        if (i === undefined || i === null) throw new Error(`value is nil; should be of type string`);
        throw new Error(`${typeName(i)} is not index type for ${typeName(v)}`);
      }
      v = Object.prototype.hasOwnProperty.call(v, i) ? (v as Record<string, unknown>)[i] : zeroValueOfMap(v);
    } else {
      throw new Error(`can't index item of type ${typeName(v)}`);
    }
  }
  return v;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = byteLength(item);
  } else if (Array.isArray(item)) {
    len = item.length;
  } else {
    throw new Error(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len];
  indexes.forEach((raw, i) => {
    const x = toIndex(raw);
    if (x < 0 || x > len) throw new Error(`index out of range: ${x}`);
    idx[i] = x;
  });
  const [from = 0, to = len] = idx;
  if (from > to) throw new Error(`invalid slice index: ${from} > ${to}`);
  if (indexes.length === 3 && (idx[1] ?? 0) > (idx[2] ?? 0)) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === 'string') return Buffer.from(item, 'utf8').subarray(from, to).toString('utf8');
  return (item as unknown[]).slice(from, to);
}

function length(item: unknown): number {
  if (item === undefined) throw new Error('len of untyped nil');
  if (item === null) throw new Error('len of nil pointer');
  if (typeof item === 'string') return byteLength(item);
  if (Array.isArray(item)) return item.length;
  if (item instanceof Map) return item.size;
  if (kindOf(item) === 'map') return mapEntries(item).length;
  throw new Error(`len of type ${typeName(item)}`);
}

// ---- escaping ---------------------------------------------------------------------------------------------

function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) =>
    c === '\0' ? '\ufffd' : c === '"' ? '&#34;' : c === "'" ? '&#39;' : c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;',
  );
}

function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (c < 0x20) out += `\\u00${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// ---- Docker's functions -----------------------------------------------------------------------------------

/** Go's strings.Title: upper-cases the first letter of every word. */
export function title(s: string): string {
  let out = '';
  let prev = ' ';
  for (const ch of s) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  if (c <= 0x7f) {
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) return false;
    return true;
  }
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

function split(s: string, sep: string): string[] {
  if (sep === '') return Array.from(s);
  return s.split(sep);
}

function join(elems: unknown, sep: string): string {
  if (elems === undefined || elems === null) return '';
  if (Array.isArray(elems)) return elems.map((e) => formatValue(e)).join(sep);
  const kind = kindOf(elems);
  if (kind === 'map') {
    return sortedMapEntries(elems)
      .map(([, v]) => formatValue(v))
      .sort()
      .join(sep);
  }
  throw new Error(`expected slice, got ${typeName(elems)}`);
}

function pad(source: string, prefix: number, suffix: number): string {
  if (source === '') return source;
  if (prefix < 0 || suffix < 0) throw new Error('strings: negative Repeat count');
  return ' '.repeat(prefix) + source + ' '.repeat(suffix);
}

function truncate(source: string, len: number): string {
  const bytes = Buffer.from(source, 'utf8');
  if (bytes.length < len) return source;
  if (len < 0) throw new Error(`runtime error: slice bounds out of range [:${len}]`);
  return bytes.subarray(0, len).toString('utf8');
}

/** Docker's `json` function: encoding/json without HTML escaping and without the trailing newline. */
export function dockerJson(v: unknown): string {
  return goJson(v, { escapeHTML: false });
}

// ---- tables -----------------------------------------------------------------------------------------------

/** Go's builtin functions. `and` and `or` are evaluated lazily by the executor. */
export const builtinFuncs: Readonly<Record<string, GoFunc>> = {
  and: fn(['any'], (a: unknown, ...rest: unknown[]) => {
    let v = a;
    for (const r of [a, ...rest]) {
      v = r;
      if (!isTrue(v)) break;
    }
    return v;
  }, 'any'),
  or: fn(['any'], (a: unknown, ...rest: unknown[]) => {
    let v = a;
    for (const r of [a, ...rest]) {
      v = r;
      if (isTrue(v)) break;
    }
    return v;
  }, 'any'),
  not: fn(['any'], (a: unknown) => !isTrue(a)),
  len: fn(['any'], length),
  index: fn(['any'], index, 'any'),
  slice: fn(['any'], slice, 'any'),
  print: fn([], (...args: unknown[]) => sprint(args), 'any'),
  printf: fn(['string'], (format: string, ...args: unknown[]) => sprintf(format, args), 'any'),
  println: fn([], (...args: unknown[]) => sprintln(args), 'any'),
  eq: fn(['any'], eq, 'any'),
  ne: fn(['any', 'any'], (a: unknown, b: unknown) => !eq(a, b)),
  lt: fn(['any', 'any'], lt),
  le: fn(['any', 'any'], (a: unknown, b: unknown) => lt(a, b) || eq(a, b)),
  gt: fn(['any', 'any'], (a: unknown, b: unknown) => !(lt(a, b) || eq(a, b))),
  ge: fn(['any', 'any'], (a: unknown, b: unknown) => !lt(a, b)),
  html: fn([], (...args: unknown[]) => htmlEscape(evalArgs(args)), 'any'),
  js: fn([], (...args: unknown[]) => jsEscape(evalArgs(args)), 'any'),
  urlquery: fn([], (...args: unknown[]) => queryEscape(evalArgs(args)), 'any'),
  call: fn(['any'], (f: unknown, ...args: unknown[]) => {
    if (typeof f !== 'function') throw new Error(`non-function of type ${typeName(f)}`);
    return (f as (...a: unknown[]) => unknown)(...args);
  }, 'any'),
};

/** Docker's template functions (docker/cli templates.basicFunctions). */
export const dockerFuncs: Readonly<Record<string, GoFunc>> = {
  json: fn(['any'], dockerJson),
  split: fn(['string', 'string'], split),
  join: fn(['any', 'string'], join),
  title: fn(['string'], title),
  lower: fn(['string'], (s: string) => s.toLowerCase()),
  upper: fn(['string'], (s: string) => s.toUpperCase()),
  pad: fn(['string', 'int', 'int'], pad),
  truncate: fn(['string', 'int'], truncate),
};

/**
 * Docker's replacements for rendering a table header (templates.HeaderFunctions): the header row is the template
 * executed over the header names, and these keep a name intact instead of transforming it. `pad` is not replaced,
 * so padded columns stay aligned with their header.
 */
export const headerFuncs: Readonly<Record<string, GoFunc>> = {
  json: fn(['string'], (v: string) => v),
  split: fn(['string', 'string'], (v: string) => v),
  join: fn(['string', 'string'], (v: string) => v),
  title: fn(['string'], (v: string) => v),
  lower: fn(['string'], (v: string) => v),
  upper: fn(['string'], (v: string) => v),
  truncate: fn(['string', 'int'], (v: string) => v),
};
