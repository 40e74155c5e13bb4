/**
 * An image built by `nerdctl build` is an ordinary image: pushed to a registry (Debian's docker-registry on
 * 127.0.0.1) and pulled back into a fresh data root, it runs with the expected output; and a build in that fresh
 * data root that starts FROM it pulls it through FROM.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRegistryBinary, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeCtrEnv, type CtrEnv } from '../containers/helpers.js';
import { canRunContainers, makeBuildEnv, writeContext, type BuildEnv } from './helpers.js';

describe.skipIf(!canRunContainers || !hasRegistryBinary())('built images through a registry', { timeout: 300_000 }, () => {
  let registry: TestRegistry;
  let builder: BuildEnv;
  let fresh: CtrEnv;
  const dirs: string[] = [];

  beforeAll(async () => {
    [registry, builder, fresh] = await Promise.all([startRegistry(), makeBuildEnv(), makeCtrEnv({ image: false })]);
  }, 180_000);

  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const leaks = [...(await builder.dispose()), ...(await fresh.cleanup())];
    await registry.stop();
    expect(leaks).toEqual([]);
  }, 180_000);

  it('pushes a built image, pulls it into a fresh data root and runs it', async () => {
    const ref = `${registry.host}/built/app:v1`;
    const d = writeContext({
      Dockerfile: 'FROM busybox\nCOPY msg.txt /msg.txt\nRUN echo "built at step 3" >> /msg.txt\nENV WHO=registry\nCMD ["sh", "-c", "cat /msg.txt && echo \\"hello $WHO\\""]\n',
      'msg.txt': 'from the context\n',
    });
    dirs.push(d);
    const built = await builder.build(['-q', '-t', ref, d]);
    expect(built.code, built.stderr).toBe(0);
    const push = await builder.run(['push', ref]);
    expect(push.code, push.stderr).toBe(0);

    const pull = await fresh.run(['pull', ref]);
    expect(pull.code, pull.stderr).toBe(0);
    const id = (await fresh.ok(['image', 'inspect', '--format', '{{.Id}}', ref])).trim();
    expect(id).toBe(built.stdout.trim());
    const run = await fresh.run(['run', '--rm', '--network', 'none', ref]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('from the context\nbuilt at step 3\nhello registry\n');

    // FROM the registry image in a data root that has never seen busybox: pulled through FROM.
    const child = writeContext({ Dockerfile: `FROM ${ref}\nRUN echo child >> /msg.txt\n` });
    dirs.push(child);
    const other = await makeCtrEnv({ image: false });
    try {
      const b = await other.run(['build', '--progress', 'plain', '-t', 'child', child], { timeoutMs: 240_000 });
      expect(b.code, b.stderr).toBe(0);
      expect(b.stderr).toContain(`[internal] load metadata for ${ref}`);
      const out = await other.run(['run', '--rm', '--network', 'none', 'child', 'cat', '/msg.txt']);
      expect(out.stdout).toBe('from the context\nbuilt at step 3\nchild\n');

      // The tag moves in the registry: the local copy is used until --pull re-resolves it.
      const v2 = writeContext({ Dockerfile: 'FROM busybox\nRUN echo v2 > /msg.txt\n' });
      dirs.push(v2);
      expect((await builder.build(['-q', '-t', ref, v2])).code).toBe(0);
      expect((await builder.run(['push', ref])).code).toBe(0);
      const again = await other.run(['build', '-q', '-t', 'child', child], { timeoutMs: 240_000 });
      expect(again.code, again.stderr).toBe(0);
      expect((await other.run(['run', '--rm', '--network', 'none', 'child', 'cat', '/msg.txt'])).stdout).toBe('from the context\nbuilt at step 3\nchild\n');
      const pulled = await other.run(['build', '-q', '--pull', '-t', 'child', child], { timeoutMs: 240_000 });
      expect(pulled.code, pulled.stderr).toBe(0);
      expect((await other.run(['run', '--rm', '--network', 'none', 'child', 'cat', '/msg.txt'])).stdout).toBe('v2\nchild\n');
    } finally {
      expect(await other.cleanup()).toEqual([]);
    }
  });

  it('--cache-from an image built with inline cache metadata reuses its steps in a fresh data root', async () => {
    const ref = `${registry.host}/built/cached:v1`;
    const d = writeContext({ Dockerfile: 'FROM busybox\nCOPY a.txt /a\nRUN cat /a > /b\nENV E=1\nWORKDIR /w\n', 'a.txt': 'a\n' });
    dirs.push(d);
    const built = await builder.build(['-q', '--build-arg', 'BUILDKIT_INLINE_CACHE=1', '-t', ref, d]);
    expect(built.code, built.stderr).toBe(0);
    expect((await builder.run(['push', ref])).code).toBe(0);
    const other = await makeCtrEnv();
    try {
      const r = await other.run(['build', '--progress', 'plain', '--build-arg', 'BUILDKIT_INLINE_CACHE=1', '--cache-from', ref, '--iidfile', `${d}/iid`, d], {
        timeoutMs: 240_000,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/\[2\/4\] COPY a.txt \/a\n#\d+ CACHED/);
      expect(r.stderr).toMatch(/\[3\/4\] RUN cat \/a > \/b\n#\d+ CACHED/);
      expect(readFileSync(`${d}/iid`, 'utf8')).toBe(built.stdout.trim());
      // Without metadata: a warning, and the build goes on.
      const plain = await other.run(['build', '-q', '--cache-from', 'busybox', d], { timeoutMs: 240_000 });
      expect(plain.code, plain.stderr).toBe(0);
    } finally {
      expect(await other.cleanup()).toEqual([]);
    }
  });
});
