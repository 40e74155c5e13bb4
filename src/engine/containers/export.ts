/**
 * `export`: the container's root filesystem (image layers plus its changes, merged; no volumes) as one plain tar,
 * members relative to `/`, as Docker writes it. Works on running and stopped containers; records an `export`
 * container event.
 */
import type { Writable } from 'node:stream';
import { writeTree } from '../archive/write-tree.js';
import { emitContainerEvent } from '../events/emit.js';
import type { OpContext } from '../op-context.js';
import { withContainerFs } from './container-fs.js';
import type { ContainerServiceImpl } from './service.js';

/** Writes container `ref`'s filesystem to `out` (ended when done). not-found for a missing container. */
export async function exportContainer(svc: ContainerServiceImpl, ctx: OpContext, ref: string, out: Writable): Promise<void> {
  const rec = await svc.get(ctx, ref);
  await withContainerFs(svc.deps, ctx, rec, { volumes: false }, (fs) => writeTree(fs.root, out, { signal: ctx.signal }));
  emitContainerEvent(svc.deps.storage.db, ctx, rec, 'export');
}
