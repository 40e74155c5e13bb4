/**
 * Pure helpers the executor needs to turn resolved instructions into what runs and what is stored: RUN argv
 * (with Docker's heredoc modes), the shell wrapping of CMD/ENTRYPOINT, WORKDIR chaining and COPY/ADD
 * destinations. Docker's rules, from BuildKit's dispatcher.
 */
import { chompHeredoc, parseHeredocWord, type Heredoc } from './dockerfile/heredoc.js';
import type { CommandLine } from './dockerfile/instructions.js';
import { syntaxError } from './dockerfile/errors.js';
import { cleanPath } from './path-match.js';

/** The shell Linux images get when no SHELL instruction or config Shell says otherwise. */
export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

/** A file the executor must provide, read-only, for the step (a heredoc script run by its `#!` line). */
export interface InlineFile {
  /** Absolute path inside the container (`/dev/pipes/<delimiter>`). */
  path: string;
  content: string;
  /** File mode (0755). */
  mode: number;
}

/** What a RUN executes. */
export interface RunArgv {
  /** The process argv (the image ENTRYPOINT is never used for RUN). */
  args: string[];
  /** Files to mount for the step (empty unless a heredoc starts with `#!`). */
  inlineFiles: InlineFile[];
}

/**
 * The argv of a RUN, given the stage's current shell (config `Shell`, else {@link DEFAULT_SHELL}):
 * - exec form: the arguments as they are;
 * - shell form: `[...shell, command]`;
 * - with heredocs (shell form only): when the command is exactly one heredoc (`RUN <<EOF`), its body (tabs
 *   stripped for `<<-`) is the shell command, or, if it starts with `#!`, a 0755 file run directly through the
 *   shell (`/bin/sh -c /dev/pipes/EOF`); otherwise (`RUN cat <<A | tr ...`, fd heredocs) the line and every
 *   body with its terminator are handed to the shell unchanged.
 */
export function runArgv(command: CommandLine, heredocs: readonly Heredoc[], shell: readonly string[] = DEFAULT_SHELL): RunArgv {
  if (command.form === 'exec') {
    if (heredocs.length > 0) syntaxError(`parsing produced an invalid run command: [${command.args.join(' ')}]`);
    return { args: [...command.args], inlineFiles: [] };
  }
  let text = command.command;
  const inlineFiles: InlineFile[] = [];
  const first = heredocs[0];
  if (first !== undefined) {
    if (parseHeredocWord(command.command) !== undefined) {
      const data = first.chomp ? chompHeredoc(first.content) : first.content;
      if (data.startsWith('#!')) {
        const path = `/dev/pipes/${first.name}`;
        inlineFiles.push({ path, content: data, mode: 0o755 });
        text = path;
      } else {
        text = data;
      }
    } else {
      for (const h of heredocs) text += `\n${h.content}${h.name}`;
    }
  }
  return { args: [...shell, text], inlineFiles };
}

/**
 * The config value of CMD or ENTRYPOINT: exec form as is, shell form as `[...shell, command]` (Docker stores
 * the shell form already wrapped; with `SHELL ["ls"]`, `ENTRYPOINT my entrypoint` gives `["ls", "my entrypoint"]`).
 * An empty exec form gives `[]`: Docker then stores `Cmd: null` for `CMD []` and an empty `Entrypoint` for
 * `ENTRYPOINT []` (which also clears an inherited CMD unless this stage set one).
 */
export function configCommand(command: CommandLine, shell: readonly string[] = DEFAULT_SHELL): string[] {
  return command.form === 'exec' ? [...command.args] : [...shell, command.command];
}

/**
 * The new working directory after `WORKDIR path`: an absolute path is kept as written, a relative one is
 * joined to the current directory and cleaned, an empty one keeps the current directory.
 */
export function normalizeWorkdir(current: string, path: string): string {
  const parent = current === '' ? '/' : current.startsWith('/') ? current : `/${current}`;
  if (path === '') return parent;
  if (path.startsWith('/')) return path;
  return cleanPath(`${parent}/${path}`);
}

/**
 * The absolute destination of COPY/ADD for `dest` in working directory `workdir`: an absolute path is used as
 * written; relative paths (and `''`, `.`, which mean the working directory itself) are joined to it and cleaned,
 * keeping a trailing `/` (or `/.`), which means "copy into this directory".
 */
export function resolveDestPath(workdir: string, dest: string): string {
  if (dest.startsWith('/')) return dest;
  const p = dest === '.' || dest === '' ? './' : dest;
  let out = cleanPath(`${workdir === '' ? '/' : workdir}/${p}`);
  if (!out.startsWith('/')) out = `/${out}`;
  if (p.endsWith('/') && !out.endsWith('/')) out += '/';
  else if (p.endsWith('/.')) out = `${out === '/' ? '' : out}/.`;
  return out;
}
