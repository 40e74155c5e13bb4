/**
 * conmon, the per-container monitor (Debian's conmon 2.1.6): argv (pure), launch, and its wire protocol.
 *
 * Protocol, as read from conmon's source (src/conmon.c, parent_pipe_fd.c, ctrl.c, conn_sock.c, ctr_exit.c at
 * v2.1.6) and checked against the binary:
 *
 * - Launch. We pass two (exec: three) extra descriptors and name them in the environment: `_OCI_SYNCPIPE=3`,
 *   `_OCI_STARTPIPE=4` (`_OCI_ATTACHPIPE=5` for exec). conmon blocks reading the start pipe before it forks
 *   (that is where podman moves it into a cgroup), so we write one byte. conmon then forks: the process we
 *   spawned exits 0 (non-zero with a message on stderr when it fails before forking, e.g. bad options) and the
 *   grandchild — the monitor — calls setsid, points its stdio at /dev/null and runs `runc create`.
 * - Sync pipe. With `--api-version 1` every message is one JSON line `{"data": N}` or
 *   `{"data": N, "message": "..."}`. After create: N > 0 is the container's pid; N < 0 means `runc create`
 *   failed and `message` is runc's stderr. For exec, a second message carries the exit status.
 * - Attach pipe (exec only, with --exec-attach): `{"data": 0}` once the session's attach socket listens; conmon
 *   then waits for a second byte on the start pipe before it runs `runc exec`, so an attached client misses no
 *   output.
 * - Exit. conmon writes `<exit-dir>/<cid>` (decimal status; 128+n for a signal) after the container's output is
 *   drained, then runs the exit command (argv[0] must be an absolute path: execv, no PATH search) with its
 *   stdio on /dev/null, and waits for it before exiting. NOTE(tasks): the exit command also runs when
 *   `runc create` fails (conmon runs it from atexit), with no exit file written.
 * - Control FIFO `<bundle>/ctl`: lines `<type> <a> <b>\n`; type 1 = resize (`1 <rows> <cols>`), type 2 = reopen
 *   the log file. There is no "close stdin" message in 2.1.6: stdin is closed when the attach client shuts down
 *   its write side (see attach.ts). conmon parses only the first line of each read, so we send one message per
 *   open/write/close.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { EngineError, canceled, deadlineExceeded, internal, isErrno, unavailable } from '../errdefs.js';
import type { Logger } from '../log.js';
import { runcError, runcErrorMessage, type RuncFailure } from './runc.js';

// ---------------------------------------------------------------------------------------------------------------
// Argv (pure)

/** Options shared by a container's conmon and an exec session's conmon. */
export interface ConmonCommonOptions {
  /** The runtime binary conmon runs (`-r`). */
  readonly runtimePath: string;
  /** Global runtime flags (`--runtime-arg`), e.g. `--root=/run/nerdctl/runc/default`. */
  readonly runtimeArgs?: readonly string[];
  /** The runc container id (`-c`). conmon also names the exit file after it. */
  readonly id: string;
  /** conmon's own id for the session (`-u`); defaults to `id`. */
  readonly uuid?: string;
  readonly name?: string;
  /** conmon's bundle directory (`-b`): where it creates `attach`, `ctl` and `winsz`; runc's bundle for create. */
  readonly bundle: string;
  /** Where runc writes the process pid (`-p`). */
  readonly pidFile: string;
  readonly exitDir: string;
  /** Allocate a pty (`-t`). */
  readonly terminal?: boolean;
  /** Keep a stdin pipe (`-i`); ignored with a terminal, whose master is already the input. */
  readonly stdin?: boolean;
  /** Do not close the process's stdin when an attached client ends its input (`--leave-stdin-open`). */
  readonly leaveStdinOpen?: boolean;
  /** argv of the command conmon runs after the exit; [0] must be absolute. */
  readonly exitCommand?: readonly string[];
  readonly exitDelaySeconds?: number;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readonly systemdCgroup?: boolean;
}

export interface ConmonCreateOptions extends ConmonCommonOptions {
  /** k8s-file log path; no container log when absent. Must not contain ':'. */
  readonly logPath?: string;
  /** Rotate (truncate) the log file when it would grow past this many bytes. */
  readonly logSizeMax?: number;
  readonly conmonPidFile?: string;
  readonly noPivot?: boolean;
  readonly noNewKeyring?: boolean;
}

export interface ConmonExecOptions extends ConmonCommonOptions {
  /** The OCI process spec for `runc exec --process`. */
  readonly processFile: string;
}

function commonArgs(o: ConmonCommonOptions): string[] {
  const args = [
    '--api-version',
    '1',
    '-c',
    o.id,
    '-u',
    o.uuid ?? o.id,
    '-r',
    o.runtimePath,
    '-b',
    o.bundle,
    '-p',
    o.pidFile,
    '--exit-dir',
    o.exitDir,
    // The socket goes in the bundle dir whatever the path length: conmon binds through /proc/self/fd, and so
    // do we when connecting (attach.ts). Without this conmon makes a symlink dir under --socket-dir-path.
    '--full-attach',
  ];
  if (o.name !== undefined) args.push('-n', o.name);
  for (const a of o.runtimeArgs ?? []) args.push(`--runtime-arg=${a}`);
  if (o.systemdCgroup) args.push('-s');
  if (o.terminal) args.push('-t');
  else if (o.stdin) args.push('-i');
  if (o.leaveStdinOpen) args.push('--leave-stdin-open');
  if (o.exitCommand && o.exitCommand.length > 0) {
    args.push('--exit-command', o.exitCommand[0] as string);
    for (const a of o.exitCommand.slice(1)) args.push(`--exit-command-arg=${a}`);
    if (o.exitDelaySeconds !== undefined && o.exitDelaySeconds > 0) {
      args.push('--exit-delay', String(Math.floor(o.exitDelaySeconds)));
    }
  }
  if (o.logLevel !== undefined) args.push('--log-level', o.logLevel);
  return args;
}

/** conmon argv for a container: conmon runs `runc create`; `runc start` is the caller's. Pure. */
export function conmonCreateArgs(o: ConmonCreateOptions): string[] {
  if (o.logPath?.includes(':')) throw new EngineError('invalid-argument', `log path "${o.logPath}": must not contain ':'`);
  const args = commonArgs(o);
  args.push('-l', o.logPath === undefined ? 'none' : `k8s-file:${o.logPath}`);
  if (o.logSizeMax !== undefined && o.logSizeMax > 0) args.push('--log-size-max', String(Math.floor(o.logSizeMax)));
  if (o.conmonPidFile !== undefined) args.push('--conmon-pidfile', o.conmonPidFile);
  if (o.noPivot) args.push('--no-pivot');
  if (o.noNewKeyring) args.push('--no-new-keyring');
  return args;
}

/** conmon argv for an exec session (`-e --exec-attach`); exec output is not logged, as with Docker. Pure. */
export function conmonExecArgs(o: ConmonExecOptions): string[] {
  const args = commonArgs(o);
  args.push('-l', 'none', '-e', '--exec-attach', '--exec-process-spec', o.processFile);
  return args;
}

// ---------------------------------------------------------------------------------------------------------------
// Sync messages (pure)

/** One message from conmon's sync or attach pipe. */
export interface SyncMessage {
  readonly data: number;
  readonly message?: string;
}

/**
 * Parses one sync-pipe line. conmon escapes `"`, `\`, newline, tab and most control characters, but not 0x1f
 * and not bytes above 0x7f; a line JSON.parse rejects is read field by field instead.
 */
export function parseSyncLine(line: string): SyncMessage {
  try {
    const v = JSON.parse(line) as { data?: unknown; pid?: unknown; exit_code?: unknown; message?: unknown };
    const data = v.data ?? v.pid ?? v.exit_code;
    if (typeof data === 'number') {
      return typeof v.message === 'string' ? { data, message: v.message } : { data };
    }
  } catch {
    // fall through to the lenient reading
  }
  const d = /"(?:data|pid|exit_code)":\s*(-?\d+)/.exec(line);
  if (!d) throw internal(`conmon sync message ${JSON.stringify(line)}: cannot be parsed`);
  const m = /"message":\s*"([\s\S]*)"\s*}\s*$/.exec(line);
  const message = m?.[1]
    ?.replace(/\\u00([0-9a-fA-F]{2})/g, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t')
    .replace(/\\(["\\])/g, '$1');
  return message === undefined ? { data: Number(d[1]) } : { data: Number(d[1]), message };
}

/** Reads newline-terminated sync messages from a pipe, one at a time. */
export class SyncReader {
  private buf = '';
  private readonly queue: SyncMessage[] = [];
  private waiter: { resolve: (m: SyncMessage | undefined) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private failure: unknown;

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (line === '') continue;
        try {
          this.push(parseSyncLine(line));
        } catch (err) {
          this.fail(err);
        }
      }
    });
    stream.on('end', () => this.finish());
    stream.on('close', () => this.finish());
    stream.on('error', (err) => (isErrno(err, 'ECONNRESET') || isErrno(err, 'EPIPE') ? this.finish() : this.fail(err)));
  }

  private push(m: SyncMessage): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(m);
    } else this.queue.push(m);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.buf.trim() !== '') {
      const rest = this.buf.trim();
      this.buf = '';
      try {
        this.push(parseSyncLine(rest));
      } catch (err) {
        this.fail(err);
        return;
      }
    }
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve(undefined);
  }

  private fail(err: unknown): void {
    this.failure = err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  /** The next message, or undefined when the pipe closed first. */
  next(opts: { timeoutMs?: number; signal?: AbortSignal; what?: string } = {}): Promise<SyncMessage | undefined> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        cleanup();
        reject(canceled(`waiting for conmon${opts.what ? ` (${opts.what})` : ''}: canceled`));
      };
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.waiter = undefined;
      };
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(deadlineExceeded(`waiting for conmon${opts.what ? ` (${opts.what})` : ''}: timed out`));
        }, opts.timeoutMs);
      }
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = {
        resolve: (m) => {
          cleanup();
          resolve(m);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Launch

export interface LaunchConmonOptions {
  readonly conmonPath: string;
  readonly args: readonly string[];
  /** conmon's environment (inherited by runc and the exit command); defaults to ours. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** An exec session: a third pipe (`_OCI_ATTACHPIPE`) and a two-step start. */
  readonly exec?: boolean;
  readonly signal?: AbortSignal;
  readonly log?: Logger;
}

/**
 * A conmon we spawned, until we let go of it. The pipes are ours to close: {@link ConmonHandle.release} closes
 * them and unrefs everything so this process may exit while conmon carries on.
 */
export interface ConmonHandle {
  readonly sync: SyncReader;
  /** Exec only: says when the attach socket listens. */
  readonly attach: SyncReader | undefined;
  /** Writes one byte on the start pipe (exec: the second write lets `runc exec` go). */
  start(): Promise<void>;
  /** Resolves with the first-fork process's exit status and stderr. */
  readonly launched: Promise<{ code: number | null; stderr: string }>;
  release(): void;
}

function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    // The notify socket belongs to whoever started us; conmon would relay the container's READY to it.
    if (k === 'NOTIFY_SOCKET' || k.startsWith('_OCI_')) continue;
    out[k] = v;
  }
  return out;
}

/** Spawns conmon with its sync/start (and attach) pipes, and sends the first start byte. */
export function launchConmon(o: LaunchConmonOptions): ConmonHandle {
  const env: NodeJS.ProcessEnv = { ...cleanEnv(o.env ?? process.env), _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' };
  if (o.exec) env._OCI_ATTACHPIPE = '5';
  o.log?.debug('conmon', { args: o.args.join(' ') });
  let child: ChildProcess;
  try {
    child = spawn(o.conmonPath, [...o.args], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', ...(o.exec ? (['pipe'] as const) : [])],
      env,
      cwd: o.cwd,
      detached: true,
    });
  } catch (err) {
    throw unavailable(`conmon binary "${o.conmonPath}": cannot be executed`, { cause: err });
  }
  const stdio = child.stdio as unknown as (Readable | Writable | null | undefined)[];
  const syncStream = stdio[3] as Readable;
  const startStream = stdio[4] as Writable;
  const attachStream = o.exec ? (stdio[5] as Readable) : undefined;
  const sync = new SyncReader(syncStream);
  const attach = attachStream ? new SyncReader(attachStream) : undefined;
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (stderr += d));
  startStream.on('error', () => {
    // EPIPE when conmon died before reading: the launch result reports it.
  });
  const launched = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.on('error', (err) => {
      reject(
        isErrno(err, 'ENOENT') || isErrno(err, 'EACCES')
          ? unavailable(`conmon binary "${o.conmonPath}": cannot be executed`, { cause: err })
          : err,
      );
    });
    child.on('exit', (code) => {
      // stderr may still be flushing; give it the close event.
      if (child.stderr && !child.stderr.readableEnded) child.stderr.once('close', () => resolve({ code, stderr }));
      else resolve({ code, stderr });
    });
  });
  // The first start byte: conmon reads it before it forks.
  const writeStart = () =>
    new Promise<void>((resolve) => {
      if (startStream.destroyed || !startStream.writable) return resolve();
      startStream.write(Buffer.from([0]), () => resolve());
    });
  void writeStart();
  const onAbort = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let released = false;
  return {
    sync,
    attach,
    launched,
    start: writeStart,
    release() {
      if (released) return;
      released = true;
      o.signal?.removeEventListener('abort', onAbort);
      for (const s of [syncStream, startStream, attachStream, child.stderr]) s?.destroy();
      child.unref();
    },
  };
}

/**
 * Turns a failed conmon launch or a negative sync message into an EngineError. runc's own words come from its
 * JSON log when we have one (more exact than the stderr copy conmon relays), else from the sync message.
 */
export async function conmonFailure(
  f: Omit<RuncFailure, 'output'> & { message?: string; runcLogFile?: string; conmonStderr?: string },
): Promise<EngineError> {
  let output = '';
  if (f.runcLogFile !== undefined) {
    output = await fsp.readFile(f.runcLogFile, 'utf8').catch(() => '');
    if (runcErrorMessage(output) === '') output = '';
  }
  if (output === '' && f.message !== undefined) output = f.message;
  if (output === '') {
    const stderr = (f.conmonStderr ?? '')
      .split('\n')
      .filter((l) => l.trim() !== '' && !/oom_score_adj/.test(l))
      .join('\n');
    return new EngineError('unavailable', `conmon for ${f.subject?.kind ?? 'task'} "${f.subject?.ref ?? f.id}": failed${stderr ? `: ${stderr}` : ''}`, {
      subject: f.subject ?? { kind: 'task', ref: f.id },
      cause: { conmonStderr: f.conmonStderr, exitCode: f.exitCode },
    });
  }
  return runcError({ ...f, output });
}

// ---------------------------------------------------------------------------------------------------------------
// Control FIFO

/** Control messages conmon 2.1.6 understands. */
export const ControlMessage = {
  resize: (rows: number, cols: number): string => `1 ${Math.max(0, Math.floor(rows))} ${Math.max(0, Math.floor(cols))}\n`,
  reopenLogs: (): string => '2 0 0\n',
} as const;

/**
 * Writes one message to conmon's control FIFO. Non-blocking: `unavailable` when no conmon is reading (ENXIO),
 * `not-found` when the FIFO does not exist.
 */
export async function writeControl(ctlFifo: string, message: string): Promise<void> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(ctlFifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENXIO')) throw unavailable(`control fifo "${ctlFifo}": no monitor is listening`, { cause: err });
    if (isErrno(err, 'ENOENT')) {
      throw new EngineError('not-found', `control fifo "${ctlFifo}": not found`, {
        cause: err,
        subject: { kind: 'file', ref: ctlFifo },
      });
    }
    throw err;
  }
  try {
    await fh.write(message);
  } finally {
    await fh.close();
  }
}
