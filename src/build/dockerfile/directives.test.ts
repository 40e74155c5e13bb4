import { describe, expect, it } from 'vitest';
import { DirectiveScanner, isDockerfileFrontend, parseCheckDirective } from './directives.js';

describe('DirectiveScanner', () => {
  it('collects directives until the first other line', () => {
    const d = new DirectiveScanner();
    expect(d.feed('# syntax=docker/dockerfile:1', 1)).toEqual({ name: 'syntax', value: 'docker/dockerfile:1', line: 1 });
    expect(d.feed('#Check = skip=all ', 2)).toEqual({ name: 'check', value: 'skip=all', line: 2 });
    expect(d.feed('FROM x', 3)).toBeUndefined();
    expect(d.done).toBe(true);
    expect(d.feed('# escape=`', 4)).toBeUndefined();
    expect(d.directives.map((x) => x.name)).toEqual(['syntax', 'check']);
  });

  it('stops at a directive-looking comment with an unknown key', () => {
    const d = new DirectiveScanner();
    expect(d.feed('# foo=bar', 1)).toBeUndefined();
    expect(d.feed('# escape=`', 2)).toBeUndefined();
  });
});

describe('parseCheckDirective', () => {
  it.each([
    ['skip=JSONArgsRecommended,StageNameCasing', { skip: ['JSONArgsRecommended', 'StageNameCasing'], error: false }],
    ['skip=all;error=true', { skip: 'all', error: true }],
    ['error=false', { skip: [], error: false }],
  ])('%s', (value, out) => {
    expect(parseCheckDirective(value)).toEqual(out);
  });

  it('rejects unknown options', () => {
    expect(() => parseCheckDirective('bogus=1')).toThrow('invalid check directive option: bogus');
  });
});

describe('isDockerfileFrontend', () => {
  it.each([
    ['docker/dockerfile:1', true],
    ['docker/dockerfile:1.7-labs', true],
    ['docker.io/docker/dockerfile:1@sha256:abc', true],
    ['docker/dockerfile-upstream:master', true],
    ['example.com/frontend:1', false],
  ])('%s -> %s', (ref, ok) => {
    expect(isDockerfileFrontend(ref)).toBe(ok);
  });
});
