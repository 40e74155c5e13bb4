/**
 * `ps`: the container listing. Kept lean for startup time: the rows come from one read-only query
 * (engine/containers/list.ts) and cheap reconciliation; the full containers service is loaded only for sizes
 * (`-s`) and for containers whose monitor died without an exit record.
 */
import { defineCommand } from '../_lib/spec.js';
import { PS_HEADERS } from './ps-headers.js';

export const psCommand = defineCommand({
  name: 'ls',
  aliases: ['list', 'ps'],
  summary: 'List containers',
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Show all containers (default shows just running)' },
    filter: { type: 'strings', short: 'f', describe: 'Filter output based on conditions provided', valueName: 'filter' },
    format: { type: 'string', describe: 'Pretty-print containers using a Go template', complete: { format: Object.keys(PS_HEADERS) } },
    last: { type: 'number', short: 'n', describe: 'Show n last created containers (includes all states)', default: -1, valueName: 'int' },
    latest: { type: 'boolean', short: 'l', describe: 'Show the latest created container (includes all states)' },
    'no-trunc': { type: 'boolean', describe: "Don't truncate output" },
    quiet: { type: 'boolean', short: 'q', describe: 'Only display container IDs' },
    size: { type: 'boolean', short: 's', describe: 'Display total file sizes' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const [{ FilterArgs }, { formatListing, IGNORING_CUSTOM_FORMAT_WARNING, listingFieldsUsed }, { PS_DEFAULT_FORMAT, psRow }, { filterContainers, refreshUnknown }] =
      await Promise.all([import('../_lib/filter.js'), import('../_lib/format.js'), import('./ps-rows.js'), import('./ps-data.js')]);
    const filters = FilterArgs.parse(flags.filter, { commandPath: ['ps'] });
    const format = flags.format ?? '';
    if (flags.quiet && format !== '' && format !== 'table') ctx.err.line(IGNORING_CUSTOM_FORMAT_WARNING);
    const defaultFormat = flags.size ? `${PS_DEFAULT_FORMAT}\t{{.Size}}` : PS_DEFAULT_FORMAT;
    const listing = { format, quiet: flags.quiet, defaultFormat, quietOverridesFormat: true } as const;
    const used = listingFieldsUsed(listing);
    const wantSize = flags.size || used.has('Size') || format === 'json' || (format.startsWith('table') === false && /\{\{\s*json\s+\.\s*\}\}/.test(format));

    const { quickListContainers } = await import('../../engine/containers/list.js');
    const { resolve } = await import('node:path');
    const q = quickListContainers({ dataRoot: resolve(ctx.cwd, ctx.globals.dataRoot), stateRoot: ctx.globals.stateRoot, namespace: ctx.globals.namespace });
    let all = await refreshUnknown(ctx, q.containers, q.unknown);
    all = filterContainers(all, filters);
    let last = flags.last;
    if (flags.latest) last = 1;
    if (last > 0) all = all.slice(0, last);
    else if (!flags.all && last < 0) all = all.filter((c) => c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting');

    let sizes = new Map<string, { rw: number; rootFs: number }>();
    if (wantSize && !flags.quiet && all.length > 0) {
      const svc = await (await ctx.engine()).containers();
      sizes = new Map(
        await Promise.all(all.map(async (c) => [c.id, await svc.size(ctx.op(), c.id).catch(() => ({ rw: 0, rootFs: 0 }))] as const)),
      );
    }
    const now = Date.now();
    const rows = all.map((c) => {
      const size = sizes.get(c.id);
      const row = psRow(c, { noTrunc: flags['no-trunc'], now, ...(size ? { size } : {}) });
      Object.defineProperty(row, 'Label', { enumerable: false, value: (k: unknown) => c.labels[String(k)] ?? '' });
      return row;
    });
    ctx.out.write(
      formatListing(rows, {
        ...listing,
        headers: PS_HEADERS,
        quietField: (r) => r.ID,
      }),
    );
  },
});

