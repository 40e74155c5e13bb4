/**
 * `events` through the built CLI: events recorded by other commands (network and image ones here; container ones
 * are covered with the container commands), replay with --since/--until, following another process's actions,
 * filters, formats and namespace isolation.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestEnv, isRoot, runBinary, type TestEnv } from '../helpers/cli.js';

const canRun = isRoot() && existsSync('/usr/lib/cni/bridge') && existsSync('/usr/bin/busybox');

/** A tiny rootfs tarball (static busybox) for `import`. */
function rootfsTar(dir: string): string {
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  execFileSync('cp', ['/usr/bin/busybox', join(root, 'bin', 'busybox')]);
  const tar = join(dir, 'rootfs.tar');
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}

interface EventJson {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: string;
  time: number;
  timeNano: number;
}

/**
 * An --until that covers everything recorded so far: the next whole second (`0s` means now truncated to the second,
 * as in Docker, which would leave out events of the current second). The command waits for it, under a second.
 */
const nextSecond = (): string => String(Math.floor(Date.now() / 1000) + 1);

const parseLines = (out: string): EventJson[] =>
  out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EventJson);

describe.skipIf(!canRun)('events', () => {
  let env: TestEnv;
  let subnet: string;
  beforeEach(() => {
    env = createTestEnv('events');
    subnet = `10.218.${1 + Math.floor(Math.random() * 250)}.0/24`;
  });
  afterEach(async () => {
    await env.cleanup();
  });

  it('replays what happened with --since/--until, in Docker line format and JSON', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 1;
    const id = (await env.ok(['network', 'create', '--subnet', subnet, '--label', 'team=a', `${env.id}-n`])).trim();
    await env.ok(['network', 'rm', `${env.id}-n`]);
    const tar = rootfsTar(env.dataRoot);
    const imageId = (await env.ok(['import', tar, `${env.id}:v1`])).trim();
    await env.ok(['tag', `${env.id}:v1`, `${env.id}:v2`]);

    const lines = (await env.ok(['events', '--since', String(t0), '--until', nextSecond()])).trim().split('\n');
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      `network create ${id} (name=${env.id}-n, type=bridge)`,
      `network destroy ${id} (name=${env.id}-n, type=bridge)`,
      `image import ${imageId} (name=${imageId})`,
      `image tag ${imageId} (name=${env.id}:v2)`,
    ]);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) /);

    const json = parseLines(await env.ok(['events', '--since', String(t0), '--until', nextSecond(), '--format', '{{json .}}']));
    expect(json[0]).toEqual({
      Type: 'network',
      Action: 'create',
      Actor: { ID: id, Attributes: { name: `${env.id}-n`, type: 'bridge' } },
      scope: 'local',
      time: expect.any(Number),
      timeNano: expect.any(Number),
    });
    expect(json[3]).toMatchObject({ status: 'tag', id: imageId, Type: 'image', Action: 'tag' });
    expect(json[0]!.time).toBeGreaterThanOrEqual(t0);
    expect(await env.ok(['events', '--since', String(t0), '--until', nextSecond(), '--format', 'json'])).toBe(
      await env.ok(['events', '--since', String(t0), '--until', nextSecond(), '--format', '{{json .}}']),
    );

    // --until before everything: nothing; --since after everything: nothing (and both return at once).
    expect(await env.ok(['events', '--since', '2000-01-01T00:00:00Z', '--until', String(t0 - 5)])).toBe('');
    const tpl = await env.ok(['events', '--since', String(t0), '--until', nextSecond(), '--filter', 'type=image', '--format', '{{.Type}}/{{.Action}}/{{.Actor.Attributes.name}}']);
    expect(tpl).toBe(`image/import/${imageId}\nimage/tag/${env.id}:v2\n`);
  });

  it('filters by type, event and network name', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 1;
    await env.ok(['network', 'create', '--subnet', subnet, `${env.id}-a`]);
    await env.ok(['network', 'rm', `${env.id}-a`]);
    const tar = rootfsTar(env.dataRoot);
    await env.ok(['import', tar, `${env.id}:v1`]);
    const ev = async (...f: string[]) =>
      parseLines(await env.ok(['events', '--since', String(t0), '--until', nextSecond(), '--format', 'json', ...f.flatMap((x) => ['--filter', x])])).map(
        (e) => `${e.Type} ${e.Action}`,
      );
    expect(await ev('type=network')).toEqual(['network create', 'network destroy']);
    expect(await ev('event=destroy')).toEqual(['network destroy']);
    expect(await ev('event=create', 'event=import')).toEqual(['network create', 'image import']);
    expect(await ev(`network=${env.id}-a`)).toEqual(['network create', 'network destroy']);
    expect(await ev('network=nosuch')).toEqual([]);
    expect(await ev('type=volume')).toEqual([]);
  });

  it('follows events another process records, until --until', async () => {
    const now = Math.floor(Date.now() / 1000);
    // --since covers a follower that starts late (it then replays instead of following); either way it must end by
    // itself at --until with both events.
    const follower = runBinary([...env.globalArgs, 'events', '--since', String(now - 1), '--until', String(now + 12), '--filter', 'type=network'], {
      timeoutMs: 60_000,
    });
    // Give the follower time to start, then act from other processes.
    await new Promise((r) => setTimeout(r, 2500));
    const id = (await env.ok(['network', 'create', '--subnet', subnet, `${env.id}-f`])).trim();
    await env.ok(['network', 'rm', `${env.id}-f`]);
    const r = await follower;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => l.replace(/^\S+ /, ''))).toEqual([
      `network create ${id} (name=${env.id}-f, type=bridge)`,
      `network destroy ${id} (name=${env.id}-f, type=bridge)`,
    ]);
  });

  it('keeps namespaces apart', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 1;
    await runBinary([...env.globalArgs, '--namespace', `${env.id}ns`, 'network', 'create', '--subnet', subnet, `${env.id}-x`]);
    expect(await env.ok(['events', '--since', String(t0), '--until', nextSecond()])).toBe('');
    const other = await runBinary([...env.globalArgs, '--namespace', `${env.id}ns`, 'events', '--since', String(t0), '--until', nextSecond()]);
    expect(other.stdout).toContain(`network create`);
    await runBinary([...env.globalArgs, '--namespace', `${env.id}ns`, 'network', 'rm', `${env.id}-x`]);
  });

  it('rejects bad formats and times as Docker does', async () => {
    const bad = await env.run(['events', '--until', '0s', '--format', '{{.Nope}}']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toBe('Error parsing format: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *events.Message\n');
    const time = await env.run(['events', '--since', 'xyz']);
    expect(time).toMatchObject({ code: 1, stderr: 'Error: failed to parse value as time or duration: "xyz"\n' });
    const order = await env.run(['events', '--since', '1m', '--until', '2m']);
    expect(order.code).toBe(1);
    expect(order.stderr).toMatch(/^Error: `since` time \(\d+\) cannot be after `until` time \(\d+\)\n$/);
  });
});
