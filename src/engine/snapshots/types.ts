/**
 * Snapshotters: copy-on-write filesystem trees for image layers and container root filesystems, in containerd's
 * shape (core/snapshots). Two implementations exist: `overlayfs` (default) and `native` (plain copies, for
 * filesystems overlayfs cannot use).
 *
 * Vocabulary. A snapshot is identified by a *key* while it is active (writable) or a view (read-only), and by a
 * *name* once committed. A *parent* is always a committed snapshot; following parents gives the chain of layers
 * beneath a snapshot. Keys and names share one space per namespace and snapshotter.
 *
 * Kinds and transitions:
 *
 *   prepare(key, parent?) → active ──commit(name, key)──→ committed ──(parent of)──→ prepare/view children
 *   view(key, parent?)    → view (read-only; cannot be committed)
 *   remove(key|name)      → gone (refused while committed children exist)
 *
 * Worked example, unpacking a two-layer image (what the image pipeline does, with chain IDs as names):
 *
 *   const m1 = await sn.prepare(ctx, 'extract-1', undefined);    // empty tree
 *   await withTempMount(m1, (dir) => applyLayer(dir, layer1));    // write files
 *   await sn.commit(ctx, chainId1, 'extract-1');                  // 'extract-1' is gone, chainId1 exists
 *   const m2 = await sn.prepare(ctx, 'extract-2', chainId1);      // sees layer 1's files
 *   await withTempMount(m2, (dir) => applyLayer(dir, layer2));    // changes land in the new layer only
 *   await sn.commit(ctx, chainId2, 'extract-2');
 *   // A container: sn.prepare(ctx, containerId, chainId2), then mount those mounts as its rootfs.
 *
 * If `commit` fails with already-exists, another process unpacked the same layer first: remove your active
 * snapshot and use theirs.
 *
 * Mounts are returned as data ({@link Mount}); nothing is mounted by the snapshotter. The caller mounts them
 * (mount/mount.ts), and must unmount before `remove`.
 *
 * Every record lives in the metadata database and is scoped by `ctx.namespace`. With `ctx.lease` set, prepare,
 * view and commit attach the key or name to the lease, protecting it from garbage collection.
 *
 * Errors (EngineError codes): not-found (no such key/name, or parent), already-exists (key or name taken),
 * failed-precondition (parent not committed, commit of a non-active snapshot, mounts of a committed snapshot,
 * remove with children), invalid-argument (empty key, bad labels or field paths).
 */
import type { Mount } from '../mount/mount.js';
import type { OpContext } from '../op-context.js';

/** The kinds of snapshot. */
export type Kind = 'active' | 'view' | 'committed';

/** What a snapshotter knows about a snapshot. */
export interface Info {
  kind: Kind;
  /** Key (active, view) or name (committed). */
  name: string;
  /** Name of the committed parent, absent for a base layer. */
  parent?: string;
  labels: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** Disk usage of a snapshot's own layer (not its parents'): bytes in allocated blocks and inode count. */
export interface Usage {
  size: number;
  inodes: number;
}

/** Options of prepare, view and commit. */
export interface SnapshotOptions {
  labels?: Record<string, string>;
}

/** The snapshotter interface (containerd's Snapshotter). */
export interface Snapshotter {
  /** `overlayfs` or `native`: the value of `--snapshotter` and of `containerd.io/gc.ref.snapshot.<name>`. */
  readonly name: string;
  /** Information about a snapshot. not-found. */
  stat(ctx: OpContext, key: string): Promise<Info>;
  /**
   * Updates labels, with containerd's field paths (none replaces all labels; `labels.<key>` sets one, or deletes
   * it when `info.labels` has no or an empty value for it). Returns the new info. not-found, invalid-argument.
   */
  update(ctx: OpContext, info: { name: string; labels: Record<string, string> }, fieldpaths?: string[]): Promise<Info>;
  /**
   * Disk usage of the snapshot's own layer. Computed by walking the tree for active snapshots; computed once and
   * kept for committed ones (they never change). not-found.
   */
  usage(ctx: OpContext, key: string): Promise<Usage>;
  /** Mounts of an active snapshot or view. not-found; failed-precondition for a committed snapshot. */
  mounts(ctx: OpContext, key: string): Promise<Mount[]>;
  /**
   * Creates an active snapshot `key` on top of committed `parent` (or empty) and returns its mounts (read-write).
   * already-exists (key taken), not-found (parent), failed-precondition (parent not committed).
   */
  prepare(ctx: OpContext, key: string, parent?: string, options?: SnapshotOptions): Promise<Mount[]>;
  /** Like prepare, but read-only: for looking at a committed tree (`image mount`). Views cannot be committed. */
  view(ctx: OpContext, key: string, parent?: string, options?: SnapshotOptions): Promise<Mount[]>;
  /**
   * Turns active snapshot `key` into committed snapshot `name`; `key` ceases to exist. The committed snapshot gets
   * `options.labels` (the active one's labels are not carried over, as in containerd). already-exists (name
   * taken), not-found (key), failed-precondition (key is a view or already committed).
   */
  commit(ctx: OpContext, name: string, key: string, options?: SnapshotOptions): Promise<void>;
  /**
   * Removes a snapshot and its files. failed-precondition while it has children; not-found. The caller unmounts
   * first.
   */
  remove(ctx: OpContext, key: string): Promise<void>;
  /** All snapshots of the namespace in this snapshotter, sorted by name, optionally filtered. */
  walk(ctx: OpContext, filter?: (info: Info) => boolean): AsyncIterable<Info>;
  /**
   * Removes files no snapshot record owns (left by a crash between a record change and the file change) in all
   * namespaces. Safe to run beside other processes.
   */
  cleanup(ctx: OpContext): Promise<void>;
}
