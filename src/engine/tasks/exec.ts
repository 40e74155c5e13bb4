/**
 * `exec`: run another process in a running task, through conmon's exec mode (`conmon -e --exec-attach`).
 *
 * Why conmon and not `runc exec` directly: for `-t`, runc hands the pty master over a unix socket with
 * SCM_RIGHTS (`--console-socket`), which Node cannot receive; conmon receives it and serves the session on its
 * own attach socket and control FIFO, exactly like the container's main process. For `-d` the session outlives
 * this process, and conmon reaps the process and records its exit status.
 *
 * Session protocol (see conmon.ts): write start byte 1 → conmon says `{"data":0}` on the attach pipe when the
 * session's attach socket listens → we connect (foreground) → start byte 2 → sync `{"data": pid}` or
 * `{"data": <0, "message": runc's error}` → (foreground) output until conmon closes the socket → sync
 * `{"data": <exit status>}`; conmon also writes `<session>/<container id>` with the status.
 */
import fsp from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { EngineError, invalidArgument, unavailable } from '../errdefs.js';
import type { Logger } from '../log.js';
import { attach, followTerminalSize, type AttachEndReason, type ResizableTerminal } from './attach.js';
import { conmonExecArgs, conmonFailure, launchConmon } from './conmon.js';
import type { ExecLayout } from './layout.js';

/** The parts of an OCI process spec exec touches; the rest of the container's process is copied as is. */
export interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: {
    bounding?: string[];
    effective?: string[];
    inheritable?: string[];
    permitted?: string[];
    ambient?: string[];
  };
  [key: string]: unknown;
}

export interface ExecProcessOptions {
  /** The command; must not be empty. */
  readonly args: readonly string[];
  /** `KEY=VALUE` entries added to (and overriding) the container's environment, as `docker exec -e`. */
  readonly env?: readonly string[];
  /** Working directory; the container's by default. */
  readonly cwd?: string;
  /** Numeric identity (resolve `-u name` against the image first); the container's by default. */
  readonly user?: { uid: number; gid: number; additionalGids?: number[] };
  readonly terminal?: boolean;
  /** Initial pty size. */
  readonly consoleSize?: { rows: number; cols: number };
  /** Every capability the host allows instead of the container's set (`exec --privileged`). */
  readonly privileged?: boolean;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The process spec for an exec, from the container's own process (config.json) — so capabilities, rlimits,
 * AppArmor/SELinux labels and no-new-privileges carry over, as with Docker — with the exec's command, env,
 * cwd, user and terminal. `hostCapabilities` is the host's bounding set, used for `privileged`. Pure.
 */
export function buildExecProcess(base: OciProcess, o: ExecProcessOptions, hostCapabilities: readonly string[] = []): OciProcess {
  if (o.args.length === 0) throw invalidArgument('exec: no command given');
  const env = new Map<string, string>();
  for (const kv of [...(base.env ?? []), ...(o.env ?? [])]) {
    const eq = kv.indexOf('=');
    env.set(eq < 0 ? kv : kv.slice(0, eq), kv);
  }
  if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH);
  const p: OciProcess = {
    ...base,
    args: [...o.args],
    env: [...env.values()],
    cwd: o.cwd ?? base.cwd ?? '/',
    user: o.user ? { ...base.user, ...o.user } : base.user,
    terminal: o.terminal ?? false,
  };
  if (o.terminal && o.consoleSize) p.consoleSize = { height: o.consoleSize.rows, width: o.consoleSize.cols };
  else delete p.consoleSize;
  if (o.privileged) {
    const all = [...hostCapabilities];
    p.capabilities = { ...base.capabilities, bounding: all, effective: all, permitted: all };
  }
  return p;
}

// Integers beyond 2^53 (rlimits at RLIM_INFINITY) must survive the round trip through config.json untouched.
const BIG = /(:\s*)(\d{16,})(?=\s*[,}\]])/g;

/** Reads the container's process from its bundle's config.json, keeping 64-bit integers exact. */
export async function readBundleProcess(bundle: string): Promise<OciProcess> {
  const text = await fsp.readFile(`${bundle}/config.json`, 'utf8');
  const spec = JSON.parse(text.replace(BIG, '$1"\\u0000big:$2"')) as { process?: OciProcess };
  if (!spec.process) throw invalidArgument(`bundle "${bundle}": config.json has no process`);
  return spec.process;
}

/** Serialises a process spec written by {@link readBundleProcess}, restoring the exact integers. */
export function serializeProcess(p: OciProcess): string {
  return JSON.stringify(p).replace(/"\\u0000big:(\d+)"/g, '$1');
}

/** Stdio for a foreground exec. */
export interface ExecIO {
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  readonly detachKeys?: Buffer | null;
  /** With a terminal: follow this tty's size (SIGWINCH). */
  readonly terminal?: ResizableTerminal;
}

export interface RunExecOptions {
  readonly conmonPath: string;
  readonly runtimePath: string;
  /** runc global flags for conmon (`--root=...`); the session's JSON log flags are added here. */
  readonly runtimeArgs: readonly string[];
  readonly id: string;
  readonly execId: string;
  readonly layout: ExecLayout;
  readonly process: OciProcess;
  /** Keep a stdin pipe (`exec -i`). */
  readonly stdin: boolean;
  /** Return once the process runs; conmon records its exit in the session directory. */
  readonly detach: boolean;
  readonly io?: ExecIO;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly log?: Logger;
  /** How long to wait for conmon's answers. Default 60 s. */
  readonly timeoutMs?: number;
}

export interface ExecResult {
  readonly pid: number;
  /** Foreground only: the exit status, or undefined when the user detached or the monitor vanished. */
  readonly exitCode?: number;
  /** Foreground only: why the stream ended. */
  readonly ended?: AttachEndReason;
}

/**
 * Starts an exec session. Errors: `invalid-argument` with `exitCode` 127/126 when the command is missing or not
 * executable; `failed-precondition`/`not-found` from runc (container not running, gone); `unavailable` when
 * conmon cannot run. The session directory is removed after a foreground exec; a detached session's directory
 * stays (it holds the exit status) until the task is deleted.
 */
export async function runExec(o: RunExecOptions): Promise<ExecResult> {
  const { layout } = o;
  const timeoutMs = o.timeoutMs ?? 60_000;
  await fsp.mkdir(layout.dir, { recursive: true, mode: 0o700 });
  await fsp.writeFile(layout.processFile, serializeProcess(o.process), { mode: 0o600 });
  const subject = { kind: 'exec' as const, ref: `${o.id}/${o.execId}` };
  const args = conmonExecArgs({
    runtimePath: o.runtimePath,
    runtimeArgs: [...o.runtimeArgs, '--log-format=json', `--log=${layout.runcLogFile}`],
    id: o.id,
    uuid: o.execId,
    bundle: layout.dir,
    pidFile: layout.pidFile,
    exitDir: layout.dir,
    terminal: o.process.terminal === true,
    stdin: o.stdin,
    processFile: layout.processFile,
  });
  const handle = launchConmon({ conmonPath: o.conmonPath, args, exec: true, env: o.env, cwd: layout.dir, signal: o.signal, log: o.log });
  let session: Awaited<ReturnType<typeof attach>> | undefined;
  let stopResize: (() => void) | undefined;
  const cleanupDir = () => fsp.rm(layout.dir, { recursive: true, force: true });
  try {
    const launched = await handle.launched;
    if (launched.code !== 0) {
      throw await conmonFailure({ verb: 'exec', id: o.id, subject, conmonStderr: launched.stderr, exitCode: launched.code });
    }
    const ready = await handle.attach?.next({ timeoutMs, signal: o.signal, what: 'exec attach socket' });
    if (!ready) {
      throw await conmonFailure({ verb: 'exec', id: o.id, subject, runcLogFile: layout.runcLogFile, conmonStderr: launched.stderr });
    }
    if (!o.detach) {
      session = await attach({
        socketPath: layout.attachSocket,
        stdin: o.stdin ? o.io?.stdin : undefined,
        stdout: o.io?.stdout,
        stderr: o.io?.stderr,
        detachKeys: o.io?.detachKeys,
        signal: o.signal,
      });
      if (o.process.terminal && o.io?.terminal) stopResize = await followTerminalSize(layout.ctlFifo, o.io.terminal);
    }
    await handle.start();
    const started = await handle.sync.next({ timeoutMs, signal: o.signal, what: 'exec pid' });
    if (!started || started.data <= 0) {
      throw await conmonFailure({
        verb: 'exec',
        id: o.id,
        subject,
        message: started?.message,
        runcLogFile: layout.runcLogFile,
        conmonStderr: launched.stderr,
        exitCode: started?.data,
      });
    }
    const pid = started.data;
    if (o.detach || !session) {
      handle.release();
      return { pid };
    }
    const end = await session.done;
    stopResize?.();
    if (end.reason === 'detached' || end.reason === 'canceled') {
      handle.release();
      return { pid, ended: end.reason };
    }
    // conmon closes the socket after draining the output, then reports the status.
    const status = await handle.sync.next({ signal: o.signal, what: 'exec exit status' }).catch(() => undefined);
    let exitCode = status?.data;
    if (exitCode === undefined) {
      const text = await fsp.readFile(layout.exitFile, 'utf8').catch(() => undefined);
      exitCode = text === undefined ? undefined : Number.parseInt(text, 10);
    }
    handle.release();
    await cleanupDir();
    return exitCode === undefined || Number.isNaN(exitCode) ? { pid, ended: end.reason } : { pid, exitCode, ended: end.reason };
  } catch (err) {
    stopResize?.();
    session?.close();
    handle.release();
    await cleanupDir();
    if (err instanceof EngineError) throw err;
    throw unavailable(`exec in task "${o.id}": ${err instanceof Error ? err.message : String(err)}`, { cause: err, subject });
  }
}
