/**
 * Garbage collection: containerd's mark and sweep over the metadata (core/metadata/gc.go), across all namespaces.
 *
 * Nodes are content blobs, snapshots and ingests, each within a namespace. Roots (never collected):
 * - resources of leases that have not expired (`containerd.io/gc.expire` in the future, or absent);
 * - content and snapshots labelled `containerd.io/gc.root`;
 * - ingests held by a live writer;
 * - whatever other components declare: rows of every `gc_roots_<component>` view in the database (see
 *   {@link gcRootsView}: images declare their target digests, containers their snapshot keys), plus providers
 *   registered in this process with {@link GarbageCollector.registerRoots}.
 * Edges: a blob or snapshot labelled `containerd.io/gc.ref.content[.<anything>]` = digest references that blob;
 * `containerd.io/gc.ref.snapshot.<snapshotter>[/<anything>]` = key references that snapshot; a snapshot references
 * its parent. Anything not reachable from a root is swept: records deleted, blob files unlinked once no namespace
 * records them, snapshot directories removed, expired leases deleted.
 *
 * Concurrency. Marking and deleting records happen in one write transaction, so the collector sees a consistent
 * picture and every writer (which records a blob or snapshot together with its lease reference in one
 * transaction) is either entirely before or entirely after it: the database write lock is the GC lock. Files go
 * afterwards, in the crash-safe order described in content-store.ts and snapshotter.ts. A pull running beside a
 * collection is safe as long as it works inside a lease, as the image pipeline does.
 */
import path from 'node:path';
import { GC } from '../labels.js';
import type { LocalStore } from '../content/local-store.js';
import { canceled, failedPrecondition, internal } from '../errdefs.js';
import { nullLogger, type Logger } from '../log.js';
import type { SnapshotDriver } from '../snapshots/driver.js';
import { diskUsage } from '../snapshots/usage.js';
import { migrateContent, ingestKey, purgeContentTrash } from './content-store.js';
import { parseLabels, type MetadataDb } from './db.js';
import { leaseExpiry } from './leases.js';
import { isOwnerAlive } from './owner.js';
import { cleanupSnapshotDirs, migrateSnapshots, removeSnapshotDir } from './snapshotter.js';

/**
 * A root: a resource that must not be collected. `type` uses the lease resource vocabulary: `content`
 * (id = digest), `snapshots/<snapshotter>` (id = key or name), `ingests` (id = ingest ref).
 */
export interface GcRoot {
  namespace: string;
  type: string;
  id: string;
}

/** Produces roots, reading the database (called inside the collector's transaction; must be synchronous). */
export type GcRootProvider = (db: MetadataDb) => Iterable<GcRoot>;

/**
 * The SQL that declares a component's GC roots, for use as (part of) one of its migrations. `select` must yield
 * columns `namespace`, `type`, `id`, e.g. for images:
 *
 *   gcRootsView('images', `SELECT namespace, 'content' AS type, target_digest AS id FROM images`)
 *
 * and for containers, `SELECT namespace, 'snapshots/' || snapshotter AS type, snapshot_key AS id FROM containers`.
 * Views live in the database, so every process collecting garbage honours them whether or not it loaded the
 * component's code. To change one later, add a migration with `DROP VIEW gc_roots_<component>` and a new view.
 */
export function gcRootsView(component: string, select: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(component)) throw failedPrecondition(`invalid gc roots component "${component}"`);
  return `CREATE VIEW gc_roots_${component} AS ${select}`;
}

/** Options for {@link GarbageCollector.collect}. */
export interface CollectOptions {
  signal?: AbortSignal;
  log?: Logger;
  /** Also measure the disk space of removed snapshots (walks their trees first). Default false. */
  measureSnapshots?: boolean;
}

/** What a collection removed. */
export interface GcResult {
  /** Content records deleted (per namespace). */
  content: number;
  /** Blob files unlinked and their bytes. */
  blobs: number;
  blobBytes: number;
  snapshots: number;
  /** Bytes of removed snapshots, when measured. */
  snapshotBytes: number;
  leases: number;
  ingests: number;
}

/** Collects garbage in one data root. */
export interface GarbageCollector {
  /**
   * Runs one collection over all namespaces. Errors: internal when a declared root source cannot be read (the
   * collection stops rather than deleting what it could not see), canceled via `signal` (before the sweep only).
   */
  collect(options?: CollectOptions): Promise<GcResult>;
  /** Adds a root provider for the life of this collector (prefer {@link gcRootsView} for persistent roots). */
  registerRoots(name: string, provider: GcRootProvider): void;
}

/** Options for {@link createGarbageCollector}. */
export interface GarbageCollectorOptions {
  /** The blob files. */
  local: LocalStore;
  /**
   * Drivers of every snapshotter whose snapshots may be collected, by name. Records of snapshotters not listed are
   * left alone (their directories could not be removed).
   */
  drivers: readonly SnapshotDriver[];
  log?: Logger;
}

interface ContentRow {
  namespace: string;
  digest: string;
  labels: string;
}
interface SnapshotRow {
  id: number;
  namespace: string;
  snapshotter: string;
  key: string;
  parent: string | null;
  labels: string;
  size: number | null;
}
interface LeaseRow {
  namespace: string;
  id: string;
  labels: string;
}
interface IngestRow {
  namespace: string;
  ref: string;
  owner: string | null;
}

const node = (ns: string, type: string, id: string) => `${type}\0${ns}\0${id}`;
const contentRef = GC.contentRefPrefix.slice(0, -1); // 'containerd.io/gc.ref.content'

/** The references in a label set, as node keys in namespace `ns`. */
function labelRefs(ns: string, labels: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (k === contentRef || k.startsWith(GC.contentRefPrefix)) {
      out.push(node(ns, 'content', v));
    } else if (k.startsWith(GC.snapshotRefPrefix)) {
      const rest = k.slice(GC.snapshotRefPrefix.length);
      const sn = rest.split('/')[0];
      if (sn) out.push(node(ns, `snapshots/${sn}`, v));
    }
  }
  return out;
}

/** Creates the collector for the stores sharing `db`. */
export function createGarbageCollector(db: MetadataDb, options: GarbageCollectorOptions): GarbageCollector {
  migrateContent(db);
  migrateSnapshots(db);
  const providers = new Map<string, GcRootProvider>();
  const drivers = new Map(options.drivers.map((d) => [d.name, d]));

  const viewRoots = (): GcRoot[] => {
    const views = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'gc\\_roots\\_%' ESCAPE '\\'`)
      .all() as { name: string }[];
    const out: GcRoot[] = [];
    for (const { name } of views) {
      try {
        out.push(...(db.prepare(`SELECT namespace, type, id FROM "${name}"`).all() as GcRoot[]));
      } catch (err) {
        throw internal(`garbage collection: read roots from ${name}: ${(err as Error).message}`, { cause: err });
      }
    }
    return out;
  };

  return {
    registerRoots(name, provider) {
      providers.set(name, provider);
    },

    async collect(opts = {}) {
      const log = opts.log ?? options.log ?? nullLogger;
      const check = () => {
        if (opts.signal?.aborted) throw canceled('garbage collection canceled', { cause: opts.signal.reason });
      };
      check();
      const now = Date.now();
      const swept = db.write(() => {
        const contents = db.prepare('SELECT namespace, digest, labels FROM content').all() as ContentRow[];
        const snapshots = db
          .prepare(
            `SELECT s.id, s.namespace, s.snapshotter, s.key, p.key AS parent, s.labels, s.size
             FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id`,
          )
          .all() as SnapshotRow[];
        const leases = db.prepare('SELECT namespace, id, labels FROM leases').all() as LeaseRow[];
        const ingests = db.prepare('SELECT namespace, ref, owner FROM ingests').all() as IngestRow[];

        // Edges.
        const edges = new Map<string, string[]>();
        const roots: string[] = [];
        for (const c of contents) {
          const labels = parseLabels(c.labels);
          const n = node(c.namespace, 'content', c.digest);
          edges.set(n, labelRefs(c.namespace, labels));
          if (labels[GC.root] !== undefined) roots.push(n);
        }
        for (const s of snapshots) {
          const type = `snapshots/${s.snapshotter}`;
          const labels = parseLabels(s.labels);
          const n = node(s.namespace, type, s.key);
          const refs = labelRefs(s.namespace, labels);
          if (s.parent !== null) refs.push(node(s.namespace, type, s.parent));
          edges.set(n, refs);
          if (labels[GC.root] !== undefined) roots.push(n);
        }

        // Roots.
        const expired: LeaseRow[] = [];
        for (const l of leases) {
          const exp = leaseExpiry(parseLabels(l.labels));
          if (exp !== undefined && exp.getTime() <= now) expired.push(l);
        }
        const expiredSet = new Set(expired.map((l) => `${l.namespace}\0${l.id}`));
        const resources = db.prepare('SELECT namespace, lease, type, id FROM lease_resources').all() as {
          namespace: string;
          lease: string;
          type: string;
          id: string;
        }[];
        for (const r of resources) {
          if (!expiredSet.has(`${r.namespace}\0${r.lease}`)) roots.push(node(r.namespace, r.type, r.id));
        }
        for (const i of ingests) if (isOwnerAlive(i.owner)) roots.push(node(i.namespace, 'ingests', i.ref));
        for (const r of viewRoots()) roots.push(node(r.namespace, r.type, r.id));
        for (const [name, provider] of providers) {
          try {
            for (const r of provider(db)) roots.push(node(r.namespace, r.type, r.id));
          } catch (err) {
            throw internal(`garbage collection: roots provider "${name}": ${(err as Error).message}`, { cause: err });
          }
        }

        // Mark.
        const marked = new Set<string>();
        const stack = [...roots];
        while (stack.length > 0) {
          const n = stack.pop()!;
          if (marked.has(n)) continue;
          marked.add(n);
          for (const m of edges.get(n) ?? []) if (!marked.has(m)) stack.push(m);
        }

        // Sweep records.
        let content = 0;
        const digests = new Set<string>();
        for (const c of contents) {
          if (marked.has(node(c.namespace, 'content', c.digest))) continue;
          db.prepare('DELETE FROM content WHERE namespace = ? AND digest = ?').run(c.namespace, c.digest);
          digests.add(c.digest);
          content++;
        }
        for (const d of digests) {
          if (db.prepare('SELECT 1 FROM content WHERE digest = ? LIMIT 1').get(d) === undefined) {
            db.prepare('INSERT INTO content_trash (digest, since) VALUES (?, ?) ON CONFLICT DO NOTHING').run(d, now);
          }
        }
        // Children before parents: a child's id is always larger than its parent's.
        const deadSnapshots = snapshots
          .filter((s) => drivers.has(s.snapshotter))
          .filter((s) => !marked.has(node(s.namespace, `snapshots/${s.snapshotter}`, s.key)))
          .sort((a, b) => b.id - a.id);
        for (const s of deadSnapshots) db.prepare('DELETE FROM snapshots WHERE id = ?').run(s.id);
        for (const l of expired) {
          db.prepare('DELETE FROM leases WHERE namespace = ? AND id = ?').run(l.namespace, l.id);
        }
        let ingestCount = 0;
        for (const i of ingests) {
          if (marked.has(node(i.namespace, 'ingests', i.ref))) continue;
          db.prepare('DELETE FROM ingests WHERE namespace = ? AND ref = ?').run(i.namespace, i.ref);
          // Inside the transaction: a new writer of the same ref must not find its fresh directory removed.
          options.local.removeIngestSync(ingestKey(i.namespace, i.ref));
          ingestCount++;
        }
        return { content, deadSnapshots, leases: expired.length, ingests: ingestCount };
      });

      // Files, after the records.
      let snapshotBytes = 0;
      for (const s of swept.deadSnapshots) {
        const driver = drivers.get(s.snapshotter)!;
        if (opts.measureSnapshots) {
          const dir = driver.usagePath(path.join(driver.root, String(s.id)));
          snapshotBytes += s.size ?? (await diskUsage(dir)).size;
        }
        await removeSnapshotDir(driver, s.id);
      }
      // Blobs on disk that no record knows (a crash between rename and record) join the queue.
      const rows = db.prepare('SELECT DISTINCT digest FROM content').all() as { digest: string }[];
      const known = new Set(rows.map((r) => r.digest));
      const strays: string[] = [];
      for await (const d of options.local.walkBlobs()) if (!known.has(d)) strays.push(d);
      if (strays.length > 0) {
        db.write(() => {
          for (const d of strays) {
            db.prepare('INSERT INTO content_trash (digest, since) VALUES (?, ?) ON CONFLICT DO NOTHING').run(d, now);
          }
        });
      }
      const purged = purgeContentTrash(db, options.local);
      // Ingest directories without a row (a crash between the two), re-checked under the lock.
      const keys = await options.local.listIngestKeys();
      if (keys.length > 0) {
        db.write(() => {
          const rows = db.prepare('SELECT namespace, ref FROM ingests').all() as IngestRow[];
          const live = new Set(rows.map((i) => ingestKey(i.namespace, i.ref)));
          for (const k of keys) if (!live.has(k)) options.local.removeIngestSync(k);
        });
      }
      for (const d of drivers.values()) await cleanupSnapshotDirs(db, d, log);

      const result: GcResult = {
        content: swept.content,
        blobs: purged.blobs,
        blobBytes: purged.bytes,
        snapshots: swept.deadSnapshots.length,
        snapshotBytes,
        leases: swept.leases,
        ingests: swept.ingests,
      };
      log.debug('garbage collected', { ...result });
      return result;
    },
  };
}
