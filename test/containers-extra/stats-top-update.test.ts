/**
 * `stats`, `top` and `update` through the built CLI against real runc and conmon (no networking: `--network none`).
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canRunContainers, makeCtrEnv, type CtrEnv } from '../containers/helpers.js';

/** The cgroup v1 (or v2) file `name` of a process's `controller` cgroup. */
function cgroupFile(pid: number, controller: string, v1Name: string, v2Name: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.find((l) => l.split(':')[1]?.split(',').includes(controller));
  if (v1 !== undefined) return readFileSync(`/sys/fs/cgroup/${controller}${v1.split(':')[2]}/${v1Name}`, 'utf8').trim();
  const v2 = lines.find((l) => l.startsWith('0::'));
  return readFileSync(`/sys/fs/cgroup${v2!.slice(3)}/${v2Name}`, 'utf8').trim();
}

describe.skipIf(!canRunContainers)('stats, top, update', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    expect(await env.cleanup()).toEqual([]);
  });

  it('stats --no-stream shows running containers, all with -a, and takes a format', async () => {
    const id = (await env.ok(['run', '-d', '--name', 'st1', '--network', 'none', 'busybox', 'sleep', '300'])).trim();
    await env.ok(['create', '--name', 'st2', '--network', 'none', 'busybox', 'true']);

    const table = (await env.ok(['stats', '--no-stream'])).split('\n');
    expect(table[0]).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
    expect(table[1]).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+st1\\s+\\d+\\.\\d\\d%\\s+[\\d.]+[KMG]?i?B / [\\d.]+[KMGT]iB\\s+\\d+\\.\\d\\d%\\s+0B / 0B\\s+\\S+ / \\S+\\s+1$`));
    expect(table.filter(Boolean)).toHaveLength(2);

    const all = await env.ok(['stats', '--no-stream', '-a', '--format', '{{.Name}} {{.PIDs}} {{.MemUsage}}']);
    expect(all.split('\n').filter(Boolean).sort()).toEqual([expect.stringMatching(/^st1 1 /), 'st2 0 0B / 0B']);

    const json = JSON.parse(await env.ok(['stats', '--no-stream', '--no-trunc', '--format', '{{json .}}', 'st1'])) as Record<string, string>;
    expect(json).toMatchObject({ Container: 'st1', Name: 'st1', ID: id, PIDs: '1', NetIO: '0B / 0B' });
    expect(json.CPUPerc).toMatch(/^\d+\.\d\d%$/);

    const custom = await env.ok(['stats', '--no-stream', '--format', 'table {{.Container}}\t{{.ID}}', id.slice(0, 8)]);
    expect(custom.split('\n')[0]).toMatch(/^CONTAINER\s+CONTAINER ID$/);
    expect(custom.split('\n')[1]).toMatch(new RegExp(`^${id.slice(0, 8)}\\s+${id.slice(0, 12)}$`));
  });

  it('stats fails for a missing container and for a bad template, printing no table', async () => {
    await env.ok(['run', '-d', '--name', 'st3', '--network', 'none', 'busybox', 'sleep', '300']);
    const missing = await env.run(['stats', '--no-stream', 'st3', 'nosuch']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe('Error: No such container: nosuch\n');
    const bad = await env.run(['stats', '--no-stream', '--format', '{{.Nope}}', 'st3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/template parsing error/);
  });

  it('stats without --no-stream redraws the table every second', async () => {
    await env.ok(['run', '-d', '--name', 'st4', '--network', 'none', 'busybox', 'sleep', '300']);
    const r = await env.run(['stats', '--format', '{{.Name}}', 'st4'], { timeoutMs: 3600 });
    const frames = r.stdout.split('\u001b[2J\u001b[H').filter(Boolean);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames[0]).toBe('st4\n');
  });

  it('top shows the container process through ps, with ps options', async () => {
    await env.ok(['run', '-d', '--name', 'tp', '--network', 'none', 'busybox', 'sleep', '301']);
    const pid = (await env.ok(['inspect', '-f', '{{.State.Pid}}', 'tp'])).trim();
    const out = (await env.ok(['top', 'tp'])).split('\n');
    expect(out[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    expect(out[1]).toMatch(new RegExp(`^root\\s+${pid}\\s+\\d+.*sleep 301$`));
    const custom = await env.ok(['container', 'top', 'tp', '-o', 'pid,comm']);
    expect(custom).toBe(`PID${' '.repeat(17)}COMMAND\n${pid.padEnd(20)}sleep\n`);
    const noPid = await env.run(['top', 'tp', '-o', 'comm']);
    expect([noPid.code, noPid.stderr]).toEqual([1, "Error: Couldn't find PID field in ps output\n"]);
    const badArg = await env.run(['top', 'tp', '--bogus']);
    expect(badArg.code).toBe(1);
    expect(badArg.stderr).toMatch(/^Error: ps: /);
  });

  it('top refuses a container that is not running, and a missing one', async () => {
    const id = (await env.ok(['create', '--network', 'none', 'busybox', 'true'])).trim();
    const r = await env.run(['top', id]);
    expect([r.code, r.stderr]).toEqual([1, `Error: Container ${id} is not running\n`]);
    const missing = await env.run(['top', 'nosuch']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error: No such container: nosuch\n']);
  });

  it('update changes the memory limit of a running container, and a restart keeps it', async () => {
    await env.ok(['run', '-d', '--name', 'up', '-m', '32m', '--network', 'none', 'busybox', 'sleep', '302']);
    expect(await env.ok(['update', '-m', '48m', '--pids-limit', '20', 'up'])).toBe('up\n');
    let pid = Number(await env.ok(['inspect', '-f', '{{.State.Pid}}', 'up']));
    expect(cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max')).toBe(String(48 * 1024 * 1024));
    expect(cgroupFile(pid, 'pids', 'pids.max', 'pids.max')).toBe('20');
    expect((await env.ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}}', 'up'])).trim()).toBe(
      `${48 * 1024 * 1024} ${64 * 1024 * 1024} 20`,
    );
    await env.ok(['restart', '-t', '0', 'up']);
    pid = Number(await env.ok(['inspect', '-f', '{{.State.Pid}}', 'up']));
    expect(cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max')).toBe(String(48 * 1024 * 1024));
    expect(cgroupFile(pid, 'pids', 'pids.max', 'pids.max')).toBe('20');
  });

  it('update changes the restart policy (also of a stopped container), and refuses bad input with Docker\'s messages', async () => {
    await env.ok(['create', '--name', 'rp', '--network', 'none', 'busybox', 'true']);
    expect(await env.ok(['update', '--restart', 'on-failure:3', 'rp'])).toBe('rp\n');
    expect((await env.ok(['inspect', '-f', '{{json .HostConfig.RestartPolicy}}', 'rp'])).trim()).toBe('{"Name":"on-failure","MaximumRetryCount":3}');

    const none = await env.run(['update', 'rp']);
    expect([none.code, none.stderr]).toEqual([1, 'Error: you must provide one or more flags when using this command\n']);
    const badSize = await env.run(['update', '-m', 'abc', 'rp']);
    expect(badSize.code).toBe(125);
    expect(badSize.stderr).toBe(`invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'\nSee 'nerdctl update --help'.\n`);
    const tooSmall = await env.run(['update', '-m', '1m', 'rp']);
    expect([tooSmall.code, tooSmall.stderr]).toEqual([1, 'Error: Minimum memory limit allowed is 6MB\n']);
    const swap = await env.run(['update', '-m', '64m', 'rp']);
    expect(swap.code).toBe(1);
    expect(swap.stderr).toMatch(/^Error: Cannot update container [0-9a-f]{64}: Memory limit should be smaller than already set memoryswap limit/);
    const missing = await env.run(['update', '--cpu-shares', '512', 'rp', 'nosuch']);
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([1, 'rp\n', 'Error: No such container: nosuch\n']);

    await env.ok(['run', '-d', '--rm', '--name', 'auto', '--network', 'none', 'busybox', 'sleep', '303']);
    const auto = await env.run(['update', '--restart', 'always', 'auto']);
    expect(auto.stderr).toMatch(/Restart policy cannot be updated because AutoRemove is enabled for the container/);
  });
});
