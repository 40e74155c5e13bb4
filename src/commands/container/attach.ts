/** `attach`: connect the terminal to a running container's stdio; exits with the container's exit code. */
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

export const attachCommand = defineCommand({
  name: 'attach',
  usage: 'CONTAINER',
  summary: "Attach local standard input, output, and error streams to a running container",
  examples: [
    { command: 'nerdctl attach web', description: 'Attach to the input and output of the running container web' },
    { command: 'nerdctl attach --no-stdin --sig-proxy=false web', description: 'Follow the output of web without sending it input or signals' },
  ],
  flags: {
    'detach-keys': { type: 'string', describe: 'Override the key sequence for detaching a container' },
    'no-stdin': { type: 'boolean', describe: 'Do not attach STDIN' },
    'sig-proxy': { type: 'boolean', describe: 'Proxy all received signals to the process', default: true },
  },
  args: { min: 1, max: 1, complete: ['containers:running'] },
  async handler({ flags, args }, ctx) {
    const svc = await containerService(ctx);
    const op = ctx.op();
    const rec = await svc.get(op, args[0]!);
    const o = rec.config.options;
    const { finishForeground, foregroundIO } = await import('./foreground.js');
    const fg = await foregroundIO(ctx, {
      stdin: !flags['no-stdin'] && o.interactive,
      stdout: true,
      stderr: true,
      tty: o.tty,
      ...(flags['detach-keys'] !== undefined ? { detachKeys: flags['detach-keys'] } : {}),
    });
    let session;
    try {
      session = await svc.attach(op, rec.id, fg.io);
      if (o.tty && fg.consoleSize) await svc.resize(op, rec.id, fg.consoleSize).catch(() => {});
    } catch (err) {
      fg.restore();
      throw err;
    }
    return finishForeground(ctx, svc, rec.id, session, fg, { sigProxy: flags['sig-proxy'], tty: o.tty, handleExit: false });
  },
});
