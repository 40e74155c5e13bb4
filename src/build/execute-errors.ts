/**
 * The error a failed build step raises: one line saying where (`Dockerfile:3`), what (`process "/bin/sh -c make"
 * did not complete successfully: exit code: 2`), and, as data for renderers and compose, which step it was and the
 * last lines it printed.
 */
import { EngineError, findEngineError, type ErrorCode } from '../engine/errdefs.js';
import { DockerfileError } from './dockerfile/errors.js';

export class BuildStepError extends EngineError {
  /** The step as progress shows it: `[2/3] RUN make`. */
  readonly step: string;
  /** Dockerfile name and line of the instruction. */
  readonly file: string;
  readonly line: number;
  /** RUN: the command's exit status (not the CLI's: a failed build exits 1, as Docker's does). */
  readonly commandExitCode: number | undefined;
  /** The last lines of the step's output (at most 20). */
  readonly outputTail: readonly string[];

  constructor(opts: {
    code: ErrorCode;
    file: string;
    line: number;
    step: string;
    detail: string;
    exitCode?: number;
    outputTail?: readonly string[];
    cause?: unknown;
  }) {
    super(opts.code, opts.line > 0 ? `${opts.file}:${opts.line}: ${opts.detail}` : `${opts.file}: ${opts.detail}`, opts.cause !== undefined ? { cause: opts.cause } : {});
    this.name = 'BuildStepError';
    this.step = opts.step;
    this.file = opts.file;
    this.line = opts.line;
    this.commandExitCode = opts.exitCode;
    this.outputTail = opts.outputTail ?? [];
  }
}

/**
 * Places an error raised while executing a step at that step: Dockerfile errors and step errors pass through,
 * other engine errors keep their class with the location prefixed, canceled stays canceled.
 */
export function atStep(err: unknown, at: { file: string; line: number; step: string; outputTail?: readonly string[] }): unknown {
  if (err instanceof BuildStepError || err instanceof DockerfileError) return err;
  const e = findEngineError(err);
  if (e?.code === 'canceled') return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new BuildStepError({
    code: e?.code ?? 'internal',
    file: at.file,
    line: at.line,
    step: at.step,
    detail,
    ...(at.outputTail !== undefined ? { outputTail: at.outputTail } : {}),
    cause: err,
  });
}
