/**
 * The lease manager on the metadata database (contract in ../leases/types.ts). Other stores attach resources to
 * `ctx.lease` inside their own write transactions with {@link addLeaseResource}, so a record and its protection
 * appear atomically: a garbage collection never sees one without the other.
 */
import { randomBytes } from 'node:crypto';
import { alreadyExists, invalidArgument, notFound } from '../errdefs.js';
import { validateNamespace } from '../identifiers.js';
import { GC } from '../labels.js';
import type { CreateLeaseOptions, Lease, LeaseManager, LeaseResource } from '../leases/types.js';
import type { OpContext } from '../op-context.js';
import { parseLabels, validateLabels, type MetadataDb, type Schema } from './db.js';
import { ensureNamespace, namespacesSchema } from './namespaces.js';

/** Leases and their resources. Rows go with their namespace (cascade): a lease alone does not keep it alive. */
export const leasesSchema: Schema = {
  component: 'leases',
  migrations: [
    `CREATE TABLE leases (
       namespace TEXT NOT NULL REFERENCES namespaces(name) ON DELETE CASCADE,
       id TEXT NOT NULL,
       labels TEXT NOT NULL DEFAULT '{}',
       created_at INTEGER NOT NULL,
       PRIMARY KEY (namespace, id)
     ) WITHOUT ROWID;
     CREATE TABLE lease_resources (
       namespace TEXT NOT NULL,
       lease TEXT NOT NULL,
       type TEXT NOT NULL,
       id TEXT NOT NULL,
       PRIMARY KEY (namespace, lease, type, id),
       FOREIGN KEY (namespace, lease) REFERENCES leases(namespace, id) ON DELETE CASCADE
     ) WITHOUT ROWID;`,
  ],
};

const idRe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,75}$/;
const typeRe = /^(content|ingests|snapshots\/[a-z0-9_-]+)$/;

function validateResource(r: LeaseResource): void {
  if (!typeRe.test(r.type)) {
    throw invalidArgument(`lease resource type "${r.type}" is not content, ingests or snapshots/<snapshotter>`);
  }
  if (r.id === '') throw invalidArgument('lease resource id must not be empty');
}

function leaseExists(db: MetadataDb, namespace: string, id: string): boolean {
  return db.prepare('SELECT 1 FROM leases WHERE namespace = ? AND id = ?').get(namespace, id) !== undefined;
}

/**
 * Attaches `resource` to `lease` inside the caller's write transaction. No-op when `lease` is undefined (the
 * operation runs without one). not-found when the lease does not exist, which aborts the caller's transaction:
 * writing under a lease that is gone (expired and collected) must not silently produce unprotected data.
 */
export function addLeaseResource(
  db: MetadataDb,
  namespace: string,
  lease: string | undefined,
  resource: LeaseResource,
): void {
  if (lease === undefined) return;
  if (!leaseExists(db, namespace, lease)) throw notFound({ kind: 'lease', ref: lease });
  db.prepare(
    'INSERT INTO lease_resources (namespace, lease, type, id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  ).run(namespace, lease, resource.type, resource.id);
}

interface Row {
  id: string;
  labels: string;
  created_at: number;
}

const toLease = (r: Row): Lease => ({ id: r.id, labels: parseLabels(r.labels), createdAt: new Date(r.created_at) });

/** Opens the lease manager on `db` (migrating its tables). */
export function createLeaseManager(db: MetadataDb): LeaseManager {
  db.migrate(namespacesSchema);
  db.migrate(leasesSchema);

  const mustExist = (ns: string, id: string) => {
    if (!leaseExists(db, ns, id)) throw notFound({ kind: 'lease', ref: id });
  };

  return {
    async create(ctx: OpContext, options: CreateLeaseOptions = {}) {
      const id = options.id ?? `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
      if (!idRe.test(id)) throw invalidArgument(`invalid lease id "${id}"`);
      const labels = { ...options.labels };
      if (options.expiresInMs !== undefined) {
        if (!(options.expiresInMs > 0)) throw invalidArgument('lease expiry must be positive');
        labels[GC.expire] = new Date(Date.now() + options.expiresInMs).toISOString();
      }
      validateLabels(labels);
      return db.write(() => {
        ensureNamespace(db, ctx.namespace);
        if (leaseExists(db, ctx.namespace, id)) throw alreadyExists({ kind: 'lease', ref: id });
        const now = Date.now();
        db.prepare('INSERT INTO leases (namespace, id, labels, created_at) VALUES (?, ?, ?, ?)').run(
          ctx.namespace,
          id,
          JSON.stringify(labels),
          now,
        );
        return { id, labels, createdAt: new Date(now) };
      });
    },

    async delete(ctx, id) {
      db.write(() => {
        const res = db.prepare('DELETE FROM leases WHERE namespace = ? AND id = ?').run(ctx.namespace, id);
        if (res.changes === 0) throw notFound({ kind: 'lease', ref: id });
      });
    },

    async list(ctx) {
      validateNamespace(ctx.namespace);
      const rows = db
        .prepare('SELECT id, labels, created_at FROM leases WHERE namespace = ? ORDER BY created_at, id')
        .all(ctx.namespace) as Row[];
      return rows.map(toLease);
    },

    async addResource(ctx, id, resource) {
      validateResource(resource);
      db.write(() => addLeaseResource(db, ctx.namespace, id, resource));
    },

    async deleteResource(ctx, id, resource) {
      validateResource(resource);
      db.write(() => {
        mustExist(ctx.namespace, id);
        db.prepare('DELETE FROM lease_resources WHERE namespace = ? AND lease = ? AND type = ? AND id = ?').run(
          ctx.namespace,
          id,
          resource.type,
          resource.id,
        );
      });
    },

    async listResources(ctx, id) {
      return db.read(() => {
        mustExist(ctx.namespace, id);
        return db
          .prepare('SELECT type, id FROM lease_resources WHERE namespace = ? AND lease = ? ORDER BY type, id')
          .all(ctx.namespace, id) as LeaseResource[];
      });
    },
  };
}

/** When the lease expires (from `containerd.io/gc.expire`), or undefined for never / unparsable. */
export function leaseExpiry(labels: Record<string, string>): Date | undefined {
  const v = labels[GC.expire];
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t);
}
