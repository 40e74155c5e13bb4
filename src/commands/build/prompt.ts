/**
 * Docker's `[y/N]` confirmation for prune commands: the question on stdout, one line read from stdin; only `y` or
 * `yes` (any case) confirms, end of input declines.
 */
import { goHumanSize } from '../../util/units.js';
import type { CommandContext } from '../_lib/context.js';

export async function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  ctx.out.write(question);
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    const stdin = ctx.stdin;
    const done = (s: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(s);
    };
    const onData = (d: Buffer | string) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    };
    const onEnd = () => done(buf);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
  return /^y(es)?$/i.test(line.trim());
}

/** Docker's size for prune totals (`12.3MB`, `0B`). */
export function formatSize(bytes: number): string {
  return goHumanSize(bytes);
}
