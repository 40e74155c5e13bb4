/** Small shared pieces for the registry client tests: an OpContext, blobs and manifests made from bytes. */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Digest } from '../../src/engine/digest.js';
import { nullLogger } from '../../src/engine/log.js';
import type { OpContext } from '../../src/engine/op-context.js';
import { MediaTypes, type Descriptor } from '../../src/engine/remotes/types.js';

export function opContext(signal: AbortSignal = new AbortController().signal): OpContext {
  return { namespace: 'default', signal, log: nullLogger };
}

export function sha256(data: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface Blob {
  readonly bytes: Buffer;
  readonly desc: Descriptor;
}

export function blobOf(bytes: Buffer, mediaType: string = MediaTypes.ociLayerGzip): Blob {
  return { bytes, desc: { mediaType, digest: sha256(bytes), size: bytes.length } };
}

export function randomBlob(size: number, mediaType?: string): Blob {
  return blobOf(randomBytes(size), mediaType);
}

/** An OCI image manifest over a config and layers, with its bytes. */
export function manifestOf(config: Blob, layers: readonly Blob[]): Blob {
  const json = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: config.desc,
    layers: layers.map((l) => l.desc),
  };
  return blobOf(Buffer.from(JSON.stringify(json)), MediaTypes.ociManifest);
}

/** A config blob (any JSON will do for the registry). */
export function configBlob(): Blob {
  const json = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: {}, n: randomBytes(4).toString('hex') };
  return blobOf(Buffer.from(JSON.stringify(json)), MediaTypes.ociConfig);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Reads a stream to its end and returns the error it failed with (or undefined when it ended cleanly). */
export async function streamError(stream: Readable): Promise<unknown> {
  try {
    await readAll(stream);
    return undefined;
  } catch (err) {
    return err;
  }
}
