/**
 * `nerdctl builder`: `build` (the same as `nerdctl build`) and `prune` (removes build cache and cache mounts,
 * printing what was reclaimed, as `docker builder prune` does).
 */
import { aliasOf, defineCommand, defineGroup } from '../_lib/spec.js';
import { buildCommand } from './build.js';

export const builderPruneCommand = defineCommand({
  name: 'prune',
  summary: 'Remove build cache',
  examples: [
    { command: 'nerdctl builder prune', description: 'Remove the dangling build cache, after a confirmation prompt' },
    { command: 'nerdctl builder prune -a -f', description: 'Remove all unused build cache, without prompting' },
  ],
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Remove all unused build cache, not just dangling ones' },
    force: { type: 'boolean', short: 'f', describe: 'Do not prompt for confirmation' },
  },
  args: { max: 0 },
  async handler(args, ctx) {
    const all = args.flags.all;
    if (!args.flags.force) {
      const question = all
        ? 'WARNING! This will remove all build cache. Are you sure you want to continue? [y/N] '
        : 'WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] ';
      const { confirm } = await import('./prompt.js');
      if (!(await confirm(ctx, question))) return 0;
    }
    const { openBuildDeps } = await import('./deps.js');
    const { pruneBuildCache } = await import('../../build/cache-prune.js');
    const deps = await openBuildDeps(ctx);
    const r = await pruneBuildCache(ctx.op(), deps, { all });
    const { formatSize } = await import('./prompt.js');
    if (r.removed.length > 0) {
      ctx.out.line('Deleted build cache objects:');
      for (const k of r.removed) ctx.out.line(k.slice(0, 25));
      ctx.out.line('');
    }
    ctx.out.line(`Total reclaimed space: ${formatSize(r.reclaimed)}`);
  },
});

export const builderCommand = defineGroup({
  name: 'builder',
  summary: 'Manage builds',
  commands: [aliasOf(buildCommand, 'build'), builderPruneCommand],
});
