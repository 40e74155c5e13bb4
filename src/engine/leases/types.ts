/**
 * Leases: named, optionally expiring protections against garbage collection (containerd's core/leases).
 *
 * A long operation such as a pull creates a lease, runs with `ctx.lease` set, and deletes the lease at the end.
 * While it runs, everything written under it — ingests in progress, committed blobs, prepared and committed
 * snapshots — is attached to the lease as a {@link LeaseResource} and survives any garbage collection, even before
 * an image record refers to it. A process killed half-way leaves its lease behind; the resources stay protected
 * until the lease expires (`containerd.io/gc.expire`), so a repeated pull resumes instead of starting over, and
 * the next collection after the expiry frees them.
 *
 * Leases are namespaced: a lease protects resources of its own namespace only.
 */
import type { OpContext } from '../op-context.js';

/** A lease record. */
export interface Lease {
  id: string;
  createdAt: Date;
  /** `containerd.io/gc.expire` holds the expiry as an RFC 3339 time. */
  labels: Record<string, string>;
}

/**
 * Something a lease protects. `type` is `content` (id = digest), `ingests` (id = ingest ref) or
 * `snapshots/<snapshotter>` (id = snapshot key or name).
 */
export interface LeaseResource {
  type: string;
  id: string;
}

/** Options for {@link LeaseManager.create}. */
export interface CreateLeaseOptions {
  /** The lease id; a random one when absent. */
  id?: string;
  labels?: Record<string, string>;
  /** Expire after this many milliseconds (sets `containerd.io/gc.expire`). No expiry when absent. */
  expiresInMs?: number;
}

/**
 * Creates, lists and deletes leases, and attaches resources to them. All calls are scoped by `ctx.namespace`.
 *
 * Errors: invalid-argument (bad id, labels or resource type), already-exists (create with a taken id),
 * not-found (unknown lease).
 */
export interface LeaseManager {
  /** Creates a lease. */
  create(ctx: OpContext, options?: CreateLeaseOptions): Promise<Lease>;
  /**
   * Deletes a lease and its resource list. The resources themselves are not touched: they become collectable by
   * the next garbage collection unless something else references them. not-found when absent.
   */
  delete(ctx: OpContext, id: string): Promise<void>;
  /** Leases of the namespace, sorted by creation time. */
  list(ctx: OpContext): Promise<Lease[]>;
  /** Attaches `resource` to lease `id` (idempotent). not-found when the lease does not exist. */
  addResource(ctx: OpContext, id: string, resource: LeaseResource): Promise<void>;
  /** Detaches `resource` from lease `id` (idempotent). not-found when the lease does not exist. */
  deleteResource(ctx: OpContext, id: string, resource: LeaseResource): Promise<void>;
  /** Resources attached to lease `id`. not-found when the lease does not exist. */
  listResources(ctx: OpContext, id: string): Promise<LeaseResource[]>;
}
