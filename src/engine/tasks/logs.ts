/**
 * The container log: conmon's k8s-file format, read back for `logs`.
 *
 * Each record is one line: `<RFC 3339 time with nanoseconds and the local offset> <stdout|stderr> <P|F> <bytes>`.
 * conmon writes one record per line of output; `F` ends a line (the newline itself is not in the record), `P`
 * is a fragment (a read that ended mid-line, or a long line cut at conmon's 8 KiB buffer) continued by the next
 * record of the same stream. A last line without a newline stays `P` forever.
 *
 * With `--log-size-max` conmon "rotates" by replacing the file with an empty one (write `<path>.tmp`, rename over
 * `<path>`): older records are gone, and a follower must reopen the path. There is only ever one file.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument, isErrno } from '../errdefs.js';

export type LogStream = 'stdout' | 'stderr';

/** One record as written by conmon. */
export interface LogRecord {
  /** Nanoseconds since the Unix epoch. */
  readonly time: bigint;
  readonly stream: LogStream;
  readonly partial: boolean;
  readonly content: Buffer;
}

/** One message as `logs` shows it: fragments joined, the newline restored. */
export interface LogEntry {
  readonly time: bigint;
  readonly stream: LogStream;
  /** The bytes, ending in '\n' unless the line was never completed. */
  readonly data: Buffer;
}

// ---------------------------------------------------------------------------------------------------------------
// Time (pure)

/** Parses `2026-11-22T08:32:39.680715434+00:00` (any fraction length, `Z` or `±HH:MM`) to epoch nanoseconds. */
export function parseRfc3339Nano(s: string): bigint | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  let ns = BigInt(ms) * 1_000_000n + BigInt((frac ?? '').padEnd(9, '0') || '0');
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const offMin = BigInt(Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    ns -= sign * offMin * 60_000_000_000n;
  }
  return ns;
}

/** Docker's `--timestamps` form: UTC, always nine fraction digits (`2026-11-22T08:32:39.680715434Z`). */
export function formatTimestamp(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // …T08:32:39.680Z
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration (`1h30m`, `10m`, `1.5h`, `300ms`), in nanoseconds; undefined if not a duration. */
export function parseGoDuration(s: string): bigint | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(s);
  if (!m) return undefined;
  let total = 0;
  for (const part of s.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (DURATION_UNITS[part[2] as string] as number);
  }
  const ns = BigInt(Math.round(total));
  return m[1] === '-' ? -ns : ns;
}

/**
 * Parses a `--since`/`--until` value as Docker does: a Go duration before `now` (`10m`, `1h30m`), an RFC 3339
 * date or date-time (local time when it has no zone; `2026-01-02`, `2026-01-02T15:04`, `…:05.123Z`, `…+01:00`),
 * or Unix seconds with an optional fraction (`1700000000.5`). Returns epoch nanoseconds; `invalid-argument`
 * otherwise.
 */
export function parseTimeArg(value: string, now: Date = new Date()): bigint {
  const v = value.trim();
  if (v === '') throw invalidArgument('empty time value');
  const dur = v === '0' ? undefined : parseGoDuration(v);
  if (dur !== undefined) return BigInt(now.getTime()) * 1_000_000n - dur;
  const dt = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|[+-]\d{2}:\d{2})?$/i.exec(v);
  if (dt) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = dt;
    const fracNs = BigInt(frac.padEnd(9, '0') || '0');
    if (zone === undefined) {
      const local = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
      return BigInt(local.getTime()) * 1_000_000n + fracNs;
    }
    const parsed = parseRfc3339Nano(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac ? `.${frac}` : ''}${zone}`);
    if (parsed !== undefined) return parsed;
  }
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (unix) return BigInt(unix[1] as string) * 1_000_000_000n + BigInt((unix[2] ?? '').padEnd(9, '0') || '0');
  throw invalidArgument(`failed to parse value as time or duration: "${value}"`);
}

// ---------------------------------------------------------------------------------------------------------------
// Records (pure)

const SPACE = 0x20;

/** Parses one record (a line without its newline); undefined for a malformed line. */
export function parseLogRecord(line: Buffer): LogRecord | undefined {
  const s1 = line.indexOf(SPACE);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0) return undefined;
  const time = parseRfc3339Nano(line.subarray(0, s1).toString('latin1'));
  const stream = line.subarray(s1 + 1, s2).toString('latin1');
  if (time === undefined || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  const tag = line[s2 + 1];
  let partial = false;
  let content: Buffer;
  if ((tag === 0x50 || tag === 0x46) && (line.length === s2 + 2 || line[s2 + 2] === SPACE)) {
    partial = tag === 0x50; // 'P'
    content = line.subarray(Math.min(line.length, s2 + 3));
  } else {
    // Older CRI-O style without the tag: the rest is the line.
    content = line.subarray(s2 + 1);
  }
  return { time, stream, partial, content };
}

/** Joins fragments per stream into entries. Feed records in file order; call `flush` at the end. Pure. */
export class LogAssembler {
  private readonly pending = new Map<LogStream, { time: bigint; parts: Buffer[] }>();

  push(r: LogRecord): LogEntry | undefined {
    const p = this.pending.get(r.stream);
    if (r.partial) {
      if (p) p.parts.push(r.content);
      else this.pending.set(r.stream, { time: r.time, parts: [r.content] });
      return undefined;
    }
    this.pending.delete(r.stream);
    const parts = p ? [...p.parts, r.content, NEWLINE] : [r.content, NEWLINE];
    return { time: p ? p.time : r.time, stream: r.stream, data: Buffer.concat(parts) };
  }

  /** Lines that never completed, as they are. */
  flush(): LogEntry[] {
    const out = [...this.pending.entries()].map(([stream, p]) => ({ time: p.time, stream, data: Buffer.concat(p.parts) }));
    this.pending.clear();
    return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }
}

const NEWLINE = Buffer.from('\n');

// ---------------------------------------------------------------------------------------------------------------
// Reading

export interface ReadLogsOptions {
  /** Only the last N entries (before since/until filtering, as Docker). Undefined = all. */
  readonly tail?: number;
  /** Epoch nanoseconds; entries before it are skipped. */
  readonly since?: bigint;
  /** Epoch nanoseconds; reading stops at the first entry after it. */
  readonly until?: bigint;
  readonly stdout?: boolean;
  readonly stderr?: boolean;
  /**
   * Keep reading as the file grows, until `exited` resolves (then everything written so far is read and the
   * iteration ends), `until` passes, or the signal aborts.
   */
  readonly follow?: boolean;
  /** Resolves when the container has exited (see TaskService.waitExit); required to end a follow. */
  readonly exited?: Promise<unknown>;
  readonly signal?: AbortSignal;
  /** Poll interval when following (fs.watch wakes us sooner where it works). Default 200 ms. */
  readonly pollMs?: number;
}

/** Splits a byte stream into lines; keeps the unfinished tail. */
class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    const buf = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    const lines: Buffer[] = [];
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(0x0a, start)) >= 0) {
      lines.push(buf.subarray(start, nl));
      start = nl + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
    return lines;
  }
  reset(): void {
    this.rest = Buffer.alloc(0);
  }
}

const CHUNK = 64 * 1024;

/**
 * Reads a k8s-file log. A missing file reads as empty (a container that never wrote, or was never started).
 * Entries come oldest first.
 */
export async function* readLogs(logPath: string, o: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
  const wantOut = o.stdout ?? true;
  const wantErr = o.stderr ?? true;
  const accept = (e: LogEntry) => (e.stream === 'stdout' ? wantOut : wantErr);
  const inWindow = (e: LogEntry): 'skip' | 'ok' | 'stop' => {
    if (o.until !== undefined && e.time > o.until) return 'stop';
    if (o.since !== undefined && e.time < o.since) return 'skip';
    return 'ok';
  };

  const assembler = new LogAssembler();
  const splitter = new LineSplitter();
  let fh: fsp.FileHandle | undefined;
  let ino: number | undefined;
  let pos = 0;

  const open = async (): Promise<boolean> => {
    try {
      fh = await fsp.open(logPath, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    ino = (await fh.stat()).ino;
    pos = 0;
    splitter.reset();
    return true;
  };

  /** Reads what is there now; returns complete entries (accepted streams only). */
  const drain = async (): Promise<LogEntry[]> => {
    const out: LogEntry[] = [];
    if (!fh) return out;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      for (const line of splitter.push(Buffer.from(buf.subarray(0, bytesRead)))) {
        const rec = parseLogRecord(line);
        if (!rec) continue;
        const e = assembler.push(rec);
        if (e && accept(e)) out.push(e);
      }
    }
    return out;
  };

  try {
    await open();
    // The backlog, with tail applied.
    let backlog = await drain();
    if (!o.follow) backlog.push(...assembler.flush().filter(accept));
    if (o.tail !== undefined) backlog = o.tail <= 0 ? [] : backlog.slice(-o.tail);
    for (const e of backlog) {
      const w = inWindow(e);
      if (w === 'stop') return;
      if (w === 'ok') yield e;
    }
    if (!o.follow) return;

    // Following.
    let exited = false;
    void o.exited?.then(
      () => (exited = true),
      () => (exited = true),
    );
    let wake: (() => void) | undefined;
    let watcher: fs.FSWatcher | undefined;
    try {
      watcher = fs.watch(path.dirname(logPath), { persistent: false }, () => wake?.());
      watcher.on('error', () => {});
    } catch {
      // no inotify: polling only
    }
    const pollMs = o.pollMs ?? 200;
    try {
      for (;;) {
        if (o.signal?.aborted) return;
        const finalRound = exited || (o.until !== undefined && BigInt(Date.now()) * 1_000_000n > o.until);
        // Rotation: the path now names another file. Finish the old one, then start the new one from 0.
        let rotated = false;
        try {
          const st = await fsp.stat(logPath);
          if (ino === undefined || st.ino !== ino) rotated = true;
          else if (st.size < pos) {
            pos = 0;
            splitter.reset();
          }
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err;
        }
        const batches = [await drain()];
        if (rotated) {
          await fh?.close();
          fh = undefined;
          if (await open()) batches.push(await drain());
        }
        if (finalRound) batches.push(assembler.flush().filter(accept));
        for (const e of batches.flat()) {
          const w = inWindow(e);
          if (w === 'stop') return;
          if (w === 'ok') yield e;
        }
        if (finalRound) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, pollMs);
          const onAbort = () => done();
          function done() {
            clearTimeout(timer);
            o.signal?.removeEventListener('abort', onAbort);
            wake = undefined;
            resolve();
          }
          wake = done;
          o.signal?.addEventListener('abort', onAbort, { once: true });
          void o.exited?.then(done, done);
        });
      }
    } finally {
      watcher?.close();
    }
  } finally {
    await fh?.close();
  }
}
