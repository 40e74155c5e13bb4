import { describe, expect, it } from 'vitest';
import { hasCode } from '../../engine/errdefs.js';
import { FilterArgs, invalidFilter } from './filter.js';
import { UsageError } from './usage-error.js';

describe('FilterArgs.parse', () => {
  it('groups values by key, lower-cases and trims keys, trims values', () => {
    const f = FilterArgs.parse(['label=a=b', 'LABEL = c ', 'status=running', 'status=running', '', 'name=web']);
    expect(f.keys()).toEqual(['label', 'status', 'name']);
    expect(f.get('label')).toEqual(['a=b', 'c']);
    expect(f.get('status')).toEqual(['running']);
    expect(f.get('missing')).toEqual([]);
    expect(f.size).toBe(3);
  });

  it('reads key!=value as the key "key!"', () => {
    const f = FilterArgs.parse(['label!=env=prod', 'label=app']);
    expect(f.get('label!')).toEqual(['env=prod']);
    expect(f.get('label')).toEqual(['app']);
  });

  it('fails like Docker flag parsing for a value without "="', () => {
    let err: unknown;
    try {
      FilterArgs.parse(['dangling'], { commandPath: ['image', 'ls'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe('invalid argument "dangling" for "-f, --filter" flag: bad format of filter (expected name=value)');
    expect((err as UsageError).commandPath).toEqual(['image', 'ls']);
    expect(() => FilterArgs.parse(['x'], { flag: '--filter' })).toThrow('for "--filter" flag');
  });
});

describe('validate', () => {
  it.each([
    [['status=running', 'label=a'], ['status', 'label'], undefined],
    [['foo=bar'], ['status'], "invalid filter 'foo'"],
    [['label!=a'], ['label'], "invalid filter 'label!'"],
    [[], ['status'], undefined],
  ])('%j with %j', (flags, allowed, msg) => {
    const f = FilterArgs.parse(flags);
    if (msg === undefined) {
      expect(() => f.validate(allowed)).not.toThrow();
      return;
    }
    let err: unknown;
    try {
      f.validate(allowed);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe(msg);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
  });
});

describe('matchers', () => {
  it.each([
    // [filters, method, key, source, expected]
    [[], 'exactMatch', 'name', 'web', true],
    [['name=web'], 'exactMatch', 'name', 'web', true],
    [['name=web'], 'exactMatch', 'name', 'web2', false],
    [['name=web', 'name=db'], 'exactMatch', 'name', 'db', true],
    [['id=0123'], 'fuzzyMatch', 'id', '0123456789', true],
    [['id=4567'], 'fuzzyMatch', 'id', '0123456789', false],
    [[], 'fuzzyMatch', 'id', 'x', true],
    [['name=web'], 'match', 'name', 'myweb1', true],
    [['name=^web$'], 'match', 'name', 'myweb1', false],
    [['name=^web$'], 'match', 'name', 'web', true],
    [['name=('], 'match', 'name', 'x(', false],
    [['status=a'], 'uniqueExactMatch', 'status', 'a', true],
    [['status=a', 'status=b'], 'uniqueExactMatch', 'status', 'a', false],
  ] as [string[], 'exactMatch' | 'fuzzyMatch' | 'match' | 'uniqueExactMatch', string, string, boolean][])(
    '%j %s(%s, %s) = %s',
    (flags, method, key, source, want) => {
      expect(FilterArgs.parse(flags)[method](key, source)).toBe(want);
    },
  );

  it.each([
    [[], { a: '1' }, true],
    [['label=a'], { a: '1' }, true],
    [['label=a=1'], { a: '1' }, true],
    [['label=a=2'], { a: '1' }, false],
    [['label=a', 'label=b'], { a: '1' }, false],
    [['label=a', 'label=b=2'], { a: '1', b: '2' }, true],
    [['label=a'], {}, false],
    [['label=a'], undefined, false],
    [['label=a='], { a: '' }, true],
    [['label=a=b=c'], { a: 'b=c' }, true],
  ] as [string[], Record<string, string> | undefined, boolean][])('matchKVList label %j on %j = %s', (flags, labels, want) => {
    const f = FilterArgs.parse(flags);
    expect(f.matchKVList('label', labels)).toBe(want);
    if (labels !== undefined) expect(f.matchKVList('label', new Map(Object.entries(labels)))).toBe(want);
  });

  it.each([
    [['label=app'], { app: 'x' }, true],
    [['label!=env=prod'], { env: 'prod' }, false],
    [['label!=env=prod'], { env: 'dev' }, true],
    [['label!=env'], {}, true],
    [['label=app', 'label!=env'], { app: '1', env: '2' }, false],
    [['label=app', 'label!=env'], { app: '1' }, true],
  ] as [string[], Record<string, string>, boolean][])('matchLabels %j on %j = %s', (flags, labels, want) => {
    expect(FilterArgs.parse(flags).matchLabels(labels)).toBe(want);
  });
});

describe('booleans', () => {
  it.each([
    [[], true, true],
    [[], false, false],
    [['dangling=true'], false, true],
    [['dangling=1'], false, true],
    [['dangling=false'], true, false],
    [['dangling=0'], true, false],
    [['dangling=maybe'], false, "invalid filter 'dangling=[maybe]'"],
    [['dangling=true', 'dangling=false'], false, "invalid filter 'dangling=[true false]'"],
  ] as [string[], boolean, boolean | string][])('getBoolOrDefault %j (default %s)', (flags, def, want) => {
    const f = FilterArgs.parse(flags);
    if (typeof want === 'string') {
      expect(() => f.getBoolOrDefault('dangling', def)).toThrow(want);
      return;
    }
    expect(f.getBoolOrDefault('dangling', def)).toBe(want);
  });

  it.each([
    [[], undefined],
    [['dangling=true'], true],
    [['dangling=false'], false],
    [['dangling=1'], "invalid filter 'dangling=[1]'"],
    [['dangling=yes', 'dangling=no'], "invalid filter 'dangling=[yes no]'"],
  ] as [string[], boolean | undefined | string][])('getStrictBool %j', (flags, want) => {
    const f = FilterArgs.parse(flags);
    if (typeof want === 'string') {
      expect(() => f.getStrictBool('dangling')).toThrow(want);
      return;
    }
    expect(f.getStrictBool('dangling')).toBe(want);
  });
});

describe('hooks and helpers', () => {
  it('walks values in order and stops at an error', () => {
    const f = FilterArgs.parse(['before=a', 'before=b', 'before=c']);
    const seen: string[] = [];
    expect(() =>
      f.walkValues('before', (v) => {
        seen.push(v);
        if (v === 'b') throw invalidFilter('before', [v]);
      }),
    ).toThrow("invalid filter 'before=[b]'");
    expect(seen).toEqual(['a', 'b']);
    expect(f.lastValue('before')).toBe('c');
    expect(f.lastValue('since')).toBeUndefined();
  });

  it('clones, deletes and serialises like the Docker API', () => {
    const f = FilterArgs.of(['label', 'a=b'], ['status', 'running']);
    const c = f.clone();
    c.delete('status', 'running');
    expect(f.includes('status')).toBe(true);
    expect(c.includes('status')).toBe(false);
    expect(JSON.stringify(f)).toBe('{"label":{"a=b":true},"status":{"running":true}}');
  });

  it('words invalid filters as moby does', () => {
    expect(invalidFilter('').message).toBe('invalid filter');
    expect(invalidFilter('foo').message).toBe("invalid filter 'foo'");
    expect(invalidFilter('until', ['x', 'y']).message).toBe("invalid filter 'until=[x y]'");
  });
});
