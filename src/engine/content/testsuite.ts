/**
 * The conformance suite every {@link ContentStore} implementation runs (containerd's content/testsuite): each
 * implementation's test calls `contentStoreSuite(name, factory)`. Tests use only the public interface.
 */
import { Buffer } from 'node:buffer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Digest, type Digest } from '../digest.js';
import { findEngineError, type ErrorCode } from '../errdefs.js';
import { nullLogger } from '../log.js';
import type { OpContext } from '../op-context.js';
import { openWriter, readBlob, writeBlob } from './helpers.js';
import type { ContentStore, Info } from './types.js';

/** What a factory gives the suite: a fresh, empty store and a way to dispose of it. */
export interface ContentSuiteHarness {
  store: ContentStore;
  cleanup(): Promise<void>;
}

/** An OpContext for tests. */
export function testContext(namespace = 'default', lease?: string): OpContext {
  return { namespace, signal: new AbortController().signal, log: nullLogger, ...(lease ? { lease } : {}) };
}

/** The error code `p` rejects with, or 'resolved'. */
export async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'resolved' | 'unclassified'> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return findEngineError(err)?.code ?? 'unclassified';
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function streamToBuffer(s: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

/** Registers the content store conformance tests under `describe(name)`. */
export function contentStoreSuite(name: string, factory: () => Promise<ContentSuiteHarness>): void {
  describe(`content store conformance: ${name}`, () => {
    let h: ContentSuiteHarness;
    let cs: ContentStore;
    const ctx = testContext();
    const data = Buffer.from('hello, content store\n'.repeat(1000));
    const dgst = sha256Digest(data);

    beforeEach(async () => {
      h = await factory();
      cs = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('commits a blob and reads it back whole, at offsets and as a range stream', async () => {
      const w = await cs.writer(ctx, { ref: 'r1', expected: dgst, total: data.length });
      expect(w.offset).toBe(0);
      await w.write(data.subarray(0, 100));
      await w.write(data.subarray(100));
      expect(w.digest()).toBe(dgst);
      await w.commit(data.length, dgst, { labels: { a: '1' } });
      await w.close();

      const info = await cs.info(ctx, dgst);
      expect(info).toMatchObject({ digest: dgst, size: data.length, labels: { a: '1' } });
      expect(info.createdAt).toBeInstanceOf(Date);
      expect((await readBlob(cs, ctx, { digest: dgst })).equals(data)).toBe(true);

      const r = await cs.readerAt(ctx, { digest: dgst, size: data.length });
      expect(r.size).toBe(data.length);
      const buf = Buffer.alloc(10);
      expect(await r.readAt(buf, 5)).toBe(10);
      expect(buf).toEqual(data.subarray(5, 15));
      expect(await r.readAt(Buffer.alloc(10), data.length - 4)).toBe(4);
      await r.close();

      const s = await cs.createReadStream(ctx, { digest: dgst }, { start: 3, end: 9 });
      expect((await streamToBuffer(s)).equals(data.subarray(3, 10))).toBe(true);
      expect((await collect(cs.walk(ctx))).map((i) => i.digest)).toEqual([dgst]);
      expect(await cs.listStatuses(ctx)).toEqual([]);
    });

    it('commits an empty blob', async () => {
      const empty = sha256Digest('');
      const w = await cs.writer(ctx, { ref: 'empty' });
      await w.commit(0, empty);
      expect((await cs.info(ctx, empty)).size).toBe(0);
      expect((await readBlob(cs, ctx, { digest: empty })).length).toBe(0);
    });

    it('rejects a digest mismatch and leaves nothing committed', async () => {
      const wrong = sha256Digest('something else');
      const w = await cs.writer(ctx, { ref: 'bad', expected: wrong });
      await w.write(data);
      expect(await codeOf(w.commit(data.length))).toBe('failed-precondition');
      await w.close();
      expect(await codeOf(cs.info(ctx, wrong))).toBe('not-found');
      expect(await codeOf(cs.info(ctx, dgst))).toBe('not-found');
      expect(await codeOf(cs.readerAt(ctx, { digest: dgst }))).toBe('not-found');
      expect(await collect(cs.walk(ctx))).toEqual([]);
      // The bad bytes are gone: the next attempt starts from zero.
      const again = await cs.writer(ctx, { ref: 'bad', expected: wrong });
      expect(again.offset).toBe(0);
      await again.close();
    });

    it('rejects a short commit but keeps the bytes for resuming', async () => {
      const w = await cs.writer(ctx, { ref: 'short', expected: dgst, total: data.length });
      await w.write(data.subarray(0, 1000));
      expect(await codeOf(w.commit())).toBe('failed-precondition');
      await w.close();
      const again = await cs.writer(ctx, { ref: 'short', expected: dgst, total: data.length });
      expect(again.offset).toBe(1000);
      await again.close();
      expect(await codeOf(cs.info(ctx, dgst))).toBe('not-found');
    });

    it('rejects too many bytes for the expected size and discards them', async () => {
      const w = await cs.writer(ctx, { ref: 'long', total: 10 });
      await w.write(data.subarray(0, 11));
      expect(await codeOf(w.commit())).toBe('failed-precondition');
      await w.close();
      const again = await cs.writer(ctx, { ref: 'long', total: 10 });
      expect(again.offset).toBe(0);
      await again.close();
    });

    it('resumes an ingest after a partial write and commits the right digest', async () => {
      const w1 = await cs.writer(ctx, { ref: 'resume', expected: dgst, total: data.length });
      await w1.write(data.subarray(0, 5000));
      await w1.close();

      const st = await cs.status(ctx, 'resume');
      expect(st).toMatchObject({ ref: 'resume', offset: 5000, total: data.length, expected: dgst, active: false });

      const w2 = await cs.writer(ctx, { ref: 'resume', expected: dgst, total: data.length });
      expect(w2.offset).toBe(5000);
      await w2.write(data.subarray(5000));
      expect(w2.digest()).toBe(dgst);
      await w2.commit();
      await w2.close();
      expect((await readBlob(cs, ctx, { digest: dgst })).equals(data)).toBe(true);
      expect(await codeOf(cs.status(ctx, 'resume'))).toBe('not-found');
    });

    it('starts over when an ingest is reopened with a different expected digest', async () => {
      const w1 = await cs.writer(ctx, { ref: 'switch', expected: sha256Digest('x') });
      await w1.write(Buffer.from('abc'));
      await w1.close();
      const w2 = await cs.writer(ctx, { ref: 'switch', expected: dgst });
      expect(w2.offset).toBe(0);
      await w2.close();
    });

    it('locks a ref to one writer at a time', async () => {
      const w1 = await cs.writer(ctx, { ref: 'locked' });
      expect(await codeOf(cs.writer(ctx, { ref: 'locked' }))).toBe('unavailable');
      expect((await cs.status(ctx, 'locked')).active).toBe(true);
      expect(await codeOf(cs.abort(ctx, 'locked'))).toBe('unavailable');
      await w1.close();
      const w2 = await cs.writer(ctx, { ref: 'locked' });
      await w2.close();
    });

    it('lets a waiting writer finish with already-exists once the holder commits', async () => {
      const w1 = await cs.writer(ctx, { ref: 'shared', expected: dgst });
      const waiting = codeOf(openWriter(cs, ctx, { ref: 'shared', expected: dgst }, { initialDelayMs: 5 }));
      await w1.write(data);
      await w1.commit();
      await w1.close();
      expect(await waiting).toBe('already-exists');
    });

    it('reports already-exists for a writer of a committed digest', async () => {
      await writeBlob(cs, ctx, data, { digest: dgst, size: data.length });
      expect(await codeOf(cs.writer(ctx, { ref: 'again', expected: dgst }))).toBe('already-exists');
    });

    it('treats two refs committing the same digest as success for both', async () => {
      const a = await cs.writer(ctx, { ref: 'a', expected: dgst });
      const b = await cs.writer(ctx, { ref: 'b', expected: dgst });
      await a.write(data);
      await b.write(data);
      await a.commit();
      expect(await codeOf(b.commit())).toBe('already-exists');
      await a.close();
      await b.close();
      expect((await readBlob(cs, ctx, { digest: dgst })).equals(data)).toBe(true);
      expect(await cs.listStatuses(ctx)).toEqual([]);
    });

    it('truncates to restart a download', async () => {
      const w = await cs.writer(ctx, { ref: 'trunc' });
      await w.write(Buffer.from('garbage'));
      await w.truncate(0);
      expect(w.offset).toBe(0);
      await w.write(data);
      await w.commit(data.length, dgst);
      expect((await cs.info(ctx, dgst)).size).toBe(data.length);
    });

    it('lists and aborts ingests', async () => {
      const w = await cs.writer(ctx, { ref: 'one', total: 100 });
      await w.write(Buffer.alloc(40));
      await w.close();
      const w2 = await cs.writer(ctx, { ref: 'two' });
      await w2.close();
      const statuses = await cs.listStatuses(ctx);
      expect(statuses.map((s) => [s.ref, s.offset, s.total])).toEqual([
        ['one', 40, 100],
        ['two', 0, undefined],
      ]);
      expect(await cs.listStatuses(ctx, (s) => s.offset > 0)).toHaveLength(1);
      await cs.abort(ctx, 'one');
      expect(await codeOf(cs.status(ctx, 'one'))).toBe('not-found');
      expect(await codeOf(cs.abort(ctx, 'one'))).toBe('not-found');
      const again = await cs.writer(ctx, { ref: 'one', total: 100 });
      expect(again.offset).toBe(0);
      await again.close();
    });

    it('updates labels by field path and filters walks', async () => {
      const other = Buffer.from('other');
      await writeBlob(cs, ctx, data, { digest: dgst }, { labels: { a: '1', b: '2' } });
      await writeBlob(cs, ctx, other, { digest: sha256Digest(other) });
      let info: Info = await cs.update(ctx, { digest: dgst, labels: { c: '3' } }, ['labels.c']);
      expect(info.labels).toEqual({ a: '1', b: '2', c: '3' });
      info = await cs.update(ctx, { digest: dgst, labels: {} }, ['labels.a']);
      expect(info.labels).toEqual({ b: '2', c: '3' });
      info = await cs.update(ctx, { digest: dgst, labels: { z: '9' } });
      expect(info.labels).toEqual({ z: '9' });
      expect((await collect(cs.walk(ctx, (i) => i.labels.z === '9'))).map((i) => i.digest)).toEqual([dgst]);
      expect(await codeOf(cs.update(ctx, { digest: sha256Digest('none'), labels: {} }))).toBe('not-found');
    });

    it('deletes a blob', async () => {
      await writeBlob(cs, ctx, data, { digest: dgst });
      await cs.delete(ctx, dgst);
      expect(await codeOf(cs.info(ctx, dgst))).toBe('not-found');
      expect(await codeOf(cs.createReadStream(ctx, { digest: dgst }))).toBe('not-found');
      expect(await codeOf(cs.delete(ctx, dgst))).toBe('not-found');
      // It can be written again afterwards.
      expect(await writeBlob(cs, ctx, data, { digest: dgst })).toBe(dgst);
      expect((await readBlob(cs, ctx, { digest: dgst })).equals(data)).toBe(true);
    });

    it('resumes through writeBlob by skipping what the ingest already holds', async () => {
      const w = await cs.writer(ctx, { ref: `blob-${dgst}`, expected: dgst });
      await w.write(data.subarray(0, 777));
      await w.close();
      async function* chunks() {
        for (let i = 0; i < data.length; i += 300) yield data.subarray(i, i + 300);
      }
      expect(await writeBlob(cs, ctx, chunks(), { digest: dgst, size: data.length })).toBe(dgst);
      expect((await readBlob(cs, ctx, { digest: dgst })).equals(data)).toBe(true);
    });

    it('classifies bad input', async () => {
      expect(await codeOf(cs.info(ctx, 'sha256:nothex' as Digest))).toBe('invalid-argument');
      expect(await codeOf(cs.writer(ctx, { ref: '' }))).toBe('invalid-argument');
      expect(await codeOf(cs.writer(ctx, { ref: 'x', total: -1 }))).toBe('invalid-argument');
      await writeBlob(cs, ctx, data, { digest: dgst });
      expect(await codeOf(cs.readerAt(ctx, { digest: dgst, size: 1 }))).toBe('failed-precondition');
      const w = await cs.writer(ctx, { ref: 'lbl' });
      expect(await codeOf(w.commit(undefined, undefined, { labels: { '': 'x' } }))).toBe('invalid-argument');
      await w.close();
    });
  });
}
