import { describe, expect, it } from 'vitest';
import { hasCode } from '../../engine/errdefs.js';
import { envFrom, envFromList, expandWord, expandWords, ShellLexer } from './shell-lexer.js';

const env = envFrom({ PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '', X: 'a.b.c.d' });

describe('ShellLexer.processWord', () => {
  it.each([
    // quotes and escapes
    ['hello', 'hello'],
    ["he'll'o", 'hello'],
    ["he\\'llo", "he'llo"],
    ['abc\\tdef', 'abctdef'],
    ['"abc\\tdef"', 'abc\\tdef'],
    ['"abc\\\\tdef"', 'abc\\tdef'],
    ["'abc\\tdef'", 'abc\\tdef'],
    ['hello\\', 'hello'],
    ['hello\\\\', 'hello\\'],
    ['"hel\'lo"', "hel'lo"],
    ["'hello\\'", 'hello\\'],
    ['"\'\'"', "''"],
    ["'\"hello\"'", '"hello"'],
    ['hello" there  "', 'hello there  '],
    ['hello there', 'hello there'],
    // plain substitution
    ['$.', '$.'],
    ['he$1x', 'hex'],
    ['he$.x', 'he$.x'],
    ['he$pwd.', 'he.'],
    ['he$PWD', 'he/home'],
    ['he\\$PWD', 'he$PWD'],
    ['he\\\\$PWD', 'he\\/home'],
    ['"he\\$PWD"', 'he$PWD'],
    ['"he\\\\$PWD"', 'he\\/home'],
    ['\\${}', '${}'],
    ['he\\${}xx', 'he${}xx'],
    ['he${hi}xx', 'hexx'],
    ['he${PWD}', 'he/home'],
    ['$KOREAN', '한국어'],
    ['안녕$KOREAN', '안녕한국어'],
    ["안'녕'하세요", '안녕하세요'],
    ['${aaa}}', '}'],
    // defaults and alternatives
    ['he${XXX:-000}xx', 'he000xx'],
    ['he${PWD:-000}xx', 'he/homexx'],
    ['he${XXX:-$PWD}xx', 'he/homexx'],
    ['he${XXX:-${PWD:-yyy}}xx', 'he/homexx'],
    ['he${XXX:-${YYY:-yyy}}xx', 'heyyyxx'],
    ['${NULL:-d}', 'd'],
    ['${NULL-d}', ''],
    ['${XXX-d}', 'd'],
    ['he${XXX:+${PWD}}xx', 'hexx'],
    ['he${PWD:+${XXX}}xx', 'hexx'],
    ['he${PWD:+${SHELL}}xx', 'hebashxx'],
    ['he${XXX:+000}xx', 'hexx'],
    ['he${PWD:+000}xx', 'he000xx'],
    ['${NULL:+set}', ''],
    ['${NULL+set}', 'set'],
    ['he${PWD:+${PWD}:}xx', 'he/home:xx'],
    ['he${XXX:-\\$PWD:}xx', 'he$PWD:xx'],
    ['he${XXX:-\\${PWD}z}xx', 'he${PWDz}xx'],
    ['${aaa:-bbb}}', 'bbb}'],
    ['${aaa:-bbb {foo}', 'bbb {foo'],
    ['${XXX:-"a b"}', 'a b'],
    ["${XXX:-'$PWD'}", '$PWD'],
    // ? forms that succeed
    ['he${PWD?}', 'he/home'],
    ['he${PWD:?}', 'he/home'],
    ['he${NULL?}', 'he'],
    // quotes stop expansion in single quotes only
    ["'he${XX}'", 'he${XX}'],
    ['"he${PWD}"', 'he/home'],
    ['"he\'$PWD\'"', "he'/home'"],
    ["'$PWD'", '$PWD'],
    ["'\\$PWD'", '\\$PWD'],
    // positional and special parameters are never set
    ['$1', ''],
    ['${1:-bbb}', 'bbb'],
    ['$999aaa', 'aaa'],
    ['${001:-bbb}aaa', 'bbbaaa'],
    ['$@@@', '@@'],
    ['${#:-bbb}', 'bbb'],
    ['$$', ''],
    ['${$:+bbb}', ''],
    // trims and replacement
    ['${X#*.}', 'b.c.d'],
    ['${X##*.}', 'd'],
    ['${X%.*}', 'a.b.c'],
    ['${X%%.*}', 'a'],
    ['${X#a?b}', '.c.d'],
    ['${X/./-}', 'a-b.c.d'],
    ['${X//./-}', 'a-b-c-d'],
    ['${X//[.]/-}', 'a.b.c.d'],
    ['${X/*/z}', 'z'],
    ['${PWD/\\//:}', ':home'],
    ['${XXX#abc}', ''],
    ['${SHELL/b/$PWD}', '/homeash'],
    ['${SHELL//?/$&}', '$&$&$&$&'],
  ])('%s -> %s', (word, out) => {
    expect(new ShellLexer().processWord(word, env).result).toBe(out);
  });

  it.each([
    "he'llo",
    "he\\\\'llo",
    '"hello',
    '"hello\\"',
    "'hello",
    '${}',
    '${}aaa',
    'he${}xx',
    'he${.}',
    'he${XXX:YYY}',
    'he${XXX?}',
    'he${XXX:?}',
    'he${NULL:?}',
    'he${PWD',
    'he${PWD:=000}xx',
    '${{aaa}',
    '${aaa',
    '${aaa:-bbb',
    '${aaa:-bbb ${foo}',
    '${:}',
    '${:-bbb}',
    '${:+bbb}',
    '${X:#a}',
    '${X/a',
    '${X#\\a}',
  ])('rejects %s', (word) => {
    expect(() => new ShellLexer().processWord(word, env)).toThrow(/failed to process/);
  });

  it.each([
    ['${v:?msg}', 'v: msg'],
    ['${v?custom error}', 'v: custom error'],
    ['${v:?}', 'v: is not allowed to be unset'],
    ['${NULL:?}', 'NULL: is not allowed to be empty'],
    ['${NULL:?"need it"}', 'NULL: need it'],
  ])('%s fails with "%s"', (word, message) => {
    let caught: unknown;
    try {
      new ShellLexer().processWord(word, env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toBe(`failed to process ${JSON.stringify(word)}: ${message}`);
    expect(hasCode(caught, 'invalid-argument')).toBe(true);
  });

  it('uses the backtick as escape character when the directive says so', () => {
    const lx = new ShellLexer({ escape: '`' });
    expect(lx.processWord('a`$PWD', env).result).toBe('a$PWD');
    expect(lx.processWord('c:\\dir\\$PWD', env).result).toBe('c:\\dir\\/home');
    expect(lx.processWord('"a`"b"', env).result).toBe('a"b');
  });

  it('records matched and unmatched names', () => {
    const r = new ShellLexer().processWord('$PWD ${NOPE:-x} $NULL', env);
    expect([...r.matched].sort()).toEqual(['NULL', 'PWD']);
    expect([...r.unmatched]).toEqual(['NOPE']);
  });

  it('can leave unset references alone and keep quotes and escapes', () => {
    const lx = new ShellLexer({ skipUnsetEnv: true, rawQuotes: true, rawEscapes: true });
    expect(lx.processWord('$NOPE ${NOPE} ${NOPE:-d} "$PWD" \\x', env).result).toBe('$NOPE ${NOPE} ${NOPE:-d} "/home" \\x');
  });

  it('can treat quotes as ordinary characters (COPY heredoc bodies)', () => {
    const lx = new ShellLexer({ skipProcessQuotes: true });
    expect(lx.processWord("Hello '${SHELL}' \"$SHELL\" \\$SHELL\n", env).result).toBe(
      'Hello \'bash\' "bash" $SHELL\n',
    );
  });
});

describe('ShellLexer.processWords', () => {
  const wenv = envFromList(['hi=hi', 'space=abc  def', 'leading=  ab c', 'trailing=ab c   ']);
  it.each([
    ['hello', ['hello']],
    ['hello${hi}bye', ['hellohibye']],
    ['hello${space}bye', ['helloabc', 'defbye']],
    ['hello"${space}"bye', ['helloabc  defbye']],
    ['hello "${space}"bye', ['hello', 'abc  defbye']],
    ['hello${leading}def', ['hello', 'ab', 'cdef']],
    ['hello"${leading}" def', ['hello  ab c', 'def']],
    ['hello${trailing}d', ['helloab', 'c', 'd']],
    ['hel"lo${trailing}"', ['helloab c   ']],
    ['hello there     ', ['hello', 'there']],
    ['hello\\ there', ['hello there']],
    ['hello\\" there', ['hello"', 'there']],
    ["hello'$there'", ['hello$there']],
    ['"" a', ['a']],
    ['3<<EOF <<-"X"', ['3<<EOF', '<<-"X"'].map((w) => w.replace(/"/g, ''))],
    ['<< EOF', ['<< EOF']],
  ])('%s -> %j', (word, out) => {
    expect(new ShellLexer().processWords(word, wenv)).toEqual(out);
  });

  it('splits a variable holding several ports (EXPOSE $PORTS)', () => {
    expect(expandWords('$PORTS', envFrom({ PORTS: '3000 4000/udp' }))).toEqual(['3000', '4000/udp']);
    expect(expandWord('$PORTS', envFrom({ PORTS: '3000 4000/udp' }))).toBe('3000 4000/udp');
  });
});
