/** `start`: start stopped containers; with `-a` attach to one in the foreground and return its exit code. */
import { invalidArgument } from '../../engine/errdefs.js';
import { defineCommand } from '../_lib/spec.js';
import { containerService, forEachRef } from './shared.js';

export const startCommand = defineCommand({
  name: 'start',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  examples: [
    { command: 'nerdctl start web', description: 'Start the stopped container web' },
    { command: 'nerdctl start -ai box', description: 'Start a container with its input and output attached' },
  ],
  flags: {
    attach: { type: 'boolean', short: 'a', describe: "Attach STDOUT/STDERR and forward signals" },
    interactive: { type: 'boolean', short: 'i', describe: "Attach container's STDIN" },
    'detach-keys': { type: 'string', describe: 'Override the key sequence for detaching a container' },
  },
  args: { min: 1, complete: ['containers:stopped'] },
  async handler({ flags, args }, ctx) {
    const svc = await containerService(ctx);
    const op = ctx.op();
    if (!flags.attach && !flags.interactive) {
      return forEachRef(ctx, args, async (ref) => {
        await svc.start(op, ref);
      });
    }
    if (args.length > 1) throw invalidArgument('you cannot start and attach multiple containers at once');
    const rec = await svc.get(op, args[0]!);
    const tty = rec.config.options.tty;
    const { finishForeground, foregroundIO, startSignalProxy } = await import('./foreground.js');
    const fg = await foregroundIO(ctx, {
      stdin: flags.interactive && rec.config.options.interactive,
      stdout: true,
      stderr: true,
      tty,
      ...(flags['detach-keys'] !== undefined ? { detachKeys: flags['detach-keys'] } : {}),
    });
    const handleExit = rec.config.restartPolicy.name === 'no' || rec.config.autoRemove;
    const proxy = startSignalProxy(ctx, svc, rec.id, { sigProxy: true, tty });
    let session;
    try {
      const res = await svc.start(op, rec.id, { attach: fg.io, ...(fg.consoleSize ? { consoleSize: fg.consoleSize } : {}), handleExitInProcess: handleExit });
      session = res.session;
      if (!res.started) session = await svc.attach(op, rec.id, fg.io);
    } catch (err) {
      proxy.stop();
      fg.restore();
      throw err;
    }
    return finishForeground(ctx, svc, rec.id, session, fg, { sigProxy: true, tty, handleExit, proxy });
  },
});
