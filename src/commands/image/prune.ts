import { goHumanSize } from '../../util/units.js';
import { getTimestampDate } from '../../util/time.js';
import { FilterArgs } from '../_lib/filter.js';
import { defineCommand } from '../_lib/spec.js';
import { imageService } from './shared.js';

/** Reads one line from stdin (the y/N answer); '' at end of input. */
async function readAnswer(stdin: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (v: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(v);
    };
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    };
    const onEnd = () => done(buf);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

export const imagePruneCommand = defineCommand({
  name: 'prune',
  summary: 'Remove unused images',
  examples: [
    { command: 'nerdctl image prune', description: 'Remove the dangling images, after a confirmation prompt' },
    { command: 'nerdctl image prune -a -f', description: 'Remove every image no container uses, without prompting' },
    { command: 'nerdctl image prune -f --filter until=168h', description: 'Remove the dangling images older than a week, without prompting' },
  ],
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Remove all unused images, not just dangling ones' },
    filter: { type: 'strings', describe: 'Provide filter values (e.g. "until=<timestamp>")', valueName: 'filter' },
    force: { type: 'boolean', short: 'f', describe: 'Do not prompt for confirmation' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const filters = FilterArgs.parse(flags.filter, { flag: '--filter', commandPath: ['image', 'prune'] });
    filters.validate(['until', 'label', 'label!', 'dangling']);
    const until = filters.lastValue('until');
    const all = flags.all || filters.getStrictBool('dangling') === false;
    if (!flags.force) {
      ctx.out.write(
        all
          ? 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] '
          : 'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ',
      );
      const answer = (await readAnswer(ctx.stdin)).trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') {
        ctx.out.line('Total reclaimed space: 0B');
        return;
      }
    }
    const images = await imageService(ctx);
    const r = await images.prune(ctx.op(), {
      all,
      ...(until !== undefined ? { until: getTimestampDate(until) } : {}),
      ...(filters.includes('label') || filters.includes('label!') ? { labelMatch: (l) => filters.matchLabels(l) } : {}),
    });
    if (r.untagged.length > 0 || r.deleted.length > 0) {
      ctx.out.line('Deleted Images:');
      for (const u of r.untagged) ctx.out.line(`untagged: ${u}`);
      for (const d of r.deleted) ctx.out.line(`deleted: ${d}`);
      ctx.out.line();
    }
    ctx.out.line(`Total reclaimed space: ${goHumanSize(r.reclaimed)}`);
  },
});
