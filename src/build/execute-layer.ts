/**
 * One filesystem-changing step as a layer: prepare an active snapshot on the parent state, mount it, let the step
 * change it, unmount, write the diff (overlay upper dir, or a tree comparison on the native snapshotter) as a gzip
 * blob into the content store while counting the layer's size, and commit the snapshot under the new chain ID.
 * A step that changed nothing gives no layer (BuildKit drops empty layers; history marks them `empty_layer`).
 *
 * Everything the step created is removed on failure or cancellation (mount, active snapshot, partial ingest);
 * committed results live under the caller's lease until a cache record roots them.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { writeOverlayDiff } from '../engine/archive/overlay-diff.js';
import { writeTreeDiff } from '../engine/archive/tree-diff.js';
import { OVERLAY_OPAQUE_XATTR } from '../engine/archive/whiteout.js';
import { openWriter } from '../engine/content/helpers.js';
import type { ContentStore } from '../engine/content/types.js';
import type { Digest } from '../engine/digest.js';
import { hasCode, internal, isErrno } from '../engine/errdefs.js';
import { LayerSizeCounter } from '../engine/images/layer-apply.js';
import { GC, Nerdctl } from '../engine/labels.js';
import { mountAll, mountLayout, unmount, type MountLayout } from '../engine/mount/mount.js';
import type { OpContext } from '../engine/op-context.js';
import { MediaTypes } from '../engine/remotes/types.js';
import type { Snapshotter } from '../engine/snapshots/types.js';
import type { CachedLayer } from './cache.js';

/** What a layer step needs. */
export interface LayerEnv {
  /** Carries the build's lease. */
  ctx: OpContext;
  sn: Snapshotter;
  content: ContentStore;
  /** A private scratch directory for mount points. */
  workDir: string;
}

/** The state after a step. */
export interface LayerOutcome {
  /** The committed snapshot (the parent's when nothing changed; undefined for an empty root). */
  chainId: Digest | undefined;
  /** The step's layer, undefined when it changed nothing. */
  layer: CachedLayer | undefined;
}

/** What the step's work reports back. */
export interface StepWork {
  /**
   * Directories (relative to the root) that may have been copied up only because a mount point was created and
   * removed inside them: dropped from the layer when empty and unchanged.
   */
  pruneCandidates?: string[];
}

/** The chain ID of a layer on top of `parent` (OCI image-spec's ChainID). */
export function nextChainId(parent: Digest | undefined, diffId: Digest): Digest {
  if (parent === undefined) return diffId;
  return `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`;
}

/** Runs `work` on a mounted, writable snapshot of `parent` and turns the changes into a layer. */
export async function buildLayer(env: LayerEnv, parent: Digest | undefined, work: (root: string) => Promise<StepWork | void>): Promise<LayerOutcome> {
  const { ctx, sn } = env;
  const tag = randomBytes(6).toString('hex');
  const key = `build-${process.pid}-${tag}`;
  const mountDir = path.join(env.workDir, `mnt-${tag}`);
  mkdirSync(mountDir, { recursive: true });
  let committed = false;
  let mounted = false;
  try {
    const mounts = await sn.prepare(ctx, key, parent);
    const layout = mountLayout(mounts);
    if (layout === undefined) throw internal(`snapshotter ${sn.name}: unexpected mounts for a build step`);
    await mountAll(mounts, mountDir);
    mounted = true;
    let result: StepWork | void;
    try {
      result = await work(mountDir);
    } catch (err) {
      await unmount(mountDir, { recursive: true });
      mounted = false;
      throw err;
    }
    // The step is over and nothing writes any more: the diff reads the upper directory while the unmount (a
    // process of its own) runs, and is awaited before the snapshot is committed. Pruning changes the upper
    // directory, which must not happen under a mounted overlay: then the unmount comes first.
    const unmounting = unmount(mountDir, { recursive: true }).then(() => {
      mounted = false;
    });
    unmounting.catch(() => {});
    const candidates = result?.pruneCandidates ?? [];
    let layer: CachedLayer | undefined;
    try {
      if (layout.type === 'overlay' && layout.upper !== undefined && candidates.length > 0) {
        await unmounting;
        pruneUpper(layout.upper, layout.lowers, candidates);
      }
      layer = await writeLayer(env, layout, parent, key, tag);
    } finally {
      await unmounting;
    }
    if (layer === undefined) return { chainId: parent, layer: undefined };
    const chainId = nextChainId(parent, layer.diffId);
    try {
      await sn.commit(ctx, chainId, key, { labels: { [Nerdctl.layerSize]: String(layer.bytes) } });
      committed = true;
    } catch (err) {
      if (!hasCode(err, 'already-exists')) throw err;
      // The same change was committed before (another build, or a pruned cache record): theirs is identical.
    }
    return { chainId, layer };
  } finally {
    if (mounted) await unmount(mountDir, { recursive: true, lazy: true }).catch(() => {});
    if (!committed) await sn.remove(ctx, key).catch(() => {});
    rmSync(mountDir, { recursive: true, force: true });
  }
}

/** Writes the diff of the active snapshot as a gzip blob; undefined when nothing changed. */
async function writeLayer(env: LayerEnv, layout: MountLayout, parent: Digest | undefined, key: string, tag: string): Promise<CachedLayer | undefined> {
  const { ctx, sn } = env;
  let diff: (out: Writable) => Promise<{ diffId: Digest; size: number }>;
  let release: (() => Promise<void>) | undefined;
  if (layout.type === 'overlay' && layout.upper !== undefined) {
    const upper = layout.upper;
    if (readdirSync(upper).length === 0) return undefined;
    diff = (out) => writeOverlayDiff(upper, out);
  } else if (layout.type === 'dir' && sn.name === 'overlayfs') {
    // overlayfs without a parent: the snapshot's own directory is the whole layer.
    const dir = layout.dir;
    if (readdirSync(dir).length === 0) return undefined;
    diff = (out) => writeOverlayDiff(dir, out);
  } else if (layout.type === 'dir') {
    // native: compare with a copy of the parent (a view), or with nothing.
    const dir = layout.dir;
    let lower = path.join(env.workDir, `empty-${tag}`);
    mkdirSync(lower, { recursive: true });
    if (parent !== undefined) {
      const viewKey = `${key}-parent`;
      const vm = await sn.view(ctx, viewKey, parent);
      const vl = mountLayout(vm);
      if (vl?.type !== 'dir') throw internal(`snapshotter ${sn.name}: unexpected view mounts`);
      lower = vl.dir;
      release = () => sn.remove(ctx, viewKey).catch(() => {});
    }
    const l = lower;
    diff = (out) => writeTreeDiff(l, dir, out);
  } else {
    throw internal(`snapshotter ${sn.name}: cannot diff these mounts`);
  }

  const ref = `build-layer-${tag}`;
  const w = await openWriter(env.content, ctx, { ref });
  let done = false;
  try {
    const counter = new LayerSizeCounter();
    const gz = createGzip();
    let compressed = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        compressed += chunk.length;
        w.write(chunk).then(() => cb(), cb);
      },
    });
    const gzDone = pipeline(gz, sink);
    const tee = new Writable({
      write(chunk: Buffer, _enc, cb) {
        counter.write(chunk);
        if (gz.write(chunk)) cb();
        else gz.once('drain', () => cb());
      },
      final(cb) {
        gz.end();
        cb();
      },
    });
    const res = await diff(tee);
    await gzDone;
    if (res.size <= 1024) {
      // An end-of-archive marker only: nothing changed (native diffs cannot tell before writing).
      await env.content.abort(ctx, ref).catch(() => {});
      done = true;
      return undefined;
    }
    const digest = w.digest();
    try {
      await w.commit(compressed, undefined, { labels: { [GC.uncompressed]: res.diffId } });
    } catch (err) {
      if (!hasCode(err, 'already-exists')) throw err;
    }
    done = true;
    return { digest, size: compressed, mediaType: MediaTypes.ociLayerGzip, diffId: res.diffId, bytes: counter.size };
  } finally {
    await w.close().catch(() => {});
    if (!done) await env.content.abort(ctx, ref).catch(() => {});
    await release?.();
  }
}

/**
 * Drops directories from an overlay upper dir that only exist there because a mount point was created (and
 * removed again) inside them: empty, not opaque, and with the same type, mode and owner as in the layer below.
 * Deepest first, so a chain of such directories goes entirely.
 */
export function pruneUpper(upper: string, lowers: readonly string[], candidates: readonly string[]): void {
  const present = [...new Set(candidates)]
    .filter((c) => c !== '' && c !== '.')
    .filter((rel) => {
      try {
        return lstatSync(path.join(upper, rel)).isDirectory();
      } catch {
        return false;
      }
    })
    .sort((a, b) => b.split('/').length - a.split('/').length);
  if (present.length === 0) return;
  // Only directories that are empty now (or will be, once the deeper ones go) are worth the xattr look.
  const possible = present.filter((rel) => {
    const u = path.join(upper, rel);
    return readdirSync(u).every((n) => present.includes(rel === '' ? n : `${rel}/${n}`));
  });
  if (possible.length === 0) return;
  const opaque = opaqueDirs(possible.map((rel) => path.join(upper, rel)));
  for (const rel of possible) {
    const u = path.join(upper, rel);
    if (opaque === undefined || opaque.has(u)) continue;
    const st = lstatSync(u);
    if (readdirSync(u).length > 0) continue;
    const lower = lowers.map((l) => path.join(l, rel)).find((p) => {
      try {
        lstatSync(p);
        return true;
      } catch {
        return false;
      }
    });
    if (lower === undefined) continue;
    const ls = lstatSync(lower);
    if (!ls.isDirectory() || ls.mode !== st.mode || ls.uid !== st.uid || ls.gid !== st.gid) continue;
    try {
      rmdirSync(u);
    } catch {
      // keep it: the layer is merely a little larger
    }
  }
}

/** The directories among `dirs` that overlayfs marked opaque (one getfattr run); undefined when unknown. */
function opaqueDirs(dirs: readonly string[]): Set<string> | undefined {
  const r = spawnSync('getfattr', ['--absolute-names', '-e', 'text', '-n', OVERLAY_OPAQUE_XATTR, ...dirs], { encoding: 'utf8' });
  if (r.error !== undefined) return undefined;
  const out = new Set<string>();
  let file: string | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = line.slice('# file: '.length);
    else if (file !== undefined && line.startsWith(`${OVERLAY_OPAQUE_XATTR}=`) && line.includes('"y"')) out.add(file);
  }
  return out;
}
