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
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../digest.js';
import { hasCode, internal, invalidArgument, isErrno } from '../errdefs.js';
import { GC } from '../labels.js';
import type { ContentStore } from '../content/types.js';
import { mountLayout } from '../mount/mount.js';
import type { OpContext } from '../op-context.js';
import type { Snapshotter } from '../snapshots/types.js';
import { applyLayerStream, type LayerApplyResult } from './layer-apply.js';
import { LAYER_SIZE_LABEL, layerSize, snapshotExists } from './common.js';
import type { LayerApplier } from './layer-worker.js';

export { LAYER_SIZE_LABEL, layerSize, snapshotExists };

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
  /** Where to apply (a worker pool); default: this thread. */
  applier?: LayerApplier;
}

/** What {@link unpackLayer} did. */
export interface UnpackLayerResult {
  /** False when the snapshot existed already (or another process committed it first). */
  readonly applied: boolean;
  /** The layer's size as Docker counts it (regular files and symlinks, hard links once). */
  readonly size: number | undefined;
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
  const started = Date.now();
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

    const opts = {
      // overlayfs: the layer lands in an empty upper dir, whiteouts become overlay whiteouts. native: the dir is a
      // copy of the parent, whiteouts delete.
      whiteoutMode: layout.type === 'overlay' || sn.name === 'overlayfs' ? ('overlay' as const) : ('remove' as const),
      lowerDirs,
      signal: ctx.signal,
      log: ctx.log,
    };
    const res = options.applier !== undefined ? await options.applier.apply(input(), target, opts) : await applyLayerStream(input(), target, opts);
    if (res.diffId !== layer.diffId) {
      throw invalidArgument(`layer ${layer.digest}: uncompressed digest is ${res.diffId}, the image config says ${layer.diffId}`, {
        subject: { kind: 'content', ref: layer.digest },
      });
    }
    await options.beforeCommit?.();
    try {
      await sn.commit(ctx, layer.chainId, key, { labels: { [LAYER_SIZE_LABEL]: String(res.size) } });
      committed = true;
    } catch (err) {
      if (!hasCode(err, 'already-exists')) throw err;
      // Another process unpacked the same layer first: use theirs.
      ctx.log.debug('layer unpacked concurrently elsewhere', { chainId: layer.chainId });
      return { applied: false, size: res.size };
    }
    ctx.log.debug('layer unpacked', { chainId: layer.chainId, size: res.size, entries: res.entries, ms: Date.now() - started });
    return { applied: true, size: res.size };
  } finally {
    if (!committed) await sn.remove(ctx, key).catch(() => {});
  }
}

/** A layer applied into a staging directory, waiting for its parent to be committed. */
export interface StagedLayer {
  readonly dir: string;
  readonly result: LayerApplyResult;
}

const preparedRoots = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

/**
 * Makes the staging directory: created once per data root and marked as an ext2/3/4 "top directory" (`chattr +T`),
 * so that the allocator spreads the directories made in it (one per layer) across block groups instead of packing
 * them next to each other. That keeps each layer's files together, and keeps a pull from having to step over the
 * inodes of a layer deleted moments ago (on ext4 without a journal, allocating a new inode skips every inode freed in
 * the last 30 s, which made file creation a hundred times slower right after an `rmi`). Elsewhere the flag is simply
 * not set. Debris of dead processes (`tmp-<pid>-*`) is removed here, once per process.
 */
async function prepareStagingRoot(root: string): Promise<void> {
  if (preparedRoots.has(root)) return;
  let created = false;
  try {
    mkdirSync(root, { mode: 0o700 });
    created = true;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) {
      mkdirSync(root, { recursive: true, mode: 0o700 });
      created = true;
    }
  }
  if (created) {
    await new Promise<void>((resolve) => execFile('chattr', ['+T', root], () => resolve()));
  } else {
    for (const name of readdirSync(root)) {
      const m = /^tmp-(\d+)-/.exec(name);
      if (m !== null && !pidAlive(Number(m[1]))) await rm(path.join(root, name), { recursive: true, force: true }).catch(() => {});
    }
  }
  preparedRoots.add(root);
}

/**
 * Applies a layer into a fresh directory under `stagingRoot` (on the snapshotter's file system). Only for
 * overlayfs, where a layer's directory does not depend on its parents, so layers can be applied in parallel. The
 * directory is removed on failure.
 */
export async function applyToStaging(
  ctx: OpContext,
  applier: LayerApplier | undefined,
  stagingRoot: string,
  input: AsyncIterable<Buffer>,
): Promise<StagedLayer> {
  await prepareStagingRoot(stagingRoot);
  const dir = path.join(stagingRoot, `tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { mode: 0o755 });
  try {
    const opts = { whiteoutMode: 'overlay' as const, signal: ctx.signal, log: ctx.log };
    const result = applier !== undefined ? await applier.apply(input, dir, opts) : await applyLayerStream(input, dir, opts);
    return { dir, result };
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    throw err;
  }
}

/**
 * Turns a staged layer into the committed snapshot `layer.chainId` on its parent: checks the diffID, prepares the
 * snapshot, moves the staged tree in as its upper directory and commits. A chain ID that exists already (another
 * process was quicker) drops the staged copy. The staging directory is gone afterwards in every case.
 */
export async function commitStaged(ctx: OpContext, sn: Snapshotter, layer: UnpackLayerSpec, staged: StagedLayer): Promise<UnpackLayerResult> {
  let key: string | undefined;
  let committed = false;
  try {
    if (staged.result.diffId !== layer.diffId) {
      throw invalidArgument(`layer ${layer.digest}: uncompressed digest is ${staged.result.diffId}, the image config says ${layer.diffId}`, {
        subject: { kind: 'content', ref: layer.digest },
      });
    }
    if (await snapshotExists(ctx, sn, layer.chainId)) return { applied: false, size: await layerSize(ctx, sn, layer.chainId) };
    key = `extract-${process.pid}-${randomBytes(4).toString('hex')}-${layer.chainId}`;
    const layout = mountLayout(await sn.prepare(ctx, key, layer.parent));
    const upper = layout?.type === 'overlay' ? layout.upper : layout?.type === 'dir' && !layout.readonly ? layout.dir : undefined;
    if (upper === undefined) throw internal(`snapshotter ${sn.name}: unexpected mounts for unpacking ${layer.chainId}`);
    // The fresh snapshot's directory is empty: replace it by the staged tree (same file system: a rename).
    rmdirSync(upper);
    renameSync(staged.dir, upper);
    try {
      await sn.commit(ctx, layer.chainId, key, { labels: { [LAYER_SIZE_LABEL]: String(staged.result.size) } });
      committed = true;
    } catch (err) {
      if (!hasCode(err, 'already-exists')) throw err;
      ctx.log.debug('layer unpacked concurrently elsewhere', { chainId: layer.chainId });
      return { applied: false, size: staged.result.size };
    }
    return { applied: true, size: staged.result.size };
  } finally {
    if (key !== undefined && !committed) await sn.remove(ctx, key).catch(() => {});
    await rm(staged.dir, { recursive: true, force: true }).catch(() => {});
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
  options: UnpackImageOptions = {},
): Promise<number[]> {
  const onLayer = options.onLayer;
  if (options.applier !== undefined && options.stagingRoot !== undefined && sn.name === 'overlayfs' && options.applier.parallelism > 1) {
    await unpackParallel(ctx, content, sn, image, options as Required<Pick<UnpackImageOptions, 'applier' | 'stagingRoot'>> & UnpackImageOptions);
    const sizes: number[] = [];
    for (const c of image.chainIds) sizes.push((await layerSize(ctx, sn, c)) ?? 0);
    await labelConfig(ctx, content, sn, image);
    return sizes;
  }
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
    const r = await unpackLayer(
      ctx,
      sn,
      spec,
      () =>
        (async function* () {
          yield* (await content.createReadStream(ctx, { digest })) as AsyncIterable<Buffer>;
        })(),
      options.applier !== undefined ? { applier: options.applier } : {},
    );
    sizes.push(r.size ?? (await layerSize(ctx, sn, spec.chainId)) ?? 0);
    onLayer?.(digest, 'complete');
  }
  await labelConfig(ctx, content, sn, image);
  return sizes;
}

/** Options of {@link unpackImageLayers}. */
export interface UnpackImageOptions {
  onLayer?: (digest: Digest, status: 'extracting' | 'complete' | 'exists') => void;
  /** Apply in worker threads; with `stagingRoot` and overlayfs, several layers at once. */
  applier?: LayerApplier;
  /** Staging directory on the snapshotter's file system (see {@link applyToStaging}). */
  stagingRoot?: string;
}

/** Labels the config with the top chain ID so that the snapshots live as long as the image. */
async function labelConfig(ctx: OpContext, content: ContentStore, sn: Snapshotter, image: UnpackImageInput): Promise<void> {
  const top = image.chainIds[image.chainIds.length - 1];
  if (top === undefined) return;
  const key = `${GC.snapshotRefPrefix}${sn.name}`;
  const info = await content.info(ctx, image.configDigest);
  if (info.labels[key] !== top) await content.update(ctx, { digest: image.configDigest, labels: { [key]: top } }, [`labels.${key}`]);
}

/**
 * overlayfs: every missing layer is applied at once into staging (as many as the applier has threads), then committed
 * bottom up. A layer that cannot be applied alone (a hard link to a file of a lower layer) is applied again in place
 * once its parent is committed.
 */
async function unpackParallel(
  ctx: OpContext,
  content: ContentStore,
  sn: Snapshotter,
  image: UnpackImageInput,
  options: UnpackImageOptions & { applier: LayerApplier; stagingRoot: string },
): Promise<void> {
  const fromStore = (digest: Digest) =>
    (async function* () {
      yield* (await content.createReadStream(ctx, { digest })) as AsyncIterable<Buffer>;
    })();
  const specs: UnpackLayerSpec[] = image.layers.map((l, i) => ({
    digest: l.digest,
    diffId: image.diffIds[i]!,
    chainId: image.chainIds[i]!,
    ...(i > 0 ? { parent: image.chainIds[i - 1]! } : {}),
  }));
  const staged = await Promise.all(
    specs.map(async (spec) => {
      if (await snapshotExists(ctx, sn, spec.chainId)) {
        options.onLayer?.(spec.digest, 'exists');
        return undefined;
      }
      options.onLayer?.(spec.digest, 'extracting');
      return applyToStaging(ctx, options.applier, options.stagingRoot, fromStore(spec.digest)).then(
        (s) => ({ ok: true as const, s }),
        (err: unknown) => ({ ok: false as const, err }),
      );
    }),
  );
  let failure: unknown;
  for (let i = 0; i < specs.length; i++) {
    const st = staged[i];
    if (st === undefined) continue;
    if (failure !== undefined) {
      if (st.ok) await rm(st.s.dir, { recursive: true, force: true }).catch(() => {});
      continue;
    }
    try {
      if (st.ok) await commitStaged(ctx, sn, specs[i]!, st.s);
      else if (hasCode(st.err, 'canceled')) throw st.err;
      else await unpackLayer(ctx, sn, specs[i]!, () => fromStore(specs[i]!.digest), { applier: options.applier });
      options.onLayer?.(specs[i]!.digest, 'complete');
    } catch (err) {
      failure = err;
    }
  }
  if (failure !== undefined) throw failure;
}
