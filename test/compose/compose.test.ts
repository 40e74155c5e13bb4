/**
 * `nerdctl compose` against real containers: a private data root, namespace, CNI config dir and default network
 * (test/containers/helpers.ts), busybox loaded from the test fixtures, one project directory per test. Every
 * compose network gets an explicit subnet from 10.216.0.0/16 so parallel test runs never pick the same one.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchFiles } from '../helpers/scratch.js';
import { canRunContainers, makeCtrEnv, waitFor, type CtrEnv } from '../containers/helpers.js';
import { BIN } from '../helpers/cli.js';

let env: CtrEnv;
let netByte = 1 + Math.floor(Math.random() * 200);

/** A fresh /24 for a compose network. */
function subnet(): string {
  netByte = (netByte % 250) + 1;
  return `10.216.${netByte}.0/24`;
}

/** A project directory holding `files`. */
const project = (name: string, files: Record<string, string>): string => scratchFiles('nerdctl-compose-', name, files);

const compose = (dir: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}) =>
  env.run(['compose', ...args], { cwd: dir, timeoutMs: opts.timeoutMs ?? 120_000, ...(opts.input !== undefined ? { input: opts.input } : {}), ...(opts.env ? { env: opts.env } : {}) });

async function ok(dir: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await compose(dir, args);
  if (r.code !== 0) throw new Error(`compose ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

const ids = async (dir: string) => (await ok(dir, ['ps', '-a', '-q'])).stdout.split('\n').filter(Boolean).sort();
const inspect = async (ref: string, fmt: string) => (await env.ok(['inspect', '-f', fmt, ref])).trim();

describe.skipIf(!canRunContainers)('compose', () => {
  beforeAll(async () => {
    env = await makeCtrEnv();
  }, 120_000);
  afterAll(async () => {
    expect(await env.cleanup()).toEqual([]);
  }, 180_000);

  it('serves a published port, resolves services by name, does nothing on a second up -d, and down leaves nothing', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const dir = project('webapp', {
      'compose.yaml': `
services:
  web:
    image: busybox
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo hello-web > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports: ["127.0.0.1:${port}:80"]
  client:
    image: busybox
    init: true
    command: ["sh", "-c", "until wget -qO- http://web/; do sleep 0.2; done; sleep 300"]
    depends_on: [web]
networks:
  default:
    ipam: {config: [{subnet: ${subnet()}}]}
`,
    });
    const up = await ok(dir, ['up', '-d']);
    expect(up.stderr).toContain(' Network webapp_default  Created');
    expect(up.stderr).toContain(' Container webapp-web-1  Started');
    expect(up.stderr.indexOf('Container webapp-web-1  Started')).toBeLessThan(up.stderr.indexOf('Container webapp-client-1  Starting'));

    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('hello-web\n');
    expect(await waitFor(async () => (await ok(dir, ['logs', 'client'])).stdout.includes('client-1  | hello-web'), 20_000)).toBe(true);

    // labels and names of Compose v2
    expect(await inspect('webapp-web-1', '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}} {{index .Config.Labels "com.docker.compose.container-number"}} {{index .Config.Labels "com.docker.compose.oneoff"}}')).toBe('webapp web 1 False');
    const ps = (await ok(dir, ['ps'])).stdout.split('\n');
    expect(ps[0]).toMatch(/^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/);
    expect(ps.find((l) => l.startsWith('webapp-web-1'))).toContain(`127.0.0.1:${port}->80/tcp`);
    expect((await ok(dir, ['ls'])).stdout).toMatch(/webapp\s+running\(2\)\s+.*compose\.yaml/);
    expect((await ok(dir, ['port', 'web', '80'])).stdout.trim()).toBe(`127.0.0.1:${port}`);

    const before = await ids(dir);
    const again = await ok(dir, ['up', '-d']);
    expect(again.stderr).not.toMatch(/Creat|Recreat|Start/);
    expect(again.stderr).toContain(' Container webapp-web-1  Running');
    expect(await ids(dir)).toEqual(before);

    const bridge = (await env.ok(['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}}', 'webapp_default'])).trim();
    const down = await ok(dir, ['down']);
    expect(down.stderr).toContain(' Network webapp_default  Removed');
    expect(await ids(dir)).toEqual([]);
    expect((await env.run(['network', 'inspect', 'webapp_default'])).code).not.toBe(0);
    if (bridge !== '') expect((await import('node:child_process')).spawnSync('ip', ['link', 'show', bridge]).status).not.toBe(0);
    // Docker's network events for the project's network: created, joined and left by both services, destroyed.
    await new Promise((r) => setTimeout(r, 1100));
    const netEvents = (await env.ok(['events', '--since', '5m', '--until', '0s', '--filter', 'network=webapp_default', '--format', '{{.Action}}'])).trim().split('\n');
    expect(netEvents[0]).toBe('create');
    expect(netEvents.at(-1)).toBe('destroy');
    expect(netEvents.filter((a) => a === 'connect')).toHaveLength(2);
    expect(netEvents.filter((a) => a === 'disconnect')).toHaveLength(2);
  });

  it('builds a service, interpolates .env, prints the config, and recreates only what changed', async () => {
    const dir = project('built', {
      'app/Dockerfile': 'FROM busybox\nARG GREETING=hi\nRUN echo "$GREETING from build" > /greeting\nCMD ["sh", "-c", "cat /greeting; sleep 300"]\n',
      '.env': 'GREETING=bonjour\nSLEEP=300\n',
      'compose.yaml': `
services:
  app:
    build: {context: ./app, args: {GREETING: "\${GREETING}"}}
    init: true
    network_mode: none
  side:
    image: busybox
    init: true
    network_mode: none
    command: ["sleep", "\${SLEEP}"]
`,
    });
    const config = (await ok(dir, ['config'])).stdout;
    expect(config).toContain('name: built');
    expect(config).toContain('GREETING: bonjour');
    expect(config).toContain('- "300"');
    expect((await ok(dir, ['config', '--services'])).stdout).toBe('app\nside\n');
    expect((await ok(dir, ['config', '--images'])).stdout).toBe('built-app\nbusybox\n');

    const up = await ok(dir, ['up', '-d']);
    expect(up.stderr).toContain(' Service app  Built');
    expect(await waitFor(async () => (await ok(dir, ['logs', '--no-log-prefix', 'app'])).stdout === 'bonjour from build\n', 15_000)).toBe(true);
    expect(await inspect('built-app-1', '{{.Config.Image}}')).toBe('built-app');

    const app = await inspect('built-app-1', '{{.Id}}');
    const side = await inspect('built-side-1', '{{.Id}}');
    const r = await compose(dir, ['up', '-d'], { env: { SLEEP: '301' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(' Container built-side-1  Recreate');
    expect(await inspect('built-app-1', '{{.Id}}')).toBe(app);
    expect(await inspect('built-side-1', '{{.Id}}')).not.toBe(side);
    expect(await inspect('built-side-1', '{{json .Config.Cmd}}')).toBe('["sleep","301"]');
    await ok(dir, ['down', '-t', '1', '--rmi', 'local']);
    expect((await env.run(['image', 'inspect', 'built-app'])).code).not.toBe(0);
  });

  it('keeps a named volume across down/up and removes it with down -v', async () => {
    const dir = project('vol', {
      'compose.yaml': `
services:
  db:
    image: busybox
    init: true
    network_mode: none
    command: ["sh", "-c", "echo run >> /data/runs; sleep 300"]
    volumes: [data:/data]
volumes:
  data: {}
`,
    });
    await ok(dir, ['up', '-d']);
    expect((await env.ok(['volume', 'inspect', '-f', '{{index .Labels "com.docker.compose.volume"}} {{index .Labels "com.docker.compose.project"}}', 'vol_data'])).trim()).toBe('data vol');
    await ok(dir, ['down', '-t', '1']);
    expect((await env.ok(['volume', 'ls', '-q'])).split('\n')).toContain('vol_data');
    await ok(dir, ['up', '-d']);
    expect(await waitFor(async () => (await ok(dir, ['exec', '-T', 'db', 'cat', '/data/runs'])).stdout === 'run\nrun\n', 10_000)).toBe(true);
    const down = await ok(dir, ['down', '-v', '-t', '1']);
    expect(down.stderr).toContain(' Volume "vol_data"  Removed');
    expect((await env.ok(['volume', 'ls', '-q'])).split('\n')).not.toContain('vol_data');
  });

  it('holds a service_healthy dependent back until the check passes', async () => {
    const dir = project('health', {
      'compose.yaml': `
services:
  db:
    image: busybox
    init: true
    network_mode: none
    command: ["sh", "-c", "sleep 2; touch /tmp/ready; sleep 300"]
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 500ms, retries: 20}
  app:
    image: busybox
    init: true
    network_mode: none
    command: ["sleep", "300"]
    depends_on:
      db: {condition: service_healthy}
`,
    });
    const up = await ok(dir, ['up', '-d']);
    expect(up.stderr).toContain(' Container health-db-1  Healthy');
    expect(up.stderr.indexOf('health-db-1  Healthy')).toBeLessThan(up.stderr.indexOf('health-app-1  Starting'));
    // the dependent started after the first passing probe
    const log = JSON.parse(await inspect('health-db-1', '{{json .State.Health.Log}}')) as { End: string; ExitCode: number }[];
    const firstPass = log.find((l) => l.ExitCode === 0)!;
    expect(Date.parse(await inspect('health-app-1', '{{.State.StartedAt}}'))).toBeGreaterThanOrEqual(Date.parse(firstPass.End));
    await ok(dir, ['down', '-t', '1']);
  });

  it('scales up and down, runs one-offs with --rm, and returns exec and run exit codes', async () => {
    const dir = project('scale', {
      'compose.yaml': `
services:
  worker:
    image: busybox
    init: true
    network_mode: none
    command: ["sleep", "300"]
`,
    });
    await ok(dir, ['up', '-d', '--scale', 'worker=3']);
    expect((await ok(dir, ['ps', '--format', '{{.Name}}'])).stdout).toBe('scale-worker-1\nscale-worker-2\nscale-worker-3\n');
    const down = await ok(dir, ['up', '-d', '--scale', 'worker=1']);
    expect(down.stderr).toContain(' Container scale-worker-3  Removed');
    expect((await ok(dir, ['ps', '--format', '{{.Name}}'])).stdout).toBe('scale-worker-1\n');

    expect((await compose(dir, ['exec', '-T', 'worker', 'sh', '-c', 'exit 7'])).code).toBe(7);
    expect((await compose(dir, ['exec', '-T', 'worker', 'sh', '-c', 'echo out'])).stdout).toBe('out\n');
    expect((await compose(dir, ['exec', '-T', 'worker', '/no/such'])).code).toBe(127);

    const run = await compose(dir, ['run', '--rm', '-T', 'worker', 'sh', '-c', 'echo one-off; exit 5']);
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('one-off\n');
    expect(await ids(dir)).toHaveLength(1);
    const kept = await compose(dir, ['run', '-d', 'worker', 'sleep', '300']);
    expect(kept.stdout.trim()).toMatch(/^scale-worker-run-[0-9a-f]{12}$/);
    expect(await inspect(kept.stdout.trim(), '{{index .Config.Labels "com.docker.compose.oneoff"}}')).toBe('True');
    await ok(dir, ['down', '-t', '1']);
    expect((await env.ok(['ps', '-aq'])).trim()).toBe('');
  });

  it('fails with the location for invalid YAML and unknown keys, and rolls back a service that cannot start', async () => {
    const bad = project('bad', { 'compose.yaml': 'services:\n  web:\n    image: busybox\n    command: [sleep, "1"\n' });
    const r1 = await compose(bad, ['up', '-d']);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/^Error: failed to parse .*\/bad\/compose\.yaml:5:1: /m);

    const unknown = project('unknown', { 'compose.yaml': 'services:\n  web:\n    image: busybox\n    commmand: sleep 1\n' });
    const r2 = await compose(unknown, ['up', '-d']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`validating ${unknown}/compose.yaml:4:5: services.web additional properties 'commmand' not allowed`);

    const refused = project('refused', { 'compose.yaml': 'services:\n  web:\n    image: busybox\n    network_mode: none\n    gpus: all\n' });
    const r3 = await compose(refused, ['up', '-d']);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain(`${refused}/compose.yaml:5:5: services.web.gpus: not supported by nerdctl compose`);
    expect(r3.stderr).not.toContain('Creating');

    const failing = project('failing', {
      'compose.yaml': `
services:
  ok:
    image: busybox
    init: true
    command: ["sleep", "300"]
  broken:
    image: busybox
    command: ["/no/such/binary"]
    depends_on: [ok]
    volumes: [scratch:/scratch]
volumes:
  scratch: {}
networks:
  default:
    ipam: {config: [{subnet: ${subnet()}}]}
`,
    });
    const r4 = await compose(failing, ['up', '-d']);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/^Error: service "broken": .*no such file or directory/m);
    expect(await ids(failing)).toEqual([]);
    expect((await env.run(['network', 'inspect', 'failing_default'])).code).not.toBe(0);
    expect((await env.ok(['volume', 'ls', '-q'])).split('\n')).not.toContain('failing_scratch');
  });

  it('stops gracefully on Ctrl-C in attached mode and exits 130', async () => {
    const dir = project('attached', {
      'compose.yaml': `
services:
  talker:
    image: busybox
    network_mode: none
    command: ["sh", "-c", "trap 'echo got TERM; exit 0' TERM; echo talking; while true; do sleep 0.1; done"]
`,
    });
    const child = spawn(process.execPath, [BIN, ...env.globalArgs, 'compose', 'up'], { cwd: dir, env: { ...process.env, ...env.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(await waitFor(() => out.includes('talker-1  | talking'), 30_000)).toBe(true);
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(out).toContain('Attaching to talker-1');
    expect(out).toContain('Gracefully stopping... (press Ctrl+C again to force)');
    expect(out).toContain('talker-1  | got TERM');
    expect(out).toContain('talker-1 exited with code 0');
    expect(err).toContain(' Container attached-talker-1  Stopped');
    expect(await inspect('attached-talker-1', '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 0');
    await ok(dir, ['down']);
  });

  it('aborts on container exit and returns the exit code of --exit-code-from', async () => {
    const dir = project('abort', {
      'compose.yaml': `
services:
  long:
    image: busybox
    init: true
    network_mode: none
    command: ["sleep", "300"]
  short:
    image: busybox
    network_mode: none
    command: ["sh", "-c", "echo done; exit 4"]
`,
    });
    const r = await compose(dir, ['up', '--abort-on-container-exit']);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('short-1  | done');
    expect(r.stdout).toContain('short-1 exited with code 4');
    expect(r.stdout).toContain('Aborting on container exit...');
    expect(await inspect('abort-long-1', '{{.State.Status}}')).toBe('exited');

    const r2 = await compose(dir, ['up', '--exit-code-from', 'long']);
    expect(r2.code).toBe(143);
    await ok(dir, ['down']);
  });
});
