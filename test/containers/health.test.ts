/**
 * Healthchecks without a daemon: the on-demand runner probes containers, State.Health and ps follow Docker's
 * rules, image HEALTHCHECKs apply unless --no-healthcheck, and the runner goes away with the last container.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { busyboxTar, canRunContainers, makeCtrEnv, waitFor, type CtrEnv } from './helpers.js';

describe.skipIf(!canRunContainers)('healthchecks', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    // The leak check includes the runner process: it must have exited with the last container.
    expect(await env.cleanup()).toEqual([]);
  });

  const health = async (ref: string) => (await env.ok(['inspect', '-f', '{{.State.Health.Status}}', ref])).trim();

  it('reaches healthy and unhealthy, shown in ps and inspect', async () => {
    await env.ok(['run', '-d', '--name', 'good', '--network', 'none', '--health-cmd', 'test -f /tmp/ready', '--health-interval', '1s',
      '--health-retries', '2', 'busybox', 'sh', '-c', 'sleep 5; touch /tmp/ready; sleep 100']);
    await env.ok(['run', '-d', '--name', 'bad', '--network', 'none', '--health-cmd', 'echo failing; exit 1', '--health-interval', '300ms',
      '--health-retries', '2', 'busybox', 'sleep', '100']);
    expect(await waitFor(async () => (await health('good')) === 'healthy', 30_000)).toBe(true);
    // It failed before the file appeared, then became healthy: the log keeps both.
    const goodLog = JSON.parse(await env.ok(['inspect', '-f', '{{json .State.Health.Log}}', 'good'])) as { ExitCode: number }[];
    expect(goodLog[0]?.ExitCode).toBe(1);
    expect(goodLog.at(-1)?.ExitCode).toBe(0);
    expect(await waitFor(async () => (await health('bad')) === 'unhealthy', 20_000)).toBe(true);
    expect((await env.ok(['ps', '--filter', 'name=good', '--format', '{{.Status}}'])).trim()).toMatch(/^Up .* \(healthy\)$/);
    expect((await env.ok(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}'])).trim()).toBe('bad');
    const h = JSON.parse(await env.ok(['inspect', '-f', '{{json .State.Health}}', 'bad'])) as {
      Status: string;
      FailingStreak: number;
      Log: { Start: string; End: string; ExitCode: number; Output: string }[];
    };
    expect(h.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(h.Log.length).toBeGreaterThan(0);
    expect(h.Log.length).toBeLessThanOrEqual(5);
    expect(h.Log.at(-1)).toMatchObject({ ExitCode: 1, Output: 'failing\n' });
  });

  it('uses the image HEALTHCHECK unless --no-healthcheck', async () => {
    const tar = await busyboxTar('hc:latest', { Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 300_000_000, Retries: 1 } });
    await env.ok(['load', '-i', tar]);
    await env.ok(['run', '-d', '--name', 'img', '--network', 'none', 'hc:latest', 'sleep', '100']);
    expect(await waitFor(async () => (await health('img')) === 'healthy', 20_000)).toBe(true);
    await env.ok(['run', '-d', '--name', 'off', '--network', 'none', '--no-healthcheck', 'hc:latest', 'sleep', '100']);
    expect((await env.ok(['inspect', '-f', '{{json .State.Health}}', 'off'])).trim()).toBe('null');
    expect((await env.ok(['inspect', '-f', '{{json .Config.Healthcheck.Test}}', 'off'])).trim()).toBe('["NONE"]');
  });

  it('times a slow probe out with Docker\'s message', async () => {
    await env.ok(['run', '-d', '--name', 'slow', '--network', 'none', '--health-cmd', 'sleep 5', '--health-timeout', '300ms',
      '--health-interval', '500ms', '--health-retries', '1', 'busybox', 'sleep', '100']);
    expect(await waitFor(async () => (await health('slow')) === 'unhealthy', 20_000)).toBe(true);
    const log = JSON.parse(await env.ok(['inspect', '-f', '{{json .State.Health.Log}}', 'slow'])) as { ExitCode: number; Output: string }[];
    expect(log.at(-1)).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (300ms)' });
  });
});
