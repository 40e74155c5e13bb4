/**
 * The build cache through the CLI: what a rebuild reuses (CACHED in the plain output, the same image ID) and what
 * it redoes, when a file, a build argument or an instruction changes; proxy arguments; independent stages;
 * --no-cache, --no-cache-filter; sharing between tags; builder prune.
 */
import { readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunContainers, makeBuildEnv, stepOutcomes, writeContext, type BuildEnv } from './helpers.js';

describe.skipIf(!canRunContainers)('build cache', { timeout: 300_000 }, () => {
  let env: BuildEnv;
  const dirs: string[] = [];

  beforeAll(async () => {
    env = await makeBuildEnv();
  }, 180_000);

  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const leftovers = env.buildLeftovers();
    expect([...leftovers, ...(await env.dispose())]).toEqual([]);
  }, 180_000);

  const ctx = (files: Record<string, string>) => {
    const d = writeContext(files);
    dirs.push(d);
    return d;
  };

  /** Builds `dir` and returns the image ID and each step's outcome. */
  const build = async (dir: string, args: string[] = []) => {
    const iid = path.join(dir, '.iid');
    const r = await env.build(['--iidfile', iid, ...args, dir]);
    expect(r.code, r.stderr).toBe(0);
    const steps = stepOutcomes(r.stderr);
    const ran = [...steps].filter(([, o]) => o === 'ran').map(([n]) => n.replace(/^\[[^\]]*\] /, ''));
    const cached = [...steps].filter(([, o]) => o === 'cached').map(([n]) => n.replace(/^\[[^\]]*\] /, ''));
    return { id: readFileSync(iid, 'utf8'), ran, cached, stderr: r.stderr };
  };

  it.concurrent('reuses every step of an unchanged rebuild, under another tag too, with the same image ID', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nCOPY a.txt /a\nRUN cat /a > /b\nENV X=1\nCMD ["cat", "/b"]\n', 'a.txt': 'a\n' });
    const first = await build(d, ['-t', 'cache-full:1']);
    expect(first.ran).toEqual(['COPY a.txt /a', 'RUN cat /a > /b']);
    const again = await build(d, ['-t', 'cache-full:1']);
    expect(again.ran).toEqual([]);
    expect(again.cached).toEqual(['FROM docker.io/library/busybox:latest', 'COPY a.txt /a', 'RUN cat /a > /b']);
    expect(again.id).toBe(first.id);
    const other = await build(d, ['-t', 'cache-full:other']);
    expect(other.ran).toEqual([]);
    expect(other.id).toBe(first.id);
    // A new mtime alone changes nothing.
    utimesSync(path.join(d, 'a.txt'), new Date(2000, 1, 1), new Date(2000, 1, 1));
    expect((await build(d)).ran).toEqual([]);
  });

  it.concurrent('redoes the steps from a changed file on; an unrelated file beside a copied directory changes nothing', async () => {
    const d = ctx({
      Dockerfile: 'FROM busybox\nCOPY dir /dir\nRUN ls /dir > /list\nCOPY a.txt /a\nRUN cat /a > /b\n',
      'dir/one': '1',
      'a.txt': 'a\n',
    });
    await build(d);
    writeFileSync(path.join(d, 'unrelated.txt'), 'x');
    expect((await build(d)).ran).toEqual([]);
    writeFileSync(path.join(d, 'a.txt'), 'changed\n');
    const r = await build(d);
    expect(r.ran).toEqual(['COPY a.txt /a', 'RUN cat /a > /b']);
    expect(r.cached).toContain('COPY dir /dir');
    expect(r.cached).toContain('RUN ls /dir > /list');
    writeFileSync(path.join(d, 'dir/two'), '2');
    expect((await build(d)).ran).toEqual(['COPY dir /dir', 'RUN ls /dir > /list', 'COPY a.txt /a', 'RUN cat /a > /b']);
  });

  it.concurrent('treats a renamed wildcard match as a change', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nCOPY *.txt /w/\n', 'x.txt': 'x' });
    await build(d);
    expect((await build(d)).ran).toEqual([]);
    renameSync(path.join(d, 'x.txt'), path.join(d, 'y.txt'));
    expect((await build(d)).ran).toEqual(['COPY *.txt /w/']);
  });

  it.concurrent('redoes the first step using a changed build argument; undeclared proxy arguments change nothing', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nARG V=1\nRUN echo "$V" > /v\nRUN echo "$http_proxy" > /proxy\n' });
    const first = await build(d, ['-t', 'cache-arg', '--build-arg', 'http_proxy=http://one']);
    expect(first.ran).toEqual(['RUN echo "$V" > /v', 'RUN echo "$http_proxy" > /proxy']);
    const proxy = await build(d, ['-t', 'cache-arg', '--build-arg', 'http_proxy=http://two']);
    expect(proxy.ran).toEqual([]);
    expect(proxy.id).toBe(first.id);
    const hist = await env.configHistory('cache-arg');
    expect(hist.map((h) => h.created_by).join('\n')).not.toContain('http_proxy=');
    await env.withRootfs('cache-arg', (root) => {
      expect(readFileSync(path.join(root, 'proxy'), 'utf8')).toBe('http://one\n');
    });
    const changed = await build(d, ['--build-arg', 'V=2']);
    expect(changed.ran).toEqual(['RUN echo "$V" > /v', 'RUN echo "$http_proxy" > /proxy']);
  });

  it.concurrent('keeps RUN cached when only a LABEL before it changes, not when an ENV does', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nLABEL v=1\nENV E=1\nRUN echo "$E" > /e\n' });
    const first = await build(d);
    writeFileSync(path.join(d, 'Dockerfile'), 'FROM busybox\nLABEL v=2\nENV E=1\nRUN echo "$E" > /e\n');
    const label = await build(d);
    expect(label.ran).toEqual([]);
    expect(label.id).not.toBe(first.id);
    writeFileSync(path.join(d, 'Dockerfile'), 'FROM busybox\nLABEL v=2\nENV E=2\nRUN echo "$E" > /e\n');
    expect((await build(d)).ran).toEqual(['RUN echo "$E" > /e']);
  });

  it.concurrent('builds independent stages independently: a miss in one leaves the other cached', async () => {
    const d = ctx({
      Dockerfile: 'FROM busybox AS a\nRUN echo a > /a\nFROM busybox AS b\nCOPY b.txt /b\nFROM busybox\nCOPY --from=a /a /a\nCOPY --from=b /b /b\n',
      'b.txt': 'b',
    });
    await build(d);
    writeFileSync(path.join(d, 'b.txt'), 'b2');
    const r = await build(d);
    expect(r.cached).toContain('RUN echo a > /a');
    expect(r.cached).toContain('COPY --from=a /a /a');
    expect(r.ran).toEqual(['COPY b.txt /b', 'COPY --from=b /b /b']);
  });

  it.concurrent('--no-cache reruns everything; --no-cache-filter only the named stage', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox AS base\nRUN echo 1 > /one\nFROM base AS top\nRUN echo 2 > /two\n' });
    await build(d);
    const none = await build(d, ['--no-cache']);
    expect(none.ran).toEqual(['RUN echo 1 > /one', 'RUN echo 2 > /two']);
    const filtered = await build(d, ['--no-cache-filter', 'top']);
    expect(filtered.cached).toContain('RUN echo 1 > /one');
    expect(filtered.ran).toEqual(['RUN echo 2 > /two']);
  });

  it('builder prune -af removes the cache and reports the space', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nRUN --mount=type=cache,target=/c dd if=/dev/zero of=/big bs=1k count=300 && echo x > /c/x\n' });
    await build(d);
    const cached = await build(d);
    expect(cached.ran).toEqual([]);
    // The image holds its layers whatever the cache does: remove it so they can be reclaimed.
    expect((await env.run(['rmi', cached.id])).code).toBe(0);
    const r = await env.run(['builder', 'prune', '-af']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Total reclaimed space: \d+(\.\d+)?[kM]B$/m);
    expect((await build(d)).ran.length).toBe(1);
    const declined = await env.run(['builder', 'prune'], { input: 'n\n' });
    expect(declined.stdout).toContain('WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N]');
    expect(declined.stdout).not.toContain('Total reclaimed space');
  });
});
