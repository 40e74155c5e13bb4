/** `compose logs`: the services' logs behind Compose v2's `service-1  | ` prefixes. */
import { defineCommand } from '../_lib/spec.js';
import { parseTail } from '../container/logs.js';
import { ansiEnabled, globalFlags, logPalette, projectNameAndModel, selectContainers, withBackend } from './shared.js';

export const composeLogsCommand = defineCommand({
  name: 'logs',
  usage: '[SERVICE...]',
  summary: 'View output from containers',
  examples: [
    { command: 'nerdctl compose logs -f', description: 'Follow the output of every service' },
    { command: 'nerdctl compose logs -n 50 -t web', description: 'The last 50 lines of the web service, with timestamps' },
  ],
  flags: {
    follow: { type: 'boolean', short: 'f', describe: 'Follow log output' },
    index: { type: 'number', describe: 'index of the container if service has multiple replicas' },
    'no-color': { type: 'boolean', describe: 'Produce monochrome output' },
    'no-log-prefix': { type: 'boolean', describe: "Don't print prefix in logs" },
    since: { type: 'string', describe: 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
    tail: { type: 'string', short: 'n', describe: 'Number of lines to show from the end of the logs for each container', default: 'all' },
    timestamps: { type: 'boolean', short: 't', describe: 'Show timestamps' },
    until: { type: 'string', describe: 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const [{ parseTimeArg }, { LogPrinter, followContainer }, { shortName }] = await Promise.all([
      import('../../engine/tasks/logs.js'),
      import('../../compose/logs.js'),
      import('../../compose/observe.js'),
    ]);
    const since = flags.since ? parseTimeArg(flags.since) : undefined;
    const until = flags.until ? parseTimeArg(flags.until) : undefined;
    const tail = parseTail(flags.tail);
    const { name } = await projectNameAndModel(ctx, g);
    const color = !flags['no-color'] && ansiEnabled(ctx, g);
    const printer = new LogPrinter({
      ...(color ? { palette: await logPalette() } : {}),
      prefix: !flags['no-log-prefix'],
      timestamps: flags.timestamps,
      write: (t) => ctx.out.write(t),
    });
    await withBackend(ctx, async (b, op) => {
      const list = await selectContainers(b, op, name, args, { all: true, oneoff: true, ...(flags.index !== undefined ? { index: flags.index } : {}) });
      for (const c of list) printer.register(shortName(c));
      await Promise.all(
        list.map((c) =>
          followContainer(b.containers, op, c.id, shortName(c), printer, {
            follow: flags.follow,
            ...(tail !== undefined ? { tail } : {}),
            ...(since !== undefined ? { since } : {}),
            ...(until !== undefined ? { until } : {}),
          }),
        ),
      );
    });
  },
});
