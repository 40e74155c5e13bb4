/**
 * Compose v2's log printer: every line of every container behind a `service-1  | ` prefix padded to the widest
 * name seen so far, each container in its own colour on a terminal; status lines (`web-1 exited with code 0`)
 * in the container's colour; and followers that stream containers' logs into it. Output goes to a writer; nothing
 * here prints by itself.
 */
import type { ContainerService } from '../engine/containers/types.js';
import type { OpContext } from '../engine/op-context.js';

/** A colouring function (identity without colours). */
export type Colorizer = (text: string) => string;

export interface LogPrinterOptions {
  /** One colour per container, from `palette` in turn (Compose's rainbow). Empty: no colours. */
  palette?: readonly Colorizer[];
  /** false with `--no-log-prefix`. */
  prefix?: boolean;
  /** `--timestamps`: the entry's time (RFC 3339 with nanoseconds, UTC) before the text. */
  timestamps?: boolean;
  write: (text: string) => void;
}

/** Formats nanoseconds since the epoch as Docker's RFC 3339 with nine fraction digits, UTC. */
export function formatLogTime(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

/** The log printer of one command run. */
export class LogPrinter {
  private readonly names: string[] = [];
  private readonly colors = new Map<string, Colorizer>();
  private width = 0;
  private readonly o: LogPrinterOptions;

  constructor(o: LogPrinterOptions) {
    this.o = o;
  }

  /** Adds a container name (widens the prefix column for everyone, as Compose does). */
  register(name: string): void {
    if (this.names.includes(name)) return;
    const palette = this.o.palette ?? [];
    this.colors.set(name, palette.length > 0 ? palette[this.names.length % palette.length]! : (t) => t);
    this.names.push(name);
    this.width = Math.max(this.width, name.length + 1);
  }

  /** The `name  |` prefix (coloured), without the following space. */
  prefix(name: string): string {
    this.register(name);
    return this.colors.get(name)!(`${name.padEnd(this.width)} |`);
  }

  /** Prints one line of `name`'s output (`text` without its newline). */
  line(name: string, text: string, time?: bigint): void {
    const ts = this.o.timestamps === true && time !== undefined ? `${formatLogTime(time)} ` : '';
    if (this.o.prefix === false) this.o.write(`${ts}${text}\n`);
    else this.o.write(`${this.prefix(name)} ${ts}${text}\n`);
  }

  /** A status line about a container (`web-1 exited with code 0`), in its colour. */
  status(name: string, message: string): void {
    this.register(name);
    this.o.write(this.colors.get(name)!(`${name} ${message}`) + '\n');
  }

  /** A plain line (`Attaching to ...`, `Gracefully stopping...`). */
  info(text: string): void {
    this.o.write(`${text}\n`);
  }
}

export interface FollowOptions {
  follow?: boolean;
  tail?: number;
  since?: bigint;
  until?: bigint;
}

/**
 * Streams one container's log into the printer until it ends (the container exits when following, or the
 * backlog is read). Partial lines are held until their end, or printed when the stream ends. Returns the time of
 * the last entry printed.
 */
export async function followContainer(
  containers: Pick<ContainerService, 'logs'>,
  ctx: OpContext,
  id: string,
  name: string,
  printer: LogPrinter,
  opts: FollowOptions,
): Promise<bigint | undefined> {
  let pending = '';
  let pendingTime: bigint | undefined;
  let last: bigint | undefined;
  try {
    for await (const e of containers.logs(ctx, id, {
      ...(opts.follow === true ? { follow: true } : {}),
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.until !== undefined ? { until: opts.until } : {}),
    })) {
      last = e.time;
      if (pending === '') pendingTime = e.time;
      const parts = (pending + e.data.toString('utf8')).split('\n');
      pending = parts.pop()!;
      parts.forEach((p, i) => printer.line(name, p.endsWith('\r') ? p.slice(0, -1) : p, i === 0 ? pendingTime : e.time));
      if (pending !== '' && parts.length > 0) pendingTime = e.time;
    }
  } catch (err) {
    if (!ctx.signal.aborted) throw err;
  }
  if (pending !== '') printer.line(name, pending, pendingTime);
  return last;
}
