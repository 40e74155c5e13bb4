import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testContext } from '../content/testsuite.js';
import { openStorage } from './storage.js';

// Two real processes (not two promises) ingesting the same blob: the cross-process locks in the metadata
// database are what is under test.

const here = path.dirname(fileURLToPath(import.meta.url));
const repoModules = path.resolve(here, '../../../node_modules');
let work: string;
let child: string;

interface Event {
  event: string;
  result?: string;
  offset?: number;
  code?: string;
  message?: string;
}

interface Running {
  events: Event[];
  opened: Promise<void>;
  exit: Promise<number | null>;
}

function start(args: object): Running {
  const p = spawn(process.execPath, [child, JSON.stringify(args)], {
    env: { ...process.env, NODE_PATH: repoModules },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Event[] = [];
  let onOpen: () => void = () => {};
  const opened = new Promise<void>((r) => (onOpen = r));
  createInterface({ input: p.stdout }).on('line', (l) => {
    const e = JSON.parse(l) as Event;
    events.push(e);
    onOpen(); // the first event, whatever it is, means the writer got past opening

  });
  const exit = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return { events, opened, exit };
}

// Buffers are compared with equals(): vitest's deep equality walks megabytes byte by byte.
function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = i % 251;
  return b;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'nerdctl-ingest-race-'));
  child = path.join(work, 'ingest-child.cjs');
  await build({
    entryPoints: [path.join(here, 'testdata', 'ingest-child.ts')],
    outfile: child,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    logLevel: 'error',
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('content ingest across processes', () => {
  const size = 256 * 1024;
  const hex = createHash('sha256').update(pattern(size)).digest('hex');

  it('lets two processes writing the same ref both succeed, one waiting for the other', async () => {
    const dataRoot = mkdtempSync(path.join(work, 'root-'));
    const args = { dataRoot, namespace: 'default', ref: 'layer-x', size, chunk: 8192, delayMs: 5 };
    const a = start(args);
    await a.opened; // a holds the lock now
    const b = start(args);
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
    const results = [...a.events, ...b.events].filter((e) => e.event !== 'opened');
    expect(results).toEqual([
      { event: 'done', result: 'committed' },
      { event: 'done', result: 'already-exists' },
    ]);
    expect(readFileSync(path.join(dataRoot, 'content', 'blobs', 'sha256', hex)).equals(pattern(size))).toBe(true);
    expect(readdirSync(path.join(dataRoot, 'content', 'ingest'))).toEqual([]);
  });

  it('lets two processes writing the same digest under different refs both succeed', async () => {
    const dataRoot = mkdtempSync(path.join(work, 'root-'));
    const common = { dataRoot, namespace: 'default', size, chunk: 8192, delayMs: 2 };
    const a = start({ ...common, ref: 'ref-a' });
    const b = start({ ...common, ref: 'ref-b' });
    await Promise.all([a.opened, b.opened]);
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
    const results = [...a.events, ...b.events].filter((e) => e.event !== 'opened').map((e) => e.result);
    expect(results.sort()).toEqual(['already-exists', 'committed']);
    expect(readFileSync(path.join(dataRoot, 'content', 'blobs', 'sha256', hex)).equals(pattern(size))).toBe(true);
  });

  it('resumes in a new process what a killed process left', async () => {
    const dataRoot = mkdtempSync(path.join(work, 'root-'));
    // Big enough that the writer has flushed some of its 256 KiB staging buffer before the kill.
    const big = 2 << 20;
    const args = { dataRoot, namespace: 'default', ref: 'layer-y', size: big, chunk: 32 * 1024, delayMs: 20 };
    const p = spawn(process.execPath, [child, JSON.stringify(args)], {
      env: { ...process.env, NODE_PATH: repoModules },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Kill it part-way (the whole write takes about 1.3 s).
    await new Promise<void>((r) => p.stdout.once('data', () => setTimeout(r, 500)));
    p.kill('SIGKILL');
    await new Promise((r) => p.on('exit', r));
    const b = start({ ...args, delayMs: 0 });
    expect(await b.exit).toBe(0);
    const opened = b.events.find((e) => e.event === 'opened');
    expect(opened?.offset).toBeGreaterThan(0);
    expect(opened?.offset).toBeLessThan(big);
    expect(b.events.at(-1)).toEqual({ event: 'done', result: 'committed' });
    const bigHex = createHash('sha256').update(pattern(big)).digest('hex');
    expect(readFileSync(path.join(dataRoot, 'content', 'blobs', 'sha256', bigHex)).equals(pattern(big))).toBe(true);
  });

  it('keeps a leased download in another process intact while collections run', async () => {
    const dataRoot = mkdtempSync(path.join(work, 'root-'));
    const st = openStorage({ dataRoot, syncBlobs: false });
    try {
      const args = { dataRoot, namespace: 'default', ref: 'layer-z', size, chunk: 8192, delayMs: 3, lease: 'pull-z' };
      const a = start(args);
      let exited = false;
      const exit = a.exit.then((c) => {
        exited = true;
        return c;
      });
      await a.opened;
      let runs = 0;
      while (!exited) {
        await st.gc.collect();
        runs++;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await exit).toBe(0);
      expect(runs).toBeGreaterThan(1);
      expect(a.events.at(-1)).toEqual({ event: 'done', result: 'committed' });
      await st.gc.collect();
      const info = await st.content.info(testContext(), `sha256:${hex}`);
      expect(info.size).toBe(size);
      expect(readFileSync(path.join(dataRoot, 'content', 'blobs', 'sha256', hex)).equals(pattern(size))).toBe(true);
    } finally {
      st.close();
    }
  });
});
