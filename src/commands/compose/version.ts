/** `compose version`: the Compose release whose behaviour is followed. */
import { invalidArgument } from '../../engine/errdefs.js';
import { defineCommand } from '../_lib/spec.js';

export const composeVersionCommand = defineCommand({
  name: 'version',
  summary: 'Show the Docker Compose version information',
  examples: [
    { command: 'nerdctl compose version', description: 'Show the version of Compose this CLI implements' },
    { command: 'nerdctl compose version --short', description: 'Only the version number' },
  ],
  flags: {
    format: { type: 'string', short: 'f', describe: 'Format the output. Values: [pretty | json]', default: 'pretty', choices: ['pretty', 'json'] },
    short: { type: 'boolean', describe: "Shows only Compose's version number" },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const { COMPOSE_VERSION } = await import('../../compose/plan.js');
    if (flags.short) return void ctx.out.line(COMPOSE_VERSION);
    if (flags.format === 'json') return void ctx.out.line(JSON.stringify({ version: `v${COMPOSE_VERSION}` }));
    if (flags.format !== 'pretty') throw invalidArgument(`ERROR: Invalid format type ${JSON.stringify(flags.format)}`);
    ctx.out.line(`Docker Compose version v${COMPOSE_VERSION}`);
  },
});
