import { main } from './commands/_lib/main.js';

// The bin entry. Exit only after stdout/stderr have flushed: `nerdctl save | tar t` must see every byte.
const code = await main({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  selfCommand: [process.execPath, process.argv[1]!],
});
const flush = (s: NodeJS.WriteStream) => new Promise<void>((resolve) => (s.writableNeedDrain ? s.once('drain', resolve) : resolve()));
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
