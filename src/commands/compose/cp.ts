/**
 * `compose cp`: `cp` with a service instead of a container (`SERVICE:SRC_PATH DEST_PATH|-` or
 * `SRC_PATH|- SERVICE:DEST_PATH`); replica 1 unless `--index`, every replica with `--all` when copying in.
 */
import type { Writable } from 'node:stream';
import type { ContainerServiceImpl } from '../../engine/containers/service.js';
import { invalidArgument } from '../../engine/errdefs.js';
import { defineCommand } from '../_lib/spec.js';
import { resolveLocalPath } from '../container/cp.js';
import { isBrokenPipe } from '../container/export.js';
import { checkServices, globalFlags, projectNameAndModel, selectContainers, serviceContainer, withBackend } from './shared.js';

export const composeCpCommand = defineCommand({
  name: 'cp',
  usage: 'SERVICE:SRC_PATH DEST_PATH|- | SRC_PATH|- SERVICE:DEST_PATH',
  summary: 'Copy files/folders between a service container and the local filesystem',
  examples: [
    { command: 'nerdctl compose cp web:/etc/nginx/nginx.conf ./nginx.conf', description: 'Copy a file out of the container of the web service' },
    { command: 'nerdctl compose cp ./site/. web:/usr/share/nginx/html', description: "Copy the contents of a local directory into the web service's container" },
  ],
  flags: {
    all: { type: 'boolean', describe: 'Include containers created by the run command' },
    archive: { type: 'boolean', short: 'a', describe: 'Archive mode (copy all uid/gid information)' },
    'follow-link': { type: 'boolean', short: 'L', describe: 'Always follow symbol link in SRC_PATH' },
    index: { type: 'number', describe: 'Index of the container if service has multiple replicas' },
  },
  args: { min: 2, max: 2, complete: ['files', 'files'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const [{ cpDirection }, { copyFromContainer, copyToContainer }] = await Promise.all([
      import('../../engine/containers/copy-plan.js'),
      import('../../engine/containers/copy.js'),
    ]);
    const dir = cpDirection(args[0]!, args[1]!);
    const service = dir.container;
    const { name, project } = await projectNameAndModel(ctx, g);
    if (project !== undefined) checkServices(project, [service]);
    const opts = { followLink: flags['follow-link'], archive: flags.archive };
    return withBackend(ctx, async (b, op) => {
      const svc = b.containers as ContainerServiceImpl;
      if (dir.kind === 'from') {
        if (flags.all) throw invalidArgument('--all does not apply when copying from a container');
        const c = await serviceContainer(b, op, name, service, flags.index);
        if (dir.destination === '-') {
          try {
            await copyFromContainer(svc, op, c.id, dir.source, { kind: 'stream', out: ctx.out.stream as Writable }, opts);
          } catch (err) {
            if (isBrokenPipe(err)) return 141;
            throw err;
          }
          return 0;
        }
        await copyFromContainer(svc, op, c.id, dir.source, { kind: 'path', path: resolveLocalPath(ctx.cwd, dir.destination) }, opts);
        return 0;
      }
      if (dir.source === '-' && flags.all) throw invalidArgument('--all cannot read a stream more than once');
      const targets = flags.all
        ? await selectContainers(b, op, name, [service], { all: true, oneoff: true })
        : [await serviceContainer(b, op, name, service, flags.index)];
      if (targets.length === 0) throw invalidArgument(`service "${service}" has no container`);
      for (const c of targets) {
        const source = dir.source === '-' ? ({ kind: 'stream', input: ctx.stdin } as const) : ({ kind: 'path', path: resolveLocalPath(ctx.cwd, dir.source) } as const);
        await copyToContainer(svc, op, c.id, dir.destination, source, opts);
      }
      return 0;
    });
  },
});
