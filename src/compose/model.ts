/**
 * The typed compose model: what the loader produces once files are read, interpolated, merged, extended,
 * included, canonicalised, normalised and checked. Nothing here refers to YAML.
 *
 * Conventions
 * - Keys that exist in a compose file keep their Compose Specification spelling (`container_name`,
 *   `stop_grace_period`, `depends_on`...), so a field reads as in the spec and the `config` output is a plain walk.
 *   Fields that are loader metadata (not in any compose file) are camelCase: `Project.workingDir`,
 *   `Project.configFiles`, `Project.disabledServices`...
 * - Every short syntax is already expanded: ports are one {@link ServicePort} per port (ranges expanded), volumes
 *   are {@link ServiceVolume}s with absolute bind sources, `environment` is a map, `depends_on` a map with
 *   conditions, `networks` a map, `healthcheck.test` a list starting with `CMD`, `CMD-SHELL` or `NONE`...
 * - An absent optional field means "not set in any file" (the engine/image default applies). Durations are
 *   nanoseconds, sizes are bytes, CPU counts are numbers of CPUs (0.5).
 * - After normalisation: every service without `network_mode` has `networks` (at least `{default: null}`),
 *   every network/volume/secret/config has its final engine `name` (`<project>_<key>`, or the `name:` given, or
 *   the key itself when `external`), implicit `depends_on` entries exist for `links`, `volumes_from` and
 *   `network_mode|ipc|pid|uts|cgroup: service:x`, `pull_policy: if_not_present` reads `missing`, a `build` has
 *   `context` (absolute unless a URL) and `dockerfile` (unless `dockerfile_inline`), and env files have been read
 *   into `environment` (`env_file` is then absent).
 */

/** Nanoseconds (Go's time.Duration). */
export type Duration = number;

/** A loaded project. */
export interface Project {
  /** The project name (validated/normalised; see discover.ts). */
  name: string;
  /** Enabled services by name (profiles applied, selection applied when asked). */
  services: Record<string, Service>;
  /** Top-level networks by key (including the implicit `default` when a service uses it). */
  networks: Record<string, Network>;
  /** Top-level named volumes by key. */
  volumes: Record<string, Volume>;
  secrets: Record<string, Secret>;
  configs: Record<string, Config>;
  /** Top-level `x-*` keys, verbatim. */
  extensions?: Record<string, unknown>;

  /** Absolute project directory: relative paths were resolved against it. */
  workingDir: string;
  /** The compose files in load order: absolute paths, `-` for stdin. */
  configFiles: string[];
  /** The `.env`/`--env-file` files that were read (absolute), for `com.docker.compose.project.environment_file`. */
  envFiles: string[];
  /** The interpolation environment: shell environment over env files, plus `COMPOSE_PROJECT_NAME`. */
  environment: Record<string, string>;
  /** Services left out by profiles (or selection), by name. */
  disabledServices: Record<string, Service>;
  /** Active profiles (from `--profile`, `COMPOSE_PROFILES`, and those activated by named services). */
  profiles: string[];
}

/** One service, named by its key in `services`. */
export interface Service {
  name: string;
  profiles?: string[];
  annotations?: Record<string, string>;
  attach?: boolean;
  build?: BuildConfig;
  /** `develop` section, kept raw (watch is not implemented). */
  develop?: Record<string, unknown>;
  blkio_config?: Record<string, unknown>;
  cap_add?: string[];
  cap_drop?: string[];
  cgroup_parent?: string;
  cgroup?: string;
  cpu_count?: number;
  cpu_percent?: number;
  cpu_period?: number;
  cpu_quota?: number;
  cpu_rt_period?: number;
  cpu_rt_runtime?: number;
  cpus?: number;
  cpuset?: string;
  cpu_shares?: number;
  /** Absent: the image's CMD; `[]`: cleared; a string was split like a shell line (no shell runs). */
  command?: string[];
  configs?: FileReference[];
  container_name?: string;
  credential_spec?: Record<string, unknown>;
  depends_on?: Record<string, ServiceDependency>;
  deploy?: DeployConfig;
  device_cgroup_rules?: string[];
  devices?: DeviceMapping[];
  dns?: string[];
  dns_opt?: string[];
  dns_search?: string[];
  domainname?: string;
  /** Absent: the image's ENTRYPOINT; `[]`: cleared. */
  entrypoint?: string[];
  /** Variables; `null` = declared without a value and not in the environment (left unset in the container). */
  environment?: Record<string, string | null>;
  /** Only before env files are read (`LoadProjectOptions.resolveEnvFiles: false`). */
  env_file?: EnvFile[];
  /** Ports or ranges, as strings (`80`, `8000-8010/udp`). */
  expose?: string[];
  external_links?: string[];
  /** Host name -> addresses, in declaration order. */
  extra_hosts?: Record<string, string[]>;
  group_add?: string[];
  gpus?: DeviceRequest[];
  hostname?: string;
  healthcheck?: HealthCheck;
  image?: string;
  init?: boolean;
  ipc?: string;
  isolation?: string;
  labels?: Record<string, string>;
  label_file?: string[];
  links?: string[];
  logging?: Logging;
  mem_limit?: number;
  mem_reservation?: number;
  memswap_limit?: number;
  mem_swappiness?: number;
  mac_address?: string;
  /** `none`, `host`, `bridge`, `service:<name>`, `container:<name|id>`, or a network name. */
  network_mode?: string;
  /** Network key -> per-service settings (`null` when none were given). */
  networks?: Record<string, ServiceNetwork | null>;
  oom_kill_disable?: boolean;
  oom_score_adj?: number;
  pid?: string;
  pids_limit?: number;
  platform?: string;
  ports?: ServicePort[];
  privileged?: boolean;
  /** `always`, `never`, `missing`, `build`, `refresh`, `daily`, `weekly`, `every_<duration>`. */
  pull_policy?: string;
  read_only?: boolean;
  /** `no`, `always`, `on-failure[:N]`, `unless-stopped`. */
  restart?: string;
  runtime?: string;
  /** Replicas from `scale` (kept equal to `deploy.replicas` when both are set); see normalize.ts serviceScale. */
  scale?: number;
  secrets?: FileReference[];
  security_opt?: string[];
  shm_size?: number;
  stdin_open?: boolean;
  /** Absent: 10s (Compose's default). */
  stop_grace_period?: Duration;
  /** Absent: the image's STOPSIGNAL, else SIGTERM. */
  stop_signal?: string;
  storage_opt?: Record<string, string>;
  sysctls?: Record<string, string>;
  /** `path[:options]` entries. */
  tmpfs?: string[];
  tty?: boolean;
  ulimits?: Record<string, Ulimit>;
  use_api_socket?: boolean;
  user?: string;
  userns_mode?: string;
  uts?: string;
  volume_driver?: string;
  volumes?: ServiceVolume[];
  /** `service[:ro|rw]` or `container:<name>[:ro|rw]`. */
  volumes_from?: string[];
  working_dir?: string;
  /** Model only: not run by the applier yet. */
  post_start?: ServiceHook[];
  /** Model only: not run by the applier yet. */
  pre_stop?: ServiceHook[];
  /** `x-*` keys of the service, verbatim. */
  extensions?: Record<string, unknown>;
}

export interface BuildConfig {
  /** Absolute directory, or a URL (git, http, `docker-image://`...), as given. */
  context: string;
  /** Relative to the context (default `Dockerfile`); absent when `dockerfile_inline` is used. */
  dockerfile?: string;
  dockerfile_inline?: string;
  entitlements?: string[];
  /** Build args; `null` = declared without value and not in the environment. */
  args?: Record<string, string | null>;
  provenance?: string;
  sbom?: string;
  /** id -> socket/key path (`null` for `default` without a path). */
  ssh?: Record<string, string | null>;
  labels?: Record<string, string>;
  cache_from?: string[];
  cache_to?: string[];
  no_cache?: boolean;
  no_cache_filter?: string[];
  /** name -> directory (absolute), URL, `docker-image://ref` or `service:<name>`. */
  additional_contexts?: Record<string, string>;
  pull?: boolean;
  extra_hosts?: Record<string, string[]>;
  isolation?: string;
  network?: string;
  target?: string;
  secrets?: FileReference[];
  shm_size?: number;
  tags?: string[];
  ulimits?: Record<string, Ulimit>;
  platforms?: string[];
  privileged?: boolean;
  extensions?: Record<string, unknown>;
}

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

/** One `depends_on` edge. */
export interface ServiceDependency {
  condition: DependencyCondition;
  /** Restart this service when the dependency is restarted/recreated (implicit for `links`, `network_mode`...). */
  restart?: boolean;
  /** false: a missing or disabled dependency is ignored (with a warning at run time). */
  required: boolean;
  extensions?: Record<string, unknown>;
}

export interface DeployConfig {
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  update_config?: Record<string, unknown>;
  rollback_config?: Record<string, unknown>;
  resources?: { limits?: Resource; reservations?: Resource };
  restart_policy?: { condition?: string; delay?: Duration; max_attempts?: number; window?: Duration };
  placement?: Record<string, unknown>;
  endpoint_mode?: string;
  extensions?: Record<string, unknown>;
}

export interface Resource {
  cpus?: number;
  /** Bytes. */
  memory?: number;
  pids?: number;
  devices?: DeviceRequest[];
  generic_resources?: Array<Record<string, unknown>>;
}

export interface DeviceRequest {
  capabilities?: string[];
  driver?: string;
  /** A number, or `all`. */
  count?: number | 'all';
  device_ids?: string[];
  options?: Record<string, string>;
}

export interface DeviceMapping {
  source: string;
  target: string;
  /** cgroup permissions, default `rwm`. */
  permissions: string;
}

export interface EnvFile {
  /** Absolute path. */
  path: string;
  /** false: a missing file is ignored. */
  required: boolean;
  /** `raw`: no quotes, escapes or interpolation. */
  format?: string;
}

/** A service-level reference to a top-level secret or config. */
export interface FileReference {
  /** Key of the top-level secret/config. */
  source: string;
  /** Secrets: `/run/secrets/<source>` by default; configs: `/<source>` when absent. */
  target?: string;
  uid?: string;
  gid?: string;
  /** File mode (for example 0o444). */
  mode?: number;
  extensions?: Record<string, unknown>;
}

export interface HealthCheck {
  /** `['CMD', ...]`, `['CMD-SHELL', 'cmd']` or `['NONE']`; a string in the file becomes `['CMD-SHELL', string]`. */
  test?: string[];
  timeout?: Duration;
  interval?: Duration;
  retries?: number;
  start_period?: Duration;
  start_interval?: Duration;
  /** true: the image's healthcheck is disabled (same as test NONE). */
  disable?: boolean;
  extensions?: Record<string, unknown>;
}

export interface Logging {
  driver?: string;
  options?: Record<string, string>;
}

/** A service's attachment to a network. */
export interface ServiceNetwork {
  aliases?: string[];
  driver_opts?: Record<string, string>;
  gw_priority?: number;
  interface_name?: string;
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  priority?: number;
  extensions?: Record<string, unknown>;
}

/** One published or exposed port (a short-syntax range becomes one per port). */
export interface ServicePort {
  name?: string;
  /** `ingress` (default) or `host`. */
  mode: string;
  /** Host address to bind; absent = all addresses. */
  host_ip?: string;
  target: number;
  /** Host port or host port range (`8080`, `8000-8010`); absent = an ephemeral port. */
  published?: string;
  /** `tcp`, `udp` or `sctp`. */
  protocol: string;
  app_protocol?: string;
  extensions?: Record<string, unknown>;
}

export type ServiceVolumeType = 'bind' | 'volume' | 'tmpfs' | 'image' | 'npipe' | 'cluster';

/** One mount of a service. */
export interface ServiceVolume {
  type: ServiceVolumeType;
  /** bind: absolute host path; volume: the top-level volume key (absent for an anonymous volume); image: a ref. */
  source?: string;
  /** Absolute path in the container (cleaned). */
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: string; recursive?: string };
  volume?: { nocopy?: boolean; subpath?: string; labels?: Record<string, string> };
  tmpfs?: { size?: number; mode?: number };
  image?: { subpath?: string };
  extensions?: Record<string, unknown>;
}

export interface Ulimit {
  /** A single value for both soft and hard (`nofile: 1024`). */
  single?: number;
  soft?: number;
  hard?: number;
}

export interface ServiceHook {
  command?: string[];
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Record<string, string | null>;
}

export interface IpamPool {
  subnet?: string;
  gateway?: string;
  ip_range?: string;
  aux_addresses?: Record<string, string>;
}

/** A top-level network. */
export interface Network {
  /** The engine-side name: `<project>_<key>`, the `name:` given, or the key when external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: { driver?: string; config?: IpamPool[]; options?: Record<string, string> };
  /** true: must exist already; never created or removed by compose. */
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  enable_ipv4?: boolean;
  enable_ipv6?: boolean;
  extensions?: Record<string, unknown>;
}

/** A top-level named volume. */
export interface Volume {
  /** The engine-side name: `<project>_<key>`, the `name:` given, or the key when external. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

/** A top-level secret or config. */
export interface FileObject {
  /** `<project>_<key>`, the `name:` given, or the key when external. */
  name: string;
  /** Absolute path of the file holding the value. */
  file?: string;
  /** Name of the environment variable holding the value. */
  environment?: string;
  /** Inline value (configs), or the value read from `environment` at load time. */
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driver_opts?: Record<string, string>;
  template_driver?: string;
  extensions?: Record<string, unknown>;
}

export type Secret = FileObject;
export type Config = FileObject;
