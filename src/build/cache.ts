/**
 * The persistent build cache: one record per executed build step, keyed by the step's cache key (cache-key.ts),
 * in the metadata database, shared by every build of every tag in the namespace and kept across invocations.
 *
 *   build_cache                               (component 'build_cache')
 *     *namespace        TEXT -> namespaces
 *     *key              TEXT               sha256 hex of the step's cache key
 *      kind             TEXT               'fs' (RUN/COPY/ADD/WORKDIR: a filesystem state) | 'meta' (config only)
 *      snapshotter      TEXT NULL          fs: the snapshotter holding chain_id
 *      chain_id         TEXT NULL          fs: the committed snapshot of the state (null for an empty rootfs)
 *      layer_digest, layer_size, layer_media_type, diff_id   fs: the step's own layer blob (null: no changes)
 *      layer_bytes      INTEGER NULL       the layer's size as Docker counts it (files and symlink targets)
 *      description      TEXT               `[stage-0 2/4] RUN make` (builder prune, debug logs)
 *      created_at       INTEGER            when the step first ran: history `created` of the step
 *      last_used_at     INTEGER            refreshed (at most hourly) when a build reuses it
 *
 *   build_file_hashes                         content hashes of build-context files, keyed by path and memoised by
 *     *path             TEXT               stat facts (never trusted for files modified less than 2 s before
 *      dev, ino, size, mtime_ns, ctime_ns      they were hashed: "racy" entries are hashed again)
 *      hash             TEXT               sha256 hex of the content
 *      hashed_at        INTEGER
 *
 *   gc_roots_build_cache (VIEW)            every record's snapshot and layer blob is a GC root
 *
 * A record is only returned by {@link BuildCache.get} while its snapshot and layer blob still exist, so a cache
 * entry whose data went away (a crash, a manual removal) is a miss, never a broken image.
 */
import { gcRootsView } from '../engine/metadata/gc.js';
import type { MetadataDb, Schema } from '../engine/metadata/db.js';
import { ensureNamespace, namespacesSchema } from '../engine/metadata/namespaces.js';
import { migrateContent } from '../engine/metadata/content-store.js';
import { migrateSnapshots } from '../engine/metadata/snapshotter.js';
import type { Digest } from '../engine/digest.js';

/** The build cache tables and their GC roots. */
export const buildCacheSchema: Schema = {
  component: 'build_cache',
  migrations: [
    `CREATE TABLE build_cache (
       namespace TEXT NOT NULL REFERENCES namespaces(name),
       key TEXT NOT NULL,
       kind TEXT NOT NULL CHECK (kind IN ('fs', 'meta')),
       snapshotter TEXT,
       chain_id TEXT,
       layer_digest TEXT,
       layer_size INTEGER,
       layer_media_type TEXT,
       diff_id TEXT,
       layer_bytes INTEGER,
       description TEXT NOT NULL DEFAULT '',
       created_at INTEGER NOT NULL,
       last_used_at INTEGER NOT NULL,
       PRIMARY KEY (namespace, key)
     ) WITHOUT ROWID;
     CREATE TABLE build_file_hashes (
       path TEXT PRIMARY KEY,
       dev INTEGER NOT NULL,
       ino INTEGER NOT NULL,
       size INTEGER NOT NULL,
       mtime_ns TEXT NOT NULL,
       ctime_ns TEXT NOT NULL,
       hash TEXT NOT NULL,
       hashed_at INTEGER NOT NULL
     ) WITHOUT ROWID;
     ${gcRootsView(
       'build_cache',
       `SELECT namespace, 'snapshots/' || snapshotter AS type, chain_id AS id FROM build_cache WHERE chain_id IS NOT NULL
        UNION ALL SELECT namespace, 'content' AS type, layer_digest AS id FROM build_cache WHERE layer_digest IS NOT NULL`,
     )};`,
  ],
};

/** A step's own layer. */
export interface CachedLayer {
  digest: Digest;
  /** Compressed size. */
  size: number;
  mediaType: string;
  diffId: Digest;
  /** Files and symlink targets, in bytes (Docker's layer size). */
  bytes: number;
}

/** One cache record. */
export interface CacheRecord {
  key: string;
  kind: 'fs' | 'meta';
  /** fs records: the snapshotter and committed snapshot of the resulting filesystem (undefined: empty rootfs). */
  snapshotter?: string;
  chainId?: Digest;
  /** fs records: the step's layer, undefined when the step changed nothing. */
  layer?: CachedLayer;
  description: string;
  createdAt: Date;
  lastUsedAt: Date;
}

/** A memoised content hash of a context file. */
export interface FileHashEntry {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  hash: string;
  hashedAt: number;
}

interface Row {
  key: string;
  kind: 'fs' | 'meta';
  snapshotter: string | null;
  chain_id: string | null;
  layer_digest: string | null;
  layer_size: number | null;
  layer_media_type: string | null;
  diff_id: string | null;
  layer_bytes: number | null;
  description: string;
  created_at: number;
  last_used_at: number;
}

function toRecord(r: Row): CacheRecord {
  return {
    key: r.key,
    kind: r.kind,
    ...(r.snapshotter !== null ? { snapshotter: r.snapshotter } : {}),
    ...(r.chain_id !== null ? { chainId: r.chain_id as Digest } : {}),
    ...(r.layer_digest !== null
      ? {
          layer: {
            digest: r.layer_digest as Digest,
            size: r.layer_size ?? 0,
            mediaType: r.layer_media_type ?? '',
            diffId: r.diff_id as Digest,
            bytes: r.layer_bytes ?? 0,
          },
        }
      : {}),
    description: r.description,
    createdAt: new Date(r.created_at),
    lastUsedAt: new Date(r.last_used_at),
  };
}

const COLUMNS = 'key, kind, snapshotter, chain_id, layer_digest, layer_size, layer_media_type, diff_id, layer_bytes, description, created_at, last_used_at';

/** How stale `last_used_at` may get before a reuse refreshes it (one write per hour, not per build). */
const TOUCH_INTERVAL_MS = 60 * 60 * 1000;

/**
 * The build cache of one metadata database. Synchronous: every call is one short query or transaction.
 * Errors are the database's (unavailable when locked past the busy timeout).
 */
export interface BuildCache {
  /** The live record for `key`, or undefined (also when its snapshot or layer blob is gone). */
  get(namespace: string, key: string): CacheRecord | undefined;
  /** Inserts or replaces records, in one transaction (the first `createdAt` of an existing key is kept). */
  put(namespace: string, records: readonly Omit<CacheRecord, 'lastUsedAt'>[]): void;
  /** Refreshes `last_used_at` of the records that have not been touched for an hour. */
  touch(namespace: string, records: readonly CacheRecord[]): void;
  /** Every record of the namespace, newest first. */
  list(namespace: string): CacheRecord[];
  /** Removes records by key; returns how many went. */
  remove(namespace: string, keys: readonly string[]): number;
  /** The memoised hash of a context file, if any. */
  fileHash(path: string): FileHashEntry | undefined;
  /** Stores memoised hashes (one transaction). */
  putFileHashes(entries: readonly FileHashEntry[]): void;
  /** Forgets memoised hashes of files under `prefix` (all when undefined). */
  clearFileHashes(prefix?: string): number;
}

/** Opens the build cache on `db`, migrating its tables (and those it reads) on first use. */
export function createBuildCache(db: MetadataDb): BuildCache {
  let migrated = false;
  const migrate = () => {
    if (migrated) return;
    db.migrate(namespacesSchema);
    migrateContent(db);
    migrateSnapshots(db);
    db.migrate(buildCacheSchema);
    migrated = true;
  };

  return {
    get(ns, key) {
      migrate();
      // Joined with the snapshot and content tables: a record whose data is gone is not a hit.
      const row = db
        .prepare(
          `SELECT ${COLUMNS.split(', ')
            .map((c) => `b.${c}`)
            .join(', ')} FROM build_cache b
           WHERE b.namespace = ? AND b.key = ?
             AND (b.chain_id IS NULL OR EXISTS (SELECT 1 FROM snapshots s WHERE s.namespace = b.namespace
                  AND s.snapshotter = b.snapshotter AND s.key = b.chain_id AND s.kind = 'committed'))
             AND (b.layer_digest IS NULL OR EXISTS (SELECT 1 FROM content c WHERE c.namespace = b.namespace
                  AND c.digest = b.layer_digest))`,
        )
        .get(ns, key) as Row | undefined;
      return row === undefined ? undefined : toRecord(row);
    },

    put(ns, records) {
      if (records.length === 0) return;
      migrate();
      const now = Date.now();
      db.write(() => {
        ensureNamespace(db, ns);
        for (const r of records) {
          db.prepare(
            `INSERT INTO build_cache (namespace, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (namespace, key) DO UPDATE SET kind = excluded.kind, snapshotter = excluded.snapshotter,
               chain_id = excluded.chain_id, layer_digest = excluded.layer_digest, layer_size = excluded.layer_size,
               layer_media_type = excluded.layer_media_type, diff_id = excluded.diff_id,
               layer_bytes = excluded.layer_bytes, description = excluded.description,
               last_used_at = excluded.last_used_at`,
          ).run(
            ns,
            r.key,
            r.kind,
            r.snapshotter ?? null,
            r.chainId ?? null,
            r.layer?.digest ?? null,
            r.layer?.size ?? null,
            r.layer?.mediaType ?? null,
            r.layer?.diffId ?? null,
            r.layer?.bytes ?? null,
            r.description,
            r.createdAt.getTime(),
            now,
          );
        }
      });
    },

    touch(ns, records) {
      const now = Date.now();
      const stale = records.filter((r) => now - r.lastUsedAt.getTime() > TOUCH_INTERVAL_MS);
      if (stale.length === 0) return;
      migrate();
      db.write(() => {
        for (const r of stale) db.prepare('UPDATE build_cache SET last_used_at = ? WHERE namespace = ? AND key = ?').run(now, ns, r.key);
      });
    },

    list(ns) {
      migrate();
      return (db.prepare(`SELECT ${COLUMNS} FROM build_cache WHERE namespace = ? ORDER BY created_at DESC, key`).all(ns) as Row[]).map(toRecord);
    },

    remove(ns, keys) {
      if (keys.length === 0) return 0;
      migrate();
      return db.write(() => {
        let n = 0;
        for (const k of keys) n += db.prepare('DELETE FROM build_cache WHERE namespace = ? AND key = ?').run(ns, k).changes;
        return n;
      });
    },

    fileHash(path) {
      migrate();
      const r = db.prepare('SELECT path, dev, ino, size, mtime_ns, ctime_ns, hash, hashed_at FROM build_file_hashes WHERE path = ?').get(path) as
        | { path: string; dev: number; ino: number; size: number; mtime_ns: string; ctime_ns: string; hash: string; hashed_at: number }
        | undefined;
      if (r === undefined) return undefined;
      return {
        path: r.path,
        dev: r.dev,
        ino: r.ino,
        size: r.size,
        mtimeNs: BigInt(r.mtime_ns),
        ctimeNs: BigInt(r.ctime_ns),
        hash: r.hash,
        hashedAt: r.hashed_at,
      };
    },

    putFileHashes(entries) {
      if (entries.length === 0) return;
      migrate();
      db.write(() => {
        for (const e of entries) {
          db.prepare(
            `INSERT INTO build_file_hashes (path, dev, ino, size, mtime_ns, ctime_ns, hash, hashed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino, size = excluded.size,
               mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, hash = excluded.hash, hashed_at = excluded.hashed_at`,
          ).run(e.path, e.dev, e.ino, e.size, String(e.mtimeNs), String(e.ctimeNs), e.hash, e.hashedAt);
        }
      });
    },

    clearFileHashes(prefix) {
      migrate();
      return db.write(() => {
        if (prefix === undefined) return db.prepare('DELETE FROM build_file_hashes').run().changes;
        const p = prefix.endsWith('/') ? prefix : `${prefix}/`;
        return db.prepare('DELETE FROM build_file_hashes WHERE path = ? OR substr(path, 1, ?) = ?').run(prefix, p.length, p).changes;
      });
    },
  };
}
