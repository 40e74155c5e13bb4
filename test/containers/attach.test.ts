/**
 * Foreground sessions: `start -a` and `attach` return the container's exit code, `run` proxies signals to the
 * container (--sig-proxy), and `logs -f/--since/--until` follow and window the log.
 */
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { canRunContainers, makeCtrEnv, waitFor, type CtrEnv } from './helpers.js';

describe.skipIf(!canRunContainers)('foreground sessions', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    expect(await env.cleanup()).toEqual([]);
  });

  it('start -a and attach return the container exit code and its output', async () => {
    await env.ok(['create', '--name', 'sa', '--network', 'none', 'busybox', 'sh', '-c', 'echo started; echo e >&2; exit 6']);
    const r = await env.run(['start', '-a', 'sa']);
    expect([r.code, r.stdout, r.stderr]).toEqual([6, 'started\n', 'e\n']);
    await env.ok(['run', '-d', '--name', 'at', '--network', 'none', 'busybox', 'sh', '-c', 'sleep 1; echo late; exit 2']);
    const a = await env.run(['attach', 'at']);
    expect([a.code, a.stdout]).toEqual([2, 'late\n']);
    const stopped = await env.run(['attach', 'at']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/cannot attach to a stopped container/);
  });

  it('run proxies signals to the container process', async () => {
    const child = spawn(process.execPath, [BIN, ...env.globalArgs, 'run', '--name', 'sig', '--network', 'none', 'busybox', 'sh', '-c',
      'trap "echo got-term; exit 5" TERM; echo ready; while true; do sleep 0.1; done'], { env: { ...process.env, ...env.env } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
    expect(await waitFor(() => out.includes('ready'), 20_000)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(5);
    expect(out).toBe('ready\ngot-term\n');
    expect((await env.ok(['inspect', '-f', '{{.State.ExitCode}}', 'sig'])).trim()).toBe('5');
  });

  it('logs -f follows until the exit; --since and --until window the entries', async () => {
    await env.ok(['run', '-d', '--name', 'lg', '--network', 'none', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.4; done']);
    const f = await env.run(['logs', '-f', 'lg']);
    expect(f.stdout).toBe('line1\nline2\nline3\n');
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await env.run(['logs', '--since', future, 'lg'])).stdout).toBe('');
    expect((await env.run(['logs', '--until', '2000-01-01T00:00:00Z', 'lg'])).stdout).toBe('');
    expect((await env.run(['logs', '--since', '1h', 'lg'])).stdout).toBe('line1\nline2\nline3\n');
  });
});
