/**
 * `internal cleanup <id>` (hidden): the exit command conmon runs when a container's process ends. Records the
 * exit, applies the restart policy (waiting out the back-off in this process), releases the network, removes an
 * `--rm` container. Safe to run twice and beside a foreground CLI doing the same (see engine/containers/exit.ts).
 * Its stdio is /dev/null, so failures go to the debug log only and the status says what happened.
 */
import { defineCommand } from '../_lib/spec.js';

export const cleanupCommand = defineCommand({
  name: 'cleanup',
  usage: 'CONTAINER_ID',
  summary: 'Handle the exit of a container (run by its monitor)',
  flags: {},
  args: { min: 1, max: 1 },
  hidden: true,
  async handler({ args }, ctx) {
    const svc = await (await ctx.engine()).containers();
    await svc.handleExit(ctx.op(), args[0]!);
  },
});
