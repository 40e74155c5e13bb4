import { describe, expect, it } from 'vitest';
import { parseBytes, parseDuration } from './convert.js';
import { splitShellWords } from './shellwords.js';

describe('splitShellWords', () => {
  it.each([
    ['./foo --bar=baz', ['./foo', '--bar=baz']],
    ['echo "a b"  c', ['echo', 'a b', 'c']],
    ["sh -c 'echo $HOME'", ['sh', '-c', 'echo $HOME']],
    ['a\\ b "x\\"y"', ['a b', 'x"y']],
    ["''", ['']],
    ['echo `date +%s` $(id -u)', ['echo', '`date +%s`', '$(id -u)']],
    ['  ', []],
  ])('%s', (line, want) => {
    expect(splitShellWords(line).words).toEqual(want);
  });

  it('stops at an unquoted shell operator, as go-shellwords does', () => {
    expect(splitShellWords('echo a && echo b')).toEqual({ words: ['echo', 'a'], stoppedAt: 7 });
    expect(splitShellWords('echo "a && b"').stoppedAt).toBe(-1);
  });

  it('rejects unterminated quotes', () => {
    expect(() => splitShellWords('echo "a')).toThrow('invalid command line string');
  });
});

describe('parseDuration and parseBytes', () => {
  it.each([
    ['30s', 30e9],
    ['1m30s', 90e9],
    ['1.5h', 5400e9],
    ['500ms', 500e6],
    ['1d', 86400e9],
    ['1w2d', 9 * 86400e9],
    ['0', 0],
  ])('duration %s', (s, ns) => {
    expect(parseDuration(s)).toBe(ns);
  });

  it('rejects bad durations and reads sizes', () => {
    expect(() => parseDuration('10', 'services.a.stop_grace_period')).toThrow('services.a.stop_grace_period');
    expect(parseBytes('512m')).toBe(512 * 1024 * 1024);
    expect(parseBytes(1024)).toBe(1024);
    expect(parseBytes('1g')).toBe(1024 ** 3);
  });
});
