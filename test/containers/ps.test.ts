/** `ps` as Docker prints it: columns, statuses, -a/-q/-n/-l/-s/--no-trunc, filters and --format. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canRunContainers, makeCtrEnv, type CtrEnv } from './helpers.js';

describe.skipIf(!canRunContainers)('ps', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    expect(await env.cleanup()).toEqual([]);
  });

  it('lists with Docker\'s columns, statuses, quiet, last and filters', async () => {
    const created = (await env.ok(['create', '--name', 'made', '--label', 'tier=db', '--network', 'none', 'busybox', 'echo', 'a long command line here'])).trim();
    await env.ok(['run', '--name', 'done', '--network', 'none', 'busybox', 'sh', '-c', 'exit 3']).catch(() => undefined);
    const up = (await env.ok(['run', '-d', '--name', 'up', '--label', 'tier=web', '--network', 'none', 'busybox', 'sleep', '100'])).trim();

    const table = (await env.ok(['ps', '-a'])).split('\n');
    expect(table[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    const rows = table.slice(1).filter(Boolean);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(new RegExp(`^${up.slice(0, 12)}\\s+busybox\\s+"sleep 100"\\s+.* ago\\s+Up .*\\s+up$`));
    expect(rows[1]).toMatch(/"sh -c 'exit 3'"\s+.*Exited \(3\) .* ago\s+done$/);
    expect(rows[2]).toMatch(/"echo 'a long comman…"\s+.*Created\s+made$/);

    expect((await env.ok(['ps', '-q'])).trim()).toBe(up.slice(0, 12));
    expect((await env.ok(['ps', '-aq', '--no-trunc'])).trim().split('\n')).toHaveLength(3);
    expect((await env.ok(['ps', '-l', '--format', '{{.Names}}'])).trim()).toBe('up');
    expect((await env.ok(['ps', '-n', '2', '--format', '{{.Names}}'])).trim()).toBe('up\ndone');
    expect((await env.ok(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'])).trim()).toBe('done');
    expect((await env.ok(['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}}'])).trim()).toBe('done');
    // As Docker: a status filter lists stopped containers without -a; an exited filter does not.
    expect((await env.ok(['ps', '--filter', 'status=exited', '--format', '{{.Names}}'])).trim()).toBe('done');
    expect((await env.ok(['ps', '--filter', 'exited=3', '--format', '{{.Names}}'])).trim()).toBe('');
    expect((await env.ok(['ps', '-a', '--filter', 'label=tier=db', '--format', '{{.ID}}'])).trim()).toBe(created.slice(0, 12));
    expect((await env.ok(['ps', '-a', '--filter', 'name=^ma', '--format', '{{.Names}}'])).trim()).toBe('made');
    expect((await env.ok(['ps', '-a', '--filter', 'ancestor=busybox', '-q'])).trim().split('\n')).toHaveLength(3);
    expect((await env.ok(['ps', '-a', '--filter', `since=${created.slice(0, 8)}`, '--format', '{{.Names}}'])).trim()).toBe('up\ndone');
    expect((await env.ok(['ps', '-a', '--filter', 'before=up', '--format', '{{.Names}}'])).trim()).toBe('done\nmade');
    const bad = await env.run(['ps', '--filter', 'status=sleepy']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/status=sleepy/);
  });

  it('prints --format json, table templates, labels and sizes', async () => {
    await env.ok(['run', '-d', '--name', 'jj', '--label', 'a=1', '--label', 'b=2', '--network', 'none', 'busybox', 'sleep', '100']);
    const j = JSON.parse((await env.ok(['ps', '--format', 'json'])).trim()) as Record<string, string>;
    expect(Object.keys(j)).toEqual(['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Ports', 'RunningFor', 'Size', 'State', 'Status']);
    expect(j).toMatchObject({ Command: '"sleep 100"', Image: 'busybox', Labels: 'a=1,b=2', Names: 'jj', Networks: 'none', State: 'running' });
    expect(j.CreatedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+$/);
    expect(j.Size).toMatch(/^\d+(\.\d+)?[kMG]?B \(virtual \d+(\.\d+)?[kMG]?B\)$/);
    const t = (await env.ok(['ps', '--format', 'table {{.Names}}\t{{.Label "a"}}\t{{.State}}'])).split('\n');
    expect(t[0]).toMatch(/^NAMES\s+a\s+STATE$/);
    expect(t[1]).toMatch(/^jj\s+1\s+running$/);
    const sized = (await env.ok(['ps', '-s'])).split('\n');
    expect(sized[0]).toMatch(/\s+SIZE$/);
    expect(sized[1]).toMatch(/\(virtual .*\)$/);
  });
});
