import { hasCode } from '../../engine/errdefs.js';
import { errorText } from '../_lib/exit.js';
import { defineCommand } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';
import { openVolumes } from './shared.js';

export const volumeRmCommand = defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  description: 'Remove one or more volumes. You cannot remove a volume that is in use by a container (running or not).',
  flags: {
    // Docker's --force only forgives a missing volume: a volume in use is refused all the same.
    force: { type: 'boolean', short: 'f', describe: 'Force the removal of one or more volumes' },
  },
  args: { min: 1, complete: ['volumes'] },
  examples: [{ command: 'nerdctl volume rm hello', description: 'Remove the volume hello' }],
  async handler({ flags, args }, ctx) {
    const volumes = await openVolumes(ctx);
    let failed = false;
    for (const name of args) {
      try {
        await volumes.remove(ctx.op(), name);
      } catch (err) {
        if (!(flags.force && hasCode(err, 'not-found'))) {
          ctx.err.line(`Error: ${errorText(err)}`);
          failed = true;
          continue;
        }
      }
      ctx.out.line(name);
    }
    if (failed) throw new ExitStatus(1);
  },
});
