import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit status; -1 when the process was killed by a signal. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Kill the process after this long (default 60 s): a hung plugin must not hang the CLI. */
  timeoutMs?: number;
}

/**
 * Runs a program to completion and collects its output. Rejects only when it cannot be started (ENOENT, EACCES)
 * or is aborted; a non-zero exit is a normal result for the caller to classify.
 */
export function runCommand(file: string, args: readonly string[], opts: RunCommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    // A plugin that exits before reading stdin gives EPIPE; its exit status tells the story.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
