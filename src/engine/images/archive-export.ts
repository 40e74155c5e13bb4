/**
 * `save`: one tar that is at the same time an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/...`)
 * and a docker-archive (`manifest.json` whose Config and Layers point into `blobs/`), as containerd's exporter
 * writes it: `docker load` reads the latter, OCI tools and our `load` the former, and every blob is stored once,
 * as it is in the content store (digests preserved).
 *
 * The docker-archive half (`manifest.json`) is computed by {@link dockerArchiveManifest}, pure and unit-tested.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { Digest } from '../digest.js';
import type { Storage } from '../metadata/storage.js';
import type { OpContext } from '../op-context.js';
import { familiarString, parseReferenceRaw } from '../reference.js';
import { MediaTypes, type Descriptor } from '../remotes/types.js';
import { readBytes } from './content-util.js';
import { findImage } from './find.js';
import { isIndexType, parseIndex } from './manifest.js';
import { openImage } from './open.js';
import { isDanglingName, type ImageStore } from './store.js';
import type { ImageContent, SaveOptions } from './types.js';

/** What save needs from the engine. */
export interface SaveDeps {
  readonly storage: Storage;
  readonly store: ImageStore;
}

/** One image to write: its platform content and the names it is saved under. */
export interface SaveItem {
  readonly content: ImageContent;
  /** Normalised names to record (tags); empty when saved by ID. */
  readonly names: readonly string[];
  /** Descriptor for index.json (the platform manifest, or the whole index with `allPlatforms`). */
  readonly root: Descriptor;
}

/** The docker-archive manifest.json entries (one per image ID; RepoTags merged, in order). */
export function dockerArchiveManifest(items: readonly SaveItem[]): { Config: string; RepoTags: string[] | null; Layers: string[] }[] {
  const byId = new Map<string, { Config: string; RepoTags: string[]; Layers: string[] }>();
  for (const it of items) {
    const blob = (d: string) => `blobs/sha256/${d.slice('sha256:'.length)}`;
    let e = byId.get(it.content.id);
    if (e === undefined) {
      e = { Config: blob(it.content.configDescriptor.digest), RepoTags: [], Layers: it.content.manifest.layers.map((l) => blob(l.digest)) };
      byId.set(it.content.id, e);
    }
    for (const n of it.names) {
      const tag = familiarString(parseReferenceRaw(n));
      if (!e.RepoTags.includes(tag)) e.RepoTags.push(tag);
    }
  }
  return [...byId.values()].map((e) => ({ Config: e.Config, RepoTags: e.RepoTags.length > 0 ? e.RepoTags : null, Layers: e.Layers }));
}

/** The OCI index.json of the saved images. */
export function ociIndex(items: readonly SaveItem[]): object {
  return {
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: items.flatMap((it) => {
      const names = it.names.length > 0 ? it.names : [undefined];
      return names.map((n) => {
        const annotations: Record<string, string> = {};
        if (n !== undefined) {
          annotations['io.containerd.image.name'] = n;
          const ref = parseReferenceRaw(n);
          if (ref.tag !== undefined) annotations['org.opencontainers.image.ref.name'] = ref.tag;
        }
        return {
          mediaType: it.root.mediaType,
          digest: it.root.digest,
          size: it.root.size,
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
          ...(it.root.platform !== undefined ? { platform: it.root.platform } : {}),
        };
      });
    }),
  };
}

/** Resolves what to save for each reference the user gave. */
async function saveItems(ctx: OpContext, deps: SaveDeps, refs: readonly string[], options: SaveOptions): Promise<SaveItem[]> {
  const items: SaveItem[] = [];
  for (const ref of refs) {
    const found = findImage(deps.store, ctx.namespace, ref);
    const record = found.records[0]!;
    const content = await openImage(ctx, deps.storage.content, record, options.platforms?.[0]);
    // Saved by name: that name. By ID: no names (Docker writes RepoTags null for an ID).
    const names = found.byName && !isDanglingName(record.name) ? [record.name] : [];
    const root = options.allPlatforms && isIndexType(record.target.mediaType) ? record.target : withPlatform(content);
    items.push({ content, names, root });
  }
  return items;
}

function withPlatform(c: ImageContent): Descriptor {
  return {
    mediaType: c.manifestDescriptor.mediaType,
    digest: c.manifestDescriptor.digest,
    size: c.manifestDescriptor.size,
    platform: {
      os: c.platform.os,
      architecture: c.platform.architecture,
      ...(c.platform.variant !== undefined ? { variant: c.platform.variant } : {}),
    },
  };
}

/** Adds one in-memory file. */
function addFile(p: Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    p.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve()));
  });
}

function addDir(p: Pack, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    p.entry({ name, type: 'directory', mode: 0o755, mtime: new Date(0) }, (err) => (err ? reject(err) : resolve()));
  });
}

/** Streams a blob from the content store into the tar. */
async function addBlob(ctx: OpContext, deps: SaveDeps, p: Pack, desc: { digest: Digest; size: number }): Promise<void> {
  const src = await deps.storage.content.createReadStream(ctx, desc);
  const sink = p.entry({ name: `blobs/sha256/${desc.digest.slice(7)}`, size: desc.size, mode: 0o644, mtime: new Date(0) });
  await pipeline(src, sink);
}

/** Writes the archive of `refs` to `out`; see the file header. Errors as findImages/openImage, plus out's. */
export async function saveImages(ctx: OpContext, deps: SaveDeps, refs: readonly string[], out: Writable, options: SaveOptions = {}): Promise<void> {
  const items = await saveItems(ctx, deps, refs, options);
  // Every blob once: roots (and, for a whole index, its manifests), configs, layers.
  const blobs = new Map<string, { digest: Digest; size: number }>();
  const add = (d: { digest: string; size: number }) => {
    if (!blobs.has(d.digest)) blobs.set(d.digest, { digest: d.digest as Digest, size: d.size });
  };
  for (const it of items) {
    add(it.root);
    if (isIndexType(it.root.mediaType)) {
      const index = parseIndex(await readBytes(ctx, deps.storage.content, it.root), it.root.digest);
      for (const m of index.manifests) {
        try {
          await deps.storage.content.info(ctx, m.digest as Digest);
          add(m);
          // Configs and layers of other platforms, when present.
          const other = await openImage(ctx, deps.storage.content, { ...it.content.image, target: m }).catch(() => undefined);
          if (other !== undefined) {
            add(other.configDescriptor);
            for (const l of other.manifest.layers) add(l);
          }
        } catch {
          // a platform that was never pulled
        }
      }
    }
    add(it.content.manifestDescriptor);
    add(it.content.configDescriptor);
    for (const l of it.content.manifest.layers) add(l);
  }

  const p = tarPack();
  const writing = pipeline(p, out);
  try {
    await addFile(p, 'oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    await addDir(p, 'blobs/');
    await addDir(p, 'blobs/sha256/');
    for (const b of blobs.values()) await addBlob(ctx, deps, p, b);
    await addFile(p, 'index.json', Buffer.from(JSON.stringify(ociIndex(items))));
    await addFile(p, 'manifest.json', Buffer.from(JSON.stringify(dockerArchiveManifest(items))));
    p.finalize();
  } catch (err) {
    p.destroy(err instanceof Error ? err : new Error(String(err)));
    await writing.catch(() => {});
    throw err;
  }
  await writing;
}
