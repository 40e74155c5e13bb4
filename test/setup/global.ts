/**
 * Integration tests run the built CLI (dist/nerdctl.js). Build it once before the run so every test file sees the
 * same binary; `make test` builds already, this covers `npx vitest run --project integration` on its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

export default function setup(): void {
  const bin = 'dist/nerdctl.js';
  if (!existsSync(bin) || process.env.NERDCTL_TEST_REBUILD === '1') {
    execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  }
  if (!statSync(bin).isFile()) throw new Error(`${bin} was not built`);
}
