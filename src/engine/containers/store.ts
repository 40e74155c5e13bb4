/**
 * Container records in the metadata database (component 'containers').
 *
 *   containers                             (this file)
 *     *namespace        TEXT -> namespaces
 *     *id               TEXT               64 hex
 *      name             TEXT               without the leading slash; unique per namespace
 *      image            TEXT               as the user named it (Config.Image)
 *      image_name       TEXT               normalised reference at create (ancestor filter)
 *      image_id         TEXT               config digest (GC root: content)
 *      image_manifest   TEXT NULL          manifest digest of the platform used (GC root: content)
 *      snapshotter      TEXT               snapshotter of the rootfs snapshot
 *      snapshot_key     TEXT               key of the active rootfs snapshot (GC root), = id
 *      labels           TEXT (json)        image labels overlaid by the user's
 *      command          TEXT (json)        entrypoint + cmd (ps COMMAND)
 *      exposed          TEXT (json)        exposed port keys (ps `expose` filter)
 *      networks         TEXT (json)        network names asked for (ps `network` filter)
 *      volumes          TEXT (json)        volume names and mount destinations (ps `volume` filter, volume rm)
 *      created_at       TEXT               RFC 3339 with 9 fraction digits, UTC (sorts as text)
 *      config           TEXT (json)        ContainerConfig: everything create decided (inspect)
 *      state            TEXT (json)        ContainerState: status, pid, exit, restarts, network, health
 *      lock_owner       TEXT NULL          `<pid>:<starttime>:<token>` of the process changing the container
 *     unique (namespace, name)
 *
 *   gc_roots_containers (VIEW)             rootfs snapshots and image content of every container
 *
 * `ps` reads the narrow columns of every row in one query (never `config`), so listing stays flat as the count
 * grows. State changes go through {@link ContainerStore.updateState} inside one write transaction.
 */
import { conflict, invalidArgument, notFound } from '../errdefs.js';
import { parseLabels, type MetadataDb, type Schema } from '../metadata/db.js';
import { ensureNamespace, namespacesSchema } from '../metadata/namespaces.js';
import { isOwnerAlive } from '../metadata/owner.js';
import type { ContainerConfig, ContainerRecord, ContainerState, ContainerSummary } from './types.js';

export const containersSchema: Schema = {
  component: 'containers',
  migrations: [
    `CREATE TABLE containers (
       namespace TEXT NOT NULL REFERENCES namespaces(name),
       id TEXT NOT NULL,
       name TEXT NOT NULL,
       image TEXT NOT NULL,
       image_name TEXT NOT NULL,
       image_id TEXT NOT NULL,
       image_manifest TEXT,
       snapshotter TEXT NOT NULL,
       snapshot_key TEXT NOT NULL,
       labels TEXT NOT NULL DEFAULT '{}',
       command TEXT NOT NULL DEFAULT '[]',
       exposed TEXT NOT NULL DEFAULT '[]',
       networks TEXT NOT NULL DEFAULT '[]',
       volumes TEXT NOT NULL DEFAULT '[]',
       created_at TEXT NOT NULL,
       config TEXT NOT NULL,
       state TEXT NOT NULL,
       lock_owner TEXT,
       PRIMARY KEY (namespace, id),
       UNIQUE (namespace, name)
     ) WITHOUT ROWID;
     CREATE VIEW gc_roots_containers AS
       SELECT namespace, 'snapshots/' || snapshotter AS type, snapshot_key AS id FROM containers
       UNION ALL SELECT namespace, 'content' AS type, image_id AS id FROM containers
       UNION ALL SELECT namespace, 'content' AS type, image_manifest AS id FROM containers WHERE image_manifest IS NOT NULL;`,
    // The view is written out rather than made with metadata/gc.ts's gcRootsView (same SQL): importing gc.ts would
    // load the whole collector into `ps`, which needs only this store.
  ],
};

/** Migrates the containers table and what it references. Cheap when current. */
export function migrateContainers(db: MetadataDb): void {
  db.migrate(namespacesSchema);
  db.migrate(containersSchema);
}

interface Row {
  namespace: string;
  id: string;
  name: string;
  image: string;
  image_name: string;
  image_id: string;
  image_manifest: string | null;
  snapshotter: string;
  snapshot_key: string;
  labels: string;
  command: string;
  exposed: string;
  networks: string;
  volumes: string;
  created_at: string;
  config: string;
  state: string;
}

type SummaryRow = Omit<Row, 'config' | 'namespace' | 'image_manifest'>;

const SUMMARY_COLUMNS =
  'id, name, image, image_name, image_id, snapshotter, snapshot_key, labels, command, exposed, networks, volumes, created_at, state';

function toRecord(r: Row): ContainerRecord {
  return {
    id: r.id,
    namespace: r.namespace,
    name: r.name,
    image: r.image,
    imageName: r.image_name,
    imageId: r.image_id as ContainerRecord['imageId'],
    ...(r.image_manifest ? { imageManifest: r.image_manifest as ContainerRecord['imageId'] } : {}),
    snapshotter: r.snapshotter,
    snapshotKey: r.snapshot_key,
    labels: parseLabels(r.labels),
    createdAt: r.created_at,
    config: JSON.parse(r.config) as ContainerConfig,
    state: JSON.parse(r.state) as ContainerState,
  };
}

function toSummary(r: SummaryRow): ContainerSummary {
  const out = {
    id: r.id,
    name: r.name,
    image: r.image,
    imageName: r.image_name,
    imageId: r.image_id,
    command: JSON.parse(r.command) as string[],
    createdAt: r.created_at,
    state: JSON.parse(r.state) as ContainerState,
    snapshotter: r.snapshotter,
    snapshotKey: r.snapshot_key,
  } as unknown as ContainerSummary;
  // Columns only filters and some formats read are parsed on first use: `ps` over hundreds of rows stays flat.
  const lazy = <K extends keyof ContainerSummary>(key: K, make: () => ContainerSummary[K]) => {
    let v: ContainerSummary[K] | undefined;
    Object.defineProperty(out, key, { enumerable: true, configurable: true, get: () => (v ??= make()) });
  };
  lazy('labels', () => parseLabels(r.labels));
  lazy('exposedPorts', () => JSON.parse(r.exposed) as string[]);
  lazy('networks', () => JSON.parse(r.networks) as string[]);
  lazy('volumes', () => JSON.parse(r.volumes) as string[]);
  return out;
}

/** Docker's conflict message for a name in use. */
export function nameInUse(name: string, id: string): Error {
  return conflict(
    `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}

/** The columns derived from a record for listings and filters. */
function derived(rec: ContainerRecord): { command: string; exposed: string; networks: string; volumes: string } {
  const mode = rec.config.network.mode;
  const networks = mode.kind === 'bridge' ? mode.networks.map((n) => n.network) : [mode.kind === 'container' ? `container:${mode.container}` : mode.kind];
  const volumes: string[] = [];
  for (const m of rec.config.mounts) {
    if (m.name) volumes.push(m.name);
    volumes.push(m.destination);
  }
  return {
    command: JSON.stringify(rec.config.merged.args),
    exposed: JSON.stringify(rec.config.exposedPorts),
    networks: JSON.stringify(networks),
    volumes: JSON.stringify(volumes),
  };
}

/** Records of one metadata database. Synchronous (better-sqlite3); callers wrap async work around it. */
export interface ContainerStore {
  readonly db: MetadataDb;
  /** Adds a record; conflict with Docker's wording when the name is taken. */
  insert(rec: ContainerRecord): void;
  /** The record with exactly this id, if any. */
  get(namespace: string, id: string): ContainerRecord | undefined;
  /**
   * Docker's lookup: full id, then name (a leading `/` allowed), then a unique id prefix. not-found (subject
   * container), invalid-argument `multiple IDs found with provided prefix: x`.
   */
  resolve(namespace: string, ref: string): ContainerRecord;
  /** Every record of the namespace, newest first (full rows: inspect, compose). */
  all(namespace: string): ContainerRecord[];
  /** Every container of the namespace, newest first, without configs: one query. */
  list(namespace: string): ContainerSummary[];
  /** True when `name` is used in the namespace. */
  nameTaken(namespace: string, name: string): boolean;
  /** Applies `fn` to the state in one transaction; returns the updated record (undefined when gone). */
  updateState(namespace: string, id: string, fn: (s: ContainerState, rec: ContainerRecord) => ContainerState): ContainerRecord | undefined;
  /** Replaces the config (and the derived columns). */
  updateConfig(namespace: string, id: string, config: ContainerConfig): void;
  /** Renames; conflict when taken. */
  rename(namespace: string, id: string, name: string): void;
  delete(namespace: string, id: string): void;
  /**
   * Takes the container's lock for `owner` when it is free or its holder is dead. 'gone' when the record does not
   * exist.
   */
  tryLock(namespace: string, id: string, owner: string): 'acquired' | 'held' | 'gone';
  unlock(namespace: string, id: string, owner: string): void;
  /** Ids of containers whose image is `imageId`. */
  usersOfImage(namespace: string, imageId: string): { id: string; status: string }[];
  /** Ids of containers mounting volume `name`. */
  usersOfVolume(namespace: string, name: string): string[];
}

/** Opens the store (migrating the schema when needed, which upgrades a read-only connection). */
export function createContainerStore(db: MetadataDb): ContainerStore {
  migrateContainers(db);
  const getRow = (ns: string, id: string) => db.prepare('SELECT * FROM containers WHERE namespace = ? AND id = ?').get(ns, id) as Row | undefined;

  const store: ContainerStore = {
    db,
    insert(rec) {
      const d = derived(rec);
      db.write(() => {
        ensureNamespace(db, rec.namespace);
        const taken = db.prepare('SELECT id FROM containers WHERE namespace = ? AND name = ?').get(rec.namespace, rec.name) as { id: string } | undefined;
        if (taken) throw nameInUse(rec.name, taken.id);
        db.prepare(
          `INSERT INTO containers (namespace, id, name, image, image_name, image_id, image_manifest, snapshotter, snapshot_key,
             labels, command, exposed, networks, volumes, created_at, config, state)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          rec.namespace,
          rec.id,
          rec.name,
          rec.image,
          rec.imageName,
          rec.imageId,
          rec.imageManifest ?? null,
          rec.snapshotter,
          rec.snapshotKey,
          JSON.stringify(rec.labels),
          d.command,
          d.exposed,
          d.networks,
          d.volumes,
          rec.createdAt,
          JSON.stringify(rec.config),
          JSON.stringify(rec.state),
        );
      });
    },

    get(ns, id) {
      const r = getRow(ns, id);
      return r ? toRecord(r) : undefined;
    },

    resolve(ns, ref) {
      if (ref === '') throw notFound({ kind: 'container', ref });
      const byId = getRow(ns, ref);
      if (byId) return toRecord(byId);
      const name = ref.startsWith('/') ? ref.slice(1) : ref;
      const byName = db.prepare('SELECT * FROM containers WHERE namespace = ? AND name = ?').get(ns, name) as Row | undefined;
      if (byName) return toRecord(byName);
      if (/^[0-9a-f]+$/.test(ref)) {
        const rows = db
          .prepare("SELECT * FROM containers WHERE namespace = ? AND id >= ? AND id < ? || 'g' LIMIT 2")
          .all(ns, ref, ref) as Row[];
        if (rows.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${ref}`);
        if (rows[0]) return toRecord(rows[0]);
      }
      throw notFound({ kind: 'container', ref });
    },

    all(ns) {
      return (db.prepare('SELECT * FROM containers WHERE namespace = ? ORDER BY created_at DESC').all(ns) as Row[]).map(toRecord);
    },

    list(ns) {
      return (
        db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM containers WHERE namespace = ? ORDER BY created_at DESC`).all(ns) as SummaryRow[]
      ).map(toSummary);
    },

    nameTaken(ns, name) {
      return db.prepare('SELECT 1 FROM containers WHERE namespace = ? AND name = ?').get(ns, name) !== undefined;
    },

    updateState(ns, id, fn) {
      return db.write(() => {
        const r = getRow(ns, id);
        if (!r) return undefined;
        const rec = toRecord(r);
        const next = fn(rec.state, rec);
        db.prepare('UPDATE containers SET state = ? WHERE namespace = ? AND id = ?').run(JSON.stringify(next), ns, id);
        return { ...rec, state: next };
      });
    },

    updateConfig(ns, id, config) {
      db.write(() => {
        const r = getRow(ns, id);
        if (!r) throw notFound({ kind: 'container', ref: id });
        const rec = { ...toRecord(r), config };
        const d = derived(rec);
        db.prepare('UPDATE containers SET config = ?, command = ?, exposed = ?, networks = ?, volumes = ? WHERE namespace = ? AND id = ?').run(
          JSON.stringify(config),
          d.command,
          d.exposed,
          d.networks,
          d.volumes,
          ns,
          id,
        );
      });
    },

    rename(ns, id, name) {
      db.write(() => {
        const taken = db.prepare('SELECT id FROM containers WHERE namespace = ? AND name = ?').get(ns, name) as { id: string } | undefined;
        if (taken && taken.id !== id) throw nameInUse(name, taken.id);
        const res = db.prepare('UPDATE containers SET name = ? WHERE namespace = ? AND id = ?').run(name, ns, id);
        if (res.changes === 0) throw notFound({ kind: 'container', ref: id });
      });
    },

    delete(ns, id) {
      db.write(() => {
        db.prepare('DELETE FROM containers WHERE namespace = ? AND id = ?').run(ns, id);
      });
    },

    tryLock(ns, id, owner) {
      return db.write(() => {
        const r = db.prepare('SELECT lock_owner FROM containers WHERE namespace = ? AND id = ?').get(ns, id) as { lock_owner: string | null } | undefined;
        if (!r) return 'gone';
        if (r.lock_owner !== null && r.lock_owner !== owner && isOwnerAlive(r.lock_owner)) return 'held';
        db.prepare('UPDATE containers SET lock_owner = ? WHERE namespace = ? AND id = ?').run(owner, ns, id);
        return 'acquired';
      });
    },

    unlock(ns, id, owner) {
      db.write(() => {
        db.prepare('UPDATE containers SET lock_owner = NULL WHERE namespace = ? AND id = ? AND lock_owner = ?').run(ns, id, owner);
      });
    },

    usersOfImage(ns, imageId) {
      const rows = db.prepare('SELECT id, state FROM containers WHERE namespace = ? AND image_id = ?').all(ns, imageId) as { id: string; state: string }[];
      return rows.map((r) => ({ id: r.id, status: (JSON.parse(r.state) as ContainerState).status }));
    },

    usersOfVolume(ns, name) {
      const rows = db
        .prepare('SELECT id FROM containers WHERE namespace = ? AND EXISTS (SELECT 1 FROM json_each(containers.volumes) WHERE value = ?)')
        .all(ns, name) as { id: string }[];
      return rows.map((r) => r.id);
    },
  };
  return store;
}

/** The containers using an image, for `rmi`/`image prune` (ImageService users provider shape). */
export function imageUsers(store: ContainerStore, namespace: string, imageId: string | undefined): { id: string; running: boolean }[] {
  if (!imageId) return [];
  return store
    .usersOfImage(namespace, imageId)
    .map((u) => ({ id: u.id, running: u.status === 'running' || u.status === 'paused' || u.status === 'restarting' }));
}
