import { errorText } from '../_lib/exit.js';
import { renderInspect } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';
import { withNetworks } from './shared.js';

export const networkInspectCommand = defineCommand({
  name: 'inspect',
  usage: 'NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  examples: [
    { command: 'nerdctl network inspect bridge', description: 'Show the configuration of the default network as JSON' },
    { command: "nerdctl network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' mynet", description: 'Print only the subnet of the network mynet' },
  ],
  flags: {
    format: { type: 'string', short: 'f', describe: 'Format the output using the given Go template', complete: 'format' },
    verbose: { type: 'boolean', short: 'v', describe: 'Verbose output for diagnostics' },
    mode: { type: 'string', describe: 'Inspect mode, "dockercompat" for Docker-compatible output', default: 'dockercompat', choices: ['dockercompat'], hidden: true },
  },
  args: { min: 1, complete: ['networks'] },
  async handler({ flags, args }, ctx) {
    const objects: unknown[] = [];
    const missing: string[] = [];
    await withNetworks(ctx, async (nets) => {
      for (const ref of args) {
        try {
          objects.push(await nets.inspectNetwork(ctx.op(), await nets.getNetwork(ctx.op(), ref)));
        } catch (err) {
          missing.push(errorText(err));
        }
      }
    });
    const r = renderInspect(objects, flags.format);
    if (objects.length > 0 || flags.format === undefined || flags.format === '') ctx.out.write(r.output);
    for (const m of missing) ctx.err.line(`Error: ${m}`);
    for (const e of r.errors) ctx.err.line(`Error: ${e.message}`);
    if (missing.length > 0 || r.errors.length > 0) throw new ExitStatus(1);
  },
});
