/**
 * Fetches manifests and blobs as verified streams. Bytes are hashed as they pass; the stream fails instead of
 * ending when the content is longer or shorter than the descriptor says or has another digest. A connection
 * dropped mid-blob is resumed with a Range request on the same host.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDigest, splitDigest } from '../../digest.js';
import { canceled, EngineError, invalidArgument, type ErrorSubject } from '../../errdefs.js';
import type { OpContext } from '../../op-context.js';
import type { RegistryHost } from '../hosts.js';
import { isManifestMediaType, MediaTypes, type Descriptor, type FetchOptions, type Fetcher } from '../types.js';
import { fromTransport, isTransientTransportError } from './errors.js';
import { worthTryingNextHost } from './registry-client.js';
import { explainDenied, type Repository } from './repository.js';
import { discard, type TransportResponse } from './transport.js';

/** Every manifest type we read, for `Accept`. */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.dockerManifestList,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifest,
  '*/*',
].join(', ');

export interface FetcherSettings {
  /** How long a body may stall while we wait for bytes (default 60 s). */
  readonly idleTimeoutMs: number;
  /** How many times a dropped body is resumed (default 5). */
  readonly maxResumes: number;
}

function mismatch(desc: Descriptor, what: string): EngineError {
  return invalidArgument(`content ${desc.digest}: ${what}`, { subject: { kind: 'content', ref: desc.digest } });
}

export class DockerFetcher implements Fetcher {
  readonly #repo: Repository;
  readonly #settings: FetcherSettings;

  constructor(repo: Repository, settings: FetcherSettings) {
    this.#repo = repo;
    this.#settings = settings;
  }

  async fetch(ctx: OpContext, desc: Descriptor, options: FetchOptions = {}): Promise<Readable> {
    try {
      return await this.#fetch(ctx, desc, options);
    } catch (err) {
      throw explainDenied(err, 'pull', this.#repo);
    }
  }

  async #fetch(ctx: OpContext, desc: Descriptor, options: FetchOptions): Promise<Readable> {
    if (!isDigest(desc.digest)) throw invalidArgument(`invalid digest "${desc.digest}"`);
    if (!Number.isSafeInteger(desc.size) || desc.size < 0) throw invalidArgument(`content ${desc.digest}: invalid size ${desc.size}`);
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > desc.size) {
      throw invalidArgument(`content ${desc.digest}: offset ${offset} outside 0..${desc.size}`);
    }
    const hosts = await this.#repo.hosts('pull');
    if (hosts.length === 0) throw invalidArgument(`no host of ${this.#repo.ref.domain} may pull`);
    let lastErr: unknown;
    for (const host of hosts) {
      try {
        const first = await this.#open(ctx, host, desc, offset);
        return this.#stream(ctx, host, desc, offset, options.hash, first);
      } catch (err) {
        lastErr = err;
        if (!worthTryingNextHost(err)) break;
        ctx.log.debug('fetch failed on host', { host: host.host, digest: desc.digest, error: (err as Error).message });
      }
    }
    throw lastErr;
  }

  /** One GET from `start`; resolves with the response and how many leading bytes to drop. */
  async #open(
    ctx: OpContext,
    host: RegistryHost,
    desc: Descriptor,
    start: number,
  ): Promise<{ res: TransportResponse; skip: number }> {
    const manifest = isManifestMediaType(desc.mediaType);
    const repo = this.#repo;
    const path = `/${repo.ref.path}/${manifest ? 'manifests' : 'blobs'}/${desc.digest}`;
    const headers: Record<string, string> = {
      accept: manifest ? `${desc.mediaType}, ${MANIFEST_ACCEPT}` : '*/*',
    };
    if (start > 0) headers.range = `bytes=${start}-`;
    const res = await repo.client.do(ctx, host, {
      method: 'GET',
      path,
      query: repo.query(host),
      headers,
      scopes: [`repository:${repo.ref.path}:pull`],
    });
    const subject: ErrorSubject = { kind: 'content', ref: desc.digest };
    if (res.status === 200) {
      const len = Number(res.headers['content-length']);
      if (res.headers['content-length'] !== undefined && Number.isFinite(len) && len !== desc.size) {
        discard(res);
        throw mismatch(desc, `size mismatch: registry sends ${len} bytes, expected ${desc.size}`);
      }
      return { res, skip: start };
    }
    if (res.status === 206) {
      const m = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
      const from = m ? Number(m[1]) : Number.NaN;
      if (from !== start) {
        discard(res);
        throw mismatch(desc, `registry answered range request for ${start} with ${String(res.headers['content-range'])}`);
      }
      return { res, skip: 0 };
    }
    if (res.status === 416 && start === desc.size) {
      // Nothing left to read: an empty tail.
      discard(res);
      return { res: { ...res, body: Readable.from([]) as unknown as TransportResponse['body'] }, skip: 0 };
    }
    throw await repo.failure(ctx, res, {
      method: 'GET',
      op: 'pull',
      subject,
      notFoundText: manifest ? 'manifest unknown' : 'blob unknown',
    });
  }

  #stream(
    ctx: OpContext,
    host: RegistryHost,
    desc: Descriptor,
    offset: number,
    resumeHash: Hash | undefined,
    first: { res: TransportResponse; skip: number },
  ): Readable {
    const { idleTimeoutMs, maxResumes } = this.#settings;
    const algorithm = splitDigest(desc.digest).algorithm;
    // Without the hash of the first `offset` bytes only the size can be checked; the caller verifies the rest.
    const hash = resumeHash ?? (offset === 0 ? createHash(algorithm) : undefined);
    const open = (start: number) => this.#open(ctx, host, desc, start);
    const generate = async function* (): AsyncGenerator<Buffer> {
      let current = first;
      let received = offset;
      let resumes = 0;
      try {
        for (;;) {
          const body = current.res.body;
          const it = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
          let skip = current.skip;
          try {
            for (;;) {
              const timer = setTimeout(
                () => body.destroy(Object.assign(new Error('body read timed out'), { code: 'ETIMEDOUT' })),
                idleTimeoutMs,
              );
              let r: IteratorResult<Buffer>;
              try {
                r = await it.next();
              } finally {
                clearTimeout(timer);
              }
              if (r.done) break;
              let chunk = r.value;
              if (skip > 0) {
                const drop = Math.min(skip, chunk.length);
                skip -= drop;
                chunk = chunk.subarray(drop);
                if (chunk.length === 0) continue;
              }
              if (received + chunk.length > desc.size) {
                throw mismatch(desc, `size mismatch: registry sent more than ${desc.size} bytes`);
              }
              hash?.update(chunk);
              received += chunk.length;
              yield chunk;
            }
            break;
          } catch (err) {
            if (err instanceof EngineError) throw err;
            if (ctx.signal.aborted) throw canceled('operation canceled', { cause: err });
            if (!isTransientTransportError(err) && (err as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE' && (err as Error).message !== 'aborted') {
              throw fromTransport(err, { host: host.host });
            }
            if (resumes >= maxResumes || received >= desc.size) throw fromTransport(err, { host: host.host });
            resumes++;
            ctx.log.debug('resuming interrupted download', { digest: desc.digest, offset: received, attempt: resumes });
            await sleep(Math.min(200 * 2 ** resumes, 5000), undefined, { signal: ctx.signal }).catch(() => {
              throw canceled('operation canceled');
            });
            current = await open(received);
          }
        }
        if (received !== desc.size) {
          throw mismatch(desc, `size mismatch: registry sent ${received} bytes, expected ${desc.size}`);
        }
        if (hash !== undefined) {
          const got = `${algorithm}:${hash.copy().digest('hex')}`;
          if (got !== desc.digest) throw mismatch(desc, `digest mismatch: registry sent content with digest ${got}`);
        }
      } finally {
        if (!current.res.body.readableEnded) current.res.body.destroy();
      }
    };
    return Readable.from(generate(), { objectMode: false });
  }
}
