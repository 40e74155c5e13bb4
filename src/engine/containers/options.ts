/**
 * Typed container creation options, and the parsers of Docker's string syntaxes that fill them.
 *
 * Two producers fill {@link ContainerCreateOptions}:
 * - the `run`/`create` commands, through {@link containerOptionsFromFlags}, which takes the raw flag values keyed
 *   by Docker's long flag names and reports bad values with Docker's wording
 *   (`invalid argument "x" for "-m, --memory" flag: invalid size: 'x'`);
 * - compose, which starts from {@link emptyContainerOptions} and fills fields from service keys with the same
 *   single-value parsers (`parseRamBytes`, `parseUlimit`, `parseVolumeSpec`, `mountRequestFromFields`...), then
 *   calls {@link validateContainerOptions}.
 *
 * Options hold the user's intent only: volume names, host paths, container references (`--pid container:x`) and
 * the image's config are resolved later (containers service), and {@link mergeImageConfig} applies Docker's
 * image-config rules (env, entrypoint/cmd, workdir, user, healthcheck). Every user-caused error is an
 * `invalid-argument` EngineError.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EngineError, invalidArgument, isErrno } from '../errdefs.js';
import { normalizeCapabilities } from '../oci/caps.js';
import { type DeviceRequest, parseDevice, parseDeviceCgroupRule } from '../oci/devices.js';
import { type Propagation, cleanPath, isPropagation, mergeTmpfsOptions, parseTmpfs, validateMountDestination } from '../oci/mounts.js';
import { type Ulimit, parseUlimit } from '../oci/rlimits.js';
import { parseSignal } from '../oci/signals.js';
import { parseSysctl } from '../oci/sysctls.js';
import type { DeviceCgroupRule } from '../oci/types.js';
import {
  ValueSyntaxError,
  parseGoDuration,
  parseGoInt,
  parseNanoCpus,
  parseRamBytes,
  parseUintList,
} from '../oci/units.js';

export { parseRamBytes, parseNanoCpus, parseGoDuration, parseGoInt, parseUintList } from '../oci/units.js';
export { parseUlimit, type Ulimit, type UlimitName } from '../oci/rlimits.js';
export { parseDevice, parseDeviceCgroupRule, type DeviceRequest } from '../oci/devices.js';
export { parseSysctl } from '../oci/sysctls.js';
export { parseTmpfs, type Propagation } from '../oci/mounts.js';
export { normalizeCapability, normalizeCapabilities } from '../oci/caps.js';
export { parseSignal } from '../oci/signals.js';

// ---------------------------------------------------------------------------------------------------------------
// Types

/** A healthcheck as Docker stores it (durations in nanoseconds; 0 = inherit/default). */
export interface HealthConfig {
  /** `[]` inherit, `['NONE']` disabled, `['CMD', ...args]`, `['CMD-SHELL', command]`. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/**
 * What an image's config contributes to a container (the OCI image config's `config` object, Docker's field
 * names). Any object with these optional fields fits, so the image service's own type can be passed as is.
 */
export interface ImageConfigInput {
  Env?: readonly string[] | null;
  Entrypoint?: readonly string[] | null;
  Cmd?: readonly string[] | null;
  WorkingDir?: string;
  User?: string;
  StopSignal?: string;
  Volumes?: Readonly<Record<string, unknown>> | null;
  ExposedPorts?: Readonly<Record<string, unknown>> | null;
  Healthcheck?: HealthConfig | null;
}

/** `--memory`, `--cpus` and friends. Sizes in bytes; undefined means "not set". */
export interface ResourceOptions {
  memory?: number;
  /** Memory plus swap; -1 = unlimited swap; unset with a memory limit = twice the memory (Docker). */
  memorySwap?: number;
  memoryReservation?: number;
  /** 0..100; unset = kernel default. */
  memorySwappiness?: number;
  oomKillDisable?: boolean;
  /** `--cpus` in billionths of a CPU (1.5 -> 1500000000); becomes a CFS quota over a 100ms period. */
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** > 0 sets a limit; 0 or -1 = unlimited. */
  pidsLimit?: number;
  /** 10..1000; 0/unset = none. */
  blkioWeight?: number;
  ulimits: Ulimit[];
}

export type SeccompOption =
  | { mode: 'default' }
  | { mode: 'unconfined' }
  /** A Docker-format profile read from `path` when the options were made (as docker's client does). */
  | { mode: 'profile'; path: string; profile: unknown };

export interface SecurityOptions {
  /** `--security-opt no-new-privileges[=true|false]`. */
  noNewPrivileges: boolean;
  seccomp: SeccompOption;
  /** `apparmor=<profile>`: recorded, not applied (no AppArmor support in this engine). */
  apparmor?: string;
  /** `label=...` values: recorded, not applied (no SELinux support in this engine). */
  labels: string[];
  /** `systempaths=unconfined`: no masked or read-only /proc and /sys paths. */
  systemPaths: 'default' | 'unconfined';
  /** podman's `mask=/a:/b`: more paths to mask. */
  mask: string[];
  /** podman's `unmask=ALL` or `unmask=/proc/kcore:/proc/keys`: default masked/read-only paths to leave alone. */
  unmask: string[];
  /** `writable-cgroups[=bool]`; unset = writable only when privileged. */
  writableCgroups?: boolean;
}

export type PidMode = { kind: 'private' } | { kind: 'host' } | { kind: 'container'; container: string };
export type IpcMode =
  | { kind: 'private' }
  | { kind: 'shareable' }
  | { kind: 'none' }
  | { kind: 'host' }
  | { kind: 'container'; container: string };
export type UtsMode = 'private' | 'host';
export type CgroupnsMode = 'host' | 'private';

/** `-v /host:/ctr`, `--mount type=bind`. */
export interface BindMountRequest {
  type: 'bind';
  /** Absolute host path (relative `./x` paths are made absolute against the caller's cwd). */
  source: string;
  target: string;
  readOnly: boolean;
  propagation: Propagation;
  nonRecursive: boolean;
  /**
   * A missing source is created as a directory (`-v`, or `--mount ...,bind-create-src`); otherwise it is an
   * error for the resolver: `invalid mount config for type "bind": bind source path does not exist: /x`.
   */
  createSource: boolean;
  /** `z`/`Z` given: accepted, no SELinux relabelling is done. */
  selinuxRelabel?: 'z' | 'Z';
}

/** `-v name:/ctr`, `-v /ctr` (anonymous), `--mount type=volume`. */
export interface VolumeMountRequest {
  type: 'volume';
  /** Absent: an anonymous volume. */
  name?: string;
  target: string;
  readOnly: boolean;
  /** Do not copy the image's content at `target` into a new, empty volume. */
  noCopy: boolean;
  subpath?: string;
  labels?: Record<string, string>;
  driver?: string;
  driverOptions?: Record<string, string>;
}

/** `--tmpfs /ctr[:opts]`, `--mount type=tmpfs`. */
export interface TmpfsMountRequest {
  type: 'tmpfs';
  target: string;
  /** tmpfs options as given (`size=64m`, `mode=1777`, `ro`, `exec`...); Docker's defaults are added by the spec. */
  options: string[];
}

export type MountRequest = BindMountRequest | VolumeMountRequest | TmpfsMountRequest;

/** `--volumes-from name[:ro|rw]`. */
export interface VolumesFromRequest {
  container: string;
  /** `ro` makes every mount read-only; otherwise each keeps the source container's mode. */
  readOnly: boolean;
}

/**
 * Everything about a new container that the spec depends on, as the user asked for it. Networking, ports,
 * names, labels, restart policy and logging live beside this (other services own them).
 */
export interface ContainerCreateOptions {
  /** `KEY=value` entries in the user's order (env files first, then `-e`); a bare `KEY` unsets KEY. */
  env: string[];
  /** Undefined: the image's. `[]`: cleared (`--entrypoint ""`). Given: replaces it and drops the image's CMD. */
  entrypoint?: string[];
  /** Undefined: the image's CMD (unless the entrypoint was overridden). Given: replaces it. */
  cmd?: string[];
  /** Absolute; undefined = the image's WORKDIR or `/`. */
  workdir?: string;
  /** `name`, `uid`, `name:group`, `uid:gid`...; undefined = the image's USER. */
  user?: string;
  groupAdd: string[];
  tty: boolean;
  interactive: boolean;
  hostname?: string;
  domainname?: string;
  /** `--init`: run the init binary as PID 1. Undefined = false (or the engine's configured default). */
  init?: boolean;
  /** Host path of the init binary (nerdctl's `--init-binary`); undefined = the first one found. */
  initBinary?: string;
  stopSignal?: string;
  /** Seconds; undefined = the engine default (10). */
  stopTimeout?: number;
  /** From `--health-*`/`--no-healthcheck`; merged with the image's by {@link mergeImageConfig}. */
  healthcheck?: HealthConfig;

  resources: ResourceOptions;
  /** /dev/shm size in bytes; undefined = 64 MiB. */
  shmSize?: number;
  oomScoreAdj?: number;
  cgroupParent?: string;

  privileged: boolean;
  /** Normalised `CAP_*` names, or `ALL`. */
  capAdd: string[];
  capDrop: string[];
  readOnly: boolean;
  security: SecurityOptions;
  devices: DeviceRequest[];
  deviceCgroupRules: DeviceCgroupRule[];
  sysctls: Record<string, string>;

  pid: PidMode;
  ipc: IpcMode;
  uts: UtsMode;
  /** Undefined: Docker's default (host on cgroup v1, private on v2). */
  cgroupns?: CgroupnsMode;

  /** In Docker's order: `-v` binds and volumes, then `--mount`, then `--tmpfs`. */
  mounts: MountRequest[];
  volumesFrom: VolumesFromRequest[];
  annotations: Record<string, string>;
}

/** Options for a container with every default (what `run IMAGE` gives). */
export function emptyContainerOptions(): ContainerCreateOptions {
  return {
    env: [],
    groupAdd: [],
    tty: false,
    interactive: false,
    resources: { ulimits: [] },
    privileged: false,
    capAdd: [],
    capDrop: [],
    readOnly: false,
    security: { noNewPrivileges: false, seccomp: { mode: 'default' }, labels: [], systemPaths: 'default', mask: [], unmask: [] },
    devices: [],
    deviceCgroupRules: [],
    sysctls: {},
    pid: { kind: 'private' },
    ipc: { kind: 'private' },
    uts: 'private',
    mounts: [],
    volumesFrom: [],
    annotations: {},
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Docker's flag labels (`-m, --memory` for flags with a shorthand) by long name. */
const shorthands: Record<string, string> = {
  env: 'e',
  workdir: 'w',
  user: 'u',
  hostname: 'h',
  tty: 't',
  interactive: 'i',
  memory: 'm',
  'cpu-shares': 'c',
  volume: 'v',
};

/** `-m, --memory` or `--memory-swap`: how pflag names a flag in its errors. */
export function flagLabel(flag: string): string {
  const s = shorthands[flag];
  return s ? `-${s}, --${flag}` : `--${flag}`;
}

/** pflag's error for a value a flag refused: `invalid argument "x" for "-m, --memory" flag: <why>`. */
export function flagError(flag: string, value: string | number, cause: unknown): EngineError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return invalidArgument(`invalid argument ${JSON.stringify(String(value))} for ${JSON.stringify(flagLabel(flag))} flag: ${why}`, {
    cause,
  });
}

function asInvalid(err: unknown): unknown {
  return err instanceof ValueSyntaxError ? invalidArgument(err.message, { cause: err }) : err;
}

/** Runs `fn(value)`, turning a syntax error into {@link flagError}. */
function viaFlag<T>(flag: string, value: string | number, fn: (v: string) => T): T {
  try {
    return fn(String(value));
  } catch (err) {
    if (err instanceof ValueSyntaxError || err instanceof EngineError) throw flagError(flag, value, err);
    throw err;
  }
}

/** Runs `fn`, turning a syntax error into a plain invalid-argument error (Docker's daemon-side messages). */
function plain<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asInvalid(err);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Environment

/**
 * One `-e` value (Docker's ValidateEnv): `KEY=value` as is; a bare `KEY` takes the caller's value when it has one
 * (`KEY=value`) and stays a bare `KEY` (unset in the container) otherwise. Throws on an empty name:
 * `invalid environment variable: =x`.
 */
export function parseEnvFlag(text: string, lookupEnv: (key: string) => string | undefined): string {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  if (key === '') throw new ValueSyntaxError(`invalid environment variable: ${text}`);
  if (eq >= 0) return text;
  const v = lookupEnv(key);
  return v === undefined ? text : `${key}=${v}`;
}

/**
 * Parses env-file content with Docker's rules (docker/cli kvfile): UTF-8 (a BOM is dropped), leading whitespace
 * trimmed, `#` comments and blank lines skipped, `KEY=value` kept verbatim (quotes and trailing spaces are part
 * of the value, nothing is interpolated), a bare `KEY` takes the caller's value or is omitted. Keys may not
 * contain whitespace. Errors: `no variable name on line 'x'`, `variable 'a b' contains whitespaces`,
 * `invalid utf8 bytes at line N`.
 */
export function parseEnvFile(content: string | Uint8Array, lookupEnv: (key: string) => string | undefined): string[] {
  let text: string;
  if (typeof content === 'string') {
    text = content;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(content);
    } catch {
      const lineNo = findBadUtf8Line(content);
      throw new ValueSyntaxError(`invalid utf8 bytes at line ${lineNo}`);
    }
  }
  if (text.startsWith('\ufeff')) text = text.slice(1);
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key === '') throw new ValueSyntaxError(`no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw new ValueSyntaxError(`variable '${key}' contains whitespaces`);
    if (eq >= 0) {
      out.push(line);
      continue;
    }
    const v = lookupEnv(line);
    if (v !== undefined) out.push(`${key}=${v}`);
  }
  return out;
}

function findBadUtf8Line(bytes: Uint8Array): number {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  let line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        dec.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      start = i + 1;
      line++;
    }
  }
  return line;
}

function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** Drops earlier entries whose key appears again later (later wins), keeping the order of the survivors. */
function dedupeEnv(entries: readonly string[]): string[] {
  const last = new Map<string, number>();
  entries.forEach((e, i) => last.set(envKey(e), i));
  return entries.filter((e, i) => last.get(envKey(e)) === i);
}

/**
 * A container's `Config.Env` as Docker makes it: the user's entries, then the image's entries whose key the user
 * did not set. Duplicate keys keep the last value.
 */
export function mergeEnv(imageEnv: readonly string[] | null | undefined, userEnv: readonly string[]): string[] {
  const user = dedupeEnv(userEnv);
  const keys = new Set(user.map(envKey));
  return [...user, ...dedupeEnv(imageEnv ?? []).filter((e) => !keys.has(envKey(e)))];
}

/**
 * `defaults` with `overrides` applied as Docker's ReplaceOrAppendEnvValues: `KEY=value` replaces KEY in place or
 * is appended; a bare `KEY` removes it.
 */
export function replaceOrAppendEnv(defaults: readonly string[], overrides: readonly string[]): string[] {
  const out: (string | undefined)[] = [...defaults];
  const index = new Map<string, number>();
  out.forEach((e, i) => index.set(envKey(e as string), i));
  for (const o of overrides) {
    const key = envKey(o);
    const at = index.get(key);
    if (!o.includes('=')) {
      if (at !== undefined) out[at] = undefined;
      continue;
    }
    if (at !== undefined && out[at] !== undefined) out[at] = o;
    else {
      index.set(key, out.length);
      out.push(o);
    }
  }
  return out.filter((e): e is string => e !== undefined);
}

// ---------------------------------------------------------------------------------------------------------------
// Image config merge

/** The image config and the user's options combined by Docker's rules (what `inspect` shows under Config). */
export interface MergedConfig {
  /** Config.Env: user entries, then image entries not overridden (see {@link mergeEnv}). */
  env: string[];
  entrypoint: string[];
  cmd: string[];
  /** entrypoint + cmd: the process args (before any `--init` prefix). */
  args: string[];
  /** Absolute working directory, `/` by default. */
  workingDir: string;
  /** `-u` or the image's USER (`''` = root). */
  user: string;
  stopSignal?: string;
  healthcheck?: HealthConfig;
  /** Image VOLUME targets plus anonymous `-v /path` targets (Docker's Config.Volumes), cleaned and unique. */
  volumes: string[];
}

/**
 * Applies Docker's create-time merge of the image config (moby daemon/commit.go `merge` and
 * `mergeAndVerifyConfig`):
 * - env: see {@link mergeEnv};
 * - no `--entrypoint`: the image's ENTRYPOINT, with the user's command or else the image's CMD;
 * - `--entrypoint x`: x, with the user's command only (the image's CMD is dropped);
 * - `--entrypoint ""`: no entrypoint, the user's command only;
 * - neither entrypoint nor command left: invalid-argument `no command specified`.
 */
export function mergeImageConfig(image: ImageConfigInput, opts: ContainerCreateOptions): MergedConfig {
  let entrypoint: string[];
  let cmd: string[];
  if (opts.entrypoint === undefined) {
    entrypoint = [...(image.Entrypoint ?? [])];
    cmd = opts.cmd !== undefined && opts.cmd.length > 0 ? [...opts.cmd] : [...(image.Cmd ?? [])];
  } else {
    entrypoint = opts.entrypoint.length === 1 && opts.entrypoint[0] === '' ? [] : [...opts.entrypoint];
    cmd = [...(opts.cmd ?? [])];
  }
  if (entrypoint.length === 0 && cmd.length === 0) throw invalidArgument('no command specified');

  const workingDir = cleanPath(opts.workdir || image.WorkingDir || '/');
  const volumes = new Set<string>();
  for (const v of Object.keys(image.Volumes ?? {})) volumes.add(cleanPath(v));
  for (const m of opts.mounts) {
    if (m.type === 'volume' && m.name === undefined) volumes.add(m.target);
  }
  const merged: MergedConfig = {
    env: mergeEnv(image.Env, opts.env),
    entrypoint,
    cmd,
    args: [...entrypoint, ...cmd],
    workingDir: workingDir.startsWith('/') ? workingDir : `/${workingDir}`,
    user: opts.user ?? image.User ?? '',
    volumes: [...volumes],
  };
  const stopSignal = opts.stopSignal || image.StopSignal || undefined;
  if (stopSignal) merged.stopSignal = stopSignal;
  const hc = mergeHealthcheck(image.Healthcheck ?? undefined, opts.healthcheck);
  if (hc) merged.healthcheck = hc;
  return merged;
}

/** Docker's healthcheck merge: the user's fields win, zero/empty ones are taken from the image. */
export function mergeHealthcheck(image: HealthConfig | undefined, user: HealthConfig | undefined): HealthConfig | undefined {
  if (!image) return user ? { ...user } : undefined;
  if (!user) return { ...image };
  const out: HealthConfig = { ...user };
  if (!out.Test || out.Test.length === 0) out.Test = image.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    if (!out[k]) out[k] = image[k];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Mounts

const volumeNameRe = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function checkVolumeName(name: string): void {
  if (!volumeNameRe.test(name)) {
    throw invalidArgument(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

const rwModes = new Set(['ro', 'rw']);
const labelModes = new Set(['z', 'Z']);
const consistencyModes = new Set(['consistent', 'cached', 'delegated', 'default']);

// moby linuxValidMountMode: each kind at most once, nothing unknown.
function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = { rw: 0, label: 0, prop: 0, copy: 0, consistency: 0 };
  for (const o of mode.split(',')) {
    if (rwModes.has(o)) counts.rw++;
    else if (labelModes.has(o)) counts.label++;
    else if (isPropagation(o)) counts.prop++;
    else if (o === 'nocopy') counts.copy++;
    else if (consistencyModes.has(o)) counts.consistency++;
    else return false;
  }
  return Object.values(counts).every((n) => n <= 1);
}

function mountConfigError(type: string, why: string): EngineError {
  return invalidArgument(`invalid mount config for type ${JSON.stringify(type)}: ${why}`);
}

function checkTarget(type: string, target: string): void {
  if (target === '') throw mountConfigError(type, 'field Target must not be empty');
  try {
    validateMountDestination(target);
  } catch (err) {
    throw mountConfigError(type, (err as Error).message);
  }
}

/**
 * Parses a `-v`/`--volume` value with Docker's rules (docker/cli volumespec, then moby's Linux ParseMountRaw):
 * `/host:/ctr[:opts]` is a bind (a relative `./host` is made absolute against `cwd`), `name:/ctr[:opts]` a named
 * volume, `/ctr` an anonymous volume. Options: `ro`/`rw`, `z`/`Z`, one propagation mode (binds only), `nocopy`
 * (volumes only), a consistency mode (ignored). Binds given with `-v` create a missing host directory.
 *
 * Errors (invalid-argument, Docker's text): `invalid empty volume spec`, `invalid spec: x: empty section between colons`,
 * `invalid volume specification: 'x'`, `invalid mode: x`, `invalid volume specification: 'x': invalid mount
 * config for type "bind": field VolumeOptions must not be specified`...
 */
export function parseVolumeSpec(spec: string, cwd: string): BindMountRequest | VolumeMountRequest {
  if (spec === '') throw invalidArgument('invalid empty volume spec');
  if (spec.length > 2 && spec.split(':').some((p) => p === '')) {
    throw invalidArgument(`invalid spec: ${spec}: empty section between colons`);
  }
  let raw = spec;
  const firstColon = spec.indexOf(':');
  if (firstColon > 0 && spec.startsWith('.')) {
    raw = `${path.resolve(cwd, spec.slice(0, firstColon))}${spec.slice(firstColon)}`;
  }
  const invalidSpec = () => invalidArgument(`invalid volume specification: '${raw}'`);
  const arr = raw.split(':');
  if (arr.length > 4) arr.splice(3, arr.length - 3, arr.slice(3).join(':'));
  if (arr[0] === '') throw invalidSpec();
  let source = '';
  let target: string;
  let mode = '';
  if (arr.length === 1) {
    target = arr[0] as string;
  } else if (arr.length === 2) {
    if (validMountMode(arr[1] as string)) throw invalidSpec();
    source = arr[0] as string;
    target = arr[1] as string;
  } else if (arr.length === 3) {
    source = arr[0] as string;
    target = arr[1] as string;
    mode = arr[2] as string;
  } else {
    throw invalidSpec();
  }
  if (!validMountMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  const opts = mode === '' ? [] : mode.split(',');
  const type = source.startsWith('/') ? 'bind' : 'volume';
  const readOnly = opts.includes('ro');
  const propagation = opts.find(isPropagation);
  const noCopy = opts.includes('nocopy');
  const wrap = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      throw invalidArgument(`invalid volume specification: '${raw}': ${(err as Error).message}`, { cause: err });
    }
  };
  wrap(() => {
    if (type === 'bind' && noCopy) throw mountConfigError('bind', 'field VolumeOptions must not be specified');
    if (type === 'volume' && propagation) throw mountConfigError('volume', 'field BindOptions must not be specified');
    checkTarget(type, target);
  });
  const cleanTarget = cleanPath(target);
  const relabel = opts.find((o) => o === 'z' || o === 'Z') as 'z' | 'Z' | undefined;
  if (type === 'bind') {
    const req: BindMountRequest = {
      type: 'bind',
      source: cleanPath(source),
      target: cleanTarget,
      readOnly,
      propagation: propagation ?? 'rprivate',
      nonRecursive: false,
      createSource: true,
    };
    if (relabel) req.selinuxRelabel = relabel;
    return req;
  }
  const req: VolumeMountRequest = { type: 'volume', target: cleanTarget, readOnly, noCopy };
  if (source !== '') {
    checkVolumeName(source);
    req.name = source;
  }
  return req;
}

/**
 * Reads one CSV record the way Go's encoding/csv does for `--mount`: comma-separated fields, a field starting with
 * `"` is quoted (`""` is a literal quote), a quote inside an unquoted field is an error.
 */
export function parseCsvRecord(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        if (i >= line.length) {
          throw new ValueSyntaxError(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
        }
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i];
        i++;
      }
      if (i < line.length && line[i] !== ',') {
        throw new ValueSyntaxError(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
      }
      fields.push(field);
    } else {
      const end = line.indexOf(',', i);
      const field = end < 0 ? line.slice(i) : line.slice(i, end);
      const q = field.indexOf('"');
      if (q >= 0) throw new ValueSyntaxError(`parse error on line 1, column ${i + q + 1}: bare " in non-quoted-field`);
      fields.push(field);
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return fields;
    i++; // the comma
    if (i >= line.length) {
      fields.push('');
      return fields;
    }
  }
}

/** The fields of a `--mount` value, or of a compose long-syntax volume, before checking. */
export interface MountFields {
  type?: string;
  source?: string;
  target?: string;
  readOnly?: boolean;
  bindPropagation?: string;
  bindNonRecursive?: boolean;
  bindCreateSource?: boolean;
  volumeNoCopy?: boolean;
  volumeSubpath?: string;
  volumeLabels?: Record<string, string>;
  volumeDriver?: string;
  volumeOptions?: Record<string, string>;
  tmpfsSize?: number;
  tmpfsMode?: number;
}

/**
 * Parses a `--mount` value (Docker's MountOpt): CSV of `key=value` fields, type `volume` by default. Keys:
 * `type`, `source`/`src`, `target`/`dst`/`destination`, `readonly`/`ro`, `consistency`, `bind-propagation`,
 * `bind-recursive`, `bind-nonrecursive`, `bind-create-src`, `volume-nocopy`, `volume-subpath`, `volume-label`,
 * `volume-driver`, `volume-opt`, `tmpfs-size`, `tmpfs-mode`. A relative source starting with `.` is made
 * absolute against `cwd`. Syntax errors are {@link ValueSyntaxError}s with Docker's client text; the checks of
 * the assembled mount are {@link mountRequestFromFields}'s.
 */
export function parseMountFlag(value: string, cwd: string): MountFields {
  if (value.trim() === '') throw new ValueSyntaxError('value is empty');
  const fields: MountFields = {};
  let recursive: 'enabled' | 'disabled' | 'writable' | 'readonly' | undefined;
  const bool = (key: string, val: string | undefined) => {
    if (val === undefined) return true;
    const b = goParseBool(val);
    if (b === undefined) throw new ValueSyntaxError(`invalid value for ${key}: ${val}`);
    return b;
  };
  for (const field of parseCsvRecord(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    if (val === undefined && !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive', 'bind-create-src'].includes(key)) {
      throw new ValueSyntaxError(`invalid field '${field}' must be a key=value pair`);
    }
    const s = val ?? '';
    switch (key) {
      case 'type':
        fields.type = s.toLowerCase();
        break;
      case 'source':
      case 'src':
        fields.source = !s.startsWith('/') && s.startsWith('.') ? path.resolve(cwd, s) : s;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        fields.target = s;
        break;
      case 'readonly':
      case 'ro':
        fields.readOnly = bool(key, val);
        break;
      case 'consistency':
        break;
      case 'bind-propagation':
        fields.bindPropagation = s.toLowerCase();
        break;
      case 'bind-nonrecursive':
        fields.bindNonRecursive = bool(key, val);
        break;
      case 'bind-recursive':
        if (s !== 'enabled' && s !== 'disabled' && s !== 'writable' && s !== 'readonly') {
          throw new ValueSyntaxError(
            `invalid value for ${key}: ${s} (must be "enabled", "disabled", "writable", or "readonly")`,
          );
        }
        recursive = s;
        if (s === 'disabled') fields.bindNonRecursive = true;
        else fields.bindNonRecursive ??= false;
        break;
      case 'bind-create-src':
        fields.bindCreateSource = bool(key, val);
        break;
      case 'volume-subpath':
        fields.volumeSubpath = s;
        break;
      case 'volume-nocopy':
        fields.volumeNoCopy = bool(key, val);
        break;
      case 'volume-label': {
        const [k, lv] = splitKv(s);
        fields.volumeLabels = { ...fields.volumeLabels };
        if (k !== '') fields.volumeLabels[k] = lv;
        break;
      }
      case 'volume-driver':
        fields.volumeDriver = s;
        break;
      case 'volume-opt': {
        const [k, ov] = splitKv(s);
        fields.volumeOptions = { ...fields.volumeOptions };
        if (k !== '') fields.volumeOptions[k] = ov;
        break;
      }
      case 'tmpfs-size':
        try {
          fields.tmpfsSize = parseRamBytes(s);
        } catch {
          throw new ValueSyntaxError(`invalid value for ${key}: ${s}`);
        }
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(s) || Number.parseInt(s, 8) > 0xffffffff) {
          throw new ValueSyntaxError(`invalid value for ${key}: ${s}`);
        }
        fields.tmpfsMode = Number.parseInt(s, 8);
        break;
      default:
        throw new ValueSyntaxError(`unexpected key '${key}' in '${field}'`);
    }
  }
  // Docker's client-side checks (docker/cli opts/mount.go).
  const type = fields.type ?? 'volume';
  if (type === '') throw new ValueSyntaxError('type is required');
  if (!fields.target) throw new ValueSyntaxError('target is required');
  const hasBind =
    fields.bindPropagation !== undefined || fields.bindNonRecursive !== undefined || fields.bindCreateSource !== undefined;
  const hasVolume =
    fields.volumeNoCopy !== undefined ||
    fields.volumeSubpath !== undefined ||
    fields.volumeLabels !== undefined ||
    fields.volumeDriver !== undefined ||
    fields.volumeOptions !== undefined;
  const hasTmpfs = fields.tmpfsSize !== undefined || fields.tmpfsMode !== undefined;
  if (type !== 'volume' && hasVolume) throw new ValueSyntaxError(`cannot mix 'volume-*' options with mount type '${type}'`);
  if (type !== 'bind' && hasBind) throw new ValueSyntaxError(`cannot mix 'bind-*' options with mount type '${type}'`);
  if (type !== 'tmpfs' && hasTmpfs) throw new ValueSyntaxError(`cannot mix 'tmpfs-*' options with mount type '${type}'`);
  if ((recursive === 'writable' || recursive === 'readonly') && !fields.readOnly) {
    throw new ValueSyntaxError(`option 'bind-recursive=${recursive}' requires 'readonly' to be specified in conjunction`);
  }
  if (recursive === 'readonly' && fields.bindPropagation !== 'rprivate') {
    throw new ValueSyntaxError("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
  }
  return fields;
}

function splitKv(s: string): [string, string] {
  const eq = s.indexOf('=');
  return eq < 0 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)];
}

/**
 * Checks assembled mount fields (Docker daemon's validateMountConfig) and makes the typed request. Used for
 * `--mount` and for compose long-syntax volumes. Errors (invalid-argument, Docker's text):
 * `invalid mount config for type "bind": field Source must not be empty`, `... field Target must not be empty`,
 * `... invalid mount path: 'x' mount path must be absolute`, `... invalid propagation mode: x`,
 * `invalid mount config for type "tmpfs": field Source must not be specified`,
 * `invalid mount config for type "x": mount type unknown`.
 */
export function mountRequestFromFields(fields: MountFields): MountRequest {
  const type = fields.type ?? 'volume';
  const target = fields.target ?? '';
  const source = fields.source ?? '';
  const readOnly = fields.readOnly ?? false;
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw mountConfigError(type, 'mount type unknown');
  checkTarget(type, target);
  const cleanTarget = cleanPath(target);
  if (type === 'bind') {
    if (source === '') throw mountConfigError('bind', 'field Source must not be empty');
    const prop = fields.bindPropagation;
    if (prop !== undefined && prop !== '' && !isPropagation(prop)) {
      throw mountConfigError('bind', `invalid propagation mode: ${prop}`);
    }
    if (!source.startsWith('/')) throw mountConfigError('bind', `invalid mount path: '${source}' mount path must be absolute`);
    return {
      type: 'bind',
      source: cleanPath(source),
      target: cleanTarget,
      readOnly,
      propagation: prop && isPropagation(prop) ? prop : 'rprivate',
      nonRecursive: fields.bindNonRecursive ?? false,
      createSource: fields.bindCreateSource ?? false,
    };
  }
  if (type === 'volume') {
    if (fields.volumeSubpath !== undefined && fields.volumeSubpath !== '') {
      if (source === '') throw mountConfigError('volume', 'must not set Subpath when using anonymous volumes');
      const sp = fields.volumeSubpath;
      if (sp.startsWith('/') || cleanPath(sp).split('/')[0] === '..') {
        throw mountConfigError('volume', 'subpath must be a relative path within the volume');
      }
    }
    const req: VolumeMountRequest = { type: 'volume', target: cleanTarget, readOnly, noCopy: fields.volumeNoCopy ?? false };
    if (source !== '') {
      checkVolumeName(source);
      req.name = source;
    }
    if (fields.volumeSubpath) req.subpath = fields.volumeSubpath;
    if (fields.volumeLabels) req.labels = { ...fields.volumeLabels };
    if (fields.volumeDriver) req.driver = fields.volumeDriver;
    if (fields.volumeOptions) req.driverOptions = { ...fields.volumeOptions };
    return req;
  }
  if (source !== '') throw mountConfigError('tmpfs', 'field Source must not be specified');
  const options: string[] = [];
  if (readOnly) options.push('ro');
  if (fields.tmpfsMode !== undefined && fields.tmpfsMode !== 0) options.push(`mode=${fields.tmpfsMode.toString(8)}`);
  if (fields.tmpfsSize !== undefined && fields.tmpfsSize !== 0) options.push(`size=${tmpfsSizeOption(fields.tmpfsSize)}`);
  return { type: 'tmpfs', target: cleanTarget, options };
}

// Docker writes the largest unit that divides the size evenly (ConvertTmpfsOptions).
function tmpfsSizeOption(size: number): string {
  for (const [sfx, div] of [
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (size % div === 0) return `${size / div}${sfx}`;
  }
  return String(size);
}

/** `--tmpfs /path[:opts]` as a mount request (see `parseTmpfs`); errors are invalid-argument. */
export function parseTmpfsFlag(text: string): TmpfsMountRequest {
  const t = plain(() => parseTmpfs(text));
  return { type: 'tmpfs', target: t.destination, options: t.options };
}

/**
 * Parses `--volumes-from container[:mode]` (moby ParseVolumesFrom): mode `rw` (default) or `ro`, optionally with
 * `z`/`Z`; propagation and `nocopy` are refused. Errors: `invalid mode: x`,
 * `volumes-from specification cannot be an empty string`.
 */
export function parseVolumesFrom(spec: string): VolumesFromRequest {
  if (spec === '') throw invalidArgument('volumes-from specification cannot be an empty string');
  const colon = spec.indexOf(':');
  const container = colon < 0 ? spec : spec.slice(0, colon);
  const mode = colon < 0 ? '' : spec.slice(colon + 1);
  if (mode === '') return { container, readOnly: false };
  const opts = mode.split(',');
  if (!validMountMode(mode) || opts.some(isPropagation) || opts.includes('nocopy')) {
    throw invalidArgument(`invalid mode: ${mode}`);
  }
  return { container, readOnly: opts.includes('ro') };
}

/** Docker's `Duplicate mount point: /x` when two mounts share a target. */
export function checkDuplicateMounts(mounts: readonly MountRequest[]): void {
  const seen = new Set<string>();
  for (const m of mounts) {
    if (seen.has(m.target)) throw invalidArgument(`Duplicate mount point: ${m.target}`);
    seen.add(m.target);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Security options and namespaces

/**
 * Parses `--security-opt` values with the rules of Docker's client and daemon: `no-new-privileges[=bool]`,
 * `seccomp=unconfined|builtin|<profile.json>` (the file is read and parsed now, as docker's client does),
 * `apparmor=...`, `label=...`, `systempaths=unconfined`, `writable-cgroups[=bool]`, and podman's
 * `mask=/a:/b` / `unmask=ALL|/a:/b`. `key:value` is accepted for `key=value` (deprecated in Docker).
 * Errors: `Invalid --security-opt: "x"`, `invalid --security-opt 2: "x"`,
 * `opening seccomp profile (p) failed: open p: no such file or directory`.
 */
export function parseSecurityOpts(
  values: readonly string[],
  readFile: (p: string) => string | Uint8Array = (p) => readFileSync(p),
): SecurityOptions {
  const out = emptyContainerOptions().security;
  for (const opt of values) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'writable-cgroups') {
      out.writableCgroups = true;
      continue;
    }
    if (opt === 'disable') {
      out.labels.push('disable');
      continue;
    }
    let sep = opt.indexOf('=');
    if (sep < 0) sep = opt.indexOf(':');
    const k = sep < 0 ? opt : opt.slice(0, sep);
    const v = sep < 0 ? '' : opt.slice(sep + 1);
    if (sep < 0 || v === '') throw invalidArgument(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    const bad2 = () => invalidArgument(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    switch (k) {
      case 'no-new-privileges': {
        const b = goParseBool(v);
        if (b === undefined) throw bad2();
        out.noNewPrivileges = b;
        break;
      }
      case 'writable-cgroups': {
        const b = goParseBool(v);
        if (b === undefined) throw bad2();
        out.writableCgroups = b;
        break;
      }
      case 'seccomp':
        if (v === 'unconfined') out.seccomp = { mode: 'unconfined' };
        else if (v === 'builtin') out.seccomp = { mode: 'default' };
        else out.seccomp = { mode: 'profile', path: v, profile: readSeccompProfile(v, readFile) };
        break;
      case 'apparmor':
        out.apparmor = v;
        break;
      case 'label':
        out.labels.push(v);
        break;
      case 'systempaths':
        if (v !== 'unconfined') throw bad2();
        out.systemPaths = 'unconfined';
        break;
      case 'mask':
        out.mask.push(...splitPaths(opt, v));
        break;
      case 'unmask':
        out.unmask.push(...(v === 'ALL' ? ['ALL'] : splitPaths(opt, v)));
        break;
      default:
        throw bad2();
    }
  }
  return out;
}

function splitPaths(opt: string, v: string): string[] {
  const paths = v.split(':').filter((p) => p !== '');
  for (const p of paths) {
    if (!p.startsWith('/')) throw invalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: ${p} is not an absolute path`);
  }
  return paths;
}

function goParseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  return undefined;
}

function readSeccompProfile(p: string, readFile: (p: string) => string | Uint8Array): unknown {
  let text: string;
  try {
    const data = readFile(p);
    text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  } catch (err) {
    const why = isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message;
    throw invalidArgument(`opening seccomp profile (${p}) failed: open ${p}: ${why}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidArgument(`compacting json for seccomp profile (${p}) failed: ${(err as Error).message}`, { cause: err });
  }
}

/** `--pid`: `host`, `container:<name|id>` or empty. Docker's `--pid: invalid PID mode`. */
export function parsePidMode(v: string): PidMode {
  if (v === '' || v === 'private') return { kind: 'private' };
  if (v === 'host') return { kind: 'host' };
  if (v.startsWith('container:') && v.length > 'container:'.length) {
    return { kind: 'container', container: v.slice('container:'.length) };
  }
  throw invalidArgument('--pid: invalid PID mode');
}

/** `--ipc`: `private` (default), `shareable`, `none`, `host`, `container:<name|id>`. Docker's `invalid IPC mode: x`. */
export function parseIpcMode(v: string): IpcMode {
  if (v === '' || v === 'private') return { kind: 'private' };
  if (v === 'shareable' || v === 'none' || v === 'host') return { kind: v };
  if (v.startsWith('container:') && v.length > 'container:'.length) {
    return { kind: 'container', container: v.slice('container:'.length) };
  }
  throw invalidArgument(`invalid IPC mode: ${v}`);
}

/** `--uts`: `host` or empty. Docker's `--uts: invalid UTS mode`. */
export function parseUtsMode(v: string): UtsMode {
  if (v === '') return 'private';
  if (v === 'host') return 'host';
  throw invalidArgument('--uts: invalid UTS mode');
}

/** `--cgroupns`: `host`, `private`, or empty for the default. Docker's `--cgroupns: invalid CGROUP mode`. */
export function parseCgroupnsMode(v: string): CgroupnsMode | undefined {
  if (v === '') return undefined;
  if (v === 'host' || v === 'private') return v;
  throw invalidArgument('--cgroupns: invalid CGROUP mode');
}

/** Docker's HostConfig string for a namespace mode (`host`, `container:x`, `private`...), for inspect. */
export function namespaceModeString(m: PidMode | IpcMode): string {
  if (m.kind === 'container') return `container:${m.container}`;
  return m.kind;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of assembled options

const MIN_MEMORY = 6 * 1024 * 1024;
const MAX_HOSTNAME = 64;
const MIN_HEALTH_DURATION = 1_000_000;

/**
 * The checks Docker's daemon makes on a container config that need no host facts (those are the spec builder's:
 * CPU count, available cpusets, rlimits, capabilities). Messages are Docker's (capitalised as Docker's are).
 */
export function validateContainerOptions(o: ContainerCreateOptions): void {
  const r = o.resources;
  const fail = (msg: string) => {
    throw invalidArgument(msg);
  };
  if (o.hostname !== undefined && Buffer.byteLength(o.hostname) > MAX_HOSTNAME) {
    fail(`hostname ${JSON.stringify(o.hostname)} is too long (maximum ${MAX_HOSTNAME} bytes)`);
  }
  if (o.workdir !== undefined && o.workdir !== '' && !o.workdir.startsWith('/')) {
    fail(`the working directory '${o.workdir}' is invalid, it needs to be an absolute path`);
  }
  if (o.stopSignal) parseSignal(o.stopSignal);
  if (r.memory !== undefined && r.memory !== 0 && r.memory < MIN_MEMORY) fail('Minimum memory limit allowed is 6MB');
  if (r.memory && r.memorySwap && r.memorySwap > 0 && r.memorySwap < r.memory) {
    fail('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (!r.memory && r.memorySwap !== undefined && r.memorySwap > 0) {
    fail('You should always set the Memory limit when using Memoryswap limit, see usage');
  }
  if (r.memorySwappiness !== undefined && r.memorySwappiness !== -1 && (r.memorySwappiness < 0 || r.memorySwappiness > 100)) {
    fail(`Invalid value: ${r.memorySwappiness}, valid memory swappiness range is 0-100`);
  }
  if (r.memoryReservation !== undefined && r.memoryReservation > 0 && r.memoryReservation < MIN_MEMORY) {
    fail('Minimum memory reservation allowed is 6MB');
  }
  if (r.memory && r.memoryReservation && r.memory < r.memoryReservation) {
    fail('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  if (r.nanoCpus && r.cpuPeriod) fail('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (r.nanoCpus && r.cpuQuota && r.cpuQuota > 0) fail('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (r.cpuShares !== undefined && r.cpuShares < 0) {
    fail(`invalid CPU shares (${r.cpuShares}): value must be a positive integer`);
  }
  if (r.cpuPeriod && (r.cpuPeriod < 1000 || r.cpuPeriod > 1_000_000)) {
    fail('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (r.cpuQuota && r.cpuQuota > 0 && r.cpuQuota < 1000) fail('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (r.cpusetCpus) {
    try {
      parseUintList(r.cpusetCpus, 8192);
    } catch (err) {
      fail(`Invalid value ${r.cpusetCpus} for cpuset cpus: ${(err as Error).message}`);
    }
  }
  if (r.cpusetMems) {
    try {
      parseUintList(r.cpusetMems, 8192);
    } catch (err) {
      fail(`Invalid value ${r.cpusetMems} for cpuset mems: ${(err as Error).message}`);
    }
  }
  if (r.blkioWeight && (r.blkioWeight < 10 || r.blkioWeight > 1000)) fail('Range of blkio weight is from 10 to 1000');
  if (o.oomScoreAdj !== undefined && (o.oomScoreAdj < -1000 || o.oomScoreAdj > 1000)) {
    fail(`Invalid value ${o.oomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  }
  if (o.shmSize !== undefined && o.shmSize < 0) fail('SHM size can not be less than 0');
  const hc = o.healthcheck;
  if (hc) {
    for (const [k, label] of [
      ['Interval', 'Interval'],
      ['Timeout', 'Timeout'],
      ['StartPeriod', 'StartPeriod'],
      ['StartInterval', 'StartInterval'],
    ] as const) {
      const v = hc[k];
      if (v !== undefined && v !== 0 && v < MIN_HEALTH_DURATION) fail(`${label} in Healthcheck cannot be less than 1ms`);
    }
    if (hc.Retries !== undefined && hc.Retries < 0) fail('Retries in Healthcheck cannot be negative');
  }
  checkDuplicateMounts(o.mounts);
}

// ---------------------------------------------------------------------------------------------------------------
// From `run`/`create` flags

type IntFlag = string | number;

/**
 * Raw values of the `run`/`create` flags this module understands, keyed by Docker's long flag names, as the CLI's
 * parser yields them (strings as typed, list flags as arrays, booleans). Undefined = flag not given;
 * `entrypoint: ''` = `--entrypoint ""` given.
 */
export interface ContainerFlags {
  env?: readonly string[];
  'env-file'?: readonly string[];
  entrypoint?: string;
  workdir?: string;
  user?: string;
  'group-add'?: readonly string[];
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  interactive?: boolean;
  init?: boolean;
  'init-binary'?: string;
  memory?: string;
  'memory-swap'?: string;
  'memory-reservation'?: string;
  'memory-swappiness'?: IntFlag;
  'oom-kill-disable'?: boolean;
  cpus?: string;
  'cpu-shares'?: IntFlag;
  'cpu-quota'?: IntFlag;
  'cpu-period'?: IntFlag;
  'cpu-rt-period'?: IntFlag;
  'cpu-rt-runtime'?: IntFlag;
  'cpuset-cpus'?: string;
  'cpuset-mems'?: string;
  'pids-limit'?: IntFlag;
  ulimit?: readonly string[];
  'shm-size'?: string;
  'oom-score-adj'?: IntFlag;
  'blkio-weight'?: IntFlag;
  'cap-add'?: readonly string[];
  'cap-drop'?: readonly string[];
  privileged?: boolean;
  'read-only'?: boolean;
  'security-opt'?: readonly string[];
  device?: readonly string[];
  'device-cgroup-rule'?: readonly string[];
  sysctl?: readonly string[];
  pid?: string;
  ipc?: string;
  uts?: string;
  cgroupns?: string;
  'cgroup-parent'?: string;
  'stop-signal'?: string;
  'stop-timeout'?: IntFlag;
  tmpfs?: readonly string[];
  volume?: readonly string[];
  mount?: readonly string[];
  'volumes-from'?: readonly string[];
  annotation?: readonly string[];
  'health-cmd'?: string;
  'health-interval'?: string;
  'health-timeout'?: string;
  'health-start-period'?: string;
  'health-start-interval'?: string;
  'health-retries'?: IntFlag;
  'no-healthcheck'?: boolean;
  /** Only read to refuse `net.*` sysctls with `--network host` early. */
  network?: readonly string[] | string;
}

/** What flag conversion needs from the caller's process (commands pass theirs; tests pass fakes). */
export interface FlagContext {
  /** The caller's environment, for `-e KEY` and bare keys in env files. */
  env: Readonly<Record<string, string | undefined>>;
  /** The caller's working directory, for relative `-v ./x:/y` and `--mount src=./x`. */
  cwd: string;
  /** Reads a file (env files, seccomp profiles); defaults to `fs.readFileSync`. */
  readFile?: (p: string) => string | Uint8Array;
}

function intFlag(flag: string, v: IntFlag | undefined, opts: Parameters<typeof parseGoInt>[1] = {}): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  return viaFlag(flag, v, (s) => parseGoInt(s, opts));
}

function durationFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  return viaFlag(flag, v, parseGoDuration);
}

function kvMap(values: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const [k, val] = splitKv(v);
    out[k] = val;
  }
  return out;
}

/**
 * Converts `run`/`create` flag values and the command after the image into {@link ContainerCreateOptions},
 * with Docker's error wording, then runs {@link validateContainerOptions}. `command` is everything after IMAGE
 * (empty = the image's CMD).
 */
export function containerOptionsFromFlags(
  flags: ContainerFlags,
  command: readonly string[],
  ctx: FlagContext,
): ContainerCreateOptions {
  const o = emptyContainerOptions();
  const lookupEnv = (k: string) => ctx.env[k];
  const readFile = ctx.readFile ?? ((p: string) => readFileSync(p));

  // Environment: env files first, then -e (which wins).
  for (const file of flags['env-file'] ?? []) {
    let data: string | Uint8Array;
    try {
      data = readFile(file);
    } catch (err) {
      const why = isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message;
      throw invalidArgument(`open ${file}: ${why}`, { cause: err });
    }
    try {
      o.env.push(...parseEnvFile(data, lookupEnv));
    } catch (err) {
      throw invalidArgument(`invalid env file (${file}): ${(err as Error).message}`, { cause: err });
    }
  }
  for (const e of flags.env ?? []) o.env.push(viaFlag('env', e, (s) => parseEnvFlag(s, lookupEnv)));

  if (flags.entrypoint !== undefined) o.entrypoint = flags.entrypoint === '' ? [] : [flags.entrypoint];
  if (command.length > 0) o.cmd = [...command];
  if (flags.workdir !== undefined && flags.workdir !== '') o.workdir = flags.workdir;
  if (flags.user !== undefined && flags.user !== '') o.user = flags.user;
  o.groupAdd = [...(flags['group-add'] ?? [])];
  if (flags.hostname) o.hostname = flags.hostname;
  if (flags.domainname) o.domainname = flags.domainname;
  o.tty = flags.tty ?? false;
  o.interactive = flags.interactive ?? false;
  if (flags.init !== undefined) o.init = flags.init;
  if (flags['init-binary']) o.initBinary = flags['init-binary'];
  if (flags['stop-signal']) o.stopSignal = flags['stop-signal'];
  const stopTimeout = intFlag('stop-timeout', flags['stop-timeout']);
  if (stopTimeout !== undefined) o.stopTimeout = stopTimeout;

  // Resources.
  const r = o.resources;
  const bytes = (flag: keyof ContainerFlags & string, v: string | undefined) =>
    v === undefined ? undefined : viaFlag(flag, v, parseRamBytes);
  const set = <K extends keyof ResourceOptions>(k: K, v: ResourceOptions[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  set('memory', bytes('memory', flags.memory));
  set('memoryReservation', bytes('memory-reservation', flags['memory-reservation']));
  if (flags['memory-swap'] !== undefined) {
    set('memorySwap', flags['memory-swap'] === '-1' ? -1 : bytes('memory-swap', flags['memory-swap']));
  }
  const swappiness = intFlag('memory-swappiness', flags['memory-swappiness']);
  if (swappiness !== undefined && swappiness !== -1) {
    if (swappiness < 0 || swappiness > 100) {
      throw invalidArgument(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
    }
    r.memorySwappiness = swappiness;
  }
  if (flags['oom-kill-disable']) r.oomKillDisable = true;
  if (flags.cpus !== undefined) set('nanoCpus', viaFlag('cpus', flags.cpus, parseNanoCpus));
  set('cpuShares', intFlag('cpu-shares', flags['cpu-shares']) || undefined);
  set('cpuQuota', intFlag('cpu-quota', flags['cpu-quota']) || undefined);
  set('cpuPeriod', intFlag('cpu-period', flags['cpu-period']) || undefined);
  set('cpuRealtimePeriod', intFlag('cpu-rt-period', flags['cpu-rt-period']) || undefined);
  set('cpuRealtimeRuntime', intFlag('cpu-rt-runtime', flags['cpu-rt-runtime']) || undefined);
  if (flags['cpuset-cpus']) r.cpusetCpus = flags['cpuset-cpus'];
  if (flags['cpuset-mems']) r.cpusetMems = flags['cpuset-mems'];
  set('pidsLimit', intFlag('pids-limit', flags['pids-limit']) || undefined);
  set('blkioWeight', intFlag('blkio-weight', flags['blkio-weight'], { bits: 16, unsigned: true }) || undefined);
  for (const u of flags.ulimit ?? []) {
    const parsed = viaFlag('ulimit', u, parseUlimit);
    r.ulimits = r.ulimits.filter((x) => x.name !== parsed.name);
    r.ulimits.push(parsed);
  }
  const shm = bytes('shm-size', flags['shm-size']);
  if (shm) o.shmSize = shm;
  const oom = intFlag('oom-score-adj', flags['oom-score-adj']);
  if (oom) o.oomScoreAdj = oom;
  if (flags['cgroup-parent']) o.cgroupParent = flags['cgroup-parent'];

  // Security.
  o.privileged = flags.privileged ?? false;
  o.readOnly = flags['read-only'] ?? false;
  o.capAdd = normalizeCapabilities(flags['cap-add'] ?? []);
  o.capDrop = normalizeCapabilities(flags['cap-drop'] ?? []);
  o.security = parseSecurityOpts(flags['security-opt'] ?? [], readFile);
  o.devices = (flags.device ?? []).map((d) => plain(() => parseDevice(d)));
  o.deviceCgroupRules = (flags['device-cgroup-rule'] ?? []).map((d) => viaFlag('device-cgroup-rule', d, parseDeviceCgroupRule));
  for (const s of flags.sysctl ?? []) {
    const [k, v] = viaFlag('sysctl', s, parseSysctl);
    o.sysctls[k] = v;
  }
  const networks = typeof flags.network === 'string' ? [flags.network] : (flags.network ?? []);
  if (networks.includes('host')) {
    const net = Object.keys(o.sysctls).find((k) => k.startsWith('net.'));
    if (net) throw invalidArgument(`sysctl "${net}" not allowed in host network namespace`);
  }

  // Namespaces.
  o.pid = parsePidMode(flags.pid ?? '');
  o.ipc = parseIpcMode(flags.ipc ?? '');
  o.uts = parseUtsMode(flags.uts ?? '');
  const cgroupns = parseCgroupnsMode(flags.cgroupns ?? '');
  if (cgroupns) o.cgroupns = cgroupns;

  // Storage, in Docker's order: binds/volumes, --mount, --tmpfs.
  for (const v of flags.volume ?? []) o.mounts.push(parseVolumeSpec(v, ctx.cwd));
  for (const m of flags.mount ?? []) {
    const fields = viaFlag('mount', m, (s) => parseMountFlag(s, ctx.cwd));
    o.mounts.push(mountRequestFromFields(fields));
  }
  for (const t of flags.tmpfs ?? []) o.mounts.push(parseTmpfsFlag(t));
  o.volumesFrom = (flags['volumes-from'] ?? []).map(parseVolumesFrom);
  o.annotations = kvMap(flags.annotation);

  // Healthcheck.
  const interval = durationFlag('health-interval', flags['health-interval']);
  const timeout = durationFlag('health-timeout', flags['health-timeout']);
  const startPeriod = durationFlag('health-start-period', flags['health-start-period']);
  const startInterval = durationFlag('health-start-interval', flags['health-start-interval']);
  const retries = intFlag('health-retries', flags['health-retries']);
  const haveHealth = !!flags['health-cmd'] || !!interval || !!timeout || !!startPeriod || !!startInterval || !!retries;
  if (flags['no-healthcheck']) {
    if (haveHealth) throw invalidArgument('--no-healthcheck conflicts with --health-* options');
    o.healthcheck = { Test: ['NONE'] };
  } else if (haveHealth) {
    for (const [flag, v] of [
      ['--health-interval', interval],
      ['--health-timeout', timeout],
      ['--health-retries', retries],
      ['--health-start-period', startPeriod],
      ['--health-start-interval', startInterval],
    ] as const) {
      if (v !== undefined && v < 0) throw invalidArgument(`${flag} cannot be negative`);
    }
    const hc: HealthConfig = {};
    if (flags['health-cmd']) hc.Test = ['CMD-SHELL', flags['health-cmd']];
    if (interval) hc.Interval = interval;
    if (timeout) hc.Timeout = timeout;
    if (startPeriod) hc.StartPeriod = startPeriod;
    if (startInterval) hc.StartInterval = startInterval;
    if (retries) hc.Retries = retries;
    o.healthcheck = hc;
  }

  validateContainerOptions(o);
  return o;
}

export { mergeTmpfsOptions };
