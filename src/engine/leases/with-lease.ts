import type { OpContext } from '../op-context.js';
import type { CreateLeaseOptions, LeaseManager } from './types.js';

/** The expiry containerd's client gives the lease of a pull or an unpack: long enough to resume a killed run. */
export const DEFAULT_LEASE_EXPIRY_MS = 24 * 60 * 60 * 1000;

/**
 * Runs `fn` inside a lease (containerd's `client.WithLease`). When `ctx` already carries a lease, `fn` runs in
 * it unchanged. Otherwise a new lease (expiring after {@link DEFAULT_LEASE_EXPIRY_MS} unless `options` say
 * otherwise) is created, `fn` runs with `ctx.lease` set, and the lease is deleted when `fn` settles, whether it
 * succeeded or failed. If the process dies instead, the lease stays until it expires, protecting what was done.
 */
export async function withLease<T>(
  leases: LeaseManager,
  ctx: OpContext,
  fn: (ctx: OpContext) => Promise<T>,
  options: CreateLeaseOptions = {},
): Promise<T> {
  if (ctx.lease !== undefined) return fn(ctx);
  const lease = await leases.create(ctx, { expiresInMs: DEFAULT_LEASE_EXPIRY_MS, ...options });
  try {
    return await fn({ ...ctx, lease: lease.id });
  } finally {
    await leases.delete(ctx, lease.id).catch((err: unknown) => {
      ctx.log.warn('failed to delete lease', { lease: lease.id, error: err });
    });
  }
}
