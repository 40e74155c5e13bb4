import { errorText } from '../_lib/exit.js';
import { renderInspect } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';
import { openVolumes, volumeInspect } from './shared.js';
import { directorySize } from './size.js';

export const volumeInspectCommand = defineCommand({
  name: 'inspect',
  usage: 'VOLUME [VOLUME...]',
  summary: 'Display detailed information on one or more volumes',
  examples: [
    { command: 'nerdctl volume inspect dbdata', description: 'Show the details of the volume dbdata as JSON' },
    { command: "nerdctl volume inspect -f '{{.Mountpoint}}' dbdata", description: 'Print where the data of the volume lives on the host' },
  ],
  flags: {
    format: { type: 'string', short: 'f', describe: 'Format the output using the given Go template', complete: 'format' },
    size: { type: 'boolean', short: 's', describe: 'Display the disk usage of the volume (UsageData)' },
  },
  args: { min: 1, complete: ['volumes'] },
  async handler({ flags, args }, ctx) {
    const volumes = await openVolumes(ctx);
    const op = ctx.op();
    const objects: unknown[] = [];
    const missing: string[] = [];
    for (const name of args) {
      try {
        const v = await volumes.get(op, name);
        objects.push(volumeInspect(v, flags.size ? { size: await directorySize(v.mountpoint), refCount: volumes.users(op, name).length } : undefined));
      } catch (err) {
        missing.push(errorText(err));
      }
    }
    const r = renderInspect(objects, flags.format);
    if (objects.length > 0 || flags.format === undefined || flags.format === '') ctx.out.write(r.output);
    for (const m of missing) ctx.err.line(`Error: ${m}`);
    for (const e of r.errors) ctx.err.line(`Error: ${e.message}`);
    if (missing.length > 0 || r.errors.length > 0) throw new ExitStatus(1);
  },
});
