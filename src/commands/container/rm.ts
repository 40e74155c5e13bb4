/** `rm`: remove containers (`-f` kills running ones first, `-v` removes their anonymous volumes). */
import { defineCommand } from '../_lib/spec.js';
import { containerService, forEachRef } from './shared.js';

export const rmCommand = defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  examples: [
    { command: 'nerdctl rm web', description: 'Remove the stopped container web' },
    { command: 'nerdctl rm -f -v web', description: 'Stop and remove a running container, with its anonymous volumes' },
    { command: 'nerdctl rm $(nerdctl ps -aq --filter status=exited)', description: 'Remove every exited container' },
  ],
  flags: {
    force: { type: 'boolean', short: 'f', describe: 'Force the removal of a running container (uses SIGKILL)' },
    volumes: { type: 'boolean', short: 'v', describe: 'Remove anonymous volumes associated with the container' },
    link: { type: 'boolean', short: 'l', describe: 'Remove the specified link', hidden: true },
  },
  args: { min: 1, complete: ['containers'] },
  async handler({ flags, args }, ctx) {
    const svc = await containerService(ctx);
    const op = ctx.op();
    return forEachRef(ctx, args, (ref) => svc.remove(op, ref, { force: flags.force, volumes: flags.volumes }));
  },
});
