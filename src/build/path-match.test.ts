import { describe, expect, it } from 'vitest';
import { cleanPath, hasWildcards, matchPath, validatePattern } from './path-match.js';

describe('matchPath (Go filepath.Match)', () => {
  it.each([
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[\\-x]', 'z', false],
    ['*x', 'xxx', true],
    ['arr[[]0].txt', 'arr[0].txt', true],
    ['arr[[]0].txt', 'arr0.txt', false],
    ['f*.go', 'foo.go', true],
  ])('%s ~ %s = %s', (pattern, name, ok) => {
    expect(matchPath(pattern, name)).toBe(ok);
  });

  it.each(['[]a]', '[-]', '[x-]', '[a-b-c]', '[', '[^', '[^bc', 'a[', 'a\\', '*x\\', '[\\'])('rejects %s', (pattern) => {
    expect(() => validatePattern(pattern)).toThrow(`syntax error in pattern: ${JSON.stringify(pattern)}`);
  });

  it('checks the whole pattern even after a mismatch', () => {
    expect(() => matchPath('a*[', 'b')).toThrow(/syntax error in pattern/);
  });
});

describe('hasWildcards', () => {
  it.each([
    ['a.txt', false],
    ['*.go', true],
    ['a?', true],
    ['arr[[]0]', true],
    ['a\\*b', false],
  ])('%s -> %s', (s, out) => {
    expect(hasWildcards(s)).toBe(out);
  });
});

describe('cleanPath', () => {
  it.each([
    ['', '.'],
    ['./a/b/', 'a/b'],
    ['a//b', 'a/b'],
    ['a/../b', 'b'],
    ['../../x', '../../x'],
    ['/../x', '/x'],
    ['/', '/'],
    ['a/..', '.'],
  ])('%j -> %j', (p, out) => {
    expect(cleanPath(p)).toBe(out);
  });
});
