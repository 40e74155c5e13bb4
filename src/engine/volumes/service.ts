/**
 * The volume service (contract in types.ts): records in meta.db, data under `<dataRoot>/volumes/<ns>/<name>/_data`.
 *
 *   volumes                                (component 'volumes')
 *     *namespace        TEXT -> namespaces
 *     *name             TEXT
 *      driver           TEXT               'local'
 *      labels           TEXT (json)
 *      options          TEXT (json)        driver options as given
 *      anonymous        INTEGER            1 for volumes made for one container (image VOLUME, `-v /path`)
 *      created_at       TEXT               RFC 3339, seconds
 *
 * Order of effects, so a crash leaves nothing inconsistent: create makes the directory, then inserts the row (a
 * directory without a row is harmless and reused by a later create of the same name); remove deletes the row,
 * then the directory.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { conflict, invalidArgument, notFound, notImplemented } from '../errdefs.js';
import { emitVolumeEvent } from '../events/emit.js';
import { eventLogFor } from '../events/event-log.js';
import { generateId, validateObjectName } from '../identifiers.js';
import { parseLabels, validateLabels, type MetadataDb, type Schema } from '../metadata/db.js';
import { ensureNamespace, namespacesSchema } from '../metadata/namespaces.js';
import type { OpContext } from '../op-context.js';
import { diskUsage } from '../snapshots/usage.js';
import type { CreateVolumeOptions, Volume, VolumeService, VolumeUsersProvider } from './types.js';

export const volumesSchema: Schema = {
  component: 'volumes',
  migrations: [
    `CREATE TABLE volumes (
       namespace TEXT NOT NULL REFERENCES namespaces(name),
       name TEXT NOT NULL,
       driver TEXT NOT NULL DEFAULT 'local',
       labels TEXT NOT NULL DEFAULT '{}',
       options TEXT NOT NULL DEFAULT '{}',
       anonymous INTEGER NOT NULL DEFAULT 0,
       created_at TEXT NOT NULL,
       PRIMARY KEY (namespace, name)
     ) WITHOUT ROWID;`,
  ],
};

interface Row {
  name: string;
  driver: string;
  labels: string;
  options: string;
  anonymous: number;
  created_at: string;
}

/** `<dataRoot>/volumes/<namespace>/<name>/_data`. */
export function volumeDataDir(dataRoot: string, namespace: string, name: string): string {
  return path.join(dataRoot, 'volumes', namespace, name, '_data');
}

function rfc3339Seconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export interface VolumeServiceOptions {
  readonly db: MetadataDb;
  readonly dataRoot: string;
}

/** Opens the volume service over `db` (migrating lazily on first use). */
export function createVolumeService(o: VolumeServiceOptions): VolumeService {
  const { db } = o;
  let migrated = false;
  let usersProvider: VolumeUsersProvider | undefined;
  const ready = () => {
    if (!migrated) {
      db.migrate(namespacesSchema);
      db.migrate(volumesSchema);
      eventLogFor(db); // the events table too, before any transaction emits into it
      migrated = true;
    }
  };
  const toVolume = (ns: string, r: Row): Volume => ({
    name: r.name,
    driver: r.driver,
    labels: parseLabels(r.labels),
    options: parseLabels(r.options),
    mountpoint: volumeDataDir(o.dataRoot, ns, r.name),
    createdAt: r.created_at,
    anonymous: r.anonymous === 1,
  });
  const row = (ns: string, name: string) =>
    db.prepare('SELECT name, driver, labels, options, anonymous, created_at FROM volumes WHERE namespace = ? AND name = ?').get(ns, name) as
      | Row
      | undefined;

  async function createVolume(ctx: OpContext, opts: CreateVolumeOptions = {}): Promise<{ volume: Volume; created: boolean }> {
    ready();
    const name = opts.name ?? generateId();
    validateObjectName('volume', name);
    const driver = opts.driver ?? 'local';
    if (driver !== 'local') throw notImplemented(`volume driver "${driver}" is not supported (only "local")`);
    const labels = { ...opts.labels };
    validateLabels(labels);
    const options = { ...opts.options };
    for (const k of Object.keys(options)) {
      if (!['type', 'device', 'o', 'size'].includes(k)) throw invalidArgument(`invalid option key: "${k}"`);
    }
    if (options.device !== undefined || options.type !== undefined) {
      throw notImplemented('local volumes backed by a device or filesystem mount are not supported');
    }
    const existing = row(ctx.namespace, name);
    if (existing) return { volume: toVolume(ctx.namespace, existing), created: false };
    const dir = volumeDataDir(o.dataRoot, ctx.namespace, name);
    await mkdir(path.dirname(dir), { recursive: true, mode: 0o701 });
    await mkdir(dir, { recursive: true, mode: 0o755 });
    return db.write(() => {
      const again = row(ctx.namespace, name);
      if (again) return { volume: toVolume(ctx.namespace, again), created: false };
      ensureNamespace(db, ctx.namespace);
      const createdAt = rfc3339Seconds(new Date());
      db.prepare('INSERT INTO volumes (namespace, name, driver, labels, options, anonymous, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        ctx.namespace,
        name,
        driver,
        JSON.stringify(labels),
        JSON.stringify(options),
        opts.anonymous === true || opts.name === undefined ? 1 : 0,
        createdAt,
      );
      emitVolumeEvent(db, ctx, name, 'create', {}, driver);
      return { volume: toVolume(ctx.namespace, row(ctx.namespace, name)!), created: true };
    });
  }

  const service: VolumeService = {
    async create(ctx, opts) {
      return (await createVolume(ctx, opts)).volume;
    },

    ensure(ctx, name, opts = {}) {
      return createVolume(ctx, { ...opts, name });
    },

    async get(ctx, name) {
      ready();
      const r = row(ctx.namespace, name);
      if (!r) throw notFound({ kind: 'volume', ref: name });
      return toVolume(ctx.namespace, r);
    },

    async list(ctx) {
      ready();
      const rows = db.prepare('SELECT name, driver, labels, options, anonymous, created_at FROM volumes WHERE namespace = ? ORDER BY name').all(ctx.namespace) as Row[];
      return rows.map((r) => toVolume(ctx.namespace, r));
    },

    async remove(ctx, name, opts = {}) {
      ready();
      if (!row(ctx.namespace, name)) throw notFound({ kind: 'volume', ref: name });
      const users = service.users(ctx, name);
      if (users.length > 0 && opts.force !== true) {
        throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`, { subject: { kind: 'volume', ref: name } });
      }
      db.write(() => {
        db.prepare('DELETE FROM volumes WHERE namespace = ? AND name = ?').run(ctx.namespace, name);
        emitVolumeEvent(db, ctx, name, 'destroy');
      });
      await rm(path.dirname(volumeDataDir(o.dataRoot, ctx.namespace, name)), { recursive: true, force: true });
    },

    users(ctx, name) {
      return usersProvider?.(ctx, name) ?? [];
    },

    async usage(ctx, name) {
      const v = await service.get(ctx, name);
      return (await diskUsage(v.mountpoint)).size;
    },

    setUsersProvider(provider) {
      usersProvider = provider;
    },
  };
  return service;
}

/** True when a directory has no entries (or does not exist). */
export async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch {
    return true;
  }
}
