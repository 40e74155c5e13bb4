/**
 * The containers service: container records, their root filesystems, volumes and the lifecycle around the task
 * service (containerd's containers store + the parts of dockerd's daemon that manage a container's life).
 *
 * Lifecycle (Docker's):
 *
 *   create ──▶ created ──start──▶ running ⇄ paused
 *                 ▲                  │ (process exits: conmon runs `internal cleanup` = handleExit)
 *                 │                  ▼
 *                 └──── exited ◀── restart policy? ──yes──▶ restarting ──(back-off)──▶ running
 *                          │
 *                        remove ──▶ gone (record, snapshot, container dir, anonymous volumes with `volumes`)
 *
 * - `create` resolves (pulls) the image, prepares the rw snapshot (key = container id) on the image's top chain
 *   ID, resolves mounts (creating named and anonymous volumes, missing `-v` host dirs), makes the container
 *   directory `<dataRoot>/containers/<ns>/<id>/` and writes the record. Any failure undoes all of it.
 * - `start` sets up networking through the injected {@link ContainerNetworkProvider}, mounts the rootfs in the
 *   bundle `<stateRoot>/containers/<ns>/<id>/rootfs`, copies image content into new volumes, builds the OCI
 *   spec (oci/spec.ts) and creates the task (conmon + runc) with the exit command, attaches if asked, starts it.
 * - The exit command ({@link ContainerServiceOptions.exitCommand}, the CLI's hidden `internal cleanup <id>`)
 *   calls {@link ContainerService.handleExit}: record the exit, unmount, and either restart (policy, back-off,
 *   the network namespace is kept) or release the network and, for `autoRemove`, remove the container. It is
 *   idempotent and serialised with every other state change by a per-container lock (a row in meta.db owned by
 *   a live process), so the exit command, a foreground CLI doing the same and a concurrent `rm -f` never race.
 *
 * Names resolve as Docker's: full id, name, then a unique id prefix (`multiple IDs found with provided prefix`).
 *
 * Errors (EngineError codes): not-found with subject `{kind:'container'}` ("No such container: x"), conflict (name
 * in use: Docker's wording; removing a running container; image in use), invalid-argument (bad options, mount
 * paths, ambiguous prefix), failed-precondition (wrong state: "container x is not running"), and whatever the
 * image, task and network layers raise (126/127 for a command that cannot run carry `exitCode`).
 */
import type { Digest } from '../digest.js';
import type { ContainerCreateOptions, HealthConfig, MergedConfig } from './options.js';
import type { NetworkNamespace } from '../oci/spec.js';
import type { OpContext } from '../op-context.js';
import type { AttachSession, ResizableTerminal } from '../tasks/attach.js';
import type { LogEntry } from '../tasks/logs.js';
import type { ExecResult } from '../tasks/exec.js';
import type { TopResult } from '../tasks/top.js';
import type { TaskMetrics } from '../tasks/metrics.js';
import type { Readable, Writable } from 'node:stream';

// ---------------------------------------------------------------------------------------------------------------
// Records

/** Docker's container states (State.Status). */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** `--restart`: Docker's HostConfig.RestartPolicy. `maximumRetryCount` only means something for on-failure. */
export interface RestartPolicy {
  readonly name: RestartPolicyName;
  readonly maximumRetryCount: number;
}

/** One network to join (`--network x --ip ... --network-alias ...`, compose's `networks:`). */
export interface NetworkAttachmentRequest {
  /** Network name, ID or ID prefix; `bridge` is the default network. */
  readonly network: string;
  readonly ip?: string;
  readonly ip6?: string;
  readonly mac?: string;
  /** Extra names peers resolve this container by (`--network-alias`, compose service names). */
  readonly aliases?: readonly string[];
}

/** `--network`, resolved from its flag syntax (network/network-mode.ts parses it). */
export type NetworkModeRequest =
  /** CNI networks; `defaulted` when no `--network` was given (inspect's NetworkMode `default`). */
  | { readonly kind: 'bridge'; readonly networks: readonly NetworkAttachmentRequest[]; readonly defaulted?: boolean }
  | { readonly kind: 'none' }
  | { readonly kind: 'host' }
  /** Another container's network namespace. */
  | { readonly kind: 'container'; readonly container: string }
  /** nerdctl's `ns:<path>`: an existing network namespace. */
  | { readonly kind: 'ns'; readonly path: string };

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

/** A `-p` request before host-port allocation (same shape as network/ports.ts PortSpec). */
export interface PortRequest {
  /** Host address, '' = all. */
  readonly hostIp: string;
  /** Absent: an ephemeral port; a range with start < end: any free port of it. */
  readonly hostPort?: { readonly start: number; readonly end: number };
  readonly containerPort: number;
  readonly protocol: PortProtocol;
}

/** A published port (same shape as network/ports.ts PortMapping). */
export interface PortBinding {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: PortProtocol;
}

/** `--add-host host:ip` (ip may be `host-gateway`). */
export interface ExtraHost {
  readonly host: string;
  readonly ip: string;
}

/** Everything about a container's networking, as asked for at create. */
export interface ContainerNetworkConfig {
  readonly mode: NetworkModeRequest;
  /** `-p` */
  readonly ports: readonly PortRequest[];
  /** `-P`: publish every exposed port (image EXPOSE + `--expose`) on a random host port. */
  readonly publishAll: boolean;
  /** `--expose` values as port keys (`80/tcp`). */
  readonly expose: readonly string[];
  readonly dns: readonly string[];
  readonly dnsSearch: readonly string[];
  readonly dnsOptions: readonly string[];
  readonly extraHosts: readonly ExtraHost[];
}

/** One joined network, as inspect shows it under NetworkSettings.Networks. */
export interface NetworkEndpoint {
  readonly network: string;
  readonly networkId: string;
  readonly endpointId: string;
  readonly ifname?: string;
  readonly ipAddress?: string;
  readonly prefixLength?: number;
  readonly gateway?: string;
  readonly ipv6Address?: string;
  readonly ipv6PrefixLength?: number;
  readonly ipv6Gateway?: string;
  readonly macAddress?: string;
  readonly aliases: readonly string[];
  /** The network's driver, for Docker's network connect/disconnect events (absent in records from before). */
  readonly driver?: string;
}

/** A container mount as recorded (inspect's Mounts) and handed to the spec. */
export interface ContainerMount {
  readonly type: 'bind' | 'volume' | 'tmpfs';
  /** Host path: the bind source or the volume's `_data` directory; '' for tmpfs. */
  readonly source: string;
  readonly destination: string;
  readonly readOnly: boolean;
  /** Docker's Mode string (`ro`, `z`, ''...). */
  readonly mode: string;
  readonly propagation?: string;
  readonly nonRecursive?: boolean;
  /** Volume name (named or anonymous). */
  readonly name?: string;
  readonly driver?: string;
  /** An anonymous volume made for this container: `rm -v` and `--rm` remove it. */
  readonly anonymous?: boolean;
  /** A volume created by this container's create: copy the image's content at `destination` into it on first start. */
  readonly copyUp?: boolean;
  /** A mount taken from another container (`--volumes-from`). */
  readonly fromContainer?: string;
  /** Part of a volume to mount (`volume-subpath`). */
  readonly subpath?: string;
}

/** Docker's health states. */
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy' | 'none';

/** One healthcheck probe result (State.Health.Log). */
export interface HealthLogEntry {
  readonly start: string;
  readonly end: string;
  readonly exitCode: number;
  readonly output: string;
}

/** State.Health. */
export interface HealthState {
  readonly status: HealthStatus;
  readonly failingStreak: number;
  /** The last five results, oldest first. */
  readonly log: readonly HealthLogEntry[];
}

/** What `start` recorded about the network. */
export interface NetworkRuntimeState {
  /** The network namespace for the spec (kept across restarts). */
  readonly netns: NetworkNamespace;
  readonly mode: NetworkModeRequest['kind'];
  /** The network provider's setup is in place (kept across restarts, released at the final exit). */
  readonly attached: boolean;
  readonly endpoints: readonly NetworkEndpoint[];
  readonly ports: readonly PortBinding[];
  /** For `container:` mode: the id of the container whose namespace is shared. */
  readonly sharedWith?: string;
}

/** The mutable part of a record. Times are RFC 3339 strings ('' = never). */
export interface ContainerState {
  readonly status: ContainerStatus;
  /** The init process's pid while running or paused, else 0. */
  readonly pid: number;
  readonly exitCode: number;
  readonly error: string;
  readonly oomKilled: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly restartCount: number;
  /** An explicit stop or kill by the user: the restart policy does not apply until the next start. */
  readonly stoppedByUser: boolean;
  /** conmon's pid and start time, for the cheap liveness check `ps` does. */
  readonly monitorPid?: number;
  readonly monitorStartTime?: string;
  /** Delay (ms) of the last restart back-off (Docker: 100 ms doubling, reset after 10 s of running). */
  readonly restartDelayMs?: number;
  /** While `restarting`: the owner token of the process waiting out the back-off (a dead one is taken over). */
  readonly restartOwner?: string;
  readonly network?: NetworkRuntimeState;
  readonly health?: HealthState;
  /** Exec session ids running now (inspect's ExecIDs). */
  readonly execIds?: readonly string[];
}

/** The immutable part of a record: what create decided. */
export interface ContainerConfig {
  /** The user's options as given (env, cmd, mounts, resources, security...). */
  readonly options: ContainerCreateOptions;
  /** The image config merged with the options (Config.Env, Entrypoint, Cmd, WorkingDir, User...). */
  readonly merged: MergedConfig;
  readonly hostname: string;
  readonly domainname: string;
  readonly network: ContainerNetworkConfig;
  /** Exposed ports (image EXPOSE + `--expose` + published), as port keys (`80/tcp`). */
  readonly exposedPorts: readonly string[];
  readonly restartPolicy: RestartPolicy;
  readonly autoRemove: boolean;
  readonly mounts: readonly ContainerMount[];
  /** Docker's Config.AttachStdin/Stdout/Stderr, OpenStdin, StdinOnce. */
  readonly attachStdin: boolean;
  readonly attachStdout: boolean;
  readonly attachStderr: boolean;
  readonly stdinOnce: boolean;
  /** The merged healthcheck (image + flags); absent or `['NONE']` = none. */
  readonly healthcheck?: HealthConfig;
  /** The OCI runtime (`--runtime`, default runc). */
  readonly runtime: string;
  /** Where create recorded warnings (Docker prints them). */
  readonly warnings: readonly string[];
  readonly cidfile?: string;
  /** The platform of the image that was used (`linux/amd64`). */
  readonly platform: string;
  readonly logPath: string;
  /** The init binary chosen at create (`--init`). */
  readonly initBinary?: string;
}

/** A container record (one row of the `containers` table). */
export interface ContainerRecord {
  readonly id: string;
  readonly namespace: string;
  /** Without the leading slash. */
  readonly name: string;
  /** The image as the user named it (Config.Image). */
  readonly image: string;
  /** The image's normalised name at create (`docker.io/library/busybox:latest`), for `ancestor` filters. */
  readonly imageName: string;
  /** The image ID (config digest). */
  readonly imageId: Digest;
  /** Manifest digest of the platform used. */
  readonly imageManifest?: Digest;
  readonly snapshotter: string;
  readonly snapshotKey: string;
  /** Container labels: image labels, then the user's. */
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly config: ContainerConfig;
  readonly state: ContainerState;
}

/**
 * What `ps` needs of a container, read in one query without the full config. Status is reconciled with the
 * task's exit file and the monitor's liveness (see {@link ContainerService.list}).
 */
export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly imageName: string;
  readonly imageId: string;
  /** Entrypoint + cmd, for the COMMAND column. */
  readonly command: readonly string[];
  readonly createdAt: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: ContainerState;
  readonly exposedPorts: readonly string[];
  readonly networks: readonly string[];
  /** Volume names and mount destinations (the `volume` filter). */
  readonly volumes: readonly string[];
  readonly snapshotter: string;
  readonly snapshotKey: string;
}

// ---------------------------------------------------------------------------------------------------------------
// The network provider (implemented by src/network, injected by the CLI)

/** What the provider needs to set a container's networking up at start. */
export interface NetworkSetupRequest {
  readonly containerId: string;
  readonly name: string;
  readonly hostname: string;
  readonly domainname: string;
  /** `container:` is resolved by the engine: the provider gets the namespace path to share. */
  readonly mode:
    | { readonly kind: 'bridge'; readonly networks: readonly NetworkAttachmentRequest[] }
    | { readonly kind: 'none' }
    | { readonly kind: 'host' }
    | { readonly kind: 'ns'; readonly path: string };
  /** Explicit `-p` requests. */
  readonly ports: readonly PortRequest[];
  readonly publishAll: boolean;
  /** Every exposed port key (`80/tcp`), for `-P`. */
  readonly exposedPorts: readonly string[];
  readonly dns: { readonly servers: readonly string[]; readonly search: readonly string[]; readonly options: readonly string[] };
  readonly extraHosts: readonly ExtraHost[];
  /** Files to write (the provider keeps hosts up to date for peers' names). */
  readonly hostsPath: string;
  readonly resolvConfPath: string;
  /** Host ports the engine knows are taken by other containers (besides what the provider records). */
  readonly takenPorts?: readonly PortBinding[];
}

/** What setup did, as plain data for the spec and for inspect. */
export interface NetworkSetupResult {
  readonly netns: NetworkNamespace;
  readonly endpoints: readonly NetworkEndpoint[];
  readonly ports: readonly PortBinding[];
}

/**
 * Networking as the engine sees it. The engine never imports src/network; the CLI injects an implementation
 * (src/network/container-provider.ts). Contract:
 * - `validate` (create): unknown networks are not-found, bad `--ip`/aliases/`--add-host` invalid-argument; no
 *   side effects.
 * - `setup` (start): creates whatever the mode needs (netns, CNI ADD per network, published ports, hosts and
 *   resolv.conf) and undoes all of it when it fails (conflict for a taken host port).
 * - `teardown` (final exit, removal): releases everything setup made. Idempotent; safe after a crash half-way.
 */
export interface ContainerNetworkProvider {
  validate(ctx: OpContext, req: { readonly mode: NetworkSetupRequest['mode']; readonly extraHosts: readonly ExtraHost[] }): Promise<void>;
  setup(ctx: OpContext, req: NetworkSetupRequest): Promise<NetworkSetupResult>;
  teardown(ctx: OpContext, containerId: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Service API

/** `create`'s request (`run`/`create` flags after parsing; compose fills it from a service). */
export interface CreateContainerRequest {
  /** Image reference as typed. */
  readonly image: string;
  /** `--pull` (default missing). */
  readonly pull?: 'missing' | 'always' | 'never';
  /** `--platform` (`linux/amd64`). */
  readonly platform?: string;
  /** `--name`; a Docker-style random name when absent. */
  readonly name?: string;
  readonly options: ContainerCreateOptions;
  /** User labels (`--label`, compose's labels). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Default: the default bridge network, no ports. */
  readonly network?: Partial<ContainerNetworkConfig>;
  readonly restartPolicy?: RestartPolicy;
  /** `--rm`. */
  readonly autoRemove?: boolean;
  /** Docker's attach flags for Config (`run` without `-d` attaches stdout/stderr; `-i` stdin). */
  readonly attach?: { readonly stdin?: boolean; readonly stdout?: boolean; readonly stderr?: boolean };
  /** StdinOnce: close stdin when the attached client ends it (`run -i` without `-d`). */
  readonly stdinOnce?: boolean;
  /** Runtime binary (`--runtime`, default runc). */
  readonly runtime?: string;
  readonly cidfile?: string;
  /** Called once when the image is not here and create is about to pull it (Docker's "Unable to find image"). */
  readonly onPullStart?: () => void;
  /** Pull progress, when create pulls. */
  readonly onPullProgress?: (event: unknown) => void;
}

export interface CreateContainerResult {
  readonly id: string;
  readonly name: string;
  /** Docker's create warnings (printed as `WARNING: ...`). */
  readonly warnings: readonly string[];
}

/** Stdio for an attached start or `attach`. */
export interface ContainerIO {
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Raw detach sequence (tasks/attach.ts parseDetachKeys); null disables. */
  readonly detachKeys?: Buffer | null;
  /** With `-t`: follow this terminal's size. */
  readonly terminal?: ResizableTerminal;
  readonly closeStdinOnEof?: boolean;
}

export interface StartContainerOptions {
  /** Attach before the process starts (foreground `run`, `start -a`): no output is missed. */
  readonly attach?: ContainerIO;
  /** Initial pty size (spec consoleSize), for `-t`. */
  readonly consoleSize?: { readonly rows: number; readonly cols: number };
  /**
   * The caller will wait for the exit and call {@link ContainerService.handleExit} itself (foreground run with
   * `--rm` or no restart policy): the exit command then skips its own cleanup while this process is alive.
   */
  readonly handleExitInProcess?: boolean;
}

export interface StartContainerResult {
  /** The attach session when `attach` was given. */
  readonly session?: AttachSession;
  /** False when the container was already running (Docker's start is then a no-op). */
  readonly started: boolean;
}

export interface StopContainerOptions {
  /** Seconds before SIGKILL; default the container's `--stop-timeout` or 10; negative = wait forever. */
  readonly timeoutSeconds?: number;
  /** Default the container's stop signal or SIGTERM. */
  readonly signal?: string;
}

export interface RemoveContainerOptions {
  /** Kill a running container first (`rm -f`). */
  readonly force?: boolean;
  /** Remove its anonymous volumes (`rm -v`). */
  readonly volumes?: boolean;
}

export interface ListContainersOptions {
  /** Include stopped containers (`ps -a`). */
  readonly all?: boolean;
}

export interface ContainerLogsOptions {
  readonly follow?: boolean;
  readonly tail?: number;
  /** Epoch nanoseconds. */
  readonly since?: bigint;
  readonly until?: bigint;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
}

export interface ContainerExecOptions {
  readonly args: readonly string[];
  readonly env?: readonly string[];
  readonly workdir?: string;
  /** `-u` as typed; resolved against the container's /etc/passwd. */
  readonly user?: string;
  readonly privileged?: boolean;
  readonly tty?: boolean;
  readonly stdin?: boolean;
  readonly detach?: boolean;
  readonly io?: ContainerIO;
  readonly consoleSize?: { readonly rows: number; readonly cols: number };
}

/** The containers service. Every method is scoped by `ctx.namespace`; `ref` is a name, id or unique id prefix. */
export interface ContainerService {
  /** Creates a container (see the file header). Returns its id and name. */
  create(ctx: OpContext, req: CreateContainerRequest): Promise<CreateContainerResult>;
  /** Starts a created or exited container; a running one is left alone (`started: false`). */
  start(ctx: OpContext, ref: string, opts?: StartContainerOptions): Promise<StartContainerResult>;
  /** Docker's stop: stop signal, timeout, SIGKILL; records the exit before returning. Not restarted by policy. */
  stop(ctx: OpContext, ref: string, opts?: StopContainerOptions): Promise<void>;
  /** stop (if running) then start. */
  restart(ctx: OpContext, ref: string, opts?: StopContainerOptions): Promise<void>;
  /** Sends a signal (default KILL). An explicit kill is not restarted by policy. failed-precondition when not running. */
  kill(ctx: OpContext, ref: string, signal?: string): Promise<void>;
  pause(ctx: OpContext, ref: string): Promise<void>;
  unpause(ctx: OpContext, ref: string): Promise<void>;
  /** Removes a container; conflict for a running one without `force`. */
  remove(ctx: OpContext, ref: string, opts?: RemoveContainerOptions): Promise<void>;
  /** Renames; conflict when the new name is taken. */
  rename(ctx: OpContext, ref: string, newName: string): Promise<void>;
  /** The record `ref` names, with a reconciled state. */
  get(ctx: OpContext, ref: string): Promise<ContainerRecord>;
  /** Every container (running ones only unless `all`), newest first, states reconciled cheaply. */
  list(ctx: OpContext, opts?: ListContainersOptions): Promise<ContainerSummary[]>;
  /** Waits until the container is not running and returns its exit code (`docker wait`). */
  wait(ctx: OpContext, ref: string): Promise<number>;
  /** Attaches to a running container's stdio. */
  attach(ctx: OpContext, ref: string, io: ContainerIO): Promise<AttachSession>;
  /** Runs a process in a running container; the exit code when in the foreground. */
  exec(ctx: OpContext, ref: string, opts: ContainerExecOptions): Promise<ExecResult>;
  /** The container's log entries (k8s-file written by conmon). */
  logs(ctx: OpContext, ref: string, opts?: ContainerLogsOptions): AsyncIterable<LogEntry>;
  /** Published ports (`docker port`). */
  ports(ctx: OpContext, ref: string): Promise<PortBinding[]>;
  /** Resizes the container's pty. */
  resize(ctx: OpContext, ref: string, size: { rows: number; cols: number }): Promise<void>;
  top(ctx: OpContext, ref: string, psArgs?: readonly string[]): Promise<TopResult>;
  stats(ctx: OpContext, ref: string): Promise<TaskMetrics>;
  /**
   * The exit command's work (idempotent, see the file header): records the exit of the task `id` (full id),
   * restarts it by policy or releases its network, removes an auto-remove container. Returns what happened.
   */
  handleExit(ctx: OpContext, id: string): Promise<'running' | 'restarted' | 'exited' | 'removed' | 'gone'>;
  /** Size of the container's writable layer and of its root filesystem (`ps -s`, `inspect --size`). */
  size(ctx: OpContext, ref: string): Promise<{ rw: number; rootFs: number }>;
  /** Runs one healthcheck probe now and records it (the health runner calls this). */
  runHealthcheck(ctx: OpContext, id: string): Promise<HealthState | undefined>;
}
