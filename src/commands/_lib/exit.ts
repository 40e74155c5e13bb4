/**
 * The only place errors become exit codes and stderr text (STYLE.md section 4c).
 *
 * | situation                                          | stderr                               | exit            |
 * |----------------------------------------------------|--------------------------------------|-----------------|
 * | usage: unknown command/flag, bad value, arg count  | message + See '<bin> <cmd> --help'.  | 125             |
 * | run/create/start/exec fail before the process runs | Error: <message>                     | 125             |
 * | container command cannot be invoked / not found    | Error: <message>                     | 126 / 127       |
 * | container ran                                      | nothing (ExitStatus)                 | container's code|
 * | other commands, any EngineError                    | Error: <message> (Docker's not-found)| 1               |
 * | canceled (SIGINT)                                  | nothing                              | 130             |
 */
import { EngineError, findEngineError } from '../../engine/errdefs.js';
import { ExitStatus, UsageError } from './usage-error.js';

export interface ExitReport {
  readonly code: number;
  /** Lines for stderr (without trailing newlines); empty for none. */
  readonly lines: string[];
}

/** How a command reports failures: `container` commands use 125 for engine failures, as Docker's run does. */
export type ExitClass = 'default' | 'container';

/** Docker's phrasing for a missing object. */
export function notFoundText(err: EngineError): string {
  const s = err.subject;
  if (s === undefined) return err.message;
  switch (s.kind) {
    case 'container':
    case 'image':
    case 'network':
    case 'volume':
      return `No such ${s.kind}: ${s.ref}`;
    default:
      return err.message;
  }
}

/** Renders one error as the single line Docker would print (without the `Error: ` prefix). */
export function errorText(err: unknown): string {
  const e = findEngineError(err);
  if (e !== undefined && e === err && e.code === 'not-found') return notFoundText(e);
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Maps an error thrown by a command to its exit report. */
export function exitReport(
  err: unknown,
  opts: { programName: string; commandPath: readonly string[]; exitClass?: ExitClass; debug?: boolean },
): ExitReport {
  if (err instanceof ExitStatus) return { code: err.status, lines: [] };
  if (err instanceof UsageError) {
    const cmd = [opts.programName, ...err.commandPath].join(' ');
    return { code: err.status, lines: [err.message, `See '${cmd} --help'.`, ...err.trailer] };
  }
  const e = findEngineError(err);
  if (e?.code === 'canceled') return { code: 130, lines: [] };
  const lines = [`Error: ${errorText(err)}`];
  if (e?.hint !== undefined) lines.push(e.hint);
  if (e === undefined || e.code === 'internal') {
    if (opts.debug === true && err instanceof Error && err.stack !== undefined) lines.push(err.stack);
    if (e === undefined || e.code === 'internal') {
      lines.push('This is a bug in nerdctl; please report it with the command you ran (re-run with --debug for details).');
    }
  } else if (opts.debug === true && err instanceof Error && err.stack !== undefined) {
    lines.push(err.stack);
  }
  if (e?.exitCode !== undefined) return { code: e.exitCode, lines };
  return { code: opts.exitClass === 'container' ? 125 : 1, lines };
}
