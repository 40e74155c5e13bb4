/**
 * The exit command conmon runs when a container's process ends, optionally behind a guard.
 *
 * A foreground `run --rm` waits for the exit itself and cleans up in-process; a second Node process started by
 * conmon for the same work would only cost time (and memory). The guard is a tiny `/bin/sh` script: when the
 * process that started the container is still alive — same pid *and* same start time in /proc, so a recycled
 * pid does not count — it exits at once; otherwise (the CLI was detached or killed) it execs the real command.
 * Only shell builtins run on the fast path.
 */

/** Quotes one word for /bin/sh. Pure. */
export function shQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The identity of a live process: pid and start time (field 22 of /proc/<pid>/stat). */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

/**
 * `command` wrapped so it is skipped while `owner` runs. Pure. `command[0]` must be absolute (conmon execs it
 * without a PATH search); so is the result's (`/bin/sh`).
 */
export function guardedExitCommand(command: readonly string[], owner: ProcessIdentity): string[] {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0 || !/^\d+$/.test(owner.startTime)) return [...command];
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so cut at the last ") ". The start time
  // is field 22, i.e. the 20th word after the cut.
  const script =
    `if read -r s < /proc/${owner.pid}/stat 2>/dev/null; then set -- \${s##*) }; [ "\${20}" = "${owner.startTime}" ] && exit 0; fi; ` +
    `exec ${command.map(shQuote).join(' ')}`;
  return ['/bin/sh', '-c', script];
}
