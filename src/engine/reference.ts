import { isDigest, type Digest } from './digest.js';
import { invalidArgument } from './errdefs.js';

/**
 * Image references as Docker reads them (distribution's reference grammar):
 *
 *   [domain[:port]/]path[:tag][@digest]
 *
 * A short name is normalised the way Docker does: `nginx` -> `docker.io/library/nginx:latest`,
 * `me/app` -> `docker.io/me/app:latest`. The first path component is a domain only when it contains a `.` or
 * a `:`, or is `localhost`. Repository paths must be lowercase.
 */
export interface Reference {
  /** Registry host as written, normalised (`docker.io` for Docker Hub). */
  readonly domain: string;
  /** Repository path inside the registry (`library/nginx`). */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const domainComponent = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const tagRe = /^[\w][\w.-]{0,127}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

function invalid(ref: string, why = 'invalid reference format'): never {
  throw invalidArgument(ref === '' ? why : `${why}: "${ref}"`, { subject: { kind: 'image', ref } });
}

function isDomain(s: string): boolean {
  if (s === 'localhost') return true;
  if (!s.includes('.') && !s.includes(':')) return false;
  // IPv6 literal with optional port: [::1]:5000
  if (s.startsWith('[')) return /^\[[0-9a-fA-F:.]+\](?::\d+)?$/.test(s);
  const [host, port, ...rest] = s.split(':');
  if (rest.length > 0 || host === undefined) return false;
  if (port !== undefined && !/^\d+$/.test(port)) return false;
  return host.split('.').every((c) => domainComponent.test(c));
}

/**
 * Parses `ref` and fills in Docker's defaults (domain, `library/`, tag `latest` when there is neither tag nor
 * digest). Throws invalid-argument with Docker's wording for malformed input.
 */
export function parseReference(ref: string): Reference {
  const parsed = parseReferenceRaw(ref);
  if (parsed.tag === undefined && parsed.digest === undefined) return { ...parsed, tag: DEFAULT_TAG };
  return parsed;
}

/** Like {@link parseReference} but without adding the default tag. */
export function parseReferenceRaw(ref: string): Reference {
  if (ref === '') invalid(ref);
  let rest = ref;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) invalid(ref);
    digest = d as Digest;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!tagRe.test(tag)) invalid(ref);
  }
  if (rest === '') invalid(ref);
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const firstSlash = rest.indexOf('/');
  if (firstSlash > 0 && isDomain(rest.slice(0, firstSlash))) {
    domain = rest.slice(0, firstSlash);
    path = rest.slice(firstSlash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (path === '' || path.endsWith('/')) invalid(ref);
  const components = path.split('/');
  for (const c of components) {
    if (!pathComponent.test(c)) {
      if (c.toLowerCase() !== c && pathComponent.test(c.toLowerCase())) {
        invalid(ref, 'invalid reference format: repository name must be lowercase');
      }
      invalid(ref);
    }
  }
  if (domain === DEFAULT_DOMAIN && components.length === 1) path = OFFICIAL_PREFIX + path;
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) {
    invalid(ref, `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `domain/path` without tag or digest. */
export function repositoryName(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** The full normalised string: `docker.io/library/nginx:latest`, `host/repo@sha256:...`, or both. */
export function formatReference(r: Reference): string {
  return `${repositoryName(r)}${r.tag !== undefined ? ':' + r.tag : ''}${r.digest !== undefined ? '@' + r.digest : ''}`;
}

/** The repository name as Docker shows it: `nginx` for `docker.io/library/nginx`, `me/app` for Hub users. */
export function familiarRepository(r: Reference): string {
  if (r.domain !== DEFAULT_DOMAIN) return repositoryName(r);
  return r.path.startsWith(OFFICIAL_PREFIX) ? r.path.slice(OFFICIAL_PREFIX.length) : r.path;
}

/** The whole reference as Docker shows it: `nginx:latest`, `localhost:5000/app:v1`. */
export function familiarString(r: Reference): string {
  return `${familiarRepository(r)}${r.tag !== undefined ? ':' + r.tag : ''}${r.digest !== undefined ? '@' + r.digest : ''}`;
}

/** Normalises what the user typed into the stored image name (`nginx` -> `docker.io/library/nginx:latest`). */
export function normalizeImageName(ref: string): string {
  return formatReference(parseReference(ref));
}

/** The registry host to talk to for `r` (`docker.io` is served by `registry-1.docker.io`). */
export function registryHost(r: Reference): string {
  return r.domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : r.domain;
}

/** True when `s` looks like a (possibly abbreviated) hex ID rather than a name. */
export function looksLikeId(s: string): boolean {
  return /^(sha256:)?[a-f0-9]{1,64}$/.test(s);
}
