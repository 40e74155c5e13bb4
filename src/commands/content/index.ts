/**
 * `content ls|rm|prune`: the content store as ctr shows it (`ctr content ls`: DIGEST SIZE AGE LABELS), under
 * nerdctl's command names. `prune` runs a garbage collection and reports what it freed.
 */
import { isDigest, type Digest } from '../../engine/digest.js';
import { invalidArgument } from '../../engine/errdefs.js';
import { goHumanSize, humanDuration } from '../../util/units.js';
import { errorText } from '../_lib/exit.js';
import { formatListing } from '../_lib/format.js';
import { defineCommand, defineGroup } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';

/** ctr's label column: `k=v` sorted, comma-joined, `-` when none. Pure. */
export function labelsColumn(labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return parts.length === 0 ? '-' : parts.join(',');
}

export const contentLsCommand = defineCommand({
  name: 'ls',
  aliases: ['list'],
  summary: 'List blobs in the content store',
  examples: [
    { command: 'nerdctl content ls', description: 'List the blobs of the content store with their sizes and labels' },
    { command: 'nerdctl content ls -q', description: 'Only their digests' },
  ],
  flags: {
    quiet: { type: 'boolean', short: 'q', describe: 'Only print digests' },
    format: { type: 'string', describe: 'Format the output using the given Go template', complete: 'format' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const storage = (await ctx.engine()).storage;
    const now = Date.now();
    const rows: { Digest: string; Size: string; Age: string; Labels: string }[] = [];
    for await (const info of storage.content.walk(ctx.op())) {
      rows.push({
        Digest: info.digest,
        Size: goHumanSize(info.size),
        Age: humanDuration(now - info.createdAt.getTime()),
        Labels: labelsColumn(info.labels),
      });
    }
    ctx.out.write(
      formatListing(rows, {
        format: flags.format,
        quiet: flags.quiet,
        defaultFormat: 'table {{.Digest}}\t{{.Size}}\t{{.Age}}\t{{.Labels}}',
        headers: { Digest: 'DIGEST', Size: 'SIZE', Age: 'AGE', Labels: 'LABELS' },
        quietField: (r) => r.Digest,
      }),
    );
  },
});

export const contentRmCommand = defineCommand({
  name: 'rm',
  aliases: ['remove', 'delete', 'del'],
  usage: 'DIGEST [DIGEST...]',
  summary: 'Remove blobs from the content store (images naming them become incomplete)',
  examples: [
    { command: 'nerdctl content rm sha256:760750091c317a8a3c06d1decbb4075819b5b93bed8799d3cc38c6e4821c8b9f', description: 'Remove a blob by its digest' },
  ],
  flags: {},
  args: { min: 1 },
  async handler({ args }, ctx) {
    const storage = (await ctx.engine()).storage;
    let failed = false;
    for (const d of args) {
      try {
        if (!isDigest(d)) throw invalidArgument(`invalid digest "${d}"`);
        await storage.content.delete(ctx.op(), d as Digest);
        ctx.out.line(d);
      } catch (err) {
        failed = true;
        ctx.err.line(`Error: ${errorText(err)}`);
      }
    }
    if (failed) throw new ExitStatus(1);
  },
});

export const contentPruneCommand = defineCommand({
  name: 'prune',
  summary: 'Remove content, snapshots and leases nothing references (garbage collection)',
  examples: [
    { command: 'nerdctl content prune', description: 'Remove the blobs and snapshots that no image or container references' },
  ],
  flags: {},
  args: { max: 0 },
  async handler(_args, ctx) {
    const storage = (await ctx.engine()).storage;
    const r = await storage.gc.collect({ log: ctx.log, measureSnapshots: true, signal: ctx.signal });
    ctx.out.line(`Total reclaimed space: ${goHumanSize(r.blobBytes + r.snapshotBytes)}`);
  },
});

export const contentGroup = defineGroup({
  name: 'content',
  summary: 'Manage the content store (containerd level)',
  commands: [contentLsCommand, contentPruneCommand, contentRmCommand],
});
