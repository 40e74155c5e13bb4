/**
 * The built CLI's launcher (scripts/launcher.cjs): the bundle runs with a V8 code cache per command, written at
 * the first run of a command, offered to the next runs, and rewritten when V8 rejects it. Runs a copy of dist/
 * (inside the repository, so the bundle still finds node_modules) so the shared dist/cache is left alone.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

describe('launcher and code cache', () => {
  let dir: string;
  let cacheDir: string;
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(dir, 'dist', 'nerdctl.js'), ...args], { encoding: 'utf8' });
  const caches = () => readdirSync(cacheDir).filter((f) => f.endsWith('.v8')).sort();

  beforeAll(() => {
    dir = mkdtempSync(join(root, '.tmp-launcher-'));
    cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
    cacheDir = join(dir, 'dist', 'cache');
    rmSync(cacheDir, { recursive: true, force: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one cache per command at its first run and uses it after', () => {
    const first = cli('--version');
    expect(first.status).toBe(0);
    expect(caches()).toEqual([expect.stringMatching(/^nerdctl-[0-9a-f]{16}-.+-none\.v8$/)]);
    const written = statSync(join(cacheDir, caches()[0]!)).mtimeMs;
    const second = cli('--version');
    expect([second.status, second.stdout]).toEqual([0, first.stdout]);
    // offered and accepted: not written again
    expect(statSync(join(cacheDir, caches()[0]!)).mtimeMs).toBe(written);

    expect(cli('volume', 'ls', '--help').status).toBe(0);
    expect(caches().map((f) => f.replace(/^.*-/, '')).sort()).toEqual(['ls.v8', 'none.v8']);
    expect(caches().find((f) => f.endsWith('-ls.v8'))).toMatch(/-volume-ls\.v8$/);
  });

  it('replaces a cache V8 rejects, and runs the same', () => {
    const file = join(cacheDir, caches().find((f) => f.endsWith('-none.v8'))!);
    writeFileSync(file, Buffer.from('not a code cache'));
    const r = cli('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^nerdctl version /);
    expect(statSync(file).size).toBeGreaterThan(1000);
  });

  it('runs without a writable cache directory', () => {
    rmSync(cacheDir, { recursive: true, force: true });
    writeFileSync(cacheDir, ''); // a file where the directory should be: every write fails
    const r = cli('--version');
    expect([r.status, r.stderr]).toEqual([0, '']);
    rmSync(cacheDir, { force: true });
  });
});
