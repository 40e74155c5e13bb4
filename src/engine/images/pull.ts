/**
 * Pull: resolve -> root (index or manifest) -> platform manifests -> configs -> layers, inside a lease, then the
 * image record (containerd's `client.Pull` with its unpacker).
 *
 * Layers download in parallel (default 3 at once) into the content store, each unpacked as soon as its parent is
 * committed. When a layer's parent is ready at the moment its download starts, the download is teed: the same bytes
 * go to the ingest writer and to the layer applier, so download, decompression and extraction overlap. Otherwise
 * the layer is downloaded first and applied from the content store when its parent is done. A resumed download
 * (an ingest left by a killed pull) fetches only the missing bytes (HTTP Range) and is applied from the store.
 *
 * Failure: the snapshot of a layer is committed only after its blob was verified and committed. A pull that fails
 * drops its lease and collects garbage, so nothing it wrote stays; a canceled pull (Ctrl-C) keeps its lease (24 h)
 * so that the next pull resumes; a killed one leaves it behind by nature.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { openWriter } from '../content/helpers.js';
import type { Writer } from '../content/types.js';
import type { Digest } from '../digest.js';
import { shortId } from '../digest.js';
import { canceled, hasCode, invalidArgument, notImplemented } from '../errdefs.js';
import { GC, Nerdctl } from '../labels.js';
import { DEFAULT_LEASE_EXPIRY_MS } from '../leases/with-lease.js';
import type { Storage } from '../metadata/storage.js';
import type { OpContext } from '../op-context.js';
import type { Snapshotter } from '../snapshots/types.js';
import { formatPlatform, hostPlatform, platformMatches, type Platform } from '../platforms.js';
import { formatReference, parseReference, type Reference } from '../reference.js';
import { DEFAULT_MAX_CONCURRENT_DOWNLOADS, fetchBytes, type Descriptor, type Fetcher, type Resolver } from '../remotes/index.js';
import { distributionSourceLabel, ensureLabels, hasBlob, readBytes, storeBytes } from './content-util.js';
import {
  chainIds,
  childLabels,
  configPlatform,
  isIndexType,
  isLayerType,
  isManifestType,
  parseConfig,
  parseIndex,
  parseManifest,
  selectManifests,
  snapshotRefLabel,
  type ImageConfigFile,
  type Manifest,
} from './manifest.js';
import type { ImageStore, ImageSummary } from './store.js';
import type { ImageProgressEvent, LayerStatus, PullOptions, PullResult } from './types.js';
import type { LayerApplier } from './layer-worker.js';
import { chooseUnpackTarget, finishLease, stagingRootOf, summaryOf } from './common.js';
import { applyToStaging, commitStaged, layerSize, snapshotExists, unpackLayer, type StagedLayer, type UnpackLayerSpec } from './unpack.js';

/** What the pipeline needs from the engine. */
export interface PullDeps {
  readonly storage: Storage;
  readonly store: ImageStore;
  readonly resolver: () => Resolver | Promise<Resolver>;
  readonly defaultSnapshotter: string;
  /** Applies layers (in worker threads); default: the calling thread, one layer at a time. */
  readonly applier?: () => Promise<LayerApplier>;
}

/** A platform image found under the root. */
interface PlatformImage {
  readonly manifestDesc: Descriptor;
  readonly manifest: Manifest;
  readonly config: ImageConfigFile;
  readonly platform: Platform;
}

/** A counting semaphore: at most `n` tasks run at once, in arrival order. */
export class Limiter {
  #free: number;
  readonly #queue: (() => void)[] = [];
  constructor(n: number) {
    this.#free = Math.max(1, Math.floor(n));
  }
  /** True when a task given now would wait. */
  get busy(): boolean {
    return this.#free === 0;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#queue.push(r));
    try {
      return await task();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw canceled('operation canceled', { cause: signal.reason });
}

/** Context of one pull run. */
class PullRun {
  readonly ctx: OpContext;
  readonly deps: PullDeps;
  readonly fetcher: Fetcher;
  readonly ref: Reference;
  readonly emit: (e: ImageProgressEvent) => void;
  /** Set when anything was written (a blob, a snapshot). */
  changed = false;
  readonly started = Date.now();
  /** The first failure of any layer task; the others are stopped (canceled) and not reported. */
  firstError: unknown;
  readonly #abort: (reason: unknown) => void;

  constructor(
    ctx: OpContext,
    deps: PullDeps,
    fetcher: Fetcher,
    ref: Reference,
    emit: (e: ImageProgressEvent) => void,
    abort: (reason: unknown) => void,
  ) {
    this.ctx = ctx;
    this.deps = deps;
    this.fetcher = fetcher;
    this.ref = ref;
    this.emit = emit;
    this.#abort = abort;
  }

  /** Runs a layer task; the first one to fail stops all others. */
  track<T>(task: Promise<T>): Promise<T> {
    return task.catch((err: unknown) => {
      if (this.firstError === undefined) {
        this.firstError = err;
        this.#abort(err);
      }
      throw err;
    });
  }

  /** The error to report for a set of settled tasks: the first failure in time. */
  failureOf(results: readonly PromiseSettledResult<unknown>[]): unknown {
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected === undefined) return undefined;
    return this.firstError ?? rejected.reason;
  }

  get content() {
    return this.deps.storage.content;
  }

  layerEvent(desc: Descriptor, status: LayerStatus, current?: number, total?: number): void {
    this.emit({
      kind: 'layer',
      id: shortId(desc.digest),
      digest: desc.digest,
      status,
      ...(current !== undefined ? { current } : {}),
      ...(total !== undefined ? { total } : {}),
    });
  }

  /** Small content (manifest, index, config): from the store when present, else fetched, verified and stored. */
  async small(desc: Descriptor, labels: (bytes: Buffer) => Record<string, string>, kind: string): Promise<Buffer> {
    if (await hasBlob(this.ctx, this.content, desc.digest)) {
      const bytes = await readBytes(this.ctx, this.content, desc);
      await ensureLabels(this.ctx, this.content, desc.digest, labels(bytes));
      return bytes;
    }
    const bytes = await fetchBytes(this.ctx, this.fetcher, desc, 16 << 20);
    await storeBytes(this.ctx, this.content, desc, bytes, labels(bytes), kind);
    this.changed = true;
    return bytes;
  }

  /**
   * Stores a layer blob unless present. With `tee`, and when the download starts from byte 0, the bytes are also
   * handed to `tee` as they arrive; `tee` must call `commit` before it commits anything of its own, and returns
   * only after consuming everything. Returns whether `tee` ran.
   */
  async layerBlob(
    desc: Descriptor,
    labels: Record<string, string>,
    tee?: (chunks: AsyncIterable<Buffer>, commit: () => Promise<void>) => Promise<void>,
  ): Promise<'present' | 'downloaded' | 'teed'> {
    const { ctx, content } = this;
    let w: Writer;
    try {
      w = await openWriter(content, ctx, { ref: `layer-${desc.digest}`, expected: desc.digest, total: desc.size });
    } catch (err) {
      if (!hasCode(err, 'already-exists')) throw err;
      await ensureLabels(ctx, content, desc.digest, labels);
      return 'present';
    }
    this.changed = true;
    let committed = false;
    let it: AsyncIterator<Buffer> | undefined;
    try {
      if (w.offset > desc.size) await w.truncate(0);
      const start = w.offset;
      let stream: Readable | undefined;
      if (start < desc.size) stream = await this.fetcher.fetch(ctx, desc, { offset: start });
      let received = start;
      this.layerEvent(desc, 'downloading', received, desc.size);
      const emit = (n: number) => {
        received += n;
        this.layerEvent(desc, 'downloading', received, desc.size);
      };
      // A failed download (wrong digest, dropped connection) is remembered: a consumer of the tee may only report
      // "corrupt archive" or its own wrapping of it, while the download's error is the one that explains it.
      let downloadError: unknown;
      const source = async function* (): AsyncGenerator<Buffer> {
        if (stream === undefined) return;
        try {
          for await (const c of stream as AsyncIterable<Buffer>) {
            await w.write(c);
            emit(c.length);
            yield c;
          }
        } catch (err) {
          downloadError = err;
          throw err;
        }
      };
      it = source();
      const iter = it;
      const drain = async () => {
        while (!(await iter.next()).done) {
          /* keep downloading */
        }
        if (downloadError !== undefined) throw downloadError;
      };
      const commit = async () => {
        await drain();
        this.layerEvent(desc, 'verifying');
        try {
          await w.commit(desc.size, desc.digest, { labels });
        } catch (err) {
          if (!hasCode(err, 'already-exists')) throw err;
          await ensureLabels(ctx, content, desc.digest, labels);
        }
        committed = true;
        this.layerEvent(desc, 'downloaded');
        ctx.log.debug('pull: blob committed', { digest: desc.digest, ms: Date.now() - this.started });
      };
      if (tee !== undefined && start === 0) {
        // The consumer must not be able to end our download early: it gets an iterable without return().
        const shared: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: () => iter.next() }) };
        try {
          await tee(shared, commit);
        } catch (err) {
          // A bad download (wrong digest) often shows up first as a corrupt archive: report the download's error.
          if (!committed && !hasCode(err, 'canceled')) await drain();
          throw err;
        }
        if (!committed) await commit();
        return 'teed';
      }
      await commit();
      return 'downloaded';
    } catch (err) {
      // Bytes that can never verify must not be resumed from.
      if (!committed && (hasCode(err, 'invalid-argument') || hasCode(err, 'failed-precondition'))) {
        await w.truncate(0).catch(() => {});
      }
      throw err;
    } finally {
      await it?.return?.(undefined).catch(() => {});
      await w.close();
    }
  }
}

/** Resolves what the root descriptor amounts to: the platform images to fetch. */
async function platformImages(run: PullRun, root: Descriptor, options: PullOptions): Promise<PlatformImage[]> {
  const manifestDescs: Descriptor[] = [];
  if (isIndexType(root.mediaType)) {
    const bytes = await run.small(root, (b) => childLabels(root.mediaType, b, root.digest), 'index');
    const index = parseIndex(bytes, root.digest);
    manifestDescs.push(
      ...selectManifests(index, {
        ...(options.platforms !== undefined ? { platforms: options.platforms } : {}),
        ...(options.allPlatforms ? { all: true } : {}),
      }),
    );
  } else if (isManifestType(root.mediaType)) {
    manifestDescs.push(root);
  } else if (root.mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) {
    throw notImplemented('Docker image format v1 (schema 1) is not supported; push the image again with a current client');
  } else {
    throw invalidArgument(`unsupported manifest media type "${root.mediaType}"`);
  }
  const out: PlatformImage[] = [];
  for (const desc of manifestDescs) {
    throwIfAborted(run.ctx.signal);
    if (isIndexType(desc.mediaType)) {
      // A nested index (rare): take the host's entry of it.
      out.push(...(await platformImages(run, desc, { ...options, allPlatforms: false })));
      continue;
    }
    const bytes = await run.small(desc, (b) => childLabels(desc.mediaType, b, desc.digest), 'manifest');
    const manifest = parseManifest(bytes, desc.mediaType, desc.digest);
    const sourceLabel = { [distributionSourceLabel(run.ref.domain)]: run.ref.path };
    const configBytes = await run.small(manifest.config, () => sourceLabel, 'config');
    const config = parseConfig(configBytes, manifest.config.digest);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw invalidArgument(
        `image config ${manifest.config.digest}: ${config.rootfs.diff_ids.length} diff IDs for ${manifest.layers.length} layers`,
      );
    }
    for (const l of manifest.layers) {
      if (!isLayerType(l.mediaType)) throw notImplemented(`layer ${l.digest}: unsupported media type "${l.mediaType}"`);
    }
    out.push({ manifestDesc: desc, manifest, config, platform: configPlatform(config) });
  }
  return out;
}

/** Downloads every layer of `images` and unpacks those of `target`; returns the target's per-layer sizes. */
async function fetchLayers(
  run: PullRun,
  images: readonly PlatformImage[],
  target: PlatformImage | undefined,
  snapshotter: string | undefined,
  limit: Limiter,
  quietExisting = false,
): Promise<number[]> {
  const { ctx, deps } = run;
  const sn = snapshotter === undefined ? undefined : deps.storage.snapshotterFor(snapshotter);
  const sourceLabel = { [distributionSourceLabel(run.ref.domain)]: run.ref.path };
  const labelsOf = (diffId: Digest) => ({ [GC.uncompressed]: diffId, ...sourceLabel });
  const tasks: Promise<unknown>[] = [];
  const sizes: number[] = [];
  const seen = new Set<string>();

  const applier = sn !== undefined && deps.applier !== undefined ? await deps.applier() : undefined;
  if (target !== undefined && sn !== undefined && sn.name === 'overlayfs' && applier !== undefined && applier.parallelism > 1) {
    tasks.push(fetchParallel(run, target, sn, applier, limit, labelsOf, sizes, quietExisting));
    target.manifest.layers.forEach((l) => seen.add(l.digest));
  } else if (target !== undefined && sn !== undefined) {
    const diffIds = target.config.rootfs.diff_ids;
    const chains = chainIds(diffIds);
    const done: boolean[] = [];
    let previous: Promise<unknown> = Promise.resolve();
    target.manifest.layers.forEach((desc, i) => {
      seen.add(desc.digest);
      const spec = {
        digest: desc.digest,
        diffId: diffIds[i]!,
        chainId: chains[i]!,
        ...(i > 0 ? { parent: chains[i - 1]! } : {}),
      };
      const parentDone = previous;
      const fromStore = () => async function* (): AsyncGenerator<Buffer> {
        yield* (await run.content.createReadStream(ctx, desc)) as AsyncIterable<Buffer>;
      }();
      const task = (async () => {
        if (await snapshotExists(ctx, sn, spec.chainId)) {
          sizes[i] = (await layerSize(ctx, sn, spec.chainId)) ?? 0;
          // The blob is needed too (push, save); it is normally there already.
          if (!(await hasBlob(ctx, run.content, desc.digest))) await limit.run(() => run.layerBlob(desc, labelsOf(spec.diffId)));
          // Docker prints nothing per layer when the image itself is already there.
          if (!quietExisting) run.layerEvent(desc, 'exists');
          return;
        }
        run.layerEvent(desc, 'pulling');
        if (limit.busy) run.layerEvent(desc, 'waiting');
        const got = await limit.run(() => {
          throwIfAborted(ctx.signal);
          const parentReady = i === 0 || done[i - 1] === true;
          if (!parentReady) return run.layerBlob(desc, labelsOf(spec.diffId));
          return run.layerBlob(desc, labelsOf(spec.diffId), async (chunks, commit) => {
            run.layerEvent(desc, 'extracting');
            const r = await unpackLayer(ctx, sn, spec, () => chunks, { beforeCommit: commit, ...(applier !== undefined ? { applier } : {}) });
            sizes[i] = r.size ?? 0;
            if (r.applied) run.changed = true;
          });
        });
        if (got !== 'teed') {
          await parentDone;
          throwIfAborted(ctx.signal);
          run.layerEvent(desc, 'extracting');
          const r = await unpackLayer(ctx, sn, spec, fromStore, applier !== undefined ? { applier } : {});
          sizes[i] = r.size ?? 0;
          if (r.applied) run.changed = true;
        }
        run.layerEvent(desc, 'complete');
      })();
      task.then(
        () => (done[i] = true),
        () => {},
      );
      // The next layer may unpack once this one is committed; a failure here fails it too.
      previous = task;
      tasks.push(task);
    });
  }
  // Layers of other platforms (--all-platforms): stored, not unpacked.
  for (const img of images) {
    if (img === target) continue;
    img.manifest.layers.forEach((desc, i) => {
      if (seen.has(desc.digest)) return;
      seen.add(desc.digest);
      tasks.push(
        limit.run(async () => {
          throwIfAborted(ctx.signal);
          await run.layerBlob(desc, labelsOf(img.config.rootfs.diff_ids[i]!));
          run.layerEvent(desc, 'complete');
        }),
      );
    });
  }
  if (target !== undefined && sn === undefined) {
    target.manifest.layers.forEach((desc, i) => {
      if (seen.has(desc.digest)) return;
      seen.add(desc.digest);
      tasks.push(
        limit.run(async () => {
          throwIfAborted(ctx.signal);
          await run.layerBlob(desc, labelsOf(target.config.rootfs.diff_ids[i]!));
          run.layerEvent(desc, 'complete');
        }),
      );
    });
  }
  // Wait for everything to stop before reporting the first failure (the caller cleans up after us).
  const results = await Promise.allSettled(tasks.map((t) => run.track(t)));
  const failure = run.failureOf(results);
  if (failure !== undefined) throw failure;
  return sizes;
}

/**
 * overlayfs with worker threads: every missing layer downloads (three at once) and streams straight into a worker
 * that applies it to a staging directory of its own, so layers are applied in parallel as they arrive; the staged
 * layers are then committed bottom up, each once its blob is verified and its parent committed. A layer that cannot
 * be applied on its own (a hard link into a lower layer) is applied again in place after its parent.
 */
async function fetchParallel(
  run: PullRun,
  target: PlatformImage,
  sn: Snapshotter,
  applier: LayerApplier,
  limit: Limiter,
  labelsOf: (diffId: Digest) => Record<string, string>,
  sizes: number[],
  quietExisting: boolean,
): Promise<void> {
  const { ctx } = run;
  const stagingRoot = stagingRootOf(run.deps.storage, sn.name);
  const diffIds = target.config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const specs: UnpackLayerSpec[] = target.manifest.layers.map((desc, i) => ({
    digest: desc.digest,
    diffId: diffIds[i]!,
    chainId: chains[i]!,
    ...(i > 0 ? { parent: chains[i - 1]! } : {}),
  }));
  const fromStore = (desc: Descriptor) =>
    (async function* (): AsyncGenerator<Buffer> {
      yield* (await run.content.createReadStream(ctx, desc)) as AsyncIterable<Buffer>;
    })();
  type Outcome = { kind: 'exists' } | { kind: 'staged'; staged: StagedLayer } | { kind: 'retry' };
  const outcomes = target.manifest.layers.map(async (desc, i): Promise<Outcome> => {
    const spec = specs[i]!;
    if (await snapshotExists(ctx, sn, spec.chainId)) {
      sizes[i] = (await layerSize(ctx, sn, spec.chainId)) ?? 0;
      if (!(await hasBlob(ctx, run.content, desc.digest))) await limit.run(() => run.layerBlob(desc, labelsOf(spec.diffId)));
      if (!quietExisting) run.layerEvent(desc, 'exists');
      return { kind: 'exists' };
    }
    run.layerEvent(desc, 'pulling');
    if (limit.busy) run.layerEvent(desc, 'waiting');
    let staged: StagedLayer | undefined;
    let applyError: unknown;
    const apply = async (input: AsyncIterable<Buffer>) => {
      run.layerEvent(desc, 'extracting');
      try {
        staged = await applyToStaging(ctx, applier, stagingRoot, input);
      } catch (err) {
        if (hasCode(err, 'canceled')) throw err;
        applyError = err;
      }
    };
    const got = await limit.run(() => {
      throwIfAborted(ctx.signal);
      return run.layerBlob(desc, labelsOf(spec.diffId), async (chunks, commit) => {
        await apply(chunks);
        // The blob is verified and committed before anything of the layer is.
        await commit();
      });
    });
    if (got !== 'teed') await apply(fromStore(desc));
    ctx.log.debug('pull: layer staged', { digest: desc.digest, teed: got === 'teed', ms: Date.now() - run.started });
    if (staged === undefined) {
      ctx.log.debug('layer could not be applied on its own; applying it in place', { digest: desc.digest, error: applyError });
      return { kind: 'retry' };
    }
    return { kind: 'staged', staged };
  });
  // Settle everything first, so that no download or worker is left running when an error is reported.
  const settled = await Promise.allSettled(outcomes.map((o) => run.track(o)));
  let failure: unknown = run.failureOf(settled);
  for (let i = 0; i < specs.length; i++) {
    const r = settled[i]!;
    if (r.status !== 'fulfilled') continue;
    const o = r.value;
    if (failure !== undefined || o.kind === 'exists') {
      if (o.kind === 'staged') await rm(o.staged.dir, { recursive: true, force: true }).catch(() => {});
      continue;
    }
    const desc = target.manifest.layers[i]!;
    try {
      throwIfAborted(ctx.signal);
      const res =
        o.kind === 'staged'
          ? await commitStaged(ctx, sn, specs[i]!, o.staged)
          : await unpackLayer(ctx, sn, specs[i]!, () => fromStore(desc), { applier });
      sizes[i] = res.size ?? 0;
      if (res.applied) run.changed = true;
      run.layerEvent(desc, 'complete');
    } catch (err) {
      failure = err;
    }
  }
  if (failure !== undefined) throw failure;
}

/** Pulls `refText`; see the file header. */
export async function pullImage(ctx: OpContext, deps: PullDeps, refText: string, options: PullOptions = {}): Promise<PullResult> {
  const t0 = Date.now();
  const ref = parseReference(refText);
  const name = formatReference(ref);
  const resolver = await deps.resolver();
  const emit = options.onProgress ?? (() => {});
  const { descriptor: root } = await resolver.resolve(ctx, name);
  emit({ kind: 'resolved', name, path: ref.path, tagOrDigest: ref.digest ?? ref.tag ?? 'latest', digest: root.digest });
  ctx.log.debug('pull: resolved', { name, digest: root.digest, ms: Date.now() - t0 });

  const existing = deps.store.get(ctx.namespace, name);
  // Worker threads load while manifests and configs are fetched.
  if (options.unpack !== false) void deps.applier?.().then((a) => a.warm(), () => {});
  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const lease = await deps.storage.leases.create(ctx, {
    expiresInMs: DEFAULT_LEASE_EXPIRY_MS,
    labels: { [Nerdctl.leasePurpose]: `pull ${name}`.slice(0, 200) },
  });
  const lctx: OpContext = { ...ctx, lease: lease.id, signal: controller.signal };
  const run = new PullRun(lctx, deps, resolver.fetcher(lctx, name), ref, emit, (reason) => controller.abort(reason));
  let outcome: 'ok' | 'canceled' | 'failed' = 'failed';
  try {
    const images = await platformImages(run, root, options);
    ctx.log.debug('pull: manifests and configs stored', { ms: Date.now() - t0 });
    const unpack = options.unpack !== false;
    const target = chooseUnpackTarget(images, options.platforms);
    const snapshotter = unpack ? (options.snapshotter ?? deps.defaultSnapshotter) : undefined;
    const limit = new Limiter(options.maxConcurrentDownloads ?? DEFAULT_MAX_CONCURRENT_DOWNLOADS);
    let sizes: number[] | undefined;
    try {
      sizes = await fetchLayers(run, images, target, snapshotter, limit, existing?.target.digest === root.digest);
    } catch (err) {
      controller.abort(err);
      throw err;
    }
    ctx.log.debug('pull: layers stored and unpacked', { ms: Date.now() - t0 });
    if (target !== undefined && snapshotter !== undefined) {
      const chains = chainIds(target.config.rootfs.diff_ids);
      const top = chains[chains.length - 1];
      if (top !== undefined) {
        await ensureLabels(lctx, deps.storage.content, target.manifest.config.digest, { [snapshotRefLabel(snapshotter)]: top });
      }
    }
    const summary = target === undefined ? {} : summaryOf(target, snapshotter !== undefined ? sizes : undefined);
    const put = deps.store.put(ctx.namespace, { name, target: root, summary, repoDigest: root.digest, source: 'pull' });
    ctx.log.debug('pull: image recorded', { ms: Date.now() - t0 });
    outcome = 'ok';
    const upToDate = existing !== undefined && existing.target.digest === root.digest && !run.changed;
    return { image: put.record, name, digest: root.digest, status: upToDate ? 'up-to-date' : 'downloaded' };
  } catch (err) {
    // Only the user's cancel keeps the lease for a resume; a failure that stopped the other downloads is a failure.
    if (ctx.signal.aborted) outcome = 'canceled';
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await finishLease(ctx, deps.storage, lease.id, outcome);
  }
}
