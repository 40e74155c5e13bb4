/**
 * A separate process for the concurrency tests: writes one blob into a data root through the real stores, slowly,
 * and prints one JSON line per event (`opened`, then `done` or `error`). Bundled with esbuild by the test.
 * argv[2]: JSON { dataRoot, namespace, ref, size, chunk, delayMs, lease? } (the lease is created if missing and kept)
 */
import { createHash } from 'node:crypto';
import { openWriter } from '../../content/helpers.js';
import { createLocalStore } from '../../content/local-store.js';
import { findEngineError } from '../../errdefs.js';
import { nullLogger } from '../../log.js';
import { createContentStore } from '../content-store.js';
import { openMetadataDb } from '../db.js';
import { createLeaseManager } from '../leases.js';
import path from 'node:path';

interface Args {
  dataRoot: string;
  namespace: string;
  ref: string;
  size: number;
  chunk: number;
  delayMs: number;
  lease?: string;
}

/** Deterministic test data: byte i is i mod 251. */
function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = i % 251;
  return b;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as Args;
  const data = pattern(a.size);
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}` as const;
  const db = openMetadataDb({ dataRoot: a.dataRoot });
  const cs = createContentStore(db, { local: createLocalStore(path.join(a.dataRoot, 'content')) });
  const base = { namespace: a.namespace, signal: new AbortController().signal, log: nullLogger };
  const ctx = a.lease === undefined ? base : { ...base, lease: a.lease };
  const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
  try {
    if (a.lease !== undefined) {
      await createLeaseManager(db)
        .create(base, { id: a.lease, expiresInMs: 60_000 })
        .catch((err: unknown) => {
          if (findEngineError(err)?.code !== 'already-exists') throw err;
        });
    }
    const w = await openWriter(cs, ctx, { ref: a.ref, expected: digest, total: a.size }, { initialDelayMs: 10 });
    say({ event: 'opened', offset: w.offset });
    try {
      for (let off = w.offset; off < a.size; off += a.chunk) {
        await w.write(data.subarray(off, Math.min(off + a.chunk, a.size)));
        await new Promise((r) => setTimeout(r, a.delayMs));
      }
      await w.commit();
      say({ event: 'done', result: 'committed' });
    } finally {
      await w.close();
    }
  } catch (err) {
    const code = findEngineError(err)?.code;
    if (code === 'already-exists') say({ event: 'done', result: 'already-exists' });
    else say({ event: 'error', code, message: String(err) });
  } finally {
    db.close();
  }
}

void main();
