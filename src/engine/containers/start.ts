/**
 * Starting a container (the caller holds its lock): network, rootfs, spec, task, attach, start — and, when any
 * step fails, everything this start set up is released again and the failure is recorded in State.Error (with
 * Docker's exit code: 127/126 when the command cannot be run, else 128).
 *
 * Network setup, the rootfs mount and reading host facts are independent and run in parallel. A restart by
 * policy keeps the network namespace (`state.network.attached`) and skips the network step.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { failedPrecondition, findEngineError, hasCode, invalidArgument } from '../errdefs.js';
import { emitContainerEvent, emitNetworkEvent, emitVolumeEvent } from '../events/emit.js';
import { processStartTime } from '../metadata/owner.js';
import { isMountPoint, mountAll, unmountAll } from '../mount/mount.js';
import { resolveDevice } from '../oci/devices.js';
import { readHostFacts, type HostFacts } from '../oci/host.js';
import { serializeSpec } from '../oci/serialize.js';
import { buildSpec, type NetworkNamespace } from '../oci/spec.js';
import { resolveUser } from '../oci/user.js';
import type { OpContext } from '../op-context.js';
import { attach as attachSocket, followTerminalSize, type AttachSession } from '../tasks/attach.js';
import { bundleFiles } from '../tasks/layout.js';
import type { ContainerServiceOptions } from './deps.js';
import { guardedExitCommand } from './exit-command.js';
import { specMounts } from './mounts.js';
import { containerPaths, type ContainerPaths } from './paths.js';
import { nowRfc3339Nano } from './create.js';
import type { ContainerRecord, NetworkRuntimeState, NetworkSetupResult, StartContainerOptions, StartContainerResult } from './types.js';
import { isEmptyDir } from '../volumes/service.js';

const execFileAsync = promisify(execFile);

/** True when the healthcheck config asks for probes. */
export function hasHealthcheck(rec: ContainerRecord): boolean {
  const t = rec.config.healthcheck?.Test;
  return t !== undefined && t.length > 0 && t[0] !== 'NONE';
}

/** Mounts the container's rootfs snapshot on `paths.rootfs` (idempotent). */
export async function mountRootfs(d: ContainerServiceOptions, ctx: OpContext, rec: ContainerRecord, paths: ContainerPaths): Promise<void> {
  await mkdir(paths.rootfs, { recursive: true, mode: 0o755 });
  if (await isMountPoint(paths.rootfs)) return;
  const mounts = await d.storage.snapshotterFor(rec.snapshotter).mounts(ctx, rec.snapshotKey);
  await mountAll(mounts, paths.rootfs);
}

/**
 * Tells the exit command of the running task to stand down: the caller handles the coming exit itself (stop,
 * rm -f, kill -s KILL). Best effort: without the marker the exit command just finds the work done.
 */
export async function markExitHandled(paths: ContainerPaths): Promise<void> {
  await writeFile(paths.exitHandledMarker, '', { mode: 0o600 }).catch(() => {});
}

/** Unmounts the container's rootfs if mounted. */
export async function unmountRootfs(paths: ContainerPaths): Promise<void> {
  await unmountAll(paths.rootfs);
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Copies the image's content at each new volume's destination into the volume (Docker's copy-up). */
async function copyUpVolumes(d: ContainerServiceOptions, ctx: OpContext, rec: ContainerRecord, rootfs: string): Promise<void> {
  const pending = rec.config.mounts.filter((m) => m.copyUp);
  if (pending.length === 0) return;
  for (const m of pending) {
    const src = path.join(rootfs, m.destination);
    if (!(await isDir(src)) || !(await isEmptyDir(m.source))) continue;
    try {
      await execFileAsync('cp', ['-a', '--', `${src}/.`, `${m.source}/`]);
    } catch (err) {
      throw invalidArgument(`copy image content of ${m.destination} into volume ${m.name ?? ''}: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`, {
        cause: err,
      });
    }
  }
  d.store.updateConfig(ctx.namespace, rec.id, {
    ...rec.config,
    mounts: rec.config.mounts.map((m) => {
      if (!m.copyUp) return m;
      const { copyUp: _done, ...rest } = m;
      return rest;
    }),
  });
}

/** PID of the running container `ref` (for `--pid/--ipc/--network container:`). */
function runningPid(d: ContainerServiceOptions, ctx: OpContext, ref: string, what: string): { id: string; pid: number } {
  const other = d.store.resolve(ctx.namespace, ref);
  if ((other.state.status !== 'running' && other.state.status !== 'paused') || other.state.pid <= 0) {
    throw failedPrecondition(`cannot join ${what} of a non running container: ${other.id}`);
  }
  return { id: other.id, pid: other.state.pid };
}

interface NetworkStep {
  readonly state: NetworkRuntimeState;
  /** Hosts, resolv.conf and hostname files to bind-mount. */
  readonly files: { hostname: string; hosts: string; resolvConf: string };
  /** Set up by this start (to release on failure). */
  readonly fresh: boolean;
}

async function setupNetwork(d: ContainerServiceOptions, ctx: OpContext, rec: ContainerRecord, paths: ContainerPaths): Promise<NetworkStep> {
  const own = { hostname: paths.hostnameFile, hosts: paths.hostsFile, resolvConf: paths.resolvConfFile };
  const mode = rec.config.network.mode;
  if (mode.kind === 'container') {
    const other = runningPid(d, ctx, mode.container, 'network namespace');
    const op = containerPaths(d, ctx.namespace, other.id);
    const netns: NetworkNamespace = { kind: 'path', path: `/proc/${other.pid}/ns/net`, shared: true };
    return {
      state: { netns, mode: 'container', attached: false, endpoints: [], ports: [], sharedWith: other.id },
      files: { hostname: paths.hostnameFile, hosts: op.hostsFile, resolvConf: op.resolvConfFile },
      fresh: false,
    };
  }
  const kept = rec.state.network;
  if (kept?.attached) return { state: kept, files: own, fresh: false };
  const n = rec.config.network;
  const provider = await d.network();
  const result: NetworkSetupResult = await provider.setup(ctx, {
    containerId: rec.id,
    name: rec.name,
    hostname: rec.config.hostname,
    domainname: rec.config.domainname,
    mode,
    ports: n.ports,
    publishAll: n.publishAll,
    exposedPorts: rec.config.exposedPorts,
    dns: { servers: n.dns, search: n.dnsSearch, options: n.dnsOptions },
    extraHosts: n.extraHosts,
    hostsPath: paths.hostsFile,
    resolvConfPath: paths.resolvConfFile,
  });
  return {
    state: { netns: result.netns, mode: mode.kind, attached: true, endpoints: result.endpoints, ports: result.ports },
    files: own,
    fresh: true,
  };
}

/** The exit code Docker records for a start that failed before the process ran. */
function startFailureCode(err: unknown): number {
  return findEngineError(err)?.exitCode ?? 128;
}

/**
 * Starts `rec` (see the module comment). The caller holds the container's lock and has checked the status.
 */
export async function startContainer(
  d: ContainerServiceOptions,
  ctx: OpContext,
  rec: ContainerRecord,
  opts: StartContainerOptions = {},
): Promise<StartContainerResult> {
  const id = rec.id;
  const ns = ctx.namespace;
  const paths = containerPaths(d, ns, id);
  const o = rec.config.options;

  // A task left from the previous run (its exit not handled yet) must go before runc can reuse the id.
  if (rec.state.startedAt !== '') {
    await d.tasks.delete(ctx, id, { force: true }).catch((err: unknown) => {
      if (!hasCode(err, 'not-found')) throw err;
    });
  }

  let net: NetworkStep | undefined;
  let rootfsMounted = false;
  let taskCreated = false;
  let session: AttachSession | undefined;
  try {
    const [netRes, rootRes, hostRes] = await Promise.allSettled([
      setupNetwork(d, ctx, rec, paths),
      mountRootfs(d, ctx, rec, paths),
      Promise.resolve().then(() => readHostFacts({ devices: o.privileged })),
    ]);
    if (netRes.status === 'fulfilled') net = netRes.value;
    if (rootRes.status === 'fulfilled') rootfsMounted = true;
    if (netRes.status === 'rejected') throw netRes.reason;
    if (rootRes.status === 'rejected') throw rootRes.reason;
    if (hostRes.status === 'rejected') throw hostRes.reason;
    const host: HostFacts = hostRes.value;
    const network = net!;

    await copyUpVolumes(d, ctx, rec, paths.rootfs);
    const user = resolveUser(paths.rootfs, rec.config.merged.user, o.groupAdd);
    const devices = o.devices.flatMap((r) => resolveDevice(r));
    const joined: { pid?: number; ipc?: number } = {};
    if (o.pid.kind === 'container') joined.pid = runningPid(d, ctx, o.pid.container, 'PID namespace').pid;
    if (o.ipc.kind === 'container') joined.ipc = runningPid(d, ctx, o.ipc.container, 'IPC namespace').pid;

    const { spec } = buildSpec({
      id,
      namespace: ns,
      options: o,
      config: rec.config.merged,
      rootfs: paths.rootfs,
      hostname: rec.config.hostname,
      files: network.files,
      network: network.state.netns,
      joined,
      mounts: specMounts(rec.config.mounts),
      user,
      devices,
      host,
      ...(rec.config.initBinary ? { initBinary: rec.config.initBinary } : {}),
      ...(opts.consoleSize && o.tty ? { consoleSize: { height: opts.consoleSize.rows, width: opts.consoleSize.cols } } : {}),
    });
    await writeFile(paths.configFile, serializeSpec(spec), { mode: 0o600 });

    let exitCommand = d.exitCommand?.(id);
    if (exitCommand) {
      await rm(paths.exitHandledMarker, { force: true });
      const startTime = opts.handleExitInProcess ? processStartTime(process.pid) : undefined;
      exitCommand = guardedExitCommand(exitCommand, {
        marker: paths.exitHandledMarker,
        ...(startTime ? { owner: { pid: process.pid, startTime } } : {}),
      });
    }
    const created = await d.tasks.create(ctx, {
      id,
      name: rec.name,
      bundle: paths.bundle,
      terminal: o.tty,
      stdin: o.interactive,
      stdinOnce: rec.config.stdinOnce,
      logPath: paths.logFile,
      ...(exitCommand ? { exitCommand } : {}),
    });
    taskCreated = true;
    if (opts.attach) {
      // Straight to conmon's socket: the task service's attach would first ask runc for a state we know.
      const a = opts.attach;
      const files = bundleFiles(paths.bundle);
      session = await attachSocket({
        socketPath: files.attachSocket,
        ...(o.interactive && a.stdin ? { stdin: a.stdin } : {}),
        ...(a.stdout ? { stdout: a.stdout } : {}),
        ...((o.tty ? a.stdout : a.stderr) ? { stderr: (o.tty ? a.stdout : a.stderr)! } : {}),
        ...(a.detachKeys !== undefined ? { detachKeys: a.detachKeys } : {}),
        ...(a.closeStdinOnEof !== undefined ? { closeStdinOnEof: a.closeStdinOnEof } : {}),
        signal: ctx.signal,
      });
      if (o.tty && a.terminal) {
        const stop = await followTerminalSize(files.ctlFifo, a.terminal);
        void session.done.then(stop);
      }
    }
    await d.tasks.start(ctx, id);
    const monitorStartTime = created.conmonPid ? processStartTime(created.conmonPid) : undefined;
    d.store.updateState(ns, id, (s) => {
      const { restartOwner: _r, ...rest } = s;
      // Docker's events for a start: attach (when attached), network connects, volume mounts, start. Emitted
      // inside this transaction so they commit with the state, at no extra fsync.
      if (opts.attach) emitContainerEvent(d.storage.db, ctx, rec, 'attach');
      if (network.fresh) {
        for (const e of network.state.endpoints) {
          emitNetworkEvent(d.storage.db, ctx, { id: e.networkId, name: e.network, driver: e.driver ?? 'bridge' }, 'connect', { container: id });
        }
      }
      for (const m of rec.config.mounts) {
        if (m.type !== 'volume' || m.name === undefined) continue;
        emitVolumeEvent(d.storage.db, ctx, m.name, 'mount', {
          container: id,
          destination: m.destination,
          propagation: m.propagation ?? '',
          'read/write': String(!m.readOnly),
        });
      }
      emitContainerEvent(d.storage.db, ctx, rec, 'start');
      return {
        ...rest,
        status: 'running',
        pid: created.pid,
        exitCode: 0,
        error: '',
        oomKilled: false,
        startedAt: nowRfc3339Nano(),
        stoppedByUser: false,
        ...(created.conmonPid ? { monitorPid: created.conmonPid } : {}),
        ...(monitorStartTime ? { monitorStartTime } : {}),
        network: network.state,
        ...(hasHealthcheck(rec) ? { health: { status: 'starting' as const, failingStreak: 0, log: [] } } : {}),
      };
    });
    if (hasHealthcheck(rec)) {
      try {
        await d.ensureHealthRunner?.(ns);
      } catch (err) {
        ctx.log.warn('could not start the health-check runner', { error: err });
      }
    }
    return { started: true, ...(session ? { session } : {}) };
  } catch (err) {
    session?.close();
    if (taskCreated) await d.tasks.delete(ctx, id, { force: true }).catch(() => {});
    if (rootfsMounted) await unmountRootfs(paths).catch(() => {});
    const releaseNetwork = net?.fresh === true || rec.state.network?.attached === true;
    if (releaseNetwork && rec.config.network.mode.kind !== 'container') {
      await (await d.network()).teardown(ctx, id).catch((e: unknown) => ctx.log.warn('start: network teardown failed', { id, error: e }));
    }
    const message = err instanceof Error ? err.message : String(err);
    d.store.updateState(ns, id, (s) => {
      const { restartOwner: _r, ...rest } = s;
      return {
        ...rest,
        status: s.status === 'restarting' ? 'exited' : s.status === 'running' ? 'exited' : s.status,
        pid: 0,
        exitCode: startFailureCode(err),
        error: message,
        ...(s.network ? { network: { ...s.network, attached: false, endpoints: [], ports: [] } } : {}),
      };
    });
    throw err;
  }
}
