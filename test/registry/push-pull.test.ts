/**
 * Round trips against a real registry (Debian's docker-registry on 127.0.0.1): push blobs and manifests, resolve
 * by tag and digest, fetch verified streams, resume from an offset, chunked uploads, cross-repository mounts.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, hasCode } from '../../src/engine/errdefs.js';
import { createDockerResolver } from '../../src/engine/remotes/docker/resolver.js';
import { createRegistryHosts } from '../../src/engine/remotes/hosts.js';
import { fetchBytes } from '../../src/engine/remotes/fetch-bytes.js';
import type { Resolver } from '../../src/engine/remotes/types.js';
import { hasRegistryBinary, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { configBlob, manifestOf, opContext, randomBlob, readAll, streamError } from './fixtures.js';

describe.skipIf(!hasRegistryBinary())('registry client against docker-registry', () => {
  let registry: TestRegistry;
  let resolver: Resolver;
  const ctx = opContext();

  beforeAll(async () => {
    registry = await startRegistry();
    // An empty hosts dir: the machine's /etc/containerd/certs.d must not change what the test sees.
    resolver = createDockerResolver({ hosts: createRegistryHosts({ hostsDirs: [] }), retryBaseMs: 10 });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes blobs and a tagged manifest, then resolves and fetches them back', async () => {
    const ref = `${registry.host}/roundtrip/app:v1`;
    const layer = randomBlob(200_000);
    const config = configBlob();
    const manifest = manifestOf(config, [layer]);
    const pusher = resolver.pusher(ctx, ref);
    expect(await pusher.pushBlob(ctx, layer.desc, () => Promise.resolve(readable(layer.bytes)))).toBe('uploaded');
    expect(await pusher.pushBlob(ctx, config.desc, config.bytes)).toBe('uploaded');
    expect(await pusher.pushManifest(ctx, manifest.desc, manifest.bytes, { tag: 'v1' })).toBe('uploaded');

    const resolved = await resolver.resolve(ctx, ref);
    expect(resolved.name).toBe(ref);
    expect(resolved.descriptor).toEqual(manifest.desc);

    const fetcher = resolver.fetcher(ctx, ref);
    expect(await readAll(await fetcher.fetch(ctx, resolved.descriptor))).toEqual(manifest.bytes);
    expect(await fetchBytes(ctx, fetcher, resolved.descriptor)).toEqual(manifest.bytes);
    await expect(fetchBytes(ctx, fetcher, layer.desc, 1000)).rejects.toThrow(/more than the 1000 allowed/);
    expect(await readAll(await fetcher.fetch(ctx, layer.desc))).toEqual(layer.bytes);
    expect(await readAll(await fetcher.fetch(ctx, config.desc))).toEqual(config.bytes);

    // Pushing again finds everything in place.
    expect(await pusher.pushBlob(ctx, layer.desc, layer.bytes)).toBe('exists');
    expect(await pusher.pushManifest(ctx, manifest.desc, manifest.bytes)).toBe('exists');
  });

  it('resolves by digest and verifies the manifest it fetches', async () => {
    const repo = `${registry.host}/bydigest/app`;
    const config = configBlob();
    const manifest = manifestOf(config, []);
    const pusher = resolver.pusher(ctx, repo);
    await pusher.pushBlob(ctx, config.desc, config.bytes);
    expect(await pusher.pushManifest(ctx, manifest.desc, manifest.bytes)).toBe('uploaded');
    const resolved = await resolver.resolve(ctx, `${repo}@${manifest.desc.digest}`);
    expect(resolved.descriptor.digest).toBe(manifest.desc.digest);
    expect(resolved.descriptor.size).toBe(manifest.bytes.length);
    expect(resolved.descriptor.mediaType).toBe(manifest.desc.mediaType);
  });

  it('reports a missing tag as not-found in Docker words', async () => {
    const err = await resolver.resolve(ctx, `${registry.host}/nothing/here:nope`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('not-found');
    expect((err as EngineError).message).toBe(
      `manifest for ${registry.host}/nothing/here:nope not found: manifest unknown: manifest unknown`,
    );
  });

  it('reports a missing blob as not-found', async () => {
    const blob = randomBlob(10);
    const err = await resolver.fetcher(ctx, `${registry.host}/nothing/here`).fetch(ctx, blob.desc).catch((e: unknown) => e);
    expect(hasCode(err, 'not-found')).toBe(true);
  });

  it('resumes a blob download from an offset, verifying the whole digest with the prefix hash', async () => {
    const ref = `${registry.host}/resume/app`;
    const layer = randomBlob(300_000);
    await resolver.pusher(ctx, ref).pushBlob(ctx, layer.desc, layer.bytes);
    const offset = 123_457;
    const prefixHash = createHash('sha256').update(layer.bytes.subarray(0, offset));
    const tail = await readAll(await resolver.fetcher(ctx, ref).fetch(ctx, layer.desc, { offset, hash: prefixHash }));
    expect(tail).toEqual(layer.bytes.subarray(offset));

    // A wrong prefix hash means the assembled content is not the blob: the stream must fail.
    const wrongPrefix = createHash('sha256').update(Buffer.alloc(offset));
    const err = await streamError(await resolver.fetcher(ctx, ref).fetch(ctx, layer.desc, { offset, hash: wrongPrefix }));
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toMatch(/digest mismatch/);

    // Without a hash only the size is checked and the tail still arrives.
    const tail2 = await readAll(await resolver.fetcher(ctx, ref).fetch(ctx, layer.desc, { offset: layer.desc.size - 10 }));
    expect(tail2).toEqual(layer.bytes.subarray(layer.desc.size - 10));
  });

  it('uploads a large blob in PATCH chunks', async () => {
    const chunky = createDockerResolver({
      hosts: createRegistryHosts({ hostsDirs: [] }),
      monolithicUploadMaxBytes: 1000,
      uploadChunkBytes: 70_000,
    });
    const ref = `${registry.host}/chunked/app`;
    const layer = randomBlob(250_001);
    expect(await chunky.pusher(ctx, ref).pushBlob(ctx, layer.desc, () => readable(layer.bytes, 8192))).toBe('uploaded');
    expect(await readAll(await resolver.fetcher(ctx, ref).fetch(ctx, layer.desc))).toEqual(layer.bytes);
  });

  it('mounts a blob from another repository instead of uploading it', async () => {
    const layer = randomBlob(50_000);
    await resolver.pusher(ctx, `${registry.host}/mount/source`).pushBlob(ctx, layer.desc, layer.bytes);
    let opened = 0;
    const open = () => {
      opened++;
      return readable(layer.bytes);
    };
    const status = await resolver
      .pusher(ctx, `${registry.host}/mount/target`)
      .pushBlob(ctx, layer.desc, open, { mountFrom: ['other.example/ignored', `${registry.host}/mount/source`] });
    expect(status).toBe('mounted');
    expect(opened).toBe(0);
    expect(await readAll(await resolver.fetcher(ctx, `${registry.host}/mount/target`).fetch(ctx, layer.desc))).toEqual(layer.bytes);

    // A source without the blob falls back to an upload.
    const other = randomBlob(1000);
    const fallback = await resolver
      .pusher(ctx, `${registry.host}/mount/target2`)
      .pushBlob(ctx, other.desc, other.bytes, { mountFrom: ['mount/source'] });
    expect(fallback).toBe('uploaded');
  });

  it('refuses to push content that does not match its descriptor, leaving no blob behind', async () => {
    const ref = `${registry.host}/mismatch/app`;
    const layer = randomBlob(5000);
    const liar = randomBlob(5000);
    const err = await resolver
      .pusher(ctx, ref)
      .pushBlob(ctx, layer.desc, liar.bytes)
      .catch((e: unknown) => e);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    const fetchErr = await resolver.fetcher(ctx, ref).fetch(ctx, layer.desc).catch((e: unknown) => e);
    expect(hasCode(fetchErr, 'not-found')).toBe(true);
  });

  it('fetches several blobs in parallel over the shared keep-alive pool', async () => {
    const ref = `${registry.host}/parallel/app`;
    const blobs = Array.from({ length: 6 }, () => randomBlob(64_000));
    const pusher = resolver.pusher(ctx, ref);
    await Promise.all(blobs.map((b) => pusher.pushBlob(ctx, b.desc, b.bytes)));
    const fetcher = resolver.fetcher(ctx, ref);
    const got = await Promise.all(blobs.map(async (b) => readAll(await fetcher.fetch(ctx, b.desc))));
    got.forEach((g, i) => expect(g).toEqual(blobs[i]?.bytes));
  });

  it('names the host in one line when nothing listens', async () => {
    const err = await resolver.resolve(ctx, '127.0.0.1:1/foo').catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('unavailable');
    expect((err as EngineError).message).toBe(
      'failed to resolve reference "127.0.0.1:1/foo:latest": dial tcp 127.0.0.1:1: connect: connection refused',
    );
  });

  it('stops with canceled when the signal aborts', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await resolver.resolve(opContext(ac.signal), `${registry.host}/roundtrip/app:v1`).catch((e: unknown) => e);
    expect(hasCode(err, 'canceled')).toBe(true);
  });
});

function readable(bytes: Buffer, chunk = 65536): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return Readable.from(parts, { objectMode: false });
}
