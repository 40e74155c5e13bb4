import type { Logger } from './log.js';

/**
 * The first parameter of every long-running engine call: the TypeScript form of containerd's context.
 * It carries the namespace every record is scoped by, an optional lease that protects content written during
 * the operation from garbage collection, cancellation, and the logger.
 */
export interface OpContext {
  readonly namespace: string;
  readonly lease?: string;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** A copy of `ctx` with other fields (for example a lease). */
export function withOp(ctx: OpContext, patch: Partial<OpContext>): OpContext {
  return { ...ctx, ...patch };
}
