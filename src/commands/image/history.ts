import { shortId } from '../../engine/digest.js';
import type { HistoryRow } from '../../engine/images/types.js';
import { formatRFC3339Nano, timeAgo } from '../../util/time.js';
import { humanSize } from '../../util/units.js';
import { formatListing } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { imageService } from './shared.js';

/** Docker's Ellipsis: cut to `max` characters with a trailing `…`. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return `${chars.slice(0, max - 1).join('')}…`;
}

/** The fields `history --format` sees (Docker's history context). Pure. */
export function historyFields(h: HistoryRow, opts: { human: boolean; noTrunc: boolean; now?: number }) {
  const created = h.created;
  const id = h.id === '<missing>' ? h.id : opts.noTrunc ? h.id : shortId(h.id);
  const createdBy = h.createdBy.replaceAll('\t', ' ');
  return {
    ID: id,
    CreatedSince: created === undefined ? 'N/A' : opts.human ? timeAgo(created, opts.now ?? Date.now()) : formatRFC3339Nano(created).replace(/\.\d+Z$/, 'Z'),
    CreatedAt: created === undefined ? '' : formatRFC3339Nano(created).replace(/\.\d+Z$/, 'Z'),
    CreatedBy: opts.noTrunc ? createdBy : ellipsis(createdBy, 45),
    Size: opts.human ? humanSize(h.size) : String(h.size),
    Comment: h.comment,
  };
}

export const historyCommand = defineCommand({
  name: 'history',
  usage: 'IMAGE',
  summary: 'Show the history of an image',
  examples: [
    { command: 'nerdctl history busybox', description: 'The layers of the image busybox and the instructions that made them' },
    { command: "nerdctl history --no-trunc --format '{{.CreatedBy}}' myapp", description: 'Only the full instruction of each layer' },
  ],
  flags: {
    format: { type: 'string', describe: 'Pretty-print images using a Go template', complete: 'format' },
    human: { type: 'boolean', short: 'H', describe: 'Print sizes and dates in human readable format', default: true },
    'no-trunc': { type: 'boolean', describe: "Don't truncate output" },
    quiet: { type: 'boolean', short: 'q', describe: 'Only show image IDs' },
  },
  args: { min: 1, max: 1, complete: ['images:local'] },
  async handler({ flags, args }, ctx) {
    const images = await imageService(ctx);
    const rows = await images.history(ctx.op(), args[0]!);
    const now = Date.now();
    const items = rows.map((h) => historyFields(h, { human: flags.human, noTrunc: flags['no-trunc'], now }));
    const created = flags.human ? 'CREATED' : 'CREATED AT';
    ctx.out.write(
      formatListing(items, {
        format: flags.format,
        quiet: flags.quiet,
        defaultFormat: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
        headers: { ID: 'IMAGE', CreatedSince: created, CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
        quietField: (r) => r.ID,
      }),
    );
  },
});
