import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIgnoreMatcher, parseDockerignore, readDockerignore, walkContext } from './dockerignore.js';

function excluded(patterns: string[], path: string): boolean {
  return createIgnoreMatcher(patterns).excludes(path);
}

describe('parseDockerignore', () => {
  it('skips comments and blank lines, trims, cleans, drops a leading slash', () => {
    const text = '\uFEFF# comment\n\n  ./foo/  \r\n/bar\na//b/../c\n!  /keep/me\n  # not a comment\n!\n';
    expect(parseDockerignore(text)).toEqual(['foo', 'bar', 'a/c', '!keep/me', '# not a comment', '!']);
  });
});

describe('IgnoreMatcher.excludes', () => {
  it.each<[string[], string, boolean]>([
    // last matching line wins (edge case #18)
    [['ba*', '!bay'], 'bay', false],
    [['ba*', '!bay'], 'bar', true],
    [['!bay', 'ba*'], 'bay', true],
    // a directory match excludes its contents
    [['dir'], 'dir/a/b', true],
    [['dir/'], 'dir/a', true],
    [['docs', '!docs/README.md'], 'docs/README.md', false],
    [['docs', '!docs/README.md'], 'docs/other.md', true],
    // * does not cross directories, ** does
    [['*.go'], 'a.go', true],
    [['*.go'], 'dir/a.go', false],
    [['**/*.go'], 'dir/sub/a.go', true],
    [['**/*.go'], 'a.go', true],
    [['**/foo'], 'foo', true],
    [['**/foo'], 'a/b/foo', true],
    [['**/foo'], 'a/xfoo', false],
    [['**foo'], 'xfoo', true],
    [['a/**/b'], 'a/b', true],
    [['a/**/b'], 'a/x/y/b', true],
    [['a/**/b'], 'a/x/y/c', false],
    [['foo/**'], 'foo/x/y', true],
    [['foo/**'], 'foo', false],
    [['**'], 'anything/at/all', true],
    [['*/*'], 'a/b/c', true],
    // classes, escapes, characters that are special in regular expressions but not in globs
    [['[a-c].txt'], 'b.txt', true],
    [['[^a].txt'], 'a.txt', false],
    [['\\*.txt'], '*.txt', true],
    [['\\*.txt'], 'x.txt', false],
    [['a(1).txt'], 'a(1).txt', true],
    [['a+b{c}|$'], 'a+b{c}|$', true],
    [['file.txt'], 'fileXtxt', false],
    [['arr[[]0].txt'], 'arr[0].txt', true],
    // matching is case-sensitive and on cleaned paths
    [['Foo'], 'foo', false],
    [['./foo'], 'foo', true],
    [['foo'], './foo', true],
    // the root is never excluded
    [['*'], '.', false],
    // Dockerfile and .dockerignore may be excluded like anything else
    [['Dockerfile', '.dockerignore'], '.dockerignore', true],
  ])('%j excludes %s: %s', (patterns, path, out) => {
    expect(excluded(patterns, path)).toBe(out);
  });

  it.each([
    [['!'], 'illegal exclusion pattern: "!"'],
    [['a['], 'syntax error in pattern: "a["'],
    [['[]x]'], 'syntax error in pattern: "[]x]"'],
  ])('rejects %j', (patterns, message) => {
    expect(() => createIgnoreMatcher(patterns)).toThrow(message);
  });

  it('agrees with itself when walking with parent results', () => {
    const m = createIgnoreMatcher(['a', '!a/b', 'a/b/c*', '!**/keep']);
    let state = m.matchWithParent('a').state;
    expect(m.matchWithParent('a').excluded).toBe(true);
    const ab = m.matchWithParent('a/b', state);
    expect(ab.excluded).toBe(false);
    state = ab.state;
    for (const [name, out] of [
      ['a/b/c1', true],
      ['a/b/d', false],
      ['a/b/keep', false],
    ] as const) {
      expect(m.matchWithParent(name, state).excluded).toBe(out);
      expect(m.excludes(name)).toBe(out);
    }
  });
});

describe('IgnoreMatcher.mayIncludeBeneath', () => {
  it.each<[string[], string, boolean]>([
    [['node_modules'], 'node_modules', false],
    [['node_modules', '!node_modules/keep'], 'node_modules', true],
    [['node_modules', '!other/keep'], 'node_modules', false],
    [['node_modules', '!*.md'], 'node_modules', false],
    [['node_modules', '!**/*.md'], 'node_modules', true],
    [['a', '!a/*/x'], 'a/b', true],
    [['a', '!a/*/x'], 'a/b/c', false],
    [['a', '!a/b'], 'a/c', false],
    [['a', '!a/[bc]/x'], 'a/c', true],
  ])('%j beneath %s: %s', (patterns, dir, out) => {
    expect(createIgnoreMatcher(patterns).mayIncludeBeneath(dir)).toBe(out);
  });
});

describe('readDockerignore and walkContext', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nerdctl-dockerignore-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prefers <Dockerfile>.dockerignore next to the Dockerfile over the context one', async () => {
    await mkdir(join(dir, 'ctx'));
    await mkdir(join(dir, 'build'));
    await writeFile(join(dir, 'ctx', '.dockerignore'), 'from-context\n');
    await writeFile(join(dir, 'build', 'app.Dockerfile'), 'FROM scratch\n');
    expect(await readDockerignore(join(dir, 'ctx'), join(dir, 'build', 'app.Dockerfile'))).toEqual({
      patterns: ['from-context'],
      path: join(dir, 'ctx', '.dockerignore'),
    });
    await writeFile(join(dir, 'build', 'app.Dockerfile.dockerignore'), 'from-dockerfile\n');
    expect(await readDockerignore(join(dir, 'ctx'), join(dir, 'build', 'app.Dockerfile'))).toEqual({
      patterns: ['from-dockerfile'],
      path: join(dir, 'build', 'app.Dockerfile.dockerignore'),
    });
    expect(await readDockerignore(join(dir, 'build'))).toEqual({ patterns: [] });
  });

  it('walks in name order, skipping excluded entries and keeping parents of re-included files', async () => {
    const files = ['a.txt', 'b/keep.md', 'b/drop.txt', 'b/c/deep.md', 'node_modules/x/y.js', 'z/1', 'Dockerfile'];
    for (const f of files) {
      await mkdir(join(dir, f, '..'), { recursive: true });
      await writeFile(join(dir, f), f);
    }
    await symlink('a.txt', join(dir, 'link'));
    const matcher = createIgnoreMatcher(parseDockerignore('b\n!b/**/*.md\nnode_modules\nz/*\n'));
    const seen: string[] = [];
    for await (const e of walkContext(dir, { matcher })) seen.push(`${e.type[0]}:${e.path}`);
    expect(seen).toEqual(['f:Dockerfile', 'f:a.txt', 'd:b', 'd:b/c', 'f:b/c/deep.md', 'f:b/keep.md', 's:link', 'd:z']);
  });

  it('walks everything without a matcher', async () => {
    await mkdir(join(dir, 'd'));
    await writeFile(join(dir, 'd', 'f'), '');
    const seen: string[] = [];
    for await (const e of walkContext(dir)) seen.push(e.path);
    expect(seen).toEqual(['d', 'd/f']);
  });
});
