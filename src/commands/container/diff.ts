/** `diff CONTAINER`: what the container changed in its filesystem, one `A|C|D /path` line each, as Docker prints it. */
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

export const diffCommand = defineCommand({
  name: 'diff',
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  examples: [
    { command: 'nerdctl diff web', description: 'List the files added (A), changed (C) and deleted (D) in the container web' },
  ],
  flags: {},
  args: { min: 1, max: 1, complete: ['containers'] },
  async handler({ args }, ctx) {
    const svc = await containerService(ctx);
    const { containerDiff } = await import('../../engine/containers/changes.js');
    for (const c of await containerDiff(svc.deps, ctx.op(), args[0]!)) ctx.out.line(`${c.kind} ${c.path}`);
  },
});
