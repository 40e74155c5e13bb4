/**
 * A compose service as a container creation request (pure): every key of the typed model maps onto the engine's
 * {@link CreateContainerRequest} (Docker's HostConfig/Config as the containers service takes them), through the
 * same parsers `run` uses, so a value means what it means on the command line.
 *
 * What is not decided here (the applier knows it, this module does not):
 * - which container a `service:x` reference (`network_mode`, `ipc`, `pid`, `volumes_from`) means: the caller's
 *   `serviceContainer` callback names it;
 * - where `links` point: they are returned as {@link ServiceLink}s and become `/etc/hosts` entries once their
 *   targets run;
 * - the files behind `secrets`/`configs` whose value is inline or from the environment: returned as
 *   {@link MaterialisedFile}s to write before the container is created.
 *
 * A key the engine cannot honour is an error naming the service and the key (`services.web.gpus: not supported
 * by nerdctl compose`), located in its compose file when the caller passes `locate`; keys Docker Compose itself
 * ignores on a single engine (swarm-only `deploy` settings, `develop`, `x-*`) are accepted.
 */
import { posix } from 'node:path';
import { EngineError } from '../engine/errdefs.js';
import {
  emptyContainerOptions,
  mountRequestFromFields,
  normalizeCapabilities,
  parseDevice,
  parseDeviceCgroupRule,
  parseIpcMode,
  parsePidMode,
  parseSecurityOpts,
  parseSysctl,
  parseTmpfsFlag,
  parseUlimit,
  parseUtsMode,
  parseVolumesFrom,
  validateContainerOptions,
  type ContainerCreateOptions,
  type HealthConfig,
  type MountRequest,
} from '../engine/containers/options.js';
import { parseRestartPolicy } from '../engine/containers/restart-policy.js';
import type {
  ContainerNetworkConfig,
  CreateContainerRequest,
  NetworkAttachmentRequest,
  NetworkModeRequest,
  PortRequest,
  RestartPolicy,
} from '../engine/containers/types.js';
import { parseExpose } from '../network/ports.js';
import { parseAddHost } from '../network/hosts.js';
import { ComposeError, composeError, type ComposeLocation } from './errors.js';
import type { FileReference, Project, Service, ServiceVolume } from './model.js';

/** Finds where `services.<name>.<key...>` is written, for error messages (see locate.ts). */
export type Locator = (path: readonly (string | number)[]) => ComposeLocation | undefined;

/** A file to write before the container is created (a secret or config given inline or by environment). */
export interface MaterialisedFile {
  /** Absolute host path (under `ServiceOptionsContext.filesDir`). */
  path: string;
  content: string;
  /** File mode (default 0o444). */
  mode: number;
  uid?: number;
  gid?: number;
}

/** A `links` / `external_links` entry: make `alias` resolve to the target's address in this container. */
export interface ServiceLink {
  /** `service` for `links`, `container` for `external_links`. */
  kind: 'service' | 'container';
  target: string;
  alias: string;
}

export interface ServiceOptionsContext {
  project: Project;
  /** The image reference the container is created from (`image`, or the built `<project>-<service>`). */
  image: string;
  /** The container a `service:<name>` reference means (its first running replica); undefined = none exists. */
  serviceContainer?: (service: string) => string | undefined;
  /** Directory for inline/environment secrets and configs (`<dataRoot>/compose/<ns>/<project>`). */
  filesDir?: string;
  /** The image's ENTRYPOINT/CMD, to clear the image command for `command: []` (Compose's rule). */
  imageConfig?: { Entrypoint?: readonly string[] | null; Cmd?: readonly string[] | null };
  /** The container's name (`<project>-<service>-<n>`), added to its network aliases as Compose v2 does. */
  containerName?: string;
  /** Add the service name and `aliases` to each network (false for `run` without `--use-aliases`). */
  useNetworkAliases?: boolean;
  /** Locator for error messages. */
  locate?: Locator;
}

export interface ServiceCreateSpec {
  /** Without `name` and `labels` (the planner's). */
  request: CreateContainerRequest;
  files: MaterialisedFile[];
  links: ServiceLink[];
  /** Things accepted with a note (logging options that have no effect...). */
  warnings: string[];
}

/** Swarm-only `deploy` settings Docker Compose ignores on a single engine. */
const IGNORED_DEPLOY_KEYS = new Set(['labels', 'placement', 'update_config', 'rollback_config', 'endpoint_mode', 'extensions', 'replicas']);

/** Service keys that do not become container options (used by the planner, the builder, the log printer...). */
const NON_CONTAINER_KEYS = new Set([
  'name',
  'profiles',
  'build',
  'develop',
  'depends_on',
  'scale',
  'pull_policy',
  'container_name',
  'attach',
  'env_file',
  'label_file',
  'extensions',
  'image',
  'platform',
  'runtime',
]);

/** Keys with no engine counterpart: refused, with why. */
const UNSUPPORTED: Record<string, string> = {
  cpu_count: 'a Windows-only setting',
  cpu_percent: 'a Windows-only setting',
  credential_spec: 'a Windows-only setting',
  isolation: 'a Windows-only setting',
  gpus: 'GPUs are not supported',
  storage_opt: 'storage options are not supported by the overlayfs snapshotter',
  userns_mode: 'user namespaces are not supported',
  use_api_socket: 'there is no engine API socket',
  volume_driver: 'only the local volume driver exists',
  post_start: 'lifecycle hooks are not supported',
  pre_stop: 'lifecycle hooks are not supported',
};

function fail(ctx: ServiceOptionsContext, service: string, path: readonly (string | number)[], why: string, cause?: unknown): never {
  const full = ['services', service, ...path];
  const loc: ComposeLocation = { path: full.join('.'), ...(ctx.locate?.(full) ?? {}) };
  const err = composeError(`${full.join('.')}: ${why}`, loc);
  throw cause === undefined ? err : new ComposeError(err.message, err.location, 'invalid-argument', cause);
}

/** Runs `fn`, turning an engine parser's error into a located compose error for `path`. */
function at<T>(ctx: ServiceOptionsContext, service: string, path: readonly (string | number)[], fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ComposeError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    return fail(ctx, service, path, msg, err instanceof EngineError ? err : undefined);
  }
}

function unsupported(ctx: ServiceOptionsContext, s: Service, key: string, why: string): never {
  return fail(ctx, s.name, [key], `not supported by nerdctl compose (${why})`);
}

/** `8000-8010` or `8080` as a host port range. */
function publishedRange(published: string | undefined): { start: number; end: number } | undefined {
  if (published === undefined || published === '') return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(published);
  if (m === null) throw new Error(`invalid published port: ${published}`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 0 || end > 65535 || end < start) throw new Error(`invalid published port range: ${published}`);
  if (start === 0) return undefined;
  return { start, end };
}

function healthConfig(s: Service): HealthConfig | undefined {
  const h = s.healthcheck;
  if (h === undefined) return undefined;
  if (h.disable === true) return { Test: ['NONE'] };
  const out: HealthConfig = {};
  if (h.test !== undefined) out.Test = [...h.test];
  if (h.interval !== undefined) out.Interval = h.interval;
  if (h.timeout !== undefined) out.Timeout = h.timeout;
  if (h.start_period !== undefined) out.StartPeriod = h.start_period;
  if (h.start_interval !== undefined) out.StartInterval = h.start_interval;
  if (h.retries !== undefined) out.Retries = h.retries;
  return out;
}

/** The engine name of a top-level volume key (or the key itself when not declared: the loader refuses that). */
function volumeName(p: Project, key: string): string {
  return p.volumes[key]?.name ?? key;
}

function serviceMount(ctx: ServiceOptionsContext, s: Service, v: ServiceVolume, i: number): MountRequest {
  const path = ['volumes', i];
  switch (v.type) {
    case 'bind': {
      const rec = v.bind?.recursive;
      if (rec !== undefined && rec !== 'enabled' && rec !== 'disabled') {
        return fail(ctx, s.name, [...path, 'bind', 'recursive'], `recursive mode ${JSON.stringify(rec)} is not supported`);
      }
      const m = at(ctx, s.name, path, () =>
        mountRequestFromFields({
          type: 'bind',
          source: v.source ?? '',
          target: v.target,
          readOnly: v.read_only === true,
          ...(v.bind?.propagation !== undefined ? { bindPropagation: v.bind.propagation } : {}),
          bindNonRecursive: rec === 'disabled',
          bindCreateSource: v.bind?.create_host_path !== false,
        }),
      );
      const sel = v.bind?.selinux;
      if (m.type === 'bind' && (sel === 'z' || sel === 'Z')) m.selinuxRelabel = sel;
      return m;
    }
    case 'volume':
      return at(ctx, s.name, path, () =>
        mountRequestFromFields({
          type: 'volume',
          ...(v.source !== undefined && v.source !== '' ? { source: volumeName(ctx.project, v.source) } : {}),
          target: v.target,
          readOnly: v.read_only === true,
          volumeNoCopy: v.volume?.nocopy === true,
          ...(v.volume?.subpath !== undefined ? { volumeSubpath: v.volume.subpath } : {}),
          ...(v.volume?.labels !== undefined ? { volumeLabels: v.volume.labels } : {}),
        }),
      );
    case 'tmpfs':
      return at(ctx, s.name, path, () =>
        mountRequestFromFields({
          type: 'tmpfs',
          target: v.target,
          readOnly: v.read_only === true,
          ...(v.tmpfs?.size !== undefined ? { tmpfsSize: v.tmpfs.size } : {}),
          ...(v.tmpfs?.mode !== undefined ? { tmpfsMode: v.tmpfs.mode } : {}),
        }),
      );
    default:
      return fail(ctx, s.name, [...path, 'type'], `volume type ${JSON.stringify(v.type)} is not supported by nerdctl compose`);
  }
}

function parseId(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`${what} must be a number: ${v}`);
  return Number(v);
}

/** Secrets (`/run/secrets/<name>`) and configs (`/<name>`) as read-only binds; inline values become files. */
function fileMounts(
  ctx: ServiceOptionsContext,
  s: Service,
  kind: 'secrets' | 'configs',
  files: MaterialisedFile[],
  warnings: string[],
): MountRequest[] {
  const out: MountRequest[] = [];
  const refs: FileReference[] = s[kind] ?? [];
  refs.forEach((ref, i) => {
    const path = [kind, i];
    const obj = ctx.project[kind][ref.source];
    if (obj === undefined) fail(ctx, s.name, path, `${kind === 'secrets' ? 'secret' : 'config'} ${JSON.stringify(ref.source)} is not defined`);
    if (obj.external === true) fail(ctx, s.name, path, `external ${kind} are not supported by nerdctl compose (swarm only)`);
    let target: string;
    if (kind === 'secrets') {
      const t = ref.target ?? ref.source;
      target = t.startsWith('/') ? t : posix.join('/run/secrets', t);
    } else {
      const t = ref.target ?? `/${ref.source}`;
      target = t.startsWith('/') ? t : `/${t}`;
    }
    let source: string;
    if (obj.file !== undefined) {
      source = obj.file;
      if (ref.uid !== undefined || ref.gid !== undefined || ref.mode !== undefined) {
        warnings.push(`services.${s.name}.${kind}[${i}]: uid, gid and mode are not applied to a file-based ${kind === 'secrets' ? 'secret' : 'config'} (bind mounted as is)`);
      }
    } else if (obj.content !== undefined) {
      if (ctx.filesDir === undefined) fail(ctx, s.name, path, 'inline values need a files directory');
      source = posix.join(ctx.filesDir, kind, ref.source);
      const uid = at(ctx, s.name, [...path, 'uid'], () => parseId(ref.uid, 'uid'));
      const gid = at(ctx, s.name, [...path, 'gid'], () => parseId(ref.gid, 'gid'));
      files.push({
        path: source,
        content: obj.content,
        mode: ref.mode ?? 0o444,
        ...(uid !== undefined ? { uid } : {}),
        ...(gid !== undefined ? { gid } : {}),
      });
    } else if (obj.environment !== undefined) {
      return fail(ctx, s.name, path, `environment variable ${JSON.stringify(obj.environment)} of ${kind.slice(0, -1)} ${JSON.stringify(ref.source)} is not set`);
    } else {
      return fail(ctx, s.name, path, `${kind.slice(0, -1)} ${JSON.stringify(ref.source)} has no file, environment or content`);
    }
    out.push({ type: 'bind', source, target, readOnly: true, propagation: 'rprivate', nonRecursive: false, createSource: false });
  });
  return out;
}

function refService(ctx: ServiceOptionsContext, s: Service, key: string, value: string): string {
  const target = value.slice('service:'.length);
  const c = ctx.serviceContainer?.(target);
  if (c === undefined) return fail(ctx, s.name, [key], `service ${JSON.stringify(target)} has no container to share with`);
  return c;
}

function networkMode(ctx: ServiceOptionsContext, s: Service): NetworkModeRequest {
  const mode = s.network_mode;
  if (mode === undefined || mode === '') {
    const entries = Object.entries(s.networks ?? {});
    // Compose v2 connects the highest `priority` first (then by key); the first is the primary network
    entries.sort(([ka, a], [kb, b]) => (b?.priority ?? 0) - (a?.priority ?? 0) || (ka < kb ? -1 : ka > kb ? 1 : 0));
    const networks: NetworkAttachmentRequest[] = entries.map(([key, cfg], idx) => {
      const path = ['networks', key];
      for (const k of ['driver_opts', 'interface_name', 'link_local_ips'] as const) {
        const v = cfg?.[k];
        if (v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) {
          fail(ctx, s.name, [...path, k], 'not supported by nerdctl compose');
        }
      }
      const net = ctx.project.networks[key];
      const aliases: string[] = [];
      if (ctx.containerName !== undefined) aliases.push(ctx.containerName);
      if (ctx.useNetworkAliases !== false) {
        aliases.push(s.name);
        for (const a of cfg?.aliases ?? []) if (!aliases.includes(a)) aliases.push(a);
      }
      const mac = cfg?.mac_address ?? (idx === 0 ? s.mac_address : undefined);
      return {
        network: net?.name ?? key,
        ...(cfg?.ipv4_address !== undefined ? { ip: cfg.ipv4_address } : {}),
        ...(cfg?.ipv6_address !== undefined ? { ip6: cfg.ipv6_address } : {}),
        ...(mac !== undefined ? { mac } : {}),
        aliases,
      };
    });
    if (networks.length === 0) return { kind: 'none' };
    return { kind: 'bridge', networks };
  }
  if (s.mac_address !== undefined) fail(ctx, s.name, ['mac_address'], `cannot be used with network_mode ${JSON.stringify(mode)}`);
  if (mode === 'none') return { kind: 'none' };
  if (mode === 'host') return { kind: 'host' };
  if (mode === 'bridge' || mode === 'default') return { kind: 'bridge', networks: [{ network: 'bridge' }] };
  if (mode.startsWith('service:')) return { kind: 'container', container: refService(ctx, s, 'network_mode', mode) };
  if (mode.startsWith('container:')) {
    const c = mode.slice('container:'.length);
    if (c === '') fail(ctx, s.name, ['network_mode'], 'container name is empty');
    return { kind: 'container', container: c };
  }
  // a network name given as a mode (`--network mynet`)
  const declared = Object.values(ctx.project.networks).find((n) => n.name === mode);
  return { kind: 'bridge', networks: [{ network: declared?.name ?? mode }] };
}

function restartPolicy(ctx: ServiceOptionsContext, s: Service): RestartPolicy | undefined {
  if (s.restart !== undefined) return at(ctx, s.name, ['restart'], () => parseRestartPolicy(s.restart!));
  const rp = s.deploy?.restart_policy;
  if (rp === undefined) return undefined;
  // Compose v2 maps deploy.restart_policy when `restart` is absent (delay and window have no engine counterpart)
  switch (rp.condition ?? 'any') {
    case 'any':
      return { name: 'always', maximumRetryCount: 0 };
    case 'none':
      return { name: 'no', maximumRetryCount: 0 };
    case 'on-failure':
      return { name: 'on-failure', maximumRetryCount: rp.max_attempts ?? 0 };
    default:
      return fail(ctx, s.name, ['deploy', 'restart_policy', 'condition'], `invalid restart condition ${JSON.stringify(rp.condition)}`);
  }
}

function ports(ctx: ServiceOptionsContext, s: Service): PortRequest[] {
  return (s.ports ?? []).map((p, i) =>
    at(ctx, s.name, ['ports', i], () => {
      const hostPort = publishedRange(p.published);
      if (p.protocol !== 'tcp' && p.protocol !== 'udp' && p.protocol !== 'sctp') throw new Error(`invalid protocol ${JSON.stringify(p.protocol)}`);
      return {
        hostIp: p.host_ip ?? '',
        ...(hostPort !== undefined ? { hostPort } : {}),
        containerPort: p.target,
        protocol: p.protocol,
      };
    }),
  );
}

function checkKnownKeys(ctx: ServiceOptionsContext, s: Service): void {
  for (const [key, why] of Object.entries(UNSUPPORTED)) {
    const v = (s as unknown as Record<string, unknown>)[key];
    if (v === undefined || v === false || (Array.isArray(v) && v.length === 0)) continue;
    if (key === 'isolation' && v === 'default') continue;
    if (key === 'volume_driver' && v === 'local') continue;
    if (key === 'userns_mode' && v === 'host') continue;
    unsupported(ctx, s, key, why);
  }
  const d = s.deploy;
  if (d !== undefined) {
    if (d.mode !== undefined && d.mode !== 'replicated') fail(ctx, s.name, ['deploy', 'mode'], `mode ${JSON.stringify(d.mode)} is not supported by nerdctl compose`);
    for (const side of ['limits', 'reservations'] as const) {
      const r = d.resources?.[side];
      if (r === undefined) continue;
      if ((r.devices ?? []).length > 0) fail(ctx, s.name, ['deploy', 'resources', side, 'devices'], 'device reservations (GPUs) are not supported by nerdctl compose');
      if ((r.generic_resources ?? []).length > 0) fail(ctx, s.name, ['deploy', 'resources', side, 'generic_resources'], 'not supported by nerdctl compose');
    }
    for (const k of Object.keys(d)) {
      if (!IGNORED_DEPLOY_KEYS.has(k) && k !== 'mode' && k !== 'resources' && k !== 'restart_policy') {
        fail(ctx, s.name, ['deploy', k], 'not supported by nerdctl compose');
      }
    }
  }
  const b = s.blkio_config;
  if (b !== undefined) {
    for (const k of Object.keys(b)) if (k !== 'weight') fail(ctx, s.name, ['blkio_config', k], 'not supported by nerdctl compose');
  }
}

/**
 * The creation request for one container of `service`. Throws a located {@link ComposeError} for a key or value
 * the engine cannot honour.
 */
export function serviceCreateSpec(ctx: ServiceOptionsContext, s: Service): ServiceCreateSpec {
  checkKnownKeys(ctx, s);
  const o: ContainerCreateOptions = emptyContainerOptions();
  const warnings: string[] = [];
  const files: MaterialisedFile[] = [];

  // process
  const env = s.environment ?? {};
  o.env = Object.keys(env)
    .sort()
    .map((k) => (env[k] === null ? k : `${k}=${env[k]}`));
  if (s.entrypoint !== undefined) o.entrypoint = s.entrypoint.length === 0 ? [''] : [...s.entrypoint];
  if (s.command !== undefined) {
    o.cmd = [...s.command];
    // `command: []` drops the image's CMD; the engine keeps it for an empty command, so restate the entrypoint
    if (s.command.length === 0 && s.entrypoint === undefined && ctx.imageConfig !== undefined) {
      const ep = ctx.imageConfig.Entrypoint ?? [];
      o.entrypoint = ep.length === 0 ? [''] : [...ep];
    }
  }
  if (s.working_dir !== undefined) o.workdir = s.working_dir;
  if (s.user !== undefined) o.user = s.user;
  o.groupAdd = [...(s.group_add ?? [])];
  o.tty = s.tty === true;
  o.interactive = s.stdin_open === true;
  if (s.hostname !== undefined) o.hostname = s.hostname;
  if (s.domainname !== undefined) o.domainname = s.domainname;
  if (s.init !== undefined) o.init = s.init;
  if (s.stop_signal !== undefined) o.stopSignal = s.stop_signal;
  if (s.stop_grace_period !== undefined) o.stopTimeout = Math.floor(s.stop_grace_period / 1e9);
  const hc = healthConfig(s);
  if (hc !== undefined) o.healthcheck = hc;
  o.annotations = { ...(s.annotations ?? {}) };

  // resources
  const r = o.resources;
  const limits = s.deploy?.resources?.limits;
  const reservations = s.deploy?.resources?.reservations;
  const mem = s.mem_limit ?? limits?.memory;
  if (mem !== undefined) r.memory = mem;
  if (s.memswap_limit !== undefined) r.memorySwap = s.memswap_limit;
  const memRes = s.mem_reservation ?? reservations?.memory;
  if (memRes !== undefined) r.memoryReservation = memRes;
  if (s.mem_swappiness !== undefined) r.memorySwappiness = s.mem_swappiness;
  if (s.oom_kill_disable !== undefined) r.oomKillDisable = s.oom_kill_disable;
  const cpus = s.cpus ?? limits?.cpus;
  if (cpus !== undefined && cpus > 0) r.nanoCpus = Math.round(cpus * 1e9);
  if (s.cpu_shares !== undefined) r.cpuShares = s.cpu_shares;
  if (s.cpu_quota !== undefined) r.cpuQuota = s.cpu_quota;
  if (s.cpu_period !== undefined) r.cpuPeriod = s.cpu_period;
  if (s.cpu_rt_period !== undefined) r.cpuRealtimePeriod = s.cpu_rt_period;
  if (s.cpu_rt_runtime !== undefined) r.cpuRealtimeRuntime = s.cpu_rt_runtime;
  if (s.cpuset !== undefined) r.cpusetCpus = s.cpuset;
  const pids = s.pids_limit ?? limits?.pids;
  if (pids !== undefined) r.pidsLimit = pids;
  const weight = s.blkio_config?.weight;
  if (typeof weight === 'number') r.blkioWeight = weight;
  r.ulimits = Object.entries(s.ulimits ?? {}).map(([name, u]) =>
    at(ctx, s.name, ['ulimits', name], () =>
      parseUlimit(u.single !== undefined ? `${name}=${u.single}` : `${name}=${u.soft ?? 0}:${u.hard ?? u.soft ?? 0}`),
    ),
  );
  if (s.shm_size !== undefined) o.shmSize = s.shm_size;
  if (s.oom_score_adj !== undefined) o.oomScoreAdj = s.oom_score_adj;
  if (s.cgroup_parent !== undefined) o.cgroupParent = s.cgroup_parent;
  if (s.cgroup !== undefined) {
    if (s.cgroup !== 'host' && s.cgroup !== 'private') fail(ctx, s.name, ['cgroup'], `invalid cgroup mode ${JSON.stringify(s.cgroup)}`);
    o.cgroupns = s.cgroup;
  }

  // security
  o.privileged = s.privileged === true;
  o.readOnly = s.read_only === true;
  o.capAdd = at(ctx, s.name, ['cap_add'], () => normalizeCapabilities(s.cap_add ?? []));
  o.capDrop = at(ctx, s.name, ['cap_drop'], () => normalizeCapabilities(s.cap_drop ?? []));
  if (s.security_opt !== undefined) o.security = at(ctx, s.name, ['security_opt'], () => parseSecurityOpts(s.security_opt!));
  o.devices = (s.devices ?? []).map((d, i) =>
    at(ctx, s.name, ['devices', i], () => parseDevice(`${d.source}:${d.target}:${d.permissions}`)),
  );
  o.deviceCgroupRules = (s.device_cgroup_rules ?? []).map((d, i) => at(ctx, s.name, ['device_cgroup_rules', i], () => parseDeviceCgroupRule(d)));
  for (const [k, v] of Object.entries(s.sysctls ?? {})) {
    const [key, value] = at(ctx, s.name, ['sysctls', k], () => parseSysctl(`${k}=${v}`));
    o.sysctls[key] = value;
  }

  // namespaces
  if (s.pid !== undefined) {
    o.pid = s.pid.startsWith('service:')
      ? { kind: 'container', container: refService(ctx, s, 'pid', s.pid) }
      : at(ctx, s.name, ['pid'], () => parsePidMode(s.pid!));
  }
  if (s.ipc !== undefined) {
    o.ipc = s.ipc.startsWith('service:')
      ? { kind: 'container', container: refService(ctx, s, 'ipc', s.ipc) }
      : at(ctx, s.name, ['ipc'], () => parseIpcMode(s.ipc!));
  }
  if (s.uts !== undefined) o.uts = at(ctx, s.name, ['uts'], () => parseUtsMode(s.uts!));

  // mounts: volumes, tmpfs, then secrets and configs
  o.mounts = (s.volumes ?? []).map((v, i) => serviceMount(ctx, s, v, i));
  for (const [i, t] of (s.tmpfs ?? []).entries()) o.mounts.push(at(ctx, s.name, ['tmpfs', i], () => parseTmpfsFlag(t)));
  o.mounts.push(...fileMounts(ctx, s, 'secrets', files, warnings), ...fileMounts(ctx, s, 'configs', files, warnings));
  o.volumesFrom = (s.volumes_from ?? []).map((v, i) => {
    if (v.startsWith('container:')) return at(ctx, s.name, ['volumes_from', i], () => parseVolumesFrom(v.slice('container:'.length)));
    const [svc = '', mode] = v.split(':');
    const c = ctx.serviceContainer?.(svc);
    if (c === undefined) fail(ctx, s.name, ['volumes_from', i], `service ${JSON.stringify(svc)} has no container to share volumes with`);
    return at(ctx, s.name, ['volumes_from', i], () => parseVolumesFrom(mode === undefined ? c : `${c}:${mode}`));
  });

  at(ctx, s.name, [], () => validateContainerOptions(o));

  // logging
  const driver = s.logging?.driver;
  if (driver !== undefined && driver !== '' && driver !== 'json-file' && driver !== 'k8s-file') {
    fail(ctx, s.name, ['logging', 'driver'], `logging driver ${JSON.stringify(driver)} is not supported by nerdctl compose (json-file and k8s-file are)`);
  }
  if (Object.keys(s.logging?.options ?? {}).length > 0) {
    warnings.push(`services.${s.name}.logging.options: ignored (logs are written by the container monitor in k8s-file format)`);
  }

  // networking
  const network: ContainerNetworkConfig = {
    mode: networkMode(ctx, s),
    ports: ports(ctx, s),
    publishAll: false,
    expose: (s.expose ?? []).flatMap((e, i) => at(ctx, s.name, ['expose', i], () => parseExpose(e).map((p) => `${p.port}/${p.protocol}`))),
    dns: [...(s.dns ?? [])],
    dnsSearch: [...(s.dns_search ?? [])],
    dnsOptions: [...(s.dns_opt ?? [])],
    extraHosts: Object.entries(s.extra_hosts ?? {}).flatMap(([host, ips]) =>
      ips.map((ip) => at(ctx, s.name, ['extra_hosts', host], () => parseAddHost(`${host}:${ip}`))),
    ),
  };

  const links: ServiceLink[] = [];
  for (const l of s.links ?? []) {
    const [target = '', alias] = l.split(':');
    links.push({ kind: 'service', target, alias: alias ?? target });
  }
  for (const l of s.external_links ?? []) {
    const [target = '', alias] = l.split(':');
    links.push({ kind: 'container', target, alias: alias ?? target });
  }

  const rp = restartPolicy(ctx, s);
  const request: CreateContainerRequest = {
    image: ctx.image,
    pull: 'never',
    ...(s.platform !== undefined ? { platform: s.platform } : {}),
    options: o,
    network,
    ...(rp !== undefined ? { restartPolicy: rp } : {}),
    attach: { stdin: false, stdout: true, stderr: true },
    ...(s.runtime !== undefined ? { runtime: s.runtime } : {}),
  };
  return { request, files, links, warnings };
}

/** Service keys this module reads (for tests that check every model key is either mapped or refused). */
export const HANDLED_SERVICE_KEYS: readonly string[] = [
  ...NON_CONTAINER_KEYS,
  ...Object.keys(UNSUPPORTED),
  'annotations',
  'blkio_config',
  'cap_add',
  'cap_drop',
  'cgroup',
  'cgroup_parent',
  'command',
  'configs',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpus',
  'cpuset',
  'cpu_shares',
  'deploy',
  'device_cgroup_rules',
  'devices',
  'dns',
  'dns_opt',
  'dns_search',
  'domainname',
  'entrypoint',
  'environment',
  'expose',
  'external_links',
  'extra_hosts',
  'group_add',
  'healthcheck',
  'hostname',
  'init',
  'ipc',
  'labels',
  'links',
  'logging',
  'mac_address',
  'mem_limit',
  'mem_reservation',
  'mem_swappiness',
  'memswap_limit',
  'network_mode',
  'networks',
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'ports',
  'privileged',
  'read_only',
  'restart',
  'secrets',
  'security_opt',
  'shm_size',
  'stdin_open',
  'stop_grace_period',
  'stop_signal',
  'sysctls',
  'tmpfs',
  'tty',
  'ulimits',
  'user',
  'uts',
  'volumes',
  'volumes_from',
  'working_dir',
];
