/**
 * `ps`: the container listing. Kept lean for startup time: the rows come from one read-only query
 * (engine/containers/list.ts) and cheap reconciliation; the full containers service is loaded only for sizes
 * (`-s`) and for containers whose monitor died without an exit record.
 */
import { defineCommand } from '../_lib/spec.js';
import { PS_HEADERS } from './ps-headers.js';
import type { PsRow } from './ps-rows.js';

export const psCommand = defineCommand({
  name: 'ls',
  aliases: ['list', 'ps'],
  summary: 'List containers',
  examples: [
    { command: 'nerdctl ps -a', description: 'List all containers, stopped ones included' },
    { command: 'nerdctl ps -aq --filter status=exited', description: 'The IDs of the exited containers' },
    { command: "nerdctl ps --format '{{.Names}}\\t{{.Status}}'", description: 'Only the names and statuses of the running containers' },
  ],
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
    const format = flags.format ?? '';
    // Docker's default table (or -q) is rendered directly; templates (and their parser) load only for --format.
    const plain = format === '' || format === 'table' || flags.quiet;
    const [{ psRow, alignTable, PS_DEFAULT_FORMAT }, { filterContainers, refreshUnknown }, { quickListContainers }, { resolve }] = await Promise.all([
      import('./ps-rows.js'),
      import('./ps-data.js'),
      import('../../engine/containers/list.js'),
      import('node:path'),
    ]);
    const fmt = plain ? undefined : await import('../_lib/format.js');
    if (flags.quiet && format !== '' && format !== 'table') {
      ctx.err.line((await import('../_lib/format.js')).IGNORING_CUSTOM_FORMAT_WARNING);
    }
    const defaultFormat = flags.size ? `${PS_DEFAULT_FORMAT}\t{{.Size}}` : PS_DEFAULT_FORMAT;
    const listing = { format, quiet: flags.quiet, defaultFormat, quietOverridesFormat: true } as const;
    const used = fmt ? fmt.listingFieldsUsed(listing) : new Set<string>();
    const wantSize = !flags.quiet && (flags.size || used.has('Size') || format === 'json' || /\{\{\s*json\s+\.\s*\}\}/.test(format));

    const q = quickListContainers({ dataRoot: resolve(ctx.cwd, ctx.globals.dataRoot), stateRoot: ctx.globals.stateRoot, namespace: ctx.globals.namespace });
    let all = await refreshUnknown(ctx, q.containers, q.unknown);
    // A status filter lists every container, as with -a (Docker: `ps --filter status=exited` shows exited ones).
    let statusFiltered = false;
    if (flags.filter.length > 0) {
      const { FilterArgs } = await import('../_lib/filter.js');
      const filters = FilterArgs.parse(flags.filter, { commandPath: ['ps'] });
      statusFiltered = filters.includes('status');
      all = filterContainers(all, filters);
    }
    let last = flags.last;
    if (flags.latest) last = 1;
    if (last > 0) all = all.slice(0, last);
    else if (!flags.all && !statusFiltered && last < 0) all = all.filter((c) => c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting');

    let sizes = new Map<string, { rw: number; rootFs: number }>();
    if (wantSize && all.length > 0) {
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
    if (flags.quiet) {
      ctx.out.write(rows.map((r) => `${r.ID}\n`).join(''));
      return;
    }
    if (!fmt) {
      const cols: (keyof PsRow)[] = ['ID', 'Image', 'Command', 'RunningFor', 'Status', 'Ports', 'Names', ...(flags.size ? (['Size'] as const) : [])];
      ctx.out.write(alignTable([cols.map((c) => PS_HEADERS[c]!), ...rows.map((r) => cols.map((c) => String(r[c])))]));
      return;
    }
    ctx.out.write(fmt.formatListing(rows, { ...listing, headers: PS_HEADERS, quietField: (r) => r.ID }));
  },
});

