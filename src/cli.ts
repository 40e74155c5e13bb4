import { main } from './commands/_lib/main.js';

// A reader that goes away (`nerdctl export c | head`) ends us the way it ends docker, a Go program killed by
// SIGPIPE: status 141, no error message. Node ignores SIGPIPE and reports EPIPE on the stream instead.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
}

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
});

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
