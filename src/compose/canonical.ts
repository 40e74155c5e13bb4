/**
 * Short syntaxes -> long syntaxes on the raw model (compose-go's transform package), run after every merge so the
 * next file merges against long forms, plus the defaults compose-go fills in once all files are merged.
 */
import { parsePublish } from '../network/ports.js';
import { hasCode } from '../engine/errdefs.js';
import { composeError, ComposeError } from './errors.js';
import { goString } from './merge.js';
import { isMap, lookupPattern, pattern, type PathPattern, type RawMap } from './tree-path.js';
import { parseVolumeSpec, volumeSpecToRaw } from './volume-spec.js';

type Transformer = (data: unknown, path: string[]) => unknown;

const TRANSFORMERS: ReadonlyArray<readonly [PathPattern, Transformer]> = [
  [pattern('services.*'), (d, p) => (isMap(d) ? transformMapping(d, p) : d)],
  [pattern('services.*.build.secrets.*'), fileMount],
  [pattern('services.*.build.provenance'), stringOrX],
  [pattern('services.*.build.sbom'), stringOrX],
  [pattern('services.*.build.additional_contexts'), keyValueToMap],
  [pattern('services.*.depends_on'), dependsOn],
  [pattern('services.*.env_file'), envFile],
  [pattern('services.*.label_file'), stringOrList],
  [pattern('services.*.extends'), (d, p) => (typeof d === 'string' ? { service: d } : isMap(d) ? transformMapping(d, p) : d)],
  [pattern('services.*.gpus'), (d, p) => (typeof d === 'string' ? [{ count: 'all' }] : Array.isArray(d) ? transformSequence(d, p) : d)],
  [pattern('services.*.networks'), sliceToMap],
  [pattern('services.*.models'), sliceToMap],
  [pattern('services.*.volumes.*'), volumeMount],
  [pattern('services.*.dns'), stringOrList],
  [pattern('services.*.devices.*'), deviceMapping],
  [pattern('services.*.secrets.*'), fileMount],
  [pattern('services.*.configs.*'), fileMount],
  [pattern('services.*.ports'), ports],
  [pattern('services.*.build'), (d, p) => (typeof d === 'string' ? { context: d } : isMap(d) ? transformMapping(d, p) : d)],
  [pattern('services.*.build.ssh'), ssh],
  [pattern('services.*.develop.watch.*.ignore'), stringOrList],
  [pattern('services.*.develop.watch.*.include'), stringOrList],
  [pattern('volumes.*'), maybeExternal],
  [pattern('networks.*'), maybeExternal],
  [pattern('secrets.*'), maybeExternal],
  [pattern('configs.*'), maybeExternal],
  [pattern('include.*'), (d) => (typeof d === 'string' ? { path: d } : d)],
];

/** Set while {@link canonical} runs leniently: short syntaxes that do not parse are kept as written. */
let lenient = false;

/**
 * Rewrites every short syntax of a raw model into its long form (in place where possible). With `keepInvalid`
 * (used without interpolation, where `${VAR}` may stand for a port), unparsable ports and volumes stay strings.
 */
export function canonical(model: RawMap, keepInvalid = false): RawMap {
  lenient = keepInvalid;
  try {
    return transform(model, []) as RawMap;
  } finally {
    lenient = false;
  }
}

function transform(data: unknown, path: string[]): unknown {
  const t = lookupPattern(TRANSFORMERS, path);
  if (t !== undefined) return t(data, path);
  if (isMap(data)) return transformMapping(data, path);
  if (Array.isArray(data)) return transformSequence(data, path);
  return data;
}

function transformMapping(v: RawMap, path: string[]): RawMap {
  for (const [k, e] of Object.entries(v)) v[k] = transform(e, [...path, k]);
  return v;
}

function transformSequence(v: unknown[], path: string[]): unknown[] {
  for (let i = 0; i < v.length; i++) v[i] = transform(v[i], [...path, String(i)]);
  return v;
}

function stringOrList(d: unknown): unknown {
  return typeof d === 'string' ? [d] : d;
}

function stringOrX(d: unknown): unknown {
  return typeof d === 'string' ? d : goString(d);
}

function fileMount(d: unknown): unknown {
  return typeof d === 'string' ? { source: d } : d;
}

function sliceToMap(d: unknown): unknown {
  if (!Array.isArray(d)) return d;
  const out: RawMap = {};
  for (const n of d) out[String(n)] = null;
  return out;
}

function keyValueToMap(d: unknown, path: string[]): unknown {
  if (!Array.isArray(d)) return d;
  const out: RawMap = {};
  for (const e of d) {
    const s = String(e);
    const i = s.indexOf('=');
    if (i < 0 && lenient) return d;
    if (i < 0) throw composeError(`${path.join('.')}: invalid value ${s}, expected key=value`);
    out[s.slice(0, i)] = s.slice(i + 1);
  }
  return out;
}

function dependsOn(d: unknown, path: string[]): unknown {
  if (Array.isArray(d)) {
    const out: RawMap = {};
    for (const k of d) out[String(k)] = { condition: 'service_started', required: true };
    return out;
  }
  if (isMap(d)) {
    for (const [k, e] of Object.entries(d)) {
      if (!isMap(e)) throw composeError(`${path.join('.')}.${k}: unsupported value ${goString(e)}`);
      if (!('condition' in e)) e.condition = 'service_started';
      if (!('required' in e)) e.required = true;
    }
    return d;
  }
  return d;
}

function envFile(d: unknown): unknown {
  const one = (e: unknown): unknown => {
    if (typeof e === 'string') return { path: e, required: true };
    if (isMap(e)) {
      if (!('required' in e)) e.required = true;
      return e;
    }
    return e;
  };
  if (typeof d === 'string') return [one(d)];
  if (Array.isArray(d)) return d.map(one);
  return d;
}

function volumeMount(d: unknown, path: string[]): unknown {
  if (typeof d !== 'string') return d;
  try {
    if (lenient && d.includes('$')) return d;
    const v = parseVolumeSpec(d);
    if (v.target !== '') v.target = cleanPath(v.target);
    return volumeSpecToRaw(v);
  } catch (err) {
    if (err instanceof ComposeError) throw composeError(`${path.join('.')}: ${err.message}`, { path: path.join('.') });
    throw err;
  }
}

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const s = out.join('/');
  return rooted ? `/${s}` : s === '' ? '.' : s;
}

function deviceMapping(d: unknown, path: string[]): unknown {
  if (typeof d !== 'string') return d;
  const arr = d.split(':');
  let src = '';
  let dst = '';
  let permissions = 'rwm';
  switch (arr.length) {
    case 3:
      permissions = arr[2]!;
      dst = arr[1]!;
      src = arr[0]!;
      break;
    case 2:
      dst = arr[1]!;
      src = arr[0]!;
      break;
    case 1:
      src = arr[0]!;
      break;
    default:
      throw composeError(`confusing device mapping, please use long syntax: ${d}`, { path: path.join('.') });
  }
  if (dst === '') dst = src;
  return { source: src, target: dst, permissions };
}

function ssh(d: unknown): unknown {
  if (!Array.isArray(d)) return d;
  const out: RawMap = {};
  for (const e of d) {
    const s = String(e);
    const i = s.indexOf('=');
    if (i < 0) {
      if (s !== 'default') throw composeError(`invalid ssh key ${JSON.stringify(s)}`);
      out[s] = null;
      continue;
    }
    out[s.slice(0, i)] = s.slice(i + 1);
  }
  return out;
}

/** One port short spec (`[ip:][host[-range]:]container[-range][/proto]`) as long-syntax mappings. */
export function parsePortSpec(spec: string): RawMap[] {
  const specs = parsePublish(spec);
  // compose-go sorts by the `port/proto` key as a string (go-connections returns a map)
  const keyed = specs.map((s) => ({ key: `${s.containerPort}/${s.protocol}`, s }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ s }) => {
    const o: RawMap = { mode: 'ingress' };
    if (s.hostIp !== '') o.host_ip = s.hostIp;
    o.target = s.containerPort;
    if (s.hostPort !== undefined) {
      o.published = s.hostPort.start === s.hostPort.end ? String(s.hostPort.start) : `${s.hostPort.start}-${s.hostPort.end}`;
    }
    o.protocol = s.protocol;
    return o;
  });
}

function ports(d: unknown, path: string[]): unknown {
  if (!Array.isArray(d)) return d;
  const out: unknown[] = [];
  d.forEach((entry, i) => {
    if (typeof entry === 'number' || typeof entry === 'string') {
      if (lenient && String(entry).includes('$')) {
        out.push(entry);
        return;
      }
      try {
        out.push(...parsePortSpec(String(entry)));
      } catch (err) {
        if (hasCode(err, 'invalid-argument')) {
          throw composeError(`${[...path, String(i)].join('.')}: ${(err as Error).message}`, { path: [...path, String(i)].join('.') });
        }
        throw err;
      }
    } else out.push(entry);
  });
  return out;
}

function maybeExternal(d: unknown, path: string[]): unknown {
  if (d === null || d === undefined) return null;
  if (!isMap(d)) return d;
  const resource = transformMapping(d, path);
  const ext = resource.external;
  if (isMap(ext)) {
    resource.external = true;
    if ('name' in ext) {
      if ('name' in resource && resource.name !== ext.name) {
        throw composeError(`${path.join('.')}: name and external.name conflict; only use name`);
      }
      resource.name = ext.name;
    }
  }
  return resource;
}

// ---------------------------------------------------------------------------------------------------------------
// Defaults, once all files are merged (compose-go transform.SetDefaultValues)

const DEFAULTS: ReadonlyArray<readonly [PathPattern, (d: unknown) => unknown]> = [
  [pattern('services.*.build'), (d) => (isMap(d) && !('context' in d) ? { context: '.', ...d } : d)],
  [
    pattern('services.*.secrets.*'),
    (d) => (isMap(d) && !('target' in d) ? { ...d, target: `/run/secrets/${goString(d.source)}` } : d),
  ],
  [
    pattern('services.*.ports.*'),
    (d) => {
      if (!isMap(d)) return d;
      if (!('protocol' in d)) d.protocol = 'tcp';
      if (!('mode' in d)) d.mode = 'ingress';
      return d;
    },
  ],
  [pattern('services.*.deploy.resources.reservations.devices.*'), deviceRequestDefaults],
  [pattern('services.*.gpus.*'), deviceRequestDefaults],
  [
    pattern('services.*.volumes.*.bind'),
    (d) => {
      if (isMap(d) && !('create_host_path' in d)) d.create_host_path = true;
      return d;
    },
  ],
];

function deviceRequestDefaults(d: unknown): unknown {
  if (isMap(d) && !('count' in d) && !('device_ids' in d)) d.count = 'all';
  return d;
}

/** Fills compose-go's default values into a merged raw model (in place). */
export function setDefaults(model: RawMap): RawMap {
  const walk = (v: unknown, path: string[]): unknown => {
    const t = lookupPattern(DEFAULTS, path);
    if (t !== undefined) return t(v);
    if (isMap(v)) for (const [k, e] of Object.entries(v)) v[k] = walk(e, [...path, k]);
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = walk(v[i], [...path, String(i)]);
    return v;
  };
  return walk(model, []) as RawMap;
}
