/**
 * Namespaces: the first part of every record's key (containerd's namespaces). `default` exists from the start;
 * any other namespace comes into being on the first write in it (as in containerd) or by an explicit create.
 *
 * Every namespaced table declares `namespace TEXT NOT NULL REFERENCES namespaces(name)`. That foreign key is how
 * {@link NamespaceStore.remove} finds out, without a central list, which kinds of records a namespace still holds.
 * A table whose key declares `ON DELETE CASCADE` (leases) holds nothing worth keeping a namespace for: its rows go
 * with the namespace.
 */
import { alreadyExists, failedPrecondition, notFound } from '../errdefs.js';
import { validateNamespace } from '../identifiers.js';
import { applyLabelUpdate, parseLabels, validateLabels, type MetadataDb, type Schema } from './db.js';

/** The namespaces table. Other components' tables reference it: migrate it first. */
export const namespacesSchema: Schema = {
  component: 'namespaces',
  migrations: [
    `CREATE TABLE namespaces (
       name TEXT PRIMARY KEY,
       labels TEXT NOT NULL DEFAULT '{}',
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     ) WITHOUT ROWID;
     INSERT INTO namespaces (name, labels, created_at, updated_at)
       SELECT 'default', '{}', now, now FROM (SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS now);`,
  ],
};

/** A namespace record. */
export interface Namespace {
  name: string;
  labels: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The namespaces of one metadata database.
 *
 * Errors: invalid-argument (bad name or labels), not-found, already-exists (create), failed-precondition
 * (remove of a namespace that still holds records; the message lists what it holds).
 */
export interface NamespaceStore {
  /** Creates `name`. already-exists when it exists. */
  create(name: string, labels?: Record<string, string>): Namespace;
  /** All namespaces, sorted by name. */
  list(): Namespace[];
  /** One namespace; not-found when absent. */
  get(name: string): Namespace;
  /**
   * Updates labels with containerd's field paths (see applyLabelUpdate in db.ts): none replaces all labels,
   * `labels.<key>` sets or (empty value) deletes one. Returns the updated record.
   */
  update(name: string, labels: Record<string, string>, fieldpaths?: readonly string[]): Namespace;
  /**
   * Removes an empty namespace. failed-precondition, naming the kinds of records left ("images, snapshots"),
   * while any namespaced table still has rows for it; not-found when absent.
   */
  remove(name: string): void;
}

interface Row {
  name: string;
  labels: string;
  created_at: number;
  updated_at: number;
}

function toNamespace(r: Row): Namespace {
  return {
    name: r.name,
    labels: parseLabels(r.labels),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/**
 * Makes sure `namespace` exists, inside the caller's write transaction (so a record and its namespace appear
 * together). Validates the name: invalid-argument. Every store calls this before inserting namespaced rows.
 */
export function ensureNamespace(db: MetadataDb, namespace: string): void {
  validateNamespace(namespace);
  const now = Date.now();
  db.prepare(
    `INSERT INTO namespaces (name, labels, created_at, updated_at) VALUES (?, '{}', ?, ?)
     ON CONFLICT (name) DO NOTHING`,
  ).run(namespace, now, now);
}

/** Tables whose rows keep a namespace alive: a non-cascading foreign key `namespace` -> namespaces(name). */
function namespacedTables(db: MetadataDb): string[] {
  const rows = db
    .prepare(
      `SELECT m.name AS tbl, f."from" AS col FROM sqlite_master m, pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table' AND f."table" = 'namespaces' AND f.on_delete <> 'CASCADE'`,
    )
    .all() as { tbl: string; col: string }[];
  return rows.filter((r) => r.col === 'namespace').map((r) => r.tbl);
}

/** Opens the namespace store on `db` (migrating its table). */
export function createNamespaceStore(db: MetadataDb): NamespaceStore {
  db.migrate(namespacesSchema);

  const getRow = (name: string): Row | undefined =>
    db.prepare('SELECT name, labels, created_at, updated_at FROM namespaces WHERE name = ?').get(name) as
      | Row
      | undefined;

  return {
    create(name, labels = {}) {
      validateNamespace(name);
      validateLabels(labels);
      return db.write(() => {
        if (getRow(name) !== undefined) throw alreadyExists({ kind: 'namespace', ref: name });
        const now = Date.now();
        db.prepare('INSERT INTO namespaces (name, labels, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
          name,
          JSON.stringify(labels),
          now,
          now,
        );
        return toNamespace(getRow(name)!);
      });
    },

    list() {
      const rows = db.prepare('SELECT name, labels, created_at, updated_at FROM namespaces ORDER BY name').all();
      return (rows as Row[]).map(toNamespace);
    },

    get(name) {
      const r = getRow(name);
      if (r === undefined) throw notFound({ kind: 'namespace', ref: name });
      return toNamespace(r);
    },

    update(name, labels, fieldpaths) {
      validateLabels(labels);
      return db.write(() => {
        const r = getRow(name);
        if (r === undefined) throw notFound({ kind: 'namespace', ref: name });
        const next = applyLabelUpdate(parseLabels(r.labels), labels, fieldpaths);
        db.prepare('UPDATE namespaces SET labels = ?, updated_at = ? WHERE name = ?').run(
          JSON.stringify(next),
          Date.now(),
          name,
        );
        return toNamespace(getRow(name)!);
      });
    },

    remove(name) {
      db.write(() => {
        if (getRow(name) === undefined) throw notFound({ kind: 'namespace', ref: name });
        const held: string[] = [];
        for (const table of namespacedTables(db)) {
          // Table names come from sqlite_master, not from users; quoting keeps odd names safe anyway.
          const q = `SELECT 1 FROM "${table.replaceAll('"', '""')}" WHERE namespace = ? LIMIT 1`;
          if (db.prepare(q).get(name) !== undefined) held.push(table.replaceAll('_', ' '));
        }
        if (held.length > 0) {
          throw failedPrecondition(`namespace "${name}" must be empty, but it still has ${held.sort().join(', ')}`, {
            subject: { kind: 'namespace', ref: name },
            hint: `remove them first, e.g. with "nerdctl --namespace ${name} rmi" and "rm"`,
          });
        }
        db.prepare('DELETE FROM namespaces WHERE name = ?').run(name);
      });
    },
  };
}
