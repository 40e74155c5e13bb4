/**
 * Integration tests run the built CLI (dist/nerdctl.js). Build it once before the run so every test file sees the
 * same binary; `make test` builds already, this covers `npx vitest run --project integration` on its own.
 *
 * It also makes the run's scratch directory (test/helpers/scratch.ts), handed to the test processes through the
 * environment and removed when the run ends.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const bin = 'dist/nerdctl.js';
  if (!existsSync(bin) || process.env.NERDCTL_TEST_REBUILD === '1') {
    execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  }
  if (!statSync(bin).isFile()) throw new Error(`${bin} was not built`);
  const scratch = mkdtempSync(join(tmpdir(), 'nerdctl-tests-'));
  process.env.NERDCTL_TEST_SCRATCH = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}
