import { defineCommand } from '../_lib/spec.js';
import { VERSION } from '../_lib/version.js';

export const versionCommand = defineCommand({
  name: 'version',
  summary: 'Show the nerdctl version information',
  flags: {
    format: { type: 'string', short: 'f', describe: 'Format the output using the given Go template, e.g, \'{{json .}}\'', complete: 'format' },
  },
  args: { max: 0 },
  async handler(_args, ctx) {
    ctx.out.line('Client:');
    ctx.out.line(` Version:\t${VERSION}`);
  },
});
