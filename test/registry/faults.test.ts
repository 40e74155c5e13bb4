/**
 * The registry client against scripted servers that misbehave: wrong bytes for a digest, redirects to another
 * host, 503s and dropped connections, plain HTTP where HTTPS was expected, self-signed certificates.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError, hasCode } from '../../src/engine/errdefs.js';
import { createDockerResolver } from '../../src/engine/remotes/docker/resolver.js';
import { createRegistryHosts } from '../../src/engine/remotes/hosts.js';
import { MediaTypes } from '../../src/engine/remotes/types.js';
import { startFakeServer, selfSignedCert, type FakeServer } from './fake-server.js';
import { blobOf, configBlob, manifestOf, opContext, randomBlob, readAll, sha256, streamError } from './fixtures.js';

const ctx = opContext();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fake(handler: Parameters<typeof startFakeServer>[0], tls?: { key: Buffer; cert: Buffer }): Promise<FakeServer> {
  const s = await startFakeServer(handler, tls);
  cleanups.push(() => s.close());
  return s;
}

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'nerdctl-test-hosts-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const noHostsDir = () => createRegistryHosts({ hostsDirs: [] });

function sendManifest(req: http.IncomingMessage, res: http.ServerResponse, bytes: Buffer, digest = sha256(bytes)): void {
  res.writeHead(200, {
    'content-type': MediaTypes.ociManifest,
    'content-length': String(bytes.length),
    'docker-content-digest': digest,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

describe('digest verification', () => {
  it('fails the fetch stream when the registry serves other bytes for a digest', async () => {
    const good = randomBlob(100_000);
    const evil = randomBlob(100_000);
    const srv = await fake((_req, res) => {
      res.writeHead(200, { 'content-length': String(evil.bytes.length) });
      res.end(evil.bytes);
    });
    const resolver = createDockerResolver({ hosts: noHostsDir() });
    const stream = await resolver.fetcher(ctx, `${srv.host}/a/b`).fetch(ctx, good.desc);
    const err = await streamError(stream);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('invalid-argument');
    expect((err as EngineError).message).toBe(
      `content ${good.desc.digest}: digest mismatch: registry sent content with digest ${evil.desc.digest}`,
    );
  });

  it('fails when the registry sends more or fewer bytes than the descriptor says', async () => {
    const good = randomBlob(1000);
    let reply: Buffer = Buffer.concat([good.bytes, Buffer.from("extra")]);
    const srv = await fake((_req, res) => {
      res.writeHead(200); // chunked: no content-length to reject up front
      res.end(reply);
    });
    const fetcher = createDockerResolver({ hosts: noHostsDir() }).fetcher(ctx, `${srv.host}/a/b`);
    const longErr = await streamError(await fetcher.fetch(ctx, good.desc));
    expect(hasCode(longErr, 'invalid-argument')).toBe(true);
    expect((longErr as Error).message).toMatch(/size mismatch/);
    reply = good.bytes.subarray(0, 999);
    const shortErr = await streamError(await fetcher.fetch(ctx, good.desc));
    expect(hasCode(shortErr, 'invalid-argument')).toBe(true);
    expect((shortErr as Error).message).toMatch(/registry sent 999 bytes, expected 1000/);
  });

  it('rejects a manifest fetched by digest whose bytes have another digest', async () => {
    const real = manifestOf(configBlob(), []);
    const fakeBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, layers: [] }));
    const srv = await fake((req, res) => {
      if (req.method === 'HEAD') {
        // No digest header: the client has to read the manifest itself.
        res.writeHead(200, { 'content-type': MediaTypes.ociManifest });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': MediaTypes.ociManifest });
      res.end(fakeBytes);
    });
    const resolver = createDockerResolver({ hosts: noHostsDir() });
    const err = await resolver.resolve(ctx, `${srv.host}/a/b@${real.desc.digest}`).catch((e: unknown) => e);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toContain(`sent content with digest ${sha256(fakeBytes)}`);
    // Fetching the manifest by its descriptor is verified the same way.
    const streamErr = await streamError(await resolver.fetcher(ctx, `${srv.host}/a/b`).fetch(ctx, real.desc));
    expect(hasCode(streamErr, 'invalid-argument')).toBe(true);
  });

  it('rejects a HEAD answer naming another digest than the one asked for', async () => {
    const real = manifestOf(configBlob(), []);
    const other = manifestOf(configBlob(), []);
    const srv = await fake((req, res) => sendManifest(req, res, other.bytes));
    const err = await createDockerResolver({ hosts: noHostsDir() })
      .resolve(ctx, `${srv.host}/a/b@${real.desc.digest}`)
      .catch((e: unknown) => e);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
  });
});

describe('redirects', () => {
  it('follows a blob redirect to another host without sending it the registry credentials', async () => {
    const blob = randomBlob(20_000);
    const storage = await fake((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.bytes.length) });
      res.end(blob.bytes);
    });
    const registry = await fake((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:secret').toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test"', 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      res.writeHead(307, { location: `http://${storage.host}/bucket/blob?sig=abc` });
      res.end();
    });
    const resolver = createDockerResolver({
      hosts: noHostsDir(),
      credentials: async (host) => (host === registry.host ? { username: 'alice', password: 'secret' } : undefined),
    });
    const got = await readAll(await resolver.fetcher(ctx, `${registry.host}/a/b`).fetch(ctx, blob.desc));
    expect(got).toEqual(blob.bytes);
    expect(registry.requests.some((r) => r.headers.authorization !== undefined)).toBe(true);
    expect(storage.requests).toHaveLength(1);
    expect(storage.requests[0]?.url).toBe('/bucket/blob?sig=abc');
    expect(storage.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('keeps the Range header across a redirect when resuming', async () => {
    const blob = randomBlob(10_000);
    const storage = await fake((req, res) => {
      const m = /bytes=(\d+)-/.exec(String(req.headers.range ?? ''));
      const start = m ? Number(m[1]) : 0;
      res.writeHead(m ? 206 : 200, {
        'content-length': String(blob.bytes.length - start),
        ...(m ? { 'content-range': `bytes ${start}-${blob.bytes.length - 1}/${blob.bytes.length}` } : {}),
      });
      res.end(blob.bytes.subarray(start));
    });
    const registry = await fake((_req, res) => {
      res.writeHead(302, { location: `http://${storage.host}/b` });
      res.end();
    });
    const tail = await readAll(
      await createDockerResolver({ hosts: noHostsDir() }).fetcher(ctx, `${registry.host}/a/b`).fetch(ctx, blob.desc, { offset: 4000 }),
    );
    expect(tail).toEqual(blob.bytes.subarray(4000));
    expect(storage.requests[0]?.headers.range).toBe('bytes=4000-');
  });
});

describe('retries', () => {
  it('retries a 503 and then succeeds', async () => {
    const manifest = manifestOf(configBlob(), []);
    let calls = 0;
    const srv = await fake((req, res) => {
      calls++;
      if (calls <= 2) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'try later' }] }));
        return;
      }
      sendManifest(req, res, manifest.bytes);
    });
    const resolved = await createDockerResolver({ hosts: noHostsDir(), retryBaseMs: 5 }).resolve(ctx, `${srv.host}/a/b:v1`);
    expect(resolved.descriptor).toEqual(manifest.desc);
    expect(calls).toBe(3);
  });

  it('gives up after the retries with unavailable and the registry message', async () => {
    const srv = await fake((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'down for maintenance' }] }));
    });
    const err = await createDockerResolver({ hosts: noHostsDir(), retries: 2, retryBaseMs: 5 })
      .resolve(ctx, `${srv.host}/a/b:v1`)
      .catch((e: unknown) => e);
    expect(hasCode(err, 'unavailable')).toBe(true);
    expect(srv.requests.length).toBeGreaterThanOrEqual(3);
  });

  it('resumes a blob whose connection drops half-way, with a Range request', async () => {
    const blob = randomBlob(200_000);
    let first = true;
    const srv = await fake((req, res) => {
      const m = /bytes=(\d+)-/.exec(String(req.headers.range ?? ''));
      if (first) {
        first = false;
        res.writeHead(200, { 'content-length': String(blob.bytes.length) });
        res.write(blob.bytes.subarray(0, 70_000), () => setTimeout(() => res.socket?.destroy(), 20));
        return;
      }
      const start = m ? Number(m[1]) : 0;
      res.writeHead(m ? 206 : 200, {
        'content-length': String(blob.bytes.length - start),
        ...(m ? { 'content-range': `bytes ${start}-${blob.bytes.length - 1}/${blob.bytes.length}` } : {}),
      });
      res.end(blob.bytes.subarray(start));
    });
    const got = await readAll(await createDockerResolver({ hosts: noHostsDir() }).fetcher(ctx, `${srv.host}/a/b`).fetch(ctx, blob.desc));
    expect(got).toEqual(blob.bytes);
    expect(srv.requests).toHaveLength(2);
    expect(srv.requests[1]?.headers.range).toMatch(/^bytes=\d+-$/);
  });
});

describe('mirrors from hosts.toml', () => {
  it('tries the mirror first and falls back to the upstream', async () => {
    const fromMirror = manifestOf(configBlob(), []);
    const fromUpstream = manifestOf(configBlob(), []);
    const mirror = await fake((req, res) => {
      if (req.url?.startsWith('/v2/a/b/manifests/both') || req.url?.startsWith('/v2/a/b/manifests/mirror-only')) {
        sendManifest(req, res, fromMirror.bytes);
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    });
    const upstream = await fake((req, res) => {
      if (req.url?.startsWith('/v2/a/b/manifests/mirror-only')) {
        res.writeHead(404);
        res.end();
        return;
      }
      sendManifest(req, res, fromUpstream.bytes);
    });
    const dir = tempDir();
    mkdirSync(path.join(dir, upstream.host));
    writeFileSync(
      path.join(dir, upstream.host, 'hosts.toml'),
      `server = "http://${upstream.host}"\n\n[host."http://${mirror.host}"]\n  capabilities = ["pull", "resolve"]\n  header = { x-mirror-key = "k1" }\n`,
    );
    const resolver = createDockerResolver({ hosts: createRegistryHosts({ hostsDirs: [dir] }) });

    expect((await resolver.resolve(ctx, `${upstream.host}/a/b:both`)).descriptor.digest).toBe(fromMirror.desc.digest);
    expect(upstream.requests).toHaveLength(0);
    expect(mirror.requests[0]?.url).toBe(`/v2/a/b/manifests/both?ns=${encodeURIComponent(upstream.host)}`);
    expect(mirror.requests[0]?.headers['x-mirror-key']).toBe('k1');

    expect((await resolver.resolve(ctx, `${upstream.host}/a/b:upstream-only`)).descriptor.digest).toBe(fromUpstream.desc.digest);
    expect(mirror.requests.some((r) => r.url.startsWith('/v2/a/b/manifests/upstream-only'))).toBe(true);
    expect(upstream.requests.some((r) => r.url.startsWith('/v2/a/b/manifests/upstream-only'))).toBe(true);

    expect((await resolver.resolve(ctx, `${upstream.host}/a/b:mirror-only`)).descriptor.digest).toBe(fromMirror.desc.digest);
  });

  it('falls back to the upstream when the mirror is down', async () => {
    const m = manifestOf(configBlob(), []);
    const upstream = await fake((req, res) => sendManifest(req, res, m.bytes));
    const dir = tempDir();
    mkdirSync(path.join(dir, upstream.host));
    writeFileSync(path.join(dir, upstream.host, 'hosts.toml'), `[host."http://127.0.0.1:1"]\n`);
    const resolver = createDockerResolver({ hosts: createRegistryHosts({ hostsDirs: [dir] }) });
    expect((await resolver.resolve(ctx, `${upstream.host}/a/b:v1`)).descriptor.digest).toBe(m.desc.digest);
  });
});

describe('TLS, plain HTTP and insecure registries', () => {
  it('verifies a self-signed registry with the CA from hosts.toml, and refuses it without', async () => {
    const tls = selfSignedCert();
    cleanups.push(tls.cleanup);
    const m = manifestOf(configBlob(), []);
    const srv = await fake((req, res) => sendManifest(req, res, m.bytes), tls);
    const dir = tempDir();
    // Name the registry by a domain that is not loopback, so that HTTPS is the default.
    const domain = 'registry.test:5000';
    mkdirSync(path.join(dir, domain));
    writeFileSync(path.join(dir, domain, 'hosts.toml'), `server = "https://${srv.host}"\nca = "${tls.dir}/cert.pem"\n`);
    const ok = createDockerResolver({ hosts: createRegistryHosts({ hostsDirs: [dir] }) });
    expect((await ok.resolve(ctx, `${domain}/a/b:v1`)).descriptor.digest).toBe(m.desc.digest);

    writeFileSync(path.join(dir, domain, 'hosts.toml'), `server = "https://${srv.host}"\n`);
    const err = await createDockerResolver({ hosts: createRegistryHosts({ hostsDirs: [dir] }) })
      .resolve(ctx, `${domain}/a/b:v1`)
      .catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('unavailable');
    expect((err as EngineError).message).toContain('x509: certificate signed by unknown authority');

    // skip_verify, and --insecure-registry, both accept it.
    writeFileSync(path.join(dir, domain, 'hosts.toml'), `server = "https://${srv.host}"\nskip_verify = true\n`);
    const skip = createDockerResolver({ hosts: createRegistryHosts({ hostsDirs: [dir] }) });
    expect((await skip.resolve(ctx, `${domain}/a/b:v1`)).descriptor.digest).toBe(m.desc.digest);
    writeFileSync(path.join(dir, domain, 'hosts.toml'), `server = "https://${srv.host}"\n`);
    const insecure = createDockerResolver({ hosts: createRegistryHosts({ hostsDirs: [dir], insecureRegistries: [domain] }) });
    expect((await insecure.resolve(ctx, `${domain}/a/b:v1`)).descriptor.digest).toBe(m.desc.digest);
  });

  it('falls back from HTTPS to plain HTTP only for insecure registries', async () => {
    const m = manifestOf(configBlob(), []);
    const srv = await fake((req, res) => sendManifest(req, res, m.bytes));
    const dir = tempDir();
    const domain = 'plain.test';
    mkdirSync(path.join(dir, domain));
    writeFileSync(path.join(dir, domain, 'hosts.toml'), `server = "https://${srv.host}"\n`);

    const strict = createDockerResolver({ hosts: createRegistryHosts({ hostsDirs: [dir] }) });
    const err = await strict.resolve(ctx, `${domain}/a/b:v1`).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('unavailable');
    expect((err as EngineError).message).toContain('server gave HTTP response to HTTPS client');

    const insecure = createDockerResolver({ hosts: createRegistryHosts({ hostsDirs: [dir], insecure: true }) });
    expect((await insecure.resolve(ctx, `${domain}/a/b:v1`)).descriptor.digest).toBe(m.desc.digest);
  });

  it('talks plain HTTP to loopback registries without any configuration', async () => {
    const blob = blobOf(Buffer.from('hello'));
    const srv = await fake((_req, res) => res.end(blob.bytes));
    const got = await readAll(await createDockerResolver({ hosts: noHostsDir() }).fetcher(ctx, `${srv.host}/x`).fetch(ctx, blob.desc));
    expect(got.toString()).toBe('hello');
  });
});

describe('timeouts and cancellation', () => {
  it('gives up on a registry that never answers, naming the host', async () => {
    const srv = await fake(() => {
      // never answer
    });
    const err = await createDockerResolver({ hosts: noHostsDir(), timeoutMs: 300, retries: 0 })
      .resolve(ctx, `${srv.host}/a/b:v1`)
      .catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('unavailable');
    expect((err as EngineError).message).toBe(`failed to resolve reference "${srv.host}/a/b:v1": dial tcp ${srv.host}: i/o timeout`);
  });

  it('resumes a body that stalls past the idle limit', async () => {
    const blob = randomBlob(50_000);
    let first = true;
    const srv = await fake((req, res) => {
      if (first) {
        first = false;
        res.writeHead(200, { 'content-length': String(blob.bytes.length) });
        res.write(blob.bytes.subarray(0, 20_000)); // then stall
        return;
      }
      const start = Number(/bytes=(\d+)-/.exec(String(req.headers.range))?.[1] ?? 0);
      res.writeHead(206, {
        'content-length': String(blob.bytes.length - start),
        'content-range': `bytes ${start}-${blob.bytes.length - 1}/${blob.bytes.length}`,
      });
      res.end(blob.bytes.subarray(start));
    });
    const fetcher = createDockerResolver({ hosts: noHostsDir(), bodyIdleTimeoutMs: 300 }).fetcher(ctx, `${srv.host}/a/b`);
    expect(await readAll(await fetcher.fetch(ctx, blob.desc))).toEqual(blob.bytes);
    expect(srv.requests[1]?.headers.range).toBe('bytes=20000-');
  });

  it('fails a download with canceled when the signal aborts half-way', async () => {
    const blob = randomBlob(50_000);
    const srv = await fake((_req, res) => {
      res.writeHead(200, { 'content-length': String(blob.bytes.length) });
      res.write(blob.bytes.subarray(0, 10_000)); // then stall until the client gives up
    });
    const ac = new AbortController();
    const c = opContext(ac.signal);
    const stream = await createDockerResolver({ hosts: noHostsDir() }).fetcher(c, `${srv.host}/a/b`).fetch(c, blob.desc);
    setTimeout(() => ac.abort(), 100);
    const err = await streamError(stream);
    expect((err as EngineError).code).toBe('canceled');
  });
});
