/**
 * A container's life after create: stop (with timeout escalation), kill, restart policies and their rules, rm -f,
 * pause/unpause, exec exit codes, a killed monitor, and two CLI processes running containers at once.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canRunContainers, makeCtrEnv, waitFor, type CtrEnv } from './helpers.js';

describe.skipIf(!canRunContainers)('container lifecycle', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    expect(await env.cleanup()).toEqual([]);
  });

  const state = async (ref: string, tmpl = '{{.State.Status}}') => (await env.ok(['inspect', '-f', tmpl, ref])).trim();

  it('stop sends the stop signal, then SIGKILL after the timeout', async () => {
    // A shell as PID 1 ignores SIGTERM: stop must escalate.
    await env.ok(['run', '-d', '--name', 'stubborn', '--network', 'none', 'busybox', 'sleep', '100']);
    const t0 = Date.now();
    expect((await env.ok(['stop', '-t', '1', 'stubborn'])).trim()).toBe('stubborn');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(await state('stubborn', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 137');
    // A process that handles SIGTERM exits with its own code.
    await env.ok(['run', '-d', '--name', 'polite', '--network', 'none', 'busybox', 'sh', '-c', 'trap "exit 7" TERM; while true; do sleep 0.1; done']);
    await env.ok(['stop', 'polite']);
    expect(await state('polite', '{{.State.ExitCode}}')).toBe('7');
    // --stop-signal is used by stop.
    await env.ok(['run', '-d', '--name', 'usr1', '--stop-signal', 'USR1', '--network', 'none', 'busybox', 'sh', '-c', 'trap "exit 9" USR1; while true; do sleep 0.1; done']);
    await env.ok(['stop', 'usr1']);
    expect(await state('usr1', '{{.State.ExitCode}}')).toBe('9');
  });

  it('refuses to remove a running container without -f, and rm -f kills it', async () => {
    const id = (await env.ok(['run', '-d', '--name', 'r1', '--network', 'none', 'busybox', 'sleep', '100'])).trim();
    const r = await env.run(['rm', 'r1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
    const multi = await env.run(['rm', '-f', 'r1', 'nosuch']);
    expect(multi.code).toBe(1);
    expect(multi.stdout).toBe('r1\n');
    expect(multi.stderr.trim()).toBe('Error: No such container: nosuch');
    expect((await env.ok(['ps', '-aq'])).trim()).toBe('');
  });

  it('on-failure:2 restarts twice then stays exited', async () => {
    await env.ok(['run', '-d', '--name', 'of', '--restart', 'on-failure:2', '--network', 'none', 'busybox', 'sh', '-c', 'exit 3']);
    const done = await waitFor(async () => (await state('of', '{{.State.Status}} {{.RestartCount}}')) === 'exited 2', 20_000);
    expect(done).toBe(true);
    expect(await state('of', '{{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}')).toBe('3 on-failure:2');
  });

  it('always restarts after the process exits, but not after an explicit stop or kill', async () => {
    await env.ok(['run', '-d', '--name', 'al', '--restart', 'always', '--network', 'none', 'busybox', 'sh', '-c', 'sleep 0.5']);
    expect(await waitFor(async () => Number(await state('al', '{{.RestartCount}}')) >= 1, 20_000)).toBe(true);
    await env.ok(['stop', '-t', '1', 'al']);
    const count = await state('al', '{{.RestartCount}}');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await state('al', '{{.State.Status}} {{.RestartCount}}')).toBe(`exited ${count}`);

    await env.ok(['run', '-d', '--name', 'us', '--restart', 'unless-stopped', '--network', 'none', 'busybox', 'sleep', '100']);
    await env.ok(['kill', 'us']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await state('us', '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}')).toBe('exited 137 0');
    // A later start re-arms the policy.
    await env.ok(['start', 'us']);
    expect(await state('us')).toBe('running');
  });

  it('create --restart=always does not start the container', async () => {
    await env.ok(['create', '--name', 'cr', '--restart', 'always', '--network', 'none', 'busybox', 'true']);
    await new Promise((r) => setTimeout(r, 500));
    expect(await state('cr', '{{.State.Status}} {{.RestartCount}}')).toBe('created 0');
  });

  it('pauses and unpauses, and ps shows it', async () => {
    await env.ok(['run', '-d', '--name', 'pz', '--network', 'none', 'busybox', 'sleep', '100']);
    await env.ok(['pause', 'pz']);
    expect(await state('pz', '{{.State.Status}} {{.State.Paused}}')).toBe('paused true');
    expect((await env.ok(['ps', '--format', '{{.Status}}'])).trim()).toMatch(/^Up .* \(Paused\)$/);
    const again = await env.run(['pause', 'pz']);
    expect(again.code).toBe(1);
    await env.ok(['unpause', 'pz']);
    expect(await state('pz')).toBe('running');
  });

  it('exec returns the command exit code, 126/127, and 1 for a stopped container', async () => {
    await env.ok(['run', '-d', '--name', 'ex', '--network', 'none', 'busybox', 'sleep', '100']);
    expect((await env.run(['exec', 'ex', 'sh', '-c', 'exit 5'])).code).toBe(5);
    expect((await env.run(['exec', 'ex', 'nonexist'])).code).toBe(127);
    expect((await env.run(['exec', 'ex', '/etc/passwd'])).code).toBe(126);
    const out = await env.ok(['exec', '-e', 'X=2', '-w', '/tmp', '-u', 'www', 'ex', 'sh', '-c', 'echo $X $(pwd) $(id -u)']);
    expect(out.trim()).toBe('2 /tmp 33');
    const withInput = await env.run(['exec', '-i', 'ex', 'cat'], { input: 'piped\n' });
    expect(withInput.stdout).toBe('piped\n');
    await env.ok(['stop', '-t', '0', 'ex']);
    const stopped = await env.run(['exec', 'ex', 'true']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/is not running/);
  });

  it('survives its monitor being SIGKILLed: ps and inspect stay right, stop and rm still work', async () => {
    const id = (await env.ok(['run', '-d', '--name', 'orphan', '--network', 'none', 'busybox', 'sleep', '100'])).trim();
    const monitor = Number(await state('orphan', '{{.State.Pid}}'));
    expect(monitor).toBeGreaterThan(0);
    // conmon is the parent of the container's init.
    const conmon = Number(spawnSync('ps', ['-o', 'ppid=', '-p', String(monitor)], { encoding: 'utf8' }).stdout.trim());
    expect(spawnSync('ps', ['-o', 'comm=', '-p', String(conmon)], { encoding: 'utf8' }).stdout.trim()).toBe('conmon');
    process.kill(conmon, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    expect((await env.ok(['ps', '-q', '--no-trunc'])).trim()).toBe(id);
    expect(await state('orphan')).toBe('running');
    await env.ok(['stop', '-t', '1', 'orphan']);
    expect(await state('orphan', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 137');
    await env.ok(['rm', 'orphan']);

    // And a container whose process ends while its monitor is gone is seen as exited.
    await env.ok(['run', '-d', '--name', 'orphan2', '--network', 'none', 'busybox', 'sleep', '100']);
    const pid2 = Number(await state('orphan2', '{{.State.Pid}}'));
    const conmon2 = Number(spawnSync('ps', ['-o', 'ppid=', '-p', String(pid2)], { encoding: 'utf8' }).stdout.trim());
    process.kill(conmon2, 'SIGKILL');
    process.kill(pid2, 'SIGKILL');
    expect(await waitFor(async () => (await env.ok(['ps', '-a', '--format', '{{.State}}'])).trim() === 'exited')).toBe(true);
    await env.ok(['rm', 'orphan2']);
  });

  it('runs containers from two CLI processes at the same time', async () => {
    const runs = await Promise.all(
      [1, 2, 3].map((i) => env.run(['run', '--name', `par${i}`, '--network', 'none', 'busybox', 'sh', '-c', `echo ${i}; exit ${i}`])),
    );
    expect(runs.map((r) => [r.code, r.stdout.trim()])).toEqual([
      [1, '1'],
      [2, '2'],
      [3, '3'],
    ]);
    const detached = await Promise.all([1, 2].map((i) => env.ok(['run', '-d', '--name', `bg${i}`, 'busybox', 'sleep', '100'])));
    expect(new Set(detached).size).toBe(2);
    expect((await env.ok(['ps', '-q'])).trim().split('\n')).toHaveLength(2);
  });

  it('wait prints exit codes of several containers; restart restarts', async () => {
    await env.ok(['run', '-d', '--name', 'w1', '--network', 'none', 'busybox', 'sh', '-c', 'sleep 0.3; exit 4']);
    await env.ok(['run', '-d', '--name', 'w2', '--network', 'none', 'busybox', 'sh', '-c', 'exit 2']);
    expect(await env.ok(['wait', 'w1', 'w2'])).toBe('4\n2\n');
    await env.ok(['restart', 'w2']);
    expect(await waitFor(async () => (await state('w2', '{{.State.Status}}')) === 'exited')).toBe(true);
    const started = await state('w2', '{{.State.StartedAt}}');
    expect(started).not.toBe('0001-01-01T00:00:00Z');
  });

  it('renames, and resolves names, ids and unique id prefixes', async () => {
    const id = (await env.ok(['create', '--name', 'old', '--network', 'none', 'busybox'])).trim();
    await env.ok(['rename', 'old', 'new']);
    expect(await state('new', '{{.Name}}')).toBe('/new');
    expect(await state(id.slice(0, 5), '{{.Name}}')).toBe('/new');
    const missing = await env.run(['inspect', 'old']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error: No such object: old');
  });
});
