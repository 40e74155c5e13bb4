import { describe, expect, it } from 'vitest';
import { DotenvError, parseDotenv } from './dotenv.js';

const one = (line: string, key: string): string | undefined => parseDotenv(line).get(key);

describe('parseDotenv', () => {
  // compose-go dotenv cases (reference case 12)
  it.each([
    ['FOO=bar', 'FOO', 'bar'],
    ['FOO =bar', 'FOO', 'bar'],
    ['FOO= bar', 'FOO', 'bar'],
    ['FOO="bar"', 'FOO', 'bar'],
    ["FOO='bar'", 'FOO', 'bar'],
    ['FOO="escaped\\"bar"', 'FOO', 'escaped"bar'],
    ['FOO="\\"quoted\\""', 'FOO', '"quoted"'],
    ['FOO="\'d\'"', 'FOO', "'d'"],
    ['OPTION_A: 1', 'OPTION_A', '1'],
    ['OPTION_A: Foo=bar', 'OPTION_A', 'Foo=bar'],
    ['OPTION_A=1:B', 'OPTION_A', '1:B'],
    ['export OPTION_A=2', 'OPTION_A', '2'],
    ["export OPTION_B='\\n'", 'OPTION_B', '\\n'],
    ['export exportFoo=2', 'exportFoo', '2'],
    ['exportFOO=2', 'exportFOO', '2'],
    ['export_FOO =2', 'export_FOO', '2'],
    ['export.FOO= 2', 'export.FOO', '2'],
    ['export\tOPTION_A=2', 'OPTION_A', '2'],
    ['  export OPTION_A=2', 'OPTION_A', '2'],
    ['export OPTION_A="export A"', 'OPTION_A', 'export A'],
    ['FOO="bar\\nbaz"', 'FOO', 'bar\nbaz'],
    ['FOO=a\\tb', 'FOO', 'a\\tb'],
    ['FOO="a\\tb"', 'FOO', 'a\tb'],
    ['KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"', 'KEY', 'Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ'],
    ['FOO.BAR=foobar', 'FOO.BAR', 'foobar'],
    ['FOO=foobar=', 'FOO', 'foobar='],
    ['FOO=bar ', 'FOO', 'bar'],
    ['FOO=bar # this is foo', 'FOO', 'bar'],
    ['FOO=bar #this is foo', 'FOO', 'bar'],
    ['FOO=bar #', 'FOO', 'bar'],
    ['FOO=123#not-an-inline-comment', 'FOO', '123#not-an-inline-comment'],
    ['FOO="bar#baz"', 'FOO', 'bar#baz'],
    ['FOO="bar#baz"#', 'FOO', 'bar#baz'],
    ['FOO="bar#baz" # comment', 'FOO', 'bar#baz'],
    ["FOO='bar#baz' # comment", 'FOO', 'bar#baz'],
    ['FOO="bar\\n\\ b\\az"', 'FOO', 'bar\n\\ b\x07z'],
    ['FOO="bar\\\\\\n\\ b\\az"', 'FOO', 'bar\\\n\\ b\x07z'],
    ['FOO="bar\\nbaz\\\\"', 'FOO', 'bar\nbaz\\'],
    [' KEY =value', 'KEY', 'value'],
    ['\tKEY=value', 'KEY', 'value'],
    ['KEY="\\0123"', 'KEY', 'S'],
    ['KEY="\\x07"', 'KEY', '\\x07'],
    ['KEY="\\u12e4"', 'KEY', '\\u12e4'],
    ["OPTION_K='Let\\'s go!'", 'OPTION_K', "Let's go!"],
    ['EMPTY=', 'EMPTY', ''],
    ['FOO=\\$bar', 'FOO', '\\'],
    ['FOO="\\$bar"', 'FOO', '$bar'],
    ['FOO=$$bar', 'FOO', '$bar'],
  ])('%s', (line, key, want) => {
    expect(one(line, key)).toBe(want);
  });

  it('reads multi-line quoted values and comments', () => {
    const env = parseDotenv("# comment\n\nA='first line\nsecond line'\n  # indented comment\nB=2\r\nC=\"x\ny\"\n");
    expect(Object.fromEntries(env)).toEqual({ A: 'first line\nsecond line', B: '2', C: 'x\ny' });
  });

  it('takes bare keys from the lookup and leaves them out otherwise', () => {
    const env = parseDotenv('SHELL_VAR\nNOT_SET\nX=1', (k) => (k === 'SHELL_VAR' ? 'from-shell' : undefined));
    expect(Object.fromEntries(env)).toEqual({ SHELL_VAR: 'from-shell', X: '1' });
  });

  it('interpolates with the lookup before earlier lines (case 11)', () => {
    const env = parseDotenv('FOO=from-file\nBAR=${FOO}\nBAZ="$FOO-x"\nQUX=\'$FOO\'', (k) => (k === 'FOO' ? 'from-shell' : undefined));
    expect(env.get('BAR')).toBe('from-shell');
    expect(env.get('BAZ')).toBe('from-shell-x');
    expect(env.get('QUX')).toBe('$FOO');
    const own = parseDotenv('A=1\nB=${A}2\nC=${NOPE:-d}');
    expect(Object.fromEntries(own)).toEqual({ A: '1', B: '12', C: 'd' });
  });

  it.each(['KEY="', 'KEY="value', 'KEY="value\\"', "KEY=\"value'", "KEY='", "KEY='value", "KEY='value\\'", 'KEY=\'value"'])(
    'rejects the unterminated quote in %s',
    (line) => {
      expect(() => parseDotenv(line)).toThrow(/unterminated quoted value/);
    },
  );

  it('rejects bad key characters (lol$wut) with the line number', () => {
    expect(() => parseDotenv('lol$wut')).toThrow(DotenvError);
    expect(() => parseDotenv('A=1\nB=2\nlol$wut')).toThrow('line 3: unexpected character "$" in variable name "lol$wut"');
  });

  it('skips a UTF-8 BOM and keys starting with a digit', () => {
    expect(Object.fromEntries(parseDotenv('\uFEFFA=1\n1B=2'))).toEqual({ A: '1' });
  });
});
