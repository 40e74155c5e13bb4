/**
 * The namespaced content store (contract in ../content/types.ts): blob files from ../content/local-store.ts,
 * records, ingest locks and lease references in the metadata database.
 *
 * Ordering rules that keep files and records consistent when processes race or die:
 * - Commit renames the verified data into `blobs/` and inserts the record in one write transaction. A crash
 *   between the two leaves an unrecorded file, which is harmless (the next writer of that digest reuses it, and
 *   garbage collection removes it otherwise).
 * - A blob file is only unlinked inside a write transaction that has just checked no namespace records it (see
 *   {@link purgeContentTrash}). Records are removed first and the digest queued in `content_trash`, so a crash
 *   at any point leaves either a queued digest or an unrecorded file, never a record without its file.
 * - Ingest locks are rows (`ingests.owner`) checked against live processes, so a killed writer never blocks the
 *   next one, and ingest directories are removed inside the transaction that drops their row.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { open } from 'node:fs/promises';
import type {
  BlobDescriptor,
  ContentStore,
  Info,
  ReaderAt,
  Status,
  Writer,
  WriterOptions,
} from '../content/types.js';
import type { IngestFile, LocalStore } from '../content/local-store.js';
import { isDigest, splitDigest, type Digest } from '../digest.js';
import {
  alreadyExists,
  EngineError,
  failedPrecondition,
  invalidArgument,
  isErrno,
  notFound,
  unavailable,
} from '../errdefs.js';
import type { OpContext } from '../op-context.js';
import { applyLabelUpdate, parseLabels, validateLabels, type MetadataDb, type Schema } from './db.js';
import { addLeaseResource, leasesSchema } from './leases.js';
import { ensureNamespace, namespacesSchema } from './namespaces.js';
import { holdOwner, isOwnerAlive, releaseOwner } from './owner.js';

/** Content records, ingests and the unlink queue. */
export const contentSchema: Schema = {
  component: 'content',
  migrations: [
    `CREATE TABLE content (
       namespace TEXT NOT NULL REFERENCES namespaces(name),
       digest TEXT NOT NULL,
       size INTEGER NOT NULL,
       labels TEXT NOT NULL DEFAULT '{}',
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL,
       PRIMARY KEY (namespace, digest)
     ) WITHOUT ROWID;
     CREATE INDEX content_digest ON content (digest);
     CREATE TABLE ingests (
       namespace TEXT NOT NULL REFERENCES namespaces(name) ON DELETE CASCADE,
       ref TEXT NOT NULL,
       expected TEXT,
       total INTEGER,
       owner TEXT,
       started_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL,
       PRIMARY KEY (namespace, ref)
     ) WITHOUT ROWID;
     CREATE TABLE content_trash (
       digest TEXT PRIMARY KEY,
       since INTEGER NOT NULL
     ) WITHOUT ROWID;`,
  ],
};

/** Migrates everything the content store's tables depend on. */
export function migrateContent(db: MetadataDb): void {
  db.migrate(namespacesSchema);
  db.migrate(leasesSchema);
  db.migrate(contentSchema);
}

/** The ingest directory key of (namespace, ref): stable across processes, safe as a file name. */
export function ingestKey(namespace: string, ref: string): string {
  return createHash('sha256').update(namespace).update('\0').update(ref).digest('hex');
}

interface ContentRow {
  digest: Digest;
  size: number;
  labels: string;
  created_at: number;
  updated_at: number;
}

interface IngestRow {
  ref: string;
  expected: Digest | null;
  total: number | null;
  owner: string | null;
  started_at: number;
  updated_at: number;
}

const toInfo = (r: ContentRow): Info => ({
  digest: r.digest,
  size: r.size,
  labels: parseLabels(r.labels),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

function checkDigest(d: string): Digest {
  if (!isDigest(d)) throw invalidArgument(`invalid digest "${d}"`);
  return d;
}

const contentSubject = (d: string) => ({ kind: 'content' as const, ref: d });

const ingestNotFound = (ref: string) =>
  new EngineError('not-found', `ingest "${ref}": not found`, { subject: { kind: 'content', ref } });

function getRecord(db: MetadataDb, ns: string, digest: Digest): ContentRow | undefined {
  return db
    .prepare('SELECT digest, size, labels, created_at, updated_at FROM content WHERE namespace = ? AND digest = ?')
    .get(ns, digest) as ContentRow | undefined;
}

function insertRecord(db: MetadataDb, ns: string, digest: Digest, size: number, labels: Record<string, string>) {
  const now = Date.now();
  db.prepare(
    'INSERT INTO content (namespace, digest, size, labels, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(ns, digest, size, JSON.stringify(labels), now, now);
  db.prepare('DELETE FROM content_trash WHERE digest = ?').run(digest);
}

/**
 * Unlinks queued blobs that no namespace records any more, each inside the write transaction that checked it.
 * Returns what was freed. Called after deletions and by garbage collection; safe to run concurrently.
 */
export function purgeContentTrash(db: MetadataDb, local: LocalStore): { blobs: number; bytes: number } {
  return db.write(() => {
    let blobs = 0;
    let bytes = 0;
    const rows = db.prepare('SELECT digest FROM content_trash').all() as { digest: Digest }[];
    for (const { digest } of rows) {
      const used = db.prepare('SELECT 1 FROM content WHERE digest = ? LIMIT 1').get(digest) !== undefined;
      if (!used) {
        const size = local.statBlobSync(digest);
        if (size !== undefined) {
          local.unlinkBlobSync(digest);
          blobs++;
          bytes += size;
        }
      }
      db.prepare('DELETE FROM content_trash WHERE digest = ?').run(digest);
    }
    return { blobs, bytes };
  });
}

/** Options for {@link createContentStore}. */
export interface ContentStoreOptions {
  /** The blob files. */
  local: LocalStore;
}

/**
 * Opens the namespaced content store on `db` (migrating its tables). Creates nothing on disk until written to.
 */
export function createContentStore(db: MetadataDb, options: ContentStoreOptions): ContentStore {
  migrateContent(db);
  const { local } = options;
  // Writers open in this process, for exact progress without a stat.
  const live = new Map<string, MetaWriter>();

  const getIngest = (ns: string, ref: string): IngestRow | undefined =>
    db
      .prepare(
        'SELECT ref, expected, total, owner, started_at, updated_at FROM ingests WHERE namespace = ? AND ref = ?',
      )
      .get(ns, ref) as IngestRow | undefined;

  const toStatus = (ns: string, row: IngestRow): Status => {
    const w = live.get(`${ns}\0${row.ref}`);
    if (w !== undefined) return w.status();
    const p = local.ingestProgressSync(ingestKey(ns, row.ref));
    return {
      ref: row.ref,
      offset: p.offset,
      total: row.total ?? undefined,
      expected: row.expected ?? undefined,
      startedAt: new Date(row.started_at),
      updatedAt: p.updatedAt ?? new Date(row.updated_at),
      active: isOwnerAlive(row.owner),
    };
  };

  const recordSize = (ctx: OpContext, desc: BlobDescriptor): { digest: Digest; size: number } => {
    const digest = checkDigest(desc.digest);
    const row = db.prepare('SELECT size FROM content WHERE namespace = ? AND digest = ?').get(ctx.namespace, digest) as
      | { size: number }
      | undefined;
    if (row === undefined) throw notFound(contentSubject(digest));
    if (desc.size !== undefined && desc.size !== row.size) {
      throw failedPrecondition(`content "${digest}": size is ${row.size}, descriptor says ${desc.size}`);
    }
    return { digest, size: row.size };
  };

  const openBlob = async (digest: Digest) => {
    try {
      return await open(local.blobPath(digest), 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) {
        throw notFound(contentSubject(digest), { cause: err, hint: 'the blob file is missing from the content store' });
      }
      throw err;
    }
  };

  return {
    async readerAt(ctx, desc) {
      const { digest, size } = recordSize(ctx, desc);
      const fh = await openBlob(digest);
      const reader: ReaderAt = {
        size,
        async readAt(buffer, position) {
          let done = 0;
          while (done < buffer.byteLength) {
            const { bytesRead } = await fh.read(buffer, done, buffer.byteLength - done, position + done);
            if (bytesRead === 0) break;
            done += bytesRead;
          }
          return done;
        },
        close: () => fh.close(),
      };
      return reader;
    },

    async createReadStream(ctx, desc, opts = {}): Promise<Readable> {
      const { digest } = recordSize(ctx, desc);
      const fh = await openBlob(digest);
      return fh.createReadStream({ start: opts.start, end: opts.end, autoClose: true, highWaterMark: 1 << 20 });
    },

    async writer(ctx, opts) {
      return openMetaWriter(db, local, live, ctx, opts);
    },

    async info(ctx, digest) {
      const row = getRecord(db, ctx.namespace, checkDigest(digest));
      if (row === undefined) throw notFound(contentSubject(digest));
      return toInfo(row);
    },

    async update(ctx, info, fieldpaths) {
      const digest = checkDigest(info.digest);
      return db.write(() => {
        const row = getRecord(db, ctx.namespace, digest);
        if (row === undefined) throw notFound(contentSubject(digest));
        const labels = applyLabelUpdate(parseLabels(row.labels), info.labels, fieldpaths);
        validateLabels(labels);
        db.prepare('UPDATE content SET labels = ?, updated_at = ? WHERE namespace = ? AND digest = ?').run(
          JSON.stringify(labels),
          Date.now(),
          ctx.namespace,
          digest,
        );
        return toInfo(getRecord(db, ctx.namespace, digest)!);
      });
    },

    async *walk(ctx, filter) {
      const rows = db
        .prepare(
          'SELECT digest, size, labels, created_at, updated_at FROM content WHERE namespace = ? ORDER BY digest',
        )
        .all(ctx.namespace) as ContentRow[];
      for (const r of rows) {
        const info = toInfo(r);
        if (filter === undefined || filter(info)) yield info;
      }
    },

    async delete(ctx, digest) {
      checkDigest(digest);
      db.write(() => {
        const res = db.prepare('DELETE FROM content WHERE namespace = ? AND digest = ?').run(ctx.namespace, digest);
        if (res.changes === 0) throw notFound(contentSubject(digest));
        if (db.prepare('SELECT 1 FROM content WHERE digest = ? LIMIT 1').get(digest) === undefined) {
          db.prepare('INSERT INTO content_trash (digest, since) VALUES (?, ?) ON CONFLICT DO NOTHING').run(
            digest,
            Date.now(),
          );
        }
      });
      purgeContentTrash(db, local);
    },

    async status(ctx, ref) {
      const row = getIngest(ctx.namespace, ref);
      if (row === undefined) throw ingestNotFound(ref);
      return toStatus(ctx.namespace, row);
    },

    async listStatuses(ctx, filter) {
      const rows = db
        .prepare(
          'SELECT ref, expected, total, owner, started_at, updated_at FROM ingests WHERE namespace = ? ORDER BY ref',
        )
        .all(ctx.namespace) as IngestRow[];
      const out = rows.map((r) => toStatus(ctx.namespace, r));
      return filter === undefined ? out : out.filter(filter);
    },

    async abort(ctx, ref) {
      db.write(() => {
        const row = getIngest(ctx.namespace, ref);
        if (row === undefined) throw ingestNotFound(ref);
        if (isOwnerAlive(row.owner)) throw unavailable(`ingest "${ref}": in use by a running writer`);
        db.prepare('DELETE FROM ingests WHERE namespace = ? AND ref = ?').run(ctx.namespace, ref);
        local.removeIngestSync(ingestKey(ctx.namespace, ref));
      });
    },
  };
}

async function openMetaWriter(
  db: MetadataDb,
  local: LocalStore,
  live: Map<string, MetaWriter>,
  ctx: OpContext,
  opts: WriterOptions,
): Promise<Writer> {
  const ns = ctx.namespace;
  const { ref } = opts;
  if (typeof ref !== 'string' || ref === '') throw invalidArgument('ingest ref must not be empty');
  if (ref.length > 1024) throw invalidArgument('ingest ref is longer than 1024 characters');
  const expected = opts.expected === undefined ? undefined : checkDigest(opts.expected);
  const total = opts.total;
  if (total !== undefined && !(Number.isSafeInteger(total) && total >= 0)) {
    throw invalidArgument(`ingest "${ref}": invalid size ${total}`);
  }

  if (expected !== undefined) {
    // The blob may be here already: in this namespace (done), or on disk for another one (share it). The
    // common case, already here and no lease to extend, needs no write lock.
    if (ctx.lease === undefined && getRecord(db, ns, expected) !== undefined) {
      throw alreadyExists(contentSubject(expected));
    }
    const had = db.write(() => {
      const row = getRecord(db, ns, expected);
      if (row === undefined) {
        const size = local.statBlobSync(expected);
        if (size === undefined || (total !== undefined && size !== total)) return false;
        ensureNamespace(db, ns);
        insertRecord(db, ns, expected, size, {});
      }
      addLeaseResource(db, ns, ctx.lease, { type: 'content', id: expected });
      return true;
    });
    if (had) throw alreadyExists(contentSubject(expected));
  }

  const owner = holdOwner();
  const key = ingestKey(ns, ref);
  let row: IngestRow;
  let reset: boolean;
  try {
    ({ row, reset } = db.write(() => {
      ensureNamespace(db, ns);
      const cur = db
        .prepare(
          'SELECT ref, expected, total, owner, started_at, updated_at FROM ingests WHERE namespace = ? AND ref = ?',
        )
        .get(ns, ref) as IngestRow | undefined;
      if (cur !== undefined && isOwnerAlive(cur.owner)) {
        throw unavailable(`ingest "${ref}": locked by another writer`, {
          hint: 'another nerdctl process is downloading it; wait for it to finish',
        });
      }
      const mismatch =
        cur !== undefined &&
        ((expected !== undefined && cur.expected !== null && cur.expected !== expected) ||
          (total !== undefined && cur.total !== null && cur.total !== total));
      const now = Date.now();
      const next: IngestRow = {
        ref,
        expected: expected ?? (mismatch ? null : (cur?.expected ?? null)),
        total: total ?? (mismatch ? null : (cur?.total ?? null)),
        owner,
        started_at: cur === undefined || mismatch ? now : cur.started_at,
        updated_at: now,
      };
      db.prepare(
        `INSERT INTO ingests (namespace, ref, expected, total, owner, started_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (namespace, ref) DO UPDATE SET expected = excluded.expected, total = excluded.total,
           owner = excluded.owner, started_at = excluded.started_at, updated_at = excluded.updated_at`,
      ).run(ns, ref, next.expected, next.total, owner, next.started_at, now);
      addLeaseResource(db, ns, ctx.lease, { type: 'ingests', id: ref });
      // A row we create from nothing must not adopt bytes of an unrelated earlier upload left on disk.
      return { row: next, reset: cur === undefined || mismatch };
    }));
  } catch (err) {
    releaseOwner(owner);
    throw err;
  }

  let file: IngestFile;
  try {
    file = await local.openIngest(key, {
      ref,
      reset,
      total: row.total ?? undefined,
      algorithm: row.expected === null ? 'sha256' : splitDigest(row.expected).algorithm,
    });
  } catch (err) {
    unlock(db, ns, ref, owner);
    throw err;
  }
  const w = new MetaWriter(db, local, live, ctx, row, key, owner, file);
  live.set(`${ns}\0${ref}`, w);
  ctx.log.debug('content ingest opened', { ref, offset: file.offset, resumed: file.offset > 0 });
  return w;
}

function unlock(db: MetadataDb, ns: string, ref: string, owner: string): void {
  try {
    db.write(() =>
      db
        .prepare('UPDATE ingests SET owner = NULL, updated_at = ? WHERE namespace = ? AND ref = ? AND owner = ?')
        .run(Date.now(), ns, ref, owner),
    );
  } finally {
    releaseOwner(owner);
  }
}

class MetaWriter implements Writer {
  readonly ref: string;
  #db: MetadataDb;
  #local: LocalStore;
  #live: Map<string, MetaWriter>;
  #ctx: OpContext;
  #row: IngestRow;
  #key: string;
  #owner: string;
  #file: IngestFile;
  #done = false;
  #finished = false;

  constructor(
    db: MetadataDb,
    local: LocalStore,
    live: Map<string, MetaWriter>,
    ctx: OpContext,
    row: IngestRow,
    key: string,
    owner: string,
    file: IngestFile,
  ) {
    this.ref = row.ref;
    this.#db = db;
    this.#local = local;
    this.#live = live;
    this.#ctx = ctx;
    this.#row = row;
    this.#key = key;
    this.#owner = owner;
    this.#file = file;
  }

  get offset(): number {
    return this.#file.offset;
  }

  digest(): Digest {
    return this.#file.digest();
  }

  status(): Status {
    return {
      ref: this.ref,
      offset: this.#file.offset,
      total: this.#row.total ?? undefined,
      expected: this.#row.expected ?? undefined,
      startedAt: new Date(this.#row.started_at),
      updatedAt: new Date(),
      active: !this.#done,
    };
  }

  #open(): void {
    if (this.#done) throw failedPrecondition(`ingest "${this.ref}": writer is closed`);
    if (this.#finished) throw failedPrecondition(`ingest "${this.ref}": writer is committing`);
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#open();
    await this.#file.write(chunk);
  }

  async truncate(size: 0): Promise<void> {
    this.#open();
    if (size !== 0) throw invalidArgument(`ingest "${this.ref}": can only truncate to 0`);
    await this.#file.reset();
  }

  async commit(size?: number, expected?: Digest, options: { labels?: Record<string, string> } = {}): Promise<void> {
    this.#open();
    const labels = { ...options.labels };
    validateLabels(labels);
    const ns = this.#ctx.namespace;
    const offset = this.#file.offset;
    const digest = this.#file.digest();
    const wantSize = size ?? this.#row.total ?? undefined;
    const wantDigest = expected === undefined ? (this.#row.expected ?? undefined) : checkDigest(expected);
    if (wantSize !== undefined && offset !== wantSize) {
      // Too much data can never become right; too little can, by resuming.
      if (offset > wantSize) await this.#file.reset();
      throw failedPrecondition(
        `commit ingest "${this.ref}": unexpected size ${offset}, expected ${wantSize}` +
          (offset > wantSize ? ' (data discarded)' : ''),
        { subject: contentSubject(wantDigest ?? digest) },
      );
    }
    if (wantDigest !== undefined && digest !== wantDigest) {
      await this.#file.reset();
      throw failedPrecondition(
        `commit ingest "${this.ref}": unexpected digest ${digest}, expected ${wantDigest} (data discarded)`,
        { subject: contentSubject(wantDigest) },
      );
    }
    this.#finished = true;
    await this.#file.finish();
    const existed = this.#db.write(() => {
        ensureNamespace(this.#db, ns);
        const had = getRecord(this.#db, ns, digest) !== undefined;
        // Another writer (any namespace) may have put the blob in place meanwhile: then ours is a duplicate.
        this.#local.moveIntoPlaceSync(this.#key, digest);
        if (!had) insertRecord(this.#db, ns, digest, offset, labels);
        addLeaseResource(this.#db, ns, this.#ctx.lease, { type: 'content', id: digest });
        this.#db.prepare('DELETE FROM ingests WHERE namespace = ? AND ref = ?').run(ns, this.ref);
        this.#local.removeIngestSync(this.#key);
        return had;
      });
    this.#release();
    this.#ctx.log.debug('content committed', { ref: this.ref, digest, size: offset });
    if (existed) throw alreadyExists(contentSubject(digest));
  }

  #release(): void {
    this.#done = true;
    this.#live.delete(`${this.#ctx.namespace}\0${this.ref}`);
    releaseOwner(this.#owner);
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#live.delete(`${this.#ctx.namespace}\0${this.ref}`);
    try {
      await this.#file.close();
    } finally {
      unlock(this.#db, this.#ctx.namespace, this.ref, this.#owner);
    }
  }
}
