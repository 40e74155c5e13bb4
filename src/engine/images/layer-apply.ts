/**
 * Applying one compressed layer stream to a directory: decompression, the diffID, Docker's layer size and
 * extraction in one pass. Runs in a layer worker thread (layer-worker.ts) or in the calling thread.
 */
import { applyLayer } from '../archive/apply-layer.js';
import { openDecompressed } from '../archive/compression.js';
import { TarReader, type TarSink } from '../archive/tar-reader.js';
import type { TarHeader } from '../archive/tar-header.js';
import type { Digest } from '../digest.js';
import type { Logger } from '../log.js';

/**
 * Counts the bytes a layer adds the way Docker's layer store reports a layer's size: the sizes of its regular files
 * plus symlink target lengths (hard links count once; directories and whiteouts nothing). Fed the uncompressed tar.
 */
export class LayerSizeCounter {
  size = 0;
  readonly #reader: TarReader;

  constructor() {
    const sink: TarSink = {
      entry: (h: TarHeader) => {
        if (h.type === 'file') this.size += h.size;
        else if (h.type === 'symlink') this.size += Buffer.byteLength(h.linkname);
      },
      data: () => {},
      end: () => {},
    };
    this.#reader = new TarReader(sink);
  }

  /** Feeds a chunk of the uncompressed tar. Best effort: a malformed tar is the extractor's to report. */
  write(chunk: Buffer): void {
    if (this.#reader.done) return;
    try {
      void this.#reader.write(chunk);
    } catch {
      // The extractor parses the same bytes and reports the problem properly.
    }
  }
}

/** How to apply: the whiteout mode and, for overlay upper dirs, the lower dirs (for hard links into them). */
export interface LayerApplyOptions {
  whiteoutMode: 'overlay' | 'remove';
  lowerDirs?: readonly string[];
  signal?: AbortSignal;
  log?: Logger;
}

/** What applying a layer found. */
export interface LayerApplyResult {
  diffId: Digest;
  /** Docker's layer size (see {@link LayerSizeCounter}). */
  size: number;
  entries: number;
}

/** Applies the compressed layer `input` to `target`. Errors as archive/apply-layer.ts `applyLayer`. */
export async function applyLayerStream(input: AsyncIterable<Buffer>, target: string, opts: LayerApplyOptions): Promise<LayerApplyResult> {
  const counter = new LayerSizeCounter();
  async function* plain(): AsyncGenerator<Buffer> {
    const d = await openDecompressed(input);
    for await (const c of d.chunks) {
      counter.write(c);
      yield c;
    }
  }
  const res = await applyLayer(plain(), target, {
    whiteoutMode: opts.whiteoutMode,
    ...(opts.lowerDirs !== undefined ? { lowerDirs: opts.lowerDirs } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    ...(opts.log !== undefined ? { log: opts.log } : {}),
  });
  return { diffId: res.diffId, size: counter.size, entries: res.entries };
}
