/**
 * The image service (contract in types.ts): the composition of records (store.ts), lookup (find.ts), content
 * access (open.ts), pull/push, archives, import, unpacking, mounts and Docker's removal rules.
 */
import type { Readable, Writable } from 'node:stream';
import type { Digest } from '../digest.js';
import { shortId } from '../digest.js';
import { EngineError, hasCode } from '../errdefs.js';
import { Nerdctl } from '../labels.js';
import { eventLogFor } from '../events/event-log.js';
import { imageActor } from '../events/types.js';
import { DEFAULT_LEASE_EXPIRY_MS } from '../leases/with-lease.js';
import type { Platform } from '../platforms.js';
import type { Storage } from '../metadata/storage.js';
import type { OpContext } from '../op-context.js';
import { familiarRepository, familiarString, formatReference, parseReference, parseReferenceRaw, repositoryName } from '../reference.js';
import type { Resolver } from '../remotes/types.js';
import { finishLease, stagingRootOf, summaryOf } from './common.js';
import type { LayerApplier } from './layer-worker.js';
import { findImage, imageKey } from './find.js';
import { dockerInspect, historyRows, repoTags } from './inspect.js';
import { openImage } from './open.js';
import { createImageStore, danglingName, isDanglingName, type ImageRecord, type ImageStore } from './store.js';
import type {
  CreateImageOptions,
  DockerImageInspect,
  EnsureOptions,
  HistoryRow,
  Image,
  ImageContent,
  ImageService,
  ImageUser,
  ImageUsersProvider,
  ImportOptions,
  LoadedImage,
  LoadOptions,
  MountImageOptions,
  PruneOptions,
  PruneResult,
  PullOptions,
  PullResult,
  PushOptions,
  PushResult,
  RemoveOptions,
  RemoveResult,
  SaveOptions,
} from './types.js';
import { layerSize, snapshotExists } from './common.js';

/** What the image service is made of. */
export interface ImageServiceOptions {
  readonly storage: Storage;
  /** The registry client (created on first use). */
  readonly resolver: () => Resolver | Promise<Resolver>;
  /** The snapshotter unpacks go to unless told otherwise (default: the storage's). */
  readonly snapshotter?: string;
  /** Image users (containers); see {@link ImageService.setUsersProvider}. */
  readonly users?: ImageUsersProvider;
  /** Worker threads applying layers (default: by the machine's cores; 0: apply in the calling thread). */
  readonly layerThreads?: number;
}

/** Creates the image service. Cheap: the image table is migrated on first use. */
export function createImageService(options: ImageServiceOptions): ImageService {
  return new Images(options);
}

/** The display name of a record for `Untagged:` lines (`busybox:latest`, `repo@sha256:...`). */
function displayName(name: string): string {
  try {
    return familiarString(parseReferenceRaw(name));
  } catch {
    return name;
  }
}

class Images implements ImageService {
  readonly #storage: Storage;
  readonly #resolver: () => Resolver | Promise<Resolver>;
  readonly #snapshotter: string;
  #users: ImageUsersProvider | undefined;
  #store: ImageStore | undefined;
  #applier: Promise<LayerApplier> | undefined;
  readonly #threads: number | undefined;

  constructor(options: ImageServiceOptions) {
    this.#storage = options.storage;
    this.#resolver = options.resolver;
    this.#snapshotter = options.snapshotter ?? options.storage.snapshotterName;
    this.#users = options.users;
    this.#threads = options.layerThreads;
  }

  /** The layer worker pool, started on first use. */
  #layerApplier = (): Promise<LayerApplier> => {
    this.#applier ??= import('./layer-worker.js').then((m) =>
      m.createLayerApplier({ ...(this.#threads !== undefined ? { threads: this.#threads } : {}), log: this.#storage.db.log }),
    );
    return this.#applier;
  };

  get #images(): ImageStore {
    this.#store ??= createImageStore(this.#storage.db);
    return this.#store;
  }

  // --- events (Docker's image events; see events/types.ts) ---------------------------------------------------
  #emit(ctx: OpContext, action: string, id: string, name: string): void {
    eventLogFor(this.#storage.db).emit(ctx, { type: 'image', action, actor: imageActor(id, name) });
  }

  /** The image ID `ref` names now (before a removal), for untag/delete events. */
  #idOf(ctx: OpContext, ref: string): string | undefined {
    try {
      const r = findImage(this.#images, ctx.namespace, ref).records[0]!;
      return r.summary.id ?? r.target.digest;
    } catch {
      return undefined;
    }
  }

  #emitRemoval(ctx: OpContext, id: string | undefined, r: { untagged: readonly string[]; deleted: readonly string[] }): void {
    if (id === undefined) return;
    for (let i = 0; i < r.untagged.length; i++) this.#emit(ctx, 'untag', id, id);
    if (r.deleted.includes(id)) this.#emit(ctx, 'delete', id, id);
  }
  // ---------------------------------------------------------------------------------------------------------------

  get #deps() {
    return {
      storage: this.#storage,
      store: this.#images,
      resolver: this.#resolver,
      defaultSnapshotter: this.#snapshotter,
      applier: this.#layerApplier,
    };
  }

  setUsersProvider(provider: ImageUsersProvider): void {
    this.#users = provider;
  }

  async #usersOf(ctx: OpContext, records: readonly ImageRecord[]): Promise<readonly ImageUser[]> {
    if (this.#users === undefined || records.length === 0) return [];
    return this.#users(ctx, {
      id: records[0]!.summary.id,
      names: records.map((r) => r.name),
      targets: [...new Set(records.map((r) => r.target.digest))],
    });
  }

  async list(ctx: OpContext): Promise<Image[]> {
    return this.#images.list(ctx.namespace);
  }

  async get(ctx: OpContext, ref: string): Promise<Image> {
    return findImage(this.#images, ctx.namespace, ref).records[0]!;
  }

  async getAll(ctx: OpContext, ref: string): Promise<Image[]> {
    return findImage(this.#images, ctx.namespace, ref).records;
  }

  async open(ctx: OpContext, image: Image | string, options: { platform?: Platform } = {}): Promise<ImageContent> {
    const record = typeof image === 'string' ? await this.get(ctx, image) : image;
    return openImage(ctx, this.#storage.content, record, options.platform);
  }

  async unpack(ctx: OpContext, content: ImageContent, options: { snapshotter?: string } = {}): Promise<{ chainId: Digest; snapshotter: string }> {
    const snapshotter = options.snapshotter ?? this.#snapshotter;
    const sn = this.#storage.snapshotterFor(snapshotter);
    const top = content.chainIds[content.chainIds.length - 1];
    if (top === undefined) throw new EngineError('invalid-argument', `image ${content.id} has no layers`);
    if (!(await snapshotExists(ctx, sn, top))) {
      await this.#leased(ctx, 'unpack', async (lctx) => {
        const { unpackImageLayers } = await import('./unpack.js');
        const sizes = await unpackImageLayers(
          lctx,
          this.#storage.content,
          sn,
          { layers: content.manifest.layers, diffIds: content.diffIds, chainIds: content.chainIds, configDigest: content.id },
          { applier: await this.#layerApplier(), stagingRoot: stagingRootOf(this.#storage, snapshotter) },
        );
        if (content.image.summary.size === undefined) {
          this.#images.updateSummary(ctx.namespace, content.image.target.digest, summaryOf(content, sizes));
        }
      });
    }
    return { chainId: top, snapshotter };
  }

  /** Runs `fn` in a fresh lease, finished as pull.ts does (GC on failure, kept on cancel). */
  async #leased<T>(ctx: OpContext, purpose: string, fn: (lctx: OpContext) => Promise<T>): Promise<T> {
    const lease = await this.#storage.leases.create(ctx, { expiresInMs: DEFAULT_LEASE_EXPIRY_MS, labels: { [Nerdctl.leasePurpose]: purpose } });
    let outcome: 'ok' | 'failed' | 'canceled' = 'failed';
    try {
      const r = await fn({ ...ctx, lease: lease.id });
      outcome = 'ok';
      return r;
    } catch (err) {
      if (hasCode(err, 'canceled')) outcome = 'canceled';
      throw err;
    } finally {
      await finishLease(ctx, this.#storage, lease.id, outcome);
    }
  }

  async ensure(ctx: OpContext, ref: string, options: EnsureOptions = {}): Promise<ImageContent> {
    const policy = options.policy ?? 'missing';
    const platform = options.platform ?? options.platforms?.[0];
    const openOpts = platform !== undefined ? { platform } : {};
    if (policy !== 'always') {
      try {
        return await this.open(ctx, await this.get(ctx, ref), openOpts);
      } catch (err) {
        if (policy === 'never' || !hasCode(err, 'not-found')) throw err;
      }
    }
    const pulled = await this.pull(ctx, ref, { ...options, ...(platform !== undefined ? { platforms: [platform] } : {}) });
    return this.open(ctx, pulled.image, openOpts);
  }

  async pull(ctx: OpContext, ref: string, options: PullOptions = {}): Promise<PullResult> {
    const r = await (await import('./pull.js')).pullImage(ctx, this.#deps, ref, options);
    const parsed = parseReferenceRaw(r.name);
    this.#emit(ctx, 'pull', familiarString(parsed), familiarRepository(parsed));
    return r;
  }

  async push(ctx: OpContext, ref: string, options: PushOptions = {}): Promise<PushResult> {
    const r = await (await import('./push.js')).pushImage(ctx, this.#deps, ref, options);
    const parsed = parseReferenceRaw(r.name);
    this.#emit(ctx, 'push', `${familiarRepository(parsed)}:${r.tag}`, familiarRepository(parsed));
    return r;
  }

  async tag(ctx: OpContext, source: string, target: string): Promise<Image> {
    const name = formatReference(parseReference(target));
    const src = await this.get(ctx, source);
    const put = this.#images.put(ctx.namespace, {
      name,
      target: src.target,
      labels: src.labels,
      summary: src.summary,
      source: 'tag',
    });
    this.#emit(ctx, 'tag', src.summary.id ?? src.target.digest, displayName(name));
    return put.record;
  }

  async remove(ctx: OpContext, ref: string, options: RemoveOptions = {}): Promise<RemoveResult> {
    const id = this.#idOf(ctx, ref);
    const r = await this.#remove(ctx, ref, options);
    this.#emitRemoval(ctx, id, r);
    return r;
  }

  async #remove(ctx: OpContext, ref: string, options: RemoveOptions): Promise<RemoveResult> {
    const ns = ctx.namespace;
    const found = findImage(this.#images, ns, ref);
    const records = found.records;
    const first = records[0]!;
    const id = first.summary.id ?? first.target.digest;
    const named = records.filter((r) => !isDanglingName(r.name));
    const untagged: string[] = [];
    const toDelete: ImageRecord[] = [];
    const users = await this.#usersOf(ctx, records);
    const running = users.find((u) => u.running);

    if (found.byName && named.length > 1) {
      // Another name keeps the image: only this tag goes.
      this.#untag(ns, first, records, untagged);
      return { untagged, deleted: [] };
    }
    if (found.byName) {
      if (users.length > 0) {
        if (!options.force) {
          throw new EngineError(
            'conflict',
            `conflict: unable to remove repository reference "${ref}" (must force) - container ${shortId(users[0]!.id)} is using its referenced image ${shortId(id)}`,
          );
        }
        // Forced: the name goes, the image stays (dangling) for its containers, as in Docker.
        this.#untag(ns, first, records, untagged);
        this.#images.put(ns, { name: danglingName(first.target.digest), target: first.target, summary: first.summary, source: first.source || 'tag' });
        return { untagged, deleted: [] };
      }
      toDelete.push(...records);
    } else {
      const repos = new Set(named.map((r) => repositoryName(parseReferenceRaw(r.name))));
      if (repos.size > 1 && !options.force) {
        throw new EngineError('conflict', `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`);
      }
      if (running !== undefined) {
        throw new EngineError('conflict', `conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`);
      }
      if (users.length > 0 && !options.force) {
        throw new EngineError('conflict', `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${shortId(users[0]!.id)}`);
      }
      toDelete.push(...records);
    }
    const deleted = await this.#deleteImage(ctx, toDelete, untagged, options.gc !== false);
    return { untagged, deleted };
  }

  /** Deletes one record and reports it (plus its repository digest when no other record of the repo keeps it). */
  #untag(ns: string, rec: ImageRecord, all: readonly ImageRecord[], untagged: string[]): void {
    this.#images.delete(ns, rec.name);
    if (isDanglingName(rec.name)) return;
    untagged.push(displayName(rec.name));
    if (rec.repoDigest !== undefined) {
      const repo = familiarRepository(parseReferenceRaw(rec.name));
      const kept = all.some(
        (r) => r.name !== rec.name && !isDanglingName(r.name) && r.repoDigest === rec.repoDigest && familiarRepository(parseReferenceRaw(r.name)) === repo,
      );
      if (!kept) untagged.push(`${repo}@${rec.repoDigest}`);
    }
  }

  /** Removes every record of an image, collects garbage and reports the image ID and layers that went. */
  async #deleteImage(ctx: OpContext, records: readonly ImageRecord[], untagged: string[], gc: boolean): Promise<string[]> {
    const ns = ctx.namespace;
    let content: ImageContent | undefined;
    try {
      content = await openImage(ctx, this.#storage.content, records[0]!);
    } catch {
      // missing content: the record goes anyway
    }
    const remaining = [...records];
    for (const r of records) {
      this.#untag(ns, r, remaining, untagged);
      remaining.splice(remaining.indexOf(r), 1);
    }
    const deleted: string[] = [];
    const id = records[0]!.summary.id ?? content?.id;
    // Another record may still hold the same config under another target (e.g. loaded and pulled copies).
    const stillThere = id !== undefined && this.#images.byId(ns, id).length > 0;
    if (!stillThere && id !== undefined) deleted.push(id);
    if (gc) {
      await this.#storage.gc.collect({ log: ctx.log });
      if (content !== undefined && !stillThere) {
        const sn = this.#storage.snapshotterFor(this.#snapshotter);
        for (const chain of [...content.chainIds].reverse()) {
          if (!(await snapshotExists(ctx, sn, chain))) deleted.push(chain);
        }
      }
    }
    return deleted;
  }

  async prune(ctx: OpContext, options: PruneOptions = {}): Promise<PruneResult> {
    const ns = ctx.namespace;
    const groups = new Map<string, ImageRecord[]>();
    for (const r of this.#images.list(ns)) {
      const k = imageKey(r);
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const untagged: string[] = [];
    const deleted: string[] = [];
    let any = false;
    for (const records of groups.values()) {
      const dangling = records.every((r) => isDanglingName(r.name));
      if (!options.all && !dangling) continue;
      if (options.until !== undefined) {
        const created = records[0]!.summary.created !== undefined ? Date.parse(records[0]!.summary.created) : NaN;
        if (!(created < options.until.getTime())) continue;
      }
      if (options.labelMatch !== undefined) {
        let labels: Record<string, string> = {};
        try {
          labels = ((await openImage(ctx, this.#storage.content, records[0]!)).config.config?.Labels ?? {}) as Record<string, string>;
        } catch {
          // unreadable config: no labels
        }
        if (!options.labelMatch(labels)) continue;
      }
      if ((await this.#usersOf(ctx, records)).length > 0) continue;
      const before = untagged.length;
      const gone = await this.#deleteImage(ctx, records, untagged, false);
      this.#emitRemoval(ctx, records[0]!.summary.id ?? records[0]!.target.digest, { untagged: untagged.slice(before), deleted: gone });
      deleted.push(...gone);
      any = true;
    }
    let reclaimed = 0;
    if (any) {
      const r = await this.#storage.gc.collect({ log: ctx.log, measureSnapshots: true });
      reclaimed = r.blobBytes + r.snapshotBytes;
    }
    eventLogFor(this.#storage.db).emit(ctx, { type: 'image', action: 'prune', actor: { id: '', attributes: { reclaimed: String(reclaimed) } } });
    return { untagged, deleted, reclaimed };
  }

  async inspect(ctx: OpContext, ref: string): Promise<DockerImageInspect> {
    const records = await this.getAll(ctx, ref);
    const content = await openImage(ctx, this.#storage.content, records[0]!);
    const sizes = await this.#layerSizes(ctx, content);
    const graphData = this.#graphData(ctx, content);
    return dockerInspect({
      content,
      records,
      size: sizes.reduce((a, b) => a + b, 0),
      snapshotter: this.#snapshotter,
      ...(graphData !== undefined ? { graphData } : {}),
    });
  }

  /**
   * Docker's GraphDriver.Data for an unpacked image on overlayfs: the top layer as UpperDir (with WorkDir and
   * MergedDir beside it, as Docker names them), the others as LowerDir. Read from the snapshot records; undefined
   * when not unpacked or not overlayfs.
   */
  #graphData(ctx: OpContext, content: ImageContent): Record<string, string> | undefined {
    if (this.#snapshotter !== 'overlayfs') return undefined;
    try {
      const root = `${this.#storage.dataRoot}/snapshots/overlayfs`;
      const ids = content.chainIds.map(
        (c) =>
          (this.#storage.db.prepare('SELECT id FROM snapshots WHERE namespace = ? AND snapshotter = ? AND key = ?').get(ctx.namespace, 'overlayfs', c) as
            | { id: number }
            | undefined)?.id,
      );
      if (ids.length === 0 || ids.some((i) => i === undefined)) return undefined;
      const dirs = ids.map((i) => `${root}/${i}`).reverse();
      const data: Record<string, string> = {};
      if (dirs.length > 1) data.LowerDir = dirs.slice(1).map((d) => `${d}/fs`).join(':');
      data.MergedDir = `${dirs[0]}/merged`;
      data.UpperDir = `${dirs[0]}/fs`;
      data.WorkDir = `${dirs[0]}/work`;
      return data;
    } catch {
      return undefined;
    }
  }

  /** Per-layer sizes: cached on the record, else from the snapshots. */
  async #layerSizes(ctx: OpContext, content: ImageContent): Promise<number[]> {
    const cached = content.image.summary.layerSizes;
    if (cached !== undefined && cached.length === content.chainIds.length && content.image.summary.id === content.id) return cached;
    const sn = this.#storage.snapshotterFor(this.#snapshotter);
    const out: number[] = [];
    for (const c of content.chainIds) out.push((await layerSize(ctx, sn, c)) ?? 0);
    return out;
  }

  async history(ctx: OpContext, ref: string): Promise<HistoryRow[]> {
    const records = await this.getAll(ctx, ref);
    const content = await openImage(ctx, this.#storage.content, records[0]!);
    return historyRows(content, await this.#layerSizes(ctx, content), repoTags(records));
  }

  async save(ctx: OpContext, refs: readonly string[], out: Writable, options: SaveOptions = {}): Promise<void> {
    const ids = refs.map((ref) => this.#idOf(ctx, ref));
    await (await import('./archive-export.js')).saveImages(ctx, this.#deps, refs, out, options);
    for (const id of ids) if (id !== undefined) this.#emit(ctx, 'save', id, id);
  }

  async load(ctx: OpContext, input: Readable, options: LoadOptions = {}): Promise<LoadedImage[]> {
    const loaded = await (await import('./archive-import.js')).loadArchive(ctx, this.#deps, input, options);
    for (const l of loaded) this.#emit(ctx, 'load', l.id, l.id);
    return loaded;
  }

  async import(ctx: OpContext, input: Readable, options: ImportOptions = {}): Promise<Image> {
    const image = (await (await import('./import-rootfs.js')).importRootfs(ctx, this.#deps, input, options)).image;
    const id = image.summary.id ?? image.target.digest;
    this.#emit(ctx, 'import', id, id);
    return image;
  }

  async create(ctx: OpContext, options: CreateImageOptions): Promise<ImageContent> {
    const { createImage, configBytesOf } = await import('./create.js');
    const run = (lctx: OpContext) =>
      createImage(lctx, this.#deps, {
        names: options.name !== undefined ? [options.name] : [],
        configBytes: configBytesOf(options.config),
        layers: options.layers,
        ...(options.format !== undefined ? { format: options.format } : {}),
        ...(options.labels !== undefined ? { labels: options.labels } : {}),
        ...(options.layerSizes !== undefined ? { layerSizes: options.layerSizes } : {}),
        source: options.source ?? 'build',
        ...(options.unpack === false ? {} : { snapshotter: this.#snapshotter }),
      });
    return ctx.lease !== undefined ? run(ctx) : this.#leased(ctx, 'create image', run);
  }

  async mount(ctx: OpContext, ref: string, dir: string, options: MountImageOptions = {}): Promise<void> {
    const content = await this.open(ctx, await this.get(ctx, ref), options.platform !== undefined ? { platform: options.platform } : {});
    const { chainId } = await this.unpack(ctx, content);
    await (await import('./mount.js')).mountImage(ctx, this.#storage, this.#storage.snapshotterFor(this.#snapshotter), chainId, dir, { rw: options.rw === true, content });
  }

  async unmount(ctx: OpContext, dir: string): Promise<void> {
    const names = [...new Set([this.#snapshotter, 'overlayfs', 'native'])];
    await (await import('./mount.js')).unmountImage(ctx, this.#storage, names.map((n) => this.#storage.snapshotterFor(n)), dir);
  }
}

/** Re-exported so callers can tell a missing image apart. */
export function isImageNotFound(err: unknown): boolean {
  return err instanceof EngineError && err.code === 'not-found' && err.subject?.kind === 'image';
}

