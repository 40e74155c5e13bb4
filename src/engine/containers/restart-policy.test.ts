import { describe, expect, it } from 'vitest';
import { formatRestartPolicy, parseRestartPolicy, restartDecision, type RestartInput } from './restart-policy.js';

describe('parseRestartPolicy', () => {
  it.each([
    ['', { name: 'no', maximumRetryCount: 0 }],
    ['no', { name: 'no', maximumRetryCount: 0 }],
    ['always', { name: 'always', maximumRetryCount: 0 }],
    ['unless-stopped', { name: 'unless-stopped', maximumRetryCount: 0 }],
    ['on-failure', { name: 'on-failure', maximumRetryCount: 0 }],
    ['on-failure:3', { name: 'on-failure', maximumRetryCount: 3 }],
    ['always:0', { name: 'always', maximumRetryCount: 0 }],
  ])('parses %j', (text, want) => {
    expect(parseRestartPolicy(text)).toEqual(want);
  });

  it.each([
    ['foo', "invalid restart policy 'foo'"],
    ['on-failure:x', 'maximum retry count must be an integer'],
    ['on-failure:-1', 'maximum retry count cannot be negative'],
    ['always:3', "maximum retry count cannot be used with restart policy 'always'"],
  ])('refuses %j with Docker\'s message', (text, msg) => {
    expect(() => parseRestartPolicy(text)).toThrow(msg);
  });

  it('formats back', () => {
    expect(formatRestartPolicy({ name: 'on-failure', maximumRetryCount: 2 })).toBe('on-failure:2');
    expect(formatRestartPolicy({ name: 'always', maximumRetryCount: 0 })).toBe('always');
  });
});

describe('restartDecision', () => {
  const base: RestartInput = {
    policy: { name: 'always', maximumRetryCount: 0 },
    exitCode: 0,
    restartCount: 0,
    stoppedByUser: false,
    autoRemove: false,
    ranForMs: 50,
  };

  it('never restarts after an explicit stop or with --rm', () => {
    expect(restartDecision({ ...base, stoppedByUser: true })).toEqual({ restart: false });
    expect(restartDecision({ ...base, autoRemove: true })).toEqual({ restart: false });
  });

  it('restarts always and unless-stopped whatever the code', () => {
    expect(restartDecision(base)).toEqual({ restart: true, delayMs: 100 });
    expect(restartDecision({ ...base, policy: { name: 'unless-stopped', maximumRetryCount: 0 }, exitCode: 3 }).restart).toBe(true);
  });

  it('on-failure restarts failures up to the maximum', () => {
    const p = { name: 'on-failure' as const, maximumRetryCount: 2 };
    expect(restartDecision({ ...base, policy: p, exitCode: 0 }).restart).toBe(false);
    expect(restartDecision({ ...base, policy: p, exitCode: 1, restartCount: 1 }).restart).toBe(true);
    expect(restartDecision({ ...base, policy: p, exitCode: 1, restartCount: 2 }).restart).toBe(false);
    expect(restartDecision({ ...base, policy: { name: 'on-failure', maximumRetryCount: 0 }, exitCode: 1, restartCount: 99 }).restart).toBe(true);
  });

  it('doubles the delay, caps it, and resets it after 10 s of running', () => {
    expect(restartDecision({ ...base, previousDelayMs: 100 })).toEqual({ restart: true, delayMs: 200 });
    expect(restartDecision({ ...base, previousDelayMs: 50_000 })).toEqual({ restart: true, delayMs: 60_000 });
    expect(restartDecision({ ...base, previousDelayMs: 6400, ranForMs: 10_000 })).toEqual({ restart: true, delayMs: 100 });
  });

  it('does not restart with policy no', () => {
    expect(restartDecision({ ...base, policy: { name: 'no', maximumRetryCount: 0 }, exitCode: 1 }).restart).toBe(false);
  });
});
