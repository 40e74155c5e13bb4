/** `logs`: the container's output (both streams to their own descriptors), with Docker's flags. */
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

/** `--tail`: `all` or a number (Docker reads anything else as all). */
export function parseTail(v: string | undefined): number | undefined {
  if (v === undefined || v === 'all' || v === '') return undefined;
  return /^-?\d+$/.test(v) ? Math.max(0, Number(v)) : undefined;
}

function write(stream: NodeJS.WritableStream, data: Buffer | string): Promise<void> | undefined {
  if (stream.write(data)) return undefined;
  return new Promise((resolve) => stream.once('drain', resolve));
}

export const logsCommand = defineCommand({
  name: 'logs',
  usage: 'CONTAINER',
  summary: 'Fetch the logs of a container',
  examples: [
    { command: 'nerdctl logs -f web', description: 'Follow the output of the container web' },
    { command: 'nerdctl logs -n 20 -t web', description: 'The last 20 lines, with timestamps' },
    { command: 'nerdctl logs --since 10m web', description: 'The output of the last ten minutes' },
  ],
  flags: {
    details: { type: 'boolean', describe: 'Show extra details provided to logs' },
    follow: { type: 'boolean', short: 'f', describe: 'Follow log output' },
    since: { type: 'string', describe: 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
    tail: { type: 'string', short: 'n', describe: 'Number of lines to show from the end of the logs', default: 'all' },
    timestamps: { type: 'boolean', short: 't', describe: 'Show timestamps' },
    until: { type: 'string', describe: 'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)' },
  },
  args: { min: 1, max: 1, complete: ['containers'] },
  async handler({ flags, args }, ctx) {
    const { parseTimeArg, formatTimestamp } = await import('../../engine/tasks/logs.js');
    const since = flags.since ? parseTimeArg(flags.since) : undefined;
    const until = flags.until ? parseTimeArg(flags.until) : undefined;
    const tail = parseTail(flags.tail);
    const svc = await containerService(ctx);
    const entries = svc.logs(ctx.op(), args[0]!, {
      follow: flags.follow,
      ...(tail !== undefined ? { tail } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    });
    for await (const e of entries) {
      const target = e.stream === 'stderr' ? ctx.err.stream : ctx.out.stream;
      const data = flags.timestamps ? Buffer.concat([Buffer.from(`${formatTimestamp(e.time)} `), e.data]) : e.data;
      const pending = write(target, data);
      if (pending) await pending;
    }
  },
});
