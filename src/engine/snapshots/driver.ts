/**
 * The filesystem half of a snapshotter. The records half (keys, names, parents, kinds, labels, namespaces,
 * leases) is shared by all of them and lives in metadata/snapshotter.ts; a driver only knows directories.
 *
 * Each snapshot owns one directory, `<root>/<id>` (id: a short number, so overlay option strings stay short).
 * The records half creates it through {@link SnapshotDriver.create} in a staging directory and renames it into
 * place inside the transaction that records the snapshot.
 */
import type { Mount } from '../mount/mount.js';
import type { Kind } from './types.js';

/** A snapshotter's filesystem operations. */
export interface SnapshotDriver {
  /** The snapshotter's name (`overlayfs`, `native`). */
  readonly name: string;
  /** The directory holding one sub-directory per snapshot: `<dataRoot>/snapshots/<name>`. */
  readonly root: string;
  /**
   * Populates the new snapshot directory `dir` (it exists and is empty) for a snapshot of `kind` whose committed
   * parents' directories are `parents`, nearest first. May take long (a copy); runs outside any transaction.
   */
  create(dir: string, kind: Exclude<Kind, 'committed'>, parents: readonly string[]): Promise<void>;
  /** The mounts of snapshot directory `dir` of `kind` with parents `parents` (nearest first). Pure. */
  mounts(dir: string, kind: Exclude<Kind, 'committed'>, parents: readonly string[]): Mount[];
  /** The tree whose disk usage is the snapshot's usage. */
  usagePath(dir: string): string;
}
