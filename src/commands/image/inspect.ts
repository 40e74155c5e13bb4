import { renderInspect } from '../_lib/format.js';
import { errorText } from '../_lib/exit.js';
import { defineCommand } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';
import { imageService, platformFlag, toPlatforms } from './shared.js';

export const imageInspectCommand = defineCommand({
  name: 'inspect',
  usage: 'IMAGE [IMAGE...]',
  summary: 'Display detailed information on one or more images',
  examples: [
    { command: 'nerdctl image inspect busybox', description: 'Show the configuration and metadata of the image busybox as JSON' },
    { command: "nerdctl image inspect -f '{{.Config.Cmd}}' busybox", description: 'Print only the default command of the image' },
  ],
  flags: {
    format: { type: 'string', short: 'f', describe: 'Format the output using the given Go template', complete: 'format' },
    mode: { type: 'string', describe: 'Inspect mode, "dockercompat" for Docker-compatible output', default: 'dockercompat', choices: ['dockercompat'], hidden: true },
    platform: { ...platformFlag, hidden: true },
  },
  args: { min: 1, complete: ['images:local'] },
  async handler({ flags, args }, ctx) {
    toPlatforms(flags.platform);
    const images = await imageService(ctx);
    const objects: unknown[] = [];
    const missing: string[] = [];
    for (const ref of args) {
      try {
        objects.push(await images.inspect(ctx.op(), ref));
      } catch (err) {
        missing.push(errorText(err));
      }
    }
    const r = renderInspect(objects, flags.format);
    ctx.out.write(r.output);
    for (const m of missing) ctx.err.line(`Error: ${m}`);
    for (const e of r.errors) ctx.err.line(`Error: ${e.message}`);
    if (missing.length > 0 || r.errors.length > 0) throw new ExitStatus(1);
  },
});
