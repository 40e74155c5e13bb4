/**
 * The foreground half of `run`, `start -a` and `attach`: stdio wiring, the terminal in raw mode for `-t`,
 * signal proxying, detach keys, and the exit code.
 *
 * The caller starts (or attaches to) the container with {@link foregroundIO}'s streams; {@link finishForeground}
 * then waits for the session to end: on a detach (ctrl-p ctrl-q) the CLI returns 0 and the container keeps
 * running; on the process's exit it returns the container's exit code, after cleaning up in-process when asked
 * (`run --rm` without a second Node process, see containers/exit-command.ts).
 */
import type { ContainerServiceImpl } from '../../engine/containers/service.js';
import type { ContainerIO } from '../../engine/containers/types.js';
import { invalidArgument } from '../../engine/errdefs.js';
import type { AttachSession } from '../../engine/tasks/attach.js';
import type { CommandContext } from '../_lib/context.js';
import { proxySignals } from '../_lib/signals.js';

export interface ForegroundOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
  /** `--detach-keys` as typed; undefined = Docker's default ctrl-p,ctrl-q. */
  readonly detachKeys?: string;
}

export interface Foreground {
  readonly io: ContainerIO;
  /** The terminal size for the spec's consoleSize (`-t` on a terminal). */
  readonly consoleSize?: { rows: number; cols: number };
  /** Puts the terminal back (raw mode off). Idempotent. */
  restore(): void;
}

/** Builds the stdio of a foreground session and puts the terminal in raw mode for `-t -i`. */
export async function foregroundIO(ctx: CommandContext, o: ForegroundOptions): Promise<Foreground> {
  let detachKeys: Buffer | undefined;
  if (o.detachKeys !== undefined) {
    const { parseDetachKeys } = await import('../../engine/tasks/attach.js');
    try {
      detachKeys = parseDetachKeys(o.detachKeys);
    } catch (err) {
      throw invalidArgument(`Invalid detach keys (${o.detachKeys}) provided: ${(err as Error).message}`, { cause: err });
    }
  }
  const stdin = ctx.stdin;
  const out = ctx.out.stream as NodeJS.WriteStream;
  const raw = o.tty && o.stdin && stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  if (raw) stdin.setRawMode(true);
  let restored = false;
  const io: ContainerIO = {
    ...(o.stdin ? { stdin } : {}),
    ...(o.stdout ? { stdout: out } : {}),
    ...(o.stderr ? { stderr: ctx.err.stream as NodeJS.WriteStream } : {}),
    ...(detachKeys ? { detachKeys } : {}),
    ...(o.tty && out.isTTY ? { terminal: out } : {}),
    closeStdinOnEof: true,
  };
  return {
    io,
    ...(o.tty && out.isTTY && out.rows && out.columns ? { consoleSize: { rows: out.rows, cols: out.columns } } : {}),
    restore() {
      if (restored) return;
      restored = true;
      if (raw) stdin.setRawMode(false);
      stdin.pause();
    },
  };
}

/**
 * Starts forwarding this process's signals to the container (`--sig-proxy`, not with `-t`). Callers that start the
 * container call it before starting it, as Docker's CLI does: output can arrive (and a user or a script can react
 * with a signal) before the start call returns. Signals caught until {@link SignalProxy.started} are held and
 * delivered then: while the start runs it holds the container's lock, and a kill meanwhile would be refused.
 */
export function startSignalProxy(ctx: CommandContext, svc: ContainerServiceImpl, id: string, o: { sigProxy: boolean; tty: boolean }): SignalProxy {
  if (!o.sigProxy || o.tty) return { started() {}, stop() {} };
  const op = ctx.op();
  const send = (sig: string) => svc.kill(op, id, sig).catch(() => {});
  let held: string[] | undefined = [];
  const stop = proxySignals((sig) => {
    if (held) held.push(sig);
    else void send(sig);
  });
  return {
    started() {
      const queue = held ?? [];
      held = undefined;
      void queue.reduce<Promise<unknown>>((p, sig) => p.then(() => send(sig)), Promise.resolve());
    },
    stop,
  };
}

/** Signal forwarding of a foreground session (see {@link startSignalProxy}). */
export interface SignalProxy {
  /** The container was started: deliver what was held, forward from now on. */
  started(): void;
  /** Stop forwarding (idempotent). */
  stop(): void;
}

/**
 * Waits for a foreground session to end. Returns the CLI's exit status: 0 after a detach, else the container's
 * exit code. With `handleExit`, records the exit (and removes an `--rm` container) in this process.
 */
export async function finishForeground(
  ctx: CommandContext,
  svc: ContainerServiceImpl,
  id: string,
  session: AttachSession | undefined,
  fg: Foreground,
  o: { sigProxy: boolean; tty: boolean; handleExit: boolean; proxy?: SignalProxy },
): Promise<number> {
  const op = ctx.op();
  const proxy = o.proxy ?? startSignalProxy(ctx, svc, id, o);
  proxy.started();
  try {
    if (session) {
      const end = await session.done;
      if (end.reason === 'detached') return 0;
      if (end.reason === 'error' && end.error) ctx.log.debug('attach ended with an error', { error: end.error });
    }
    const code = await svc.wait(op, id);
    if (o.handleExit) await svc.handleExit(op, id);
    return code;
  } finally {
    proxy.stop();
    fg.restore();
  }
}
