/**
 * Merging raw compose models (several `-f` files, `---` documents, `extends`, `include` clashes), with compose-go's
 * rules (override/merge.go, override/uncity.go):
 *
 * - mappings merge deeply, the later value wins for scalars;
 * - sequences are appended, except `command`, `entrypoint` and `healthcheck.test`, which are replaced;
 * - `environment`, `labels`, `annotations`, `sysctls`, `tmpfs`, `dns*`, `env_file`, `build.args`, `build.labels`,
 *   `build.additional_contexts`, `deploy.labels`, network and volume labels become `K=V` sequences and are appended,
 *   then de-duplicated by key (the later entry replaces the earlier one in place);
 * - `extra_hosts` appended without exact duplicates; `depends_on` and `networks` merged as mappings (short lists
 *   converted first); `build` strings become `{context}` first; `ulimits.<name>` replaced;
 * - `logging` options merge only when both sides name the same driver (or one names none), else replaced;
 * - `ports` unique by host ip, published port, target and protocol; `volumes`, `devices`, `secrets`, `configs`
 *   unique by target; `expose`, `cap_add`, `cap_drop`, `links`, `profiles`, aliases unique by value.
 */
import { parseVolumeSpec } from './volume-spec.js';
import { isMap, lookupPattern, pattern, type PathPattern, type RawMap, type TreePath } from './tree-path.js';
import { composeError } from './errors.js';

type Merger = (base: unknown, override: unknown, path: string[]) => unknown;

const MERGERS: ReadonlyArray<readonly [PathPattern, Merger]> = [
  [pattern('networks.*.ipam.config'), mergeIpamConfig],
  [pattern('networks.*.labels'), mergeToSequence],
  [pattern('volumes.*.labels'), mergeToSequence],
  [pattern('services.*.annotations'), mergeToSequence],
  [pattern('services.*.build'), mergeBuild],
  [pattern('services.*.build.args'), mergeToSequence],
  [pattern('services.*.build.additional_contexts'), mergeToSequence],
  [pattern('services.*.build.extra_hosts'), mergeExtraHosts],
  [pattern('services.*.build.labels'), mergeToSequence],
  [pattern('services.*.command'), (_b, o) => o],
  [pattern('services.*.depends_on'), mergeDependsOn],
  [pattern('services.*.deploy.labels'), mergeToSequence],
  [pattern('services.*.dns'), mergeToSequence],
  [pattern('services.*.dns_opt'), mergeToSequence],
  [pattern('services.*.dns_search'), mergeToSequence],
  [pattern('services.*.entrypoint'), (_b, o) => o],
  [pattern('services.*.env_file'), mergeToSequence],
  [pattern('services.*.label_file'), mergeToSequence],
  [pattern('services.*.environment'), mergeToSequence],
  [pattern('services.*.extra_hosts'), mergeExtraHosts],
  [pattern('services.*.healthcheck.test'), (_b, o) => o],
  [pattern('services.*.labels'), mergeToSequence],
  [pattern('services.*.volumes.*.volume.labels'), mergeToSequence],
  [pattern('services.*.logging'), mergeLogging],
  [pattern('services.*.models'), mergeAsMapping],
  [pattern('services.*.networks'), mergeAsMapping],
  [pattern('services.*.sysctls'), mergeToSequence],
  [pattern('services.*.tmpfs'), mergeToSequence],
  [pattern('services.*.ulimits.*'), (_b, o) => o],
];

/**
 * Merges `override` into `base` (both raw models) and returns the result; `base` may be modified. `path` is where
 * the two values sit in the model (it selects the special rules).
 * @throws ComposeError `cannot override <path>` when a mapping meets a non-mapping (or a sequence a non-sequence).
 */
export function mergeRaw(base: unknown, override: unknown, path: string[] = []): unknown {
  const special = lookupPattern(MERGERS, path);
  if (special !== undefined) return special(base, override, path);
  if (override === null || override === undefined) return base;
  if (isMap(base)) {
    if (!isMap(override)) throw composeError(`cannot override ${path.join('.')}`);
    return mergeMappings(base, override, path);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(override)) throw composeError(`cannot override ${path.join('.')}`);
    return [...base, ...override];
  }
  return override;
}

function mergeMappings(base: RawMap, override: RawMap, path: string[]): RawMap {
  for (const [k, v] of Object.entries(override)) {
    if (!(k in base)) {
      base[k] = v;
      continue;
    }
    base[k] = mergeRaw(base[k], v, [...path, k]);
  }
  return base;
}

function mergeLogging(base: unknown, override: unknown, path: string[]): unknown {
  if (!isMap(base) || !isMap(override)) return override ?? base;
  const d = override.driver;
  const o = base.driver;
  if (d === o || !('driver' in override) || !('driver' in base)) return mergeMappings(base, override, path);
  return override;
}

function mergeBuild(base: unknown, override: unknown, path: string[]): unknown {
  const toBuild = (v: unknown): RawMap | undefined => (typeof v === 'string' ? { context: v } : isMap(v) ? v : undefined);
  const b = toBuild(base);
  const o = toBuild(override);
  if (b === undefined) return o;
  if (o === undefined) return b;
  return mergeMappings(b, o, path);
}

function convertIntoMapping(v: unknown, defaults?: RawMap): RawMap | undefined {
  if (isMap(v)) return v;
  if (Array.isArray(v)) {
    const out: RawMap = {};
    for (const s of v) out[String(s)] = defaults === undefined ? null : { ...defaults };
    return out;
  }
  return undefined;
}

function mergeDependsOn(base: unknown, override: unknown, path: string[]): unknown {
  const defaults = { condition: 'service_started', required: true };
  const b = convertIntoMapping(base, defaults) ?? {};
  const o = convertIntoMapping(override, defaults) ?? {};
  return mergeMappings(b, o, path);
}

function mergeAsMapping(base: unknown, override: unknown, path: string[]): unknown {
  const b = convertIntoMapping(base) ?? {};
  const o = convertIntoMapping(override) ?? {};
  return mergeMappings(b, o, path);
}

/** A mapping or a sequence or a string as a `K=V` sequence (mappings sorted by key, null values as bare keys). */
export function convertIntoSequence(v: unknown): unknown[] {
  if (isMap(v)) {
    const seq: string[] = [];
    for (const [k, val] of Object.entries(v)) {
      if (val === null || val === undefined) seq.push(k);
      else if (Array.isArray(val)) for (const x of val) seq.push(`${k}=${goString(x)}`);
      else seq.push(`${k}=${goString(val)}`);
    }
    return seq.sort();
  }
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [v];
  return [];
}

/** fmt.Sprint of a YAML scalar. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatGoNumber(v);
  return String(v);
}

/** How Go's fmt prints a float64 / int decoded from YAML (`1e+21` style for huge values). */
export function formatGoNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function mergeToSequence(base: unknown, override: unknown): unknown {
  return [...convertIntoSequence(base), ...convertIntoSequence(override)];
}

function mergeExtraHosts(base: unknown, override: unknown): unknown {
  const b = convertIntoSequence(base);
  const o = convertIntoSequence(override).filter((x) => !b.includes(x));
  return [...b, ...o];
}

function mergeIpamConfig(base: unknown, override: unknown, path: string[]): unknown {
  if (!Array.isArray(base) || !Array.isArray(override)) {
    throw composeError(`${path.join('.')}: unexpected type ${Array.isArray(base) ? typeof override : typeof base}`);
  }
  const out: RawMap[] = [];
  for (const original of base) {
    const right = convertIntoMapping(original) ?? {};
    for (const ov of override) {
      const left = convertIntoMapping(ov) ?? {};
      if (left.subnet !== right.subnet) {
        if (!out.some((a) => a.subnet === left.subnet)) {
          out.push(left);
          continue;
        }
      }
      const merged = mergeMappings({ ...right }, left, path);
      const idx = out.findIndex((a) => a.subnet === merged.subnet);
      if (idx >= 0) out[idx] = merged;
      else out.push(merged);
    }
  }
  return out;
}

/** Merges one service definition over the one it extends. */
export function extendService(base: RawMap, override: RawMap): RawMap {
  return mergeRaw(base, override, ['services', 'x']) as RawMap;
}

// ---------------------------------------------------------------------------------------------------------------
// Unicity

type Indexer = (v: unknown, path: string[]) => string;

const keyValueIndexer: Indexer = (v, path) => {
  if (typeof v !== 'string') throw composeError(`${path.join('.')}: unexpected type ${typeof v}`);
  const i = v.indexOf('=');
  return i >= 0 ? v.slice(0, i) : v;
};

const volumeIndexer: Indexer = (v, path) => {
  if (isMap(v)) {
    if (typeof v.target !== 'string') throw composeError(`service volume ${path.join('.')} is missing a mount target`);
    return v.target;
  }
  if (typeof v === 'string') return parseVolumeSpec(v).target;
  return '';
};

const deviceIndexer: Indexer = (v, path) => {
  if (isMap(v)) {
    if (typeof v.target !== 'string') throw composeError(`service device ${path.join('.')} is missing a mount target`);
    return v.target;
  }
  if (typeof v === 'string') {
    const parts = v.split(':');
    return parts.length === 1 ? parts[0]! : parts[1]!;
  }
  return '';
};

const exposeIndexer: Indexer = (v) => String(v);

const mountIndexer =
  (defaultDir: string): Indexer =>
  (v) => {
    if (typeof v === 'string') return `${defaultDir}/${v}`;
    if (isMap(v)) return typeof v.target === 'string' ? v.target : `${defaultDir}/${String(v.source)}`;
    return '';
  };

const portIndexer: Indexer = (v, path) => {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (isMap(v)) {
    if (!('target' in v)) throw composeError(`service ports ${path.join('.')} is missing a target port`);
    return `${goString(v.host_ip ?? '0.0.0.0')}:${goString(v.published)}:${goString(v.target)}/${goString(v.protocol ?? 'tcp')}`;
  }
  return '';
};

const envFileIndexer: Indexer = (v, path) => {
  if (typeof v === 'string') return v;
  if (isMap(v)) {
    if (!('path' in v)) throw composeError(`environment path attribute ${path.join('.')} is missing`);
    return String(v.path);
  }
  return '';
};

const UNIQUE: ReadonlyArray<readonly [PathPattern, Indexer]> = [
  [pattern('networks.*.labels'), keyValueIndexer],
  [pattern('networks.*.ipam.options'), keyValueIndexer],
  [pattern('services.*.annotations'), keyValueIndexer],
  [pattern('services.*.build.args'), keyValueIndexer],
  [pattern('services.*.build.additional_contexts'), keyValueIndexer],
  [pattern('services.*.build.tags'), keyValueIndexer],
  [pattern('services.*.build.labels'), keyValueIndexer],
  [pattern('services.*.cap_add'), keyValueIndexer],
  [pattern('services.*.cap_drop'), keyValueIndexer],
  [pattern('services.*.devices'), deviceIndexer],
  [pattern('services.*.configs'), mountIndexer('')],
  [pattern('services.*.deploy.labels'), keyValueIndexer],
  [pattern('services.*.dns'), keyValueIndexer],
  [pattern('services.*.dns_opt'), keyValueIndexer],
  [pattern('services.*.dns_search'), keyValueIndexer],
  [pattern('services.*.environment'), keyValueIndexer],
  [pattern('services.*.env_file'), envFileIndexer],
  [pattern('services.*.expose'), exposeIndexer],
  [pattern('services.*.labels'), keyValueIndexer],
  [pattern('services.*.links'), keyValueIndexer],
  [pattern('services.*.networks.*.aliases'), keyValueIndexer],
  [pattern('services.*.networks.*.link_local_ips'), keyValueIndexer],
  [pattern('services.*.ports'), portIndexer],
  [pattern('services.*.profiles'), keyValueIndexer],
  [pattern('services.*.secrets'), mountIndexer('/run/secrets')],
  [pattern('services.*.sysctls'), keyValueIndexer],
  [pattern('services.*.tmpfs'), keyValueIndexer],
  [pattern('services.*.volumes'), volumeIndexer],
];

/** Removes redefinitions in the sequences that are keyed (a later entry replaces the earlier one in place). */
export function enforceUnicity(value: unknown, path: string[] = []): unknown {
  if (isMap(value)) {
    for (const [k, v] of Object.entries(value)) value[k] = enforceUnicity(v, [...path, k]);
    return value;
  }
  if (Array.isArray(value)) {
    const indexer = lookupPattern(UNIQUE, path);
    if (indexer === undefined) return value;
    const seq: unknown[] = [];
    const keys = new Map<string, number>();
    value.forEach((entry, i) => {
      const key = indexer(entry, [...path, String(i)]);
      const j = keys.get(key);
      if (j !== undefined) seq[j] = entry;
      else {
        keys.set(key, seq.length);
        seq.push(entry);
      }
    });
    return seq;
  }
  return value;
}

/** Deletes the mapping entries at `paths` (from `!reset`/`!override`) from a merged model. */
export function applyResets(model: unknown, paths: readonly TreePath[]): void {
  if (paths.length === 0) return;
  const walk = (v: unknown, path: string[]): void => {
    if (isMap(v)) {
      for (const k of Object.keys(v)) {
        const next = [...path, k];
        if (paths.some((p) => p.length === next.length && p.every((s, i) => s === next[i]))) {
          delete v[k];
          continue;
        }
        walk(v[k], next);
      }
    } else if (Array.isArray(v)) {
      // compose-go does not remove sequence items from what was merged before (only from the tagged document)
      v.forEach((e, i) => walk(e, [...path, String(i)]));
    }
  };
  walk(model, []);
}

/** A deep copy of a raw value. */
export function cloneRaw<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cloneRaw(x)) as T;
  if (isMap(v)) {
    const o: RawMap = {};
    for (const [k, x] of Object.entries(v)) o[k] = cloneRaw(x);
    return o as T;
  }
  return v;
}
