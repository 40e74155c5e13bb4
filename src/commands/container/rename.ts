/** `rename`. */
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

export const renameCommand = defineCommand({
  name: 'rename',
  usage: 'CONTAINER NEW_NAME',
  summary: 'Rename a container',
  examples: [
    { command: 'nerdctl rename web web-old', description: 'Rename the container web to web-old' },
  ],
  flags: {},
  args: { min: 2, max: 2, complete: ['containers', 'none'] },
  async handler({ args }, ctx) {
    const svc = await containerService(ctx);
    await svc.rename(ctx.op(), args[0]!, args[1]!);
  },
});
