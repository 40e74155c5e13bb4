/**
 * `--output`: where a build's result goes besides (or instead of) the image store, with BuildKit's exporter names:
 *
 *   type=image (default)            stored as an image under the `-t` names
 *   type=docker[,dest=FILE]         a docker-archive (also an OCI layout), what `docker load` reads; without
 *                                   `dest` the image is stored, as BuildKit's docker exporter loads it
 *   type=oci,dest=FILE              an OCI image layout tar
 *   type=tar,dest=FILE|-            the root filesystem as a tar
 *   type=local,dest=DIR             the root filesystem's files
 *   -o DIR / -o -                   type=local,dest=DIR / type=tar to standard output
 */
import { invalidArgument } from '../engine/errdefs.js';

/** One `--output`. */
export interface OutputSpec {
  type: 'image' | 'docker' | 'oci' | 'tar' | 'local';
  /** File, directory, or `-` (standard output); absent for `image` and a `docker` load. */
  dest?: string;
}

/** Parses `--output` values (CSV `key=value` fields, or a bare path). invalid-argument for bad ones. */
export function parseOutput(value: string): OutputSpec {
  if (!value.includes('=')) {
    if (value === '-') return { type: 'tar', dest: '-' };
    return { type: 'local', dest: value };
  }
  const fields = new Map<string, string>();
  for (const f of value.split(',')) {
    const i = f.indexOf('=');
    if (i < 0) throw invalidArgument(`invalid output "${value}": field "${f}" must be key=value`);
    fields.set(f.slice(0, i).trim().toLowerCase(), f.slice(i + 1).trim());
  }
  const type = fields.get('type');
  if (type === undefined) throw invalidArgument(`invalid output "${value}": type is required`);
  if (!['image', 'docker', 'oci', 'tar', 'local', 'registry'].includes(type)) {
    throw invalidArgument(`invalid output "${value}": unknown type "${type}" (supported: image, docker, oci, tar, local)`);
  }
  if (type === 'registry') throw invalidArgument('--output type=registry is not supported: build, then push the image');
  const dest = fields.get('dest');
  if ((type === 'oci' || type === 'tar' || type === 'local') && (dest === undefined || dest === '')) {
    throw invalidArgument(`invalid output "${value}": type=${type} needs dest=`);
  }
  return { type: type as OutputSpec['type'], ...(dest !== undefined && dest !== '' ? { dest } : {}) };
}

/** Whether the outputs store the image in the image store. */
export function storesImage(outputs: readonly OutputSpec[]): boolean {
  return outputs.length === 0 || outputs.some((o) => o.type === 'image' || (o.type === 'docker' && o.dest === undefined));
}

/** Whether the outputs need the root filesystem. */
export function needsRootfs(outputs: readonly OutputSpec[]): boolean {
  return outputs.some((o) => o.type === 'tar' || o.type === 'local');
}
