/**
 * One-line emitters for the services: `emitContainerEvent(db, ctx, rec, 'die', { exitCode: '0' })`. Each is
 * {@link EventLog.emit} with Docker's actor for the kind, so it never throws and may run inside `db.write()`.
 */
import type { MetadataDb } from '../metadata/db.js';
import type { OpContext } from '../op-context.js';
import { eventLogFor } from './event-log.js';
import { containerActor, networkActor, volumeActor } from './types.js';

type Ctx = Pick<OpContext, 'namespace' | 'log'>;

/** A container event (`create`, `start`, `die`, `stop`, `kill`, `destroy`, `pause`, `unpause`, `rename`...). */
export function emitContainerEvent(
  db: MetadataDb,
  ctx: Ctx,
  c: { readonly id: string; readonly name: string; readonly image: string; readonly labels?: Readonly<Record<string, string>> },
  action: string,
  extra: Readonly<Record<string, string>> = {},
): void {
  eventLogFor(db).emit(ctx, { type: 'container', action, actor: containerActor(c, extra) });
}

/** A network event (`create`, `destroy`, `connect`, `disconnect` with `{container: id}`). */
export function emitNetworkEvent(
  db: MetadataDb,
  ctx: Ctx,
  n: { readonly id: string; readonly name: string; readonly driver: string },
  action: string,
  extra: Readonly<Record<string, string>> = {},
): void {
  eventLogFor(db).emit(ctx, { type: 'network', action, actor: networkActor(n, extra) });
}

/** A volume event (`create`, `destroy`, `mount`, `unmount`). */
export function emitVolumeEvent(db: MetadataDb, ctx: Ctx, name: string, action: string, extra: Readonly<Record<string, string>> = {}, driver = 'local'): void {
  eventLogFor(db).emit(ctx, { type: 'volume', action, actor: volumeActor(name, driver, extra) });
}
