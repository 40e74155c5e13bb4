/** `stop`, `restart`, `kill`, `pause`, `unpause`: state changes on one or more containers. */
import { defineCommand } from '../_lib/spec.js';
import { containerService, forEachRef } from './shared.js';

const timeFlag = {
  type: 'number',
  short: 't',
  aliases: ['time'],
  describe: 'Seconds to wait before killing the container',
  valueName: 'int',
} as const;

export const stopCommand = defineCommand({
  name: 'stop',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  examples: [
    { command: 'nerdctl stop web', description: 'Stop the container web: SIGTERM, then SIGKILL after 10 seconds' },
    { command: 'nerdctl stop -s SIGINT -t 30 web', description: 'Stop with SIGINT, waiting up to 30 seconds before SIGKILL' },
  ],
  flags: {
    time: { ...timeFlag, aliases: ['timeout'] },
    signal: { type: 'string', short: 's', describe: 'Signal to send to the container', complete: 'signals' },
  },
  args: { min: 1, complete: ['containers:running'] },
  async handler({ flags, args }, ctx) {
    const svc = await containerService(ctx);
    const op = ctx.op();
    return forEachRef(ctx, args, async (ref) => {
      await svc.stop(op, ref, {
        ...(flags.time !== undefined ? { timeoutSeconds: flags.time } : {}),
        ...(flags.signal ? { signal: flags.signal } : {}),
      });
    });
  },
});

export const restartCommand = defineCommand({
  name: 'restart',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  examples: [
    { command: 'nerdctl restart web', description: 'Restart the container web' },
    { command: 'nerdctl restart -t 30 web db', description: 'Restart two containers, giving each 30 seconds to stop before it is killed' },
  ],
  flags: {
    time: { ...timeFlag, aliases: ['timeout'] },
    signal: { type: 'string', short: 's', describe: 'Signal to send to the container', complete: 'signals' },
  },
  args: { min: 1, complete: ['containers'] },
  async handler({ flags, args }, ctx) {
    const svc = await containerService(ctx);
    const op = ctx.op();
    return forEachRef(ctx, args, async (ref) => {
      await svc.restart(op, ref, {
        ...(flags.time !== undefined ? { timeoutSeconds: flags.time } : {}),
        ...(flags.signal ? { signal: flags.signal } : {}),
      });
    });
  },
});

export const killCommand = defineCommand({
  name: 'kill',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  examples: [
    { command: 'nerdctl kill web', description: 'Kill the main process of the container web with SIGKILL' },
    { command: 'nerdctl kill -s HUP web', description: 'Send SIGHUP, for example to make a server reload its configuration' },
  ],
  flags: {
    signal: { type: 'string', short: 's', describe: 'Signal to send to the container', default: 'KILL', complete: 'signals' },
  },
  args: { min: 1, complete: ['containers:running'] },
  async handler({ flags, args }, ctx) {
    const svc = await containerService(ctx);
    const op = ctx.op();
    return forEachRef(ctx, args, async (ref) => {
      await svc.kill(op, ref, flags.signal);
    });
  },
});

export const pauseCommand = defineCommand({
  name: 'pause',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Pause all processes within one or more containers',
  examples: [
    { command: 'nerdctl pause web', description: 'Freeze every process of the container web' },
  ],
  flags: {},
  args: { min: 1, complete: ['containers:running'] },
  async handler({ args }, ctx) {
    const svc = await containerService(ctx);
    const op = ctx.op();
    return forEachRef(ctx, args, (ref) => svc.pause(op, ref));
  },
});

export const unpauseCommand = defineCommand({
  name: 'unpause',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Unpause all processes within one or more containers',
  examples: [
    { command: 'nerdctl unpause web', description: 'Resume the processes of the paused container web' },
  ],
  flags: {},
  args: { min: 1, complete: ['containers:paused'] },
  async handler({ args }, ctx) {
    const svc = await containerService(ctx);
    const op = ctx.op();
    return forEachRef(ctx, args, (ref) => svc.unpause(op, ref));
  },
});
