/**
 * `container inspect` and the top-level `inspect`, which looks a name up among containers, images, networks and
 * volumes in Docker's order (or only the `--type` given) and prints Docker's JSON for each object.
 */
import { EngineError, findEngineError, hasCode, invalidArgument } from '../../engine/errdefs.js';
import type { CommandContext } from '../_lib/context.js';
import { errorText } from '../_lib/exit.js';
import { defineCommand } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';
import { containerService } from './shared.js';

const TYPES = ['container', 'image', 'network', 'volume'] as const;
type ObjectType = (typeof TYPES)[number];

async function inspectOne(ctx: CommandContext, type: ObjectType, ref: string, size: boolean): Promise<unknown> {
  const op = ctx.op();
  switch (type) {
    case 'container':
      return (await containerService(ctx)).inspect(op, ref, { size });
    case 'image':
      return (await (await ctx.engine()).images()).inspect(op, ref);
    case 'network': {
      const { withNetworks } = await import('../network/shared.js');
      return withNetworks(ctx, async (nets) => nets.inspectNetwork(op, await nets.getNetwork(op, ref)));
    }
    case 'volume': {
      const [{ dockerVolumeInspect }, volumes] = await Promise.all([import('../../engine/volumes/inspect.js'), (await ctx.engine()).volumes()]);
      return dockerVolumeInspect(await volumes.get(op, ref));
    }
  }
}

/** Prints the objects, one error line per missing reference (Docker's wording), and sets the exit status. */
async function inspectAll(
  ctx: CommandContext,
  refs: readonly string[],
  find: (ref: string) => Promise<unknown>,
  format: string | undefined,
): Promise<void> {
  const objects: unknown[] = [];
  const missing: string[] = [];
  for (const ref of refs) {
    try {
      objects.push(await find(ref));
    } catch (err) {
      if (!hasCode(err, 'not-found') && !hasCode(err, 'invalid-argument')) throw err;
      missing.push(errorText(err));
    }
  }
  const { renderInspect } = await import('../_lib/format.js');
  const r = renderInspect(objects, format);
  if (objects.length > 0 || missing.length === 0) ctx.out.write(r.output);
  for (const m of missing) ctx.err.line(`Error: ${m}`);
  for (const e of r.errors) ctx.err.line(`Error: ${e.message}`);
  if (missing.length > 0 || r.errors.length > 0) throw new ExitStatus(1);
}

const formatFlag = { type: 'string', short: 'f', describe: 'Format the output using the given Go template', complete: 'format' } as const;

export const containerInspectCommand = defineCommand({
  name: 'inspect',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Display detailed information on one or more containers',
  examples: [
    { command: 'nerdctl container inspect web', description: 'Show the low-level details of the container web as JSON' },
    { command: "nerdctl container inspect -f '{{.State.Status}}' web", description: 'Print only the state of the container' },
    { command: "nerdctl container inspect -s -f '{{.SizeRw}}' web", description: 'Print the size of the files the container has written' },
  ],
  flags: {
    format: formatFlag,
    size: { type: 'boolean', short: 's', describe: 'Display total file sizes' },
    mode: { type: 'string', describe: 'Inspect mode, "dockercompat" for Docker-compatible output', default: 'dockercompat', hidden: true },
  },
  args: { min: 1, complete: ['containers'] },
  async handler({ flags, args }, ctx) {
    await inspectAll(ctx, args, (ref) => inspectOne(ctx, 'container', ref, flags.size), flags.format);
  },
});

export const inspectCommand = defineCommand({
  name: 'inspect',
  usage: 'NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on objects',
  examples: [
    { command: 'nerdctl inspect web', description: 'Show web as JSON, whether it is a container, an image, a network or a volume' },
    { command: 'nerdctl inspect --type image busybox', description: 'Inspect the image busybox, even if a container has the same name' },
    { command: "nerdctl inspect -f '{{.Id}}' web", description: 'Print only the full ID' },
  ],
  flags: {
    format: formatFlag,
    size: { type: 'boolean', short: 's', describe: 'Display total file sizes if the type is container' },
    type: { type: 'string', describe: 'Return JSON for specified type', complete: { values: TYPES } },
    mode: { type: 'string', describe: 'Inspect mode, "dockercompat" for Docker-compatible output', default: 'dockercompat', hidden: true },
  },
  args: { min: 1, complete: ['containers'] },
  async handler({ flags, args }, ctx) {
    const type = flags.type;
    if (type !== undefined && type !== '' && !(TYPES as readonly string[]).includes(type)) {
      throw invalidArgument(`"${type}" is not a valid value for --type`);
    }
    const types: readonly ObjectType[] = type ? [type as ObjectType] : TYPES;
    await inspectAll(
      ctx,
      args,
      async (ref) => {
        for (const t of types) {
          try {
            return await inspectOne(ctx, t, ref, flags.size);
          } catch (err) {
            const e = findEngineError(err);
            // Not this kind of object (or an ambiguous prefix of another kind): try the next kind.
            if (e?.code === 'not-found' || (e?.code === 'invalid-argument' && types.length > 1)) continue;
            throw err;
          }
        }
        throw new EngineError('not-found', `No such object: ${ref}`);
      },
      flags.format,
    );
  },
});
