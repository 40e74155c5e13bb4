/**
 * engine/archive: layer tars in and out.
 *
 * In:  {@link applyLayer} (image layers with OCI whiteouts, into an overlay upper dir or a native copy) and
 *      {@link extractTree} (plain archives: `cp` into a container, `ADD` of a local tar).
 * Out: {@link writeOverlayDiff} (an overlay upper dir as a layer), {@link writeTreeDiff} (native snapshots:
 *      compare with the parent's tree), {@link writeTree} (a whole tree: export, save, cp).
 *
 * Everything streams, detects gzip/zstd/bzip2/xz/plain input by its magic bytes, and returns the sha256 of
 * the uncompressed tar (the diffID). Output is reproducible: the same tree gives the same digest.
 * Helpers used: `setfattr`/`getfattr` (Debian `attr`) for xattrs, `mknod` for device nodes, `zstd`, `bzip2`,
 * `xz` for those formats.
 */
export { applyLayer, extractTree } from './apply-layer.js';
export type { ApplyLayerOptions, ApplyLayerResult, ExtractTreeOptions, ExtractTreeResult } from './apply-layer.js';
export { createDecompressedStream, detectCompression, openDecompressed } from './compression.js';
export type { Compression, Decompressed } from './compression.js';
export { writeOverlayDiff } from './overlay-diff.js';
export type { WriteDiffOptions, WriteDiffResult } from './overlay-diff.js';
export { cleanArchivePath, resolveInRoot } from './root-path.js';
export type { ResolvedPath } from './root-path.js';
export type { TarOutputOptions, TarOutputResult } from './tar-writer.js';
export { writeTreeDiff } from './tree-diff.js';
export { compressLayer } from './compress-layer.js';
export type { CompressLayerOptions } from './compress-layer.js';
export { writeTree } from './write-tree.js';
export type { WriteTreeOptions } from './write-tree.js';
export { WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './whiteout.js';
