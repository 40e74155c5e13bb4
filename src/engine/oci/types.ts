/**
 * The parts of the OCI runtime specification (config.json, runtime-spec 1.0.2 as runc 1.1 reads it) that this
 * project writes. Field names are the JSON names. Integers that may exceed 2^53 (rlimits at RLIM_INFINITY) are
 * `bigint`; write the object with {@link serializeSpec} from `./serialize.js`, never with plain `JSON.stringify`.
 */

export interface Spec {
  ociVersion: string;
  process: Process;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux: Linux;
}

export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/** `type` is `RLIMIT_<NAME>`; soft and hard are rlim_t values (RLIM_INFINITY = 2^64-1). */
export interface Rlimit {
  type: string;
  hard: number | bigint;
  soft: number | bigint;
}

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';

export interface Namespace {
  type: NamespaceType;
  path?: string;
}

export interface Linux {
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  sysctl?: Record<string, string>;
  resources?: Resources;
  cgroupsPath?: string;
  namespaces: Namespace[];
  devices?: Device[];
  seccomp?: Seccomp;
  rootfsPropagation?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** A device node runc creates inside the container. */
export interface Device {
  type: 'c' | 'b' | 'u' | 'p';
  path: string;
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** A device cgroup rule; `type` `a` (or absent) means all, absent major/minor mean `*`. */
export interface DeviceCgroupRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface Resources {
  devices?: DeviceCgroupRule[];
  memory?: {
    limit?: number;
    reservation?: number;
    swap?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
  };
  cpu?: {
    shares?: number;
    quota?: number;
    period?: number;
    realtimeRuntime?: number;
    realtimePeriod?: number;
    cpus?: string;
    mems?: string;
  };
  pids?: { limit: number };
  blockIO?: {
    weight?: number;
    weightDevice?: { major: number; minor: number; weight?: number }[];
    throttleReadBpsDevice?: { major: number; minor: number; rate: number }[];
    throttleWriteBpsDevice?: { major: number; minor: number; rate: number }[];
    throttleReadIOPSDevice?: { major: number; minor: number; rate: number }[];
    throttleWriteIOPSDevice?: { major: number; minor: number; rate: number }[];
  };
}

export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface SeccompSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface Seccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: SeccompSyscall[];
}
