import { chmodSync, cpSync, lutimesSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { treeChanges, withoutRuntimeStubs, type FsChange } from './changes.js';

let base: string;
let lower: string;
let upper: string;
const old = new Date('2024-01-01T00:00:00Z');

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'changes-'));
  lower = join(base, 'lower');
  upper = join(base, 'upper');
  for (const d of ['bin', 'etc', 'var/log', 'tmp']) mkdirSync(join(lower, d), { recursive: true });
  writeFileSync(join(lower, 'bin/vi'), 'vi');
  writeFileSync(join(lower, 'etc/passwd'), 'root');
  writeFileSync(join(lower, 'var/log/a'), 'a');
  symlinkSync('vi', join(lower, 'bin/view'));
  for (const p of ['bin/vi', 'etc/passwd', 'var/log/a', 'bin', 'etc', 'var/log', 'var', 'tmp']) utimesSync(join(lower, p), old, old);
  cpSync(lower, upper, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  for (const root of [lower, upper]) lutimesSync(join(root, 'bin/view'), old, old);
  for (const p of ['bin', 'etc', 'var/log', 'var', 'tmp']) utimesSync(join(upper, p), old, old);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const brief = (cs: readonly FsChange[]) => cs.map((c) => `${c.kind} ${c.path}`);

describe('treeChanges (native snapshots)', () => {
  it('reports nothing for identical trees', async () => {
    expect(await treeChanges(lower, upper)).toEqual([]);
  });

  it('reports additions, changes and deletions, parents first, a deleted directory once', async () => {
    rmSync(join(upper, 'bin/vi'));
    writeFileSync(join(upper, 'etc/passwd'), 'root:x');
    mkdirSync(join(upper, 'root/x'), { recursive: true });
    writeFileSync(join(upper, 'tmp/new'), 'hi');
    rmSync(join(upper, 'var'), { recursive: true });
    chmodSync(join(upper, 'etc'), 0o700);
    expect(brief(await treeChanges(lower, upper))).toEqual(['C /bin', 'D /bin/vi', 'C /etc', 'C /etc/passwd', 'A /root', 'A /root/x', 'C /tmp', 'A /tmp/new', 'D /var']);
  });

  it('treats everything as added without a lower tree', async () => {
    expect(brief(await treeChanges(undefined, join(upper, 'var')))).toEqual(['A /log', 'A /log/a']);
  });
});

describe('withoutRuntimeStubs', () => {
  it("drops runc's empty mount points and a directory reported only because of them", async () => {
    mkdirSync(join(upper, 'proc'));
    mkdirSync(join(upper, 'dev'));
    writeFileSync(join(upper, 'etc/hostname'), '');
    writeFileSync(join(upper, 'tmp/keep'), 'x');
    const all = await treeChanges(lower, upper);
    expect(brief(all)).toEqual(['A /dev', 'C /etc', 'A /etc/hostname', 'A /proc', 'C /tmp', 'A /tmp/keep']);
    expect(brief(withoutRuntimeStubs(all, 'tree'))).toEqual(['C /tmp', 'A /tmp/keep']);
  });

  it('keeps a stub path that has content, and a parent with other changes', async () => {
    writeFileSync(join(upper, 'etc/hosts'), '127.0.0.1 x\n');
    writeFileSync(join(upper, 'etc/hostname'), '');
    writeFileSync(join(upper, 'etc/passwd'), 'changed');
    expect(brief(withoutRuntimeStubs(await treeChanges(lower, upper), 'tree'))).toEqual(['C /etc', 'A /etc/hosts', 'C /etc/passwd']);
  });

  it('on overlay, keeps a parent only when something directly in it was added or deleted', () => {
    const abs = (p: string) => join(upper, p);
    writeFileSync(abs('etc/hostname'), '');
    const overlay: FsChange[] = [
      { path: '/etc', kind: 'C', abs: abs('etc'), incidental: true },
      { path: '/etc/hostname', kind: 'A', abs: abs('etc/hostname') },
      { path: '/etc/passwd', kind: 'C', abs: abs('etc/passwd') },
    ];
    expect(brief(withoutRuntimeStubs(overlay, 'overlay'))).toEqual(['C /etc/passwd']);
    writeFileSync(abs('etc/new'), 'n');
    expect(brief(withoutRuntimeStubs([...overlay, { path: '/etc/new', kind: 'A', abs: abs('etc/new') }], 'overlay'))).toEqual([
      'C /etc',
      'C /etc/passwd',
      'A /etc/new',
    ]);
  });
});
