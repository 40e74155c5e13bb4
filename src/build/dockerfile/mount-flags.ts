import { syntaxError, withSuggestion } from './errors.js';

/**
 * `RUN --mount=<csv>` values, with BuildKit's parser (commands_runmount.go semantics):
 *
 * - The flag value is one CSV record (Go encoding/csv rules: a field that starts with `"` is quoted, `""` is a
 *   literal quote, a `"` inside an unquoted field is an error). Because the flag scanner already removed one
 *   level of quotes, a comma inside a value needs `--mount="type=secret,\"id=a,b\""`.
 * - Fields are `key=value`, or bare `ro`/`readonly`, `rw`/`readwrite`, `required` (secret/ssh). Keys are
 *   case-insensitive; values may use variables (`target=$DIR`, `type=$T`) except `from`.
 * - Parsing happens twice: at parse time without values ({@link parseMountSpec}: CSV syntax, `from` without
 *   variables) and at execution time with the stage's expansion ({@link resolveMount}: everything else).
 */

/** A `--mount` flag as known before expansion. */
export interface RunMountSpec {
  /** The flag value after the flag scanner's unquoting, before CSV parsing. */
  raw: string;
  /** The CSV fields. */
  fields: string[];
  /** The raw `from=` value, if any (stage name, or image reference; never expanded). */
  from?: string;
}

/** Mount types. */
export type RunMountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';

/**
 * A fully resolved mount. Paths are as given: a relative (or empty) `target` is relative to the step's WORKDIR
 * (the executor joins it, as BuildKit does; a resulting target of `/` is an error: `invalid mount target "/"`);
 * `source` is relative to the root of `from` (or of the build context).
 */
export type RunMount =
  | {
      type: 'bind';
      target: string;
      /** Path inside the source (default `/`). */
      source: string;
      /** Stage name/index or image; undefined = the build context. */
      from?: string;
      /** Read-only unless `rw`; writes with `rw` are discarded after the step. */
      readOnly: boolean;
    }
  | {
      type: 'cache';
      target: string;
      /** Cache id: `id=`, default the cleaned target path. Caches persist across builds by id. */
      id: string;
      sharing: 'shared' | 'private' | 'locked';
      /** Stage/image whose `source` seeds an empty cache; undefined = empty. */
      from?: string;
      source: string;
      readOnly: boolean;
      /** Mode, uid and gid of the cache directory when created (defaults 0755, 0, 0). */
      mode: number;
      uid: number;
      gid: number;
    }
  | {
      type: 'tmpfs';
      target: string;
      /** `size=` in bytes, undefined = unlimited. */
      size?: number;
      readOnly: boolean;
    }
  | {
      type: 'secret';
      /** Secret id: `id=` (or `source=`), default the basename of `target`. */
      id: string;
      /** File target; default `/run/secrets/<id>` unless `env` is set without a target (env only). */
      target?: string;
      /** Expose the secret as this environment variable. */
      env?: string;
      required: boolean;
      /** File mode (default 0400), uid and gid (default 0). */
      mode: number;
      uid: number;
      gid: number;
    }
  | {
      type: 'ssh';
      /** Agent id, default `default`. */
      id: string;
      /** Socket path; default `/run/buildkit/ssh_agent.<n>` with n counting ssh mounts of the step from 0. */
      target: string;
      required: boolean;
      mode: number;
      uid: number;
      gid: number;
    };

const ALL_KEYS = [
  'type',
  'from',
  'source',
  'target',
  'readonly',
  'id',
  'sharing',
  'required',
  'size',
  'mode',
  'uid',
  'gid',
  'src',
  'dst',
  'destination',
  'ro',
  'rw',
  'readwrite',
  'env',
];
const TYPES: readonly RunMountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const SHARING = ['shared', 'private', 'locked'] as const;

/** Splits one CSV record (Go encoding/csv rules, comma separator, no lazy quotes). */
export function parseCsvRecord(line: string): string[] {
  const out: string[] = [];
  let rest = line.endsWith('\r\n') ? line.slice(0, -2) : line.endsWith('\n') ? line.slice(0, -1) : line;
  if (rest === '') return out;
  let pos = 0;
  for (;;) {
    if (!rest.startsWith('"')) {
      const comma = rest.indexOf(',');
      const field = comma >= 0 ? rest.slice(0, comma) : rest;
      const q = field.indexOf('"');
      if (q >= 0) syntaxError(`failed to parse csv mounts: parse error on line 1, column ${pos + q + 1}: bare " in non-quoted-field`);
      out.push(field);
      if (comma < 0) return out;
      rest = rest.slice(comma + 1);
      pos += comma + 1;
      continue;
    }
    rest = rest.slice(1);
    pos += 1;
    let field = '';
    for (;;) {
      const q = rest.indexOf('"');
      if (q < 0) syntaxError(`failed to parse csv mounts: parse error on line 1, column ${pos + 1}: extraneous or missing " in quoted-field`);
      field += rest.slice(0, q);
      rest = rest.slice(q + 1);
      pos += q + 1;
      if (rest.startsWith('"')) {
        field += '"';
        rest = rest.slice(1);
        pos += 1;
        continue;
      }
      if (rest.startsWith(',')) {
        out.push(field);
        rest = rest.slice(1);
        pos += 1;
        break;
      }
      if (rest === '') {
        out.push(field);
        return out;
      }
      syntaxError(`failed to parse csv mounts: parse error on line 1, column ${pos}: extraneous or missing " in quoted-field`);
    }
  }
}

/** Parse-time checks of a `--mount` value: CSV syntax, and no variables in `from`. */
export function parseMountSpec(raw: string): RunMountSpec {
  const fields = parseCsvRecord(raw);
  const spec: RunMountSpec = { raw, fields };
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq < 0) continue;
    if (field.slice(0, eq).toLowerCase() !== 'from') continue;
    const value = field.slice(eq + 1);
    const dollar = value.indexOf('$');
    if (dollar !== -1 && dollar !== value.length - 1) {
      syntaxError("'from' doesn't support variable expansion, define alias stage instead");
    }
    spec.from = value;
  }
  return spec;
}

/** Go's strconv.ParseBool. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

function parseBool(key: string, value: string): boolean {
  const b = parseGoBool(value);
  if (b === undefined) syntaxError(`invalid value for ${key}: ${value}`);
  return b;
}

function parseUint(key: string, value: string, radix: 8 | 10): number {
  const re = radix === 8 ? /^[0-7]+$/ : /^\d+$/;
  const n = re.test(value) ? Number.parseInt(value, radix) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) syntaxError(`invalid value ${value} for ${key}`);
  return n;
}

/** Parses a size such as `64m`, `1g`, `512k` or `1048576` (Docker's RAMInBytes: binary units). */
export function parseRamSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(value.trim());
  if (m === null) syntaxError(`invalid size: '${value}'`);
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.trunc(Number.parseFloat(m[1] as string) * (mult[(m[2] as string).toLowerCase()] ?? 1));
}

function cleanPath(p: string): string {
  const abs = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!abs) parts.push('..');
      continue;
    }
    parts.push(seg);
  }
  const out = (abs ? '/' : '') + parts.join('/');
  return out === '' ? '.' : out;
}

function basename(p: string): string {
  const c = cleanPath(p);
  if (c === '/') return '/';
  return c.slice(c.lastIndexOf('/') + 1);
}

/**
 * Resolves a mount with `expand` (the stage's single-word expansion) applied to every value except `from`.
 * `sshIndex` is the number of ssh mounts before this one in the same RUN (for the default socket path).
 * Throws location-free invalid-argument errors worded like BuildKit's.
 */
export function resolveMount(spec: RunMountSpec, expand: (word: string) => string, sshIndex = 0): RunMount {
  let type: RunMountType = 'bind';
  let from: string | undefined;
  let source = '';
  let target = '';
  let readOnly = false;
  let roAuto = true;
  let size: number | undefined;
  let id = '';
  let sharing: (typeof SHARING)[number] | undefined;
  let required = false;
  let env: string | undefined;
  let mode: number | undefined;
  let uid: number | undefined;
  let gid: number | undefined;

  for (const field of spec.fields) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      switch (key) {
        case 'readonly':
        case 'ro':
          readOnly = true;
          roAuto = false;
          continue;
        case 'readwrite':
        case 'rw':
          readOnly = false;
          roAuto = false;
          continue;
        case 'required':
          if (type === 'secret' || type === 'ssh') {
            required = true;
            continue;
          }
          syntaxError(`unexpected key '${key}' for mount type '${type}'`);
        // falls through (syntaxError never returns)
        default:
          syntaxError(`invalid field '${field}' must be a key=value pair`);
      }
    }
    const rawValue = field.slice(eq + 1);
    const value = key === 'from' ? rawValue : expand(rawValue);
    switch (key) {
      case 'type': {
        const t = value.toLowerCase() as RunMountType;
        if (!TYPES.includes(t)) syntaxError(withSuggestion(`unsupported mount type "${value}"`, value, TYPES));
        type = t;
        break;
      }
      case 'from':
        from = value;
        break;
      case 'source':
      case 'src':
        source = value;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = value;
        break;
      case 'readonly':
      case 'ro':
        readOnly = parseBool(key, value);
        roAuto = false;
        break;
      case 'readwrite':
      case 'rw':
        readOnly = !parseBool(key, value);
        roAuto = false;
        break;
      case 'required':
        if (type !== 'secret' && type !== 'ssh') syntaxError(`unexpected key '${key}' for mount type '${type}'`);
        required = parseBool(key, value);
        break;
      case 'size':
        if (type !== 'tmpfs') syntaxError(`unexpected key '${key}' for mount type '${type}'`);
        try {
          size = parseRamSize(value);
        } catch {
          syntaxError(`invalid value for ${key}: ${value}`);
        }
        break;
      case 'id':
        id = value;
        break;
      case 'sharing': {
        const s = value.toLowerCase();
        if (!(SHARING as readonly string[]).includes(s)) {
          syntaxError(withSuggestion(`unsupported sharing value "${value}"`, value, SHARING));
        }
        sharing = s as (typeof SHARING)[number];
        break;
      }
      case 'mode':
        mode = parseUint('mode', value, 8);
        break;
      case 'uid':
        uid = parseUint('uid', value, 10);
        break;
      case 'gid':
        gid = parseUint('gid', value, 10);
        break;
      case 'env':
        env = value;
        break;
      default:
        syntaxError(withSuggestion(`unexpected key '${key}' in '${field}'`, key, ALL_KEYS));
    }
  }

  const fileInfoAllowed = type === 'secret' || type === 'ssh' || type === 'cache';
  if (!fileInfoAllowed) {
    if (mode !== undefined) syntaxError(`mode not allowed for "${type}" type mounts`);
    if (uid !== undefined) syntaxError(`uid not allowed for "${type}" type mounts`);
    if (gid !== undefined) syntaxError(`gid not allowed for "${type}" type mounts`);
  }
  if (roAuto) readOnly = !(type === 'cache' || type === 'tmpfs');
  if (type === 'secret') {
    if (from !== undefined && from !== '') syntaxError('secret mount should not have a from');
    if (sharing !== undefined) syntaxError('secret mount should not define sharing');
    if (source === '' && target === '' && id === '') syntaxError('invalid secret mount. one of source, target required');
    if (source !== '' && id !== '') syntaxError("both source and id can't be set");
  }
  if (sharing !== undefined && type !== 'cache') syntaxError(`invalid cache sharing set for ${type} mount`);

  const fromOrUndefined = from === undefined || from === '' ? undefined : from;
  switch (type) {
    case 'bind':
      return { type, target, source: source === '' ? '/' : source, ...(fromOrUndefined !== undefined ? { from: fromOrUndefined } : {}), readOnly };
    case 'cache':
      return {
        type,
        target,
        id: id !== '' ? id : cleanPath(target),
        sharing: sharing ?? 'shared',
        ...(fromOrUndefined !== undefined ? { from: fromOrUndefined } : {}),
        source: source === '' ? '/' : source,
        readOnly,
        mode: mode ?? 0o755,
        uid: uid ?? 0,
        gid: gid ?? 0,
      };
    case 'tmpfs':
      return { type, target, ...(size !== undefined ? { size } : {}), readOnly };
    case 'secret': {
      const secretId = source !== '' ? source : id !== '' ? id : basename(target);
      const secretTarget = target !== '' ? target : env === undefined ? `/run/secrets/${basename(secretId)}` : undefined;
      return {
        type,
        id: secretId,
        ...(secretTarget !== undefined ? { target: secretTarget } : {}),
        ...(env !== undefined ? { env } : {}),
        required,
        mode: mode ?? 0o400,
        uid: uid ?? 0,
        gid: gid ?? 0,
      };
    }
    case 'ssh':
      if (source !== '') syntaxError('ssh does not support source');
      return {
        type,
        id: id !== '' ? id : 'default',
        target: target !== '' ? target : `/run/buildkit/ssh_agent.${sshIndex}`,
        required,
        mode: mode ?? 0o600,
        uid: uid ?? 0,
        gid: gid ?? 0,
      };
  }
}
