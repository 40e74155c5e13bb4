import type { Volume } from '../../engine/volumes/types.js';
import { goHumanSize } from '../../util/units.js';
import { FilterArgs } from '../_lib/filter.js';
import { formatListing } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { naturalCompare } from '../network/shared.js';
import { openVolumes, volumeRow } from './shared.js';
import { directorySize } from './size.js';

export const VOLUME_LS_FILTERS = ['dangling', 'driver', 'label', 'label!', 'name'] as const;

/**
 * Docker's `volume ls --filter`: `name` (regular expression), `driver` (exact), `label` (`k` or `k=v`, all must
 * match), `label!`, `dangling` (true: no container uses it). Pure; `inUse` tells whether a container uses a volume.
 */
export function filterVolumes(volumes: readonly Volume[], filters: FilterArgs, inUse: (name: string) => boolean): Volume[] {
  filters.validate(VOLUME_LS_FILTERS);
  const dangling = filters.includes('dangling') ? filters.getBoolOrDefault('dangling', false) : undefined;
  return volumes.filter((v) => {
    if (!filters.match('name', v.name)) return false;
    if (!filters.exactMatch('driver', v.driver)) return false;
    if (!filters.matchLabels(v.labels)) return false;
    if (dangling !== undefined && inUse(v.name) === dangling) return false;
    return true;
  });
}

export const volumeLsCommand = defineCommand({
  name: 'ls',
  aliases: ['list'],
  summary: 'List volumes',
  examples: [
    { command: 'nerdctl volume ls', description: 'List the volumes' },
    { command: 'nerdctl volume ls -q --filter dangling=true', description: 'The names of the volumes no container uses' },
  ],
  flags: {
    filter: { type: 'strings', short: 'f', describe: "Provide filter values (e.g. 'dangling=true')", valueName: 'filter' },
    format: {
      type: 'string',
      describe: 'Pretty-print volumes using a Go template',
      complete: { format: ['Name', 'Driver', 'Scope', 'Mountpoint', 'Labels', 'Links', 'Size'] },
    },
    quiet: { type: 'boolean', short: 'q', describe: 'Only display volume names' },
    size: { type: 'boolean', short: 's', describe: 'Display the disk usage of volumes (can be slow with many files)' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const filters = FilterArgs.parse(flags.filter, { commandPath: ['volume', 'ls'] });
    filters.validate(VOLUME_LS_FILTERS);
    const volumes = await openVolumes(ctx);
    const op = ctx.op();
    const list = filterVolumes(await volumes.list(op), filters, (name) => volumes.users(op, name).length > 0).sort((a, b) => naturalCompare(a.name, b.name));
    const rows = [];
    for (const v of list) {
      rows.push(volumeRow(v, flags.size ? { size: goHumanSize(await directorySize(v.mountpoint)) } : {}));
    }
    ctx.out.write(
      formatListing(rows, {
        format: flags.format,
        quiet: flags.quiet,
        defaultFormat: flags.size ? 'table {{.Driver}}\t{{.Name}}\t{{.Size}}' : 'table {{.Driver}}\t{{.Name}}',
        headers: { Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE' },
        quietField: (r) => r.Name,
      }),
    );
  },
});
