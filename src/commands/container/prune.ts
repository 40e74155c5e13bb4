/** `container prune`: remove every stopped container (Docker's filters, prompt and report). */
import type { ContainerServiceImpl } from '../../engine/containers/service.js';
import type { ContainerSummary } from '../../engine/containers/types.js';
import { getTimestamp } from '../../util/time.js';
import { goHumanSize } from '../../util/units.js';
import type { CommandContext } from '../_lib/context.js';
import { FilterArgs } from '../_lib/filter.js';
import { defineCommand } from '../_lib/spec.js';
import { rfc3339ToNano } from '../network/shared.js';
import { confirm } from '../system/confirm.js';

export const CONTAINER_PRUNE_WARNING = 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?';

/** Running, paused and restarting containers are never pruned (Docker's IsRunning || IsPaused || restarting). */
export function isActiveStatus(status: string): boolean {
  return status === 'running' || status === 'paused' || status === 'restarting';
}

/** Whether prune takes `c`: stopped, created before `until` (Unix ns), and matching `label=`/`label!=`. Pure. */
export function containerPruneMatch(c: Pick<ContainerSummary, 'createdAt' | 'labels' | 'state'>, filters: FilterArgs, until: bigint | undefined): boolean {
  if (isActiveStatus(c.state.status)) return false;
  if (until !== undefined) {
    const created = rfc3339ToNano(c.createdAt);
    if (created !== undefined && created > until) return false;
  }
  return filters.matchLabels(c.labels);
}

export interface ContainerPruneResult {
  /** Full IDs, in the order removed. */
  readonly removed: string[];
  /** Bytes of the removed containers' writable layers. */
  readonly reclaimed: number;
}

/** Removes the stopped containers `filters` select; shared with `system prune`. */
export async function pruneContainersFiltered(ctx: CommandContext, svc: ContainerServiceImpl, filters: FilterArgs): Promise<ContainerPruneResult> {
  filters.validate(['until', 'label', 'label!']);
  const untilText = filters.lastValue('until');
  const until = untilText === undefined ? undefined : getTimestamp(untilText);
  const op = ctx.op();
  const removed: string[] = [];
  let reclaimed = 0;
  for (const c of await svc.list(op, { all: true })) {
    if (!containerPruneMatch(c, filters, until)) continue;
    let size = 0;
    try {
      size = (await svc.size(op, c.id)).rw;
    } catch {
      // no size: nothing counted
    }
    try {
      await svc.remove(op, c.id);
    } catch (err) {
      // started meanwhile, or removed by someone else
      ctx.log.debug('prune: container kept', { container: c.id, error: err });
      continue;
    }
    removed.push(c.id);
    reclaimed += size;
  }
  try {
    const [{ eventLogFor }, engine] = await Promise.all([import('../../engine/events/event-log.js'), ctx.engine()]);
    eventLogFor(engine.storage.db).emit(op, { type: 'container', action: 'prune', actor: { id: '', attributes: { reclaimed: String(reclaimed) } } });
  } catch (err) {
    ctx.log.debug('event not recorded', { error: err });
  }
  return { removed, reclaimed };
}

/** Docker's report of deleted containers ('' when none). Pure. */
export function deletedContainersText(removed: readonly string[]): string {
  return removed.length === 0 ? '' : `Deleted Containers:\n${removed.map((id) => `${id}\n`).join('')}`;
}

export const containerPruneCommand = defineCommand({
  name: 'prune',
  summary: 'Remove all stopped containers',
  examples: [
    { command: 'nerdctl container prune', description: 'Remove all stopped containers, after a confirmation prompt' },
    { command: 'nerdctl container prune -f --filter until=24h', description: 'Remove the stopped containers created more than a day ago, without prompting' },
  ],
  flags: {
    filter: { type: 'strings', describe: 'Provide filter values (e.g. "until=<timestamp>")', valueName: 'filter' },
    force: { type: 'boolean', short: 'f', describe: 'Do not prompt for confirmation' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx: CommandContext) {
    const filters = FilterArgs.parse(flags.filter, { flag: '--filter', commandPath: ['container', 'prune'] });
    filters.validate(['until', 'label', 'label!']);
    if (!flags.force && !(await confirm(ctx, CONTAINER_PRUNE_WARNING))) {
      ctx.out.line('Total reclaimed space: 0B');
      return;
    }
    const svc = await (await ctx.engine()).containers();
    const r = await pruneContainersFiltered(ctx, svc, filters);
    const text = deletedContainersText(r.removed);
    if (text !== '') ctx.out.line(text);
    ctx.out.line(`Total reclaimed space: ${goHumanSize(r.reclaimed)}`);
  },
});
