import { describe, expect, it } from 'vitest';
import { mergeScopes, parseWWWAuthenticate, repositoryScope } from './auth.js';

describe('parseWWWAuthenticate', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
        },
      ],
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    [
      'Bearer realm="http://127.0.0.1:1/token",service="svc",scope="repository:a:pull,push",error="insufficient_scope"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'http://127.0.0.1:1/token', service: 'svc', scope: 'repository:a:pull,push', error: 'insufficient_scope' },
        },
      ],
    ],
    // several challenges in one header, unquoted values, odd spacing and case
    [
      'Basic realm="r1", BEARER Realm=https://t/token , Service = x',
      [
        { scheme: 'basic', params: { realm: 'r1' } },
        { scheme: 'bearer', params: { realm: 'https://t/token', service: 'x' } },
      ],
    ],
    // escaped quotes and commas inside quoted strings
    ['Bearer realm="a\\"b,c",service="s"', [{ scheme: 'bearer', params: { realm: 'a"b,c', service: 's' } }]],
    ['Negotiate', [{ scheme: 'negotiate', params: {} }]],
    ['', []],
  ])('parses %j', (header, expected) => {
    expect(parseWWWAuthenticate(header)).toEqual(expected);
  });

  it('reads challenges from several headers', () => {
    expect(parseWWWAuthenticate(['Basic realm="x"', 'Bearer realm="y"']).map((c) => c.scheme)).toEqual(['basic', 'bearer']);
  });

  it('gives nothing for a missing header', () => {
    expect(parseWWWAuthenticate(undefined)).toEqual([]);
  });
});

describe('mergeScopes', () => {
  it('unites the actions of the same repository and keeps others apart', () => {
    expect(mergeScopes(['repository:a:pull'], ['repository:a:push repository:b:pull'])).toEqual([
      'repository:a:pull,push',
      'repository:b:pull',
    ]);
  });

  it('keeps repository names that contain a port-like colon', () => {
    expect(mergeScopes(['repository:a/b:pull', 'repository:a/b:pull,push'])).toEqual(['repository:a/b:pull,push']);
  });

  it('builds scopes', () => {
    expect(repositoryScope('library/busybox', ['pull', 'push'])).toBe('repository:library/busybox:pull,push');
  });
});
