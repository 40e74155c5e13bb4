/** `top CONTAINER [ps OPTIONS]`: the container's processes as the host's `ps` shows them, in Docker's layout. */
import { tabwrite } from '../../util/tabwriter.js';
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

/** Docker's top table: tabwriter minwidth 20, tabwidth 1, padding 3, spaces (pure). */
export function topTable(result: { titles: readonly string[]; processes: readonly (readonly string[])[] }): string {
  const lines = [result.titles.join('\t'), ...result.processes.map((p) => p.join('\t'))];
  return tabwrite(lines.map((l) => `${l}\n`).join(''), { minWidth: 20, tabWidth: 1, padding: 3, padChar: ' ' });
}

export const topCommand = defineCommand({
  name: 'top',
  usage: 'CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  examples: [
    { command: 'nerdctl top web', description: 'List the processes of the container web' },
    { command: 'nerdctl top web -o pid,comm', description: 'Choose the columns, with the options of ps' },
  ],
  flags: {},
  // Everything after the container is for ps (`top c -o pid,comm`).
  interspersed: false,
  args: { min: 1, complete: ['containers:running', 'none'] },
  async handler({ args }, ctx) {
    const svc = await containerService(ctx);
    const { containerTop } = await import('../../engine/containers/top.js');
    const result = await containerTop(svc, ctx.op(), args[0]!, args.slice(1).join(' '));
    ctx.out.write(topTable(result));
  },
});
