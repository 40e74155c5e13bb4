/**
 * Docker's confirmation prompt for destructive commands (command.PromptForConfirmation): the message, then
 * ` [y/N] ` on stdout, one line read from stdin; only `y` or `Y` confirms. End of input declines.
 */
import type { CommandContext } from '../_lib/context.js';

/** Reads one line from `stdin` without consuming more than needed; '' at end of input. */
export function readLine(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const finish = (v: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onEnd);
      stdin.pause();
      resolve(v);
    };
    const onData = (d: Buffer | string) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl).replace(/\r$/, ''));
    };
    const onEnd = () => finish(buf);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onEnd);
    stdin.resume();
  });
}

/** True when `answer` confirms (Docker: `strings.ToLower(answer) == "y"`). Pure. */
export function isYes(answer: string): boolean {
  return answer.toLowerCase() === 'y';
}

/** Prints `message [y/N] ` and waits for the answer. */
export async function confirm(ctx: CommandContext, message: string): Promise<boolean> {
  ctx.out.write(`${message} [y/N] `);
  return isYes(await readLine(ctx.stdin));
}
