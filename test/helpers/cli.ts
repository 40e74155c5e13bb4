/**
 * Black-box helpers for integration tests: run the built CLI (dist/nerdctl.js) against a private data root,
 * state root, CNI config dir and namespace, so tests never touch /var/lib/nerdctl and can run beside each other.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stateRootFor } from '../../src/commands/_lib/config.js';

/** The CLI under test: dist/nerdctl.js, or $NERDCTL_TEST_BIN (a private build, so other builds of dist/ cannot race a run). */
export const BIN = process.env.NERDCTL_TEST_BIN ?? resolve(__dirname, '../../dist/nerdctl.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

export interface TestEnv {
  /** A short unique id for names (containers, networks, bridges). */
  readonly id: string;
  readonly dataRoot: string;
  readonly netconfPath: string;
  readonly namespace: string;
  /** Global flags that point the CLI at this environment. */
  readonly globalArgs: string[];
  /** Runs `nerdctl <args>` in this environment. */
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Like run, but throws with stderr when the exit code is not 0. Returns stdout. */
  ok(args: string[], opts?: RunOptions): Promise<string>;
  /** Removes containers, networks, mounts and directories this environment created. */
  cleanup(): Promise<void>;
}

export function uniqueId(prefix = 't'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

export function runBinary(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal !== null ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 }) as Record<string, number>)[signal]! : -1),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Creates a private environment. Call `cleanup()` in afterEach/afterAll. */
export function createTestEnv(name = 'env'): TestEnv {
  const id = uniqueId('t');
  const base = join(tmpdir(), `nerdctl-test-${name}-${id}`);
  const dataRoot = join(base, 'data');
  const netconfPath = join(base, 'cni');
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(netconfPath, { recursive: true });
  const namespace = 'test';
  const globalArgs = ['--data-root', dataRoot, '--cni-netconfpath', netconfPath, '--namespace', namespace];
  const env: TestEnv = {
    id,
    dataRoot,
    netconfPath,
    namespace,
    globalArgs,
    run: (args, opts) => runBinary([...globalArgs, ...args], opts),
    async ok(args, opts) {
      const r = await env.run(args, opts);
      if (r.code !== 0) throw new Error(`nerdctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    async cleanup() {
      if (existsSync(BIN)) {
        const ps = await env.run(['ps', '-aq']);
        const ids = ps.stdout.split('\n').filter(Boolean);
        if (ids.length > 0) await env.run(['rm', '-f', ...ids]);
      }
      unmountUnder(base);
      rmSync(base, { recursive: true, force: true });
      // The runtime state root lives under /run, outside the data root.
      const stateRoot = stateRootFor(dataRoot);
      unmountUnder(stateRoot);
      rmSync(stateRoot, { recursive: true, force: true });
    },
  };
  return env;
}

/** Unmounts everything mounted below `dir` (deepest first). */
export function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}
