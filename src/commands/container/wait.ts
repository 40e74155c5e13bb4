/** `wait`: block until containers stop, printing each exit code (in the order given). */
import { errorText } from '../_lib/exit.js';
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

export const waitCommand = defineCommand({
  name: 'wait',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  examples: [
    { command: 'nerdctl wait web', description: 'Block until the container web stops, then print its exit code' },
  ],
  flags: {},
  args: { min: 1, complete: ['containers'] },
  async handler({ args }, ctx) {
    const svc = await containerService(ctx);
    const op = ctx.op();
    // Wait for all at once; print in the order given.
    const results = await Promise.allSettled(args.map((ref) => svc.wait(op, ref)));
    let failed = false;
    for (const r of results) {
      if (r.status === 'fulfilled') ctx.out.line(String(r.value));
      else {
        failed = true;
        ctx.err.line(`Error: ${errorText(r.reason)}`);
      }
    }
    return failed ? 1 : 0;
  },
});
