import type { Volume, VolumeService } from '../../engine/volumes/types.js';
import { goHumanSize } from '../../util/units.js';
import type { CommandContext } from '../_lib/context.js';
import { FilterArgs } from '../_lib/filter.js';
import { defineCommand } from '../_lib/spec.js';
import { confirm } from '../system/confirm.js';
import { emitEvent } from '../network/shared.js';
import { openVolumes } from './shared.js';
import { directorySize } from './size.js';

export const VOLUME_PRUNE_WARNING_ANONYMOUS =
  'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?';
export const VOLUME_PRUNE_WARNING_ALL = 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?';

/** Whether prune may take `v` (Docker 23+: anonymous volumes only unless `all`; `label=`/`label!=`). Pure. */
export function volumePruneMatch(v: Volume, filters: FilterArgs, all: boolean): boolean {
  if (!all && !v.anonymous) return false;
  return filters.matchLabels(v.labels);
}

export interface VolumePruneResult {
  readonly removed: string[];
  readonly reclaimed: number;
}

/** Removes every matching volume no container uses; shared with `system prune --volumes`. */
export async function pruneVolumesFiltered(ctx: CommandContext, volumes: VolumeService, filters: FilterArgs, all: boolean): Promise<VolumePruneResult> {
  filters.validate(['label', 'label!', 'all']);
  const everything = all || filters.getBoolOrDefault('all', false);
  const op = ctx.op();
  const removed: string[] = [];
  let reclaimed = 0;
  for (const v of await volumes.list(op)) {
    if (!volumePruneMatch(v, filters, everything) || volumes.users(op, v.name).length > 0) continue;
    const size = await directorySize(v.mountpoint);
    try {
      await volumes.remove(op, v.name);
    } catch (err) {
      // a container started using it meanwhile, or another prune took it
      ctx.log.debug('prune: volume kept', { volume: v.name, error: err });
      continue;
    }
    removed.push(v.name);
    reclaimed += size;
  }
  await emitEvent(ctx, { type: 'volume', action: 'prune', actor: { id: '', attributes: { reclaimed: String(reclaimed) } } });
  return { removed, reclaimed };
}

/** Docker's report of deleted volumes ('' when none). Pure. */
export function deletedVolumesText(removed: readonly string[]): string {
  return removed.length === 0 ? '' : `Deleted Volumes:\n${removed.map((n) => `${n}\n`).join('')}`;
}

export const volumePruneCommand = defineCommand({
  name: 'prune',
  summary: 'Remove unused local volumes',
  description: 'Remove anonymous local volumes not used by any container; with --all, every unused volume (Docker 23+).',
  examples: [
    { command: 'nerdctl volume prune', description: 'Remove the unused anonymous volumes, after a confirmation prompt' },
    { command: 'nerdctl volume prune -a -f', description: 'Remove every unused volume, named ones included, without prompting' },
  ],
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Remove all unused volumes, not just anonymous ones' },
    filter: { type: 'strings', describe: 'Provide filter values (e.g. "label=<label>")', valueName: 'filter' },
    force: { type: 'boolean', short: 'f', describe: 'Do not prompt for confirmation' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const filters = FilterArgs.parse(flags.filter, { flag: '--filter', commandPath: ['volume', 'prune'] });
    filters.validate(['label', 'label!', 'all']);
    const all = flags.all || filters.getBoolOrDefault('all', false);
    if (!flags.force && !(await confirm(ctx, all ? VOLUME_PRUNE_WARNING_ALL : VOLUME_PRUNE_WARNING_ANONYMOUS))) {
      ctx.out.line('Total reclaimed space: 0B');
      return;
    }
    const volumes = await openVolumes(ctx);
    const r = await pruneVolumesFiltered(ctx, volumes, filters, all);
    const text = deletedVolumesText(r.removed);
    if (text !== '') ctx.out.line(text);
    ctx.out.line(`Total reclaimed space: ${goHumanSize(r.reclaimed)}`);
  },
});
