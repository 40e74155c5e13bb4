/**
 * The per-container lock: who may change a container's state right now. It is a column of the container's row
 * (`lock_owner`, see store.ts) holding `<pid>:<starttime>:<token>`; a holder that died (killed mid-way) leaves a
 * stale owner the next process simply takes over. Waiting is polling with a short sleep: holders keep the lock
 * for milliseconds to seconds (start, cleanup), never across a container's whole life.
 *
 * Re-entrant within one async call chain (an AsyncLocalStorage marks the ids held), so `handleExit` can call
 * `remove` without deadlocking on itself.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { canceled, notFound, unavailable } from '../errdefs.js';
import { holdOwner, releaseOwner } from '../metadata/owner.js';
import type { OpContext } from '../op-context.js';
import type { ContainerStore } from './store.js';

const held = new AsyncLocalStorage<ReadonlySet<string>>();

const POLL_MS = 15;
const DEFAULT_TIMEOUT_MS = 120_000;

/** True when this async context holds the lock of `id`. */
export function holdsLock(id: string): boolean {
  return held.getStore()?.has(id) ?? false;
}

/**
 * Runs `fn` holding the lock of container `id`. not-found when the container does not exist (or is removed while
 * waiting); unavailable after `timeoutMs`; canceled with the context.
 */
export async function withContainerLock<T>(
  store: ContainerStore,
  ctx: OpContext,
  id: string,
  fn: () => Promise<T>,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T> {
  const mine = held.getStore();
  if (mine?.has(id)) return fn();
  const owner = holdOwner();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const r = store.tryLock(ctx.namespace, id, owner);
      if (r === 'acquired') break;
      if (r === 'gone') throw notFound({ kind: 'container', ref: id });
      if (ctx.signal.aborted) throw canceled(`container ${id.slice(0, 12)}: canceled while waiting for its lock`);
      if (Date.now() > deadline) {
        throw unavailable(`container ${id.slice(0, 12)} is busy: another nerdctl command is changing it`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    try {
      return await held.run(new Set([...(mine ?? []), id]), fn);
    } finally {
      try {
        store.unlock(ctx.namespace, id, owner);
      } catch (err) {
        ctx.log.debug('container unlock failed', { id, error: err });
      }
    }
  } finally {
    releaseOwner(owner);
  }
}
