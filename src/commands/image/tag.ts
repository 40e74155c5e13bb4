import { defineCommand } from '../_lib/spec.js';
import { imageService } from './shared.js';

export const tagCommand = defineCommand({
  name: 'tag',
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  examples: [
    { command: 'nerdctl tag busybox localhost:5000/busybox:v1', description: 'Give the image busybox another name, ready to push to a local registry' },
  ],
  flags: {},
  args: { min: 2, max: 2, complete: ['images:local', 'none'] },
  async handler({ args }, ctx) {
    const images = await imageService(ctx);
    await images.tag(ctx.op(), args[0]!, args[1]!);
  },
});
