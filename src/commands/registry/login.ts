/**
 * `login` / `logout`: credentials in Docker's config.json (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`), with Docker's messages and flag rules.
 */
import { canceled, invalidArgument } from '../../engine/errdefs.js';
import type { CommandContext } from '../_lib/context.js';
import { defineCommand } from '../_lib/spec.js';
import { UsageError } from '../_lib/usage-error.js';

/** Reads all of stdin as text. */
async function readAll(stdin: NodeJS.ReadStream): Promise<string> {
  let s = '';
  for await (const c of stdin as AsyncIterable<Buffer | string>) s += c.toString();
  return s;
}

/** Prompts on the terminal; `hidden` turns echo off (raw mode) for passwords. */
async function prompt(ctx: CommandContext, question: string, hidden: boolean): Promise<string> {
  ctx.out.write(question);
  const stdin = ctx.stdin;
  return new Promise((resolve, reject) => {
    let buf = '';
    const wasRaw = stdin.isRaw;
    if (hidden && stdin.isTTY) stdin.setRawMode(true);
    const finish = () => {
      stdin.off('data', onData);
      if (hidden && stdin.isTTY) stdin.setRawMode(wasRaw);
      stdin.pause();
      if (hidden) ctx.out.line();
      resolve(buf);
    };
    const onData = (d: Buffer) => {
      for (const ch of d.toString()) {
        if (ch === '\n' || ch === '\r' || ch === '\u0004') return finish();
        if (ch === '\u0003') {
          finish();
          reject(canceled('login canceled'));
          return;
        }
        if (ch === '\u007f') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** Checks the flag combination as Docker does; returns what must still be asked for. Pure. */
export function checkLoginFlags(flags: { username?: string; password?: string; 'password-stdin': boolean }): void {
  if (flags['password-stdin']) {
    if (flags.password !== undefined) throw new UsageError('--password and --password-stdin are mutually exclusive', ['login']);
    if (flags.username === undefined || flags.username === '') throw invalidArgument('Must provide --username with --password-stdin');
  }
}

export const loginCommand = defineCommand({
  name: 'login',
  usage: '[SERVER]',
  summary: 'Log in to a container registry',
  description:
    'Log in to a container registry. If no server is specified, the default is defined by the daemon (Docker Hub).\nCredentials are stored in $DOCKER_CONFIG/config.json (default ~/.docker/config.json).',
  examples: [
    { command: 'nerdctl login -u admin localhost:5000', description: 'Log in to a local registry, prompting for the password' },
    { command: 'cat ~/registry-token | nerdctl login -u admin --password-stdin registry.example.com', description: 'Log in with a password read from STDIN' },
  ],
  flags: {
    username: { type: 'string', short: 'u', describe: 'Username' },
    password: { type: 'string', short: 'p', describe: 'Password' },
    'password-stdin': { type: 'boolean', describe: 'Take the password from stdin' },
  },
  args: { max: 1 },
  async handler({ flags, args }, ctx) {
    checkLoginFlags(flags);
    if (flags.password !== undefined) ctx.err.line('WARNING! Using --password via the CLI is insecure. Use --password-stdin.');
    let username = flags.username ?? '';
    let password = flags.password ?? '';
    if (flags['password-stdin']) {
      password = (await readAll(ctx.stdin)).replace(/\r?\n$/, '');
    }
    const registry = await (await ctx.engine()).registry();
    const server = args[0];
    if (username === '' && password === '') {
      const stored = await registry.credentials.get(server ?? 'https://index.docker.io/v1/');
      if (stored?.username !== undefined && stored.password !== undefined && stored.username !== '') {
        ctx.out.line('Authenticating with existing credentials...');
        username = stored.username;
        password = stored.password;
      }
    }
    if (username === '' || password === '') {
      if (!ctx.stdin.isTTY) throw invalidArgument('Cannot perform an interactive login from a non TTY device');
      if (username === '') username = (await prompt(ctx, 'Username: ', false)).trim();
      if (password === '') password = await prompt(ctx, 'Password: ', true);
    }
    if (username === '') throw invalidArgument('Username cannot be empty');
    if (password === '') throw invalidArgument('Password cannot be empty');
    await registry.login(ctx.op(), server, { username, password });
    ctx.err.line(`WARNING! Your password will be stored unencrypted in ${registry.credentials.configFile}.`);
    ctx.err.line('Configure a credential helper to remove this warning. See');
    ctx.err.line('https://docs.docker.com/engine/reference/commandline/login/#credentials-store');
    ctx.err.line();
    ctx.out.line('Login Succeeded');
  },
});

export const logoutCommand = defineCommand({
  name: 'logout',
  usage: '[SERVER]',
  summary: 'Log out from a container registry',
  description: 'Log out from a container registry. If no server is specified, the default is defined by the daemon (Docker Hub).',
  examples: [
    { command: 'nerdctl logout localhost:5000', description: 'Remove the stored credentials of a registry' },
    { command: 'nerdctl logout', description: 'Log out from Docker Hub' },
  ],
  flags: {},
  args: { max: 1 },
  async handler({ args }, ctx) {
    const registry = await (await ctx.engine()).registry();
    const r = await registry.logout(args[0]);
    ctx.out.line(`Removing login credentials for ${args[0] ?? r.serverAddress}`);
  },
});
