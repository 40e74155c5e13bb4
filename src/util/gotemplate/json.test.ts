import { describe, expect, it } from 'vitest';
import { goJson, jsonString } from './json.js';
import { goMap } from './values.js';

describe('goJson', () => {
  it.each([
    [null, {}, 'null'],
    [undefined, {}, 'null'],
    ['a<b>&c', {}, '"a\\u003cb\\u003e\\u0026c"'],
    ['a<b>&c', { escapeHTML: false }, '"a<b>&c"'],
    ['\b\f\n\r\t\x01\u2028', {}, '"\\u0008\\u000c\\n\\r\\t\\u0001\\u2028"'],
    [1.5, {}, '1.5'],
    [1e21, {}, '1e+21'],
    [1e-7, {}, '1e-7'],
    [123n, {}, '123'],
    [[], {}, '[]'],
    [{}, {}, '{}'],
    // A struct keeps its field order; a map is sorted.
    [{ Name: 'x', Id: 'y' }, {}, '{"Name":"x","Id":"y"}'],
    [{ zeta: 1, alpha: 2 }, {}, '{"alpha":2,"zeta":1}'],
    [goMap({ Zeta: 1, Alpha: 2 }), {}, '{"Alpha":2,"Zeta":1}'],
    [{ Name: 'x', Skip: undefined, Fn: () => 1 }, {}, '{"Name":"x"}'],
    [new Map([['b', 1], ['a', 2]]), {}, '{"a":2,"b":1}'],
    [{ Created: new Date('2024-01-02T03:04:05.100Z') }, {}, '{"Created":"2024-01-02T03:04:05.1Z"}'],
    [{ toJSON: () => ({ B: 1 }) }, {}, '{"B":1}'],
    [{ Zeta: 1, Alpha: { b: 1, a: 2 } }, { rawMaps: true }, '{"Alpha":{"a":2,"b":1},"Zeta":1}'],
  ])('case %# gives %s', (v, opts, want) => {
    expect(goJson(v, opts)).toBe(want);
  });

  it('indents as MarshalIndent does', () => {
    const v = [{ Id: 'a', Labels: { b: '1', a: '2' }, Env: [], Empty: {}, Args: ['x', 'y'] }];
    expect(goJson(v, { indent: '    ' })).toBe(
      [
        '[',
        '    {',
        '        "Id": "a",',
        '        "Labels": {',
        '            "a": "2",',
        '            "b": "1"',
        '        },',
        '        "Env": [],',
        '        "Empty": {},',
        '        "Args": [',
        '            "x",',
        '            "y"',
        '        ]',
        '    }',
        ']',
      ].join('\n'),
    );
  });

  it('fails as encoding/json does for values it cannot encode', () => {
    expect(() => goJson(NaN)).toThrow('json: unsupported value: NaN');
    const cyc: Record<string, unknown> = {};
    cyc.Self = cyc;
    expect(() => goJson(cyc)).toThrow('encountered a cycle');
  });

  it('writes a lone surrogate as the replacement character', () => {
    expect(jsonString('a\ud800b')).toBe('"a\ufffdb"');
    expect(jsonString('😀')).toBe('"😀"');
  });
});
