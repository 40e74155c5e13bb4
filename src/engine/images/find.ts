/**
 * Finding local images from what a user typed, by Docker's rules (daemon `GetImage`): a full ID
 * (`sha256:<64 hex>` or 64 hex), then a name (`busybox` -> `docker.io/library/busybox:latest`, `repo@sha256:...`
 * by the digest the registry knows), then an abbreviated ID.
 */
import { isDigest, type Digest } from '../digest.js';
import { invalidArgument, notFound } from '../errdefs.js';
import { formatReference, parseReferenceRaw, repositoryName, DEFAULT_TAG, type Reference } from '../reference.js';
import { isDanglingName } from './names.js';
import type { ImageRecord, ImageStore } from './store.js';

export { imageKey } from './names.js';

/** Records sharing `first`'s image, `first` first, named ones before the dangling one. */
function withSiblings(store: ImageStore, ns: string, first: ImageRecord): ImageRecord[] {
  const others = first.summary.id !== undefined ? store.byId(ns, first.summary.id) : store.byTarget(ns, first.target.digest);
  const rest = others.filter((r) => r.name !== first.name);
  rest.sort((a, b) => Number(isDanglingName(a.name)) - Number(isDanglingName(b.name)) || a.name.localeCompare(b.name));
  return [first, ...rest];
}

function sortRecords(rs: ImageRecord[]): ImageRecord[] {
  return rs.sort((a, b) => Number(isDanglingName(a.name)) - Number(isDanglingName(b.name)) || a.name.localeCompare(b.name));
}

/** Parses `ref` as a name, or undefined when it is not one. Malformed names are invalid-argument. */
function parseName(ref: string): Reference | undefined {
  try {
    return parseReferenceRaw(ref);
  } catch (err) {
    // A short hex ID with uppercase or other shapes Docker would still try as an ID: only hex is an ID.
    if (/^[a-f0-9]+$/.test(ref)) return undefined;
    throw err;
  }
}

/**
 * Every record of the image `ref` names, the record matched by name first (or, when matched by ID, named records
 * before the dangling one). not-found (`No such image: <ref>`) when nothing matches; invalid-argument for a
 * malformed reference or an ambiguous short ID.
 */
export function findImages(store: ImageStore, ns: string, ref: string): ImageRecord[] {
  return findImage(store, ns, ref).records;
}

/** What {@link findImage} found: the records, and whether `ref` named them (a tag or digest) or gave an ID. */
export interface FoundImage {
  readonly records: ImageRecord[];
  readonly byName: boolean;
}

/** {@link findImages}, also telling whether the match was by name. */
export function findImage(store: ImageStore, ns: string, ref: string): FoundImage {
  const byId = (records: ImageRecord[]): FoundImage => ({ records, byName: false });
  const byName = (records: ImageRecord[]): FoundImage => ({ records, byName: true });
  const raw = ref.trim();
  if (raw === '') throw invalidArgument('image reference must not be empty');
  const full = /^[a-f0-9]{64}$/.test(raw) ? `sha256:${raw}` : raw;
  if (isDigest(full)) {
    const ids = store.byId(ns, full as Digest);
    if (ids.length > 0) return byId(sortRecords(ids));
    const targets = store.byTarget(ns, full as Digest);
    if (targets.length > 0) return byId(sortRecords(targets));
    throw notFound({ kind: 'image', ref });
  }
  const name = parseName(raw);
  if (name !== undefined) {
    if (name.digest !== undefined) {
      const exact = store.get(ns, formatReference(name));
      if (exact !== undefined) return byName(withSiblings(store, ns, exact));
      const repo = repositoryName(name);
      const hit = store
        .list(ns)
        .find((r) => {
          if (isDanglingName(r.name)) return false;
          let rr: Reference;
          try {
            rr = parseReferenceRaw(r.name);
          } catch {
            return false;
          }
          return repositoryName(rr) === repo && (r.repoDigest === name.digest || r.target.digest === name.digest);
        });
      if (hit !== undefined) return byName(withSiblings(store, ns, hit));
    } else {
      const normal = formatReference({ ...name, tag: name.tag ?? DEFAULT_TAG });
      const rec = store.get(ns, normal);
      if (rec !== undefined) return byName(withSiblings(store, ns, rec));
    }
  }
  const hex = raw.startsWith('sha256:') ? raw.slice(7) : raw;
  if (/^[a-f0-9]{1,64}$/.test(hex)) {
    const hits = store.byIdPrefix(ns, hex);
    const ids = new Set(hits.map((r) => r.summary.id));
    if (ids.size > 1) throw invalidArgument(`image ID "${raw}" is ambiguous: it starts ${ids.size} images`);
    if (hits.length > 0) return byId(sortRecords(hits));
  }
  throw notFound({ kind: 'image', ref });
}
