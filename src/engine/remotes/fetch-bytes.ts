import { invalidArgument } from '../errdefs.js';
import type { OpContext } from '../op-context.js';
import type { Descriptor, Fetcher } from './types.js';

/**
 * Fetches small content (a manifest, an index, an image config) into memory, verified against `desc` like every
 * fetch. Refuses descriptors larger than `maxBytes` (default 8 MiB) before any I/O with invalid-argument.
 */
export async function fetchBytes(
  ctx: OpContext,
  fetcher: Fetcher,
  desc: Descriptor,
  maxBytes: number = 8 << 20,
): Promise<Buffer> {
  if (desc.size > maxBytes) {
    throw invalidArgument(`content ${desc.digest}: ${desc.size} bytes is more than the ${maxBytes} allowed for ${desc.mediaType}`);
  }
  const stream = await fetcher.fetch(ctx, desc);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
