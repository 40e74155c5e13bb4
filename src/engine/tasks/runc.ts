/**
 * runc: pure argv builders, an executor, and the one place where runc's output becomes EngineError classes.
 *
 * Every call passes `--root <stateRoot>/runc/<namespace>` so namespaces never see each other's containers, and
 * `--log-format json` so runc's errors reach us as JSON lines on stderr (`{"level":"error","msg":…}`) rather than
 * logrus text. Callers never look at runc's text: they test the class (`not-found`, `failed-precondition`, …), and
 * for a container command that cannot be started, the `exitCode` (126/127) on the error.
 */
import { spawn } from 'node:child_process';
import { EngineError, type ErrorSubject, isErrno, unavailable } from '../errdefs.js';
import type { Logger } from '../log.js';

// ---------------------------------------------------------------------------------------------------------------
// Types

/** The statuses runc reports (`creating` is transient, while `runc create` runs). */
export type RuncStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** `runc state <id>` output. */
export interface RuncState {
  readonly id: string;
  /** The init pid; 0 once stopped. */
  readonly pid: number;
  readonly status: RuncStatus;
  readonly bundle: string;
  readonly rootfs: string;
  /** RFC 3339 creation time. */
  readonly created: string;
  readonly annotations?: Record<string, string>;
}

/** Options every runc invocation shares. */
export interface RuncGlobalOptions {
  /** runc's state root (`--root`). */
  readonly root: string;
  /** Write runc's log to this file instead of stderr (`--log`). */
  readonly logFile?: string;
  /** Use the systemd cgroup driver (`--systemd-cgroup`). */
  readonly systemdCgroup?: boolean;
}

export interface RuncExecArgs {
  /** Path of the OCI process spec (process.json). */
  readonly processFile: string;
  readonly tty?: boolean;
  readonly consoleSocket?: string;
  readonly detach?: boolean;
  readonly pidFile?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Argv builders (pure)

/** The global flags, placed before the subcommand. JSON log lines are what {@link runcErrorMessage} reads. */
export function runcGlobalArgs(opts: RuncGlobalOptions): string[] {
  const args = ['--root', opts.root, '--log-format', 'json'];
  if (opts.logFile !== undefined) args.push('--log', opts.logFile);
  if (opts.systemdCgroup) args.push('--systemd-cgroup');
  return args;
}

/** Subcommand argv (without the global flags). Pure. */
export const runcArgv = {
  state: (id: string): string[] => ['state', id],
  list: (): string[] => ['list', '--format', 'json'],
  start: (id: string): string[] => ['start', id],
  /** `signal` is a number or a name runc understands (`KILL`, `SIGTERM`). */
  kill: (id: string, signal: number | string, opts: { all?: boolean } = {}): string[] => [
    'kill',
    ...(opts.all ? ['--all'] : []),
    id,
    String(signal),
  ],
  pause: (id: string): string[] => ['pause', id],
  resume: (id: string): string[] => ['resume', id],
  delete: (id: string, opts: { force?: boolean } = {}): string[] => ['delete', ...(opts.force ? ['--force'] : []), id],
  exec: (id: string, opts: RuncExecArgs): string[] => {
    const args = ['exec', '--process', opts.processFile];
    if (opts.tty) args.push('--tty');
    if (opts.consoleSocket !== undefined) args.push('--console-socket', opts.consoleSocket);
    if (opts.detach) args.push('--detach');
    if (opts.pidFile !== undefined) args.push('--pid-file', opts.pidFile);
    args.push(id);
    return args;
  },
  ps: (id: string): string[] => ['ps', '--format', 'json', id],
  /** `resourcesFile` is a path or `-` for stdin; the content is an OCI LinuxResources object. */
  update: (id: string, resourcesFile: string): string[] => ['update', '--resources', resourcesFile, id],
  events: (id: string, opts: { stats?: boolean } = {}): string[] => ['events', ...(opts.stats ? ['--stats'] : []), id],
};

// ---------------------------------------------------------------------------------------------------------------
// Error classification (pure)

/**
 * The error messages in runc's output, in order. runc writes JSON log lines with `--log-format json`, logrus
 * text lines (`time=… level=error msg="…"`) without it, and a plain copy of a fatal error on stderr when its log
 * goes to a file; all three forms are understood, and the JSON/text forms win over plain lines.
 */
export function runcErrorMessages(output: string): string[] {
  const structured: string[] = [];
  const plain: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('{')) {
      try {
        const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
        if ((entry.level === 'error' || entry.level === 'fatal') && typeof entry.msg === 'string') {
          structured.push(entry.msg);
        }
        continue;
      } catch {
        // not JSON after all: treat as plain text
      }
    }
    const text = /\blevel=(\w+)\s+msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (text) {
      if (text[1] === 'error' || text[1] === 'fatal') structured.push(unquoteGo(text[2] ?? ''));
      continue;
    }
    plain.push(line);
  }
  return structured.length > 0 ? structured : plain;
}

/** The most telling error message in runc's output (the last error line), or '' when there is none. */
export function runcErrorMessage(output: string): string {
  const all = runcErrorMessages(output);
  return all[all.length - 1] ?? '';
}

/** Undoes Go's %q quoting (what logrus's text formatter uses). */
function unquoteGo(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_m, esc: string) => {
    switch (esc[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case 'x':
      case 'u':
      case 'U':
        return String.fromCodePoint(Number.parseInt(esc.slice(1), 16));
      default:
        if (/^[0-7]{3}$/.test(esc)) return String.fromCharCode(Number.parseInt(esc, 8));
        return esc;
    }
  });
}

/** Why a container's (or exec's) command could not be started; the CLI exits 127 or 126 for these, as Docker. */
export type ProcessStartFailure = 'command-not-found' | 'command-not-executable';

/**
 * Recognises runc's "could not exec the process" errors: `exec: "<cmd>": executable file not found in $PATH`,
 * `exec: "<cmd>": stat <cmd>: no such file or directory` (not found) and `exec: "<cmd>": permission denied`
 * (found but not executable, a directory, a noexec mount...). Only the `exec: "…":` clause counts, so an unrelated
 * "no such file or directory" (a missing mount source) is not mistaken for a missing command.
 */
export function processStartFailure(message: string): { reason: ProcessStartFailure; command: string } | undefined {
  const m = /exec: "((?:[^"\\]|\\.)*)": (.*)$/s.exec(message);
  if (!m) return undefined;
  const command = m[1] ?? '';
  const detail = m[2] ?? '';
  if (/executable file not found|no such file or directory/.test(detail)) return { reason: 'command-not-found', command };
  if (/permission denied|is a directory|exec format error|not a directory/.test(detail)) {
    return { reason: 'command-not-executable', command };
  }
  return undefined;
}

/** The context of a failed runc call, for the error message and subject. */
export interface RuncFailure {
  /** The runc subcommand (`create`, `kill`, ...). */
  readonly verb: string;
  readonly id: string;
  /** Everything runc wrote (stderr, or its log file). */
  readonly output: string;
  /** runc's exit status, when it exited. */
  readonly exitCode?: number | null;
  /** Set for exec sessions, so the subject names the exec rather than the task. */
  readonly subject?: ErrorSubject;
}

/**
 * Turns a failed runc invocation into an EngineError. Classes:
 * - `not-found`: the container does not exist (in this namespace's runc root)
 * - `already-exists`: a container with that id exists
 * - `failed-precondition`: wrong state (not running, paused, stopped, already running...), and anything runc
 *   reports that we do not recognise (the message is kept)
 * - `invalid-argument`: a bad signal; and a command that cannot be started, with `exitCode` 127 (not found) or
 *   126 (not executable), Docker's statuses
 */
export function runcError(f: RuncFailure): EngineError {
  const message = runcErrorMessage(f.output) || `exit status ${String(f.exitCode ?? 'unknown')}`;
  const subject: ErrorSubject = f.subject ?? { kind: 'task', ref: f.id };
  const cause = { runcOutput: f.output, exitCode: f.exitCode };
  const start = processStartFailure(message);
  if (start) {
    return new EngineError('invalid-argument', message, {
      subject,
      cause,
      exitCode: start.reason === 'command-not-found' ? 127 : 126,
    });
  }
  const text = `runc ${f.verb} ${f.id}: ${message}`;
  if (/does not exist/.test(message)) {
    return new EngineError('not-found', `${subject.kind} "${subject.ref}": not found`, { subject, cause });
  }
  if (/already exists/.test(message)) return new EngineError('already-exists', text, { subject, cause });
  if (/unknown signal|invalid signal/i.test(message)) return new EngineError('invalid-argument', text, { subject, cause });
  return new EngineError('failed-precondition', text, { subject, cause });
}

// ---------------------------------------------------------------------------------------------------------------
// Executor

export interface RuncOptions {
  /** The runc binary. */
  readonly path: string;
  /** runc's --root for this namespace. */
  readonly root: string;
  readonly systemdCgroup?: boolean;
  readonly log?: Logger;
}

/** A process listed by `runc ps`. */
export type RuncPids = number[];

/**
 * A runc bound to one state root. Every method raises the classes documented on {@link runcError}; a missing
 * runc binary is `unavailable`.
 */
export interface Runc {
  readonly path: string;
  readonly root: string;
  /** The container's state; `not-found` when runc does not know it. */
  state(id: string, signal?: AbortSignal): Promise<RuncState>;
  /** All containers under the root (an empty list when the root does not exist yet). */
  list(signal?: AbortSignal): Promise<RuncState[]>;
  start(id: string, signal?: AbortSignal): Promise<void>;
  kill(id: string, sig: number | string, opts?: { all?: boolean; signal?: AbortSignal }): Promise<void>;
  pause(id: string, signal?: AbortSignal): Promise<void>;
  resume(id: string, signal?: AbortSignal): Promise<void>;
  /** `force` kills a running container first and succeeds when the container does not exist. */
  delete(id: string, opts?: { force?: boolean; signal?: AbortSignal }): Promise<void>;
  /** The pids of the container's processes (its cgroup). */
  ps(id: string, signal?: AbortSignal): Promise<RuncPids>;
  /** Applies an OCI LinuxResources object to the running container. */
  update(id: string, resources: object, signal?: AbortSignal): Promise<void>;
  /** Runs any runc subcommand; returns stdout. Failures are classified. */
  run(args: string[], opts?: { id?: string; input?: string; signal?: AbortSignal }): Promise<string>;
}

interface Completed {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function execute(file: string, args: string[], input: string | undefined, signal?: AbortSignal): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, sig) =>
      resolve({
        code,
        signal: sig,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A runc executor for one state root. */
export function createRunc(opts: RuncOptions): Runc {
  const global = runcGlobalArgs({ root: opts.root, systemdCgroup: opts.systemdCgroup });
  const log = opts.log;

  async function run(args: string[], o: { id?: string; input?: string; signal?: AbortSignal } = {}): Promise<string> {
    const full = [...global, ...args];
    log?.debug('runc', { args: full.join(' ') });
    let res: Completed;
    try {
      res = await execute(opts.path, full, o.input, o.signal);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'EACCES')) {
        throw unavailable(`runc binary "${opts.path}": cannot be executed`, { cause: err });
      }
      if ((err as { name?: string }).name === 'AbortError') {
        throw new EngineError('canceled', `runc ${args[0] ?? ''}: canceled`, { cause: err });
      }
      throw err;
    }
    if (res.code !== 0) {
      throw runcError({ verb: args[0] ?? '', id: o.id ?? args[args.length - 1] ?? '', output: res.stderr, exitCode: res.code });
    }
    return res.stdout;
  }

  return {
    path: opts.path,
    root: opts.root,
    run,
    async state(id, signal) {
      const out = await run(runcArgv.state(id), { id, signal });
      return JSON.parse(out) as RuncState;
    },
    async list(signal) {
      const out = await run(runcArgv.list(), { signal });
      const parsed = JSON.parse(out.trim() === '' ? 'null' : out) as RuncState[] | null;
      return parsed ?? [];
    },
    async start(id, signal) {
      await run(runcArgv.start(id), { id, signal });
    },
    async kill(id, sig, o = {}) {
      await run(runcArgv.kill(id, sig, { all: o.all }), { id, signal: o.signal });
    },
    async pause(id, signal) {
      await run(runcArgv.pause(id), { id, signal });
    },
    async resume(id, signal) {
      await run(runcArgv.resume(id), { id, signal });
    },
    async delete(id, o = {}) {
      await run(runcArgv.delete(id, { force: o.force }), { id, signal: o.signal });
    },
    async ps(id, signal) {
      const out = await run(runcArgv.ps(id), { id, signal });
      const parsed = JSON.parse(out.trim() === '' ? 'null' : out) as number[] | null;
      return parsed ?? [];
    },
    async update(id, resources, signal) {
      await run(runcArgv.update(id, '-'), { id, input: JSON.stringify(resources), signal });
    },
  };
}
