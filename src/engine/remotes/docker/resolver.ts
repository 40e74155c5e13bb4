/**
 * The Docker registry (distribution spec v2) implementation of {@link Resolver}: the composition of hosts
 * (hosts.ts), credentials and tokens (auth.ts), the HTTP engine (registry-client.ts), the fetcher and the pusher.
 */
import { createHash } from 'node:crypto';
import { isDigest, splitDigest, type Digest } from '../../digest.js';
import { EngineError, invalidArgument } from '../../errdefs.js';
import type { OpContext } from '../../op-context.js';
import { familiarString, formatReference, parseReference, type Reference } from '../../reference.js';
import { createRegistryHosts, type RegistryHost, type RegistryHosts } from '../hosts.js';
import { MediaTypes, type Descriptor, type Fetcher, type Pusher, type Resolver, type ResolveResult } from '../types.js';
import { createAuthorizer, type Authorizer, type CredentialsProvider } from './auth.js';
import { DockerFetcher, MANIFEST_ACCEPT, type FetcherSettings } from './fetcher.js';
import { DockerPusher } from './pusher.js';
import { RegistryClient, worthTryingNextHost } from './registry-client.js';
import { explainDenied, Repository, withContext, type UploadSettings } from './repository.js';
import { discard, readBody, type TransportResponse } from './transport.js';

export interface DockerResolverOptions {
  /** Where each registry is served (default: {@link createRegistryHosts} with the default hosts dirs). */
  readonly hosts?: RegistryHosts;
  /** Credentials per registry host (for example from credentials.ts `credentialsProvider`). */
  readonly credentials?: CredentialsProvider;
  /** Use this authorizer instead of one made from `credentials` (it carries the per-host auth state). */
  readonly authorizer?: Authorizer;
  /** Retries of transient failures per request (default 4). */
  readonly retries?: number;
  /** First backoff delay in ms (default 250). */
  readonly retryBaseMs?: number;
  /** Socket inactivity limit until response headers, in ms (default 60 000). */
  readonly timeoutMs?: number;
  /** Stall limit while reading a body, in ms (default 60 000). */
  readonly bodyIdleTimeoutMs?: number;
  readonly userAgent?: string;
  /** Headers for every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Blobs up to this size are uploaded in one PUT; larger ones in chunks (default 64 MiB). */
  readonly monolithicUploadMaxBytes?: number;
  /** Chunk size of chunked uploads (default 16 MiB). */
  readonly uploadChunkBytes?: number;
}

const MAX_MANIFEST_BYTES = 8 << 20;

function mediaTypeOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const t = header.split(';')[0]?.trim() ?? '';
  return t === '' ? undefined : t;
}

/** The media type of manifest bytes when the registry did not say (or said something generic). */
function sniffMediaType(body: Buffer, header: string | undefined): string {
  if (header !== undefined && header !== 'application/json' && header !== 'text/plain' && header !== 'application/octet-stream') {
    return header;
  }
  try {
    const j = JSON.parse(body.toString('utf8')) as { mediaType?: unknown; manifests?: unknown; schemaVersion?: unknown; signatures?: unknown };
    if (typeof j.mediaType === 'string' && j.mediaType !== '') return j.mediaType;
    if (j.schemaVersion === 1) return j.signatures ? MediaTypes.dockerManifestV1Signed : 'application/vnd.docker.distribution.manifest.v1+json';
    return Array.isArray(j.manifests) ? MediaTypes.ociIndex : MediaTypes.ociManifest;
  } catch {
    return header ?? MediaTypes.ociManifest;
  }
}

class DockerResolver implements Resolver {
  readonly #client: RegistryClient;
  readonly #hosts: RegistryHosts;
  readonly #upload: UploadSettings;
  readonly #fetch: FetcherSettings;

  constructor(options: DockerResolverOptions) {
    const authorizer =
      options.authorizer ??
      createAuthorizer({
        ...(options.credentials ? { credentials: options.credentials } : {}),
        ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      });
    this.#client = new RegistryClient({
      authorizer,
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
    });
    this.#hosts = options.hosts ?? createRegistryHosts();
    this.#upload = {
      monolithicMaxBytes: options.monolithicUploadMaxBytes ?? 64 << 20,
      chunkBytes: options.uploadChunkBytes ?? 16 << 20,
    };
    this.#fetch = { idleTimeoutMs: options.bodyIdleTimeoutMs ?? 60_000, maxResumes: 5 };
  }

  #repository(ref: string | Reference): Repository {
    const parsed = typeof ref === 'string' ? parseReference(ref) : ref;
    return new Repository(parsed, this.#client, this.#hosts, this.#upload);
  }

  fetcher(_ctx: OpContext, ref: string): Fetcher {
    return new DockerFetcher(this.#repository(ref), this.#fetch);
  }

  pusher(_ctx: OpContext, ref: string): Pusher {
    return new DockerPusher(this.#repository(ref));
  }

  async resolve(ctx: OpContext, ref: string): Promise<ResolveResult> {
    const parsed = parseReference(ref);
    const name = formatReference(parsed);
    const repo = this.#repository(parsed);
    let hosts: RegistryHost[];
    try {
      hosts = await repo.hosts('resolve');
    } catch (err) {
      throw withContext(err, `failed to resolve reference "${name}"`);
    }
    if (hosts.length === 0) throw invalidArgument(`failed to resolve reference "${name}": no host of ${parsed.domain} may resolve`);
    let lastErr: unknown;
    for (const host of hosts) {
      try {
        const descriptor = await this.#resolveOn(ctx, repo, host);
        return { name, descriptor };
      } catch (err) {
        lastErr = err;
        ctx.log.debug('resolve failed on host', { host: host.host, ref: name, error: (err as Error).message });
        if (!worthTryingNextHost(err)) break;
      }
    }
    const e = lastErr instanceof EngineError ? lastErr : withContext(lastErr, 'resolve');
    if (e.code === 'not-found') {
      const body = e.message;
      throw new EngineError('not-found', `manifest for ${familiarString(parsed)} not found: ${body}`, {
        cause: e,
        subject: { kind: 'image', ref: familiarString(parsed) },
      });
    }
    if (e.code === 'unauthenticated' || e.code === 'permission-denied') throw explainDenied(e, 'pull', repo);
    throw withContext(e, `failed to resolve reference "${name}"`);
  }

  async #resolveOn(ctx: OpContext, repo: Repository, host: RegistryHost): Promise<Descriptor> {
    const ref = repo.ref;
    const object = ref.digest ?? ref.tag ?? 'latest';
    const request = (method: 'HEAD' | 'GET') =>
      repo.client.do(ctx, host, {
        method,
        path: `/${ref.path}/manifests/${object}`,
        query: repo.query(host),
        headers: { accept: MANIFEST_ACCEPT },
        scopes: [`repository:${ref.path}:pull`],
      });
    const fail = (res: TransportResponse, method: string) =>
      repo.failure(ctx, res, {
        method,
        op: 'pull',
        subject: { kind: 'image', ref: familiarString(ref) },
        notFoundText: 'manifest unknown',
      });

    const head = await request('HEAD');
    discard(head);
    if (head.status === 200) {
      const digestHeader = head.headers['docker-content-digest'];
      const size = Number(head.headers['content-length']);
      const mediaType = mediaTypeOf(head.headers['content-type']);
      const digest = typeof digestHeader === 'string' && isDigest(digestHeader) ? digestHeader : undefined;
      if (ref.digest !== undefined && digest !== undefined && digest !== ref.digest) {
        throw invalidArgument(`registry ${host.host} answered ${ref.digest} with a manifest of digest ${digest}`);
      }
      const known = ref.digest ?? digest;
      if (
        known !== undefined &&
        head.headers['content-length'] !== undefined &&
        Number.isSafeInteger(size) &&
        size > 0 &&
        mediaType !== undefined &&
        mediaType !== 'application/json' &&
        mediaType !== 'text/plain'
      ) {
        return { mediaType, digest: known, size };
      }
    } else if (head.status === 404 || head.status === 401 || head.status === 403) {
      throw await fail(head, 'HEAD');
    }
    // The headers were not enough (or HEAD is not supported): read the manifest itself.
    const get = await request('GET');
    if (get.status !== 200) throw await fail(get, 'GET');
    let body: Buffer;
    try {
      body = await readBody(get, MAX_MANIFEST_BYTES);
    } catch (err) {
      throw withContext(err instanceof EngineError ? err : invalidArgument((err as Error).message), `read manifest from ${host.host}`);
    }
    const algorithm = ref.digest !== undefined ? splitDigest(ref.digest).algorithm : 'sha256';
    const computed = `${algorithm}:${createHash(algorithm).update(body).digest('hex')}` as Digest;
    if (ref.digest !== undefined && computed !== ref.digest) {
      throw invalidArgument(`registry ${host.host} sent content with digest ${computed} for ${ref.digest}`, {
        subject: { kind: 'content', ref: ref.digest },
      });
    }
    return { mediaType: sniffMediaType(body, mediaTypeOf(get.headers['content-type'])), digest: computed, size: body.length };
  }
}

/** Creates the registry {@link Resolver}. Cheap: nothing is read or dialled until a method is called. */
export function createDockerResolver(options: DockerResolverOptions = {}): Resolver {
  return new DockerResolver(options);
}
