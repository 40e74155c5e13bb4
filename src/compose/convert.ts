/**
 * Raw canonical model -> typed model (compose-go's mapstructure decoding with its decode hooks): lists of
 * `K=V` become maps, strings are split into commands, durations and sizes are parsed, scalars are
 * stringified where the spec says string (`FOO: true` -> "true").
 */
import { parseGoDurationBig } from '../util/units.js';
import { ramInBytes } from '../util/units.js';
import { composeError, type LoadWarning } from './errors.js';
import { goString } from './merge.js';
import type {
  BuildConfig,
  Config,
  DeployConfig,
  DeviceMapping,
  DeviceRequest,
  Duration,
  FileObject,
  FileReference,
  HealthCheck,
  IpamPool,
  Logging,
  Network,
  Resource,
  Secret,
  Service,
  ServiceDependency,
  ServiceHook,
  ServiceNetwork,
  ServicePort,
  ServiceVolume,
  Ulimit,
  Volume,
} from './model.js';
import { splitShellWords } from './shellwords.js';
import { isMap, type RawMap } from './tree-path.js';

class Ctx {
  readonly warnings: LoadWarning[];
  constructor(warnings: LoadWarning[]) {
    this.warnings = warnings;
  }
  fail(path: string, msg: string): never {
    throw composeError(`${path}: ${msg}`, { path });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// scalars

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};

/**
 * A compose duration (xhit/go-str2duration: Go's syntax plus `d` and `w`): `30s`, `1m30s`, `1.5h`, `2d`.
 * @throws ComposeError on a malformed value.
 */
export function parseDuration(value: unknown, path = 'duration'): Duration {
  const s = goString(value);
  if (/^[-+]?\d*\.?\d*(ns|us|µs|μs|ms|s|m|h)$/.test(s) || s === '0') {
    try {
      return Number(parseGoDurationBig(s));
    } catch (err) {
      throw composeError(`${path}: ${(err as Error).message}`, { path });
    }
  }
  const m = /^([-+]?)((?:\d*\.?\d+(?:ns|us|µs|μs|ms|s|m|h|d|w))+)$/.exec(s);
  if (m === null) throw composeError(`${path}: invalid duration ${JSON.stringify(s)}`, { path });
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d*\.?\d+)(ns|us|µs|μs|ms|s|m|h|d|w)/g)) {
    total += Number(part[1]) * Number(DURATION_UNITS[part[2]!]);
  }
  return Math.trunc(m[1] === '-' ? -total : total);
}

/** A size in bytes: an integer, or a string in go-units RAMInBytes syntax (`512m`, `1g`, `1024`). */
export function parseBytes(value: unknown, path = 'size'): number {
  if (typeof value === 'number') return Math.trunc(value);
  const s = goString(value);
  if (/^-?\d+$/.test(s)) return Number(s);
  try {
    return ramInBytes(s);
  } catch (err) {
    throw composeError(`${path}: ${(err as Error).message}`, { path });
  }
}

function str(v: unknown): string {
  return goString(v);
}

function num(ctx: Ctx, v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  const n = Number(goString(v));
  if (goString(v).trim() === '' || Number.isNaN(n)) ctx.fail(path, `invalid number ${JSON.stringify(goString(v))}`);
  return n;
}

function bool(ctx: Ctx, v: unknown, path: string): boolean {
  if (typeof v === 'boolean') return v;
  const s = goString(v).toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0' || s === '') return false;
  return ctx.fail(path, `invalid boolean ${JSON.stringify(goString(v))}`);
}

function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(str);
  return [];
}

/** `Mapping`: map or `K=V` list, values stringified, a bare key or null value gives ''. */
function mapping(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isMap(v)) for (const [k, e] of Object.entries(v)) out[k] = e === null || e === undefined ? '' : str(e);
  else if (Array.isArray(v)) {
    for (const e of v) {
      const s = str(e);
      const i = s.indexOf('=');
      if (i < 0) out[s] = '';
      else out[s.slice(0, i)] = s.slice(i + 1);
    }
  }
  return out;
}

/** `MappingWithEquals` (environment, build args): a bare key or a null value stays null (unset). */
function mappingWithEquals(ctx: Ctx, v: unknown, path: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (isMap(v)) for (const [k, e] of Object.entries(v)) out[k] = e === null || e === undefined ? null : str(e);
  else if (Array.isArray(v)) {
    for (const e of v) {
      const s = str(e);
      const i = s.indexOf('=');
      const k = i < 0 ? s : s.slice(0, i);
      if (k !== '' && /\s$/.test(k)) ctx.fail(path, `environment variable ${k} is declared with a trailing space`);
      out[k] = i < 0 ? null : s.slice(i + 1);
    }
  }
  return out;
}

/** extra_hosts (list `h:ip` / `h=ip` or a map of host to address(es)). */
function hostsList(ctx: Ctx, v: unknown, path: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (host: string, ip: string): void => {
    if (host === '' || /[:=]/.test(host)) ctx.fail(path, `bad host name '${host}'`);
    const clean = ip.length > 2 && ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
    (out[host] ??= []).push(clean);
  };
  if (isMap(v)) {
    for (const [h, e] of Object.entries(v)) {
      if (Array.isArray(e)) for (const ip of e) add(h, str(ip));
      else add(h, e === null || e === undefined ? '' : str(e));
    }
  } else if (Array.isArray(v)) {
    for (const e of v) {
      const s = str(e);
      const sep = s.includes('=') ? '=' : ':';
      const i = s.indexOf(sep);
      if (i < 0) ctx.fail(path, `invalid additional host, missing IP address: ${s}`);
      add(s.slice(0, i), s.slice(i + 1));
    }
  }
  return out;
}

function command(ctx: Ctx, v: unknown, path: string): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.map(str);
  const text = str(v);
  try {
    const { words, stoppedAt } = splitShellWords(text);
    if (stoppedAt >= 0) {
      ctx.warnings.push({
        message: `${path}: "${text}" is cut at the unquoted ${JSON.stringify(text[stoppedAt])} (no shell parses it); use the list form or run it with sh -c`,
        location: { path },
      });
    }
    return words;
  } catch (err) {
    return ctx.fail(path, (err as Error).message);
  }
}

function extensionsOf(v: RawMap): Record<string, unknown> | undefined {
  const ext: Record<string, unknown> = {};
  let any = false;
  for (const [k, e] of Object.entries(v)) {
    if (k.startsWith('x-')) {
      ext[k] = e;
      any = true;
    }
  }
  return any ? ext : undefined;
}

function set<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

// ---------------------------------------------------------------------------------------------------------------
// structures

function ulimits(ctx: Ctx, v: unknown, path: string): Record<string, Ulimit> | undefined {
  if (!isMap(v)) return undefined;
  const out: Record<string, Ulimit> = {};
  for (const [k, e] of Object.entries(v)) {
    if (isMap(e)) {
      const u: Ulimit = {};
      if (e.soft !== undefined) u.soft = num(ctx, e.soft, `${path}.${k}.soft`);
      if (e.hard !== undefined) u.hard = num(ctx, e.hard, `${path}.${k}.hard`);
      out[k] = u;
    } else out[k] = { single: num(ctx, e, `${path}.${k}`) };
  }
  return out;
}

function fileRefs(ctx: Ctx, v: unknown, path: string): FileReference[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((e, i) => {
    const m: RawMap = isMap(e) ? e : { source: e };
    const r: FileReference = { source: str(m.source) };
    if (m.target !== undefined) r.target = str(m.target);
    if (m.uid !== undefined) r.uid = str(m.uid);
    if (m.gid !== undefined) r.gid = str(m.gid);
    if (m.mode !== undefined) {
      if (typeof m.mode === 'number') r.mode = m.mode;
      else {
        const s = str(m.mode);
        if (!/^[0-7]+$/.test(s)) ctx.fail(`${path}.${i}.mode`, `invalid file mode ${JSON.stringify(s)}`);
        r.mode = parseInt(s, 8);
      }
    }
    set(r, 'extensions', extensionsOf(m));
    return r;
  });
}

function build(ctx: Ctx, v: RawMap, path: string): BuildConfig {
  const b: BuildConfig = { context: str(v.context ?? '.') };
  const p = (k: string): string => `${path}.${k}`;
  if (v.dockerfile !== undefined && v.dockerfile !== null) b.dockerfile = str(v.dockerfile);
  if (v.dockerfile_inline !== undefined && v.dockerfile_inline !== null) b.dockerfile_inline = str(v.dockerfile_inline);
  if (v.entitlements !== undefined) b.entitlements = stringList(v.entitlements);
  if (v.args !== undefined && v.args !== null) b.args = mappingWithEquals(ctx, v.args, p('args'));
  if (v.provenance !== undefined) b.provenance = str(v.provenance);
  if (v.sbom !== undefined) b.sbom = str(v.sbom);
  if (isMap(v.ssh)) {
    b.ssh = {};
    for (const [k, e] of Object.entries(v.ssh)) b.ssh[k] = e === null || e === undefined ? null : str(e);
  }
  if (v.labels !== undefined && v.labels !== null) b.labels = mapping(v.labels);
  if (v.cache_from !== undefined) b.cache_from = stringList(v.cache_from);
  if (v.cache_to !== undefined) b.cache_to = stringList(v.cache_to);
  if (v.no_cache !== undefined) b.no_cache = bool(ctx, v.no_cache, p('no_cache'));
  if (v.no_cache_filter !== undefined) b.no_cache_filter = stringList(v.no_cache_filter);
  if (v.additional_contexts !== undefined) b.additional_contexts = mapping(v.additional_contexts);
  if (v.pull !== undefined) b.pull = bool(ctx, v.pull, p('pull'));
  if (v.extra_hosts !== undefined) b.extra_hosts = hostsList(ctx, v.extra_hosts, p('extra_hosts'));
  if (v.isolation !== undefined) b.isolation = str(v.isolation);
  if (v.network !== undefined) b.network = str(v.network);
  if (v.target !== undefined) b.target = str(v.target);
  set(b, 'secrets', fileRefs(ctx, v.secrets, p('secrets')));
  if (v.shm_size !== undefined) b.shm_size = parseBytes(v.shm_size, p('shm_size'));
  if (v.tags !== undefined) b.tags = stringList(v.tags);
  set(b, 'ulimits', ulimits(ctx, v.ulimits, p('ulimits')));
  if (v.platforms !== undefined) b.platforms = stringList(v.platforms);
  if (v.privileged !== undefined) b.privileged = bool(ctx, v.privileged, p('privileged'));
  set(b, 'extensions', extensionsOf(v));
  return b;
}

function healthcheck(ctx: Ctx, v: RawMap, path: string): HealthCheck {
  const h: HealthCheck = {};
  if (typeof v.test === 'string') h.test = ['CMD-SHELL', v.test];
  else if (Array.isArray(v.test)) h.test = v.test.map(str);
  for (const k of ['timeout', 'interval', 'start_period', 'start_interval'] as const) {
    if (v[k] !== undefined && v[k] !== null) h[k] = parseDuration(v[k], `${path}.${k}`);
  }
  if (v.retries !== undefined && v.retries !== null) h.retries = num(ctx, v.retries, `${path}.retries`);
  if (v.disable !== undefined) h.disable = bool(ctx, v.disable, `${path}.disable`);
  set(h, 'extensions', extensionsOf(v));
  return h;
}

function deviceRequests(ctx: Ctx, v: unknown, path: string): DeviceRequest[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((e, i) => {
    const m = isMap(e) ? e : {};
    const d: DeviceRequest = {};
    if (m.capabilities !== undefined) d.capabilities = stringList(m.capabilities);
    if (m.driver !== undefined) d.driver = str(m.driver);
    if (m.count !== undefined) d.count = str(m.count) === 'all' ? 'all' : num(ctx, m.count, `${path}.${i}.count`);
    if (m.device_ids !== undefined) d.device_ids = stringList(m.device_ids);
    if (m.options !== undefined) d.options = mapping(m.options);
    return d;
  });
}

function resource(ctx: Ctx, v: unknown, path: string): Resource | undefined {
  if (!isMap(v)) return undefined;
  const r: Resource = {};
  if (v.cpus !== undefined) r.cpus = num(ctx, v.cpus, `${path}.cpus`);
  if (v.memory !== undefined) r.memory = parseBytes(v.memory, `${path}.memory`);
  if (v.pids !== undefined) r.pids = num(ctx, v.pids, `${path}.pids`);
  set(r, 'devices', deviceRequests(ctx, v.devices, `${path}.devices`));
  if (Array.isArray(v.generic_resources)) r.generic_resources = v.generic_resources.filter(isMap);
  return r;
}

function deploy(ctx: Ctx, v: RawMap, path: string): DeployConfig {
  const d: DeployConfig = {};
  if (v.mode !== undefined) d.mode = str(v.mode);
  if (v.replicas !== undefined && v.replicas !== null) d.replicas = num(ctx, v.replicas, `${path}.replicas`);
  if (v.labels !== undefined) d.labels = mapping(v.labels);
  if (isMap(v.update_config)) d.update_config = v.update_config;
  if (isMap(v.rollback_config)) d.rollback_config = v.rollback_config;
  if (isMap(v.resources)) {
    d.resources = {};
    set(d.resources, 'limits', resource(ctx, v.resources.limits, `${path}.resources.limits`));
    set(d.resources, 'reservations', resource(ctx, v.resources.reservations, `${path}.resources.reservations`));
  }
  if (isMap(v.restart_policy)) {
    const rp = v.restart_policy;
    d.restart_policy = {};
    if (rp.condition !== undefined) d.restart_policy.condition = str(rp.condition);
    if (rp.delay !== undefined) d.restart_policy.delay = parseDuration(rp.delay, `${path}.restart_policy.delay`);
    if (rp.max_attempts !== undefined) d.restart_policy.max_attempts = num(ctx, rp.max_attempts, `${path}.restart_policy.max_attempts`);
    if (rp.window !== undefined) d.restart_policy.window = parseDuration(rp.window, `${path}.restart_policy.window`);
  }
  if (isMap(v.placement)) d.placement = v.placement;
  if (v.endpoint_mode !== undefined) d.endpoint_mode = str(v.endpoint_mode);
  set(d, 'extensions', extensionsOf(v));
  return d;
}

function ports(ctx: Ctx, v: unknown, path: string): ServicePort[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((e, i) => {
    const m = isMap(e) ? e : {};
    const p: ServicePort = { mode: str(m.mode ?? 'ingress'), target: num(ctx, m.target, `${path}.${i}.target`), protocol: str(m.protocol ?? 'tcp') };
    if (m.name !== undefined) p.name = str(m.name);
    if (m.host_ip !== undefined && m.host_ip !== '') p.host_ip = str(m.host_ip);
    if (m.published !== undefined && m.published !== null && m.published !== '') p.published = str(m.published);
    if (m.app_protocol !== undefined) p.app_protocol = str(m.app_protocol);
    set(p, 'extensions', extensionsOf(m));
    return p;
  });
}

function volumes(ctx: Ctx, v: unknown, path: string): ServiceVolume[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((e, i) => {
    const m = isMap(e) ? e : {};
    const vp = `${path}.${i}`;
    const vol: ServiceVolume = { type: str(m.type) as ServiceVolume['type'], target: str(m.target ?? '') };
    if (m.source !== undefined && m.source !== null && m.source !== '') vol.source = str(m.source);
    if (m.read_only !== undefined) vol.read_only = bool(ctx, m.read_only, `${vp}.read_only`);
    if (m.consistency !== undefined) vol.consistency = str(m.consistency);
    if (isMap(m.bind)) {
      vol.bind = {};
      if (m.bind.propagation !== undefined) vol.bind.propagation = str(m.bind.propagation);
      if (m.bind.create_host_path !== undefined) vol.bind.create_host_path = bool(ctx, m.bind.create_host_path, `${vp}.bind.create_host_path`);
      if (m.bind.selinux !== undefined) vol.bind.selinux = str(m.bind.selinux);
      if (m.bind.recursive !== undefined) vol.bind.recursive = str(m.bind.recursive);
    }
    if (isMap(m.volume)) {
      vol.volume = {};
      if (m.volume.nocopy !== undefined) vol.volume.nocopy = bool(ctx, m.volume.nocopy, `${vp}.volume.nocopy`);
      if (m.volume.subpath !== undefined) vol.volume.subpath = str(m.volume.subpath);
      if (m.volume.labels !== undefined) vol.volume.labels = mapping(m.volume.labels);
    }
    if (isMap(m.tmpfs)) {
      vol.tmpfs = {};
      if (m.tmpfs.size !== undefined) vol.tmpfs.size = parseBytes(m.tmpfs.size, `${vp}.tmpfs.size`);
      if (m.tmpfs.mode !== undefined) {
        vol.tmpfs.mode = typeof m.tmpfs.mode === 'number' ? m.tmpfs.mode : parseInt(str(m.tmpfs.mode), 8);
      }
    }
    if (isMap(m.image)) {
      vol.image = {};
      if (m.image.subpath !== undefined) vol.image.subpath = str(m.image.subpath);
    }
    set(vol, 'extensions', extensionsOf(m));
    return vol;
  });
}

function serviceNetworks(ctx: Ctx, v: unknown, path: string): Record<string, ServiceNetwork | null> | undefined {
  if (!isMap(v)) return undefined;
  const out: Record<string, ServiceNetwork | null> = {};
  for (const [k, e] of Object.entries(v)) {
    if (!isMap(e)) {
      out[k] = null;
      continue;
    }
    const n: ServiceNetwork = {};
    const np = `${path}.${k}`;
    if (e.aliases !== undefined) n.aliases = stringList(e.aliases);
    if (e.driver_opts !== undefined) n.driver_opts = mapping(e.driver_opts);
    if (e.gw_priority !== undefined) n.gw_priority = num(ctx, e.gw_priority, `${np}.gw_priority`);
    if (e.interface_name !== undefined) n.interface_name = str(e.interface_name);
    if (e.ipv4_address !== undefined) n.ipv4_address = str(e.ipv4_address);
    if (e.ipv6_address !== undefined) n.ipv6_address = str(e.ipv6_address);
    if (e.link_local_ips !== undefined) n.link_local_ips = stringList(e.link_local_ips);
    if (e.mac_address !== undefined) n.mac_address = str(e.mac_address);
    if (e.priority !== undefined) n.priority = num(ctx, e.priority, `${np}.priority`);
    set(n, 'extensions', extensionsOf(e));
    out[k] = n;
  }
  return out;
}

function dependsOn(ctx: Ctx, v: unknown, path: string): Record<string, ServiceDependency> | undefined {
  if (!isMap(v)) return undefined;
  const out: Record<string, ServiceDependency> = {};
  for (const [k, e] of Object.entries(v)) {
    const m = isMap(e) ? e : {};
    const d: ServiceDependency = {
      condition: str(m.condition ?? 'service_started') as ServiceDependency['condition'],
      required: m.required === undefined ? true : bool(ctx, m.required, `${path}.${k}.required`),
    };
    if (m.restart !== undefined) d.restart = bool(ctx, m.restart, `${path}.${k}.restart`);
    set(d, 'extensions', extensionsOf(m));
    out[k] = d;
  }
  return out;
}

function hooks(ctx: Ctx, v: unknown, path: string): ServiceHook[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((e, i) => {
    const m = isMap(e) ? e : {};
    const h: ServiceHook = {};
    set(h, 'command', command(ctx, m.command, `${path}.${i}.command`));
    if (m.user !== undefined) h.user = str(m.user);
    if (m.privileged !== undefined) h.privileged = bool(ctx, m.privileged, `${path}.${i}.privileged`);
    if (m.working_dir !== undefined) h.working_dir = str(m.working_dir);
    if (m.environment !== undefined) h.environment = mappingWithEquals(ctx, m.environment, `${path}.${i}.environment`);
    return h;
  });
}

function logging(v: RawMap): Logging {
  const l: Logging = {};
  if (v.driver !== undefined) l.driver = str(v.driver);
  if (v.options !== undefined && v.options !== null) l.options = mapping(v.options);
  return l;
}

const STRING_FIELDS = [
  'cgroup_parent',
  'cgroup',
  'cpuset',
  'container_name',
  'domainname',
  'hostname',
  'image',
  'ipc',
  'isolation',
  'mac_address',
  'network_mode',
  'pid',
  'platform',
  'pull_policy',
  'restart',
  'runtime',
  'stop_signal',
  'user',
  'userns_mode',
  'uts',
  'volume_driver',
  'working_dir',
] as const;

const BOOL_FIELDS = ['attach', 'init', 'oom_kill_disable', 'privileged', 'read_only', 'stdin_open', 'tty', 'use_api_socket'] as const;

const NUMBER_FIELDS = [
  'cpu_count',
  'cpu_percent',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpus',
  'cpu_shares',
  'oom_score_adj',
  'pids_limit',
  'scale',
] as const;

const LIST_FIELDS = [
  'profiles',
  'cap_add',
  'cap_drop',
  'device_cgroup_rules',
  'dns',
  'dns_opt',
  'dns_search',
  'expose',
  'external_links',
  'group_add',
  'label_file',
  'links',
  'security_opt',
  'tmpfs',
  'volumes_from',
] as const;

const BYTES_FIELDS = ['mem_limit', 'mem_reservation', 'memswap_limit', 'mem_swappiness', 'shm_size'] as const;

/** Converts one raw (canonical, normalised) service. */
export function convertService(name: string, raw: RawMap, warnings: LoadWarning[]): Service {
  const ctx = new Ctx(warnings);
  const base = `services.${name}`;
  const p = (k: string): string => `${base}.${k}`;
  const s: Service = { name };
  const present = (k: string): boolean => raw[k] !== undefined && raw[k] !== null;
  for (const k of STRING_FIELDS) if (present(k)) s[k] = str(raw[k]);
  for (const k of BOOL_FIELDS) if (present(k)) s[k] = bool(ctx, raw[k], p(k));
  for (const k of NUMBER_FIELDS) if (present(k)) s[k] = num(ctx, raw[k], p(k));
  for (const k of LIST_FIELDS) if (present(k)) s[k] = stringList(raw[k]);
  for (const k of BYTES_FIELDS) if (present(k)) s[k] = parseBytes(raw[k], p(k));
  if (present('annotations')) s.annotations = mapping(raw.annotations);
  if (isMap(raw.build)) s.build = build(ctx, raw.build, p('build'));
  if (isMap(raw.develop)) s.develop = raw.develop;
  if (isMap(raw.blkio_config)) s.blkio_config = raw.blkio_config;
  if ('command' in raw) set(s, 'command', command(ctx, raw.command, p('command')));
  if ('entrypoint' in raw) set(s, 'entrypoint', command(ctx, raw.entrypoint, p('entrypoint')));
  set(s, 'configs', fileRefs(ctx, raw.configs, p('configs')));
  set(s, 'secrets', fileRefs(ctx, raw.secrets, p('secrets')));
  if (isMap(raw.credential_spec)) s.credential_spec = raw.credential_spec;
  set(s, 'depends_on', dependsOn(ctx, raw.depends_on, p('depends_on')));
  if (isMap(raw.deploy)) s.deploy = deploy(ctx, raw.deploy, p('deploy'));
  if (Array.isArray(raw.devices)) {
    s.devices = raw.devices.map((e): DeviceMapping => {
      const m = isMap(e) ? e : {};
      return { source: str(m.source), target: str(m.target ?? m.source), permissions: str(m.permissions ?? 'rwm') };
    });
  }
  if (present('environment')) s.environment = mappingWithEquals(ctx, raw.environment, p('environment'));
  if (Array.isArray(raw.env_file)) {
    s.env_file = raw.env_file.map((e, i) => {
      const m: RawMap = isMap(e) ? e : { path: e };
      const f = { path: str(m.path), required: m.required === undefined ? true : bool(ctx, m.required, `${p('env_file')}.${i}.required`) };
      return m.format !== undefined ? { ...f, format: str(m.format) } : f;
    });
  }
  if (present('extra_hosts')) s.extra_hosts = hostsList(ctx, raw.extra_hosts, p('extra_hosts'));
  set(s, 'gpus', deviceRequests(ctx, raw.gpus, p('gpus')));
  if (isMap(raw.healthcheck)) s.healthcheck = healthcheck(ctx, raw.healthcheck, p('healthcheck'));
  if (present('labels')) s.labels = mapping(raw.labels);
  if (isMap(raw.logging)) s.logging = logging(raw.logging);
  set(s, 'networks', serviceNetworks(ctx, raw.networks, p('networks')));
  set(s, 'ports', ports(ctx, raw.ports, p('ports')));
  if (present('stop_grace_period')) s.stop_grace_period = parseDuration(raw.stop_grace_period, p('stop_grace_period'));
  if (present('storage_opt')) s.storage_opt = mapping(raw.storage_opt);
  if (present('sysctls')) s.sysctls = mapping(raw.sysctls);
  set(s, 'ulimits', ulimits(ctx, raw.ulimits, p('ulimits')));
  set(s, 'volumes', volumes(ctx, raw.volumes, p('volumes')));
  set(s, 'post_start', hooks(ctx, raw.post_start, p('post_start')));
  set(s, 'pre_stop', hooks(ctx, raw.pre_stop, p('pre_stop')));
  set(s, 'extensions', extensionsOf(raw));
  return s;
}

/** Converts a top-level network (normalised: it has its name). */
export function convertNetwork(key: string, raw: unknown, warnings: LoadWarning[]): Network {
  const ctx = new Ctx(warnings);
  const m = isMap(raw) ? raw : {};
  const p = `networks.${key}`;
  const n: Network = { name: str(m.name ?? key) };
  if (m.driver !== undefined) n.driver = str(m.driver);
  if (m.driver_opts !== undefined) n.driver_opts = mapping(m.driver_opts);
  if (isMap(m.ipam)) {
    n.ipam = {};
    if (m.ipam.driver !== undefined) n.ipam.driver = str(m.ipam.driver);
    if (Array.isArray(m.ipam.config)) {
      n.ipam.config = m.ipam.config.filter(isMap).map((c) => {
        const pool: IpamPool = {};
        if (c.subnet !== undefined) pool.subnet = str(c.subnet);
        if (c.gateway !== undefined) pool.gateway = str(c.gateway);
        if (c.ip_range !== undefined) pool.ip_range = str(c.ip_range);
        if (c.aux_addresses !== undefined) pool.aux_addresses = mapping(c.aux_addresses);
        return pool;
      });
    }
    if (m.ipam.options !== undefined) n.ipam.options = mapping(m.ipam.options);
  }
  if (m.external !== undefined) n.external = bool(ctx, m.external, `${p}.external`);
  if (m.internal !== undefined) n.internal = bool(ctx, m.internal, `${p}.internal`);
  if (m.attachable !== undefined) n.attachable = bool(ctx, m.attachable, `${p}.attachable`);
  if (m.labels !== undefined) n.labels = mapping(m.labels);
  if (m.enable_ipv4 !== undefined) n.enable_ipv4 = bool(ctx, m.enable_ipv4, `${p}.enable_ipv4`);
  if (m.enable_ipv6 !== undefined) n.enable_ipv6 = bool(ctx, m.enable_ipv6, `${p}.enable_ipv6`);
  set(n, 'extensions', extensionsOf(m));
  return n;
}

/** Converts a top-level volume. */
export function convertVolume(key: string, raw: unknown, warnings: LoadWarning[]): Volume {
  const ctx = new Ctx(warnings);
  const m = isMap(raw) ? raw : {};
  const v: Volume = { name: str(m.name ?? key) };
  if (m.driver !== undefined) v.driver = str(m.driver);
  if (m.driver_opts !== undefined) v.driver_opts = mapping(m.driver_opts);
  if (m.external !== undefined) v.external = bool(ctx, m.external, `volumes.${key}.external`);
  if (m.labels !== undefined) v.labels = mapping(m.labels);
  set(v, 'extensions', extensionsOf(m));
  return v;
}

/** Converts a top-level secret or config. */
export function convertFileObject(kind: 'secrets' | 'configs', key: string, raw: unknown, warnings: LoadWarning[]): Secret | Config {
  const ctx = new Ctx(warnings);
  const m = isMap(raw) ? raw : {};
  const o: FileObject = { name: str(m.name ?? key) };
  if (m.file !== undefined) o.file = str(m.file);
  if (m.environment !== undefined) o.environment = str(m.environment);
  if (m.content !== undefined) o.content = str(m.content);
  if (m.external !== undefined) o.external = bool(ctx, m.external, `${kind}.${key}.external`);
  if (m.labels !== undefined) o.labels = mapping(m.labels);
  if (m.driver !== undefined) o.driver = str(m.driver);
  if (m.driver_opts !== undefined) o.driver_opts = mapping(m.driver_opts);
  if (m.template_driver !== undefined) o.template_driver = str(m.template_driver);
  set(o, 'extensions', extensionsOf(m));
  return o;
}
