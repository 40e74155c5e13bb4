/**
 * `cp`: copy files and directories between a container and the host, or stream them as a tar with `-`:
 *
 *   cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-
 *   cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH
 *
 * Docker's path rules (engine/containers/copy-plan.ts), running or stopped containers, volumes and binds included.
 */
import path from 'node:path';
import type { Writable } from 'node:stream';
import { defineCommand } from '../_lib/spec.js';
import { isBrokenPipe } from './export.js';
import { containerService } from './shared.js';

/** A local path made absolute against `cwd`, keeping a trailing `/` or `/.` (docker/cli's resolveLocalPath). */
export function resolveLocalPath(cwd: string, p: string): string {
  const abs = path.resolve(cwd, p);
  if ((p.endsWith('/.') || p === '.') && !abs.endsWith('/.')) return `${abs === '/' ? '' : abs}/.`;
  if (p.endsWith('/') && !abs.endsWith('/')) return `${abs}/`;
  return abs;
}

export const cpCommand = defineCommand({
  name: 'cp',
  usage: 'CONTAINER:SRC_PATH DEST_PATH|- | SRC_PATH|- CONTAINER:DEST_PATH',
  summary: 'Copy files/folders between a container and the local filesystem',
  description:
    "Copy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.",
  examples: [
    { command: 'nerdctl cp web:/etc/hosts ./hosts', description: 'Copy a file out of the container web' },
    { command: 'nerdctl cp ./site/. web:/var/www/', description: 'Copy the contents of a local directory into the container' },
    { command: 'nerdctl cp web:/var/log - > logs.tar', description: 'Write a directory of the container to STDOUT as a tar archive' },
  ],
  flags: {
    archive: { type: 'boolean', short: 'a', describe: 'Archive mode (copy all uid/gid information)' },
    'follow-link': { type: 'boolean', short: 'L', describe: 'Always follow symbol link in SRC_PATH' },
  },
  args: { min: 2, max: 2, complete: ['files', 'files'] },
  async handler({ flags, args }, ctx) {
    const { cpDirection } = await import('../../engine/containers/copy-plan.js');
    const dir = cpDirection(args[0]!, args[1]!);
    const svc = await containerService(ctx);
    const { copyFromContainer, copyToContainer } = await import('../../engine/containers/copy.js');
    const opts = { followLink: flags['follow-link'], archive: flags.archive };
    if (dir.kind === 'from') {
      if (dir.destination === '-') {
        try {
          await copyFromContainer(svc, ctx.op(), dir.container, dir.source, { kind: 'stream', out: ctx.out.stream as Writable }, opts);
        } catch (err) {
          if (isBrokenPipe(err)) return 141;
          throw err;
        }
        return;
      }
      await copyFromContainer(svc, ctx.op(), dir.container, dir.source, { kind: 'path', path: resolveLocalPath(ctx.cwd, dir.destination) }, opts);
      return;
    }
    const source = dir.source === '-' ? ({ kind: 'stream', input: ctx.stdin } as const) : ({ kind: 'path', path: resolveLocalPath(ctx.cwd, dir.source) } as const);
    await copyToContainer(svc, ctx.op(), dir.container, dir.destination, source, opts);
  },
});
