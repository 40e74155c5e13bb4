/** `compose down`: stop and remove containers, networks (and with `-v` volumes, with `--rmi` images). */
import { invalidArgument } from '../../engine/errdefs.js';
import { defineCommand } from '../_lib/spec.js';
import { createProgressRenderer, globalFlags, projectNameAndModel, withBackend } from './shared.js';

export const downCommand = defineCommand({
  name: 'down',
  usage: '[SERVICES]',
  summary: 'Stop and remove containers, networks',
  examples: [
    { command: 'nerdctl compose down -v', description: 'Remove the containers, networks and named volumes of the project' },
  ],
  flags: {
    volumes: { type: 'boolean', short: 'v', describe: 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers' },
    rmi: { type: 'string', describe: 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")' },
    'remove-orphans': { type: 'boolean', describe: 'Remove containers for services not defined in the Compose file' },
    timeout: { type: 'number', short: 't', describe: 'Specify a shutdown timeout in seconds' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    if (flags.rmi !== undefined && flags.rmi !== 'local' && flags.rmi !== 'all') throw invalidArgument(`invalid value for --rmi: ${flags.rmi}`);
    const { name, project } = await projectNameAndModel(ctx, g);
    const { applyDown } = await import('../../compose/down.js');
    const removeOrphans = flags['remove-orphans'] || ['1', 'true', 'True', 'TRUE'].includes(ctx.env.COMPOSE_REMOVE_ORPHANS ?? '');
    await withBackend(ctx, async (b, op) => {
      const progress = createProgressRenderer(ctx, g);
      try {
        await applyDown(
          b,
          op,
          name,
          project,
          {
            volumes: flags.volumes,
            ...(flags.rmi !== undefined ? { rmi: flags.rmi as 'local' | 'all' } : {}),
            removeOrphans,
            ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
            ...(args.length > 0 ? { services: args } : {}),
            onWarning: (m) => ctx.warn(m),
          },
          progress.report,
        );
      } finally {
        progress.stop();
      }
    });
  },
});
