/**
 * Throughput of layer extraction and archiving, side by side with GNU tar (not a test; run as root):
 *
 *   npx vite-node test/archive/measure-throughput.ts [runs=5] [dir=/var/tmp]
 *
 * Builds a ~100 MB tree of ~10k files (95% small, 5% up to 2 MB, 40% incompressible), packs it with GNU tar,
 * compresses it with gzip -6 and zstd -3, then alternates GNU tar and our code on each input, each run into
 * a fresh directory on the same filesystem, and prints medians. Wall times on a shared machine are noisy;
 * the CPU times of our process are printed too.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { applyLayer, writeTree } from '../../src/engine/archive/index.js';
import { TarReader } from '../../src/engine/archive/tar-reader.js';

const runs = Number(process.argv[2] ?? 5);
const base = mkdtempSync(`${process.argv[3] ?? '/var/tmp'}/archive-throughput-`);

function makeTree(root: string): { files: number; bytes: number } {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const words = Array.from({ length: 2000 }, (_, i) => (i * 2654435761).toString(36).slice(0, 3 + (i % 9)));
  const dirs = [root];
  mkdirSync(root);
  for (let d = 0; d < 800; d++) {
    const p = `${dirs[Math.floor(rnd() * dirs.length)]}/d${d}`;
    mkdirSync(p);
    dirs.push(p);
  }
  let bytes = 0;
  let files = 0;
  while (bytes < 100e6) {
    const dir = dirs[Math.floor(rnd() * dirs.length)]!;
    const size = Math.floor(rnd() < 0.95 ? Math.exp(rnd() * Math.log(30000)) : Math.exp(rnd() * Math.log(2e6)));
    if (rnd() < 0.4) {
      const b = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i++) b[i] = (rnd() * 256) | 0;
      writeFileSync(`${dir}/f${files}`, b);
    } else {
      let s = '';
      while (s.length < size) s += words[Math.floor(rnd() * words.length)] + ' ';
      writeFileSync(`${dir}/f${files}.txt`, s.slice(0, size));
    }
    if (rnd() < 0.05) symlinkSync(`f${files}`, `${dir}/l${files}`);
    bytes += size;
    files++;
  }
  return { files, bytes };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt(fn: () => Promise<unknown> | unknown): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

async function main(): Promise<void> {
  const src = `${base}/src`;
  const tree = makeTree(src);
  execFileSync('tar', ['--numeric-owner', '--format=pax', '-cf', `${base}/layer.tar`, '-C', src, '.']);
  execFileSync('sh', ['-c', `gzip -6 -c ${base}/layer.tar > ${base}/layer.tar.gz && zstd -3 -q -c ${base}/layer.tar > ${base}/layer.tar.zst`]);
  const tarSize = Number(execFileSync('stat', ['-c', '%s', `${base}/layer.tar`], { encoding: 'utf8' }));
  console.log(`tree: ${tree.files} files, ${(tree.bytes / 1e6).toFixed(0)} MB of data, tar ${(tarSize / 1e6).toFixed(0)} MB`);

  // Parse only, from memory: our reader against tar-stream.
  const whole = readFileSync(`${base}/layer.tar`);
  const chunks: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 256 * 1024) chunks.push(whole.subarray(i, i + 256 * 1024));
  const parseOurs: number[] = [];
  const parseTs: number[] = [];
  for (let i = 0; i < runs; i++) {
    parseOurs.push((await timeIt(() => {
      const r = new TarReader({ entry() {}, data() {}, end() {} });
      for (const c of chunks) void r.write(c);
      r.finish();
    })).wall);
    parseTs.push((await timeIt(async () => {
      const ex = tar.extract();
      const done = (async () => {
        for await (const e of ex) e.resume();
      })();
      Readable.from(chunks).pipe(ex as unknown as NodeJS.WritableStream);
      await done;
    })).wall);
  }
  console.log(`parse only: ours ${median(parseOurs).toFixed(0)} ms, tar-stream ${median(parseTs).toFixed(0)} ms`);

  let n = 0;
  for (const [label, file, gnuFlag] of [
    ['plain', 'layer.tar', ''],
    ['gzip', 'layer.tar.gz', '-z'],
    ['zstd', 'layer.tar.zst', '--zstd'],
  ] as const) {
    const gnu: number[] = [];
    const ours: number[] = [];
    const oursCpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const g = `${base}/g${n++}`;
      mkdirSync(g);
      execFileSync('sync');
      gnu.push((await timeIt(() => execFileSync('tar', ['-x', ...(gnuFlag ? [gnuFlag] : []), '-f', `${base}/${file}`, '-C', g]))).wall);
      const o = `${base}/o${n++}`;
      mkdirSync(o);
      execFileSync('sync');
      const t = await timeIt(() => applyLayer(createReadStream(`${base}/${file}`, { highWaterMark: 1 << 20 }), o, { whiteoutMode: 'overlay' }));
      ours.push(t.wall);
      oursCpu.push(t.cpu);
      rmSync(g, { recursive: true, force: true });
      rmSync(o, { recursive: true, force: true });
    }
    const mb = tarSize / 1e6;
    console.log(
      `apply ${label}: ours ${median(ours).toFixed(0)} ms (${(mb / (median(ours) / 1000)).toFixed(0)} MB/s, ` +
        `${(tree.files / (median(ours) / 1000)).toFixed(0)} files/s, cpu ${median(oursCpu).toFixed(0)} ms), ` +
        `GNU tar ${median(gnu).toFixed(0)} ms`,
    );
  }

  const wt: number[] = [];
  const gt: number[] = [];
  for (let i = 0; i < runs; i++) {
    const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
    wt.push((await timeIt(() => writeTree(src, sink()))).wall);
    // Through cat: GNU tar skips reading file data when its output is /dev/null.
    gt.push((await timeIt(() => execFileSync('sh', ['-c', `tar -cf - -C ${src} . | cat > /dev/null`]))).wall);
  }
  console.log(`writeTree (no compression): ours ${median(wt).toFixed(0)} ms, GNU tar ${median(gt).toFixed(0)} ms`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(base, { recursive: true, force: true }));
