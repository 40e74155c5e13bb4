/**
 * Go's encoding/json output for template data: maps with sorted keys, structs in field order, Go's string escapes
 * (`\u003c` for `<`, `>` and `&` unless `escapeHTML` is off, as Docker's `{{json}}` turns it off), and
 * `MarshalIndent` layout.
 */
import { kindOf, sortedMapEntries, structFields } from './values.js';

export interface GoJsonOptions {
  /** Escape `<`, `>` and `&` as encoding/json does by default (true), or not, as Docker's `{{json}}` (false). */
  escapeHTML?: boolean;
  /** MarshalIndent's indent string (`'    '` for `docker inspect`); none gives compact output. */
  indent?: string;
  /** Treat every plain object as a map (sorted keys), as a `map[string]any` decoded from JSON would be. */
  rawMaps?: boolean;
}

/** Thrown for values encoding/json cannot encode (NaN, functions); the message is Go's. */
export class GoJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoJsonError';
  }
}

const HEX = '0123456789abcdef';

/** A JSON string literal with Go's escaping. */
export function jsonString(s: string, escapeHTML = true): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      if (c === 0x0a) rep = '\\n';
      else if (c === 0x0d) rep = '\\r';
      else if (c === 0x09) rep = '\\t';
      else rep = `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    } else if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26)) rep = `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    else if (c === 0x2028) rep = '\\u2028';
    else if (c === 0x2029) rep = '\\u2029';
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is invalid UTF-8 once encoded: Go writes the replacement character.
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      rep = '\ufffd';
    }
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return `${out}${s.slice(start)}"`;
}

function jsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new GoJsonError(`json: unsupported value: ${Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf'}`);
  if (Object.is(n, -0)) return '-0';
  // JavaScript's number to string uses exponents exactly where encoding/json does (< 1e-6 or >= 1e21).
  return String(n);
}

function encode(v: unknown, opts: Required<Pick<GoJsonOptions, 'escapeHTML' | 'rawMaps'>>, indent: string, depth: number, seen: Set<object>): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Date)) {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return encode((toJSON as () => unknown).call(v), opts, indent, depth, seen);
  }
  const kind = kindOf(v, opts.rawMaps);
  switch (kind) {
    case 'invalid':
    case 'nil':
      return 'null';
    case 'string':
      return jsonString(v as string, opts.escapeHTML);
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v.toString() : jsonNumber(v as number);
    case 'time':
      return jsonString(Number.isNaN((v as Date).getTime()) ? '' : (v as Date).toISOString().replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z'), opts.escapeHTML);
    case 'func':
      throw new GoJsonError('json: unsupported type: func()');
    default:
      break;
  }
  const obj = v as object;
  if (seen.has(obj)) throw new GoJsonError('json: unsupported value: encountered a cycle');
  seen.add(obj);
  try {
    const nl = indent === '' ? '' : `\n${indent.repeat(depth + 1)}`;
    const close = indent === '' ? '' : `\n${indent.repeat(depth)}`;
    const colon = indent === '' ? ':' : ': ';
    if (kind === 'slice') {
      const arr = v as unknown[];
      if (arr.length === 0) return '[]';
      return `[${arr.map((e) => nl + encode(e, opts, indent, depth + 1, seen)).join(',')}${close}]`;
    }
    const entries: [string, unknown][] =
      kind === 'map'
        ? sortedMapEntries(v).map(([k, x]) => [String(k), x])
        : structFields(obj);
    if (entries.length === 0) return '{}';
    return `{${entries
      .map(([k, x]) => `${nl}${jsonString(k, opts.escapeHTML)}${colon}${encode(x, opts, indent, depth + 1, seen)}`)
      .join(',')}${close}}`;
  } finally {
    seen.delete(obj);
  }
}

/** Encodes `v` as Go's encoding/json would (json.Marshal, or json.MarshalIndent with `indent`). */
export function goJson(v: unknown, opts: GoJsonOptions = {}): string {
  return encode(v, { escapeHTML: opts.escapeHTML ?? true, rawMaps: opts.rawMaps ?? false }, opts.indent ?? '', 0, new Set());
}
