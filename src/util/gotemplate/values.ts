/**
 * How JavaScript values stand in for Go values inside templates.
 *
 * | JavaScript                          | Go                    | printed (`{{.}}`)      |
 * |-------------------------------------|-----------------------|------------------------|
 * | `undefined`                         | no value (invalid)    | `<no value>`           |
 * | `null`                              | nil                   | `<nil>`                |
 * | string / boolean                    | string / bool         | as is                  |
 * | integer number, bigint              | int                   | `42`                   |
 * | other number                        | float64               | `%g`: `1.5`, `1e+06`   |
 * | array                               | slice                 | `[a b]`                |
 * | `Map`, object marked {@link goMap}  | map                   | `map[k:v]` (sorted)    |
 * | object marked {@link goStruct}      | struct                | `{v1 v2}`              |
 * | `Date`                              | time.Time             | `2024-01-02 03:04:05 +0000 UTC` |
 * | function                            | method / func         | called when evaluated  |
 *
 * An unmarked plain object is a struct when all its keys start with an upper-case letter (Docker's structs:
 * `State`, `Config`, a listing row), otherwise a map (`Labels`, `Networks`, `Ports`). Class instances are structs.
 * The difference matters where Go's does: a missing struct field is an error, a missing map key prints
 * `<no value>`; maps print and marshal with sorted keys, structs in field order.
 */

const KIND = Symbol.for('nerdctl.gotemplate.kind');
const TYPE_NAME = Symbol.for('nerdctl.gotemplate.typeName');

type Marked = { [KIND]?: 'map' | 'struct'; [TYPE_NAME]?: string };

/** Marks `obj` as a Go map (sorted keys, missing key = `<no value>`). Returns `obj`. */
export function goMap<T extends object>(obj: T): T {
  Object.defineProperty(obj, KIND, { value: 'map', enumerable: false, configurable: true });
  return obj;
}

/**
 * Marks `obj` as a Go struct (field order kept, missing field = error). `typeName` appears in errors
 * (`can't evaluate field Foo in type <typeName>`). Returns `obj`.
 */
export function goStruct<T extends object>(obj: T, typeName?: string): T {
  Object.defineProperty(obj, KIND, { value: 'struct', enumerable: false, configurable: true });
  if (typeName !== undefined) Object.defineProperty(obj, TYPE_NAME, { value: typeName, enumerable: false, configurable: true });
  return obj;
}

export type ValueKind =
  | 'invalid'
  | 'nil'
  | 'string'
  | 'bool'
  | 'int'
  | 'float'
  | 'slice'
  | 'map'
  | 'struct'
  | 'time'
  | 'func';

export function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The Go kind a JavaScript value plays. `rawMaps` treats every plain object as a map (Docker's raw-JSON fallback). */
export function kindOf(v: unknown, rawMaps = false): ValueKind {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      // Integral values beyond 2^53 are floats here: only a bigint is an exact large integer.
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'function':
      return 'func';
    case 'symbol':
      return 'invalid';
    default:
      break;
  }
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Map) return 'map';
  if (v instanceof Date) return 'time';
  const marked = (v as Marked)[KIND];
  if (marked !== undefined) return rawMaps && isPlainObject(v as object) ? 'map' : marked;
  if (!isPlainObject(v as object)) return 'struct';
  if (rawMaps) return 'map';
  const keys = Object.keys(v as object);
  if (keys.length === 0) return 'map';
  for (const k of keys) {
    const c = k.charCodeAt(0);
    if (!(c >= 65 && c <= 90)) return 'map';
  }
  return 'struct';
}

/** Go's name for the type of `v`, as it appears in error messages. */
export function typeName(v: unknown, rawMaps = false): string {
  const kind = kindOf(v, rawMaps);
  switch (kind) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'int':
      return typeof v === 'bigint' ? 'int64' : 'int';
    case 'float':
      return 'float64';
    case 'func':
      return 'func';
    case 'time':
      return 'time.Time';
    case 'slice': {
      const arr = v as unknown[];
      return arr.length > 0 && arr.every((e) => typeof e === 'string') ? '[]string' : '[]interface {}';
    }
    case 'map': {
      const vals = mapEntries(v).map(([, x]) => x);
      return vals.length > 0 && vals.every((e) => typeof e === 'string') ? 'map[string]string' : 'map[string]interface {}';
    }
    case 'struct': {
      const named = (v as Marked)[TYPE_NAME];
      if (named !== undefined) return named;
      const ctor = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
      return ctor !== undefined && ctor !== '' && ctor !== 'Object' ? ctor : 'struct';
    }
  }
}

/** Entries of a map-like value (Map or object), in insertion order. */
export function mapEntries(v: unknown): [unknown, unknown][] {
  if (v instanceof Map) return [...v.entries()] as [unknown, unknown][];
  const out: [unknown, unknown][] = [];
  for (const k of Object.keys(v as object)) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'function') continue;
    out.push([k, x]);
  }
  return out;
}

/** Go's ordering of map keys (fmtsort): numbers numerically, strings by code unit, mixed: numbers first. */
export function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Map entries sorted the way Go prints and ranges over maps. */
export function sortedMapEntries(v: unknown): [unknown, unknown][] {
  return mapEntries(v).sort((x, y) => compareKeys(x[0], y[0]));
}

/** Struct fields in declaration (insertion) order; functions and undefined values are not fields. */
export function structFields(v: object): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'function' || x === undefined) continue;
    out.push([k, x]);
  }
  return out;
}

/** Looks a property up on an object, including class getters and methods but not Object.prototype's. */
export function lookupProperty(obj: object, name: string): { found: boolean; value: unknown } {
  let cur: object | null = obj;
  while (cur !== null && cur !== Object.prototype) {
    if (Object.prototype.hasOwnProperty.call(cur, name)) {
      return { found: true, value: (obj as Record<string, unknown>)[name] };
    }
    cur = Object.getPrototypeOf(cur) as object | null;
  }
  return { found: false, value: undefined };
}

/** Go's truth: the zero value of its type is false; structs are always true. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'string':
      return (v as string).length > 0;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v !== 0n : v !== 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return v instanceof Map ? v.size > 0 : mapEntries(v).length > 0;
    default:
      return true;
  }
}

/** The number of bytes `s` takes in UTF-8 (Go's len of a string). */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
