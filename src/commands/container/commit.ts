/** `commit CONTAINER [REPOSITORY[:TAG]]`: a new image from a container's changes; prints its ID (`sha256:...`). */
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

export const commitCommand = defineCommand({
  name: 'commit',
  usage: 'CONTAINER [REPOSITORY[:TAG]]',
  summary: "Create a new image from a container's changes",
  examples: [
    { command: 'nerdctl commit web myweb:v2', description: 'Save the changes made in the container web as the image myweb:v2' },
    { command: `nerdctl commit -m "add the site" -c 'CMD ["httpd", "-f"]' web myweb:v3`, description: 'Commit with a message and a new default command' },
  ],
  flags: {
    author: { type: 'string', short: 'a', describe: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    change: { type: 'strings', short: 'c', describe: 'Apply Dockerfile instruction to the created image', valueName: 'list' },
    message: { type: 'string', short: 'm', describe: 'Commit message' },
    pause: { type: 'boolean', short: 'p', describe: 'Pause container during commit', default: true },
  },
  args: { min: 1, max: 2, complete: ['containers', 'none'] },
  async handler({ flags, args }, ctx) {
    const engine = await ctx.engine();
    const [svc, images] = await Promise.all([containerService(ctx), engine.images()]);
    const { commitContainer } = await import('../../engine/containers/commit.js');
    const res = await commitContainer(svc, images, ctx.op(), args[0]!, {
      ...(args[1] !== undefined ? { reference: args[1] } : {}),
      ...(flags.author !== undefined ? { author: flags.author } : {}),
      ...(flags.message !== undefined ? { message: flags.message } : {}),
      changes: flags.change,
      pause: flags.pause,
    });
    ctx.out.line(res.id);
  },
});
