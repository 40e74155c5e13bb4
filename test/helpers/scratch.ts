/**
 * Scratch directories for fixtures that live as long as the test process (image tars written once, compose
 * project directories). They go under the run's scratch directory (made and removed by test/setup/global.ts), so a
 * run leaves nothing in the temporary directory; a test file run without that setup uses the temporary directory.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function scratchDir(prefix: string): string {
  const parent = process.env.NERDCTL_TEST_SCRATCH ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, prefix));
}

/** A directory `name` under a fresh scratch directory holding `files` (paths relative to it, parents made). */
export function scratchFiles(prefix: string, name: string, files: Record<string, string>): string {
  const dir = join(scratchDir(prefix), name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}
