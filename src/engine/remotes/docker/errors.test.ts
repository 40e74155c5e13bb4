import { describe, expect, it } from 'vitest';
import { EngineError } from '../../errdefs.js';
import {
  accessDenied,
  fromResponse,
  fromTransport,
  isHttpResponseToHttpsClient,
  isRetryableStatus,
  isTransientTransportError,
  parseRegistryErrors,
} from './errors.js';

const ctx = { method: 'GET', url: 'http://r/v2/a/manifests/x' };
const body = (...errors: { code: string; message: string }[]) => JSON.stringify({ errors });

describe('fromResponse', () => {
  it.each([
    [404, body({ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }), 'not-found', 'manifest unknown: manifest unknown'],
    [404, body({ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }), 'not-found', 'name unknown: repository name not known to registry'],
    [401, body({ code: 'UNAUTHORIZED', message: 'authentication required' }), 'unauthenticated', 'unauthorized: authentication required'],
    [403, body({ code: 'DENIED', message: 'requested access to the resource is denied' }), 'permission-denied', 'denied: requested access to the resource is denied'],
    [400, body({ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }), 'invalid-argument', 'digest invalid: provided digest did not match uploaded content'],
    [400, body({ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry' }), 'failed-precondition', 'manifest blob unknown: blob unknown to registry'],
    [429, body({ code: 'TOOMANYREQUESTS', message: 'slow down' }), 'unavailable', 'toomanyrequests: slow down'],
    [405, '', 'not-implemented', 'unexpected status from GET request to http://r/v2/a/manifests/x: 405 Method Not Allowed'],
    [502, '<html>bad gateway</html>', 'unavailable', 'unexpected status from GET request to http://r/v2/a/manifests/x: 502 Method Not Allowed'],
  ])('%i %s -> %s', (status, text, code, message) => {
    const err = fromResponse(status, 'Method Not Allowed', text, ctx);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });

  it('joins several registry errors on one line', () => {
    const err = fromResponse(400, 'Bad Request', body({ code: 'NAME_INVALID', message: 'a' }, { code: 'TAG_INVALID', message: 'b' }), ctx);
    expect(err.message).toBe('name invalid: a; tag invalid: b');
  });

  it('words a bodiless 404 with the caller text', () => {
    expect(fromResponse(404, 'Not Found', '', { ...ctx, notFoundText: 'manifest unknown' }).message).toBe('manifest unknown: manifest unknown');
  });

  it('ignores bodies that are not registry errors', () => {
    expect(parseRegistryErrors('{"details":"x"}')).toEqual([]);
    expect(parseRegistryErrors('nope')).toEqual([]);
  });
});

describe('fromTransport', () => {
  const errno = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(code), { code, ...extra });
  it.each([
    [errno('ECONNREFUSED', { address: '127.0.0.1', port: 1 }), 'dial tcp 127.0.0.1:1: connect: connection refused'],
    [errno('ECONNREFUSED', { address: '::1', port: 5000 }), 'dial tcp [::1]:5000: connect: connection refused'],
    [errno('ENOTFOUND', { hostname: 'nope.invalid' }), 'dial tcp: lookup nope.invalid: no such host'],
    [errno('ETIMEDOUT'), 'dial tcp reg.example:443: i/o timeout'],
    [errno('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls: failed to verify certificate for reg.example:443: x509: certificate signed by unknown authority'],
    [errno('ERR_SSL_WRONG_VERSION_NUMBER'), 'http: server gave HTTP response to HTTPS client (reg.example:443)'],
  ])('%s', (err, message) => {
    const e = fromTransport(err, { host: 'reg.example:443' });
    expect(e.code).toBe('unavailable');
    expect(e.message).toBe(message);
  });

  it('turns an abort into canceled and passes EngineErrors through', () => {
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
    expect(fromTransport(abort, { host: 'h' }).code).toBe('canceled');
    const mine = new EngineError('not-found', 'x');
    expect(fromTransport(mine, { host: 'h' })).toBe(mine);
  });
});

describe('classification helpers', () => {
  it('retries 5xx and 429 only', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 501].some(isRetryableStatus)).toBe(false);
  });

  it('treats resets and timeouts as transient, refusals as not', () => {
    expect(isTransientTransportError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientTransportError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBe(true);
    expect(isTransientTransportError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isHttpResponseToHttpsClient(Object.assign(new Error('ssl3_get_record:wrong version number'), { code: 'EPROTO' }))).toBe(true);
  });

  it("words denied access like Docker and keeps the class", () => {
    const e = accessDenied('pull', 'foo', new EngineError('unauthenticated', 'unauthorized: authentication required'));
    expect(e.code).toBe('unauthenticated');
    expect(e.message).toBe("pull access denied for foo, repository does not exist or may require 'docker login': unauthorized: authentication required");
  });
});
