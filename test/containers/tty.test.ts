/**
 * `run -it` and `exec -it` through a real pseudo-terminal (node-pty): the container sees a terminal of the
 * CLI's size, typed input reaches it, the exit code comes back, and ctrl-p ctrl-q detaches.
 */
import { spawn as ptySpawn, type IPty } from 'node-pty';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { canRunContainers, makeCtrEnv, waitFor, type CtrEnv } from './helpers.js';

interface Pty {
  readonly pty: IPty;
  output(): string;
  exited: Promise<number>;
}

function runPty(env: CtrEnv, args: string[], size = { cols: 91, rows: 27 }): Pty {
  let out = '';
  const pty = ptySpawn(process.execPath, [BIN, ...env.globalArgs, ...args], {
    name: 'xterm',
    cols: size.cols,
    rows: size.rows,
    env: { ...process.env, ...env.env, NO_COLOR: '1' } as Record<string, string>,
  });
  pty.onData((d) => (out += d));
  const exited = new Promise<number>((resolve) => pty.onExit((e) => resolve(e.exitCode)));
  return { pty, output: () => out, exited };
}

describe.skipIf(!canRunContainers)('terminals', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    expect(await env.cleanup()).toEqual([]);
  });

  it('run -it gives the container a terminal of our size and passes typed input', async () => {
    const p = runPty(env, ['run', '-it', '--rm', '--network', 'none', 'busybox', 'sh']);
    expect(await waitFor(() => /# (\x1b\[6n)?$/.test(p.output()), 20_000)).toBe(true);
    p.pty.write('tty; stty size; echo typed-$((6*7))\r');
    expect(await waitFor(() => /typed-42/.test(p.output()), 10_000)).toBe(true);
    p.pty.write('exit 4\r');
    expect(await p.exited).toBe(4);
    const out = p.output();
    expect(out).toMatch(/\/dev\/pts\/\d+/);
    expect(out).toMatch(/27 91/);
    expect((await env.ok(['ps', '-aq'])).trim()).toBe('');
  });

  it('detaches with ctrl-p ctrl-q and leaves the container running', async () => {
    const p = runPty(env, ['run', '-it', '--name', 'det', '--network', 'none', 'busybox', 'sh']);
    expect(await waitFor(() => /# (\x1b\[6n)?$/.test(p.output()), 20_000)).toBe(true);
    p.pty.write('\x10\x11');
    expect(await p.exited).toBe(0);
    expect((await env.ok(['inspect', '-f', '{{.State.Status}}', 'det'])).trim()).toBe('running');
    const e = runPty(env, ['exec', '-it', 'det', 'sh', '-c', 'tty && exit 3']);
    expect(await e.exited).toBe(3);
    expect(e.output()).toMatch(/\/dev\/pts\/\d+/);
  });
});
