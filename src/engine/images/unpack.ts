/**
 * Unpacking layers into snapshots named by chain ID (containerd's unpacker and `rootfs.ApplyLayers`).
 *
 * One layer: prepare an active snapshot on the parent chain, write the layer straight into its directory (the
 * overlay upper dir, or the native copy; nothing is mounted), check the diffID against the config, commit it under
 * its chain ID. Snapshots are shared: a chain ID that exists already is not unpacked again, and when another
 * process commits the same chain ID first (two pulls of one image at once) our copy is dropped and theirs used.
 *
 * The input is the compressed layer blob as it streams in, from the registry (pull tees the download into here)
 * or from the content store. Decompression, the diffID hash, the layer's file-size count (Docker's layer size)
 * and extraction all happen in one pass.
 */
import { randomBytes } from 'node:crypto';
import { applyLayer } from '../archive/apply-layer.js';
import { openDecompressed } from '../archive/compression.js';
import { TarReader, type TarSink } from '../archive/tar-reader.js';
import type { TarHeader } from '../archive/tar-header.js';
import type { Digest } from '../digest.js';
import { hasCode, internal, invalidArgument } from '../errdefs.js';
import { GC, Nerdctl } from '../labels.js';
import type { ContentStore } from '../content/types.js';
import { mountLayout } from '../mount/mount.js';
import type { OpContext } from '../op-context.js';
import type { Snapshotter } from '../snapshots/types.js';

/** One layer to unpack. */
export interface UnpackLayerSpec {
  /** The blob, for messages. */
  readonly digest: Digest;
  /** The uncompressed digest the config names (verified). */
  readonly diffId: Digest;
  /** Snapshot name of this layer on its parents. */
  readonly chainId: Digest;
  /** Chain ID of the layer below, absent for the base layer. */
  readonly parent?: Digest;
}

/** Options of {@link unpackLayer}. */
export interface UnpackLayerOptions {
  /**
   * Runs after the layer was applied and its diffID checked, before the snapshot is committed: a pull commits the
   * downloaded blob here, so that no snapshot ever exists whose blob failed verification.
   */
  beforeCommit?: () => Promise<void>;
}

/** What {@link unpackLayer} did. */
export interface UnpackLayerResult {
  /** False when the snapshot existed already (or another process committed it first). */
  readonly applied: boolean;
  /** The layer's size as Docker counts it (regular files and symlinks, hard links once). */
  readonly size: number | undefined;
}

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

  /** Feeds a chunk of the uncompressed tar. Sizes are best effort: a malformed tar is the extractor's to report. */
  write(chunk: Buffer): void {
    if (this.#reader.done) return;
    try {
      void this.#reader.write(chunk);
    } catch {
      // The extractor parses the same bytes and reports the problem properly.
    }
  }
}

/** The label on a committed layer snapshot holding its size (see {@link LayerSizeCounter}). */
export const LAYER_SIZE_LABEL = Nerdctl.layerSize;

/** True when the snapshotter has `name` committed. */
export async function snapshotExists(ctx: OpContext, sn: Snapshotter, name: string): Promise<boolean> {
  try {
    const info = await sn.stat(ctx, name);
    return info.kind === 'committed';
  } catch (err) {
    if (hasCode(err, 'not-found')) return false;
    throw err;
  }
}

/** The recorded size of a committed layer snapshot: its label, else its disk usage. */
export async function layerSize(ctx: OpContext, sn: Snapshotter, chainId: string): Promise<number | undefined> {
  try {
    const info = await sn.stat(ctx, chainId);
    const v = Number(info.labels[LAYER_SIZE_LABEL]);
    if (Number.isSafeInteger(v) && v >= 0) return v;
    return (await sn.usage(ctx, chainId)).size;
  } catch (err) {
    if (hasCode(err, 'not-found')) return undefined;
    throw err;
  }
}

/**
 * Unpacks one layer from `input` (its compressed bytes) unless the snapshot exists. `input` is only iterated when
 * the layer is applied. Errors: invalid-argument (corrupt archive, diffID mismatch), errors of `input` unchanged,
 * canceled; the active snapshot is removed on any failure, so nothing half-written remains.
 */
export async function unpackLayer(
  ctx: OpContext,
  sn: Snapshotter,
  layer: UnpackLayerSpec,
  input: () => AsyncIterable<Buffer>,
  options: UnpackLayerOptions = {},
): Promise<UnpackLayerResult> {
  if (await snapshotExists(ctx, sn, layer.chainId)) return { applied: false, size: await layerSize(ctx, sn, layer.chainId) };
  const key = `extract-${process.pid}-${randomBytes(4).toString('hex')}-${layer.chainId}`;
  const mounts = await sn.prepare(ctx, key, layer.parent);
  let committed = false;
  try {
    const layout = mountLayout(mounts);
    let target: string;
    let lowerDirs: string[] = [];
    if (layout?.type === 'dir' && !layout.readonly) target = layout.dir;
    else if (layout?.type === 'overlay' && layout.upper !== undefined) {
      target = layout.upper;
      lowerDirs = layout.lowers;
    } else throw internal(`snapshotter ${sn.name}: unexpected mounts for unpacking ${layer.chainId}`);

    const counter = new LayerSizeCounter();
    const source = input();
    async function* plain(): AsyncGenerator<Buffer> {
      const d = await openDecompressed(source);
      for await (const c of d.chunks) {
        counter.write(c);
        yield c;
      }
    }
    const res = await applyLayer(plain(), target, {
      // overlayfs: the layer lands in an empty upper dir, whiteouts become overlay whiteouts. native: the dir is a
      // copy of the parent, whiteouts delete.
      whiteoutMode: layout.type === 'overlay' || sn.name === 'overlayfs' ? 'overlay' : 'remove',
      lowerDirs,
      signal: ctx.signal,
      log: ctx.log,
    });
    if (res.diffId !== layer.diffId) {
      throw invalidArgument(`layer ${layer.digest}: uncompressed digest is ${res.diffId}, the image config says ${layer.diffId}`, {
        subject: { kind: 'content', ref: layer.digest },
      });
    }
    await options.beforeCommit?.();
    try {
      await sn.commit(ctx, layer.chainId, key, { labels: { [LAYER_SIZE_LABEL]: String(counter.size) } });
      committed = true;
    } catch (err) {
      if (!hasCode(err, 'already-exists')) throw err;
      // Another process unpacked the same layer first: use theirs.
      ctx.log.debug('layer unpacked concurrently elsewhere', { chainId: layer.chainId });
      return { applied: false, size: counter.size };
    }
    ctx.log.debug('layer unpacked', { chainId: layer.chainId, size: counter.size, entries: res.entries });
    return { applied: true, size: counter.size };
  } finally {
    if (!committed) await sn.remove(ctx, key).catch(() => {});
  }
}

/** What {@link unpackImageLayers} needs to know of an image. */
export interface UnpackImageInput {
  readonly layers: readonly { readonly digest: Digest }[];
  readonly diffIds: readonly Digest[];
  readonly chainIds: readonly Digest[];
  readonly configDigest: Digest;
}

/**
 * Unpacks every layer of an image from the content store into snapshotter `sn` (bottom first, skipping existing
 * chains), then labels the config with the top chain ID so that the snapshots live as long as the image. Returns
 * the per-layer sizes. `onLayer` reports each layer as it starts and ends.
 */
export async function unpackImageLayers(
  ctx: OpContext,
  content: ContentStore,
  sn: Snapshotter,
  image: UnpackImageInput,
  onLayer?: (digest: Digest, status: 'extracting' | 'complete' | 'exists') => void,
): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < image.layers.length; i++) {
    const digest = image.layers[i]!.digest;
    const spec: UnpackLayerSpec = {
      digest,
      diffId: image.diffIds[i]!,
      chainId: image.chainIds[i]!,
      ...(i > 0 ? { parent: image.chainIds[i - 1]! } : {}),
    };
    if (await snapshotExists(ctx, sn, spec.chainId)) {
      sizes.push((await layerSize(ctx, sn, spec.chainId)) ?? 0);
      onLayer?.(digest, 'exists');
      continue;
    }
    onLayer?.(digest, 'extracting');
    const r = await unpackLayer(ctx, sn, spec, () =>
      (async function* () {
        yield* (await content.createReadStream(ctx, { digest })) as AsyncIterable<Buffer>;
      })(),
    );
    sizes.push(r.size ?? (await layerSize(ctx, sn, spec.chainId)) ?? 0);
    onLayer?.(digest, 'complete');
  }
  const top = image.chainIds[image.chainIds.length - 1];
  if (top !== undefined) {
    const key = `${GC.snapshotRefPrefix}${sn.name}`;
    const info = await content.info(ctx, image.configDigest);
    if (info.labels[key] !== top) await content.update(ctx, { digest: image.configDigest, labels: { [key]: top } }, [`labels.${key}`]);
  }
  return sizes;
}
