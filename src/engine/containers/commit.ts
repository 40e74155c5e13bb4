/**
 * `commit`: a new image from a container's changes, as Docker's daemon makes it (CreateImageFromContainer):
 *
 * 1. the reference and the `--change` lines are checked before anything happens;
 * 2. a running container is paused (unless `pause: false`) while its changes are read and written as a gzip layer
 *    into the content store (changes.ts: Docker's diff, runc's mount points left out; deletions become OCI
 *    whiteouts, overlay opaque directories opaque markers); no change gives no layer (`empty_layer` history);
 * 3. the config is the container's config (inspect's Config) with the changes applied (images/changes.ts), the
 *    parent's platform, history and layers, plus `container`, `container_config`, `author`, `comment` and a history
 *    entry whose `created_by` is the container's command, as Docker writes them;
 * 4. the image is created through the image service (manifest in the parent's format, unpacked, named when a
 *    reference was given), all under one lease, and a `commit` container event is recorded.
 *
 * Errors: not-found (container), invalid-argument (reference, `--change`), and what the image service raises.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { TarWriter } from '../archive/tar-writer.js';
import { TreeEmitter } from '../archive/tree-emitter.js';
import { WHITEOUT_OPAQUE, whiteoutName } from '../archive/whiteout.js';
import { openWriter } from '../content/helpers.js';
import type { Digest } from '../digest.js';
import { hasCode, invalidArgument } from '../errdefs.js';
import { emitContainerEvent } from '../events/emit.js';
import { applyChanges } from '../images/changes.js';
import { readBytes } from '../images/content-util.js';
import { parseConfig, parseManifest, type ImageConfigFile, type ImageRuntimeConfig, type Manifest } from '../images/manifest.js';
import type { ImageService } from '../images/types.js';
import { DEFAULT_LEASE_EXPIRY_MS } from '../leases/with-lease.js';
import type { OpContext } from '../op-context.js';
import { familiarString, formatReference, parseReference } from '../reference.js';
import { MediaTypes, type Descriptor } from '../remotes/types.js';
import { snapshotChanges, type FsChange } from './changes.js';
import type { ContainerServiceImpl } from './service.js';
import type { ContainerRecord } from './types.js';

export interface CommitContainerOptions {
  /** `REPOSITORY[:TAG]`; an untagged image without it. */
  readonly reference?: string;
  readonly author?: string;
  readonly message?: string;
  /** Dockerfile instructions applied to the config (`CMD`, `ENV`...). */
  readonly changes?: readonly string[];
  /** Pause a running container while its changes are read (default true). */
  readonly pause?: boolean;
}

export interface CommitContainerResult {
  /** The image ID (`sha256:...`). */
  readonly id: Digest;
}

/**
 * Writes `changes` (paths under `root`) as an OCI layer to `out`: deletions as whiteouts, opaque directories as the
 * directory and its opaque marker, everything else as one member each (directories without their content: their
 * entries are changes of their own). Returns the digests.
 */
export async function writeChangesLayer(
  changes: readonly FsChange[],
  root: string | undefined,
  out: Writable,
  opts: { compression?: 'gzip' | 'none'; signal?: AbortSignal } = {},
): Promise<{ diffId: Digest; digest: Digest; size: number; compressedSize: number }> {
  const writer = new TarWriter(out, { compression: opts.compression ?? 'gzip', ...(opts.signal ? { signal: opts.signal } : {}) });
  const emitter = new TreeEmitter(writer);
  try {
    if (root !== undefined) await emitter.loadXattrs(root);
    for (const c of changes) {
      const rel = c.path.replace(/^\/+/, '');
      if (c.kind === 'D' && !c.opaque) {
        const dir = path.posix.dirname(rel);
        await emitter.marker(dir === '.' ? whiteoutName(path.posix.basename(rel)) : `${dir}/${whiteoutName(path.posix.basename(rel))}`);
        continue;
      }
      if (c.abs === undefined) continue;
      let st;
      try {
        st = lstatSync(c.abs);
      } catch {
        continue; // gone meanwhile (a container that was not paused)
      }
      await emitter.entry(rel, c.abs, st);
      if (c.opaque) await emitter.marker(`${rel}/${WHITEOUT_OPAQUE}`);
    }
    return await writer.finish();
  } catch (err) {
    writer.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

/**
 * Ends the commit's lease: kept after a cancel (nothing half-written is lost to a collection in between, the lease
 * expires), deleted otherwise, and after a failure what the commit wrote is collected.
 */
async function finishCommitLease(ctx: OpContext, svc: ContainerServiceImpl, leaseId: string, outcome: 'ok' | 'failed' | 'canceled'): Promise<void> {
  if (outcome === 'canceled') return;
  const storage = svc.deps.storage;
  try {
    await storage.leases.delete(ctx, leaseId);
    if (outcome === 'failed') await storage.gc.collect({ log: ctx.log });
  } catch (err) {
    ctx.log.warn('commit: could not release the lease', { lease: leaseId, error: err });
  }
}

/** Reads the manifest and config of the image the container was made from (kept by the container's GC roots). */
async function parentImage(ctx: OpContext, svc: ContainerServiceImpl, images: ImageService, rec: ContainerRecord): Promise<{ manifest: Manifest; config: ImageConfigFile }> {
  const content = svc.deps.storage.content;
  if (rec.imageManifest !== undefined) {
    try {
      const mbytes = await readBytes(ctx, content, { digest: rec.imageManifest });
      const manifest = parseManifest(mbytes, JSON.parse(mbytes.toString()).mediaType ?? MediaTypes.ociManifest);
      const config = parseConfig(await readBytes(ctx, content, manifest.config), manifest.config.digest);
      return { manifest, config };
    } catch (err) {
      if (!hasCode(err, 'not-found')) throw err;
    }
  }
  const c = await images.open(ctx, rec.imageId);
  return { manifest: c.manifest, config: c.config };
}

function runtimeConfigOf(inspect: Record<string, unknown>): ImageRuntimeConfig {
  return JSON.parse(JSON.stringify(inspect.Config ?? {})) as ImageRuntimeConfig;
}

/** Commits container `ref` (see the module comment). */
export async function commitContainer(
  svc: ContainerServiceImpl,
  images: ImageService,
  ctx: OpContext,
  ref: string,
  opts: CommitContainerOptions = {},
): Promise<CommitContainerResult> {
  const d = svc.deps;
  const rec = await svc.get(ctx, ref);
  let name: string | undefined;
  let familiar = '';
  if (opts.reference !== undefined && opts.reference !== '') {
    if (opts.reference.includes('@')) throw invalidArgument('refusing to create a tag with a digest reference');
    const parsed = parseReference(opts.reference);
    name = formatReference(parsed);
    familiar = familiarString(parsed);
  }
  const containerConfig = runtimeConfigOf(await svc.inspect(ctx, rec.id));
  const config = applyChanges(containerConfig, opts.changes ?? []);

  const lease = await d.storage.leases.create(ctx, { expiresInMs: DEFAULT_LEASE_EXPIRY_MS, labels: { 'nerdctl/lease.purpose': 'commit' } });
  const lctx: OpContext = { ...ctx, lease: lease.id };
  let outcome: 'ok' | 'failed' | 'canceled' = 'failed';
  try {
    const parent = await parentImage(lctx, svc, images, rec);
    const docker = parent.manifest.mediaType === MediaTypes.dockerManifest;
    const paused = opts.pause !== false && rec.state.status === 'running';
    if (paused) await svc.pause(ctx, rec.id);
    let layer: { desc: Descriptor; diffId: Digest } | undefined;
    try {
      layer = await writeLayer(lctx, svc, rec, docker);
    } finally {
      if (paused) await svc.unpause(ctx, rec.id).catch((err: unknown) => ctx.log.warn('commit: could not unpause the container', { id: rec.id, error: err }));
    }

    const created = new Date().toISOString();
    const history = {
      created,
      ...(opts.author ? { author: opts.author } : {}),
      created_by: (containerConfig.Cmd ?? []).join(' '),
      ...(opts.message ? { comment: opts.message } : {}),
      ...(layer === undefined ? { empty_layer: true } : {}),
    };
    const imageConfig: ImageConfigFile = {
      architecture: parent.config.architecture,
      ...(parent.config.variant !== undefined ? { variant: parent.config.variant } : {}),
      ...(opts.author ? { author: opts.author } : {}),
      ...(opts.message ? { comment: opts.message } : {}),
      config,
      container: rec.id,
      container_config: containerConfig,
      created,
      history: [...(parent.config.history ?? []), history],
      os: parent.config.os,
      ...(parent.config['os.version'] !== undefined ? { 'os.version': parent.config['os.version'] } : {}),
      rootfs: { type: 'layers', diff_ids: [...parent.config.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])] },
    };
    const image = await images.create(lctx, {
      ...(name !== undefined ? { name } : {}),
      config: imageConfig,
      layers: [...parent.manifest.layers, ...(layer ? [layer.desc] : [])],
      format: docker ? 'docker' : 'oci',
      source: 'commit',
    });
    outcome = 'ok';
    emitContainerEvent(d.storage.db, ctx, rec, 'commit', { comment: opts.message ?? '', imageID: image.id, imageRef: familiar });
    return { id: image.id };
  } catch (err) {
    if (hasCode(err, 'canceled')) outcome = 'canceled';
    throw err;
  } finally {
    await finishCommitLease(ctx, svc, lease.id, outcome);
  }
}

/** The container's changes as a gzip blob in the content store (under the caller's lease); undefined when none. */
async function writeLayer(ctx: OpContext, svc: ContainerServiceImpl, rec: ContainerRecord, docker: boolean): Promise<{ desc: Descriptor; diffId: Digest } | undefined> {
  const d = svc.deps;
  const src = await snapshotChanges(ctx, d.storage.snapshotterFor(rec.snapshotter), rec.snapshotKey);
  try {
    if (src.changes.length === 0) return undefined;
    const content = d.storage.content;
    const ref = `commit-${rec.id.slice(0, 12)}-${randomBytes(6).toString('hex')}`;
    const w = await openWriter(content, ctx, { ref });
    let committed = false;
    try {
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          w.write(chunk).then(() => cb(), cb);
        },
      });
      const res = await writeChangesLayer(src.changes, src.root, sink, { signal: ctx.signal });
      try {
        await w.commit(res.compressedSize, res.digest);
      } catch (err) {
        if (!hasCode(err, 'already-exists')) throw err;
      }
      committed = true;
      const mediaType = docker ? MediaTypes.dockerLayerGzip : MediaTypes.ociLayerGzip;
      return { desc: { mediaType, digest: res.digest, size: res.compressedSize }, diffId: res.diffId };
    } finally {
      await w.close().catch(() => {});
      if (!committed) await content.abort(ctx, ref).catch(() => {});
    }
  } finally {
    await src.release();
  }
}
