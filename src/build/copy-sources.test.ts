import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchSources, sourceComponents, walkSource, type SourceTree } from './copy-sources.js';
import { createIgnoreMatcher } from './dockerignore.js';

describe('COPY sources', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nerdctl-srcs-'));
    const files: Record<string, string> = {
      'a.go': 'a',
      'b.go': 'b',
      'arr[0].txt': 'arr',
      'dir/x.txt': 'x',
      'dir/sub/y.txt': 'y',
      'dir/sub/z.log': 'z',
      'real/file.txt': 'r',
      'ignored/keep.txt': 'k',
      'ignored/drop.txt': 'd',
    };
    for (const [f, c] of Object.entries(files)) {
      mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
      writeFileSync(path.join(root, f), c);
    }
    symlinkSync('real', path.join(root, 'linkdir'));
    symlinkSync('/real/file.txt', path.join(root, 'abslink'));
    symlinkSync('../../../../etc', path.join(root, 'escape'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const tree = (patterns: string[] = []): SourceTree => ({ root, matcher: createIgnoreMatcher(patterns) });
  const rels = (t: SourceTree, s: string) => matchSources(t, s).map((m) => m.rel);

  it('takes every source from the tree root', () => {
    expect(sourceComponents('../../a/./b/')).toEqual(['a', 'b']);
    expect(sourceComponents('/')).toEqual([]);
    expect(rels(tree(), '../a.go')).toEqual(['a.go']);
    expect(rels(tree(), '.')).toEqual(['']);
  });

  it('matches wildcards per component, in byte order, and escaped brackets literally', () => {
    expect(rels(tree(), '*.go')).toEqual(['a.go', 'b.go']);
    expect(rels(tree(), 'd*/*.txt')).toEqual(['dir/x.txt']);
    expect(rels(tree(), 'arr[[]0].txt')).toEqual(['arr[0].txt']);
    expect(rels(tree(), 'nomatch*')).toEqual([]);
    expect(rels(tree(), 'missing.txt')).toEqual([]);
  });

  it('follows symlinks inside the tree (absolute ones from its root, never out of it)', () => {
    const [m] = matchSources(tree(), 'linkdir/file.txt');
    expect(m?.resolvedRel).toBe('real/file.txt');
    expect(matchSources(tree(), 'abslink')[0]?.abs).toBe(path.join(root, 'real/file.txt'));
    const esc = matchSources(tree(), 'escape');
    expect(esc.every((x) => x.abs.startsWith(root))).toBe(true);
  });

  it('hides what .dockerignore excludes, but looks into directories an exception reopens', () => {
    const t = tree(['*.go', 'ignored', '!ignored/keep.txt', 'dir/**/*.log']);
    expect(rels(t, '*.go')).toEqual([]);
    expect(rels(t, 'ignored/drop.txt')).toEqual([]);
    const [dir] = matchSources(t, 'ignored');
    expect([...walkSource(t, dir!)].map((e) => e.rel)).toEqual(['keep.txt']);
    const [d] = matchSources(t, 'dir');
    expect([...walkSource(t, d!)].map((e) => e.rel)).toEqual(['sub', 'sub/y.txt', 'x.txt']);
  });

  it('applies --exclude patterns relative to the copied directory', () => {
    const [d] = matchSources(tree(), 'dir');
    expect([...walkSource(tree(), d!, createIgnoreMatcher(['sub']))].map((e) => e.rel)).toEqual(['x.txt']);
    expect([...walkSource(tree(), d!, createIgnoreMatcher(['**/*.txt']))].map((e) => e.rel)).toEqual(['sub', 'sub/z.log']);
  });
});
