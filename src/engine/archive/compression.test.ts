import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { detectCompression, openDecompressed, toolMessage } from './compression.js';

async function drain(input: Buffer[]): Promise<{ compression: string; out: Buffer }> {
  const d = await openDecompressed((async function* () {
    yield* input;
  })());
  const parts: Buffer[] = [];
  for await (const c of d.chunks) parts.push(c);
  return { compression: d.compression, out: Buffer.concat(parts) };
}

/** Splits `b` into small chunks, so detection has to look across chunk boundaries. */
function chunks(b: Buffer, n = 3): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
  return out;
}

const payload = Buffer.from('layer bytes '.repeat(5000));

describe('detectCompression', () => {
  it.each([
    [[0x1f, 0x8b, 0x08, 0], 'gzip'],
    [[0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
    [[0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 'bzip2'],
    [[0x42, 0x5a, 0x68, 0x39, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 'bzip2'],
    [[...Buffer.from('BZhello.txt')], 'none'], // a plain tar whose first member is "BZhello.txt"
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz'],
    [[0x61, 0x62, 0x63], 'none'],
    [[], 'none'],
  ])('%j -> %s', (bytes, want) => {
    expect(detectCompression(Uint8Array.from(bytes))).toBe(want);
  });
});

describe('toolMessage', () => {
  it.each([
    ['bzip2: Data integrity error when decompressing.\n\tInput file = (stdin)\n\nIt is possible', 'data integrity error when decompressing'],
    ['xz: (stdin): Compressed data is corrupt\n', 'compressed data is corrupt'],
    ['/*stdin*\\ : Read error (39) : premature end \n', 'read error (39) : premature end'],
    ['', ''],
  ])('%j -> %j', (stderr, want) => {
    expect(toolMessage(stderr)).toBe(want);
  });
});

describe('openDecompressed', () => {
  it('passes plain data through', async () => {
    const r = await drain(chunks(payload.subarray(0, 100)));
    expect(r).toEqual({ compression: 'none', out: payload.subarray(0, 100) });
  });

  it('takes the input as plain when told not to detect', async () => {
    const gz = gzipSync(payload);
    const d = await openDecompressed((async function* () {
      yield gz;
    })(), { detect: false });
    const parts: Buffer[] = [];
    for await (const c of d.chunks) parts.push(c);
    expect(d.compression).toBe('none');
    expect(Buffer.concat(parts).equals(gz)).toBe(true);
  });

  it('handles empty input', async () => {
    expect(await drain([])).toEqual({ compression: 'none', out: Buffer.alloc(0) });
  });

  it('gunzips, also across tiny chunks', async () => {
    const r = await drain(chunks(gzipSync(payload), 2));
    expect(r.compression).toBe('gzip');
    expect(r.out.equals(payload)).toBe(true);
  });

  it('decompresses zstd made by the zstd tool', async () => {
    const z = execFileSync('zstd', ['-q', '-c'], { input: payload });
    const r = await drain([z]);
    expect(r.compression).toBe('zstd');
    expect(r.out.equals(payload)).toBe(true);
  });

  it('decompresses xz and bzip2 through their tools', async () => {
    for (const [tool, name] of [
      ['xz', 'xz'],
      ['bzip2', 'bzip2'],
    ] as const) {
      const z = execFileSync(tool, ['-c'], { input: payload });
      const r = await drain([z]);
      expect(r.compression).toBe(name);
      expect(r.out.equals(payload)).toBe(true);
    }
  });

  it('reports corrupt gzip as invalid-argument', async () => {
    const z = gzipSync(payload);
    z.fill(0x55, 20, 60);
    const err = await drain([z]).catch((e: unknown) => e);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    expect(String(err)).toMatch(/gzip: /);
  });

  it('reports truncated gzip and zstd as invalid-argument', async () => {
    const gz = gzipSync(payload);
    const zs = execFileSync('zstd', ['-q', '-c'], { input: payload });
    for (const [bytes, re] of [
      [gz.subarray(0, gz.length - 30), /gzip: unexpected end of file/],
      [zs.subarray(0, zs.length - 10), /zstd: /],
    ] as const) {
      const err = await drain([bytes]).catch((e: unknown) => e);
      expect(hasCode(err, 'invalid-argument')).toBe(true);
      expect(String(err)).toMatch(re);
    }
  });

  it('passes errors of the input itself through unchanged', async () => {
    const boom = new Error('connection reset');
    const d = await openDecompressed((async function* () {
      yield gzipSync(payload).subarray(0, 100);
      throw boom;
    })());
    const err = await (async () => {
      for await (const _ of d.chunks) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBe(boom);
  });
});
