/**
 * What the container commands share: the service of this invocation, multi-target loops with Docker's error
 * reporting, and the `--time`/`-t` flag.
 */
import type { ContainerServiceImpl } from '../../engine/containers/service.js';
import type { CommandContext } from '../_lib/context.js';
import { errorText } from '../_lib/exit.js';

/** The containers service of this invocation. */
export async function containerService(ctx: CommandContext): Promise<ContainerServiceImpl> {
  return (await ctx.engine()).containers();
}

/**
 * Runs `fn` for each reference, printing what it returns (default: the reference as typed) on success and one
 * `Error: ...` line per failure, as Docker's multi-target commands do. Returns the exit status (1 if any failed).
 */
export async function forEachRef(ctx: CommandContext, refs: readonly string[], fn: (ref: string) => Promise<string | void>): Promise<number> {
  let failed = false;
  for (const ref of refs) {
    try {
      const out = await fn(ref);
      ctx.out.line(out ?? ref);
    } catch (err) {
      failed = true;
      ctx.err.line(`Error: ${errorText(err)}`);
    }
  }
  return failed ? 1 : 0;
}

/** Parses a `-t/--time` value (seconds; Docker's int flag). undefined when not given. */
export function timeFlag(value: string | undefined, flag = '-t, --time'): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(value)) {
    throw Object.assign(new Error(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`), {
      name: 'UsageError',
    });
  }
  return Number(value);
}
