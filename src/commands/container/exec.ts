/** `exec`: run a command in a running container; the CLI exits with the command's exit code. */
import { readFileSync } from 'node:fs';
import { findEngineError, invalidArgument, isErrno } from '../../engine/errdefs.js';
import { errorText } from '../_lib/exit.js';
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

export const execCommand = defineCommand({
  name: 'exec',
  usage: 'CONTAINER COMMAND [ARG...]',
  summary: 'Run a command in a running container',
  examples: [
    { command: 'nerdctl exec -it web sh', description: 'An interactive shell in the running container web' },
    { command: 'nerdctl exec -e DEBUG=1 -w /tmp web env', description: 'Run a command with an extra environment variable, in another working directory' },
    { command: 'nerdctl exec -d web touch /tmp/ready', description: 'Run a command in the background' },
  ],
  flags: {
    detach: { type: 'boolean', short: 'd', describe: 'Detached mode: run command in the background' },
    'detach-keys': { type: 'string', describe: 'Override the key sequence for detaching a container' },
    env: { type: 'strings', short: 'e', describe: 'Set environment variables', valueName: 'list' },
    'env-file': { type: 'strings', describe: 'Read in a file of environment variables', valueName: 'list', complete: 'files' },
    interactive: { type: 'boolean', short: 'i', describe: 'Keep STDIN open even if not attached' },
    privileged: { type: 'boolean', describe: 'Give extended privileges to the command' },
    tty: { type: 'boolean', short: 't', describe: 'Allocate a pseudo-TTY' },
    user: { type: 'string', short: 'u', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' },
    workdir: { type: 'string', short: 'w', describe: 'Working directory inside the container' },
  },
  interspersed: false,
  args: { min: 2, complete: ['containers:running', 'none'] },
  exitStatus: "The command's exit code; 126 when it cannot be invoked, 127 when it is not found.",
  async handler({ flags, args }, ctx) {
    const [{ parseEnvFile, parseEnvFlag }, { foregroundIO }] = await Promise.all([
      import('../../engine/containers/options.js'),
      import('./foreground.js'),
    ]);
    const lookup = (k: string) => ctx.env[k];
    const env: string[] = [];
    for (const f of flags['env-file']) {
      let data: Buffer;
      try {
        data = readFileSync(f);
      } catch (err) {
        throw invalidArgument(`open ${f}: ${isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message}`);
      }
      env.push(...parseEnvFile(data, lookup));
    }
    for (const e of flags.env) env.push(parseEnvFlag(e, lookup));
    if (flags.workdir !== undefined && flags.workdir !== '' && !flags.workdir.startsWith('/')) {
      throw invalidArgument(`the working directory '${flags.workdir}' is invalid, it needs to be an absolute path`);
    }
    const svc = await containerService(ctx);
    const op = ctx.op();
    const fg = flags.detach
      ? undefined
      : await foregroundIO(ctx, {
          stdin: flags.interactive,
          stdout: true,
          stderr: true,
          tty: flags.tty,
          ...(flags['detach-keys'] !== undefined ? { detachKeys: flags['detach-keys'] } : {}),
        });
    try {
      const res = await svc.exec(op, args[0]!, {
        args: args.slice(1),
        env,
        ...(flags.workdir ? { workdir: flags.workdir } : {}),
        ...(flags.user ? { user: flags.user } : {}),
        privileged: flags.privileged,
        tty: flags.tty,
        stdin: flags.interactive,
        detach: flags.detach,
        ...(fg ? { io: fg.io } : {}),
        ...(fg?.consoleSize ? { consoleSize: fg.consoleSize } : {}),
      });
      return flags.detach ? 0 : (res.exitCode ?? 0);
    } catch (err) {
      // Docker: a container that is missing or not running is a plain error (exit 1).
      const e = findEngineError(err);
      if (e && (e.code === 'not-found' || e.code === 'failed-precondition' || e.code === 'conflict') && e.exitCode === undefined) {
        ctx.err.line(`Error: ${errorText(err)}`);
        return 1;
      }
      throw err;
    } finally {
      fg?.restore();
    }
  },
});
