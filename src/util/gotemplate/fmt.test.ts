import { describe, expect, it } from 'vitest';
import { formatFloat, formatValue, quote, sprint, sprintf, sprintln } from './fmt.js';
import { goMap } from './values.js';

// Expected values are Go's (fmt and strconv), several checked through Docker's template engine.
describe('formatFloat', () => {
  it.each([
    [2.125, 'g', 3, '2.12'], // half to even on an exact tie, as Go (JavaScript's toPrecision gives 2.13)
    [2.135, 'g', 3, '2.13'], // 2.135 is really 2.13499..., so no tie
    [999.9, 'g', 3, '1e+03'],
    [1.2, 'g', 3, '1.2'],
    [100, 'g', 3, '100'],
    [4.2, 'g', 4, '4.2'],
    [4.258, 'g', 3, '4.26'],
    [1e6, 'g', -1, '1e+06'],
    [123456, 'g', -1, '123456'],
    [1e-5, 'g', -1, '1e-05'],
    [0.0001, 'g', -1, '0.0001'],
    [0, 'g', -1, '0'],
    [0, 'g', 3, '0'],
    [1e21, 'G', -1, '1E+21'],
    [1234.5678, 'e', 6, '1.234568e+03'],
    [0, 'e', 6, '0.000000e+00'],
    [3.14159, 'f', 3, '3.142'],
    [0.5, 'f', 0, '0'],
    [1.5, 'f', 0, '2'],
    [2.5, 'f', 0, '2'],
    [0.25, 'f', 1, '0.2'],
    [1.005, 'f', 2, '1.00'],
    [99.99, 'f', 1, '100.0'],
    [1e22, 'f', 0, '10000000000000000000000'],
    [-3.5, 'g', -1, '-3.5'],
    [NaN, 'g', -1, 'NaN'],
    [Infinity, 'g', -1, '+Inf'],
  ])('%d %s %d -> %s', (v, verb, prec, want) => {
    expect(formatFloat(v, verb, prec)).toBe(want);
  });
});

describe('sprintf', () => {
  it.each([
    ['%s %d %v %q %x %X %o %b %t %c %T %%', ['s', 10, 1.5, 'q', 255, 255, 8, 5, true, 65, 1.5], 's 10 1.5 "q" ff FF 10 101 true A float64 %'],
    ['%d|%s|%d', ['s', 3], '%!d(string=s)|%!s(int=3)|%!d(MISSING)'],
    ['%d', [1, 2], '1%!(EXTRA int=2)'],
    ['%-5s|%5s|%05d|%+d|%.2s|%8.3f|%e|%g|%G', ['ab', 'cd', 42, 7, 'hello', 3.14159, 1234.5678, 0.00001234, 1e21], 'ab   |   cd|00042|+7|he|   3.142|1.234568e+03|1.234e-05|1E+21'],
    ['%5.1f%%', [45.678], ' 45.7%'],
    ['%-10s|', ['é'], 'é         |'],
    ['%x', [-255], '-ff'],
    ['%08.3f', [-3.14159], '-003.142'],
    ['%3d|%-3d|% d|%+.2e', [5, 5, 5, 12345.678], '  5|5  | 5|+1.23e+04'],
    ['%5t|%-6v|%3c|%q', [true, 12, 97, 97], ' true|12    |  a|\'a\''],
    ['%!', [1], '%!!(int=1)'],
    ['%z', [1], '%!z(int=1)'],
    ['%', [], '%!(NOVERB)'],
    ['%v %v', [null, undefined], '<nil> <nil>'],
    ['%s', [null], '%!s(<nil>)'],
    ['%v', [['a', 'b']], '[a b]'],
    ['%d', [['1', '2']], '[%!d(string=1) %!d(string=2)]'],
    ['%x', ['hi'], '6869'],
    ['%*d|%.*f', [4, 7, 2, 3.14159], '   7|3.14'],
    ['%v', [goMap({ b: 1, a: [1, 2] })], 'map[a:[1 2] b:1]'],
    ['%6.2v', [3.14159], '   3.1'],
  ])('%s', (format, args, want) => {
    expect(sprintf(format, args)).toBe(want);
  });
});

describe('sprint and sprintln', () => {
  it.each([
    [[1, 2, 'a', 'b', 3, true, null], '1 2ab3 true <nil>'],
    [['a', 1, 'b'], 'a1b'],
    [[1.5, 2], '1.5 2'],
    [[], ''],
  ])('sprint %j', (args, want) => {
    expect(sprint(args)).toBe(want);
  });
  it('sprintln separates every operand and ends the line', () => {
    expect(sprintln([1, 'a', 2])).toBe('1 a 2\n');
  });
});

describe('formatValue', () => {
  it.each([
    [{ Status: 'up', Pid: 3 }, '{up 3}'],
    [{ 'b.x': 'y', a: 'z' }, 'map[a:z b.x:y]'],
    [{}, 'map[]'],
    [[1, [2, 3], 'x'], '[1 [2 3] x]'],
    [new Map([[2, 'b'], [1, 'a']]), 'map[1:a 2:b]'],
    [12345678901234567890n, '12345678901234567890'],
    [{ String: () => 'custom' }, 'custom'],
  ])('case %# prints %s', (v, want) => {
    expect(formatValue(v)).toBe(want);
  });
});

describe('quote', () => {
  it.each([
    ['a\tb', '"a\\tb"'],
    ['say "hi"\\', '"say \\"hi\\"\\\\"'],
    ['\x01\x7f', '"\\x01\\x7f"'],
    ['é世', '"é世"'],
    ['\u0085', '"\\u0085"'],
  ])('%j', (s, want) => {
    expect(quote(s)).toBe(want);
  });
});
