/**
 * `--filter key=value` as Docker parses and matches it (docker/cli opts.FilterOpt on the client, moby's
 * filters.Args in the daemon). Each `--filter` adds a value to its key's set; `key!=value` is the key `key!`
 * (Docker's negated label filter, `label!=`, accepted where the command allows the key `label!`).
 *
 * The shared matchers live here; what a key means (`before`, `since`, `status`, `ancestor`...) is the command's
 * business: it validates its allowed keys, then walks the values of each.
 */
import { invalidArgument, type EngineError } from '../../engine/errdefs.js';
import { UsageError } from './usage-error.js';

/** Docker's error for a filter key (and, for bad values, the values): `invalid filter 'dangling=[maybe]'`. */
export function invalidFilter(key: string, values?: readonly string[]): EngineError {
  let msg = 'invalid filter';
  if (key !== '') {
    msg += ` '${key}`;
    if (values !== undefined) msg += `=[${values.join(' ')}]`;
    msg += "'";
  }
  return invalidArgument(msg);
}

export interface ParseFilterOptions {
  /** How the flag is spelled in the usage error (`-f, --filter`; `--filter` for commands without `-f`). */
  readonly flag?: string;
  /** The command path, for the "See 'nerdctl ps --help'" line of the usage error. */
  readonly commandPath?: readonly string[];
}

/** A set of filters: key -> set of values, in the order given. */
export class FilterArgs {
  private readonly fields = new Map<string, Set<string>>();

  /**
   * Parses repeated `--filter` values. Keys are trimmed and lower-cased, values trimmed; an empty flag is ignored;
   * a value without `=` is a usage error worded as Docker's flag parser words it.
   */
  static parse(flags: readonly string[] | undefined, opts: ParseFilterOptions = {}): FilterArgs {
    const args = new FilterArgs();
    for (const raw of flags ?? []) {
      if (raw === '') continue;
      const eq = raw.indexOf('=');
      if (eq < 0) {
        throw new UsageError(
          `invalid argument "${raw}" for "${opts.flag ?? '-f, --filter'}" flag: bad format of filter (expected name=value)`,
          opts.commandPath ?? [],
        );
      }
      args.add(raw.slice(0, eq).trim().toLowerCase(), raw.slice(eq + 1).trim());
    }
    return args;
  }

  /** Builds filters from pairs, e.g. `FilterArgs.of(['label', 'a=b'])`. */
  static of(...pairs: [string, string][]): FilterArgs {
    const args = new FilterArgs();
    for (const [k, v] of pairs) args.add(k, v);
    return args;
  }

  add(key: string, value: string): void {
    let set = this.fields.get(key);
    if (set === undefined) this.fields.set(key, (set = new Set()));
    set.add(value);
  }

  delete(key: string, value: string): void {
    const set = this.fields.get(key);
    if (set === undefined) return;
    set.delete(value);
    if (set.size === 0) this.fields.delete(key);
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.fields.size;
  }

  keys(): string[] {
    return [...this.fields.keys()];
  }

  /** The values of `key`, in the order given (empty when absent). */
  get(key: string): string[] {
    return [...(this.fields.get(key) ?? [])];
  }

  /** True when `key` was given at all (Docker's Contains). */
  includes(key: string): boolean {
    return this.fields.has(key);
  }

  /** Fails with `invalid filter '<key>'` for the first key not in `allowed`. */
  validate(allowed: Iterable<string>): void {
    const ok = new Set(allowed);
    for (const k of this.fields.keys()) if (!ok.has(k)) throw invalidFilter(k);
  }

  /** True when `key` is not filtered, or `source` is one of its values. */
  exactMatch(key: string, source: string): boolean {
    const set = this.fields.get(key);
    if (set === undefined || set.size === 0) return true;
    return set.has(source);
  }

  /** True when `key` is not filtered, or it has exactly one value and that is `source`. */
  uniqueExactMatch(key: string, source: string): boolean {
    const set = this.fields.get(key);
    if (set === undefined || set.size === 0) return true;
    return set.size === 1 && set.has(source);
  }

  /** True when `key` is not filtered, or `source` equals or starts with one of its values (IDs: `id=abc`). */
  fuzzyMatch(key: string, source: string): boolean {
    if (this.exactMatch(key, source)) return true;
    for (const prefix of this.fields.get(key) ?? []) if (source.startsWith(prefix)) return true;
    return false;
  }

  /**
   * True when `key` is not filtered, or `source` equals one of its values or matches it as a regular expression
   * (Docker's Match, used for `name=`: unanchored, so `name=web` matches `myweb1`). Invalid expressions match
   * nothing.
   */
  match(key: string, source: string): boolean {
    if (this.exactMatch(key, source)) return true;
    for (const pattern of this.fields.get(key) ?? []) {
      let re: RegExp;
      try {
        re = new RegExp(pattern);
      } catch {
        continue;
      }
      if (re.test(source)) return true;
    }
    return false;
  }

  /**
   * True when every value of `key` (`k` or `k=v`) is satisfied by `labels`: the label exists and, with `=v`, has
   * that value. True when `key` is not filtered; false for an object without labels.
   */
  matchKVList(key: string, labels: Readonly<Record<string, string>> | ReadonlyMap<string, string> | undefined): boolean {
    const set = this.fields.get(key);
    if (set === undefined || set.size === 0) return true;
    const get = (k: string): string | undefined =>
      labels === undefined ? undefined : labels instanceof Map ? labels.get(k) : Object.prototype.hasOwnProperty.call(labels, k) ? (labels as Record<string, string>)[k] : undefined;
    const size = labels === undefined ? 0 : labels instanceof Map ? labels.size : Object.keys(labels).length;
    if (size === 0) return false;
    for (const value of set) {
      const eq = value.indexOf('=');
      const k = eq < 0 ? value : value.slice(0, eq);
      const v = get(k);
      if (v === undefined) return false;
      if (eq >= 0 && v !== value.slice(eq + 1)) return false;
    }
    return true;
  }

  /**
   * `label=` and `label!=` together, as Docker's prune filters read them: all `label` values must match and, when
   * `label!` is given, its values must not all match.
   */
  matchLabels(labels: Readonly<Record<string, string>> | ReadonlyMap<string, string> | undefined): boolean {
    if (!this.matchKVList('label', labels)) return false;
    if (this.includes('label!') && this.matchKVList('label!', labels)) return false;
    return true;
  }

  /**
   * A boolean filter (Docker's GetBoolOrDefault): `true`/`1` or `false`/`0`; `defaultValue` when absent. Values
   * that are neither, or both, fail with `invalid filter '<key>=[<values>]'`.
   */
  getBoolOrDefault(key: string, defaultValue: boolean): boolean {
    const set = this.fields.get(key);
    if (set === undefined) return defaultValue;
    if (set.size === 0) throw invalidFilter(key);
    const isFalse = set.has('0') || set.has('false');
    const isTrue = set.has('1') || set.has('true');
    if (isFalse === isTrue) throw invalidFilter(key, [...set]);
    return isTrue;
  }

  /**
   * A `true|false` filter as `images --filter dangling=` reads it: undefined when absent; true when `true` is
   * among the values, else false when `false` is; otherwise `invalid filter 'dangling=[<values>]'`.
   */
  getStrictBool(key: string): boolean | undefined {
    const set = this.fields.get(key);
    if (set === undefined) return undefined;
    if (set.has('true')) return true;
    if (set.has('false')) return false;
    throw invalidFilter(key, [...set]);
  }

  /**
   * Calls `op` for each value of `key`, stopping at the first error. This is the hook for command-specific keys:
   * `before`/`since` resolve their value to an object (the last value given wins), `until` parses a timestamp.
   */
  walkValues(key: string, op: (value: string) => void): void {
    for (const v of this.fields.get(key) ?? []) op(v);
  }

  /** The last value given for `key` (Docker's before/since read one value), or undefined. */
  lastValue(key: string): string | undefined {
    const vals = this.get(key);
    return vals[vals.length - 1];
  }

  clone(): FilterArgs {
    const c = new FilterArgs();
    for (const [k, set] of this.fields) for (const v of set) c.add(k, v);
    return c;
  }

  /** Docker's JSON form of the filters (`{"label":{"a=b":true}}`), as the API and event filters carry them. */
  toJSON(): Record<string, Record<string, boolean>> {
    const out: Record<string, Record<string, boolean>> = {};
    for (const [k, set] of this.fields) {
      out[k] = {};
      for (const v of set) out[k][v] = true;
    }
    return out;
  }
}
