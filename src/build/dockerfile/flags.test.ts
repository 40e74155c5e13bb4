import { describe, expect, it } from 'vitest';
import { extractFlags, parseFlags } from './flags.js';

describe('extractFlags', () => {
  it.each([
    ['--a=1 --b rest of line', ['--a=1', '--b'], 'rest of line'],
    ['  --a="x y" cmd', ['--a=x y'], 'cmd'],
    ["--a='x\\'y' cmd", ["--a=x'y"], 'cmd'],
    ['--mount="type=secret,\\"id=a,b\\"" true', ['--mount=type=secret,"id=a,b"'], 'true'],
    ['--a -- --not-a-flag', ['--a'], '--not-a-flag'],
    ['-x --y', [], '-x --y'],
    ['echo --x', [], 'echo --x'],
    ['--only', ['--only'], ''],
    ['--a=1 --', ['--a=1'], ''],
    ['--e=a\\ b c', ['--e=a b'], 'c'],
    ['--q="" c', ['--q='], 'c'],
  ])('%j -> %j + %j', (text, flags, rest) => {
    expect(extractFlags(text, '\\')).toEqual({ flags, rest });
  });

  it('uses the configured escape character', () => {
    expect(extractFlags('--a=x`"y c', '`')).toEqual({ flags: ['--a=x"y'], rest: 'c' });
  });
});

describe('parseFlags', () => {
  const specs = { from: 'string', link: 'bool', exclude: 'strings' } as const;

  it('parses strings, bools and lists, remembering order', () => {
    const f = parseFlags(['--exclude=a', '--link', '--from=x', '--exclude=b'], specs);
    expect(f.strings.get('from')).toBe('x');
    expect(f.bools.get('link')).toBe(true);
    expect(f.lists.get('exclude')).toEqual(['a', 'b']);
    expect(f.used).toEqual(['exclude', 'link', 'from']);
  });

  it.each([
    [['--link=TRUE'], true],
    [['--link=false'], false],
    [['--link=False'], false],
  ])('%j gives link=%s', (words, value) => {
    expect(parseFlags(words, specs).bools.get('link')).toBe(value);
  });

  it.each([
    [['--form=x'], 'unknown flag: --form (did you mean --from?)'],
    [['--nope'], 'unknown flag: --nope'],
    [['--from'], 'missing a value on flag: --from'],
    [['--exclude'], 'missing a value on flag: --exclude'],
    [['--from=a', '--from=b'], 'duplicate flag specified: --from'],
    [['--link=yes'], 'expecting boolean value for flag --link, not: yes'],
    [['x'], 'arg should start with -- : x'],
  ])('%j fails: %s', (words, message) => {
    expect(() => parseFlags(words, specs)).toThrow(message);
  });
});
