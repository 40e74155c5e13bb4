import { errorText } from '../_lib/exit.js';
import { defineCommand } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';
import { imageService } from './shared.js';

export const imageRmCommand = defineCommand({
  name: 'rm',
  aliases: ['remove', 'rmi'],
  usage: 'IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  examples: [
    { command: 'nerdctl rmi busybox', description: 'Remove the image busybox:latest' },
    { command: 'nerdctl rmi -f myapp:v1 myapp:v2', description: 'Remove two images, even if stopped containers use them' },
  ],
  flags: {
    force: { type: 'boolean', short: 'f', describe: 'Force removal of the image' },
    'no-prune': { type: 'boolean', describe: 'Do not delete untagged parents' },
    async: { type: 'boolean', describe: 'Asynchronous mode (accepted; removal is always synchronous)', hidden: true },
  },
  args: { min: 1, complete: ['images:local'] },
  async handler({ flags, args }, ctx) {
    const images = await imageService(ctx);
    let failed = false;
    for (const ref of args) {
      try {
        const r = await images.remove(ctx.op(), ref, { force: flags.force });
        for (const u of r.untagged) ctx.out.line(`Untagged: ${u}`);
        for (const d of r.deleted) ctx.out.line(`Deleted: ${d}`);
      } catch (err) {
        failed = true;
        ctx.err.line(`Error: ${errorText(err)}`);
      }
    }
    if (failed) throw new ExitStatus(1);
  },
});
