import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { guardedExitCommand, shQuote } from './exit-command.js';

function selfStart(): string {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('shQuote', () => {
  it.each([
    ['plain/path-1.js', 'plain/path-1.js'],
    ["it's", `'it'\\''s'`],
    ['a b', "'a b'"],
    ['', "''"],
  ])('quotes %j', (w, q) => expect(shQuote(w)).toBe(q));
});

describe('guardedExitCommand', () => {
  const cmd = ['/bin/echo', 'cleanup', "it's"];

  it('skips the command while the owner runs', () => {
    const argv = guardedExitCommand(cmd, { pid: process.pid, startTime: selfStart() });
    expect(argv[0]).toBe('/bin/sh');
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('runs the command when the owner is gone or its pid was recycled', () => {
    for (const owner of [
      { pid: 999_999_999, startTime: '1' },
      { pid: process.pid, startTime: '1' },
    ]) {
      const argv = guardedExitCommand(cmd, owner);
      const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
      expect(r.stdout).toBe("cleanup it's\n");
    }
  });

  it('skips the command while a marker file exists', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/guard-`);
    const marker = `${dir}/exit handled`;
    const argv = guardedExitCommand(cmd, { marker });
    expect(spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout).toBe("cleanup it's\n");
    writeFileSync(marker, '');
    expect(spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout).toBe('');
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves the command alone for a bad owner', () => {
    expect(guardedExitCommand(cmd, { pid: 0, startTime: '5' })).toEqual(cmd);
  });
});
