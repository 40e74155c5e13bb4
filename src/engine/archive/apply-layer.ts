/**
 * Applying archives to directories: {@link applyLayer} for image layers (OCI whiteouts), {@link extractTree}
 * for plain archives (`cp` into a container, `ADD` of a local tar).
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import type { Digest } from '../digest.js';
import { canceled, EngineError, invalidArgument, isErrno, notFound, wrap } from '../errdefs.js';
import type { Logger } from '../log.js';
import { openDecompressed, type Compression } from './compression.js';
import { Extractor, type ExtractorOptions } from './extractor.js';
import { TarReader } from './tar-reader.js';

export interface ApplyLayerOptions {
  /**
   * `overlay`: `targetDir` is an overlay snapshot's (empty) upper directory stacked on the parent layers;
   * `.wh.x` becomes an overlay whiteout (0:0 character device) and `.wh..wh..opq` sets
   * `trusted.overlay.opaque=y` on its directory.
   * `remove`: `targetDir` already holds the parent layers' files (native snapshotter); whiteouts delete and
   * opaque directories lose everything the layer itself does not add.
   */
  whiteoutMode: 'overlay' | 'remove';
  /**
   * Overlay mode only: the snapshot's lower directories, topmost first. Needed only for a hard link whose
   * target lives in a lower layer (the file is copied up); without them such a layer fails.
   */
  lowerDirs?: readonly string[];
  /** False when `input` is already an uncompressed tar (skips magic-byte detection). Default true. */
  decompress?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

export interface ApplyLayerResult {
  /** sha256 of the uncompressed stream (all of it, including any padding after the end-of-archive marker). */
  diffId: Digest;
  uncompressedSize: number;
  /** What the input was compressed with, as detected from its magic bytes. */
  compression: Compression;
  /** Archive members seen. */
  entries: number;
}

export interface ExtractTreeOptions {
  /** Keep the archive's uid/gid (`docker cp -a`, `ADD` of a tar). Default false: entries belong to us (root). */
  sameOwner?: boolean;
  /** Give every entry this owner instead (`--chown`). */
  owner?: { uid: number; gid: number };
  /** Refuse to replace a directory by a non-directory or the reverse, as `docker cp` does. Default false. */
  noOverwriteDirNonDir?: boolean;
  /** False when `input` is already an uncompressed tar. Default true. */
  decompress?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

export type ExtractTreeResult = ApplyLayerResult;

type Input = AsyncIterable<Buffer | Uint8Array>;

function targetRoot(targetDir: string): string {
  try {
    const root = realpathSync(targetDir);
    if (!statSync(root).isDirectory()) throw invalidArgument(`target "${targetDir}" is not a directory`);
    return root;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound({ kind: 'file', ref: targetDir });
    throw err;
  }
}

async function run(input: Input, root: string, opts: ExtractorOptions, label: string, detect: boolean): Promise<ApplyLayerResult> {
  const ex = new Extractor(root, opts);
  const reader = new TarReader(ex);
  const hash = createHash('sha256');
  let size = 0;
  let compression: Compression = 'none';
  try {
    const d = await openDecompressed(input, { detect });
    compression = d.compression;
    for await (const chunk of d.chunks) {
      hash.update(chunk);
      size += chunk.length;
      // After the end-of-archive marker the rest is only hashed: it is part of the diffID.
      if (!reader.done) {
        const p = reader.write(chunk);
        if (p) await p;
      }
      if (opts.signal?.aborted) throw canceled('canceled');
    }
    reader.finish();
    await ex.finish();
  } catch (err) {
    ex.abort();
    if (err instanceof EngineError) throw wrap(err, label);
    // Errors of the input stream itself (network, content store) keep their identity for the caller.
    throw err;
  }
  return { diffId: `sha256:${hash.digest('hex')}`, uncompressedSize: size, compression, entries: reader.entries };
}

/**
 * Applies one image layer (gzip, zstd or plain tar, detected from its first bytes) to `targetDir` while it
 * streams in, and returns its diffID. Preserves regular files, directories, symlinks, hard links (also to
 * files of lower layers), devices and fifos, ownership, permission bits including setuid/setgid/sticky,
 * mtimes (directories last) and xattrs (`SCHILY.xattr.*`; `trusted.overlay.*` from an archive is ignored).
 *
 * Errors (all EngineErrors prefixed `apply layer: `, except errors raised by `input` itself, which pass
 * through unchanged):
 * - invalid-argument: corrupt compression, malformed or truncated tar (`unexpected end of archive`), an entry
 *   or hard link escaping `targetDir` (`..` above the root), an entry under a non-directory;
 * - canceled: `signal` fired; permission-denied / unavailable: the filesystem refused (EPERM, ENOSPC);
 * - not-implemented: GNU sparse entries, or a missing helper binary (`mknod`, `setfattr`);
 * - not-found: `targetDir` does not exist.
 * On any error `targetDir` is left half-written; the caller discards the snapshot. Symlinks in `targetDir`
 * (from lower layers or earlier entries) are resolved inside it, so nothing is ever written outside it.
 */
export async function applyLayer(input: Input, targetDir: string, opts: ApplyLayerOptions): Promise<ApplyLayerResult> {
  const root = targetRoot(targetDir);
  return run(
    input,
    root,
    {
      whiteouts: opts.whiteoutMode,
      sameOwner: true,
      lowerDirs: opts.lowerDirs,
      signal: opts.signal,
      log: opts.log,
    },
    'apply layer',
    opts.decompress !== false,
  );
}

/**
 * Extracts a plain archive (any supported compression) into `targetDir`, confined to it like
 * {@link applyLayer} but without whiteout processing: `.wh.` names are ordinary files here. Errors as for
 * applyLayer, prefixed `extract archive: `; with `noOverwriteDirNonDir`, replacing a directory by a file or
 * the reverse is a conflict.
 */
export async function extractTree(input: Input, targetDir: string, opts: ExtractTreeOptions = {}): Promise<ExtractTreeResult> {
  const root = targetRoot(targetDir);
  return run(
    input,
    root,
    {
      whiteouts: 'none',
      sameOwner: opts.sameOwner ?? false,
      owner: opts.owner,
      noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
      signal: opts.signal,
      log: opts.log,
    },
    'extract archive',
    opts.decompress !== false,
  );
}
