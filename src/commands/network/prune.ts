import type { Networking, NetworkInfo } from '../../network/index.js';
import { getTimestamp } from '../../util/time.js';
import type { CommandContext } from '../_lib/context.js';
import { FilterArgs } from '../_lib/filter.js';
import { defineCommand } from '../_lib/spec.js';
import { confirm } from '../system/confirm.js';
import { emitEvent, rfc3339ToNano, visibleLabels, withNetworks } from './shared.js';
import { networkActor } from '../../engine/events/types.js';

export const NETWORK_PRUNE_WARNING = 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';

/**
 * Whether prune may take `net` under Docker's prune filters (`until=<time>`: created before it; `label=`,
 * `label!=`). Pure; `until` in Unix nanoseconds.
 */
export function networkPruneMatch(net: NetworkInfo, filters: FilterArgs, until: bigint | undefined): boolean {
  if (until !== undefined) {
    const created = rfc3339ToNano(net.created);
    if (created !== undefined && created > until) return false;
  }
  return filters.matchLabels(visibleLabels(net));
}

/**
 * Removes every custom network no container is attached to (Docker: a network only stopped containers refer to
 * is removed too) that matches `filters`; returns the removed ones and records destroy events. Shared with
 * `system prune`.
 */
export async function pruneNetworksFiltered(ctx: CommandContext, nets: Networking, filters: FilterArgs): Promise<NetworkInfo[]> {
  filters.validate(['until', 'label', 'label!']);
  const untilText = filters.lastValue('until');
  const until = untilText === undefined ? undefined : getTimestamp(untilText);
  const removed = await nets.pruneNetworks(ctx.op(), (n) => !networkPruneMatch(n, filters, until));
  for (const net of removed) await emitEvent(ctx, { type: 'network', action: 'destroy', actor: networkActor(net) });
  await emitEvent(ctx, { type: 'network', action: 'prune', actor: { id: '', attributes: { reclaimed: '0' } } });
  return removed;
}

/** Docker's report of deleted networks ('' when none). Pure. */
export function deletedNetworksText(removed: readonly NetworkInfo[]): string {
  if (removed.length === 0) return '';
  return `Deleted Networks:\n${removed.map((n) => `${n.name}\n`).join('')}`;
}

export const networkPruneCommand = defineCommand({
  name: 'prune',
  summary: 'Remove all unused networks',
  examples: [
    { command: 'nerdctl network prune', description: 'Remove the custom networks no container uses, after a confirmation prompt' },
    { command: 'nerdctl network prune -f --filter until=24h', description: 'Remove the unused networks created more than a day ago, without prompting' },
  ],
  flags: {
    filter: { type: 'strings', describe: 'Provide filter values (e.g. "until=<timestamp>")', valueName: 'filter' },
    force: { type: 'boolean', short: 'f', describe: 'Do not prompt for confirmation' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const filters = FilterArgs.parse(flags.filter, { flag: '--filter', commandPath: ['network', 'prune'] });
    filters.validate(['until', 'label', 'label!']);
    if (!flags.force && !(await confirm(ctx, NETWORK_PRUNE_WARNING))) return;
    const removed = await withNetworks(ctx, (nets) => pruneNetworksFiltered(ctx, nets, filters));
    const text = deletedNetworksText(removed);
    if (text !== '') ctx.out.line(text);
  },
});
