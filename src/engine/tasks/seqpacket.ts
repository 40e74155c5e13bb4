/**
 * A SOCK_SEQPACKET client: the only module that touches node-unix-socket (Node core cannot open SEQPACKET).
 *
 * The package is fragile in ways this wrapper exists to contain (read from its source, v0.2.7, and seen here):
 * - `destroy()` closes the fd immediately. Called from inside a `data` handler, the native read loop carries on
 *   with a closed (or reused) fd, fails, and its error path unwraps a released emitter: a native panic that
 *   aborts the whole process. So every close here is deferred to a fresh macrotask, and never runs twice.
 * - A peer that disappears shows as an `error` "uv callback of handle_io failed with error: EBADF" (libuv's
 *   poll reports POLLERR/POLLHUP that way) rather than `end`; an `error` with no listener throws. Both are
 *   treated as the end of the connection.
 * - `write()` throws synchronously after `end()`/`destroy()`; `connect()` throws synchronously (ENOENT,
 *   ECONNREFUSED) and closes the socket itself.
 * - sun_path holds 107 bytes; longer paths are reached through `/proc/self/fd/<dirfd>/<name>`, as conmon does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SeqpacketSocket } from 'node-unix-socket';
import { EngineError, unavailable } from '../errdefs.js';

/** How a connection ended. */
export interface SeqpacketEnd {
  /** `eof`: the peer closed; `closed`: we closed; `error`: an I/O error (in `error`). */
  readonly reason: 'eof' | 'closed' | 'error';
  readonly error?: Error;
}

/** A connected client. All methods are safe from inside any callback. */
export interface SeqpacketClient {
  /** Sends one packet. Dropped silently once input was ended or the connection closed. */
  send(packet: Buffer): void;
  /** Half-closes: the peer reads end-of-file after the queued packets; we may still receive. */
  endInput(): void;
  /** Closes both directions (deferred to a fresh macrotask; idempotent). */
  close(): void;
  /** Lets this process exit while connected (or not). */
  ref(): void;
  unref(): void;
  /** Settles once, when the connection is over for whatever reason. Never rejects. */
  readonly done: Promise<SeqpacketEnd>;
}

const SUN_PATH_MAX = 107;

export interface SeqpacketHandlers {
  /** One received packet. Exceptions thrown here close the connection with reason `error`. */
  onPacket(packet: Buffer): void;
}

function connectError(socketPath: string, err: unknown): EngineError {
  // The package reports every failed connect(2) as ENOENT (errno is clobbered by its own close), so look.
  if (!fs.existsSync(socketPath)) {
    return new EngineError('not-found', `socket "${socketPath}": not found`, {
      cause: err,
      subject: { kind: 'file', ref: socketPath },
    });
  }
  const text = err instanceof Error ? err.message : String(err);
  return unavailable(`socket "${socketPath}": nobody is listening (${text})`, { cause: err });
}

/**
 * Connects to a SEQPACKET socket. Rejects with `not-found` when there is no socket file, `unavailable` when nobody
 * listens (ECONNREFUSED) or the connection fails.
 */
export function connectSeqpacket(socketPath: string, handlers: SeqpacketHandlers): Promise<SeqpacketClient> {
  return new Promise((resolve, reject) => {
    const sock = new SeqpacketSocket();
    let state: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
    let inputEnded = false;
    let settleDone!: (e: SeqpacketEnd) => void;
    let ended: SeqpacketEnd | undefined;
    const done = new Promise<SeqpacketEnd>((r) => (settleDone = r));

    const finish = (end: SeqpacketEnd) => {
      if (state === 'closed' || state === 'closing') {
        if (!ended) ended = end;
        return;
      }
      const wasConnecting = state === 'connecting';
      state = 'closing';
      ended = end;
      // Never destroy synchronously: we may be inside the native read loop (see the module comment).
      setImmediate(() => {
        try {
          sock.destroy();
        } catch {
          // already gone
        }
        state = 'closed';
        settleDone(ended ?? end);
        if (wasConnecting) reject(connectError(socketPath, end.error ?? new Error(end.reason)));
      });
    };

    sock.on('error', (err: Error) => {
      // EBADF from the poll callback is a hang-up, not a fault of ours.
      const hangup = /EBADF|ECONNRESET|EPIPE/.test(err.message);
      finish(hangup ? { reason: 'eof' } : { reason: 'error', error: err });
    });
    sock.on('end', () => finish({ reason: 'eof' }));
    sock.on('data', (packet: Buffer) => {
      if (state !== 'open') return;
      try {
        handlers.onPacket(packet);
      } catch (err) {
        finish({ reason: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      }
    });

    const client: SeqpacketClient = {
      send(packet) {
        if (state !== 'open' || inputEnded || packet.length === 0) return;
        try {
          sock.write(packet);
        } catch (err) {
          finish({ reason: 'error', error: err instanceof Error ? err : new Error(String(err)) });
        }
      },
      endInput() {
        if (state !== 'open' || inputEnded) return;
        inputEnded = true;
        try {
          sock.end();
        } catch (err) {
          finish({ reason: 'error', error: err instanceof Error ? err : new Error(String(err)) });
        }
      },
      close() {
        finish({ reason: 'closed' });
      },
      ref() {
        if (state === 'open' || state === 'connecting') sock.ref();
      },
      unref() {
        if (state === 'open' || state === 'connecting') sock.unref();
      },
      done,
    };

    let target = socketPath;
    let dirFd: number | undefined;
    try {
      if (Buffer.byteLength(socketPath) > SUN_PATH_MAX) {
        try {
          dirFd = fs.openSync(path.dirname(socketPath), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
        } catch (err) {
          sock.destroy();
          throw err;
        }
        target = `/proc/self/fd/${dirFd}/${path.basename(socketPath)}`;
      }
      sock.connect(target, () => {
        if (state !== 'connecting') return;
        state = 'open';
        resolve(client);
      });
    } catch (err) {
      // connect() closed the native socket itself; do not touch it again.
      state = 'closed';
      settleDone({ reason: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      reject(connectError(socketPath, err));
    } finally {
      // connect(2) resolved the path synchronously; the directory fd is no longer needed.
      if (dirFd !== undefined) fs.closeSync(dirFd);
    }
  });
}
