import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { missingMountPoints, removeMountStubs } from './execute-run.js';

describe('RUN mount points', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nerdctl-stubs-'));
    mkdirSync(path.join(root, 'etc'));
    mkdirSync(path.join(root, 'proc'));
    symlinkSync('/var/run', path.join(root, 'run'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds the first missing component of each destination, and the existing directories above it', () => {
    const r = missingMountPoints(root, ['/proc', '/dev', '/etc/hosts', '/cache/a/b', '/run/secrets/x']);
    expect(r.stubs.sort()).toEqual(['cache', 'dev', 'etc/hosts', 'var']);
    expect(r.parents).toEqual(['etc']);
  });

  it('removes stubs runc left empty, and keeps what a step put there', () => {
    mkdirSync(path.join(root, 'cache/a/b'), { recursive: true });
    writeFileSync(path.join(root, 'etc/hosts'), '');
    mkdirSync(path.join(root, 'dev'));
    writeFileSync(path.join(root, 'dev/made-by-step'), 'data');
    removeMountStubs(root, ['cache', 'etc/hosts', 'dev', 'var']);
    expect(existsSync(path.join(root, 'cache'))).toBe(false);
    expect(existsSync(path.join(root, 'etc/hosts'))).toBe(false);
    expect(existsSync(path.join(root, 'dev/made-by-step'))).toBe(true);
  });
});
