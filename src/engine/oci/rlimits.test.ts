import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { RLIM_INFINITY, parseProcLimits, parseUlimit, specRlimits } from './rlimits.js';
import { serializeSpec } from './serialize.js';
import type { Spec } from './types.js';

const procLimits = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max stack size            8388608              unlimited            bytes
Max processes             96365                96365                processes
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
Max nice priority         0                    0
`;

describe('parseUlimit', () => {
  it.each([
    ['nofile=1024:2048', { name: 'nofile', soft: 1024, hard: 2048 }],
    ['nofile=1024', { name: 'nofile', soft: 1024, hard: 1024 }],
    ['core=-1', { name: 'core', soft: -1, hard: -1 }],
    ['nproc=100:-1', { name: 'nproc', soft: 100, hard: -1 }],
    ['memlock=-1:-1', { name: 'memlock', soft: -1, hard: -1 }],
  ])('%s', (text, ulimit) => {
    expect(parseUlimit(text)).toEqual(ulimit);
  });

  it.each([
    ['nofile', 'invalid ulimit argument: nofile'],
    ['foo=1', 'invalid ulimit type: foo'],
    ['as=1', 'invalid ulimit type: as'],
    ['nofile=x', 'strconv.ParseInt: parsing "x": invalid syntax'],
    ['nofile=1:x', 'strconv.ParseInt: parsing "x": invalid syntax'],
    ['nofile=0x10', 'strconv.ParseInt: parsing "0x10": invalid syntax'],
    ['nofile=10:5', 'ulimit soft limit must be less than or equal to hard limit: 10 > 5'],
    ['nofile=-1:5', 'ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: 5'],
  ])('refuses %s', (text, message) => {
    expect(() => parseUlimit(text)).toThrow(message);
  });
});

describe('specRlimits', () => {
  const host = parseProcLimits(procLimits);

  it('reads /proc/<pid>/limits', () => {
    expect(host.nofile).toEqual({ soft: 20000n, hard: 20000n });
    expect(host.cpu).toEqual({ soft: RLIM_INFINITY, hard: RLIM_INFINITY });
    expect(host.stack).toEqual({ soft: 8388608n, hard: RLIM_INFINITY });
  });

  it('inherits (no rlimits) when none are asked for', () => {
    expect(specRlimits([], host, false)).toEqual([]);
  });

  it('passes limits within the host hard limit', () => {
    expect(specRlimits([parseUlimit('nofile=1024:2048')], host, false)).toEqual([
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 },
    ]);
  });

  it('lets a later --ulimit of the same name win', () => {
    const r = specRlimits([parseUlimit('nofile=10'), parseUlimit('nofile=20')], host, false);
    expect(r).toEqual([{ type: 'RLIMIT_NOFILE', soft: 20, hard: 20 }]);
  });

  it('refuses a hard limit above the host\'s without CAP_SYS_RESOURCE', () => {
    let err: unknown;
    try {
      specRlimits([parseUlimit('nofile=1024:30000')], host, false);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toContain('ulimit nofile: hard limit 30000 is above the host\'s hard limit 20000');
    expect(() => specRlimits([parseUlimit('nproc=-1')], host, false)).toThrow('hard limit unlimited');
  });

  it('allows raising with CAP_SYS_RESOURCE', () => {
    expect(specRlimits([parseUlimit('nofile=30000')], host, true)).toHaveLength(1);
  });

  it('writes unlimited as RLIM_INFINITY, exact in config.json', () => {
    const r = specRlimits([parseUlimit('cpu=-1')], host, false);
    expect(r[0]?.hard).toBe(RLIM_INFINITY);
    const json = serializeSpec({ process: { rlimits: r } } as unknown as Spec);
    expect(json).toBe('{"process":{"rlimits":[{"type":"RLIMIT_CPU","hard":18446744073709551615,"soft":18446744073709551615}]}}');
  });
});
