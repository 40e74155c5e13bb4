/**
 * What `docker compose config` prints, from the typed model: compose-go's Project marshalled to YAML (struct field
 * order, map keys sorted, zero values omitted, durations as Go durations, sizes as quoted byte counts, ports in
 * long syntax with `mode: ingress` and string `published`) or to JSON (`json.MarshalIndent`: the top-level keys
 * sorted, `command`/`entrypoint` always present, `<`, `>`, `&` escaped as Go does). Also the one-per-line listings
 * (`--services`, `--volumes`, `--networks`, `--images`, `--profiles`) and `--hash`.
 *
 * The functions return text; printing is the command's job. YAML text comes from load.ts (the `yaml` boundary).
 */
import { formatGoDuration } from '../util/units.js';
import type {
  BuildConfig,
  DeployConfig,
  DeviceRequest,
  FileObject,
  FileReference,
  HealthCheck,
  Network,
  Project,
  Resource,
  Service,
  ServiceDependency,
  ServiceHook,
  ServiceNetwork,
  ServicePort,
  ServiceVolume,
  Ulimit,
  Volume,
} from './model.js';
import { emitYaml } from './load.js';

/** An ordered mapping for the emitters (JS objects would reorder integer-like keys). */
export type Ordered = Map<string, OutValue>;

/**
 * A Go map (as opposed to a struct): its keys are sorted bytewise here, as encoding/json does, and re-sorted with
 * go-yaml's order when emitting YAML ({@link goYamlKeyLess}).
 */
class GoMap extends Map<string, OutValue> {}

/**
 * go-yaml's map key order for string keys: character by character, letters before other characters, and runs of
 * digits compared as numbers (`VAR2` before `VAR10`).
 */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  const isDigit = (c: string): boolean => c >= '0' && c <= '9';
  const isLetter = (c: string): boolean => /\p{L}/u.test(c);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]!);
      continue;
    }
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]! < br[i]!;
    if (al || bl) return digits ? al : bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]! < br[i]!;
  }
  return ar.length < br.length;
}

/** A copy of `v` whose Go maps are in go-yaml's key order. */
function yamlOrder(v: OutValue): OutValue {
  if (Array.isArray(v)) return v.map(yamlOrder);
  if (!(v instanceof Map)) return v;
  let entries = [...v.entries()];
  if (v instanceof GoMap) entries = entries.sort(([a], [b]) => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0));
  return new Map(entries.map(([k, e]) => [k, yamlOrder(e)]));
}
export type OutValue = string | number | boolean | null | OutValue[] | Ordered;

type Mode = 'yaml' | 'json';

class Obj {
  readonly map: Ordered = new Map();
  readonly mode: Mode;
  constructor(mode: Mode) {
    this.mode = mode;
  }
  /** Go `omitempty`: skipped when undefined, '', 0, false, an empty list or an empty map. */
  opt(key: string, v: OutValue | undefined): this {
    if (v === undefined || v === '' || v === 0 || v === false || v === null) return this;
    if (Array.isArray(v) && v.length === 0) return this;
    if (v instanceof Map && v.size === 0) return this;
    this.map.set(key, v);
    return this;
  }
  /** A pointer or non-omitempty field: set when defined. */
  set(key: string, v: OutValue | undefined): this {
    if (v !== undefined) this.map.set(key, v);
    return this;
  }
}

const sortedKeys = (o: Record<string, unknown>): string[] => Object.keys(o).sort();

function strMap(o: Record<string, string> | undefined): Ordered | undefined {
  if (o === undefined) return undefined;
  const m: Ordered = new GoMap();
  for (const k of sortedKeys(o)) m.set(k, o[k]!);
  return m;
}

function nullableMap(o: Record<string, string | null> | undefined): Ordered | undefined {
  if (o === undefined) return undefined;
  const m: Ordered = new GoMap();
  for (const k of sortedKeys(o)) m.set(k, o[k] ?? null);
  return m;
}

function extensions(target: Obj, ext: Record<string, unknown> | undefined): void {
  if (ext === undefined) return;
  for (const k of sortedKeys(ext)) target.map.set(k, toOut(ext[k]));
}

/** Plain data (extensions, raw sections) to an ordered value, map keys sorted as Go does. */
export function toOut(v: unknown): OutValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(toOut);
  if (v instanceof Map) return v as Ordered;
  if (typeof v === 'object') {
    const m: Ordered = new GoMap();
    for (const k of Object.keys(v).sort()) m.set(k, toOut((v as Record<string, unknown>)[k]));
    return m;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

const duration = (ns: number | undefined): string | undefined => (ns === undefined ? undefined : formatGoDuration(ns));
const bytes = (n: number | undefined): string | undefined => (n === undefined || n === 0 ? undefined : String(n));

/** extra_hosts as Go prints HostsList: `host=ip` sorted. */
function hosts(h: Record<string, string[]> | undefined): OutValue[] | undefined {
  if (h === undefined) return undefined;
  const list: string[] = [];
  for (const [k, ips] of Object.entries(h)) for (const ip of ips) list.push(`${k}=${ip}`);
  return list.sort();
}

function ulimits(u: Record<string, Ulimit> | undefined, mode: Mode): Ordered | undefined {
  if (u === undefined) return undefined;
  const m: Ordered = new GoMap();
  for (const k of sortedKeys(u)) {
    const v = u[k]!;
    if (v.single !== undefined && v.single !== 0) m.set(k, v.single);
    else m.set(k, new Obj(mode).opt('soft', v.soft).opt('hard', v.hard).map);
  }
  return m;
}

function fileRefs(refs: FileReference[] | undefined, mode: Mode): OutValue[] | undefined {
  return refs?.map((r) => {
    const o = new Obj(mode)
      .opt('source', r.source)
      .opt('target', r.target)
      .opt('uid', r.uid)
      .opt('gid', r.gid)
      .set('mode', r.mode === undefined ? undefined : `0${r.mode.toString(8)}`);
    extensions(o, r.extensions);
    return o.map;
  });
}

function build(b: BuildConfig, mode: Mode): Ordered {
  const o = new Obj(mode)
    .opt('context', b.context)
    .opt('dockerfile', b.dockerfile)
    .opt('dockerfile_inline', b.dockerfile_inline)
    .opt('entitlements', b.entitlements)
    .opt('args', nullableMap(b.args))
    .opt('provenance', b.provenance)
    .opt('sbom', b.sbom);
  if (b.ssh !== undefined) {
    // compose-go prints SSHConfig as a list of `id=path` (or `id`) entries
    o.opt('ssh', sortedKeys(b.ssh).map((k) => (b.ssh![k] === null ? k : `${k}=${b.ssh![k]}`)));
  }
  o.opt('labels', strMap(b.labels))
    .opt('cache_from', b.cache_from)
    .opt('cache_to', b.cache_to)
    .opt('no_cache', b.no_cache)
    .opt('no_cache_filter', b.no_cache_filter)
    .opt('additional_contexts', strMap(b.additional_contexts))
    .opt('pull', b.pull)
    .opt('extra_hosts', hosts(b.extra_hosts))
    .opt('isolation', b.isolation)
    .opt('network', b.network)
    .opt('target', b.target)
    .opt('secrets', fileRefs(b.secrets, mode))
    .opt('shm_size', bytes(b.shm_size))
    .opt('tags', b.tags)
    .opt('ulimits', ulimits(b.ulimits, mode))
    .opt('platforms', b.platforms)
    .opt('privileged', b.privileged);
  extensions(o, b.extensions);
  return o.map;
}

function dependsOn(d: Record<string, ServiceDependency> | undefined, mode: Mode): Ordered | undefined {
  if (d === undefined) return undefined;
  const m: Ordered = new GoMap();
  for (const k of sortedKeys(d)) {
    const dep = d[k]!;
    const o = new Obj(mode).opt('condition', dep.condition).opt('restart', dep.restart);
    extensions(o, dep.extensions);
    o.set('required', dep.required);
    m.set(k, o.map);
  }
  return m;
}

function deviceRequests(list: DeviceRequest[] | undefined, mode: Mode): OutValue[] | undefined {
  return list?.map((d) =>
    new Obj(mode)
      .opt('capabilities', d.capabilities)
      .opt('driver', d.driver)
      .opt('count', d.count === 'all' ? 'all' : d.count)
      .opt('device_ids', d.device_ids)
      .opt('options', strMap(d.options)).map,
  );
}

function resource(r: Resource | undefined, mode: Mode): Ordered | undefined {
  if (r === undefined) return undefined;
  return new Obj(mode)
    .opt('cpus', r.cpus)
    .opt('memory', bytes(r.memory))
    .opt('pids', r.pids)
    .opt('devices', deviceRequests(r.devices, mode))
    .opt('generic_resources', r.generic_resources?.map(toOut)).map;
}

function deploy(d: DeployConfig, mode: Mode): Ordered {
  const res =
    d.resources === undefined
      ? undefined
      : new Obj(mode).opt('limits', resource(d.resources.limits, mode)).opt('reservations', resource(d.resources.reservations, mode)).map;
  const rp = d.restart_policy;
  const o = new Obj(mode)
    .opt('mode', d.mode)
    .set('replicas', d.replicas)
    .opt('labels', strMap(d.labels))
    .opt('update_config', d.update_config === undefined ? undefined : toOut(d.update_config))
    .opt('rollback_config', d.rollback_config === undefined ? undefined : toOut(d.rollback_config))
    .opt('resources', res)
    .opt(
      'restart_policy',
      rp === undefined
        ? undefined
        : new Obj(mode)
            .opt('condition', rp.condition)
            .set('delay', duration(rp.delay))
            .set('max_attempts', rp.max_attempts)
            .set('window', duration(rp.window)).map,
    )
    .opt('placement', d.placement === undefined ? undefined : toOut(d.placement))
    .opt('endpoint_mode', d.endpoint_mode);
  extensions(o, d.extensions);
  return o.map;
}

function healthcheck(h: HealthCheck, mode: Mode): Ordered {
  const o = new Obj(mode)
    .opt('test', h.test)
    .set('timeout', duration(h.timeout))
    .set('interval', duration(h.interval))
    .set('retries', h.retries)
    .set('start_period', duration(h.start_period))
    .set('start_interval', duration(h.start_interval))
    .opt('disable', h.disable);
  extensions(o, h.extensions);
  return o.map;
}

function networks(n: Record<string, ServiceNetwork | null> | undefined, mode: Mode): Ordered | undefined {
  if (n === undefined) return undefined;
  const m: Ordered = new GoMap();
  for (const k of sortedKeys(n)) {
    const v = n[k];
    if (v === null || v === undefined) {
      m.set(k, null);
      continue;
    }
    const o = new Obj(mode)
      .opt('aliases', v.aliases)
      .opt('driver_opts', strMap(v.driver_opts))
      .opt('gw_priority', v.gw_priority)
      .opt('interface_name', v.interface_name)
      .opt('ipv4_address', v.ipv4_address)
      .opt('ipv6_address', v.ipv6_address)
      .opt('link_local_ips', v.link_local_ips)
      .opt('mac_address', v.mac_address)
      .opt('priority', v.priority);
    extensions(o, v.extensions);
    m.set(k, o.map);
  }
  return m;
}

function ports(list: ServicePort[] | undefined, mode: Mode): OutValue[] | undefined {
  return list?.map((p) => {
    const o = new Obj(mode)
      .opt('name', p.name)
      .opt('mode', p.mode)
      .opt('host_ip', p.host_ip)
      .opt('target', p.target)
      .opt('published', p.published)
      .opt('protocol', p.protocol)
      .opt('app_protocol', p.app_protocol);
    extensions(o, p.extensions);
    return o.map;
  });
}

function volumes(list: ServiceVolume[] | undefined, mode: Mode): OutValue[] | undefined {
  return list?.map((v) => {
    const o = new Obj(mode)
      .opt('type', v.type)
      .opt('source', v.source)
      .opt('target', v.target)
      .opt('read_only', v.read_only)
      .opt('consistency', v.consistency);
    if (v.bind !== undefined) {
      // create_host_path is an opt-out: printed only when false
      o.set(
        'bind',
        new Obj(mode)
          .opt('selinux', v.bind.selinux)
          .opt('propagation', v.bind.propagation)
          .set('create_host_path', v.bind.create_host_path === false ? false : undefined)
          .opt('recursive', v.bind.recursive).map,
      );
    }
    if (v.volume !== undefined) {
      o.set('volume', new Obj(mode).opt('labels', strMap(v.volume.labels)).opt('nocopy', v.volume.nocopy).opt('subpath', v.volume.subpath).map);
    }
    if (v.tmpfs !== undefined) {
      o.set('tmpfs', new Obj(mode).opt('size', bytes(v.tmpfs.size)).opt('mode', v.tmpfs.mode).map);
    }
    if (v.image !== undefined) o.set('image', new Obj(mode).opt('subpath', v.image.subpath).map);
    extensions(o, v.extensions);
    return o.map;
  });
}

function hooks(list: ServiceHook[] | undefined, mode: Mode): OutValue[] | undefined {
  return list?.map((h) => {
    const o = new Obj(mode);
    if (mode === 'json') o.set('command', h.command ?? null);
    else o.set('command', h.command);
    return o
      .opt('user', h.user)
      .opt('privileged', h.privileged)
      .opt('working_dir', h.working_dir)
      .opt('environment', nullableMap(h.environment)).map;
  });
}

/** A service as compose-go marshals ServiceConfig (without `name`). */
export function serviceToOut(s: Service, mode: Mode): Ordered {
  const o = new Obj(mode)
    .opt('profiles', s.profiles)
    .opt('annotations', strMap(s.annotations))
    .set('attach', s.attach)
    .set('build', s.build === undefined ? undefined : build(s.build, mode))
    .opt('develop', s.develop === undefined ? undefined : toOut(s.develop))
    .opt('blkio_config', s.blkio_config === undefined ? undefined : toOut(s.blkio_config))
    .opt('cap_add', s.cap_add)
    .opt('cap_drop', s.cap_drop)
    .opt('cgroup_parent', s.cgroup_parent)
    .opt('cgroup', s.cgroup)
    .opt('cpu_count', s.cpu_count)
    .opt('cpu_percent', s.cpu_percent)
    .opt('cpu_period', s.cpu_period)
    .opt('cpu_quota', s.cpu_quota)
    .opt('cpu_rt_period', s.cpu_rt_period)
    .opt('cpu_rt_runtime', s.cpu_rt_runtime)
    .opt('cpus', s.cpus)
    .opt('cpuset', s.cpuset)
    .opt('cpu_shares', s.cpu_shares);
  // ShellCommand: omitted in YAML only when absent; JSON always has the key (null when absent)
  o.set('command', mode === 'json' ? (s.command ?? null) : s.command);
  o.opt('configs', fileRefs(s.configs, mode))
    .opt('container_name', s.container_name)
    .opt('credential_spec', s.credential_spec === undefined ? undefined : toOut(s.credential_spec))
    .opt('depends_on', dependsOn(s.depends_on, mode))
    .set('deploy', s.deploy === undefined ? undefined : deploy(s.deploy, mode))
    .opt('device_cgroup_rules', s.device_cgroup_rules)
    .opt(
      'devices',
      s.devices?.map((d) => new Obj(mode).opt('source', d.source).opt('target', d.target).opt('permissions', d.permissions).map),
    )
    .opt('dns', s.dns)
    .opt('dns_opt', s.dns_opt)
    .opt('dns_search', s.dns_search)
    .opt('domainname', s.domainname);
  o.set('entrypoint', mode === 'json' ? (s.entrypoint ?? null) : s.entrypoint);
  o.opt('environment', nullableMap(s.environment))
    .opt(
      'env_file',
      s.env_file?.map(
        (f) => new Obj(mode).opt('path', f.path).set('required', f.required ? undefined : false).opt('format', f.format).map,
      ),
    )
    .opt('expose', s.expose)
    .opt('external_links', s.external_links)
    .opt('extra_hosts', hosts(s.extra_hosts))
    .opt('group_add', s.group_add)
    .opt('gpus', deviceRequests(s.gpus, mode))
    .opt('hostname', s.hostname)
    .set('healthcheck', s.healthcheck === undefined ? undefined : healthcheck(s.healthcheck, mode))
    .opt('image', s.image)
    .set('init', s.init)
    .opt('ipc', s.ipc)
    .opt('isolation', s.isolation)
    .opt('labels', strMap(s.labels))
    .opt('label_file', s.label_file)
    .opt('links', s.links)
    .set(
      'logging',
      s.logging === undefined ? undefined : new Obj(mode).opt('driver', s.logging.driver).opt('options', strMap(s.logging.options)).map,
    )
    .opt('mem_limit', bytes(s.mem_limit))
    .opt('mem_reservation', bytes(s.mem_reservation))
    .opt('memswap_limit', bytes(s.memswap_limit))
    .opt('mem_swappiness', bytes(s.mem_swappiness))
    .opt('mac_address', s.mac_address)
    .opt('network_mode', s.network_mode)
    .opt('networks', networks(s.networks, mode))
    .opt('oom_kill_disable', s.oom_kill_disable)
    .opt('oom_score_adj', s.oom_score_adj)
    .opt('pid', s.pid)
    .opt('pids_limit', s.pids_limit)
    .opt('platform', s.platform)
    .opt('ports', ports(s.ports, mode))
    .opt('privileged', s.privileged)
    .opt('pull_policy', s.pull_policy)
    .opt('read_only', s.read_only)
    .opt('restart', s.restart)
    .opt('runtime', s.runtime)
    .set('scale', s.scale)
    .opt('secrets', fileRefs(s.secrets, mode))
    .opt('security_opt', s.security_opt)
    .opt('shm_size', bytes(s.shm_size))
    .opt('stdin_open', s.stdin_open)
    .set('stop_grace_period', duration(s.stop_grace_period))
    .opt('stop_signal', s.stop_signal)
    .opt('storage_opt', strMap(s.storage_opt))
    .opt('sysctls', strMap(s.sysctls))
    .opt('tmpfs', s.tmpfs)
    .opt('tty', s.tty)
    .opt('ulimits', ulimits(s.ulimits, mode))
    .opt('use_api_socket', s.use_api_socket)
    .opt('user', s.user)
    .opt('userns_mode', s.userns_mode)
    .opt('uts', s.uts)
    .opt('volume_driver', s.volume_driver)
    .opt('volumes', volumes(s.volumes, mode))
    .opt('volumes_from', s.volumes_from)
    .opt('working_dir', s.working_dir)
    .opt('post_start', hooks(s.post_start, mode))
    .opt('pre_stop', hooks(s.pre_stop, mode));
  extensions(o, s.extensions);
  return o.map;
}

function networkToOut(n: Network, mode: Mode): Ordered {
  const ipam =
    n.ipam === undefined
      ? undefined
      : new Obj(mode)
          .opt('driver', n.ipam.driver)
          .opt(
            'config',
            n.ipam.config?.map(
              (c) =>
                new Obj(mode)
                  .opt('subnet', c.subnet)
                  .opt('gateway', c.gateway)
                  .opt('ip_range', c.ip_range)
                  .opt('aux_addresses', strMap(c.aux_addresses)).map,
            ),
          )
          .opt('options', strMap(n.ipam.options)).map;
  const o = new Obj(mode)
    .opt('name', n.name)
    .opt('driver', n.driver)
    .opt('driver_opts', strMap(n.driver_opts))
    .opt('ipam', ipam)
    .opt('external', n.external)
    .opt('internal', n.internal)
    .opt('attachable', n.attachable)
    .opt('labels', strMap(n.labels))
    .set('enable_ipv4', n.enable_ipv4)
    .set('enable_ipv6', n.enable_ipv6);
  extensions(o, n.extensions);
  return o.map;
}

function volumeToOut(v: Volume, mode: Mode): Ordered {
  const o = new Obj(mode)
    .opt('name', v.name)
    .opt('driver', v.driver)
    .opt('driver_opts', strMap(v.driver_opts))
    .opt('external', v.external)
    .opt('labels', strMap(v.labels));
  extensions(o, v.extensions);
  return o.map;
}

function fileObjectToOut(f: FileObject, kind: 'secrets' | 'configs', mode: Mode): Ordered {
  // secret values are never printed; a config's content read from `environment` is not either
  const content = kind === 'secrets' || f.environment !== undefined ? undefined : f.content;
  const o = new Obj(mode)
    .opt('name', f.name)
    .opt('file', f.file)
    .opt('environment', f.environment)
    .opt('content', content)
    .opt('external', f.external)
    .opt('labels', strMap(f.labels))
    .opt('driver', f.driver)
    .opt('driver_opts', strMap(f.driver_opts))
    .opt('template_driver', f.template_driver);
  extensions(o, f.extensions);
  return o.map;
}

function section<T>(o: Record<string, T>, conv: (v: T) => Ordered): Ordered {
  const m: Ordered = new GoMap();
  for (const k of sortedKeys(o)) m.set(k, conv(o[k]!));
  return m;
}

/** The project as compose-go's Project value (YAML order; JSON sorts the top level itself). */
export function projectToOut(p: Project, mode: Mode): Ordered {
  const o = new Obj(mode)
    .opt('name', p.name)
    .set('services', section(p.services, (s) => serviceToOut(s, mode)))
    .opt('networks', section(p.networks, (n) => networkToOut(n, mode)))
    .opt('volumes', section(p.volumes, (v) => volumeToOut(v, mode)))
    .opt('secrets', section(p.secrets, (s) => fileObjectToOut(s, 'secrets', mode)))
    .opt('configs', section(p.configs, (c) => fileObjectToOut(c, 'configs', mode)));
  extensions(o, p.extensions);
  return o.map;
}

/** Go's json.Marshal string escaping (HTML-safe: `<`, `>`, `&`, U+2028, U+2029 escaped). */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON text of an ordered value: `indent` 0 is compact (json.Marshal), 2 is json.MarshalIndent(v, "", "  "). */
export function emitJson(v: OutValue, indent = 2, level = 0): string {
  const pad = (n: number): string => (indent === 0 ? '' : `\n${' '.repeat(indent * n)}`);
  const colon = indent === 0 ? ':' : ': ';
  if (v === null) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map((e) => `${pad(level + 1)}${emitJson(e, indent, level + 1)}`).join(',')}${pad(level)}]`;
  }
  if (v.size === 0) return '{}';
  const parts: string[] = [];
  for (const [k, e] of v) parts.push(`${pad(level + 1)}${goJsonString(k)}${colon}${emitJson(e, indent, level + 1)}`);
  return `{${parts.join(',')}${pad(level)}}`;
}

export type ConfigFormat = 'yaml' | 'json';

/** `docker compose config [--format json]` of a loaded project. */
export function formatProject(p: Project, format: ConfigFormat = 'yaml'): string {
  if (format === 'json') {
    const out = projectToOut(p, 'json');
    // Project.MarshalJSON builds a Go map: its keys come out sorted
    const sorted: Ordered = new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (!sorted.has('services')) sorted.set('services', new Map());
    return emitJson(sorted, 2);
  }
  return emitYaml(yamlOrder(projectToOut(p, 'yaml')));
}

/** `config --no-interpolate`: the raw model, as Go marshals a map (keys sorted at every level). */
export function formatRawModel(model: Record<string, unknown>, format: ConfigFormat = 'yaml'): string {
  const out = toOut(model);
  return format === 'json' ? emitJson(out, 2) : emitYaml(yamlOrder(out));
}

/** `config --services`: enabled services, dependencies before dependents (ties by name). */
export function listServices(p: Project): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string): void => {
    if (seen.has(n) || !(n in p.services)) return;
    seen.add(n);
    for (const d of Object.keys(p.services[n]!.depends_on ?? {}).sort()) visit(d);
    out.push(n);
  };
  for (const n of Object.keys(p.services).sort()) visit(n);
  return out;
}

/** `config --volumes`: volume keys. */
export function listVolumes(p: Project): string[] {
  return Object.keys(p.volumes).sort();
}

/** `config --networks`: network keys. */
export function listNetworks(p: Project): string[] {
  return Object.keys(p.networks).sort();
}

/** The image a service runs: `image`, else `<project>-<service>` (what a build is tagged). */
export function imageName(p: Project, s: Service): string {
  return s.image !== undefined && s.image !== '' ? s.image : `${p.name}-${s.name}`;
}

/** `config --images`: one image per enabled service. */
export function listImages(p: Project): string[] {
  return Object.keys(p.services)
    .sort()
    .map((n) => imageName(p, p.services[n]!));
}

/** `config --profiles`: every profile any service declares, sorted. */
export function listProfiles(p: Project): string[] {
  const set = new Set<string>();
  for (const s of [...Object.values(p.services), ...Object.values(p.disabledServices)]) for (const x of s.profiles ?? []) set.add(x);
  return [...set].sort();
}
