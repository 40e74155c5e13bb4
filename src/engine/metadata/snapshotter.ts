/**
 * The snapshotter (contract in ../snapshots/types.ts): records in the metadata database, directories through a
 * {@link SnapshotDriver} (overlayfs or native).
 *
 * The snapshot's row id is its directory name (`<driver root>/<id>`). Ids come from AUTOINCREMENT and are never
 * reused, so a directory that outlives its row (a crash between the two) can never be mistaken for a new
 * snapshot's, and `cleanup` can remove it later. New directories are built in a staging directory outside any
 * transaction (a native copy may take seconds) and renamed into place inside the transaction that inserts the row.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { alreadyExists, failedPrecondition, invalidArgument, isErrno, notFound } from '../errdefs.js';
import type { Logger } from '../log.js';
import type { Mount } from '../mount/mount.js';
import type { OpContext } from '../op-context.js';
import type { SnapshotDriver } from '../snapshots/driver.js';
import type { Info, Kind, Snapshotter, SnapshotOptions, Usage } from '../snapshots/types.js';
import { diskUsage } from '../snapshots/usage.js';
import { applyLabelUpdate, parseLabels, validateLabels, type MetadataDb, type Schema } from './db.js';
import { addLeaseResource, leasesSchema } from './leases.js';
import { ensureNamespace, namespacesSchema } from './namespaces.js';
import { processStartTime } from './owner.js';

/** Snapshot records of all snapshotters. */
export const snapshotsSchema: Schema = {
  component: 'snapshots',
  migrations: [
    `CREATE TABLE snapshots (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       namespace TEXT NOT NULL REFERENCES namespaces(name),
       snapshotter TEXT NOT NULL,
       key TEXT NOT NULL,
       kind TEXT NOT NULL CHECK (kind IN ('active', 'view', 'committed')),
       parent_id INTEGER REFERENCES snapshots(id),
       labels TEXT NOT NULL DEFAULT '{}',
       size INTEGER,
       inodes INTEGER,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL,
       UNIQUE (namespace, snapshotter, key)
     );
     CREATE INDEX snapshots_parent ON snapshots (parent_id);`,
  ],
};

/** Migrates everything the snapshot tables depend on. */
export function migrateSnapshots(db: MetadataDb): void {
  db.migrate(namespacesSchema);
  db.migrate(leasesSchema);
  db.migrate(snapshotsSchema);
}

interface Row {
  id: number;
  key: string;
  kind: Kind;
  parent_id: number | null;
  parent: string | null;
  labels: string;
  size: number | null;
  inodes: number | null;
  created_at: number;
  updated_at: number;
}

const selectRow = `SELECT s.id, s.key, s.kind, s.parent_id, p.key AS parent, s.labels, s.size, s.inodes,
  s.created_at, s.updated_at FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id`;

const toInfo = (r: Row): Info => ({
  kind: r.kind,
  name: r.key,
  ...(r.parent === null ? {} : { parent: r.parent }),
  labels: parseLabels(r.labels),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const subject = (key: string) => ({ kind: 'snapshot' as const, ref: key });

function checkKey(key: string, what = 'snapshot key'): void {
  if (typeof key !== 'string' || key === '') throw invalidArgument(`${what} must not be empty`);
  if (key.includes('\0')) throw invalidArgument(`${what} must not contain NUL`);
}

/**
 * Creates the snapshotter named after `driver` on `db` (migrating its tables). Nothing is created on disk until
 * the first prepare or view.
 */
export function createSnapshotter(db: MetadataDb, driver: SnapshotDriver): Snapshotter {
  migrateSnapshots(db);
  const sn = driver.name;
  const leaseType = `snapshots/${sn}`;
  const dirOf = (id: number) => path.join(driver.root, String(id));

  const getRow = (ns: string, key: string): Row | undefined =>
    db.prepare(`${selectRow} WHERE s.namespace = ? AND s.snapshotter = ? AND s.key = ?`).get(ns, sn, key) as
      | Row
      | undefined;

  const mustGet = (ns: string, key: string): Row => {
    const r = getRow(ns, key);
    if (r === undefined) throw notFound(subject(key));
    return r;
  };

  /** Directory ids of the chain starting at `id` (itself first, then its parent, ...). */
  const chain = (id: number): number[] =>
    (
      db
        .prepare(
          `WITH RECURSIVE chain(id, parent_id, depth) AS (
             SELECT id, parent_id, 0 FROM snapshots WHERE id = ?
             UNION ALL
             SELECT s.id, s.parent_id, c.depth + 1 FROM snapshots s JOIN chain c ON s.id = c.parent_id
           ) SELECT id FROM chain ORDER BY depth`,
        )
        .all(id) as { id: number }[]
    ).map((r) => r.id);

  const parentDirs = (row: Row): string[] => (row.parent_id === null ? [] : chain(row.parent_id).map(dirOf));

  const create = async (
    ctx: OpContext,
    kind: 'active' | 'view',
    key: string,
    parentArg: string | undefined,
    options: SnapshotOptions,
  ): Promise<Mount[]> => {
    checkKey(key);
    const parent = parentArg === '' ? undefined : parentArg; // containerd spells "no parent" as ""
    if (parent !== undefined) checkKey(parent, 'parent');
    const labels = { ...options.labels };
    validateLabels(labels);
    const ns = ctx.namespace;

    // Checked before the (possibly slow) staging, and again under the write lock below.
    const resolveParent = (): Row | undefined => {
      if (parent === undefined) return undefined;
      const p = getRow(ns, parent);
      if (p === undefined) throw notFound(subject(parent));
      if (p.kind !== 'committed') {
        throw failedPrecondition(`snapshot "${parent}": parent must be a committed snapshot, it is ${p.kind}`, {
          subject: subject(parent),
        });
      }
      return p;
    };
    if (getRow(ns, key) !== undefined) throw alreadyExists(subject(key));
    const p0 = resolveParent();
    const parents = p0 === undefined ? [] : chain(p0.id).map(dirOf);

    await mkdir(driver.root, { recursive: true, mode: 0o700 });
    const stage = path.join(driver.root, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(stage, { mode: 0o700 });
    let id: number;
    let placed: number | undefined;
    try {
      await driver.create(stage, kind, parents);
      id = db.write(() => {
        ensureNamespace(db, ns);
        if (getRow(ns, key) !== undefined) throw alreadyExists(subject(key));
        const p = resolveParent();
        if (p?.id !== p0?.id) throw notFound(subject(parent ?? ''), { hint: 'the parent was replaced meanwhile' });
        const now = Date.now();
        const res = db
          .prepare(
            `INSERT INTO snapshots (namespace, snapshotter, key, kind, parent_id, labels, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(ns, sn, key, kind, p?.id ?? null, JSON.stringify(labels), now, now);
        const newId = Number(res.lastInsertRowid);
        addLeaseResource(db, ns, ctx.lease, { type: leaseType, id: key });
        // Last, so nothing after it can roll the row back. A directory already named newId can only be debris of
        // a crashed transaction (ids are never reused once committed): replace it.
        rmSync(dirOf(newId), { recursive: true, force: true });
        renameSync(stage, dirOf(newId));
        placed = newId;
        return newId;
      });
    } catch (err) {
      await rm(stage, { recursive: true, force: true }).catch(() => {});
      // The commit itself failed after the rename: the directory has no row.
      if (placed !== undefined) await rm(dirOf(placed), { recursive: true, force: true }).catch(() => {});
      throw err;
    }
    ctx.log.debug('snapshot created', { snapshotter: sn, key, parent, kind, id });
    return driver.mounts(dirOf(id), kind, parents);
  };

  return {
    name: sn,

    async stat(ctx, key) {
      return toInfo(mustGet(ctx.namespace, key));
    },

    async update(ctx, info, fieldpaths) {
      return db.write(() => {
        const r = mustGet(ctx.namespace, info.name);
        const labels = applyLabelUpdate(parseLabels(r.labels), info.labels, fieldpaths);
        validateLabels(labels);
        db.prepare('UPDATE snapshots SET labels = ?, updated_at = ? WHERE id = ?').run(
          JSON.stringify(labels),
          Date.now(),
          r.id,
        );
        return toInfo(mustGet(ctx.namespace, info.name));
      });
    },

    async usage(ctx, key): Promise<Usage> {
      const r = mustGet(ctx.namespace, key);
      if (r.kind === 'committed' && r.size !== null && r.inodes !== null) return { size: r.size, inodes: r.inodes };
      const u = await diskUsage(driver.usagePath(dirOf(r.id)));
      if (r.kind === 'committed') {
        const cache = 'UPDATE snapshots SET size = ?, inodes = ? WHERE id = ?';
        db.write(() => db.prepare(cache).run(u.size, u.inodes, r.id));
      }
      return u;
    },

    async mounts(ctx, key) {
      const r = mustGet(ctx.namespace, key);
      if (r.kind === 'committed') {
        throw failedPrecondition(`snapshot "${key}": a committed snapshot cannot be mounted, make a view of it`, {
          subject: subject(key),
        });
      }
      return driver.mounts(dirOf(r.id), r.kind, parentDirs(r));
    },

    prepare: (ctx, key, parent, options = {}) => create(ctx, 'active', key, parent, options),

    view: (ctx, key, parent, options = {}) => create(ctx, 'view', key, parent, options),

    async commit(ctx, name, key, options = {}) {
      checkKey(name, 'snapshot name');
      checkKey(key);
      const labels = { ...options.labels };
      validateLabels(labels);
      db.write(() => {
        const r = mustGet(ctx.namespace, key);
        if (r.kind !== 'active') {
          throw failedPrecondition(`snapshot "${key}": only an active snapshot can be committed, it is ${r.kind}`, {
            subject: subject(key),
          });
        }
        if (name !== key && getRow(ctx.namespace, name) !== undefined) throw alreadyExists(subject(name));
        db.prepare(
          `UPDATE snapshots SET key = ?, kind = 'committed', labels = ?, size = NULL, inodes = NULL, updated_at = ?
           WHERE id = ?`,
        ).run(name, JSON.stringify(labels), Date.now(), r.id);
        addLeaseResource(db, ctx.namespace, ctx.lease, { type: leaseType, id: name });
      });
      ctx.log.debug('snapshot committed', { snapshotter: sn, key, name });
    },

    async remove(ctx, key) {
      checkKey(key);
      const id = db.write(() => {
        const r = mustGet(ctx.namespace, key);
        const child = db.prepare('SELECT key FROM snapshots WHERE parent_id = ? LIMIT 1').get(r.id) as
          | { key: string }
          | undefined;
        if (child !== undefined) {
          throw failedPrecondition(`snapshot "${key}": cannot remove a snapshot that has children ("${child.key}")`, {
            subject: subject(key),
            hint: 'remove its children first',
          });
        }
        db.prepare('DELETE FROM snapshots WHERE id = ?').run(r.id);
        return r.id;
      });
      await removeSnapshotDir(driver, id);
    },

    async *walk(ctx, filter) {
      const rows = db
        .prepare(`${selectRow} WHERE s.namespace = ? AND s.snapshotter = ? ORDER BY s.key`)
        .all(ctx.namespace, sn) as Row[];
      for (const r of rows) {
        const info = toInfo(r);
        if (filter === undefined || filter(info)) yield info;
      }
    },

    async cleanup(ctx) {
      await cleanupSnapshotDirs(db, driver, ctx.log);
    },
  };
}

/**
 * Removes the directory of snapshot `id`, whose row is gone. Renamed aside first, so that a crash half-way
 * through leaves `rm-*` debris for cleanup rather than a partial tree under a numeric name.
 */
export async function removeSnapshotDir(driver: SnapshotDriver, id: number): Promise<void> {
  const dir = path.join(driver.root, String(id));
  const aside = path.join(driver.root, `rm-${id}-${randomBytes(3).toString('hex')}`);
  try {
    await rename(dir, aside);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  await rm(aside, { recursive: true, force: true });
}

/**
 * Removes directories under `driver.root` that no snapshot record owns: numeric dirs without a row (a crash
 * between a record change and the file change), staging dirs of dead processes, and `rm-*` debris. Each numeric
 * dir is re-checked and moved aside inside a write transaction, because a concurrent prepare renames its
 * directory into place inside its own transaction. Safe to run beside other processes.
 */
export async function cleanupSnapshotDirs(db: MetadataDb, driver: SnapshotDriver, log: Logger): Promise<number> {
  let names: string[];
  try {
    names = await readdir(driver.root);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 0;
    throw err;
  }
  const sn = driver.name;
  const known = new Set(
    (db.prepare('SELECT id FROM snapshots WHERE snapshotter = ?').all(sn) as { id: number }[]).map((r) => String(r.id)),
  );
  let removed = 0;
  for (const n of names) {
    const full = path.join(driver.root, n);
    if (/^\d+$/.test(n)) {
      if (known.has(n)) continue;
      const moved = db.write(() => {
        if (db.prepare('SELECT 1 FROM snapshots WHERE id = ? AND snapshotter = ?').get(Number(n), sn)) return false;
        renameSync(full, path.join(driver.root, `rm-${n}-${randomBytes(3).toString('hex')}`));
        return true;
      });
      if (!moved) continue;
    } else if (n.startsWith('tmp-')) {
      const pid = Number(n.split('-')[1]);
      const live = Number.isInteger(pid) && (pid === process.pid || processStartTime(pid) !== undefined);
      if (live) continue;
      await rm(full, { recursive: true, force: true }).catch(() => {});
    } else if (!n.startsWith('rm-')) {
      continue;
    }
    removed++;
    log.debug('removing orphaned snapshot directory', { snapshotter: sn, dir: n });
  }
  for (const n of await readdir(driver.root)) {
    // Another process's remove may be deleting the same debris: losing that race is fine.
    if (n.startsWith('rm-')) await rm(path.join(driver.root, n), { recursive: true, force: true }).catch(() => {});
  }
  return removed;
}
