/**
 * Re-encoding a layer blob: whatever compression comes in, the uncompressed tar's diffID and the bytes the
 * caller wants to store (gzip or plain) with their digest, in one pass. For `import` of a rootfs tar and
 * `load` of docker-archive layers, which are plain tars that must become gzip blobs.
 */
import type { Writable } from 'node:stream';
import { EngineError, wrap } from '../errdefs.js';
import { openDecompressed, type Compression } from './compression.js';
import { TarWriter, type TarOutputOptions, type TarOutputResult } from './tar-writer.js';

export type CompressLayerOptions = TarOutputOptions;

/**
 * Streams `input` (any supported compression) to `out`, compressed as `opts.compression` asks (default
 * none), and returns the digests. The input is not parsed: it is taken to be a tar. Errors of `input` and
 * `out` pass through; corrupt compression is invalid-argument, prefixed `compress layer: `.
 */
export async function compressLayer(
  input: AsyncIterable<Buffer | Uint8Array>,
  out: Writable,
  opts: CompressLayerOptions = {},
): Promise<TarOutputResult & { inputCompression: Compression }> {
  const writer = new TarWriter(out, opts);
  try {
    const d = await openDecompressed(input);
    for await (const chunk of d.chunks) await writer.data(chunk);
    return { ...(await writer.finish({ endOfArchive: false })), inputCompression: d.compression };
  } catch (err) {
    writer.destroy(err instanceof Error ? err : new Error(String(err)));
    if (err instanceof EngineError) throw wrap(err, 'compress layer');
    throw err;
  }
}
