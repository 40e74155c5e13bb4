/**
 * The metadata database: one SQLite file, `<dataRoot>/meta.db`, shared by every nerdctl process on the host.
 *
 * There is no daemon, so this file is where concurrent CLI processes meet. It is opened in WAL mode (readers never
 * block the writer), with a busy timeout (a writer waits for another instead of failing), `synchronous=FULL` (a
 * committed transaction survives a crash or power loss), and foreign keys on. Every write goes through
 * {@link MetadataDb.write}, a `BEGIN IMMEDIATE` transaction: it takes the write lock up front, so two processes
 * never interleave a read-modify-write, and an upgrade from reader to writer can never fail half-way.
 * Transactions are synchronous (better-sqlite3): never await inside one; do slow work (copying, hashing) before,
 * and only quick file renames or unlinks inside when they must be atomic with the records.
 *
 * Schema. Each component owns its tables and declares its migrations next to its code as a {@link Schema}
 * (`{ component: 'content', migrations: [sql, ...] }`) and calls {@link MetadataDb.migrate} before first use;
 * pending migrations run in one transaction and are recorded in `schema_migrations`. Adding a component (images,
 * containers, volumes, build cache, events) needs no edit here, only an update of the drawing below.
 * Migrations are append-only: never edit one that has shipped.
 *
 * The database as it stands (update with every migration; `*` marks the primary key, `->` a foreign key):
 *
 *   schema_migrations                      which migrations ran
 *     *component        TEXT               'namespaces', 'content', 'snapshots', 'leases', ...
 *      version          INTEGER            number of migrations applied
 *
 *   namespaces                             (metadata/namespaces.ts)
 *     *name             TEXT               'default' exists from the start; others appear on first write
 *      labels           TEXT (json)        {"key": "value"}
 *      created_at, updated_at  INTEGER     ms since the epoch (all timestamps below too)
 *
 *   content                                (metadata/content-store.ts) a blob visible in a namespace
 *     *namespace        TEXT -> namespaces
 *     *digest           TEXT               sha256:<hex>; the file is content/blobs/sha256/<hex>, shared
 *      size             INTEGER
 *      labels           TEXT (json)        GC refs (containerd.io/gc.ref.content.*), uncompressed, source
 *      created_at, updated_at
 *     index content_digest(digest)         "does any namespace still use this blob?"
 *
 *   ingests                                (metadata/content-store.ts) an upload in progress
 *     *namespace        TEXT -> namespaces (cascade: ingests do not keep a namespace alive)
 *     *ref              TEXT               caller's name for it; data in content/ingest/<sha256(ns NUL ref)>/
 *      expected         TEXT NULL          digest the data must have
 *      total            INTEGER NULL       size the data must have
 *      owner            TEXT NULL          "<pid>:<starttime>:<token>" of the writer holding it; stale when dead
 *      started_at, updated_at
 *
 *   content_trash                          (metadata/content-store.ts) blobs no namespace uses, to unlink
 *     *digest           TEXT
 *      since            INTEGER
 *
 *   snapshots                              (metadata/snapshotter.ts)
 *     *id               INTEGER            autoincrement, never reused: the backend dir snapshots/<sn>/<id>
 *      namespace        TEXT -> namespaces
 *      snapshotter      TEXT               'overlayfs' | 'native'
 *      key              TEXT               key of an active/view snapshot, name of a committed one
 *      kind             TEXT               'active' | 'view' | 'committed'
 *      parent_id        INTEGER NULL -> snapshots(id)   committed parent (restrict: no removal with children)
 *      labels           TEXT (json)
 *      size, inodes     INTEGER NULL       usage, cached once committed
 *      created_at, updated_at
 *     unique (namespace, snapshotter, key); index snapshots_parent(parent_id)
 *
 *   leases                                 (metadata/leases.ts)
 *     *namespace        TEXT -> namespaces (cascade)
 *     *id               TEXT
 *      labels           TEXT (json)        containerd.io/gc.expire = RFC 3339 expiry
 *      created_at
 *
 *   lease_resources                        what a lease protects from GC
 *     *namespace, *lease  -> leases (cascade)
 *     *type             TEXT               'content' | 'ingests' | 'snapshots/<snapshotter>'
 *     *id               TEXT               digest | ingest ref | snapshot key
 *
 *   gc_roots_<component>  (VIEW)           roots other components declare (see metadata/gc.ts, gcRootsView):
 *      namespace, type, id                 e.g. images -> ('content', target digest)
 *
 * A namespaced table references namespaces(name) from a column named `namespace`; without ON DELETE CASCADE its
 * rows keep the namespace from being removed (namespaces.ts finds such tables through the foreign keys).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineError, failedPrecondition, invalidArgument } from '../errdefs.js';
import { nullLogger, type Logger } from '../log.js';

/** The raw better-sqlite3 handle. */
export type SqliteDatabase = Database.Database;
/** A prepared better-sqlite3 statement. */
export type Statement = Database.Statement;

/** One migration: SQL (several statements allowed), or a function for data rewrites SQL cannot express. */
export type Migration = string | ((db: SqliteDatabase) => void);

/**
 * A component's part of the schema. Migration `i` takes the component from version `i` to `i + 1`.
 * Append only: a shipped migration is never edited, a change is a new entry.
 */
export interface Schema {
  component: string;
  migrations: readonly Migration[];
}

/** Options for {@link openMetadataDb}. */
export interface OpenMetadataDbOptions {
  /** The data root; the database is `<dataRoot>/meta.db`. Created (mode 0711) when missing. */
  dataRoot: string;
  /**
   * Open read-only when the file exists. The connection becomes read-write by itself the first time a write or
   * a pending migration needs it, so read-only commands (`ps`, `images`) never take the write lock.
   */
  readonly?: boolean;
  /** How long a writer waits for another process's transaction before failing with unavailable (default 30 s). */
  busyTimeoutMs?: number;
  log?: Logger;
}

/**
 * An open metadata database. One per process and data root; not safe to share across worker threads.
 *
 * Lifecycle: {@link openMetadataDb} → any number of `migrate`, `prepare`, `read`, `write` → `close`. Opening does
 * no I/O beyond opening the file; the first `migrate` reads `schema_migrations` once (one small query) and runs
 * only what is pending.
 */
export interface MetadataDb {
  /** Path of the database file. */
  readonly path: string;
  /** The data root the database lives in (content/ and snapshots/ sit beside it). */
  readonly dataRoot: string;
  readonly log: Logger;
  /** True while the connection is read-only (see {@link OpenMetadataDbOptions.readonly}). */
  readonly isReadonly: boolean;
  /**
   * Brings `schema` up to date. Cheap when current (a lookup in a map read once per connection). Pending
   * migrations run inside one write transaction, re-checked under the lock, so concurrent processes apply each
   * exactly once. Throws failed-precondition when the file was migrated by a newer nerdctl past what this
   * build knows (the schema could have changed in ways this code cannot read).
   */
  migrate(schema: Schema): void;
  /** A prepared statement for `sql`, cached for the life of the connection. Prepare at use, don't keep it. */
  prepare(sql: string): Statement;
  /** Runs `fn` in a write (BEGIN IMMEDIATE) transaction; nested calls become savepoints. `fn` must be synchronous. */
  write<T>(fn: () => T): T;
  /** Runs `fn` in a read transaction: one consistent snapshot across several queries. */
  read<T>(fn: () => T): T;
  /** The raw handle, for components that need more than the above. Do not keep it across `migrate`/`write`. */
  readonly sqlite: SqliteDatabase;
  /** Closes the connection. Idempotent. */
  close(): void;
}

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT PRIMARY KEY,
  version INTEGER NOT NULL
) WITHOUT ROWID`;

let requireFromHere: NodeJS.Require | undefined;

/**
 * better-sqlite3's constructor. The build bundles its JavaScript (one chunk instead of a dozen CommonJS files
 * resolved and compiled on every command that opens the database); only the native addon loads from node_modules.
 */
export function loadSqlite(): typeof Database {
  return Database;
}

let nativeBinding: string | null | undefined;

/** The addon's path, resolved once: passing it skips the `bindings` package's directory search (about 2 ms). */
function resolveNativeBinding(): string | undefined {
  if (nativeBinding === undefined) {
    try {
      requireFromHere ??= createRequire(import.meta.url);
      nativeBinding = requireFromHere.resolve('better-sqlite3/build/Release/better_sqlite3.node');
    } catch {
      nativeBinding = null;
    }
  }
  return nativeBinding ?? undefined;
}

function isSqliteError(err: unknown, codePrefix: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith(codePrefix);
}

/** Maps a better-sqlite3 error to the engine's classes: busy → unavailable, constraint → conflict. */
export function classifySqliteError(err: unknown, context: string): EngineError {
  if (err instanceof EngineError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (isSqliteError(err, 'SQLITE_BUSY') || isSqliteError(err, 'SQLITE_LOCKED')) {
    return new EngineError('unavailable', `${context}: metadata database is locked by another process`, {
      cause: err,
      hint: 'another nerdctl command holds the database; retry when it finishes',
    });
  }
  if (isSqliteError(err, 'SQLITE_CONSTRAINT')) return new EngineError('conflict', `${context}: ${msg}`, { cause: err });
  if (isSqliteError(err, 'SQLITE_READONLY') || isSqliteError(err, 'SQLITE_CANTOPEN')) {
    return new EngineError('permission-denied', `${context}: ${msg}`, { cause: err });
  }
  return new EngineError('internal', `${context}: ${msg}`, { cause: err });
}

class Db implements MetadataDb {
  readonly path: string;
  readonly dataRoot: string;
  readonly log: Logger;
  #conn: SqliteDatabase;
  #readonly: boolean;
  #busyTimeoutMs: number;
  #statements = new Map<string, Statement>();
  #versions: Map<string, number> | undefined;
  #closed = false;

  constructor(dataRoot: string, file: string, readonly: boolean, busyTimeoutMs: number, log: Logger) {
    this.dataRoot = dataRoot;
    this.path = file;
    this.log = log;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#readonly = readonly;
    this.#conn = this.#connect(readonly);
  }

  get isReadonly(): boolean {
    return this.#readonly;
  }

  get sqlite(): SqliteDatabase {
    return this.#conn;
  }

  #connect(readonly: boolean): SqliteDatabase {
    const binding = resolveNativeBinding();
    let conn: SqliteDatabase;
    try {
      conn = new (loadSqlite())(this.path, {
        readonly,
        fileMustExist: readonly,
        timeout: this.#busyTimeoutMs,
        ...(binding === undefined ? {} : { nativeBinding: binding }),
      });
    } catch (err) {
      throw classifySqliteError(err, `open metadata database "${this.path}"`);
    }
    try {
      if (!readonly && conn.pragma('journal_mode', { simple: true }) !== 'wal') conn.pragma('journal_mode = WAL');
      conn.pragma('synchronous = FULL');
      conn.pragma('foreign_keys = ON');
    } catch (err) {
      conn.close();
      throw classifySqliteError(err, `open metadata database "${this.path}"`);
    }
    return conn;
  }

  /** Switches a read-only connection to read-write (statements are re-prepared on the new connection). */
  #upgrade(): void {
    if (!this.#readonly) return;
    this.#conn.close();
    this.#statements.clear();
    this.#readonly = false;
    this.#conn = this.#connect(false);
  }

  #check(): void {
    if (this.#closed) throw failedPrecondition('metadata database is closed');
  }

  #loadVersions(): Map<string, number> {
    if (this.#versions !== undefined) return this.#versions;
    const versions = new Map<string, number>();
    try {
      const rows = this.#conn.prepare('SELECT component, version FROM schema_migrations').all() as {
        component: string;
        version: number;
      }[];
      for (const r of rows) versions.set(r.component, r.version);
    } catch (err) {
      // A brand-new file has no schema_migrations yet: everything is pending.
      if (!(err instanceof Error && /no such table/.test(err.message))) {
        throw classifySqliteError(err, 'read schema versions');
      }
    }
    this.#versions = versions;
    return versions;
  }

  migrate(schema: Schema): void {
    this.#check();
    const want = schema.migrations.length;
    const have = this.#loadVersions().get(schema.component) ?? 0;
    if (have === want) return;
    if (have > want) throw this.#tooNew(schema.component, have, want);
    this.#upgrade();
    try {
      const applied = this.#conn
        .transaction(() => {
          this.#conn.exec(migrationsTable);
          const row = this.#conn
            .prepare('SELECT version FROM schema_migrations WHERE component = ?')
            .get(schema.component) as { version: number } | undefined;
          const current = row?.version ?? 0;
          if (current > want) throw this.#tooNew(schema.component, current, want);
          for (let v = current; v < want; v++) {
            const m = schema.migrations[v];
            if (typeof m === 'string') this.#conn.exec(m);
            else if (m !== undefined) m(this.#conn);
          }
          this.#conn
            .prepare(
              'INSERT INTO schema_migrations (component, version) VALUES (?, ?) ' +
                'ON CONFLICT (component) DO UPDATE SET version = excluded.version',
            )
            .run(schema.component, want);
          return want - current;
        })
        .immediate();
      if (applied > 0) this.log.debug('metadata schema migrated', { component: schema.component, version: want });
    } catch (err) {
      throw classifySqliteError(err, `migrate metadata schema "${schema.component}"`);
    }
    this.#loadVersions().set(schema.component, want);
  }

  #tooNew(component: string, have: number, want: number): EngineError {
    return failedPrecondition(
      `metadata database "${this.path}": schema "${component}" is at version ${have}, ` +
        `newer than this nerdctl knows (${want})`,
      { hint: 'use the nerdctl version that created this data root, or a newer one' },
    );
  }

  prepare(sql: string): Statement {
    this.#check();
    let st = this.#statements.get(sql);
    if (st === undefined) {
      try {
        st = this.#conn.prepare(sql);
      } catch (err) {
        throw classifySqliteError(err, 'prepare statement');
      }
      this.#statements.set(sql, st);
    }
    return st;
  }

  write<T>(fn: () => T): T {
    this.#check();
    if (this.#readonly) this.#upgrade();
    if (this.#conn.inTransaction) return this.#conn.transaction(fn)();
    try {
      return this.#conn.transaction(fn).immediate();
    } catch (err) {
      if (err instanceof EngineError) throw err;
      throw classifySqliteError(err, 'metadata transaction');
    }
  }

  read<T>(fn: () => T): T {
    this.#check();
    if (this.#conn.inTransaction) return fn();
    try {
      return this.#conn.transaction(fn).deferred();
    } catch (err) {
      if (err instanceof EngineError) throw err;
      throw classifySqliteError(err, 'metadata read');
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#conn.close();
  }
}

/** The database file inside a data root. */
export function metadataDbPath(dataRoot: string): string {
  return path.join(dataRoot, 'meta.db');
}

/**
 * Opens (creating when missing) `<dataRoot>/meta.db`. Cheap: no schema work happens until a store calls
 * `migrate`. Errors: permission-denied (cannot create or open the file), unavailable (locked past the timeout).
 */
export function openMetadataDb(options: OpenMetadataDbOptions): MetadataDb {
  if (options.dataRoot === '') throw invalidArgument('data root must not be empty');
  const dataRoot = path.resolve(options.dataRoot);
  const file = metadataDbPath(dataRoot);
  let readonly = options.readonly ?? false;
  if (!readonly) {
    try {
      mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
    } catch (err) {
      throw new EngineError('permission-denied', `create data root "${dataRoot}": ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const log = options.log ?? nullLogger;
  try {
    return new Db(dataRoot, file, readonly, options.busyTimeoutMs ?? 30_000, log);
  } catch (err) {
    if (!readonly) throw err;
    // No database yet (or it cannot be opened read-only): fall back to a normal open, which creates it.
    readonly = false;
    mkdirSync(dataRoot, { recursive: true, mode: 0o711 });
    return new Db(dataRoot, file, readonly, options.busyTimeoutMs ?? 30_000, log);
  }
}

/** Parses a labels column. */
export function parseLabels(json: string | null | undefined): Record<string, string> {
  if (json === null || json === undefined || json === '') return {};
  return JSON.parse(json) as Record<string, string>;
}

/** Maximum size of one label (key plus value), as containerd enforces. */
export const MAX_LABEL_SIZE = 4096;

/** Checks labels the way containerd does (non-empty keys, key plus value at most 4096 bytes); invalid-argument. */
export function validateLabels(labels: Record<string, string>): void {
  for (const [k, v] of Object.entries(labels)) {
    if (k === '') throw invalidArgument('label key must not be empty');
    if (typeof v !== 'string') throw invalidArgument(`label "${k}": value must be a string`);
    if (Buffer.byteLength(k) + Buffer.byteLength(v) > MAX_LABEL_SIZE) {
      throw invalidArgument(`label "${k.slice(0, 64)}": key and value exceed ${MAX_LABEL_SIZE} bytes`);
    }
  }
}

/**
 * Applies a containerd-style label update. Without `fieldpaths`, `next` replaces `current`. With them, only the
 * named paths change: `labels` replaces all labels, `labels.<key>` sets one key, or deletes it when `next` has
 * no value (or an empty one) for it. Other paths are invalid-argument.
 */
export function applyLabelUpdate(
  current: Record<string, string>,
  next: Record<string, string> | undefined,
  fieldpaths: readonly string[] | undefined,
): Record<string, string> {
  const incoming = next ?? {};
  if (fieldpaths === undefined || fieldpaths.length === 0) return dropEmpty({ ...incoming });
  let out = { ...current };
  for (const fp of fieldpaths) {
    if (fp === 'labels') {
      out = { ...incoming };
    } else if (fp.startsWith('labels.')) {
      const key = fp.slice('labels.'.length);
      const v = incoming[key];
      if (v === undefined || v === '') delete out[key];
      else out[key] = v;
    } else {
      throw invalidArgument(`cannot update field "${fp}"`);
    }
  }
  return dropEmpty(out);
}

function dropEmpty(labels: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(labels)) if (v === '') delete labels[k];
  return labels;
}
