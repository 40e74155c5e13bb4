/**
 * A mistake in how the command was typed: unknown command or flag, bad flag value, wrong number of arguments.
 * Rendered as Docker does (`unknown flag: --x` then `See 'nerdctl run --help'.`) with exit status 125.
 */
export class UsageError extends Error {
  /** The command path the user typed (`['container', 'run']`), for the "See 'nerdctl run --help'" line. */
  readonly commandPath: readonly string[];
  /** Exit status: 125 for flag and command errors; Docker uses 1 for a wrong number of arguments. */
  readonly status: number;
  /** Lines printed after the "See ..." line (Docker adds the usage synopsis for argument-count errors). */
  readonly trailer: readonly string[];
  constructor(message: string, commandPath: readonly string[] = [], options: { status?: number; trailer?: readonly string[] } = {}) {
    super(message);
    this.name = 'UsageError';
    this.commandPath = commandPath;
    this.status = options.status ?? 125;
    this.trailer = options.trailer ?? [];
  }
}

/** Stop with this status; the user has already been told why (or the status is the container's). */
export class ExitStatus extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`exit status ${status}`);
    this.name = 'ExitStatus';
    this.status = status;
  }
}
