/**
 * Variable interpolation, as the Compose Specification and compose-go's template package define it:
 *
 *   `$VAR` `${VAR}`            value, or '' plus a warning when unset
 *   `${VAR:-d}` `${VAR-d}`     d when unset or empty / only when unset
 *   `${VAR:+a}` `${VAR+a}`     a when set and non-empty / when set, else the value ('' when unset)
 *   `${VAR:?e}` `${VAR?e}`     error "required variable VAR is missing a value: e" when unset or empty / unset
 *   `$$`                       a literal `$`
 *
 * The first operator after the name wins (`${A-x?y}` defaults to `x?y`); default, alternative and error texts are
 * themselves interpolated, but only when used (so an unused branch never warns); names are
 * `[_a-zA-Z][_a-zA-Z0-9]*` (`$FOO-bar` is FOO's value then `-bar`); a `$` followed by anything else is kept.
 * `${`, `${}`, `${ foo}`, `${foo }` and `${foo!}` are invalid templates.
 *
 * {@link interpolateTree} applies this to every string value of a raw document (never to keys), then re-types the
 * values whose path expects a number or a boolean (compose-go's cast table).
 */
import { composeError, type ComposeLocation, type LoadWarning } from './errors.js';
import { formatPath, isMap, lookupPattern, pattern, type PathPattern, type TreePath } from './tree-path.js';

/** Looks a variable up: its value, or `undefined` when it is not set (which differs from set-but-empty). */
export type Lookup = (name: string) => string | undefined;

/** Thrown for a malformed template; `template` is the whole string it appeared in. */
export class InvalidTemplateError extends Error {
  readonly template: string;
  constructor(template: string) {
    super(`Invalid template: ${JSON.stringify(template)}`);
    this.name = 'InvalidTemplateError';
    this.template = template;
  }
}

/** Thrown by `${VAR:?msg}` / `${VAR?msg}`. */
export class MissingRequiredError extends Error {
  readonly variable: string;
  readonly reason: string;
  constructor(variable: string, reason: string) {
    super(
      reason === ''
        ? `required variable ${variable} is missing a value`
        : `required variable ${variable} is missing a value: ${reason}`,
    );
    this.name = 'MissingRequiredError';
    this.variable = variable;
    this.reason = reason;
  }
}

const NAME_START = /[_a-zA-Z]/;
const NAME_CHAR = /[_a-zA-Z0-9]/;

function readName(s: string, from: number): number {
  if (from >= s.length || !NAME_START.test(s[from]!)) return from;
  let i = from + 1;
  while (i < s.length && NAME_CHAR.test(s[i]!)) i++;
  return i;
}

/** compose-go's getFirstBraceClosingIndex: counts `{` (skipping the char after it) against `}`. */
function firstClosingBrace(s: string, from: number, to: number): number {
  let open = 0;
  for (let i = from; i < to; i++) {
    if (s[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (s[i] === '{') {
      open++;
      i++;
    }
  }
  return -1;
}

/** Called once per variable that is used without a default and is not set. */
export type MissingVariableHandler = (name: string) => void;

/**
 * Substitutes the variables of `template`.
 * @throws InvalidTemplateError, MissingRequiredError
 */
export function substitute(template: string, lookup: Lookup, onMissing?: MissingVariableHandler): string {
  try {
    return substituteInner(template, lookup, onMissing);
  } catch (err) {
    if (err instanceof InvalidTemplateError && err.template === '') throw new InvalidTemplateError(template);
    throw err;
  }
}

function substituteInner(s: string, lookup: Lookup, onMissing: MissingVariableHandler | undefined): string {
  let out = '';
  let i = 0;
  const missing = (name: string): string => {
    const v = lookup(name);
    if (v === undefined) {
      onMissing?.(name);
      return '';
    }
    return v;
  };
  while (i < s.length) {
    const dollar = s.indexOf('$', i);
    if (dollar < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, dollar);
    const next = s[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    if (next !== undefined && NAME_START.test(next)) {
      const end = readName(s, dollar + 1);
      out += missing(s.slice(dollar + 1, end));
      i = end;
      continue;
    }
    if (next !== '{') {
      // A lone `$`, `$}`, `$-`: kept as is.
      out += '$';
      i = dollar + 1;
      continue;
    }
    const nameStart = dollar + 2;
    const nameEnd = readName(s, nameStart);
    if (nameEnd === nameStart) throw new InvalidTemplateError('');
    const name = s.slice(nameStart, nameEnd);
    if (s[nameEnd] === '}') {
      out += missing(name);
      i = nameEnd + 1;
      continue;
    }
    let op = s[nameEnd] === ':' ? ':' : '';
    const opChar = s[nameEnd + op.length];
    if (opChar !== '-' && opChar !== '+' && opChar !== '?') throw new InvalidTemplateError('');
    op += opChar;
    // The pattern `${NAME<op>(.*)}` is greedy up to the last `}` of the line (Go's `.` stops at newlines).
    const lineEnd = s.indexOf('\n', nameEnd) < 0 ? s.length : s.indexOf('\n', nameEnd);
    const lastBrace = s.lastIndexOf('}', lineEnd - 1);
    if (lastBrace <= nameEnd + op.length - 1) throw new InvalidTemplateError('');
    let close = firstClosingBrace(s, dollar, lastBrace + 1);
    if (close < 0) close = lastBrace;
    const body = s.slice(nameEnd + op.length, close);
    out += applyOperator(name, op, body, lookup, onMissing);
    i = close + 1;
  }
  return out;
}

function applyOperator(
  name: string,
  op: string,
  body: string,
  lookup: Lookup,
  onMissing: MissingVariableHandler | undefined,
): string {
  const value = lookup(name);
  const sub = (t: string): string => substitute(t, lookup, onMissing);
  switch (op) {
    case ':-':
      return value === undefined || value === '' ? sub(body) : value;
    case '-':
      return value === undefined ? sub(body) : value;
    case ':+':
      return value !== undefined && value !== '' ? sub(body) : (value ?? '');
    case '+':
      return value !== undefined ? sub(body) : '';
    case ':?':
      if (value === undefined || value === '') throw new MissingRequiredError(name, sub(body));
      return value;
    default: // '?'
      if (value === undefined) throw new MissingRequiredError(name, sub(body));
      return value;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Whole documents

type Cast = (value: string) => unknown;

class CastError extends Error {}

const toInt: Cast = (v) => {
  if (!/^[+-]?\d+$/.test(v)) throw new CastError(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
};
const toFloat: Cast = (v) => {
  const t = v.trim();
  if (t !== v || t === '' || Number.isNaN(Number(t))) {
    throw new CastError(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  return Number(t);
};

/** Values accepted as booleans; YAML 1.1 forms are accepted with a warning, as compose-go does. */
export function parseBooleanString(value: string): { value: boolean; legacy: boolean } | undefined {
  switch (value.toLowerCase()) {
    case 'true':
      return { value: true, legacy: false };
    case 'false':
      return { value: false, legacy: false };
    case 'y':
    case 'yes':
    case 'on':
      return { value: true, legacy: true };
    case 'n':
    case 'no':
    case 'off':
      return { value: false, legacy: true };
    default:
      return undefined;
  }
}

const BOOL = 'bool';

const svc = (rest: string): PathPattern => pattern(`services.*.${rest}`);

/** compose-go's interpolateTypeCastMapping: which string values become numbers or booleans after interpolation. */
const CASTS: ReadonlyArray<readonly [PathPattern, Cast | typeof BOOL]> = [
  [svc('cpu_count'), toInt],
  [svc('cpu_percent'), toFloat],
  [svc('cpu_period'), toInt],
  [svc('cpu_quota'), toInt],
  [svc('cpu_rt_period'), toInt],
  [svc('cpu_rt_runtime'), toInt],
  [svc('cpus'), toFloat],
  [svc('cpu_shares'), toInt],
  [svc('init'), BOOL],
  [svc('depends_on.*.required'), BOOL],
  [svc('depends_on.*.restart'), BOOL],
  [svc('deploy.replicas'), toInt],
  [svc('deploy.update_config.parallelism'), toInt],
  [svc('deploy.update_config.max_failure_ratio'), toFloat],
  [svc('deploy.rollback_config.parallelism'), toInt],
  [svc('deploy.rollback_config.max_failure_ratio'), toFloat],
  [svc('deploy.restart_policy.max_attempts'), toInt],
  [svc('deploy.placement.max_replicas_per_node'), toInt],
  [svc('healthcheck.retries'), toInt],
  [svc('healthcheck.disable'), BOOL],
  [svc('oom_kill_disable'), BOOL],
  [svc('oom_score_adj'), toInt],
  [svc('pids_limit'), toInt],
  [svc('ports.*.target'), toInt],
  [svc('privileged'), BOOL],
  [svc('read_only'), BOOL],
  [svc('scale'), toInt],
  [svc('stdin_open'), BOOL],
  [svc('tty'), BOOL],
  [svc('ulimits.*'), toInt],
  [svc('ulimits.*.hard'), toInt],
  [svc('ulimits.*.soft'), toInt],
  [svc('volumes.*.read_only'), BOOL],
  [svc('volumes.*.volume.nocopy'), BOOL],
  [pattern('networks.*.external'), BOOL],
  [pattern('networks.*.internal'), BOOL],
  [pattern('networks.*.attachable'), BOOL],
  [pattern('networks.*.enable_ipv4'), BOOL],
  [pattern('networks.*.enable_ipv6'), BOOL],
  [pattern('volumes.*.external'), BOOL],
  [pattern('secrets.*.external'), BOOL],
  [pattern('configs.*.external'), BOOL],
];

export interface InterpolateTreeOptions {
  lookup: Lookup;
  /** The file being interpolated, for messages. */
  file?: string;
  /** Maps a path of the document to its YAML position, for messages. */
  locate?: (path: TreePath) => ComposeLocation | undefined;
  /** Receives warnings (missing variables, YAML 1.1 booleans). */
  warnings?: LoadWarning[];
  /** Re-type values by path after interpolation (default true). */
  cast?: boolean;
}

/**
 * Interpolates every string value of a raw document and re-types values by path. Returns a new tree.
 * @throws ComposeError naming the file, the path and the YAML position of the bad value.
 */
export function interpolateTree(doc: unknown, opts: InterpolateTreeOptions): unknown {
  const seen = new Set<string>();
  const where = (path: TreePath): ComposeLocation => ({ file: opts.file, path: formatPath(path), ...opts.locate?.(path) });
  const walk = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'string') {
      let out: string;
      try {
        out = substitute(value, opts.lookup, (name) => {
          if (seen.has(name)) return;
          seen.add(name);
          opts.warnings?.push({
            message: `The ${JSON.stringify(name)} variable is not set. Defaulting to a blank string.`,
            location: where(path),
          });
        });
      } catch (err) {
        if (err instanceof InvalidTemplateError) {
          throw composeError(
            `invalid interpolation format for ${formatPath(path)}: ${JSON.stringify(err.template)}: you may need to escape any $ with another $`,
            where(path),
          );
        }
        if (err instanceof MissingRequiredError) {
          throw composeError(`error while interpolating ${formatPath(path)}: ${err.message}`, where(path));
        }
        throw err;
      }
      if (opts.cast === false) return out;
      return castValue(out, path, where, opts.warnings);
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)]));
    if (isMap(value)) {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) o[k] = walk(v, [...path, k]);
      return o;
    }
    return value;
  };
  return walk(doc, []);
}

function castValue(
  value: string,
  path: TreePath,
  where: (p: TreePath) => ComposeLocation,
  warnings: LoadWarning[] | undefined,
): unknown {
  const cast = lookupPattern(CASTS, path);
  if (cast === undefined) return value;
  if (cast === BOOL) {
    const b = parseBooleanString(value);
    if (b === undefined) {
      throw composeError(
        `error while interpolating ${formatPath(path)}: failed to cast to expected type: invalid boolean: ${value}`,
        where(path),
      );
    }
    if (b.legacy) {
      warnings?.push({
        message: `${JSON.stringify(value)} for boolean is not supported by YAML 1.2, please use \`${b.value}\``,
        location: where(path),
      });
    }
    return b.value;
  }
  try {
    return cast(value);
  } catch (err) {
    if (err instanceof CastError) {
      throw composeError(
        `error while interpolating ${formatPath(path)}: failed to cast to expected type: ${err.message}`,
        where(path),
      );
    }
    throw err;
  }
}
