/**
 * The short syntax of service volumes, `[SOURCE:]TARGET[:OPTIONS]`, as compose-go's format.ParseVolume reads it:
 * a source starting with `.`, `/` or `~` is a bind mount (which creates the host path), another source is a named
 * volume, no source an anonymous volume; options `ro`, `rw`, `nocopy`, a propagation (`rprivate`, `private`,
 * `rshared`, `shared`, `rslave`, `slave`) and SELinux `z`/`Z` are understood and anything else is ignored;
 * colons inside `${...}` do not split.
 */
import { composeError } from './errors.js';
import type { RawMap } from './tree-path.js';

const PROPAGATIONS = new Set(['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);
const SELINUX = new Set(['z', 'Z']);

/** The raw long form of a volume short spec (`{type, source?, target, read_only?, bind?, volume?}`). */
export interface ParsedVolumeSpec {
  type: 'bind' | 'volume';
  source?: string;
  target: string;
  read_only?: boolean;
  bind?: { propagation?: string; selinux?: string; create_host_path?: boolean };
  volume?: { nocopy?: boolean };
}

function isFilePath(source: string): boolean {
  if (source === '') return false;
  const c = source[0];
  return c === '.' || c === '/' || c === '~' || source.startsWith('\\\\') || /^[a-zA-Z]:/.test(source);
}

/**
 * Parses a volume short spec.
 * @throws ComposeError `invalid spec: <spec>: too many colons` (or `empty section between colons`).
 */
export function parseVolumeSpec(spec: string): ParsedVolumeSpec {
  if (spec.length === 0) throw composeError('invalid empty volume spec');
  if (spec.length <= 2) return { type: 'volume', target: spec, volume: {} };
  let source: string | undefined;
  let target: string | undefined;
  let readOnly: boolean | undefined;
  let bind: ParsedVolumeSpec['bind'];
  let volume: ParsedVolumeSpec['volume'];
  let buffer = '';
  let depth = 0;
  const fail = (why: string): never => {
    throw composeError(`invalid spec: ${spec}: ${why}`);
  };
  const flush = (atEnd: boolean): void => {
    if (buffer.length === 0) fail('empty section between colons');
    if (source === undefined && atEnd) target = buffer;
    else if (source === undefined) source = buffer;
    else if (target === undefined) target = buffer;
    else if (!atEnd) fail('too many colons');
    else {
      for (const opt of buffer.split(',')) {
        if (opt === 'ro') readOnly = true;
        else if (opt === 'rw') readOnly = false;
        else if (opt === 'nocopy') volume = { nocopy: true };
        else if (PROPAGATIONS.has(opt)) bind = { ...bind, propagation: opt };
        else if (SELINUX.has(opt)) bind = { ...bind, selinux: opt };
        // unknown options are ignored, as compose-go does
      }
    }
    buffer = '';
  };
  for (let i = 0; i <= spec.length; i++) {
    const c = i < spec.length ? spec[i]! : '';
    if (c === '$' && spec[i + 1] === '{') {
      depth++;
      buffer += c;
      continue;
    }
    if (c === '}' && depth > 0) {
      depth--;
      buffer += c;
      continue;
    }
    // a Windows drive letter (`C:`) is not a separator
    if (c === ':' && buffer.length === 1 && /[a-zA-Z]/.test(buffer)) {
      buffer += c;
      continue;
    }
    if ((c === ':' || c === '') && depth === 0) flush(c === '');
    else buffer += c;
  }
  const out: ParsedVolumeSpec = { type: 'volume', target: target ?? '' };
  if (source !== undefined) out.source = source;
  if (readOnly !== undefined) out.read_only = readOnly;
  if (source !== undefined && isFilePath(source)) {
    out.type = 'bind';
    // the short syntax creates a missing host path, as docker-compose v1 did
    out.bind = { ...bind, create_host_path: true };
    if (volume !== undefined) out.volume = volume;
  } else {
    if (bind !== undefined) out.bind = bind;
    out.volume = volume ?? {};
  }
  return out;
}

/** The raw mapping for {@link parseVolumeSpec}'s result, as the canonical model holds it. */
export function volumeSpecToRaw(v: ParsedVolumeSpec): RawMap {
  const o: RawMap = { type: v.type };
  if (v.source !== undefined) o.source = v.source;
  o.target = v.target;
  if (v.read_only !== undefined) o.read_only = v.read_only;
  if (v.bind !== undefined) o.bind = { ...v.bind };
  if (v.volume !== undefined) o.volume = { ...v.volume };
  return o;
}
