/**
 * `system prune`: stopped containers, unused networks, (with --volumes) unused anonymous volumes, dangling images
 * (every unused image with -a) and the build cache, in Docker's order, with Docker's warning, prompt and report.
 */
import { invalidArgument } from '../../engine/errdefs.js';
import { goHumanSize } from '../../util/units.js';
import type { CommandContext } from '../_lib/context.js';
import { FilterArgs } from '../_lib/filter.js';
import { defineCommand } from '../_lib/spec.js';
import { deletedContainersText, pruneContainersFiltered } from '../container/prune.js';
import { deletedNetworksText, pruneNetworksFiltered } from '../network/prune.js';
import { withNetworks } from '../network/shared.js';
import { deletedVolumesText, pruneVolumesFiltered } from '../volume/prune.js';
import { getTimestampDate } from '../../util/time.js';
import { confirm } from './confirm.js';

export interface SystemPruneOptions {
  readonly all: boolean;
  readonly volumes: boolean;
  /** `--filter` values as given (`until=24h`, `label=a=b`). */
  readonly filters: readonly string[];
}

/** Docker's confirmation text for `system prune` (what will be removed, then the filters). Pure. */
export function systemPruneWarning(o: SystemPruneOptions): string {
  const warnings = ['all stopped containers', 'all networks not used by at least one container'];
  if (o.volumes) warnings.push('all anonymous volumes not used by at least one container');
  warnings.push(o.all ? 'all images without at least one container associated to them' : 'all dangling images');
  warnings.push(o.all ? 'all build cache' : 'all dangling build cache');
  let text = `WARNING! This will remove:\n${warnings.map((w) => `  - ${w}\n`).join('')}`;
  if (o.filters.length > 0) {
    text += `\n  Items to be pruned will be filtered with:\n${o.filters.map((f) => `  - ${f}\n`).join('')}`;
  }
  return `${text}\nAre you sure you want to continue?`;
}

/** Docker's `Deleted Images:` block ('' when nothing went). Pure. */
export function deletedImagesText(untagged: readonly string[], deleted: readonly string[]): string {
  if (untagged.length === 0 && deleted.length === 0) return '';
  return `Deleted Images:\n${untagged.map((u) => `untagged: ${u}\n`).join('')}${deleted.map((d) => `deleted: ${d}\n`).join('')}`;
}

/** Docker's `Deleted build cache objects:` block ('' when nothing went). Pure. */
export function deletedBuildCacheText(ids: readonly string[]): string {
  return ids.length === 0 ? '' : `Deleted build cache objects:\n${ids.map((id) => `${id}\n`).join('')}`;
}

/**
 * The build cache step: the build engineer's `builder prune` (build/cache-prune.ts: without `all`, records whose
 * layers images still use are kept). The build cache has no labels or times to filter on, so a filtered system
 * prune leaves it alone, as BuildKit's prune does for filters it does not know.
 */
export async function pruneBuildCacheStep(ctx: CommandContext, all: boolean): Promise<{ removed: string[]; reclaimed: number }> {
  const [{ openBuildDeps }, { pruneBuildCache }] = await Promise.all([import('../build/deps.js'), import('../../build/cache-prune.js')]);
  const r = await pruneBuildCache(ctx.op(), await openBuildDeps(ctx), { all });
  return { removed: r.removed.map((k) => k.slice(0, 25)), reclaimed: r.reclaimed };
}

export const systemPruneCommand = defineCommand({
  name: 'prune',
  summary: 'Remove unused data',
  description:
    'Remove all stopped containers, networks no container uses, dangling images (with --all, every image no ' +
    'container uses) and the build cache; with --volumes, also anonymous volumes no container uses.',
  examples: [
    { command: 'nerdctl system prune', description: 'Remove stopped containers, unused networks, dangling images and build cache' },
    { command: 'nerdctl system prune -a --volumes -f', description: 'Also remove unused anonymous volumes, images and build cache, without prompting' },
  ],
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Remove all unused images not just dangling ones' },
    filter: { type: 'strings', describe: 'Provide filter values (e.g. \'label=<key>=<value>\')', valueName: 'filter' },
    force: { type: 'boolean', short: 'f', describe: 'Do not prompt for confirmation' },
    volumes: { type: 'boolean', describe: 'Prune anonymous volumes' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const filters = FilterArgs.parse(flags.filter, { flag: '--filter', commandPath: ['system', 'prune'] });
    filters.validate(['until', 'label', 'label!']);
    if (flags.volumes && filters.includes('until')) {
      throw invalidArgument('the "until" filter is not supported with "--volumes"');
    }
    if (!flags.force && !(await confirm(ctx, systemPruneWarning({ all: flags.all, volumes: flags.volumes, filters: flags.filter })))) {
      return;
    }
    let reclaimed = 0;
    const section = (text: string) => {
      if (text !== '') ctx.out.line(text);
    };

    const engine = await ctx.engine();
    const containers = await pruneContainersFiltered(ctx, await engine.containers(), filters.clone());
    reclaimed += containers.reclaimed;
    section(deletedContainersText(containers.removed));

    const networks = await withNetworks(ctx, (nets) => pruneNetworksFiltered(ctx, nets, filters.clone()));
    section(deletedNetworksText(networks));

    if (flags.volumes) {
      const volumes = await pruneVolumesFiltered(ctx, await engine.volumes(), filters.clone(), false);
      reclaimed += volumes.reclaimed;
      section(deletedVolumesText(volumes.removed));
    }

    const images = await (await engine.images()).prune(ctx.op(), {
      all: flags.all,
      ...(filters.includes('until') ? { until: getTimestampDate(filters.lastValue('until')!) } : {}),
      ...(filters.includes('label') || filters.includes('label!') ? { labelMatch: (l: Readonly<Record<string, string>>) => filters.matchLabels(l) } : {}),
    });
    reclaimed += images.reclaimed;
    section(deletedImagesText(images.untagged, images.deleted));

    if (filters.size === 0) {
      const cache = await pruneBuildCacheStep(ctx, flags.all);
      reclaimed += cache.reclaimed;
      section(deletedBuildCacheText(cache.removed));
    }
    ctx.out.line(`Total reclaimed space: ${goHumanSize(reclaimed)}`);
  },
});
