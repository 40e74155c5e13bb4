import { defineCommand } from '../_lib/spec.js';
import { parseKeyValues } from '../network/shared.js';
import { openVolumes } from './shared.js';

export const volumeCreateCommand = defineCommand({
  name: 'create',
  usage: '[VOLUME]',
  summary: 'Create a volume',
  description:
    'Create a volume. Only the local driver is supported; without a name the volume gets a random 64-hex name. ' +
    'Creating a volume that exists returns it unchanged, as Docker does.',
  flags: {
    driver: { type: 'string', short: 'd', describe: 'Specify volume driver name', default: 'local', complete: { values: ['local'] } },
    label: { type: 'strings', describe: 'Set metadata for a volume', valueName: 'list' },
    name: { type: 'string', describe: 'Specify volume name', hidden: true },
    opt: { type: 'strings', short: 'o', describe: 'Set driver specific options', valueName: 'map' },
  },
  args: { max: 1 },
  examples: [{ command: 'nerdctl volume create --label app=db dbdata', description: 'Create a labelled volume' }],
  async handler({ flags, args }, ctx) {
    const name = args[0] ?? flags.name;
    const volumes = await openVolumes(ctx);
    const v = await volumes.create(ctx.op(), {
      ...(name !== undefined && name !== '' ? { name } : {}),
      driver: flags.driver,
      labels: parseKeyValues(flags.label),
      options: parseKeyValues(flags.opt, 'option'),
    });
    ctx.out.line(v.name);
  },
});
