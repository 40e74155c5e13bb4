import { invalidArgument } from '../../engine/errdefs.js';
import type { NetworkInfo } from '../../network/index.js';
import { FilterArgs } from '../_lib/filter.js';
import { formatListing } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { isBuiltinNetwork, naturalCompare, networkRow, visibleLabels, withNetworks } from './shared.js';

export const NETWORK_LS_FILTERS = ['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling'] as const;

/**
 * Docker's `network ls --filter` (driver exact; id and name as regular expressions; label k or k=v; scope local;
 * type builtin|custom; dangling true|false = no attached container). Pure; `attached` holds the IDs of networks
 * with containers on them.
 */
export function filterNetworks(nets: readonly NetworkInfo[], filters: FilterArgs, attached: ReadonlySet<string>): NetworkInfo[] {
  filters.validate(NETWORK_LS_FILTERS);
  for (const t of filters.get('type')) {
    if (t !== 'custom' && t !== 'builtin') throw invalidArgument(`invalid filter: 'type'='${t}'`);
  }
  const dangling = filters.includes('dangling') ? filters.getBoolOrDefault('dangling', false) : undefined;
  return nets.filter((n) => {
    if (!filters.exactMatch('driver', n.driver)) return false;
    if (!filters.match('name', n.name)) return false;
    if (!filters.match('id', n.id)) return false;
    if (!filters.matchKVList('label', visibleLabels(n))) return false;
    if (!filters.exactMatch('scope', 'local')) return false;
    if (filters.includes('type') && !filters.exactMatch('type', isBuiltinNetwork(n) ? 'builtin' : 'custom')) return false;
    if (dangling !== undefined) {
      // Docker never counts the pre-defined networks as dangling.
      const isDangling = !isBuiltinNetwork(n) && !attached.has(n.id);
      if (isDangling !== dangling) return false;
    }
    return true;
  });
}

export const networkLsCommand = defineCommand({
  name: 'ls',
  aliases: ['list'],
  summary: 'List networks',
  examples: [
    { command: 'nerdctl network ls', description: 'List the networks' },
    { command: 'nerdctl network ls -q --filter driver=bridge', description: 'The IDs of the bridge networks' },
  ],
  flags: {
    filter: { type: 'strings', short: 'f', describe: 'Provide filter values (e.g. "driver=bridge")', valueName: 'filter' },
    format: {
      type: 'string',
      describe: 'Pretty-print networks using a Go template',
      complete: { format: ['ID', 'Name', 'Driver', 'Scope', 'IPv6', 'Internal', 'Labels', 'CreatedAt'] },
    },
    'no-trunc': { type: 'boolean', describe: 'Do not truncate the output' },
    quiet: { type: 'boolean', short: 'q', describe: 'Only display network IDs' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const filters = FilterArgs.parse(flags.filter, { commandPath: ['network', 'ls'] });
    const rows = await withNetworks(ctx, async (nets) => {
      const all = await nets.listNetworks(ctx.op());
      const attached = new Set(nets.listAttachments().flatMap((a) => a.networks.map((n) => n.networkId)));
      return filterNetworks(all, filters, attached)
        .sort((a, b) => naturalCompare(a.name, b.name))
        .map((n) => networkRow(n, flags['no-trunc']));
    });
    ctx.out.write(
      formatListing(rows, {
        format: flags.format,
        quiet: flags.quiet,
        defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
        headers: {
          ID: 'NETWORK ID',
          Name: 'NAME',
          Driver: 'DRIVER',
          Scope: 'SCOPE',
          IPv6: 'IPV6',
          Internal: 'INTERNAL',
          Labels: 'LABELS',
          CreatedAt: 'CREATED AT',
        },
        quietField: (r) => r.ID,
      }),
    );
  },
});
