/** `export CONTAINER`: the container's filesystem as a tar, to `-o FILE` or to a redirected stdout. */
import { createWriteStream, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { invalidArgument } from '../../engine/errdefs.js';
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

/** True when `err` (or its cause chain) is a write to a closed pipe. */
export function isBrokenPipe(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let cur = err; cur !== undefined && cur !== null && !seen.has(cur); cur = (cur as { cause?: unknown }).cause) {
    seen.add(cur);
    if ((cur as NodeJS.ErrnoException).code === 'EPIPE') return true;
    if (cur instanceof Error && /\bEPIPE\b/.test(cur.message)) return true;
  }
  return false;
}

/** Docker's ValidateOutputPath: the directory must exist, and an existing target must be a file or directory. */
export function validateOutputPath(target: string): void {
  const dir = path.dirname(target);
  try {
    statSync(dir);
  } catch {
    throw invalidArgument(`failed to export container: invalid output path: directory ${JSON.stringify(dir)} does not exist`);
  }
  try {
    const st = statSync(target);
    if (!st.isFile() && !st.isDirectory()) {
      throw invalidArgument(`failed to export container: invalid output path: ${JSON.stringify(target)} must be a directory or a regular file`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export const exportCommand = defineCommand({
  name: 'export',
  usage: 'CONTAINER',
  summary: "Export a container's filesystem as a tar archive",
  examples: [
    { command: 'nerdctl export -o web.tar web', description: 'Write the filesystem of the container web to a tar archive' },
    { command: 'nerdctl export web | tar -t', description: "List the files of the container's filesystem" },
  ],
  flags: {
    output: { type: 'string', short: 'o', describe: 'Write to a file, instead of STDOUT', complete: 'files' },
  },
  args: { min: 1, max: 1, complete: ['containers'] },
  async handler({ flags, args }, ctx) {
    if (flags.output === undefined && ctx.out.isTTY) {
      throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const svc = await containerService(ctx);
    const { exportContainer } = await import('../../engine/containers/export.js');
    if (flags.output === undefined) {
      try {
        await exportContainer(svc, ctx.op(), args[0]!, ctx.out.stream as Writable);
      } catch (err) {
        // The reader went away (`export c | head`): end quietly, as a CLI killed by SIGPIPE does.
        if (isBrokenPipe(err)) return 141;
        throw err;
      }
      return;
    }
    const target = path.resolve(ctx.cwd, flags.output);
    validateOutputPath(target);
    // Written beside the target and renamed at the end: a failed export leaves no truncated archive.
    const tmp = `${target}.tmp-${process.pid}`;
    const file = createWriteStream(tmp, { mode: 0o600 });
    try {
      await exportContainer(svc, ctx.op(), args[0]!, file);
      await finished(file);
      await rename(tmp, target);
    } catch (err) {
      file.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
  },
});
