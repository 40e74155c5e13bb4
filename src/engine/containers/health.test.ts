import { describe, expect, it } from 'vitest';
import { nextHealth, probeArgs } from './health.js';
import type { HealthLogEntry } from './types.js';

const entry = (exitCode: number): HealthLogEntry => ({ start: 's', end: 'e', exitCode, output: '' });

describe('nextHealth', () => {
  const hc = { Test: ['CMD', 'true'], Retries: 2 };
  it('becomes healthy on success and resets the streak', () => {
    expect(nextHealth({ status: 'unhealthy', failingStreak: 5, log: [] }, hc, entry(0), false)).toMatchObject({ status: 'healthy', failingStreak: 0 });
  });
  it('counts failures and turns unhealthy at Retries', () => {
    const one = nextHealth(undefined, hc, entry(1), false);
    expect(one).toMatchObject({ status: 'starting', failingStreak: 1 });
    expect(nextHealth(one, hc, entry(1), false)).toMatchObject({ status: 'unhealthy', failingStreak: 2 });
  });
  it('ignores failures during the start period', () => {
    expect(nextHealth(undefined, hc, entry(1), true)).toMatchObject({ status: 'starting', failingStreak: 0 });
  });
  it('keeps the last five results', () => {
    let s = undefined;
    for (let i = 0; i < 7; i++) s = nextHealth(s, hc, { ...entry(0), output: String(i) }, false);
    expect(s!.log.map((l) => l.output)).toEqual(['2', '3', '4', '5', '6']);
  });
});

describe('probeArgs', () => {
  it('runs CMD directly and CMD-SHELL through /bin/sh', () => {
    expect(probeArgs({ Test: ['CMD', 'curl', '-f', 'x'] })).toEqual(['curl', '-f', 'x']);
    expect(probeArgs({ Test: ['CMD-SHELL', 'test -f /x'] })).toEqual(['/bin/sh', '-c', 'test -f /x']);
    expect(probeArgs({ Test: ['NONE'] })).toBeUndefined();
  });
});
