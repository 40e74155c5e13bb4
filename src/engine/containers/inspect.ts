/**
 * Docker's `container inspect` object (moby's types.ContainerJSON, API 1.41 as dockerd 20.10 prints it) from a
 * record. Pure: the caller passes the reconciled state and what needs I/O (graph driver paths, sizes).
 * Key order follows Docker's, so `docker inspect` and ours diff cleanly.
 */
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, DEFAULT_SHM_SIZE } from '../oci/defaults.js';
import { namespaceModeString } from './options.js';
import { containerPaths } from './paths.js';
import type { ContainerMount, ContainerRecord, ContainerState, HealthState, PortBinding } from './types.js';

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface InspectExtras {
  readonly dataRoot: string;
  readonly stateRoot: string;
  /** Overlay directories of the rootfs snapshot (GraphDriver.Data). */
  readonly graphDriver?: { readonly name: string; readonly data: Readonly<Record<string, string>> | null };
  /** `--size`: bytes of the writable layer and of the whole rootfs. */
  readonly size?: { readonly rw: number; readonly rootFs: number };
  /** The host's cgroup version (Docker's default cgroupns mode follows it). */
  readonly cgroupVersion?: 1 | 2;
}

/** Go's RFC3339Nano: trailing fraction zeros trimmed; '' becomes Go's zero time. */
export function goTime(t: string): string {
  if (t === '') return ZERO_TIME;
  return t.replace(/\.(\d*?)0+Z$/, (_m, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}

/**
 * Docker omits nil pointers and empty `omitempty` fields from its JSON, but templates still see them (as nil):
 * such a field is set here as a non-enumerable property, invisible to JSON and visible to `--format`.
 */
function omitted(obj: Record<string, unknown>, key: string, zero: unknown): void {
  if (!(key in obj)) Object.defineProperty(obj, key, { value: zero, enumerable: false, writable: true, configurable: true });
}

function nullIfEmpty<T>(a: readonly T[] | undefined): T[] | null {
  return a && a.length > 0 ? [...a] : null;
}

function health(h: HealthState): Record<string, unknown> {
  return {
    Status: h.status,
    FailingStreak: h.failingStreak,
    Log: h.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })),
  };
}

function stateJson(s: ContainerState): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Status: s.status,
    Running: s.status === 'running' || s.status === 'paused' || s.status === 'restarting',
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: goTime(s.startedAt),
    FinishedAt: goTime(s.finishedAt),
  };
  if (s.health && s.health.status !== 'none') out.Health = health(s.health);
  omitted(out, 'Health', null);
  return out;
}

function mountJson(m: ContainerMount): Record<string, unknown> {
  if (m.type === 'volume') {
    return { Type: 'volume', Name: m.name ?? '', Source: m.source, Destination: m.destination, Driver: m.driver ?? 'local', Mode: m.mode, RW: !m.readOnly, Propagation: '' };
  }
  return { Type: m.type, Source: m.source, Destination: m.destination, Mode: m.mode, RW: !m.readOnly, Propagation: m.propagation ?? 'rprivate' };
}

/** Docker's `Binds`: the `-v` entries (host binds and named volumes), as `src:dst[:opts]`. */
function binds(rec: ContainerRecord): string[] | null {
  const out: string[] = [];
  for (const req of rec.config.options.mounts) {
    if (req.type === 'bind' && req.createSource) {
      const opts = [req.readOnly ? 'ro' : '', req.selinuxRelabel ?? ''].filter(Boolean).join(',');
      out.push(`${req.source}:${req.target}${opts ? `:${opts}` : ''}`);
    } else if (req.type === 'volume' && req.name) {
      out.push(`${req.name}:${req.target}${req.readOnly ? ':ro' : ''}`);
    }
  }
  return out.length > 0 ? out : null;
}

function networkMode(rec: ContainerRecord): string {
  const m = rec.config.network.mode;
  switch (m.kind) {
    case 'bridge':
      return m.defaulted ? 'default' : (m.networks[0]?.network ?? 'bridge');
    case 'container':
      return `container:${rec.state.network?.sharedWith ?? m.container}`;
    case 'ns':
      return `ns:${m.path}`;
    default:
      return m.kind;
  }
}

function portKeyOf(p: { containerPort: number; protocol: string }): string {
  return `${p.containerPort}/${p.protocol}`;
}

/** HostConfig.PortBindings: the `-p` requests as given. */
function portBindings(rec: ContainerRecord): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of rec.config.network.ports) {
    const hp = p.hostPort === undefined ? '' : p.hostPort.start === p.hostPort.end ? String(p.hostPort.start) : `${p.hostPort.start}-${p.hostPort.end}`;
    (out[portKeyOf(p)] ??= []).push({ HostIp: p.hostIp, HostPort: hp });
  }
  return out;
}

/** NetworkSettings.Ports of a running container: every exposed port, with its bindings or null. */
function runtimePorts(exposed: readonly string[], ports: readonly PortBinding[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const e of exposed) out[e] = null;
  for (const p of ports) {
    const hostIp = p.hostIp === '' ? '0.0.0.0' : p.hostIp;
    (out[portKeyOf(p)] ??= []).push({ HostIp: hostIp, HostPort: String(p.hostPort) });
  }
  return out;
}

function endpointJson(e?: {
  networkId?: string;
  endpointId?: string;
  gateway?: string;
  ipAddress?: string;
  prefixLength?: number;
  ipv6Gateway?: string;
  ipv6Address?: string;
  ipv6PrefixLength?: number;
  macAddress?: string;
  aliases?: readonly string[];
}): Record<string, unknown> {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: nullIfEmpty(e?.aliases),
    NetworkID: e?.networkId ?? '',
    EndpointID: e?.endpointId ?? '',
    Gateway: e?.gateway ?? '',
    IPAddress: e?.ipAddress ?? '',
    IPPrefixLen: e?.prefixLength ?? 0,
    IPv6Gateway: e?.ipv6Gateway ?? '',
    GlobalIPv6Address: e?.ipv6Address ?? '',
    GlobalIPv6PrefixLen: e?.ipv6PrefixLength ?? 0,
    MacAddress: e?.macAddress ?? '',
    DriverOpts: null,
  };
}

function networkSettings(rec: ContainerRecord, s: ContainerState): Record<string, unknown> {
  const rt = s.status === 'running' || s.status === 'paused' ? s.network : undefined;
  const endpoints = rt?.endpoints ?? [];
  const mode = rec.config.network.mode;
  const networks: Record<string, unknown> = {};
  if (mode.kind === 'bridge') {
    for (const req of mode.networks) {
      const ep = endpoints.find((e) => e.network === req.network || e.networkId === req.network);
      networks[ep?.network ?? req.network] = endpointJson({
        ...ep,
        aliases: ep?.aliases ?? req.aliases ?? [],
      });
    }
  } else if (mode.kind === 'none' || mode.kind === 'host') {
    networks[mode.kind] = endpointJson();
  }
  const def = endpoints.find((e) => e.network === 'bridge');
  const sandboxKey = rt && rt.netns.kind === 'path' ? rt.netns.path : '';
  return {
    Bridge: '',
    SandboxID: sandboxKey ? rec.id : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: rt && mode.kind === 'bridge' ? runtimePorts(rec.config.exposedPorts, rt.ports) : {},
    SandboxKey: sandboxKey,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: def?.endpointId ?? '',
    Gateway: def?.gateway ?? '',
    GlobalIPv6Address: def?.ipv6Address ?? '',
    GlobalIPv6PrefixLen: def?.ipv6PrefixLength ?? 0,
    IPAddress: def?.ipAddress ?? '',
    IPPrefixLen: def?.prefixLength ?? 0,
    IPv6Gateway: def?.ipv6Gateway ?? '',
    MacAddress: def?.macAddress ?? '',
    Networks: networks,
  };
}

/** Docker's inspect object for `rec` with state `s`. */
export function dockerContainerInspect(rec: ContainerRecord, s: ContainerState, x: InspectExtras): Record<string, unknown> {
  const o = rec.config.options;
  const m = rec.config.merged;
  const r = o.resources;
  const paths = containerPaths(x, rec.namespace, rec.id);
  const sharedFrom = rec.config.network.mode.kind === 'container' && rec.state.network?.sharedWith
    ? containerPaths(x, rec.namespace, rec.state.network.sharedWith)
    : undefined;
  const confined = !o.privileged && o.security.systemPaths === 'default';
  const hostConfig: Record<string, unknown> = {
    Binds: binds(rec),
    ContainerIDFile: rec.config.cidfile ?? '',
    LogConfig: { Type: 'k8s-file', Config: {} },
    NetworkMode: networkMode(rec),
    PortBindings: portBindings(rec),
    RestartPolicy: { Name: rec.config.restartPolicy.name, MaximumRetryCount: rec.config.restartPolicy.maximumRetryCount },
    AutoRemove: rec.config.autoRemove,
    VolumeDriver: '',
    VolumesFrom: nullIfEmpty(o.volumesFrom.map((v) => (v.readOnly ? `${v.container}:ro` : v.container))),
    CapAdd: nullIfEmpty(o.capAdd),
    CapDrop: nullIfEmpty(o.capDrop),
    CgroupnsMode: o.cgroupns ?? (x.cgroupVersion === 2 ? 'private' : 'host'),
    Dns: [...rec.config.network.dns],
    DnsOptions: [...rec.config.network.dnsOptions],
    DnsSearch: [...rec.config.network.dnsSearch],
    ExtraHosts: nullIfEmpty(rec.config.network.extraHosts.map((h) => `${h.host}:${h.ip}`)),
    GroupAdd: nullIfEmpty(o.groupAdd),
    IpcMode: namespaceModeString(o.ipc) || 'private',
    Cgroup: '',
    Links: null,
    OomScoreAdj: o.oomScoreAdj ?? 0,
    PidMode: o.pid.kind === 'private' ? '' : namespaceModeString(o.pid),
    Privileged: o.privileged,
    PublishAllPorts: rec.config.network.publishAll,
    ReadonlyRootfs: o.readOnly,
    SecurityOpt: null as string[] | null,
    UTSMode: o.uts === 'host' ? 'host' : '',
    UsernsMode: '',
    ShmSize: o.shmSize ?? DEFAULT_SHM_SIZE,
    Runtime: rec.config.runtime,
    ConsoleSize: [0, 0],
    Isolation: '',
    CpuShares: r.cpuShares ?? 0,
    Memory: r.memory ?? 0,
    NanoCpus: r.nanoCpus ?? 0,
    CgroupParent: o.cgroupParent ?? '',
    BlkioWeight: r.blkioWeight ?? 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: r.cpuPeriod ?? 0,
    CpuQuota: r.cpuQuota ?? 0,
    CpuRealtimePeriod: r.cpuRealtimePeriod ?? 0,
    CpuRealtimeRuntime: r.cpuRealtimeRuntime ?? 0,
    CpusetCpus: r.cpusetCpus ?? '',
    CpusetMems: r.cpusetMems ?? '',
    Devices: o.devices.map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.cgroupPermissions })),
    DeviceCgroupRules: null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: r.memoryReservation ?? 0,
    MemorySwap: r.memorySwap ?? 0,
    MemorySwappiness: r.memorySwappiness ?? null,
    OomKillDisable: r.oomKillDisable ?? false,
    PidsLimit: r.pidsLimit ?? null,
    Ulimits: nullIfEmpty(r.ulimits.map((u) => ({ Name: u.name, Hard: Number(u.hard), Soft: Number(u.soft) }))),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: confined ? [...DEFAULT_MASKED_PATHS] : [],
    ReadonlyPaths: confined ? [...DEFAULT_READONLY_PATHS] : [],
  };
  const secOpts: string[] = [];
  if (o.security.noNewPrivileges) secOpts.push('no-new-privileges');
  if (o.security.seccomp.mode === 'unconfined') secOpts.push('seccomp=unconfined');
  if (o.security.apparmor) secOpts.push(`apparmor=${o.security.apparmor}`);
  for (const l of o.security.labels) secOpts.push(`label=${l}`);
  if (secOpts.length > 0) hostConfig.SecurityOpt = secOpts;
  const tmpfs = o.mounts.filter((mt) => mt.type === 'tmpfs');
  if (tmpfs.length > 0) hostConfig.Tmpfs = Object.fromEntries(tmpfs.map((t) => [t.target, t.options.join(',')]));
  if (Object.keys(o.sysctls).length > 0) hostConfig.Sysctls = { ...o.sysctls };
  // The CLI cannot tell `--init=false` from no flag; Docker omits Init unless set.
  if (o.init) hostConfig.Init = true;

  const config: Record<string, unknown> = {
    Hostname: rec.config.hostname,
    Domainname: rec.config.domainname,
    User: m.user,
    AttachStdin: rec.config.attachStdin,
    AttachStdout: rec.config.attachStdout,
    AttachStderr: rec.config.attachStderr,
  };
  if (rec.config.exposedPorts.length > 0) config.ExposedPorts = Object.fromEntries(rec.config.exposedPorts.map((p) => [p, {}]));
  Object.assign(config, {
    Tty: o.tty,
    OpenStdin: o.interactive,
    StdinOnce: rec.config.stdinOnce,
    Env: nullIfEmpty(m.env),
    Cmd: nullIfEmpty(m.cmd),
  });
  if (rec.config.healthcheck) config.Healthcheck = { ...rec.config.healthcheck };
  Object.assign(config, {
    Image: rec.image,
    Volumes: m.volumes.length > 0 ? Object.fromEntries(m.volumes.map((v) => [v, {}])) : null,
    WorkingDir: o.workdir ?? (m.workingDir === '/' ? '' : m.workingDir),
    Entrypoint: nullIfEmpty(m.entrypoint),
    OnBuild: null,
    Labels: { ...rec.labels },
  });
  if (m.stopSignal) config.StopSignal = m.stopSignal;
  if (o.stopTimeout !== undefined) config.StopTimeout = o.stopTimeout;
  omitted(config, 'ExposedPorts', null);
  omitted(config, 'Healthcheck', null);
  omitted(config, 'StopSignal', '');
  omitted(config, 'StopTimeout', null);

  const out: Record<string, unknown> = {
    Id: rec.id,
    Created: goTime(rec.createdAt),
    Path: m.args[0] ?? '',
    Args: m.args.slice(1),
    State: stateJson(s),
    Image: rec.imageId,
    ResolvConfPath: sharedFrom?.resolvConfFile ?? paths.resolvConfFile,
    HostnamePath: paths.hostnameFile,
    HostsPath: sharedFrom?.hostsFile ?? paths.hostsFile,
    LogPath: paths.logFile,
    Name: `/${rec.name}`,
    RestartCount: s.restartCount,
    Driver: rec.snapshotter,
    Platform: rec.config.platform.split('/')[0] ?? 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: nullIfEmpty(s.execIds),
    HostConfig: hostConfig,
    GraphDriver: { Data: x.graphDriver?.data ?? null, Name: x.graphDriver?.name ?? rec.snapshotter },
  };
  if (x.size) {
    out.SizeRw = x.size.rw;
    out.SizeRootFs = x.size.rootFs;
  }
  omitted(out, 'SizeRw', null);
  omitted(out, 'SizeRootFs', null);
  out.Mounts = rec.config.mounts.filter((mt) => mt.type !== 'tmpfs').map(mountJson);
  out.Config = config;
  out.NetworkSettings = networkSettings(rec, s);
  return out;
}
