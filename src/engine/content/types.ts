/**
 * The content store: immutable blobs addressed by digest (manifests, configs, layer tarballs), in containerd's
 * shape. Functions should ask for the narrowest interface they need: a fetcher takes an {@link Ingester}, a
 * manifest reader a {@link Provider}, a labeller a {@link Manager}.
 *
 * Lifecycle of a blob:
 *
 *   1. `writer(ctx, { ref, expected, total })` opens an ingest: a named upload in progress, locked to one writer
 *      at a time across all processes. If the ingest already exists (a pull that was killed), the writer resumes:
 *      `writer.offset` says how many bytes are kept, and the caller asks the registry for the rest
 *      (`Range: bytes=<offset>-`).
 *   2. `writer.write(chunk)` appends; the digest is computed as data arrives, so commit does not re-read the data.
 *   3. `writer.commit(size, expected, { labels })` checks size and digest, makes the data durable (fsync), and
 *      atomically moves it to `content/blobs/<alg>/<hex>` while recording it in the namespace. After a failed
 *      check nothing is committed. After commit the blob is visible to `info`, `readerAt` and `walk`.
 *   4. Labels connect blobs for garbage collection (`containerd.io/gc.ref.content.*` on a manifest naming its
 *      layers); `update` changes them. A blob nothing references (no image, lease, `gc.root` label, or referring
 *      blob) is removed by the next garbage collection; `delete` removes it from the namespace at once.
 *
 * Namespaces: blobs live once on disk and are shared; each namespace records which blobs it can see. A writer in
 * a namespace that does not yet see a blob another namespace already holds gets it recorded at once
 * (already-exists) instead of downloading it again.
 *
 * Concurrency: any number of processes may read, write and collect at once. Two writers of the same ref: the
 * second gets unavailable until the first closes or commits ({@link openWriter} in helpers.ts waits for it).
 * Two writers of the same digest under different refs: both succeed; the second commit finds the blob in place.
 *
 * Errors (EngineError codes): not-found (no such blob or ingest in the namespace), already-exists (the blob is
 * already committed in the namespace: callers treat it as success), failed-precondition (size or digest does not
 * match at commit), invalid-argument (bad digest, ref or labels), unavailable (ingest locked by another writer).
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { OpContext } from '../op-context.js';

/** What the store knows about a committed blob in a namespace. */
export interface Info {
  digest: Digest;
  size: number;
  createdAt: Date;
  updatedAt: Date;
  labels: Record<string, string>;
}

/** The part of an OCI descriptor the store needs; a full descriptor can be passed. */
export interface BlobDescriptor {
  digest: Digest;
  /** When given, readers check the blob has this size (failed-precondition otherwise). */
  size?: number;
}

/** Progress of an ingest, for `pull` progress bars and `content ls` of active downloads. */
export interface Status {
  ref: string;
  /** Bytes written so far. */
  offset: number;
  /** Expected size, when the writer said. */
  total: number | undefined;
  /** Expected digest, when the writer said. */
  expected: Digest | undefined;
  startedAt: Date;
  updatedAt: Date;
  /** True while a live writer holds the ingest (in this or another process). */
  active: boolean;
}

/** Random access to a committed blob. Close it when done. */
export interface ReaderAt {
  readonly size: number;
  /** Reads up to `buffer.length` bytes at `position`; returns how many were read (fewer only at the end). */
  readAt(buffer: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

/** Options for {@link Provider.createReadStream}: an inclusive byte range, like `fs.createReadStream`. */
export interface ReadStreamOptions {
  start?: number;
  end?: number;
}

/** Reads committed blobs. */
export interface Provider {
  /** Opens a blob for random access. not-found when the namespace does not have it. */
  readerAt(ctx: OpContext, desc: BlobDescriptor): Promise<ReaderAt>;
  /** Opens a blob as a stream (optionally a byte range). not-found when the namespace does not have it. */
  createReadStream(ctx: OpContext, desc: BlobDescriptor, options?: ReadStreamOptions): Promise<Readable>;
}

/** Options for {@link Ingester.writer}. */
export interface WriterOptions {
  /**
   * The ingest's name, unique per upload within a namespace: writers with the same ref share (and resume) one
   * ingest. The image pipeline uses containerd's form, e.g. `layer-sha256:<hex>`.
   */
  ref: string;
  /** The digest the data must have; checked at commit. Needed for the already-exists shortcut. */
  expected?: Digest;
  /** The size the data must have; checked at commit. */
  total?: number;
}

/**
 * Writes one blob. Lifecycle: obtained from {@link Ingester.writer} → `write`* → `commit` (success, writer done)
 * or `close` (data kept for resuming, lock released). Always call one of them; `commit` and `close` may both be
 * called (close after commit is a no-op), so `try { ...; await w.commit() } finally { await w.close() }` is safe.
 * Calls must not overlap: await each `write` before the next.
 */
export interface Writer {
  readonly ref: string;
  /** Bytes in the ingest so far, including those kept from an earlier run. */
  readonly offset: number;
  /** Digest of the bytes written so far. */
  digest(): Digest;
  /** Current progress. */
  status(): Status;
  /** Appends `chunk`. */
  write(chunk: Uint8Array): Promise<void>;
  /** Discards written data (only `0` is supported), to restart a download that cannot be resumed. */
  truncate(size: 0): Promise<void>;
  /**
   * Verifies and commits. `size` and `expected` (when given, and the writer's own expectations when it had any)
   * must match the data: failed-precondition otherwise. A digest mismatch or too much data discards the ingest; too
   * little data keeps it for resuming. already-exists when the namespace already had the blob (the data written
   * is discarded; the blob is there, which is what callers wanted).
   */
  commit(size?: number, expected?: Digest, options?: { labels?: Record<string, string> }): Promise<void>;
  /** Releases the ingest without committing; its data stays for a later writer with the same ref. */
  close(): Promise<void>;
}

/** Writes new blobs. */
export interface Ingester {
  /**
   * Opens a writer for `options.ref`, resuming an existing ingest of that ref when its expectations match (else
   * it starts over). When `expected` names a blob the namespace already has, throws already-exists at once; when
   * another namespace has it, it is recorded for this namespace (under `ctx.lease`) and already-exists is thrown
   * too. unavailable when another writer holds the ref.
   */
  writer(ctx: OpContext, options: WriterOptions): Promise<Writer>;
}

/** Reads and changes blob records. */
export interface Manager {
  /** The record of `digest`. not-found when the namespace does not have it. */
  info(ctx: OpContext, digest: Digest): Promise<Info>;
  /**
   * Updates labels with containerd's field paths: none replaces all labels, `labels` likewise, `labels.<key>`
   * sets one (or deletes it when `info.labels` has no or an empty value for it). Returns the new record.
   */
  update(ctx: OpContext, info: Pick<Info, 'digest' | 'labels'>, fieldpaths?: string[]): Promise<Info>;
  /** All blobs of the namespace, sorted by digest, optionally filtered. */
  walk(ctx: OpContext, filter?: (info: Info) => boolean): AsyncIterable<Info>;
  /** Removes the blob from the namespace now; the file goes when no namespace has it. not-found when absent. */
  delete(ctx: OpContext, digest: Digest): Promise<void>;
}

/** Inspects and cancels ingests. */
export interface IngestManager {
  /** Progress of one ingest. not-found when there is no such ingest in the namespace. */
  status(ctx: OpContext, ref: string): Promise<Status>;
  /** Progress of all ingests of the namespace (sorted by ref), optionally filtered. */
  listStatuses(ctx: OpContext, filter?: (status: Status) => boolean): Promise<Status[]>;
  /** Discards an ingest and its data. not-found when absent; unavailable while a live writer holds it. */
  abort(ctx: OpContext, ref: string): Promise<void>;
}

/** The whole content store. */
export interface ContentStore extends Provider, Ingester, Manager, IngestManager {}
