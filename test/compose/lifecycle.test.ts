/**
 * The other compose subcommands against real containers: --wait and service_completed_successfully, aliases,
 * links, secrets and configs, orphans, restart: true, and the lifecycle/listing commands (stop, start, restart,
 * kill, pause, unpause, rm, ps --status, ls -a, logs flags, top, images, port, cp).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchFiles } from '../helpers/scratch.js';
import { canRunContainers, makeCtrEnv, type CtrEnv } from '../containers/helpers.js';

let env: CtrEnv;

const project = (name: string, yaml: string): string => scratchFiles('nerdctl-compose-life-', name, { 'compose.yaml': yaml });

async function compose(dir: string, args: string[], extraEnv: Record<string, string> = {}) {
  const r = await env.run(['compose', ...args], { cwd: dir, timeoutMs: 120_000, env: extraEnv });
  return r;
}

async function ok(dir: string, args: string[], extraEnv: Record<string, string> = {}) {
  const r = await compose(dir, args, extraEnv);
  if (r.code !== 0) throw new Error(`compose ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

describe.skipIf(!canRunContainers)('compose lifecycle', () => {
  beforeAll(async () => {
    env = await makeCtrEnv();
  }, 120_000);
  afterAll(async () => {
    expect(await env.cleanup()).toEqual([]);
  }, 180_000);

  it('waits with --wait, gates on a completed one-shot, resolves aliases and links, mounts secrets and configs', async () => {
    const x = 1 + Math.floor(Math.random() * 250);
    const dir = project(
      'stack',
      `
services:
  migrate:
    image: busybox
    command: ["sh", "-c", "echo migrated"]
  api:
    image: busybox
    init: true
    command: ["sh", "-c", "mkdir -p /www && cat /run/secrets/token /etc/app.conf > /www/index.html && exec httpd -f -p 8080 -h /www"]
    networks:
      default: {aliases: [backend]}
    secrets: [token]
    configs: [{source: appconf, target: /etc/app.conf}]
    depends_on:
      migrate: {condition: service_completed_successfully}
  client:
    image: busybox
    init: true
    command: ["sleep", "300"]
    links: ["api:legacy"]
    depends_on: [api]
secrets:
  token: {environment: TOKEN}
configs:
  appconf: {content: "mode=prod"}
networks:
  default: {ipam: {config: [{subnet: 10.217.${x}.0/24}]}}
`,
    );
    const up = await ok(dir, ['up', '-d', '--wait'], { TOKEN: 's3cr3t;' });
    expect(up.stderr).toContain(' Container stack-migrate-1  Exited');
    expect(up.stderr.indexOf('stack-migrate-1  Exited')).toBeLessThan(up.stderr.indexOf('stack-api-1  Starting'));
    expect(up.stderr).toContain(' Container stack-api-1  Healthy');
    expect((await ok(dir, ['exec', '-T', 'client', 'wget', '-qO-', 'http://backend:8080/'])).stdout).toBe('s3cr3t;mode=prod');
    expect((await ok(dir, ['exec', '-T', 'client', 'wget', '-qO-', 'http://legacy:8080/'])).stdout).toBe('s3cr3t;mode=prod');
    expect((await ok(dir, ['exec', '-T', 'api', 'stat', '-c', '%a', '/run/secrets/token'])).stdout.trim()).toBe('444');
    // a read-only bind: the container cannot change it
    expect((await compose(dir, ['exec', '-T', 'api', 'sh', '-c', 'echo x > /etc/app.conf'])).code).not.toBe(0);

    const ps = await ok(dir, ['ps', '-a', '--status', 'exited', '--format', '{{.Name}} {{.ExitCode}}']);
    expect(ps.stdout).toBe('stack-migrate-1 0\n');
    expect((await ok(dir, ['logs', '--no-log-prefix', 'migrate'])).stdout).toBe('migrated\n');
    expect((await ok(dir, ['logs', '-t', 'migrate'])).stdout).toMatch(/^migrate-1  \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z migrated\n$/);
    expect((await ok(dir, ['logs', '--tail', '0', 'migrate'])).stdout).toBe('');

    const top = (await ok(dir, ['top', 'api'])).stdout;
    expect(top).toMatch(/^stack-api-1\nUID\s+PID\s+PPID/);
    expect(top).toContain('httpd -f -p 8080');
    expect((await ok(dir, ['images', 'api'])).stdout).toMatch(/^CONTAINER\s+REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE\nstack-api-1\s+busybox\s+latest\s+[0-9a-f]{12}/);

    const local = join(dir, 'copied.txt');
    await ok(dir, ['cp', 'api:/etc/app.conf', local]);
    expect(readFileSync(local, 'utf8')).toBe('mode=prod');
    writeFileSync(local, 'pushed');
    await ok(dir, ['cp', local, 'client:/tmp/in.txt']);
    expect((await ok(dir, ['exec', '-T', 'client', 'cat', '/tmp/in.txt'])).stdout).toBe('pushed');
    await ok(dir, ['down', '-t', '1']);
    expect((await env.ok(['ps', '-aq'])).trim()).toBe('');
  });

  it('warns about orphans, removes them with --remove-orphans, and restarts dependents with restart: true', async () => {
    const yaml = (extra: string, dbCmd = '300') => `
services:
  db:
    image: busybox
    init: true
    network_mode: none
    command: ["sleep", "${dbCmd}"]
  app:
    image: busybox
    init: true
    network_mode: none
    command: ["sleep", "300"]
    depends_on:
      db: {condition: service_started, restart: true}
${extra}`;
    const dir = project('orph', yaml('  old:\n    image: busybox\n    init: true\n    network_mode: none\n    command: ["sleep", "300"]\n'));
    await ok(dir, ['up', '-d']);
    writeFileSync(join(dir, 'compose.yaml'), yaml(''));
    const warn = await ok(dir, ['up', '-d']);
    expect(warn.stderr).toContain('Found orphan containers ([orph-old-1]) for this project.');
    const removed = await ok(dir, ['up', '-d', '--remove-orphans']);
    expect(removed.stderr).toContain(' Container orph-old-1  Removed');

    const appStarted = (await env.ok(['inspect', '-f', '{{.State.StartedAt}}', 'orph-app-1'])).trim();
    const appId = (await env.ok(['inspect', '-f', '{{.Id}}', 'orph-app-1'])).trim();
    writeFileSync(join(dir, 'compose.yaml'), yaml('', '301'));
    const r = await ok(dir, ['up', '-d']);
    expect(r.stderr).toContain(' Container orph-db-1  Recreated');
    expect(r.stderr).toContain(' Container orph-app-1  Restarted');
    expect((await env.ok(['inspect', '-f', '{{.Id}}', 'orph-app-1'])).trim()).toBe(appId);
    expect((await env.ok(['inspect', '-f', '{{.State.StartedAt}}', 'orph-app-1'])).trim()).not.toBe(appStarted);

    // lifecycle commands
    await ok(dir, ['pause', 'app']);
    expect((await ok(dir, ['ps', 'app', '--format', '{{.Status}}'])).stdout).toMatch(/\(Paused\)/);
    await ok(dir, ['unpause', 'app']);
    await ok(dir, ['stop', '-t', '1']);
    expect((await ok(dir, ['ps', '-q'])).stdout).toBe('');
    expect((await ok(dir, ['ls'])).stdout).not.toContain('orph');
    expect((await ok(dir, ['ls', '-a'])).stdout).toMatch(/orph\s+exited\(2\)/);
    await ok(dir, ['start']);
    expect((await ok(dir, ['ps', '--format', '{{.Name}}'])).stdout).toBe('orph-app-1\norph-db-1\n');
    await ok(dir, ['restart', 'db']);
    const kill = await ok(dir, ['kill', '-s', 'SIGKILL', 'app']);
    expect(kill.stderr).toContain(' Container orph-app-1  Killed');
    const rm = await ok(dir, ['rm', '-f', 'app']);
    expect(rm.stderr).toContain(' Container orph-app-1  Removed');
    expect((await ok(dir, ['ps', '-a', '--services'])).stdout).toBe('db\n');
    await ok(dir, ['down', '-t', '1']);
  });
});
