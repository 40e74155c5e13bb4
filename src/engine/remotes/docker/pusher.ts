/**
 * Pushes blobs and manifests into one repository (distribution spec "Push"): existence check, cross-repository
 * mount, and monolithic (POST + PUT) or chunked (POST + PATCH... + PUT) uploads. An upload that fails on a
 * transient error is restarted from a fresh session (the content source is reopened), a chunk that fails is
 * resumed from the offset the registry reports.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDigest, splitDigest } from '../../digest.js';
import { canceled, EngineError, invalidArgument, unavailable } from '../../errdefs.js';
import type { OpContext } from '../../op-context.js';
import { parseReferenceRaw } from '../../reference.js';
import type { RegistryHost } from '../hosts.js';
import type { Descriptor, PushBlobOptions, PushContent, Pusher, PushManifestOptions, PushStatus } from '../types.js';
import { repositoryScope } from './auth.js';
import { MANIFEST_ACCEPT } from './fetcher.js';
import { explainDenied, type Repository } from './repository.js';
import { discard, type TransportResponse } from './transport.js';

const MAX_UPLOAD_ATTEMPTS = 3;

/** Wraps a source stream so that it fails unless it yields exactly `desc.size` bytes with digest `desc.digest`. */
function verified(source: Readable, desc: Descriptor): Readable {
  const algorithm = splitDigest(desc.digest).algorithm;
  const hash = createHash(algorithm);
  let n = 0;
  const gen = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      n += b.length;
      if (n > desc.size) throw invalidArgument(`content ${desc.digest}: source is larger than ${desc.size} bytes`);
      hash.update(b);
      yield b;
    }
    if (n !== desc.size) throw invalidArgument(`content ${desc.digest}: source has ${n} bytes, expected ${desc.size}`);
    const got = `${algorithm}:${hash.digest('hex')}`;
    if (got !== desc.digest) throw invalidArgument(`content ${desc.digest}: source has digest ${got}`);
  };
  return Readable.from(gen(), { objectMode: false });
}

async function openContent(content: PushContent): Promise<Readable> {
  if (content instanceof Uint8Array) return Readable.from([Buffer.from(content)], { objectMode: false });
  return await content();
}

/** Reads exactly up to `size` bytes from an async iterator of buffers, keeping the remainder. */
class ChunkReader {
  readonly #it: AsyncIterator<Buffer>;
  #pending: Buffer = Buffer.alloc(0);
  #done = false;

  constructor(stream: Readable) {
    this.#it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  async next(size: number): Promise<Buffer> {
    const parts: Buffer[] = [this.#pending];
    let have = this.#pending.length;
    while (have < size && !this.#done) {
      const r = await this.#it.next();
      if (r.done) {
        this.#done = true;
        break;
      }
      parts.push(r.value);
      have += r.value.length;
    }
    const all = Buffer.concat(parts);
    this.#pending = all.subarray(Math.min(size, all.length));
    return all.subarray(0, Math.min(size, all.length));
  }

  async close(): Promise<void> {
    await this.#it.return?.();
  }
}

export class DockerPusher implements Pusher {
  readonly #repo: Repository;

  constructor(repo: Repository) {
    this.#repo = repo;
  }

  async #host(): Promise<RegistryHost> {
    const hosts = await this.#repo.hosts('push');
    const host = hosts[0];
    if (host === undefined) throw invalidArgument(`no host of ${this.#repo.ref.domain} may push`);
    return host;
  }

  get #pushScope(): string {
    return repositoryScope(this.#repo.ref.path, ['pull', 'push']);
  }

  async #exists(ctx: OpContext, host: RegistryHost, kind: 'blobs' | 'manifests', desc: Descriptor, scopes: readonly string[]): Promise<boolean> {
    const res = await this.#repo.client.do(ctx, host, {
      method: 'HEAD',
      path: `/${this.#repo.ref.path}/${kind}/${desc.digest}`,
      scopes,
      ...(kind === 'manifests' ? { headers: { accept: `${desc.mediaType}, ${MANIFEST_ACCEPT}` } } : {}),
    });
    discard(res);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.#repo.failure(ctx, res, { method: 'HEAD', op: 'push', subject: { kind: 'content', ref: desc.digest } });
  }

  /** Same-registry repository paths from `mountFrom` (full names on other registries are dropped). */
  #mountSources(mountFrom: readonly string[] | undefined): string[] {
    const out: string[] = [];
    for (const m of mountFrom ?? []) {
      let path = m;
      if (m.includes('/') && !m.startsWith('/')) {
        try {
          const r = parseReferenceRaw(m);
          const explicitDomain = m.split('/')[0] === r.domain || m.startsWith('index.docker.io/');
          if (explicitDomain) {
            if (r.domain !== this.#repo.ref.domain) continue;
            path = r.path;
          }
        } catch {
          continue;
        }
      }
      if (path !== this.#repo.ref.path && !out.includes(path)) out.push(path);
    }
    return out;
  }

  async pushBlob(ctx: OpContext, desc: Descriptor, content: PushContent, options: PushBlobOptions = {}): Promise<PushStatus> {
    try {
      return await this.#pushBlob(ctx, desc, content, options);
    } catch (err) {
      throw explainDenied(err, 'push', this.#repo);
    }
  }

  async #pushBlob(ctx: OpContext, desc: Descriptor, content: PushContent, options: PushBlobOptions): Promise<PushStatus> {
    if (!isDigest(desc.digest)) throw invalidArgument(`invalid digest "${desc.digest}"`);
    const repo = this.#repo;
    const host = await this.#host();
    const sources = this.#mountSources(options.mountFrom);
    const scopes = [this.#pushScope, ...sources.slice(0, 1).map((s) => repositoryScope(s, ['pull']))];
    if (await this.#exists(ctx, host, 'blobs', desc, scopes)) return 'exists';
    let lastErr: unknown;
    for (let attempt = 0; attempt < MAX_UPLOAD_ATTEMPTS; attempt++) {
      if (ctx.signal.aborted) throw canceled('operation canceled');
      // Start a session; ask for a mount first when a source repository is known.
      const mountFrom = attempt === 0 ? sources[0] : undefined;
      const res = await repo.client.do(ctx, host, {
        method: 'POST',
        path: `/${repo.ref.path}/blobs/uploads/`,
        query: mountFrom !== undefined ? { mount: desc.digest, from: mountFrom } : {},
        headers: { 'content-length': '0' },
        scopes,
        retry: true,
      });
      discard(res);
      if (res.status === 201 && mountFrom !== undefined) {
        ctx.log.debug('blob mounted', { digest: desc.digest, from: mountFrom });
        return 'mounted';
      }
      if (res.status !== 202) {
        throw await repo.failure(ctx, res, { method: 'POST', op: 'push', subject: { kind: 'content', ref: desc.digest } });
      }
      const location = this.#location(host, res);
      try {
        if (desc.size <= repo.upload.monolithicMaxBytes) await this.#putMonolithic(ctx, host, location, desc, content);
        else await this.#putChunked(ctx, host, location, desc, content);
        return 'uploaded';
      } catch (err) {
        lastErr = err;
        const retryable = err instanceof EngineError && err.code === 'unavailable';
        if (!retryable) throw err;
        ctx.log.debug('restarting blob upload', { digest: desc.digest, error: err.message, attempt });
        await sleep(300 * 2 ** attempt, undefined, { signal: ctx.signal }).catch(() => {
          throw canceled('operation canceled');
        });
      }
    }
    throw lastErr;
  }

  #location(host: RegistryHost, res: TransportResponse): URL {
    const loc = res.headers.location;
    if (typeof loc !== 'string' || loc === '') {
      throw unavailable(`registry ${host.host} started an upload without a Location header`);
    }
    return new URL(loc, res.url);
  }

  async #putMonolithic(ctx: OpContext, host: RegistryHost, location: URL, desc: Descriptor, content: PushContent): Promise<void> {
    const res = await this.#repo.client.do(ctx, host, {
      method: 'PUT',
      path: location,
      query: { digest: desc.digest },
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
      body: async () => verified(await openContent(content), desc),
      scopes: [this.#pushScope],
      // A session is spent once bytes went up: retry by starting a new session (pushBlob), not here.
      retry: false,
    });
    await this.#expectCreated(ctx, res, desc, 'PUT');
  }

  async #expectCreated(ctx: OpContext, res: TransportResponse, desc: Descriptor, method: string): Promise<void> {
    if (res.status !== 201 && res.status !== 204 && res.status !== 200) {
      throw await this.#repo.failure(ctx, res, { method, op: 'push', subject: { kind: 'content', ref: desc.digest } });
    }
    discard(res);
    const got = res.headers['docker-content-digest'];
    if (typeof got === 'string' && got !== '' && got !== desc.digest) {
      throw invalidArgument(`content ${desc.digest}: registry stored it as ${got}`);
    }
  }

  async #putChunked(ctx: OpContext, host: RegistryHost, location: URL, desc: Descriptor, content: PushContent): Promise<void> {
    const repo = this.#repo;
    const reader = new ChunkReader(verified(await openContent(content), desc));
    let url = location;
    let offset = 0;
    try {
      while (offset < desc.size) {
        const chunk = await reader.next(repo.upload.chunkBytes);
        if (chunk.length === 0) break;
        let sent = 0;
        for (let tries = 0; sent < chunk.length; tries++) {
          const part = chunk.subarray(sent);
          const start = offset + sent;
          let res: TransportResponse;
          try {
            res = await repo.client.do(ctx, host, {
              method: 'PATCH',
              path: url,
              headers: {
                'content-type': 'application/octet-stream',
                'content-length': String(part.length),
                'content-range': `${start}-${start + part.length - 1}`,
              },
              body: part,
              scopes: [this.#pushScope],
              retry: false,
            });
          } catch (err) {
            if (!(err instanceof EngineError && err.code === 'unavailable') || tries >= 3) throw err;
            // Ask the registry how far it got, then send the rest of this chunk.
            const status = await this.#uploadStatus(ctx, host, url);
            url = status.url;
            const got = status.received - offset;
            if (got < sent || got > chunk.length) throw err;
            sent = got;
            continue;
          }
          if (res.status !== 202) {
            throw await repo.failure(ctx, res, { method: 'PATCH', op: 'push', subject: { kind: 'content', ref: desc.digest } });
          }
          discard(res);
          url = this.#location(host, res);
          sent = chunk.length;
        }
        offset += chunk.length;
      }
    } finally {
      await reader.close();
    }
    const res = await repo.client.do(ctx, host, {
      method: 'PUT',
      path: url,
      query: { digest: desc.digest },
      headers: { 'content-length': '0' },
      scopes: [this.#pushScope],
    });
    await this.#expectCreated(ctx, res, desc, 'PUT');
  }

  async #uploadStatus(ctx: OpContext, host: RegistryHost, url: URL): Promise<{ url: URL; received: number }> {
    const res = await this.#repo.client.do(ctx, host, { method: 'GET', path: url, scopes: [this.#pushScope] });
    discard(res);
    if (res.status !== 204) throw unavailable(`upload status from ${host.host}: ${res.status} ${res.statusText}`);
    const m = /^(?:bytes=)?0-(\d+)$/.exec(String(res.headers.range ?? ''));
    return { url: this.#location(host, res), received: m ? Number(m[1]) + 1 : 0 };
  }

  async pushManifest(ctx: OpContext, desc: Descriptor, content: Uint8Array, options: PushManifestOptions = {}): Promise<PushStatus> {
    try {
      return await this.#pushManifest(ctx, desc, content, options);
    } catch (err) {
      throw explainDenied(err, 'push', this.#repo);
    }
  }

  async #pushManifest(ctx: OpContext, desc: Descriptor, content: Uint8Array, options: PushManifestOptions): Promise<PushStatus> {
    if (!isDigest(desc.digest)) throw invalidArgument(`invalid digest "${desc.digest}"`);
    const algorithm = splitDigest(desc.digest).algorithm;
    const got = `${algorithm}:${createHash(algorithm).update(content).digest('hex')}`;
    if (got !== desc.digest || content.length !== desc.size) {
      throw invalidArgument(`manifest ${desc.digest}: content does not match its descriptor (digest ${got}, ${content.length} bytes)`);
    }
    const repo = this.#repo;
    const host = await this.#host();
    const scopes = [this.#pushScope];
    if (options.tag === undefined && (await this.#exists(ctx, host, 'manifests', desc, scopes))) return 'exists';
    const res = await repo.client.do(ctx, host, {
      method: 'PUT',
      path: `/${repo.ref.path}/manifests/${options.tag ?? desc.digest}`,
      headers: { 'content-type': desc.mediaType, 'content-length': String(content.length) },
      body: content,
      scopes,
    });
    await this.#expectCreated(ctx, res, desc, 'PUT');
    return 'uploaded';
  }
}
