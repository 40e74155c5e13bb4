/**
 * The exit command conmon runs when a container's process ends, optionally behind a guard.
 *
 * A foreground `run --rm` waits for the exit itself and cleans up in-process, and so do `stop`, `rm -f` and
 * `kill -s KILL`; a second Node process started by conmon for the same work would only cost time (and memory).
 * The guard is a tiny `/bin/sh` script that exits at once when
 * - a marker file exists (written by a command that will handle this exit itself, removed at every start), or
 * - the process that started the container is still alive — same pid *and* same start time in /proc, so a
 *   recycled pid does not count —
 * and otherwise (the CLI was detached or killed) execs the real command. Only shell builtins run on the fast
 * path.
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

/** When the exit command stands down. */
export interface ExitGuard {
  /** Skip while this process runs. */
  readonly owner?: ProcessIdentity;
  /** Skip when this file exists. */
  readonly marker?: string;
}

/**
 * `command` wrapped so it is skipped as `guard` says. Pure. `command[0]` must be absolute (conmon execs it
 * without a PATH search); so is the result's (`/bin/sh`).
 */
export function guardedExitCommand(command: readonly string[], guard: ProcessIdentity | ExitGuard): string[] {
  const g: ExitGuard = 'pid' in guard ? { owner: guard } : guard;
  const checks: string[] = [];
  if (g.marker !== undefined) checks.push(`[ -e ${shQuote(g.marker)} ] && exit 0; `);
  const owner = g.owner;
  if (owner !== undefined && Number.isInteger(owner.pid) && owner.pid > 0 && /^\d+$/.test(owner.startTime)) {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so cut at the last ") ". The start time
    // is field 22, i.e. the 20th word after the cut.
    checks.push(`if read -r s < /proc/${owner.pid}/stat 2>/dev/null; then set -- \${s##*) }; [ "\${20}" = "${owner.startTime}" ] && exit 0; fi; `);
  }
  if (checks.length === 0) return [...command];
  return ['/bin/sh', '-c', `${checks.join('')}exec ${command.map(shQuote).join(' ')}`];
}
