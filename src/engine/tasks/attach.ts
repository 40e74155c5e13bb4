/**
 * Attaching to a task's (or exec session's) stdio through conmon's attach socket.
 *
 * Wire format (conmon src/ctr_stdio.c, conn_sock.c): the socket is SOCK_SEQPACKET. Every packet conmon sends is
 * one read of the container's output prefixed by one byte naming the stream: 2 = stdout, 3 = stderr (1 would be
 * stdin, never sent). With a terminal everything arrives as stdout. Packets we send are written to the
 * container's stdin as they are, without a prefix; conmon reads at most 32 KiB per packet, so input is cut into
 * smaller packets. When we shut down our write side (or disconnect), conmon closes the container's stdin if it
 * was started with `-i` and without `--leave-stdin-open`. When the container exits, conmon drains its output to
 * every client and then closes the connections, *before* it writes the exit file.
 *
 * Lifecycle of an {@link AttachSession}: `attach()` resolves once connected; `done` settles exactly once with
 * why the session ended — `exited` (conmon closed the socket: the process ended, or conmon died), `detached`
 * (the detach keys were typed), `canceled` (the AbortSignal fired or `close()` was called) or `error`.
 * `done` never rejects. Every path releases the socket and our listeners on the input stream.
 */
import type { Readable, Writable } from 'node:stream';
import { invalidArgument } from '../errdefs.js';
import { ControlMessage, writeControl } from './conmon.js';
import { connectSeqpacket, type SeqpacketClient } from './seqpacket.js';

/** Docker's default detach sequence, ctrl-p ctrl-q. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** Stream tags conmon puts in front of each packet. */
export const AttachStream = { stdin: 1, stdout: 2, stderr: 3 } as const;

/** conmon reads 32 KiB per packet; stay well below. */
export const MAX_INPUT_PACKET = 8192;

/**
 * Parses a detach-keys spec as Docker does: comma-separated keys, each a single character or `ctrl-<x>` with
 * x in `a`–`z`, `@`, `[`, `\`, `]`, `^`, `_`. Throws `invalid-argument`.
 */
export function parseDetachKeys(spec: string): Buffer {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    if (key.length > 1 && key.startsWith('ctrl-')) {
      const c = key.slice(5).toLowerCase();
      if (c.length !== 1) throw invalidArgument(`invalid detach keys "${spec}": unknown character "${key}"`);
      const code = c.charCodeAt(0);
      if (code >= 0x61 && code <= 0x7a) out.push(code - 0x60);
      else if (c === '@') out.push(0);
      else if (c === '[') out.push(27);
      else if (c === '\\') out.push(28);
      else if (c === ']') out.push(29);
      else if (c === '^') out.push(30);
      else if (c === '_') out.push(31);
      else throw invalidArgument(`invalid detach keys "${spec}": unknown character "${key}"`);
    } else if (key.length === 1) {
      out.push(key.charCodeAt(0));
    } else {
      throw invalidArgument(`invalid detach keys "${spec}": unknown character "${key}"`);
    }
  }
  return Buffer.from(out);
}

/**
 * Watches input for the detach sequence. Bytes that might start the sequence are held back; when the sequence
 * breaks off they are released with the following input (Docker's escape proxy behaves the same). Pure.
 */
export class DetachKeyMatcher {
  private readonly keys: Buffer;
  private held = 0;

  constructor(keys: Buffer) {
    this.keys = keys;
  }

  /** Feeds one chunk: what to forward, and whether the sequence completed (input after it is dropped). */
  push(chunk: Buffer): { forward: Buffer; detached: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.held]) {
        this.held++;
        if (this.held === this.keys.length) {
          this.held = 0;
          return { forward: Buffer.from(out), detached: true };
        }
        continue;
      }
      // Mismatch: release what was held, then look at this byte afresh (it may start a new sequence).
      for (let i = 0; i < this.held; i++) out.push(this.keys[i] as number);
      this.held = 0;
      if (byte === this.keys[0]) {
        this.held = 1;
        if (this.keys.length === 1) {
          this.held = 0;
          return { forward: Buffer.from(out), detached: true };
        }
      } else out.push(byte);
    }
    return { forward: Buffer.from(out), detached: false };
  }

  /** Bytes held back at end of input (they never completed the sequence). */
  flush(): Buffer {
    const rest = this.keys.subarray(0, this.held);
    this.held = 0;
    return Buffer.from(rest);
  }
}

/** Splits one packet from conmon into its stream and payload. Pure. */
export function decodeAttachPacket(packet: Buffer): { stream: 'stdout' | 'stderr'; data: Buffer } | undefined {
  if (packet.length < 1) return undefined;
  const tag = packet[0];
  const data = packet.subarray(1);
  if (tag === AttachStream.stderr) return { stream: 'stderr', data };
  if (tag === AttachStream.stdout) return { stream: 'stdout', data };
  return undefined;
}

export interface AttachOptions {
  /** conmon's attach socket (`<bundle>/attach`, or the exec session's). Long paths are handled. */
  readonly socketPath: string;
  /** Input for the process; omit to attach output only. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /** Where stderr goes; with a terminal there is none (everything is stdout). */
  readonly stderr?: Writable;
  /** The detach sequence (see {@link parseDetachKeys}); `null` disables it. Only looked for in `stdin`. */
  readonly detachKeys?: Buffer | null;
  /**
   * When `stdin` ends, half-close the socket so conmon closes the process's stdin (unless the task keeps it
   * open). Default true; false keeps the socket's input side open until the session ends.
   */
  readonly closeStdinOnEof?: boolean;
  readonly signal?: AbortSignal;
}

export type AttachEndReason = 'exited' | 'detached' | 'canceled' | 'error';

export interface AttachSession {
  /** Settles once; never rejects. */
  readonly done: Promise<{ reason: AttachEndReason; error?: Error }>;
  /** Ends the session (reason `canceled`). Idempotent, safe from any callback. */
  close(): void;
}

/**
 * Connects to an attach socket and pumps stdio until the process exits, the user detaches, the signal aborts or
 * `close()` is called. Rejects (before anything is pumped) with `not-found` when the socket does not exist and
 * `unavailable` when no conmon listens on it.
 */
export async function attach(o: AttachOptions): Promise<AttachSession> {
  if (o.signal?.aborted) {
    return { done: Promise.resolve({ reason: 'canceled' }), close: () => {} };
  }
  let client: SeqpacketClient | undefined;
  let ended: { reason: AttachEndReason; error?: Error } | undefined;
  let resolveDone!: (v: { reason: AttachEndReason; error?: Error }) => void;
  const done = new Promise<{ reason: AttachEndReason; error?: Error }>((r) => (resolveDone = r));
  const matcher = o.stdin && o.detachKeys !== null ? new DetachKeyMatcher(o.detachKeys ?? parseDetachKeys(DEFAULT_DETACH_KEYS)) : undefined;

  const send = (data: Buffer) => {
    for (let off = 0; off < data.length; off += MAX_INPUT_PACKET) {
      client?.send(data.subarray(off, off + MAX_INPUT_PACKET));
    }
  };
  const onData = (chunk: Buffer | string) => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!matcher) return send(buf);
    const { forward, detached } = matcher.push(buf);
    if (forward.length > 0) send(forward);
    if (detached) end({ reason: 'detached' });
  };
  const onEnd = () => {
    if (matcher) {
      const rest = matcher.flush();
      if (rest.length > 0) send(rest);
    }
    if (o.closeStdinOnEof !== false) client?.endInput();
  };
  const onStdinError = () => onEnd();
  const onAbort = () => end({ reason: 'canceled' });

  function detachInput() {
    if (!o.stdin) return;
    o.stdin.removeListener('data', onData);
    o.stdin.removeListener('end', onEnd);
    o.stdin.removeListener('error', onStdinError);
    o.stdin.pause();
  }

  function end(v: { reason: AttachEndReason; error?: Error }) {
    if (ended) return;
    ended = v;
    detachInput();
    o.signal?.removeEventListener('abort', onAbort);
    client?.close();
    const finish = () => resolveDone(v);
    // Let the socket's close run first, so nothing of ours is pending when `done` settles.
    if (client) void client.done.then(finish);
    else finish();
  }

  client = await connectSeqpacket(o.socketPath, {
    onPacket(packet) {
      const p = decodeAttachPacket(packet);
      if (!p || p.data.length === 0) return;
      const target = p.stream === 'stderr' ? (o.stderr ?? o.stdout) : o.stdout;
      target?.write(p.data);
    },
  });
  void client.done.then((e) => {
    if (e.reason === 'eof') end({ reason: 'exited' });
    else if (e.reason === 'error') end({ reason: 'error', error: e.error });
    else end({ reason: 'canceled' });
  });
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.stdin) {
    o.stdin.on('data', onData);
    o.stdin.on('end', onEnd);
    o.stdin.on('error', onStdinError);
    o.stdin.resume();
  }
  return { done, close: () => end({ reason: 'canceled' }) };
}

/** A terminal whose size we follow (a tty WriteStream such as process.stdout). */
export interface ResizableTerminal {
  readonly rows?: number;
  readonly columns?: number;
  on(event: 'resize', listener: () => void): unknown;
  removeListener(event: 'resize', listener: () => void): unknown;
}

/**
 * Sends the terminal's size to conmon now and on every 'resize' (SIGWINCH) until the returned function is called.
 * Resolves once the first size is written to the FIFO (conmon applies it moments later, asynchronously: for a
 * size that must hold before the process starts, put `process.consoleSize` in the bundle's config.json).
 * Failures (conmon gone) are ignored: the session is ending anyway.
 */
export async function followTerminalSize(ctlFifo: string, tty: ResizableTerminal): Promise<() => void> {
  const send = () =>
    tty.rows && tty.columns ? writeControl(ctlFifo, ControlMessage.resize(tty.rows, tty.columns)).catch(() => {}) : Promise.resolve();
  const onResize = () => void send();
  tty.on('resize', onResize);
  await send();
  return () => tty.removeListener('resize', onResize);
}
