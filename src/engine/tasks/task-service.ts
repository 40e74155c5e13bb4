/**
 * The task service: a container's running process, driven through runc with conmon as its monitor.
 *
 * Lifecycle (see task.ts for the state machine):
 *
 *   create ─▶ [attach] ─▶ start ─▶ … kill / stop / pause / resume / exec / stats … ─▶ (exit) ─▶ delete
 *
 * - `create` launches conmon, which runs `runc create`: the container's init exists (status `created`) but waits
 *   on runc's exec FIFO. Output goes to conmon from then on, so a foreground `run` attaches between `create` and
 *   `start` and misses nothing.
 * - When the process exits, conmon writes the exit file (`exits/<ns>/<id>`) and runs the exit command given at
 *   create (for us `nerdctl … internal cleanup <id>`), then exits. conmon also runs the exit command when
 *   `runc create` fails (with no exit file).
 * - `delete` removes runc's state and our task directory; the exit file stays, so `wait`/`inspect` can still
 *   read the status. It is removed by the next `create` of the same id, or by `purge`.
 *
 * Reconciliation: the truth is runc's state + the exit file + whether conmon is alive. If conmon is gone
 * (SIGKILLed, OOM-killed), the container is not lost: `state` still reports runc's status, and `kill`, `stop`,
 * `delete` and `waitExit` still work. When such a task's process ends, we write the exit file ourselves: 128+n
 * when it died within a minute after we sent signal n, else 255 (Docker's status for a process whose exit was
 * lost) — and `stop`/`kill`/`waitExit` run the exit command conmon can no longer run.
 *
 * Every per-task path is in layout.ts. Errors: `not-found` (no such task in this namespace), `already-exists`
 * (create), `failed-precondition` (wrong state; Docker's wording), `invalid-argument` with `exitCode` 126/127
 * (the command cannot be run), `unavailable` (runc/conmon missing, the monitor gone for attach/resize),
 * `deadline-exceeded`, `canceled`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { EngineError, alreadyExists, canceled, deadlineExceeded, findEngineError, hasCode, isErrno, notFound, unavailable } from '../errdefs.js';
import { nullLogger, type Logger } from '../log.js';
import { capabilitiesFromMask } from '../oci/caps.js';
import { parseSignal as parseSignalText, type ParsedSignal } from '../oci/signals.js';
import type { OpContext } from '../op-context.js';
import { attach, followTerminalSize, type AttachSession, type ResizableTerminal } from './attach.js';
import { ControlMessage, conmonCreateArgs, conmonFailure, launchConmon, writeControl } from './conmon.js';
import { buildExecProcess, readBundleProcess, runExec, type ExecIO, type ExecProcessOptions, type ExecResult } from './exec.js';
import { bundleFiles, execLayout, taskLayout, type TaskLayout } from './layout.js';
import { readOomKillCount, readTaskMetrics, removeEmptyNamespaceCgroup, type TaskMetrics } from './metrics.js';
import { createFileExclusive, findExecutable, isProcessAlive, readProcStat, writeFileAtomic } from './proc.js';
import { createRunc, type Runc, type RuncState } from './runc.js';
import { illegalTransition, statusFromRunc, transition, type TaskOperation, type TaskStatus } from './task.js';
import { filterPsOutput, type TopResult } from './top.js';

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface TaskServiceOptions {
  /** State root, e.g. /run/nerdctl. */
  readonly stateRoot: string;
  /** runc binary (name looked up in PATH, or a path). Default `runc`. */
  readonly runcPath?: string;
  /** conmon binary. Default `conmon` from PATH, /usr/libexec/podman or /usr/bin. */
  readonly conmonPath?: string;
  readonly systemdCgroup?: boolean;
  readonly log?: Logger;
  /** conmon's own log level (it logs to /dev/null once daemonised, so this matters only for launch errors). */
  readonly conmonLogLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The host's bounding capability set, for `exec --privileged`; read from /proc/self/status by default. */
  readonly hostCapabilities?: readonly string[];
}

export interface CreateTaskOptions {
  /** The container id (runc's id; 64 hex for us). */
  readonly id: string;
  /** The container name, for conmon's logs. */
  readonly name?: string;
  /** The OCI bundle (config.json + rootfs), ready. conmon also puts `attach` and `ctl` in it. */
  readonly bundle: string;
  /** Allocate a pty (`-t`). */
  readonly terminal?: boolean;
  /** Keep stdin open (`-i`). */
  readonly stdin?: boolean;
  /**
   * Close the process's stdin when the first attached client ends its input (Docker's StdinOnce, which
   * `run -i` without `-d` sets). Default false: stdin stays open across attaches.
   */
  readonly stdinOnce?: boolean;
  /** k8s-file log path (no ':' allowed); no log when absent. */
  readonly logPath?: string;
  /** Truncate the log when it would grow past this many bytes. */
  readonly logSizeMax?: number;
  /** Run at the final exit: [absolute program, ...args], e.g. `[node, nerdctl.js, --namespace, ns, internal, cleanup, id]`. */
  readonly exitCommand?: readonly string[];
  readonly exitDelaySeconds?: number;
  /** Environment for conmon, runc and the exit command; defaults to ours. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for `runc create`. Default 120 s. */
  readonly timeoutMs?: number;
}

export interface CreatedTask {
  readonly pid: number;
  readonly conmonPid?: number;
}

/** How a task's process ended. */
export interface ExitStatus {
  readonly exitCode: number;
  readonly exitedAt: Date;
  /**
   * `monitor`: conmon recorded it. `inferred`: the monitor was gone; the process died after our signal n (128+n).
   * `unknown`: the monitor was gone and we do not know why it died (255, as Docker reports lost exits).
   * Once the task is deleted only the code is kept, and the source reads as `monitor`.
   */
  readonly source: 'monitor' | 'inferred' | 'unknown';
  /** The kernel's OOM killer killed a process of the task (read from its cgroup when the task is deleted). */
  readonly oomKilled?: boolean;
}

/** A task's reconciled state. */
export interface TaskState {
  readonly id: string;
  readonly status: TaskStatus;
  /** The init pid while created/running/paused; 0 otherwise. */
  readonly pid: number;
  readonly bundle?: string;
  readonly terminal: boolean;
  readonly stdin: boolean;
  readonly createdAt?: Date;
  readonly startedAt?: Date;
  /** Set once stopped and known. Absent for a stopped task whose monitor is still writing it. */
  readonly exit?: ExitStatus;
  readonly monitor: { readonly pid?: number; readonly alive: boolean };
}

/** Stdio for `attach`. */
export interface TaskIO {
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Raw detach sequence (see attach.ts parseDetachKeys); null disables; default ctrl-p,ctrl-q. */
  readonly detachKeys?: Buffer | null;
  /** With a pty: follow this terminal's size (the caller puts it in raw mode). */
  readonly terminal?: ResizableTerminal;
  /** See AttachOptions.closeStdinOnEof. */
  readonly closeStdinOnEof?: boolean;
}

export interface ExecOptions extends ExecProcessOptions {
  /** Keep stdin (`-i`). */
  readonly stdin?: boolean;
  /** Return once started (`-d`). */
  readonly detach?: boolean;
  readonly io?: ExecIO;
  /** Session id; random by default. */
  readonly execId?: string;
  /** Environment for conmon and runc (not the process's: that is `env`). */
  readonly monitorEnv?: NodeJS.ProcessEnv;
}

/** The engine's task service. All methods take the namespace from `ctx`. */
export interface TaskService {
  /** Paths of a task (nothing is created). */
  layout(ctx: Pick<OpContext, 'namespace'>, id: string): TaskLayout;
  /** conmon + `runc create`. `already-exists` when runc has the id; 126/127 errors for a bad command. */
  create(ctx: OpContext, opts: CreateTaskOptions): Promise<CreatedTask>;
  /** `runc start`: created → running. */
  start(ctx: OpContext, id: string): Promise<void>;
  /** Connects to the task's stdio (see attach.ts for how sessions end). `unavailable` when its monitor is gone. */
  attach(ctx: OpContext, id: string, io: TaskIO): Promise<AttachSession>;
  /** Sets the pty size of the task (or of exec session `execId`). */
  resize(ctx: OpContext, id: string, size: { rows: number; cols: number }, execId?: string): Promise<void>;
  /** Sends a signal (number or name). A paused task is resumed afterwards so the signal lands, as Docker does. */
  kill(ctx: OpContext, id: string, signal: number | string, opts?: { all?: boolean }): Promise<void>;
  /**
   * Docker's stop: the stop signal, then up to `timeoutSeconds` (default 10; negative = wait forever) for the
   * exit, then SIGKILL. Resolves with the exit status; a task already stopped resolves at once.
   */
  stop(ctx: OpContext, id: string, opts?: { timeoutSeconds?: number; signal?: number | string }): Promise<ExitStatus | undefined>;
  pause(ctx: OpContext, id: string): Promise<void>;
  resume(ctx: OpContext, id: string): Promise<void>;
  /** The reconciled state; `not-found` when neither runc nor we know the task. */
  state(ctx: OpContext, id: string): Promise<TaskState>;
  /** States of every task in the namespace (one runc call). */
  list(ctx: OpContext): Promise<TaskState[]>;
  /** Removes a stopped (or, with `force`, any) task; returns its exit status if known. Safe to repeat. */
  delete(ctx: OpContext, id: string, opts?: { force?: boolean }): Promise<ExitStatus | undefined>;
  /** Forgets a deleted task's exit file (container removal). */
  purge(ctx: OpContext, id: string): Promise<void>;
  exec(ctx: OpContext, id: string, opts: ExecOptions): Promise<ExecResult>;
  /** Pids in the task's cgroup. */
  pids(ctx: OpContext, id: string): Promise<number[]>;
  /** `docker top`: host `ps <psArgs>` (default `-ef`) narrowed to the task's pids. */
  top(ctx: OpContext, id: string, psArgs?: readonly string[]): Promise<TopResult>;
  stats(ctx: OpContext, id: string): Promise<TaskMetrics>;
  /** `runc update` with an OCI LinuxResources object. */
  update(ctx: OpContext, id: string, resources: object): Promise<void>;
  /** Waits for the exit (inotify on the exits dir, polling as fallback). `deadline-exceeded` after `timeoutMs`. */
  waitExit(ctx: OpContext, id: string, opts?: { timeoutMs?: number }): Promise<ExitStatus>;
  /** The recorded exit status, if the exit file exists. */
  readExitCode(ctx: Pick<OpContext, 'namespace'>, id: string): Promise<ExitStatus | undefined>;
}

// ---------------------------------------------------------------------------------------------------------------
// The task record (task.json)

interface TaskRecord {
  version: 1;
  id: string;
  bundle: string;
  terminal: boolean;
  stdin: boolean;
  logPath?: string;
  exitCommand?: string[];
  createdAt: string;
  startedAt?: string;
  pid?: number;
  pidStartTime?: number;
  conmonPid?: number;
  conmonStartTime?: number;
  /** The last signal we sent, for inferring an exit status when the monitor is gone. */
  lastSignal?: { number: number; at: string };
  /** Set when we wrote the exit file because the monitor was gone. */
  lostExit?: 'inferred' | 'unknown';
}

async function readRecord(l: TaskLayout): Promise<TaskRecord | undefined> {
  try {
    return JSON.parse(await fsp.readFile(l.recordFile, 'utf8')) as TaskRecord;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

async function writeRecord(l: TaskLayout, r: TaskRecord): Promise<void> {
  await writeFileAtomic(l.recordFile, JSON.stringify(r));
}

async function patchRecord(l: TaskLayout, patch: Partial<TaskRecord>): Promise<void> {
  const r = await readRecord(l);
  if (r) await writeRecord(l, { ...r, ...patch });
}

async function readExitFile(file: string): Promise<ExitStatus | undefined> {
  try {
    const [text, st] = await Promise.all([fsp.readFile(file, 'utf8'), fsp.stat(file)]);
    const code = Number.parseInt(text.trim(), 10);
    if (Number.isNaN(code)) return undefined;
    return { exitCode: code, exitedAt: st.mtime, source: 'monitor' };
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** The exit file, with the source we noted in the record when we wrote it ourselves. */
async function readExit(l: TaskLayout, r?: TaskRecord): Promise<ExitStatus | undefined> {
  const exit = await readExitFile(l.exitFile);
  if (!exit) return undefined;
  const source = (r ?? (await readRecord(l)))?.lostExit;
  return source ? { ...exit, source } : exit;
}

function readHostCapabilities(): string[] {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return capabilitiesFromMask(m?.[1] ?? '0');
  } catch {
    return [];
  }
}

/** Docker's signal parsing (engine/oci), for numbers too. */
function parseSignal(sig: number | string): ParsedSignal {
  return parseSignalText(String(sig));
}

const SIGKILL = 9;
const SIGTERM = 15;

/** How recent a signal must be to explain a death we did not see. */
const SIGNAL_INFERENCE_WINDOW_MS = 60_000;

// ---------------------------------------------------------------------------------------------------------------
// Implementation

/** Creates the task service. Binaries are looked up once, here; a missing one fails at first use (`unavailable`). */
export function createTaskService(opts: TaskServiceOptions): TaskService {
  const log = opts.log ?? nullLogger;
  const runcPath = findExecutable(opts.runcPath ?? 'runc') ?? opts.runcPath ?? 'runc';
  const conmonPath =
    findExecutable(opts.conmonPath ?? 'conmon', ['/usr/libexec/podman', '/usr/bin', '/usr/local/libexec/podman']) ??
    opts.conmonPath ??
    'conmon';
  let hostCaps = opts.hostCapabilities;
  const runcs = new Map<string, Runc>();

  const layoutOf = (ns: string, id: string) => taskLayout(opts.stateRoot, ns, id);
  const runcFor = (ns: string): Runc => {
    let r = runcs.get(ns);
    if (!r) {
      r = createRunc({ path: runcPath, root: layoutOf(ns, '_').runcRoot, systemdCgroup: opts.systemdCgroup, log });
      runcs.set(ns, r);
    }
    return r;
  };

  async function runcState(ctx: OpContext, id: string): Promise<RuncState | undefined> {
    // runc keeps `<root>/<id>/state.json` for every container it knows: without that directory there is nothing
    // to ask, and one exec of runc (10-30 ms) is saved on every create and on deletes of finished tasks.
    if (!fs.existsSync(`${runcFor(ctx.namespace).root}/${id}`)) return undefined;
    try {
      return await runcFor(ctx.namespace).state(id, ctx.signal);
    } catch (err) {
      if (hasCode(err, 'not-found')) return undefined;
      throw err;
    }
  }

  /** The task's cgroup path from its bundle's spec; undefined when there is no spec. */
  async function cgroupsPathOf(bundle: string | undefined): Promise<string | undefined> {
    if (bundle === undefined) return undefined;
    try {
      const spec = JSON.parse(await fsp.readFile(`${bundle}/config.json`, 'utf8')) as { linux?: { cgroupsPath?: string } };
      return spec.linux?.cgroupsPath;
    } catch {
      return undefined;
    }
  }

  /** Whether the OOM killer struck in the task's cgroup (see readOomKillCount); false when unknown. */
  async function oomKilledIn(cgroupsPath: string | undefined): Promise<boolean> {
    return cgroupsPath !== undefined && ((await readOomKillCount(cgroupsPath).catch(() => undefined)) ?? 0) > 0;
  }

  async function monitorAlive(r: TaskRecord | undefined): Promise<boolean> {
    return isProcessAlive(r?.conmonPid, { startTime: r?.conmonStartTime, comm: 'conmon' });
  }

  /** The exit status to record for a process that died without its monitor. */
  function inferredExit(r: TaskRecord | undefined): ExitStatus {
    const sig = r?.lastSignal;
    if (sig && Date.now() - Date.parse(sig.at) < SIGNAL_INFERENCE_WINDOW_MS) {
      return { exitCode: 128 + sig.number, exitedAt: new Date(), source: 'inferred' };
    }
    return { exitCode: 255, exitedAt: new Date(), source: 'unknown' };
  }

  /**
   * For a task whose monitor is gone and whose process has ended: write the exit file (first writer wins) and,
   * if `runExitCommand`, run the exit command once, as conmon would have. Returns the recorded status.
   */
  async function recordLostExit(ctx: OpContext, l: TaskLayout, r: TaskRecord | undefined, runExitCommand: boolean): Promise<ExitStatus> {
    const guess = inferredExit(r);
    await fsp.mkdir(l.exitDir, { recursive: true });
    const created = await createFileExclusive(l.exitFile, String(guess.exitCode));
    const status = created ? guess : ((await readExit(l)) ?? guess);
    if (created) {
      await patchRecord(l, { lostExit: guess.source === 'inferred' ? 'inferred' : 'unknown' });
      ctx.log.warn('task monitor was gone; recorded the exit status ourselves', { id: r?.id, exitCode: status.exitCode });
      const cmd = r?.exitCommand;
      if (runExitCommand && cmd && cmd.length > 0) {
        try {
          const child = spawn(cmd[0] as string, cmd.slice(1), { detached: true, stdio: 'ignore' });
          child.on('error', (err) => ctx.log.warn('exit command failed', { error: err }));
          child.unref();
        } catch (err) {
          ctx.log.warn('exit command failed', { error: err });
        }
      }
    }
    return status;
  }

  /**
   * The reconciled state from its three sources. With `repair`, a stopped task of ours whose monitor is gone
   * gets its exit recorded and its exit command run now (once), so a lost conmon does not leave the container
   * half-exited; without, the status is only computed.
   */
  async function reconcile(
    ctx: OpContext,
    id: string,
    rs: RuncState | undefined,
    r: TaskRecord | undefined,
    repair = true,
  ): Promise<TaskState> {
    const l = layoutOf(ctx.namespace, id);
    const [exit, alive] = await Promise.all([readExit(l, r), monitorAlive(r)]);
    if (!rs && !r) {
      throw notFound({ kind: 'task', ref: id });
    }
    // A record without runc state: runc's container was deleted under us, or create died half-way.
    const status: TaskStatus = rs ? statusFromRunc(rs.status) : 'stopped';
    let exitStatus: ExitStatus | undefined;
    if (status === 'stopped') {
      exitStatus = exit;
      if (!exitStatus && !alive) exitStatus = repair && r ? await recordLostExit(ctx, l, r, true) : inferredExit(r);
    }
    return {
      id,
      status,
      pid: status === 'stopped' ? 0 : (rs?.pid ?? 0),
      bundle: rs?.bundle ?? r?.bundle,
      terminal: r?.terminal ?? false,
      stdin: r?.stdin ?? false,
      createdAt: rs ? new Date(rs.created) : r ? new Date(r.createdAt) : undefined,
      startedAt: r?.startedAt ? new Date(r.startedAt) : undefined,
      exit: exitStatus,
      monitor: { pid: r?.conmonPid, alive },
    };
  }

  async function state(ctx: OpContext, id: string): Promise<TaskState> {
    const l = layoutOf(ctx.namespace, id);
    const [rs, r] = await Promise.all([runcState(ctx, id), readRecord(l)]);
    return reconcile(ctx, id, rs, r);
  }

  /** Runs a runc state-changing call; a wrong-state answer becomes the state machine's wording. */
  async function guarded<T>(ctx: OpContext, id: string, op: TaskOperation, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (hasCode(err, 'failed-precondition') && !findEngineError(err)?.exitCode) {
        const st = await state(ctx, id).catch(() => undefined);
        if (st) throw Object.assign(illegalTransition(id, st.status, op), { cause: err });
      }
      throw err;
    }
  }

  /** Checks `op` against the reconciled state first: runc allows things Docker does not (pausing a created task). */
  async function checked<T>(ctx: OpContext, id: string, op: TaskOperation, fn: () => Promise<T>): Promise<T> {
    const st = await state(ctx, id);
    transition(id, st.status, op);
    return guarded(ctx, id, op, fn);
  }

  function ensureNotAborted(ctx: OpContext, what: string) {
    if (ctx.signal.aborted) throw canceled(`${what}: canceled`);
  }

  async function cleanupFailedCreate(ctx: OpContext, l: TaskLayout, id: string): Promise<void> {
    await runcFor(ctx.namespace)
      .delete(id, { force: true })
      .catch(() => {});
    await fsp.rm(l.dir, { recursive: true, force: true });
  }

  async function waitExit(ctx: OpContext, id: string, o: { timeoutMs?: number } = {}): Promise<ExitStatus> {
    const l = layoutOf(ctx.namespace, id);
    const deadline = o.timeoutMs === undefined ? undefined : Date.now() + o.timeoutMs;
    let wake: (() => void) | undefined;
    let watcher: fs.FSWatcher | undefined;
    try {
      await fsp.mkdir(l.exitDir, { recursive: true });
      watcher = fs.watch(l.exitDir, { persistent: false }, (_e, name) => {
        if (name === null || String(name) === id) wake?.();
      });
      watcher.on('error', () => {});
    } catch {
      // polling only
    }
    try {
      let lastCheck = 0;
      for (;;) {
        const exit = await readExit(l);
        if (exit) return exit;
        ensureNotAborted(ctx, `waiting for task "${id}"`);
        if (deadline !== undefined && Date.now() >= deadline) throw deadlineExceeded(`waiting for task "${id}" to exit: timed out`);
        // Every second, make sure someone will write the exit file.
        if (Date.now() - lastCheck >= 1000) {
          lastCheck = Date.now();
          const r = await readRecord(l);
          if (!(await monitorAlive(r))) {
            const exitNow = await readExit(l, r);
            if (exitNow) return exitNow;
            const initAlive = r?.pid !== undefined && (await isProcessAlive(r.pid, { startTime: r.pidStartTime }));
            if (!initAlive) {
              if (!r) {
                const rs = await runcState(ctx, id);
                if (!rs) throw notFound({ kind: 'task', ref: id });
                if (rs.status !== 'stopped') {
                  // Known to runc but not to us (no record): wait on runc's view.
                } else return recordLostExit(ctx, l, r, true);
              } else return recordLostExit(ctx, l, r, true);
            }
          }
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, 250);
          const onAbort = () => done();
          function done() {
            clearTimeout(timer);
            ctx.signal.removeEventListener('abort', onAbort);
            wake = undefined;
            resolve();
          }
          wake = done;
          ctx.signal.addEventListener('abort', onAbort, { once: true });
        });
      }
    } finally {
      watcher?.close();
    }
  }

  async function kill(ctx: OpContext, id: string, signal: number | string, o: { all?: boolean } = {}): Promise<void> {
    const sig = parseSignal(signal);
    const l = layoutOf(ctx.namespace, id);
    await patchRecord(l, { lastSignal: { number: sig.number, at: new Date().toISOString() } });
    const runc = runcFor(ctx.namespace);
    await checked(ctx, id, 'kill', () => runc.kill(id, sig.number, { all: o.all, signal: ctx.signal }));
    if (sig.number !== SIGKILL) {
      // A frozen process cannot act on the signal: thaw it, as Docker does (runc thaws by itself for SIGKILL).
      const rs = await runcState(ctx, id);
      if (rs?.status === 'paused') await runc.resume(id, ctx.signal).catch(() => {});
    }
  }

  /** Waits for the exit up to `ms` (undefined = forever); undefined on timeout. */
  async function waitFor(ctx: OpContext, id: string, ms: number | undefined): Promise<ExitStatus | undefined> {
    try {
      return await waitExit(ctx, id, { timeoutMs: ms });
    } catch (err) {
      if (hasCode(err, 'deadline-exceeded')) return undefined;
      throw err;
    }
  }

  const service: TaskService = {
    layout: (ctx, id) => layoutOf(ctx.namespace, id),

    async create(ctx, o) {
      const l = layoutOf(ctx.namespace, o.id);
      const runc = runcFor(ctx.namespace);
      if (await runcState(ctx, o.id)) throw alreadyExists({ kind: 'task', ref: o.id });
      await fsp.rm(l.dir, { recursive: true, force: true });
      await Promise.all([
        fsp.mkdir(l.dir, { recursive: true, mode: 0o700 }),
        fsp.mkdir(l.runcRoot, { recursive: true, mode: 0o700 }),
        fsp.mkdir(l.exitDir, { recursive: true, mode: 0o700 }),
      ]);
      await fsp.rm(l.exitFile, { force: true });
      const record: TaskRecord = {
        version: 1,
        id: o.id,
        bundle: o.bundle,
        terminal: o.terminal === true,
        stdin: o.stdin === true,
        logPath: o.logPath,
        exitCommand: o.exitCommand ? [...o.exitCommand] : undefined,
        createdAt: new Date().toISOString(),
      };
      await writeRecord(l, record);
      const args = conmonCreateArgs({
        runtimePath: runcPath,
        runtimeArgs: [`--root=${runc.root}`, '--log-format=json', `--log=${l.runcLogFile}`],
        id: o.id,
        name: o.name,
        bundle: o.bundle,
        pidFile: l.initPidFile,
        exitDir: l.exitDir,
        terminal: o.terminal,
        stdin: o.stdin,
        leaveStdinOpen: o.stdin === true && o.stdinOnce !== true,
        exitCommand: o.exitCommand,
        exitDelaySeconds: o.exitDelaySeconds,
        logPath: o.logPath,
        logSizeMax: o.logSizeMax,
        conmonPidFile: l.conmonPidFile,
        logLevel: opts.conmonLogLevel,
        systemdCgroup: opts.systemdCgroup,
      });
      const handle = launchConmon({ conmonPath, args, env: o.env, cwd: l.dir, signal: ctx.signal, log: ctx.log });
      try {
        const launched = await handle.launched;
        if (launched.code !== 0) {
          throw await conmonFailure({ verb: 'create', id: o.id, conmonStderr: launched.stderr, exitCode: launched.code });
        }
        const m = await handle.sync.next({ timeoutMs: o.timeoutMs ?? 120_000, signal: ctx.signal, what: 'runc create' });
        if (!m || m.data <= 0) {
          throw await conmonFailure({
            verb: 'create',
            id: o.id,
            message: m?.message,
            runcLogFile: l.runcLogFile,
            conmonStderr: launched.stderr,
            exitCode: m?.data,
          });
        }
        const pid = m.data;
        const conmonPid = Number.parseInt(await fsp.readFile(l.conmonPidFile, 'utf8').catch(() => ''), 10);
        const [initStat, conmonStat] = await Promise.all([readProcStat(pid), Number.isNaN(conmonPid) ? undefined : readProcStat(conmonPid)]);
        await writeRecord(l, {
          ...record,
          pid,
          pidStartTime: initStat?.startTime,
          conmonPid: Number.isNaN(conmonPid) ? undefined : conmonPid,
          conmonStartTime: conmonStat?.startTime,
        });
        handle.release();
        return Number.isNaN(conmonPid) ? { pid } : { pid, conmonPid };
      } catch (err) {
        handle.release();
        await cleanupFailedCreate(ctx, l, o.id);
        throw err;
      }
    },

    async start(ctx, id) {
      const runc = runcFor(ctx.namespace);
      const l = layoutOf(ctx.namespace, id);
      await guarded(ctx, id, 'start', () => runc.start(id, ctx.signal));
      await patchRecord(l, { startedAt: new Date().toISOString() });
    },

    async attach(ctx, id, io) {
      const st = await state(ctx, id);
      if (st.status === 'stopped' || st.status === 'deleted') {
        throw new EngineError('failed-precondition', `you cannot attach to a stopped container ${id}, start it first`, {
          subject: { kind: 'task', ref: id },
        });
      }
      if (!st.monitor.alive || !st.bundle) {
        throw unavailable(`task "${id}": its monitor is not running, cannot attach`, { subject: { kind: 'task', ref: id } });
      }
      const files = bundleFiles(st.bundle);
      const session = await attach({
        socketPath: files.attachSocket,
        stdin: st.stdin ? io.stdin : undefined,
        stdout: io.stdout,
        stderr: st.terminal ? io.stdout : io.stderr,
        detachKeys: io.detachKeys,
        closeStdinOnEof: io.closeStdinOnEof,
        signal: ctx.signal,
      });
      if (st.terminal && io.terminal) {
        const stop = await followTerminalSize(files.ctlFifo, io.terminal);
        void session.done.then(stop);
      }
      return session;
    },

    async resize(ctx, id, size, execId) {
      const l = layoutOf(ctx.namespace, id);
      let ctl: string;
      if (execId !== undefined) ctl = execLayout(l, id, execId).ctlFifo;
      else {
        const r = await readRecord(l);
        const bundle = r?.bundle ?? (await runcState(ctx, id))?.bundle;
        if (!bundle) throw notFound({ kind: 'task', ref: id });
        ctl = bundleFiles(bundle).ctlFifo;
      }
      await writeControl(ctl, ControlMessage.resize(size.rows, size.cols));
    },

    kill,

    async stop(ctx, id, o = {}) {
      const sig = parseSignal(o.signal ?? SIGTERM);
      const timeout = o.timeoutSeconds ?? 10;
      const st = await state(ctx, id);
      if (st.status === 'stopped' || st.status === 'deleted') return st.exit;
      // Docker: stopping a container that never started does nothing.
      if (st.status === 'created') return undefined;
      if (timeout !== 0 && sig.number !== SIGKILL) {
        try {
          await kill(ctx, id, sig.number);
        } catch (err) {
          // It may have exited in between.
          if (!hasCode(err, 'failed-precondition') && !hasCode(err, 'not-found')) throw err;
        }
        const exited = await waitFor(ctx, id, timeout < 0 ? undefined : timeout * 1000);
        if (exited) return exited;
        ctx.log.info('stop signal did not stop the task in time; killing it', { id, signal: sig.name, timeout });
      }
      try {
        await kill(ctx, id, SIGKILL);
      } catch (err) {
        if (!hasCode(err, 'failed-precondition') && !hasCode(err, 'not-found')) throw err;
      }
      const exited = await waitFor(ctx, id, 30_000);
      if (!exited) throw deadlineExceeded(`task "${id}": did not exit after SIGKILL`);
      return exited;
    },

    async pause(ctx, id) {
      await checked(ctx, id, 'pause', () => runcFor(ctx.namespace).pause(id, ctx.signal));
    },

    async resume(ctx, id) {
      await checked(ctx, id, 'resume', () => runcFor(ctx.namespace).resume(id, ctx.signal));
    },

    state,

    async list(ctx) {
      const l = layoutOf(ctx.namespace, '_');
      const tasksDir = l.dir.slice(0, -'/_'.length);
      const [all, names] = await Promise.all([
        runcFor(ctx.namespace).list(ctx.signal),
        fsp.readdir(tasksDir).catch((err: unknown) => {
          if (isErrno(err, 'ENOENT')) return [] as string[];
          throw err;
        }),
      ]);
      const byId = new Map(all.map((s) => [s.id, s]));
      const ids = new Set([...byId.keys(), ...names]);
      const out: TaskState[] = [];
      for (const id of ids) {
        const r = await readRecord(layoutOf(ctx.namespace, id));
        try {
          out.push(await reconcile(ctx, id, byId.get(id), r));
        } catch (err) {
          if (!hasCode(err, 'not-found')) throw err;
        }
      }
      return out;
    },

    async delete(ctx, id, o = {}) {
      const l = layoutOf(ctx.namespace, id);
      const runc = runcFor(ctx.namespace);
      const record = await readRecord(l);
      const recorded = await readExit(l, record);
      if (recorded && fs.existsSync(`${runc.root}/${id}`)) {
        const cgroupsPath = await cgroupsPathOf(record?.bundle);
        const oom = await oomKilledIn(cgroupsPath);
        // The exit file is written once this incarnation's process has exited (create removes an older one), so
        // runc can only say "stopped": skip asking it (one exec, 10-20 ms, on every `run --rm` and `rm`). A
        // refusal (someone recreated it under us) falls through to the full path below.
        const deleted = await runc.delete(id, { force: false, signal: ctx.signal }).then(
          () => true,
          () => false,
        );
        if (deleted) {
          if (cgroupsPath !== undefined) await removeEmptyNamespaceCgroup(cgroupsPath);
          await fsp.rm(l.dir, { recursive: true, force: true });
          return oom ? { ...recorded, oomKilled: true } : recorded;
        }
      }
      const r = record;
      const rs = await runcState(ctx, id);
      if (!rs && !r) {
        // Nothing left but perhaps the exit file: deleting twice is fine.
        return readExit(l);
      }
      const st = await reconcile(ctx, id, rs, r, false);
      if ((st.status === 'running' || st.status === 'paused') && !o.force) throw illegalTransition(id, st.status, 'delete');
      let oom = false;
      if (rs) {
        if (st.status !== 'stopped') {
          await patchRecord(l, { lastSignal: { number: SIGKILL, at: new Date().toISOString() } });
        }
        const cgroupsPath = await cgroupsPathOf(r?.bundle ?? rs.bundle);
        oom = await oomKilledIn(cgroupsPath);
        await runc.delete(id, { force: st.status !== 'stopped', signal: ctx.signal });
        if (cgroupsPath !== undefined) await removeEmptyNamespaceCgroup(cgroupsPath);
      }
      let exit = await readExit(l, r);
      if (exit && oom) exit = { ...exit, oomKilled: true };
      if (!exit && st.status !== 'created') {
        // A live monitor writes the status once it has drained the output; give it a moment.
        if (st.monitor.alive) exit = await waitFor(ctx, id, 5_000);
        if (!exit && !(await monitorAlive(r))) exit = await recordLostExit(ctx, l, r ?? undefined, false);
      }
      await fsp.rm(l.dir, { recursive: true, force: true });
      return exit;
    },

    async purge(ctx, id) {
      const l = layoutOf(ctx.namespace, id);
      await Promise.all([fsp.rm(l.exitFile, { force: true }), fsp.rm(l.dir, { recursive: true, force: true })]);
    },

    async exec(ctx, id, o) {
      const l = layoutOf(ctx.namespace, id);
      const r = await readRecord(l);
      const rs = await runcState(ctx, id);
      if (!rs) throw notFound({ kind: 'task', ref: id });
      const status = statusFromRunc(rs.status);
      if (status !== 'running') throw illegalTransition(id, status, 'exec');
      const base = await readBundleProcess(r?.bundle ?? rs.bundle);
      hostCaps ??= readHostCapabilities();
      const processSpec = buildExecProcess(base, o, hostCaps);
      const execId = o.execId ?? randomBytes(8).toString('hex');
      const runc = runcFor(ctx.namespace);
      return guarded(ctx, id, 'exec', () =>
        runExec({
          conmonPath,
          runtimePath: runcPath,
          runtimeArgs: [`--root=${runc.root}`],
          id,
          execId,
          layout: execLayout(l, id, execId),
          process: processSpec,
          stdin: o.stdin === true,
          detach: o.detach === true,
          io: o.io,
          env: o.monitorEnv,
          signal: ctx.signal,
          log: ctx.log,
        }),
      );
    },

    async pids(ctx, id) {
      return runcFor(ctx.namespace).ps(id, ctx.signal);
    },

    async top(ctx, id, psArgs = ['-ef']) {
      const pids = await runcFor(ctx.namespace).ps(id, ctx.signal);
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn('ps', [...psArgs], { stdio: ['ignore', 'pipe', 'pipe'], signal: ctx.signal });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', (err) => reject(unavailable(`ps: ${err.message}`, { cause: err })));
        child.on('close', (code) =>
          code === 0
            ? resolve(stdout)
            : reject(new EngineError('invalid-argument', `ps ${psArgs.join(' ')}: ${stderr.trim() || `exit status ${String(code)}`}`)),
        );
      });
      return filterPsOutput(out, pids);
    },

    async stats(ctx, id) {
      const rs = await runcState(ctx, id);
      if (!rs) throw notFound({ kind: 'task', ref: id });
      if (rs.pid <= 0 || rs.status === 'stopped') throw illegalTransition(id, 'stopped', 'update');
      try {
        return await readTaskMetrics(rs.pid);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) throw illegalTransition(id, 'stopped', 'update');
        throw err;
      }
    },

    async update(ctx, id, resources) {
      await guarded(ctx, id, 'update', () => runcFor(ctx.namespace).update(id, resources, ctx.signal));
    },

    waitExit,

    async readExitCode(ctx, id) {
      return readExit(layoutOf(ctx.namespace, id));
    },
  };
  return service;
}
