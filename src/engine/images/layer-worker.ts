/**
 * Layer application in worker threads. Extraction is a long run of synchronous file-system calls (open, write,
 * chown, chmod, utimes per file), and on some file systems creating a file is expensive kernel work; doing it in
 * worker threads keeps the main thread free for downloads and hashing, and lets independent layers (overlayfs
 * layers each go to their own directory) be written at the same time on several cores.
 *
 * Protocol (one job at a time per worker): main -> worker `start` {target, options}, then `chunk`s of the
 * compressed layer (transferred ArrayBuffers, at most {@link WINDOW} unacknowledged), then `end`; the worker acks
 * each chunk and answers `done` {result} or `error` {code, message}. A failed worker (it cannot start, e.g. when
 * running from TypeScript sources) makes the pool fall back to applying in the calling thread.
 *
 * The worker runs this very module: the built CLI's launcher loads the bundle in the worker, whose entry imports
 * this module there (src/cli.ts), and its top-level code starts the job loop when it finds itself in a layer
 * worker. No extra bundle entry point is needed.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { canceled, EngineError, type ErrorCode } from '../errdefs.js';
import type { Logger } from '../log.js';
import { applyLayerStream, type LayerApplyOptions, type LayerApplyResult } from './layer-apply.js';

const MARK = 'nerdctl-layer-worker';
/** Chunks in flight to a worker before the sender waits for acks (bounded memory for huge layers). */
const WINDOW = 16;
/** Small input chunks (network reads are ~64 KiB) are gathered into messages of this size. */
const MESSAGE_BYTES = 512 << 10;
/** The worker acknowledges chunks in batches of this many. */
const ACK_EVERY = 4;

type ToWorker =
  | { type: 'start'; target: string; whiteoutMode: 'overlay' | 'remove'; lowerDirs: string[] }
  | { type: 'chunk'; data: ArrayBuffer }
  | { type: 'end' }
  | { type: 'abort' };

type FromWorker =
  | { type: 'ack'; n: number }
  | { type: 'done'; result: LayerApplyResult }
  | { type: 'error'; code: ErrorCode | undefined; message: string };

/** The worker side: one job at a time. */
function runWorker(port: MessagePort): void {
  let queue: Buffer[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let aborted = false;
  const controller = { abort: new AbortController() };
  let unacked = 0;
  const input = async function* (): AsyncGenerator<Buffer> {
    for (;;) {
      if (queue.length > 0) {
        const c = queue.shift()!;
        if (++unacked >= ACK_EVERY) {
          port.postMessage({ type: 'ack', n: unacked } satisfies FromWorker);
          unacked = 0;
        }
        yield c;
        continue;
      }
      if (unacked > 0) {
        port.postMessage({ type: 'ack', n: unacked } satisfies FromWorker);
        unacked = 0;
      }
      if (ended) return;
      if (aborted) throw canceled('layer application aborted');
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  };
  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'start':
        queue = [];
        unacked = 0;
        ended = false;
        aborted = false;
        controller.abort = new AbortController();
        applyLayerStream(input(), m.target, { whiteoutMode: m.whiteoutMode, lowerDirs: m.lowerDirs, signal: controller.abort.signal }).then(
          (result) => port.postMessage({ type: 'done', result } satisfies FromWorker),
          (err: unknown) =>
            port.postMessage({
              type: 'error',
              code: err instanceof EngineError ? err.code : undefined,
              message: err instanceof Error ? err.message : String(err),
            } satisfies FromWorker),
        );
        break;
      case 'chunk':
        queue.push(Buffer.from(m.data));
        wake?.();
        break;
      case 'end':
        ended = true;
        wake?.();
        break;
      case 'abort':
        aborted = true;
        controller.abort.abort();
        wake?.();
        break;
    }
  });
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true && parentPort !== null) runWorker(parentPort);

/** A thread that applies layers; undefined when workers cannot run here. */
class LayerThread {
  readonly worker: Worker;
  #handler: ((m: FromWorker) => void) | undefined;
  #failure: ((err: Error) => void) | undefined;

  constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (m: FromWorker) => this.#handler?.(m));
    worker.on('error', (err) => this.#failure?.(err));
    worker.on('exit', (code) => this.#failure?.(new Error(`layer worker exited with code ${code}`)));
  }

  /** Runs one job: streams `input` in and resolves with the result. */
  async run(input: AsyncIterable<Buffer>, target: string, opts: LayerApplyOptions): Promise<LayerApplyResult> {
    let credits = WINDOW;
    let release: (() => void) | undefined;
    let settle!: { resolve: (r: LayerApplyResult) => void; reject: (e: unknown) => void };
    const result = new Promise<LayerApplyResult>((resolve, reject) => (settle = { resolve, reject }));
    let finished = false;
    this.#handler = (m) => {
      if (m.type === 'ack') {
        credits += m.n;
        release?.();
      } else {
        finished = true;
        release?.();
        if (m.type === 'done') settle.resolve(m.result);
        else settle.reject(new EngineError(m.code ?? 'internal', m.message));
      }
    };
    this.#failure = (err) => {
      finished = true;
      release?.();
      settle.reject(err);
    };
    const onAbort = () => this.worker.postMessage({ type: 'abort' } satisfies ToWorker);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.worker.postMessage({ type: 'start', target, whiteoutMode: opts.whiteoutMode, lowerDirs: [...(opts.lowerDirs ?? [])] } satisfies ToWorker);
    // Chunks are copied into messages of their own (input chunks are often views into shared pools, which cannot be
    // transferred); small ones are gathered so that a layer costs a few hundred messages, not thousands.
    let pending: Uint8Array | undefined;
    let filled = 0;
    const flush = async () => {
      if (pending === undefined || filled === 0) return;
      while (credits <= 0 && !finished) await new Promise<void>((r) => (release = r));
      if (finished) return;
      credits--;
      const data = pending.buffer.slice(0, filled) as ArrayBuffer;
      pending = undefined;
      filled = 0;
      this.worker.postMessage({ type: 'chunk', data } satisfies ToWorker, [data]);
    };
    try {
      for await (const c of input) {
        if (finished) break;
        let off = 0;
        while (off < c.byteLength && !finished) {
          pending ??= new Uint8Array(new ArrayBuffer(Math.max(MESSAGE_BYTES, c.byteLength - off)));
          const n = Math.min(c.byteLength - off, pending.byteLength - filled);
          pending.set(c.subarray(off, off + n), filled);
          filled += n;
          off += n;
          if (filled === pending.byteLength) await flush();
        }
      }
      await flush();
      if (!finished) this.worker.postMessage({ type: 'end' } satisfies ToWorker);
    } catch (err) {
      // The input failed (a bad download): stop the worker's job and report the input's error.
      this.worker.postMessage({ type: 'abort' } satisfies ToWorker);
      await result.catch(() => {});
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    try {
      return await result;
    } finally {
      this.#handler = undefined;
      this.#failure = undefined;
    }
  }
}

/** Applies layers, in worker threads when possible (see the file header). */
export interface LayerApplier {
  /** Applies the compressed layer `input` to `target`. Errors as archive/apply-layer.ts `applyLayer`. */
  apply(input: AsyncIterable<Buffer>, target: string, opts: LayerApplyOptions): Promise<LayerApplyResult>;
  /** How many layers may usefully be applied at once. */
  readonly parallelism: number;
  /** Starts the worker threads now (they take a moment to load), so that the first layer does not wait. */
  warm(): void;
  /** Stops the workers. */
  close(): Promise<void>;
}

/** Options of {@link createLayerApplier}. */
export interface LayerApplierOptions {
  /** Worker threads (default: up to 4, at least 2, by the machine's cores); 0 applies in the calling thread. */
  threads?: number;
  log?: Logger;
}

function inThread(): LayerApplier {
  return { apply: (input, target, opts) => applyLayerStream(input, target, opts), parallelism: 1, warm() {}, close: async () => {} };
}

/** Creates a layer applier. Cheap: threads start on first use. */
export function createLayerApplier(options: LayerApplierOptions = {}): LayerApplier {
  const threads = options.threads ?? Math.max(2, Math.min(4, availableParallelism()));
  // From TypeScript sources (tests) a worker cannot load this module: apply in this thread.
  if (threads <= 0 || import.meta.url.endsWith('.ts')) return inThread();
  const idle: LayerThread[] = [];
  const all: LayerThread[] = [];
  const waiting: ((t: LayerThread | undefined) => void)[] = [];
  let broken = false;
  const fallback = inThread();

  const spawnThread = (): LayerThread | undefined => {
    try {
      // The built CLI starts workers through its launcher (scripts/launcher.cjs), whose bundle then runs this
      // module's job loop; an ES module build would load this module itself.
      const entry = (globalThis as { __nerdctlLauncher?: string }).__nerdctlLauncher ?? import.meta.url;
      const w = new Worker(`import(${JSON.stringify(entry)})`, { eval: true, workerData: { [MARK]: true } });
      w.unref();
      const lt = new LayerThread(w);
      all.push(lt);
      return lt;
    } catch (err) {
      options.log?.debug('layer workers unavailable, applying in this thread', { error: err });
      broken = true;
      return undefined;
    }
  };
  const acquire = async (): Promise<LayerThread | undefined> => {
    if (broken) return undefined;
    const t = idle.pop();
    if (t !== undefined) return t;
    if (all.length < threads) return spawnThread();
    return new Promise((r) => waiting.push(r));
  };
  const releaseThread = (t: LayerThread) => {
    const next = waiting.shift();
    if (next) next(t);
    else idle.push(t);
  };

  return {
    parallelism: threads,
    warm() {
      while (!broken && all.length < threads) {
        const t = spawnThread();
        if (t !== undefined) idle.push(t);
      }
    },
    async apply(input, target, opts) {
      const t = await acquire();
      if (t === undefined) return fallback.apply(input, target, opts);
      let healthy = true;
      try {
        return await t.run(input, target, opts);
      } catch (err) {
        // A worker that died (rather than reporting an error) is not reused.
        if (!(err instanceof EngineError) && !(err instanceof Error && /aborted|canceled/.test(err.message))) healthy = false;
        throw err;
      } finally {
        if (healthy) releaseThread(t);
        else {
          all.splice(all.indexOf(t), 1);
          void t.worker.terminate();
        }
      }
    },
    async close() {
      for (const w of waiting.splice(0)) w(undefined);
      await Promise.all(all.map((t) => t.worker.terminate()));
      all.length = 0;
      idle.length = 0;
    },
  };
}
