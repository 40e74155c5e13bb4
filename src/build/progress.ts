/**
 * Build progress as data: BuildKit's model of vertices (a step, a pull, the export) that start, log output and
 * end (done, cached or failed). The executor emits events; renderers (the CLI's plain and TTY views, compose's
 * service prefixes) turn them into text. Events are delivered synchronously and in order; a listener must be quick.
 */

/** A vertex's state change. */
export type VertexStatus = 'started' | 'cached' | 'done' | 'error';

export type BuildProgressEvent =
  | {
      readonly type: 'vertex';
      /** 1-based, in order of first appearance (BuildKit's `#N`). */
      readonly id: number;
      /** `[2/4] RUN make`, `[internal] load build definition from Dockerfile`, `exporting to image`... */
      readonly name: string;
      readonly status: VertexStatus;
      /** ms since the epoch. */
      readonly at: number;
      /** For `error`: the one-line reason. */
      readonly error?: string;
    }
  | {
      readonly type: 'log';
      readonly id: number;
      readonly stream: 'stdout' | 'stderr';
      readonly data: Buffer;
      readonly at: number;
    }
  /** A line under a vertex that is not process output (`writing image sha256:... done`). */
  | { readonly type: 'status'; readonly id: number; readonly text: string; readonly at: number }
  | { readonly type: 'warning'; readonly message: string };

export type BuildProgressListener = (event: BuildProgressEvent) => void;

/** Allocates vertex ids and emits events for one build. */
export class ProgressEmitter {
  private next = 1;
  private readonly listener: BuildProgressListener | undefined;
  /** Output of each vertex, kept (bounded) for error reports. */
  private readonly tails = new Map<number, string[]>();
  private static readonly TAIL_LINES = 20;

  constructor(listener?: BuildProgressListener) {
    this.listener = listener;
  }

  /** Starts a vertex and returns its id. */
  start(name: string): number {
    const id = this.next++;
    this.listener?.({ type: 'vertex', id, name, status: 'started', at: Date.now() });
    return id;
  }

  /** A vertex that was answered from the cache (BuildKit prints it as started then CACHED). */
  cached(id: number, name: string): void {
    this.listener?.({ type: 'vertex', id, name, status: 'cached', at: Date.now() });
  }

  done(id: number, name: string): void {
    this.listener?.({ type: 'vertex', id, name, status: 'done', at: Date.now() });
  }

  error(id: number, name: string, error: string): void {
    this.listener?.({ type: 'vertex', id, name, status: 'error', at: Date.now(), error });
  }

  log(id: number, stream: 'stdout' | 'stderr', data: Buffer): void {
    let tail = this.tails.get(id);
    if (tail === undefined) {
      tail = [''];
      this.tails.set(id, tail);
    }
    const parts = data.toString('utf8').split('\n');
    tail[tail.length - 1] += parts[0] ?? '';
    for (const p of parts.slice(1)) tail.push(p);
    if (tail.length > ProgressEmitter.TAIL_LINES + 1) tail.splice(0, tail.length - ProgressEmitter.TAIL_LINES - 1);
    this.listener?.({ type: 'log', id, stream, data, at: Date.now() });
  }

  status(id: number, text: string): void {
    this.listener?.({ type: 'status', id, text, at: Date.now() });
  }

  warn(message: string): void {
    this.listener?.({ type: 'warning', message });
  }

  /** The last lines a vertex printed (at most 20, without a trailing empty line). */
  tail(id: number): string[] {
    const t = [...(this.tails.get(id) ?? [])];
    while (t.length > 0 && t[t.length - 1] === '') t.pop();
    return t;
  }
}
