import { isMainThread } from 'node:worker_threads';
import { BROKEN_PIPE_STATUS, main } from './commands/_lib/main.js';

// The bundle is also what layer worker threads load (engine/images/layer-worker.ts): there it starts the worker's
// job loop, not the CLI.
if (isMainThread) void cli();
else void import('./engine/images/layer-worker.js');

async function cli(): Promise<void> {

  // A reader that goes away (`nerdctl export c | head`) ends us the way it ends docker, a Go program killed by
  // SIGPIPE: status 141, no error message. Node ignores SIGPIPE and reports EPIPE on the stream instead. The command
  // is canceled rather than the process ended on the spot, so that it unmounts and removes what it made on the way
  // out (export and cp mount the container's filesystem); a command that does not notice is ended after a while.
  const brokenPipe = new AbortController();
  // A writer that destroys the stream with its own error (the tar writer does) keeps EPIPE as a cause.
  const isBrokenPipe = (err: unknown): boolean =>
    err instanceof Error && ((err as NodeJS.ErrnoException).code === 'EPIPE' || isBrokenPipe(err.cause));
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: Error) => {
      if (!isBrokenPipe(err)) throw err;
      if (brokenPipe.signal.aborted) return;
      brokenPipe.abort();
      stream.destroy();
      setTimeout(() => process.exit(BROKEN_PIPE_STATUS), 10_000).unref();
    });
  }

  // A stream pipeline that meets the closed pipe first may reject without anyone awaiting it (`save | head`).
  process.on('uncaughtException', (err) => {
    if (isBrokenPipe(err)) process.exit(BROKEN_PIPE_STATUS);
    process.stderr.write(`${err.stack ?? String(err)}\n`);
    process.exit(1);
  });

  const code = await main({
    argv: process.argv.slice(2),
    env: process.env,
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    selfCommand: [process.execPath, process.argv[1]!],
    brokenPipe: brokenPipe.signal,
  });
  if (brokenPipe.signal.aborted) process.exit(BROKEN_PIPE_STATUS);

  // Exit only after stdout/stderr have flushed (`nerdctl save | tar t` must see every byte); a stream that was
  // closed or failed has nothing left to flush.
  const flush = (s: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (!s.writableNeedDrain || s.destroyed) return resolve();
      s.once('drain', resolve);
      s.once('close', resolve);
      s.once('error', () => resolve());
    });
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}
