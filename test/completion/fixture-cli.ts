/**
 * A `nerdctl` that knows only the fixture command tree (src/commands/_lib/spec-fixture.ts) and answers only
 * completion requests; bundled by the completion tests and run through a shim named `nerdctl` on PATH, with
 * NERDCTL_COMPLETION_FIXTURE naming the JSON file of known containers, images, networks...
 */
import { fixtureRoot } from '../../src/commands/_lib/spec-fixture.js';
import { runComplete } from '../../src/commands/internal/complete.js';

process.exitCode = await runComplete(fixtureRoot, {
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
});
