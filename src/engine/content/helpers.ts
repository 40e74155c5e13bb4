/**
 * Helpers over the content interfaces (containerd's content/helpers.go): open a writer waiting out another
 * process's lock, write a whole blob from a stream with resume, read a small blob whole.
 */
import { canceled, hasCode, invalidArgument } from '../errdefs.js';
import type { Digest } from '../digest.js';
import type { OpContext } from '../op-context.js';
import type { BlobDescriptor, Ingester, Provider, Writer, WriterOptions } from './types.js';

/** Options for {@link openWriter}. */
export interface OpenWriterOptions {
  /** First wait between attempts while the ref is locked (doubles up to `maxDelayMs`). Default 50 ms. */
  initialDelayMs?: number;
  /** Longest wait between attempts. Default 1 s. */
  maxDelayMs?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(canceled('operation canceled', { cause: signal.reason }));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(canceled('operation canceled', { cause: signal.reason }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Opens a writer, waiting while another writer (typically another process pulling the same image) holds the ref.
 * When that writer commits, this call ends with already-exists, which callers treat as success. Cancelled by
 * `ctx.signal` (canceled). Other errors as {@link Ingester.writer}.
 */
export async function openWriter(
  ingester: Ingester,
  ctx: OpContext,
  options: WriterOptions,
  wait: OpenWriterOptions = {},
): Promise<Writer> {
  let delay = wait.initialDelayMs ?? 50;
  const max = wait.maxDelayMs ?? 1000;
  for (;;) {
    try {
      return await ingester.writer(ctx, options);
    } catch (err) {
      if (!hasCode(err, 'unavailable')) throw err;
      ctx.log.debug('ingest locked, waiting', { ref: options.ref, delayMs: delay });
      await sleep(delay, ctx.signal);
      delay = Math.min(delay * 2, max);
    }
  }
}

/** Options for {@link writeBlob}. */
export interface WriteBlobOptions {
  /** The ingest ref (default `blob-<digest>` when the digest is known). */
  ref?: string;
  labels?: Record<string, string>;
}

/**
 * Writes a blob from `source` and commits it (containerd's `content.WriteBlob`). If an earlier ingest of the same
 * ref kept some bytes, that many bytes of `source` are skipped rather than written again. Returns the committed
 * digest; a blob that is already present counts as success. `desc.digest`/`desc.size`, when given, are verified
 * (failed-precondition, nothing committed). Cancelled by `ctx.signal`.
 */
export async function writeBlob(
  ingester: Ingester,
  ctx: OpContext,
  source: AsyncIterable<Uint8Array> | Uint8Array,
  desc: { digest?: Digest; size?: number },
  options: WriteBlobOptions = {},
): Promise<Digest> {
  const ref = options.ref ?? (desc.digest === undefined ? undefined : `blob-${desc.digest}`);
  if (ref === undefined) throw invalidArgument('writeBlob: a ref is needed when the digest is unknown');
  let w: Writer;
  try {
    w = await openWriter(ingester, ctx, { ref, expected: desc.digest, total: desc.size });
  } catch (err) {
    if (hasCode(err, 'already-exists') && desc.digest !== undefined) return desc.digest;
    throw err;
  }
  try {
    let skip = w.offset;
    const chunks = source instanceof Uint8Array ? [source] : source;
    for await (const chunk of chunks) {
      if (ctx.signal.aborted) throw canceled('operation canceled', { cause: ctx.signal.reason });
      let c = chunk;
      if (skip > 0) {
        const n = Math.min(skip, c.byteLength);
        skip -= n;
        c = c.subarray(n);
        if (c.byteLength === 0) continue;
      }
      await w.write(c);
    }
    const digest = w.digest();
    try {
      await w.commit(desc.size, desc.digest, { labels: options.labels });
    } catch (err) {
      if (!hasCode(err, 'already-exists')) throw err;
    }
    return digest;
  } finally {
    await w.close();
  }
}

/**
 * Reads a whole blob into memory (manifests, indexes, configs). invalid-argument when it is larger than `maxSize`
 * (default 64 MiB), so a hostile manifest cannot exhaust memory. Errors as {@link Provider.readerAt}.
 */
export async function readBlob(
  provider: Provider,
  ctx: OpContext,
  desc: BlobDescriptor,
  maxSize = 64 << 20,
): Promise<Buffer> {
  const r = await provider.readerAt(ctx, desc);
  try {
    if (r.size > maxSize) throw invalidArgument(`content "${desc.digest}": ${r.size} bytes is too large to read whole`);
    const buf = Buffer.allocUnsafe(r.size);
    const n = await r.readAt(buf, 0);
    return n === r.size ? buf : buf.subarray(0, n);
  } finally {
    await r.close();
  }
}
