/**
 * The storage half of the engine, composed: one metadata database, the content store, leases, namespaces, the
 * snapshotters and the garbage collector over one data root. The engine facade (engine.ts) holds one of these;
 * tests and tools may open one directly.
 *
 *   <dataRoot>/meta.db                           metadata/db.ts
 *   <dataRoot>/content/blobs/sha256/<hex>        content/local-store.ts
 *   <dataRoot>/content/ingest/<key>/             "
 *   <dataRoot>/snapshots/overlayfs/<id>/{fs,work}  snapshots/overlay.ts
 *   <dataRoot>/snapshots/native/<id>/fs          snapshots/native.ts
 *
 * Opening is cheap: the database file is opened, and each store is built (and its schema checked) on first use,
 * so a command that only lists containers never touches the content or snapshot code paths.
 */
import path from 'node:path';
import { createLocalStore, type LocalStore } from '../content/local-store.js';
import type { ContentStore } from '../content/types.js';
import { invalidArgument } from '../errdefs.js';
import type { LeaseManager } from '../leases/types.js';
import { nullLogger, type Logger } from '../log.js';
import type { SnapshotDriver } from '../snapshots/driver.js';
import { createNativeDriver } from '../snapshots/native.js';
import { createOverlayDriver } from '../snapshots/overlay.js';
import type { Snapshotter } from '../snapshots/types.js';
import { createContentStore } from './content-store.js';
import { openMetadataDb, type MetadataDb } from './db.js';
import { createGarbageCollector, type GarbageCollector } from './gc.js';
import { createLeaseManager } from './leases.js';
import { createNamespaceStore, type NamespaceStore } from './namespaces.js';
import { createSnapshotter } from './snapshotter.js';

/** The snapshotters this build has. */
export const SNAPSHOTTERS = ['overlayfs', 'native'] as const;
export type SnapshotterName = (typeof SNAPSHOTTERS)[number];

/** Options for {@link openStorage}. */
export interface OpenStorageOptions {
  dataRoot: string;
  /** The default snapshotter (`--snapshotter`). Default `overlayfs`. */
  snapshotter?: SnapshotterName;
  /** Open the database read-only until something writes (see OpenMetadataDbOptions.readonly). */
  readonly?: boolean;
  /** fsync blobs before committing them (default true; tests may turn it off for speed). */
  syncBlobs?: boolean;
  busyTimeoutMs?: number;
  log?: Logger;
}

/** The storage services of one data root. Not shareable across worker threads. */
export interface Storage {
  readonly dataRoot: string;
  readonly db: MetadataDb;
  readonly namespaces: NamespaceStore;
  readonly content: ContentStore;
  readonly leases: LeaseManager;
  readonly gc: GarbageCollector;
  /** The default snapshotter. */
  readonly snapshotter: Snapshotter;
  /** The default snapshotter's name. */
  readonly snapshotterName: SnapshotterName;
  /** A snapshotter by name; invalid-argument for an unknown name. */
  snapshotterFor(name: string): Snapshotter;
  /** Closes the database. The stores must not be used afterwards. Idempotent. */
  close(): void;
}

/** Checks a `--snapshotter` value. invalid-argument naming the supported ones otherwise. */
export function parseSnapshotterName(name: string): SnapshotterName {
  if ((SNAPSHOTTERS as readonly string[]).includes(name)) return name as SnapshotterName;
  throw invalidArgument(`snapshotter "${name}" is not supported (supported: ${SNAPSHOTTERS.join(', ')})`);
}

/** Opens the storage services of `options.dataRoot` (creating the directory and database when missing). */
export function openStorage(options: OpenStorageOptions): Storage {
  const log = options.log ?? nullLogger;
  const defaultName = parseSnapshotterName(options.snapshotter ?? 'overlayfs');
  const db = openMetadataDb({
    dataRoot: options.dataRoot,
    readonly: options.readonly,
    busyTimeoutMs: options.busyTimeoutMs,
    log,
  });
  const dataRoot = db.dataRoot;
  const snapshotsRoot = path.join(dataRoot, 'snapshots');
  const drivers: Record<SnapshotterName, SnapshotDriver> = {
    overlayfs: createOverlayDriver(path.join(snapshotsRoot, 'overlayfs')),
    native: createNativeDriver(path.join(snapshotsRoot, 'native')),
  };

  const lazy = <T>(make: () => T): (() => T) => {
    let v: T | undefined;
    return () => (v ??= make());
  };
  const local = lazy<LocalStore>(() =>
    createLocalStore(path.join(dataRoot, 'content'), { sync: options.syncBlobs ?? true }),
  );
  const namespaces = lazy(() => createNamespaceStore(db));
  const content = lazy(() => createContentStore(db, { local: local() }));
  const leases = lazy(() => createLeaseManager(db));
  const gc = lazy(() => createGarbageCollector(db, { local: local(), drivers: Object.values(drivers), log }));
  const snapshotters = new Map<SnapshotterName, Snapshotter>();
  const snapshotterFor = (name: string): Snapshotter => {
    const n = parseSnapshotterName(name);
    let s = snapshotters.get(n);
    if (s === undefined) {
      s = createSnapshotter(db, drivers[n]);
      snapshotters.set(n, s);
    }
    return s;
  };

  return {
    dataRoot,
    db,
    get namespaces() {
      return namespaces();
    },
    get content() {
      return content();
    },
    get leases() {
      return leases();
    },
    get gc() {
      return gc();
    },
    get snapshotter() {
      return snapshotterFor(defaultName);
    },
    snapshotterName: defaultName,
    snapshotterFor,
    close() {
      db.close();
    },
  };
}
