import { describe, expect, it } from 'vitest';
import { familiarString, formatReference, normalizeImageName, parseReference } from './reference.js';

const D = 'sha256:' + 'a'.repeat(64);

describe('parseReference', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest', 'nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25', 'nginx:1.25'],
    ['me/app', 'docker.io/me/app:latest', 'me/app:latest'],
    ['docker.io/library/nginx', 'docker.io/library/nginx:latest', 'nginx:latest'],
    ['index.docker.io/me/app:v1', 'docker.io/me/app:v1', 'me/app:v1'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['localhost:5000/a/b/c:v2', 'localhost:5000/a/b/c:v2', 'localhost:5000/a/b/c:v2'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest', '127.0.0.1:5000/app:latest'],
    ['ghcr.io/o/r:t', 'ghcr.io/o/r:t', 'ghcr.io/o/r:t'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`, `busybox:1@${D}`],
    ['a__b/c-d.e', 'docker.io/a__b/c-d.e:latest', 'a__b/c-d.e:latest'],
  ])('normalises %s', (input, full, familiar) => {
    const r = parseReference(input);
    expect(formatReference(r)).toBe(full);
    expect(familiarString(r)).toBe(familiar);
  });

  it.each(['', 'Nginx', 'nginx:', ':tag', 'a//b', 'a/', 'nginx@sha256:abc', 'na me', 'x:y:z', '-a', 'a:-t'])(
    'rejects %j',
    (input) => {
      expect(() => parseReference(input)).toThrow(/invalid reference format|repository name/);
    },
  );

  it('says uppercase repositories must be lowercase, as docker does', () => {
    expect(() => parseReference('MyApp')).toThrow('invalid reference format: repository name must be lowercase');
  });

  it('keeps a domain-like first component that has no dot as a path', () => {
    expect(normalizeImageName('foo/bar')).toBe('docker.io/foo/bar:latest');
  });
});
