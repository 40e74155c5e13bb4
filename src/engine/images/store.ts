/**
 * Image records: name -> target descriptor (a manifest or an index), per namespace, in the metadata database
 * (containerd's images bucket), plus a small cached summary so listings never read content: the image ID (the
 * config digest of the platform that was unpacked, as Docker shows it), the config's creation time, the unpacked
 * size and per-layer sizes (`docker history`).
 *
 *   images                                 (this file; component 'images')
 *     *namespace        TEXT -> namespaces
 *     *name             TEXT               normalised reference (`docker.io/library/busybox:latest`,
 *                                          `host/repo@sha256:...`) or, for a dangling image, `<none>@<target digest>`
 *      target_media_type, target_digest, target_size      the root descriptor
 *      labels           TEXT (json)
 *      config_digest    TEXT NULL          image ID of the summary's platform
 *      created          TEXT NULL          config `created` (RFC 3339), for sorting and before/since filters
 *      size             INTEGER NULL       unpacked size in bytes (sum of layer sizes, Docker's SIZE)
 *      summary          TEXT (json)        {platform, layerSizes}
 *      repo_digest      TEXT NULL          manifest digest the registry knows this name by (pull/push): RepoDigests
 *      source           TEXT               pull | push | load | import | build | commit | tag
 *      created_at, updated_at
 *     index images_target(namespace, target_digest); index images_config(namespace, config_digest)
 *
 *   gc_roots_images (VIEW)                 every record's target is a GC root
 *
 * Docker's dangling images: when a name moves to another target and no other record keeps the old target, the
 * old image stays as `<none>@<digest>` (listed as `<none>:<none>`) until it is removed or pruned; a record is
 * dropped from that state again as soon as any name points at its target.
 */
import type { Digest } from '../digest.js';
import { alreadyExists, invalidArgument, notFound } from '../errdefs.js';
import { gcRootsView } from '../metadata/gc.js';
import { parseLabels, validateLabels, type MetadataDb, type Schema } from '../metadata/db.js';
import { ensureNamespace, namespacesSchema } from '../metadata/namespaces.js';
import type { Descriptor } from '../remotes/types.js';
import { danglingName, isDanglingName } from './names.js';

/** The images table and its GC roots. */
export const imagesSchema: Schema = {
  component: 'images',
  migrations: [
    `CREATE TABLE images (
       namespace TEXT NOT NULL REFERENCES namespaces(name),
       name TEXT NOT NULL,
       target_media_type TEXT NOT NULL,
       target_digest TEXT NOT NULL,
       target_size INTEGER NOT NULL,
       labels TEXT NOT NULL DEFAULT '{}',
       config_digest TEXT,
       created TEXT,
       size INTEGER,
       summary TEXT NOT NULL DEFAULT '{}',
       repo_digest TEXT,
       source TEXT NOT NULL DEFAULT '',
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL,
       PRIMARY KEY (namespace, name)
     ) WITHOUT ROWID;
     CREATE INDEX images_target ON images (namespace, target_digest);
     CREATE INDEX images_config ON images (namespace, config_digest);
     ${gcRootsView('images', `SELECT namespace, 'content' AS type, target_digest AS id FROM images`)};`,
  ],
};

export { DANGLING_PREFIX, danglingName, isDanglingName } from './names.js';

/** How an image record came to be (shown nowhere; decides Docker's LastTagTime). */
export type ImageSource = 'pull' | 'push' | 'load' | 'import' | 'build' | 'commit' | 'tag';

/** The cached facts of the image's unpacked (or default) platform. */
export interface ImageSummary {
  /** The image ID: the config digest. */
  id?: Digest;
  /** The config's `created` (RFC 3339). */
  created?: string;
  /** Bytes of the unpacked layers (files' sizes, as Docker counts them). */
  size?: number;
  /** `os/arch[/variant]` of the config the summary describes. */
  platform?: string;
  /** Size of each layer, bottom first (as many as the config has diff IDs). */
  layerSizes?: number[];
}

/** An image record. */
export interface ImageRecord {
  readonly name: string;
  readonly target: Descriptor;
  readonly labels: Record<string, string>;
  readonly summary: ImageSummary;
  /** The manifest digest the registry knows this repository's image by (set by pull and push). */
  readonly repoDigest: Digest | undefined;
  readonly source: ImageSource | '';
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

interface Row {
  name: string;
  target_media_type: string;
  target_digest: Digest;
  target_size: number;
  labels: string;
  config_digest: Digest | null;
  created: string | null;
  size: number | null;
  summary: string;
  repo_digest: Digest | null;
  source: string;
  created_at: number;
  updated_at: number;
}

const columns = `name, target_media_type, target_digest, target_size, labels, config_digest, created, size, summary,
  repo_digest, source, created_at, updated_at`;

function toRecord(r: Row): ImageRecord {
  const extra = JSON.parse(r.summary || '{}') as Pick<ImageSummary, 'platform' | 'layerSizes'>;
  const summary: ImageSummary = {
    ...(r.config_digest !== null ? { id: r.config_digest } : {}),
    ...(r.created !== null ? { created: r.created } : {}),
    ...(r.size !== null ? { size: r.size } : {}),
    ...(extra.platform !== undefined ? { platform: extra.platform } : {}),
    ...(extra.layerSizes !== undefined ? { layerSizes: extra.layerSizes } : {}),
  };
  return {
    name: r.name,
    target: { mediaType: r.target_media_type, digest: r.target_digest, size: r.target_size },
    labels: parseLabels(r.labels),
    summary,
    repoDigest: r.repo_digest ?? undefined,
    source: r.source as ImageSource | '',
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/** What {@link ImageStore.put} writes. */
export interface PutImage {
  name: string;
  target: Descriptor;
  labels?: Record<string, string>;
  summary?: ImageSummary;
  repoDigest?: Digest;
  source: ImageSource;
}

/** The result of a put: the record, and the dangling record the previous target became, if any. */
export interface PutResult {
  record: ImageRecord;
  previous: ImageRecord | undefined;
  dangling: ImageRecord | undefined;
}

/**
 * Image records of one database. Synchronous (each call is one short transaction); the image service wraps it.
 * Errors: not-found (`image "<name>": not found`), invalid-argument (bad labels), already-exists (create only).
 */
export interface ImageStore {
  get(namespace: string, name: string): ImageRecord | undefined;
  /** All records of the namespace, sorted by name. */
  list(namespace: string): ImageRecord[];
  /** Records whose target is `digest`. */
  byTarget(namespace: string, digest: Digest): ImageRecord[];
  /** Records whose image ID (config digest) is `id`. */
  byId(namespace: string, id: Digest): ImageRecord[];
  /** Records whose image ID starts with `prefix` (hex, without `sha256:`). */
  byIdPrefix(namespace: string, prefix: string): ImageRecord[];
  /**
   * Creates or replaces the record `name` (Docker's dangling semantics: see the file header). With
   * `{ create: true }`, already-exists when the name is taken.
   */
  put(namespace: string, image: PutImage, options?: { create?: boolean }): PutResult;
  /** Removes a record; not-found when absent. Returns it. */
  delete(namespace: string, name: string): ImageRecord;
  /** Sets the cached summary of every record with this target. */
  updateSummary(namespace: string, target: Digest, summary: ImageSummary): void;
  /** Sets the repository digest of one record. */
  setRepoDigest(namespace: string, name: string, digest: Digest): void;
  /** Number of records per namespace (for `namespace ls` and `info`). */
  countByNamespace(): Map<string, number>;
}

/** Opens the image store on `db` (migrating its table on first use). */
export function createImageStore(db: MetadataDb): ImageStore {
  let migrated = false;
  const migrate = () => {
    if (migrated) return;
    db.migrate(namespacesSchema);
    db.migrate(imagesSchema);
    migrated = true;
  };
  const getRow = (ns: string, name: string) =>
    db.prepare(`SELECT ${columns} FROM images WHERE namespace = ? AND name = ?`).get(ns, name) as Row | undefined;
  const countTarget = (ns: string, digest: string) =>
    (db.prepare('SELECT count(*) AS n FROM images WHERE namespace = ? AND target_digest = ?').get(ns, digest) as { n: number }).n;

  const insert = (ns: string, r: {
    name: string;
    target: Descriptor;
    labels: Record<string, string>;
    summary: ImageSummary;
    repoDigest: Digest | undefined;
    source: string;
    createdAt: number;
  }) => {
    const now = Date.now();
    db.prepare(
      `INSERT INTO images (namespace, ${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, name) DO UPDATE SET target_media_type = excluded.target_media_type,
         target_digest = excluded.target_digest, target_size = excluded.target_size, labels = excluded.labels,
         config_digest = excluded.config_digest, created = excluded.created, size = excluded.size,
         summary = excluded.summary, repo_digest = excluded.repo_digest, source = excluded.source,
         updated_at = excluded.updated_at`,
    ).run(
      ns,
      r.name,
      r.target.mediaType,
      r.target.digest,
      r.target.size,
      JSON.stringify(r.labels),
      r.summary.id ?? null,
      r.summary.created ?? null,
      r.summary.size ?? null,
      JSON.stringify({
        ...(r.summary.platform !== undefined ? { platform: r.summary.platform } : {}),
        ...(r.summary.layerSizes !== undefined ? { layerSizes: r.summary.layerSizes } : {}),
      }),
      r.repoDigest ?? null,
      r.source,
      r.createdAt,
      now,
    );
  };

  return {
    get(ns, name) {
      migrate();
      const r = getRow(ns, name);
      return r === undefined ? undefined : toRecord(r);
    },

    list(ns) {
      migrate();
      return (db.prepare(`SELECT ${columns} FROM images WHERE namespace = ? ORDER BY name`).all(ns) as Row[]).map(toRecord);
    },

    byTarget(ns, digest) {
      migrate();
      return (
        db.prepare(`SELECT ${columns} FROM images WHERE namespace = ? AND target_digest = ? ORDER BY name`).all(ns, digest) as Row[]
      ).map(toRecord);
    },

    byId(ns, id) {
      migrate();
      return (
        db.prepare(`SELECT ${columns} FROM images WHERE namespace = ? AND config_digest = ? ORDER BY name`).all(ns, id) as Row[]
      ).map(toRecord);
    },

    byIdPrefix(ns, prefix) {
      migrate();
      if (!/^[a-f0-9]+$/.test(prefix)) return [];
      return (
        db
          .prepare(`SELECT ${columns} FROM images WHERE namespace = ? AND substr(config_digest, 8, ?) = ? ORDER BY name`)
          .all(ns, prefix.length, prefix) as Row[]
      ).map(toRecord);
    },

    put(ns, image, options = {}) {
      migrate();
      const labels = { ...image.labels };
      validateLabels(labels);
      if (image.name === '') throw invalidArgument('image name must not be empty');
      return db.write(() => {
        ensureNamespace(db, ns);
        const prevRow = getRow(ns, image.name);
        if (options.create && prevRow !== undefined) throw alreadyExists({ kind: 'image', ref: image.name });
        const previous = prevRow === undefined ? undefined : toRecord(prevRow);
        // A name for this target ends its dangling state.
        if (!isDanglingName(image.name)) {
          db.prepare('DELETE FROM images WHERE namespace = ? AND name = ?').run(ns, danglingName(image.target.digest));
        }
        insert(ns, {
          name: image.name,
          target: image.target,
          labels,
          summary: image.summary ?? previous?.summary ?? {},
          repoDigest: image.repoDigest ?? (previous?.target.digest === image.target.digest ? previous.repoDigest : undefined),
          source: image.source,
          createdAt: previous?.createdAt.getTime() ?? Date.now(),
        });
        let dangling: ImageRecord | undefined;
        if (previous !== undefined && previous.target.digest !== image.target.digest && countTarget(ns, previous.target.digest) === 0) {
          const name = danglingName(previous.target.digest);
          insert(ns, {
            name,
            target: previous.target,
            labels: previous.labels,
            summary: previous.summary,
            repoDigest: undefined,
            source: previous.source,
            createdAt: previous.createdAt.getTime(),
          });
          dangling = toRecord(getRow(ns, name)!);
        }
        return { record: toRecord(getRow(ns, image.name)!), previous, dangling };
      });
    },

    delete(ns, name) {
      migrate();
      return db.write(() => {
        const r = getRow(ns, name);
        if (r === undefined) throw notFound({ kind: 'image', ref: name });
        db.prepare('DELETE FROM images WHERE namespace = ? AND name = ?').run(ns, name);
        return toRecord(r);
      });
    },

    updateSummary(ns, target, summary) {
      migrate();
      db.write(() => {
        db.prepare(
          `UPDATE images SET config_digest = ?, created = ?, size = ?, summary = ?, updated_at = updated_at
           WHERE namespace = ? AND target_digest = ?`,
        ).run(
          summary.id ?? null,
          summary.created ?? null,
          summary.size ?? null,
          JSON.stringify({
            ...(summary.platform !== undefined ? { platform: summary.platform } : {}),
            ...(summary.layerSizes !== undefined ? { layerSizes: summary.layerSizes } : {}),
          }),
          ns,
          target,
        );
      });
    },

    setRepoDigest(ns, name, digest) {
      migrate();
      db.write(() => {
        db.prepare('UPDATE images SET repo_digest = ? WHERE namespace = ? AND name = ?').run(digest, ns, name);
      });
    },

    countByNamespace() {
      migrate();
      const rows = db.prepare('SELECT namespace, count(*) AS n FROM images GROUP BY namespace').all() as { namespace: string; n: number }[];
      return new Map(rows.map((r) => [r.namespace, r.n]));
    },
  };
}
