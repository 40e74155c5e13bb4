/** `compose config`: the normalised model (YAML or JSON) or one of its listings. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { invalidArgument } from '../../engine/errdefs.js';
import { defineCommand } from '../_lib/spec.js';
import { globalFlags, loadComposeProject } from './shared.js';

export const configCommand = defineCommand({
  name: 'config',
  usage: '[SERVICE...]',
  summary: 'Parse, resolve and render compose file in canonical format',
  examples: [
    { command: 'nerdctl compose config', description: 'Print the configuration of the project, merged and interpolated' },
    { command: 'nerdctl compose -f compose.yaml -f compose.prod.yaml config -o merged.yaml', description: 'Merge two Compose files into one' },
    { command: 'nerdctl compose config --services', description: 'List the names of the services' },
  ],
  flags: {
    format: { type: 'string', describe: 'Format the output. Values: [yaml | json]', default: 'yaml', choices: ['yaml', 'json'] },
    quiet: { type: 'boolean', short: 'q', describe: "Only validate the configuration, don't print anything" },
    services: { type: 'boolean', describe: 'Print the service names, one per line.' },
    volumes: { type: 'boolean', describe: 'Print the volume names, one per line.' },
    networks: { type: 'boolean', describe: 'Print the network names, one per line.' },
    images: { type: 'boolean', describe: 'Print the image names, one per line.' },
    profiles: { type: 'boolean', describe: 'Print the profile names, one per line.' },
    environment: { type: 'boolean', describe: 'Print environment used for interpolation.' },
    hash: { type: 'string', describe: 'Print the service config hash, one per line.' },
    'no-interpolate': { type: 'boolean', describe: "Don't interpolate environment variables" },
    'no-consistency': { type: 'boolean', describe: "Don't check model consistency - warning: may produce invalid Compose output" },
    output: { type: 'string', short: 'o', describe: 'Save to file (default to stdout)', complete: 'files' },
  },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const c = await import('../../compose/index.js');
    const format = flags.format === 'json' ? 'json' : 'yaml';
    if (flags.format !== 'yaml' && flags.format !== 'json') throw invalidArgument(`unsupported format ${JSON.stringify(flags.format)}`);
    const loaded = await loadComposeProject(ctx, g, {
      services: args,
      select: args.length > 0,
      ...(flags['no-interpolate'] ? { interpolate: false } : {}),
      ...(flags['no-consistency'] ? { consistency: false } : {}),
    });
    const p = loaded.project;
    let text: string;
    const lines = (l: string[]) => l.map((x) => `${x}\n`).join('');
    if (flags.services || flags.volumes || flags.networks || flags.images || flags.profiles || flags.hash !== undefined || flags.environment) {
      if (p === undefined) throw invalidArgument('this listing needs interpolation');
      if (flags.services) text = lines(c.listServices(p));
      else if (flags.volumes) text = lines(c.listVolumes(p));
      else if (flags.networks) text = lines(c.listNetworks(p));
      else if (flags.images) text = lines(c.listImages(p));
      else if (flags.profiles) text = lines(c.listProfiles(p));
      else if (flags.environment) text = lines(Object.keys(p.environment).sort().map((k) => `${k}=${p.environment[k]}`));
      else text = lines(c.listHashes(p, flags.hash!));
    } else if (p === undefined) {
      text = c.formatRawModel(loaded.model, format);
    } else {
      text = c.formatProject(p, format);
    }
    if (flags.quiet) return;
    if (!text.endsWith('\n')) text += '\n';
    if (flags.output !== undefined) {
      writeFileSync(resolve(ctx.cwd, flags.output), text);
      return;
    }
    ctx.out.write(text);
  },
});
