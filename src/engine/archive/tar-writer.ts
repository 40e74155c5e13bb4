/**
 * The output half shared by writeTree and the diff writers: tar bytes out to a Writable with backpressure,
 * sha256 of the tar (the diffID) and, when asked, gzip in the same pass with the digest of the compressed
 * bytes (the blob digest a manifest names).
 */
import { createHash, type Hash } from 'node:crypto';
import { readlinkSync, type Stats } from 'node:fs';
import { Transform, pipeline, type Writable } from 'node:stream';
import { constants as zc, createGzip } from 'node:zlib';
import type { Digest } from '../digest.js';
import { canceled } from '../errdefs.js';
import { encodeHeader, END_OF_ARCHIVE, type TarEntryType, type TarHeader } from './tar-header.js';
import type { Xattrs } from './xattrs.js';

export interface TarOutputOptions {
  /** `gzip` compresses on the way out (the digest then covers the compressed bytes). Default `none`. */
  compression?: 'none' | 'gzip';
  /** zlib level 1-9 (default 6, zlib's own default). */
  gzipLevel?: number;
  /** End `out` when done (default true). */
  end?: boolean;
  signal?: AbortSignal;
}

export interface TarOutputResult {
  /** sha256 of the uncompressed tar. */
  diffId: Digest;
  /** Bytes of uncompressed tar. */
  size: number;
  /** sha256 of the bytes written to `out` (equal to diffId without compression). */
  digest: Digest;
  /** Bytes written to `out`. */
  compressedSize: number;
}

// Small headers and files are gathered into writes of about this size.
const BATCH = 256 * 1024;

/** Counts and hashes what passes through. */
class Meter extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/** Streams tar members to a Writable. Create, add entries in order, then {@link finish}. */
export class TarWriter {
  private readonly target: Writable;
  private readonly hash = createHash('sha256');
  private size = 0;
  private batch: Buffer[] = [];
  private batchLen = 0;
  private readonly compressed: Meter | undefined;
  private readonly done: Promise<void>;
  private readonly opts: TarOutputOptions;
  private readonly out: Writable;
  private resolveDone: (() => void) | undefined;
  private failure: unknown;

  constructor(out: Writable, opts: TarOutputOptions = {}) {
    this.opts = opts;
    this.out = out;
    if (opts.compression === 'gzip') {
      const gz = createGzip({ level: opts.gzipLevel ?? zc.Z_DEFAULT_COMPRESSION, chunkSize: BATCH });
      const meter = new Meter();
      this.compressed = meter;
      this.target = gz;
      if (opts.end === false) {
        this.done = new Promise((resolve, reject) => {
          gz.pipe(meter).pipe(out, { end: false });
          meter.on('end', resolve);
          for (const s of [gz, meter, out]) s.on('error', reject);
        });
      } else {
        this.done = new Promise((resolve, reject) => pipeline(gz, meter, out, (err) => (err ? reject(err) : resolve())));
      }
    } else {
      this.target = out;
      this.done = new Promise((resolve, reject) => {
        out.on('error', reject);
        if (opts.end !== false) out.on('finish', resolve);
        else this.resolveDone = resolve;
      });
    }
    this.done.catch((err: unknown) => (this.failure = err));
  }

  /** Appends a member header (with PAX records when needed). */
  async header(h: TarHeader): Promise<void> {
    await this.push(encodeHeader(h));
  }

  /** Appends member data (the caller adds the padding to a 512-byte boundary). The buffer must not be reused. */
  async data(buf: Buffer): Promise<void> {
    await this.push(buf);
  }

  /**
   * Writes the end-of-archive marker (unless `endOfArchive: false`, for bytes that are already a whole tar),
   * flushes, and waits for `out` to take everything.
   */
  async finish(opts: { endOfArchive?: boolean } = {}): Promise<TarOutputResult> {
    if (opts.endOfArchive !== false) await this.push(END_OF_ARCHIVE);
    await this.flush();
    // Ending the compressor flushes it; `out` itself is ended only when we own its end.
    if (this.compressed || this.opts.end !== false) this.target.end();
    this.resolveDone?.();
    await this.done;
    const diffId: Digest = `sha256:${this.hash.digest('hex')}`;
    if (!this.compressed) return { diffId, size: this.size, digest: diffId, compressedSize: this.size };
    return { diffId, size: this.size, digest: `sha256:${this.compressed.hash.digest('hex')}`, compressedSize: this.compressed.bytes };
  }

  /** Stops on error: destroys the compressor (not a caller-owned `out` when `end: false`). */
  destroy(err: Error): void {
    if (this.compressed) this.target.destroy(err);
    if (this.opts.end !== false) this.out.destroy(err);
  }

  private async push(buf: Buffer): Promise<void> {
    this.batch.push(buf);
    this.batchLen += buf.length;
    if (this.batchLen >= BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.opts.signal?.aborted) throw canceled('write archive: canceled');
    if (this.batchLen === 0) return;
    const buf = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, this.batchLen);
    this.batch = [];
    this.batchLen = 0;
    this.hash.update(buf);
    this.size += buf.length;
    if (!this.target.write(buf)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          this.target.off('error', onError);
          resolve();
        };
        const onError = (e: unknown) => {
          this.target.off('drain', onDrain);
          reject(e);
        };
        this.target.once('drain', onDrain);
        this.target.once('error', onError);
      });
    }
  }
}

/** Linux's dev_t split (glibc's gnu_dev_major/minor), for the 32 low bits Node gives exactly. */
export function devNumbers(rdev: number): { major: number; minor: number } {
  const low = rdev >>> 0;
  const high = Math.floor(rdev / 2 ** 32) >>> 0;
  return {
    major: ((low >>> 8) & 0xfff) | (high & ~0xfff),
    minor: (low & 0xff) | ((low >>> 12) & 0xfff00),
  };
}

/** Tar entry type of a file, or undefined for what tar cannot hold (sockets). */
export function entryType(st: Stats): TarEntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return undefined;
}

/**
 * The header for a file as it is on disk, in reproducible form: no user/group names, mtime in whole seconds
 * (Docker truncates too), no atime/ctime. `xattrs` should already exclude overlayfs' own.
 */
export function headerFromStat(name: string, abs: string, st: Stats, type: TarEntryType, xattrs: Xattrs | undefined): TarHeader {
  const dev = type === 'char' || type === 'block' ? devNumbers(st.rdev) : { major: 0, minor: 0 };
  return {
    name: type === 'dir' ? name + '/' : name,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: type === 'file' ? st.size : 0,
    mtime: Math.floor(st.mtimeMs / 1000),
    linkname: type === 'symlink' ? readlinkSync(abs) : '',
    devmajor: dev.major,
    devminor: dev.minor,
    uname: '',
    gname: '',
    xattrs: xattrs && xattrs.size > 0 ? xattrs : undefined,
  };
}

/** A member with no data: the shape of whiteouts and opaque markers, fixed so diffs are reproducible. */
export function markerHeader(name: string): TarHeader {
  return {
    name,
    type: 'file',
    mode: 0,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    uname: '',
    gname: '',
    xattrs: undefined,
  };
}
