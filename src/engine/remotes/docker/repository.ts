/**
 * What the resolver, fetcher and pusher share about one repository: its parsed reference, its hosts, the HTTP
 * engine, and the wording of errors about it.
 */
import { EngineError, findEngineError, type ErrorSubject } from '../../errdefs.js';
import type { OpContext } from '../../op-context.js';
import { familiarRepository, type Reference } from '../../reference.js';
import type { HostCapability, RegistryHost, RegistryHosts } from '../hosts.js';
import { accessDenied, fromResponse } from './errors.js';
import type { RegistryClient } from './registry-client.js';
import { readBody, type TransportResponse } from './transport.js';

export interface UploadSettings {
  /** Blobs up to this size go up in one PUT; larger ones in PATCH chunks (default 64 MiB). */
  readonly monolithicMaxBytes: number;
  /** Size of each PATCH chunk (default 16 MiB). */
  readonly chunkBytes: number;
}

export class Repository {
  readonly ref: Reference;
  readonly client: RegistryClient;
  readonly #hosts: RegistryHosts;
  readonly upload: UploadSettings;

  constructor(ref: Reference, client: RegistryClient, hosts: RegistryHosts, upload: UploadSettings) {
    this.ref = ref;
    this.client = client;
    this.#hosts = hosts;
    this.upload = upload;
  }

  /** `localhost:5000/a/b` or `docker.io/library/busybox` */
  get name(): string {
    return `${this.ref.domain}/${this.ref.path}`;
  }

  /** As Docker shows it in messages: `busybox`, `localhost:5000/a/b`. */
  get familiarName(): string {
    return familiarRepository(this.ref);
  }

  async hosts(capability: HostCapability): Promise<RegistryHost[]> {
    const all = await this.#hosts(this.ref.domain);
    return all.filter((h) => h.capabilities.includes(capability));
  }

  /** The query a request to `host` needs: mirrors learn which registry is meant (`?ns=docker.io`). */
  query(host: RegistryHost): Record<string, string> {
    return host.mirror ? { ns: this.ref.domain } : {};
  }

  /** Reads a failed response and converts it (errors.ts), with Docker's wording for denied access. */
  async failure(
    ctx: OpContext,
    res: TransportResponse,
    what: { method: string; op: 'pull' | 'push'; subject?: ErrorSubject; notFoundText?: string },
  ): Promise<EngineError> {
    let text = '';
    try {
      text = what.method === 'HEAD' ? '' : (await readBody(res, 64 << 10)).toString('utf8');
    } catch {
      res.body.destroy();
    }
    const err = fromResponse(res.status, res.statusText, text, {
      method: what.method,
      url: res.url.toString(),
      ...(what.subject ? { subject: what.subject } : {}),
      ...(what.notFoundText ? { notFoundText: what.notFoundText } : {}),
    });
    ctx.log.debug('registry request failed', { status: res.status, url: res.url.toString(), error: err.message });
    if (err.code === 'unauthenticated' || err.code === 'permission-denied') return accessDenied(what.op, this.familiarName, err);
    return err;
  }
}

/**
 * Gives an access error Docker's wording (`pull access denied for <name>, ...`) whatever raised it: a 401 from the
 * registry, or a token server refusing the credentials. Other errors pass through.
 */
export function explainDenied(err: unknown, op: 'pull' | 'push', repo: Repository): unknown {
  const found = findEngineError(err);
  if (found === undefined || (found.code !== 'unauthenticated' && found.code !== 'permission-denied')) return err;
  if (found.message.startsWith(`${op} access denied for `)) return err;
  return accessDenied(op, repo.familiarName, err);
}

/** Keeps the class of an error while rewording it for the operation (`failed to resolve reference "x": ...`). */
export function withContext(err: unknown, context: string): EngineError {
  const found = findEngineError(err);
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError(found?.code ?? 'internal', `${context}: ${message}`, {
    cause: err,
    ...(found?.subject ? { subject: found.subject } : {}),
    ...(found?.hint ? { hint: found.hint } : {}),
  });
}
