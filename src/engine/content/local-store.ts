/**
 * The content store's files, without namespaces, records or locks (those live in metadata/content-store.ts,
 * which calls these primitives under its locks and inside its transactions).
 *
 *   <root>/blobs/<alg>/<hex>          committed blobs, read-only (0444), shared by all namespaces
 *   <root>/ingest/<key>/data          bytes of an upload in progress
 *   <root>/ingest/<key>/ref           the ingest's ref, for humans and recovery
 *   <root>/ingest/<key>/startedat     RFC 3339 start time
 *   <root>/ingest/<key>/total         expected size, when known
 *
 * `<key>` is chosen by the caller (the metadata store uses sha256 of namespace and ref), so the same upload maps
 * to the same directory in every process and can be resumed.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, createReadStream, mkdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { failedPrecondition, invalidArgument, isErrno } from '../errdefs.js';
import { isDigest, splitDigest, type Digest } from '../digest.js';

/** Options for {@link createLocalStore}. */
export interface LocalStoreOptions {
  /** fsync blob data before it is renamed into place (default true). Off only for throwaway stores. */
  sync?: boolean;
}

/** An open ingest's data file, hashing as it is written. Not safe for overlapping calls. */
export interface IngestFile {
  /** Bytes written (some may still be buffered: they reach the file before `finish` or `close` returns). */
  readonly offset: number;
  /** Digest of the bytes so far, in the ingest's algorithm. */
  digest(): Digest;
  write(chunk: Uint8Array): Promise<void>;
  /** Empties the data file and restarts the digest. */
  reset(): Promise<void>;
  /** Makes the data durable and read-only and closes the file; then only {@link LocalStore.moveIntoPlaceSync}. */
  finish(): Promise<void>;
  /** Closes the file, keeping the data. Idempotent. */
  close(): Promise<void>;
}

/** What {@link LocalStore.openIngest} needs to know. */
export interface IngestMeta {
  ref: string;
  total?: number;
  /** Digest algorithm (default sha256). */
  algorithm?: string;
  /** Start from empty even if data exists. */
  reset: boolean;
}

/** File-level operations on a content directory. */
export interface LocalStore {
  readonly root: string;
  /** `<root>/blobs/<alg>/<hex>`. invalid-argument for a malformed digest. */
  blobPath(digest: Digest): string;
  /** Size of the blob file, or undefined when it is not on disk. */
  statBlobSync(digest: Digest): number | undefined;
  /** The directory of ingest `key`. */
  ingestDir(key: string): string;
  /** Bytes in ingest `key`'s data file (0 when there is none) and its last modification. */
  ingestProgressSync(key: string): { offset: number; updatedAt: Date | undefined };
  /**
   * Opens ingest `key` for appending, creating its directory and descriptive files. With `reset`, or when the
   * existing data cannot be resumed, starts from empty; otherwise re-reads the kept bytes once to restore the digest.
   */
  openIngest(key: string, meta: IngestMeta): Promise<IngestFile>;
  /**
   * Renames ingest `key`'s finished data to the blob path of `digest`. Returns false (and leaves the data) when
   * the blob is already on disk. Synchronous, to run inside a metadata transaction.
   */
  moveIntoPlaceSync(key: string, digest: Digest): boolean;
  /** Removes ingest `key`'s directory. Synchronous and idempotent. */
  removeIngestSync(key: string): void;
  /** Unlinks a blob file. Synchronous and idempotent. */
  unlinkBlobSync(digest: Digest): void;
  /** Every blob on disk (a full directory scan: for garbage collection only). */
  walkBlobs(): AsyncIterable<Digest>;
  /** Every ingest directory key on disk (a directory scan: for garbage collection only). */
  listIngestKeys(): Promise<string[]>;
}

const supported = new Set(['sha256', 'sha512']);

/** Small writes are gathered into one buffer of this size: one syscall per 256 KiB instead of one per network chunk. */
const STAGING = 256 << 10;

class LocalIngestFile implements IngestFile {
  #fh: FileHandle | undefined;
  #hash: Hash;
  /** Bytes accepted, flushed or not. */
  #offset: number;
  /** Bytes in the file. */
  #flushed: number;
  #staging: Buffer | undefined;
  #staged = 0;
  readonly #algorithm: string;
  readonly #sync: boolean;

  constructor(fh: FileHandle, hash: Hash, offset: number, algorithm: string, sync: boolean) {
    this.#fh = fh;
    this.#hash = hash;
    this.#offset = offset;
    this.#flushed = offset;
    this.#algorithm = algorithm;
    this.#sync = sync;
  }

  get offset(): number {
    return this.#offset;
  }

  digest(): Digest {
    return `${this.#algorithm}:${this.#hash.copy().digest('hex')}`;
  }

  #handle(): FileHandle {
    if (this.#fh === undefined) throw failedPrecondition('ingest is closed');
    return this.#fh;
  }

  async #writeAt(data: Uint8Array): Promise<void> {
    const fh = this.#handle();
    let done = 0;
    while (done < data.byteLength) {
      const { bytesWritten } = await fh.write(data, done, data.byteLength - done, this.#flushed + done);
      done += bytesWritten;
    }
    this.#flushed += data.byteLength;
  }

  async #flush(): Promise<void> {
    if (this.#staged === 0 || this.#staging === undefined) return;
    const data = this.#staging.subarray(0, this.#staged);
    this.#staged = 0;
    await this.#writeAt(data);
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#handle();
    this.#hash.update(chunk);
    this.#offset += chunk.byteLength;
    if (chunk.byteLength >= STAGING / 2) {
      await this.#flush();
      await this.#writeAt(chunk);
      return;
    }
    this.#staging ??= Buffer.allocUnsafe(STAGING);
    let from = 0;
    while (from < chunk.byteLength) {
      const n = Math.min(chunk.byteLength - from, STAGING - this.#staged);
      this.#staging.set(chunk.subarray(from, from + n), this.#staged);
      this.#staged += n;
      from += n;
      if (this.#staged === STAGING) await this.#flush();
    }
  }

  async reset(): Promise<void> {
    await this.#handle().truncate(0);
    this.#hash = createHash(this.#algorithm);
    this.#offset = 0;
    this.#flushed = 0;
    this.#staged = 0;
  }

  async finish(): Promise<void> {
    await this.#flush();
    const fh = this.#handle();
    if (this.#sync) await fh.sync();
    await fh.chmod(0o444);
    this.#fh = undefined;
    await fh.close();
  }

  async close(): Promise<void> {
    if (this.#fh === undefined) return;
    try {
      await this.#flush();
    } finally {
      const fh = this.#fh;
      this.#fh = undefined;
      await fh?.close();
    }
  }
}

/** Opens the content directory at `root` (nothing is created until first written). */
export function createLocalStore(root: string, options: LocalStoreOptions = {}): LocalStore {
  const sync = options.sync ?? true;
  const blobsDir = path.join(root, 'blobs');
  const ingestRoot = path.join(root, 'ingest');

  const blobPath = (digest: Digest): string => {
    if (!isDigest(digest)) throw invalidArgument(`invalid digest "${digest}"`);
    const { algorithm, hex } = splitDigest(digest);
    return path.join(blobsDir, algorithm, hex);
  };
  const ingestDir = (key: string): string => {
    if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith('.')) throw invalidArgument(`invalid ingest key "${key}"`);
    return path.join(ingestRoot, key);
  };

  return {
    root,
    blobPath,
    ingestDir,

    statBlobSync(digest) {
      try {
        return statSync(blobPath(digest)).size;
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return undefined;
        throw err;
      }
    },

    ingestProgressSync(key) {
      try {
        const st = statSync(path.join(ingestDir(key), 'data'));
        return { offset: st.size, updatedAt: st.mtime };
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return { offset: 0, updatedAt: undefined };
        throw err;
      }
    },

    async openIngest(key, meta) {
      const algorithm = meta.algorithm ?? 'sha256';
      if (!supported.has(algorithm)) throw invalidArgument(`unsupported digest algorithm "${algorithm}"`);
      const dir = ingestDir(key);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const dataPath = path.join(dir, 'data');
      // A commit that failed after finish() left the data read-only; it is being resumed now.
      await chmod(dataPath, 0o644).catch(() => {});
      // Not O_APPEND: writes are positional, so truncate-and-rewrite needs no reopen.
      const fh = await open(dataPath, constants.O_RDWR | constants.O_CREAT, 0o644);
      try {
        let offset = (await fh.stat()).size;
        const hash = createHash(algorithm);
        if (meta.reset || (meta.total !== undefined && offset > meta.total)) {
          await fh.truncate(0);
          offset = 0;
        }
        if (offset === 0) {
          await writeFile(path.join(dir, 'ref'), meta.ref);
          await writeFile(path.join(dir, 'startedat'), new Date().toISOString());
          if (meta.total !== undefined) await writeFile(path.join(dir, 'total'), String(meta.total));
          else await rm(path.join(dir, 'total'), { force: true });
        } else {
          // Node's Hash cannot be serialised, so a resumed ingest re-reads what it kept, once.
          for await (const chunk of createReadStream(dataPath, { start: 0, end: offset - 1, highWaterMark: 1 << 20 })) {
            hash.update(chunk as Buffer);
          }
        }
        return new LocalIngestFile(fh, hash, offset, algorithm, sync);
      } catch (err) {
        await fh.close().catch(() => {});
        throw err;
      }
    },

    moveIntoPlaceSync(key, digest) {
      const target = blobPath(digest);
      try {
        statSync(target);
        return false;
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
      mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      renameSync(path.join(ingestDir(key), 'data'), target);
      return true;
    },

    removeIngestSync(key) {
      rmSync(ingestDir(key), { recursive: true, force: true });
    },

    unlinkBlobSync(digest) {
      try {
        unlinkSync(blobPath(digest));
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    },

    async *walkBlobs() {
      let algs: string[];
      try {
        algs = await readdir(blobsDir);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return;
        throw err;
      }
      for (const alg of algs.sort()) {
        if (!supported.has(alg)) continue;
        for (const hex of (await readdir(path.join(blobsDir, alg))).sort()) {
          const d = `${alg}:${hex}`;
          if (isDigest(d)) yield d;
        }
      }
    },

    async listIngestKeys() {
      try {
        return (await readdir(ingestRoot)).sort();
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return [];
        throw err;
      }
    },
  };
}
