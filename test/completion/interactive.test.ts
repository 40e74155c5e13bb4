/**
 * What a user sees: an interactive bash, zsh and fish in a pseudo-terminal, the generated script loaded, pressing
 * Tab after `nerdctl run --network ` and `nerdctl exec ` lists the fixture's networks and running containers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from './harness.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await makeFixture();
});
afterAll(() => fx?.cleanup());

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[\]P^_][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>]/g, '');

class Terminal {
  private output = '';
  private readonly proc: pty.IPty;
  constructor(file: string, args: string[], env: Record<string, string>) {
    this.proc = pty.spawn(file, args, { name: 'xterm', cols: 120, rows: 40, cwd: fx.dir, env });
    this.proc.onData((d) => (this.output += d));
  }
  /** The screen text since the last mark. */
  text(): string {
    return stripAnsi(this.output);
  }
  mark(): void {
    this.output = '';
  }
  write(s: string): void {
    this.proc.write(s);
  }
  async waitFor(test: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const t = this.text();
      if (test(t)) return t;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${this.text()}`);
  }
  kill(): void {
    try {
      this.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Types `line`, presses Tab (twice for bash), and returns the screen once every expected name is on it. */
async function tab(term: Terminal, line: string, tabs: string, expected: readonly string[]): Promise<string> {
  term.mark();
  term.write(line + tabs);
  const screen = await term.waitFor((t) => expected.every((n) => new RegExp(`(^|\\s)${n}(\\s|$)`, 'm').test(t)), expected.join(', '));
  await abandonLine(term);
  return screen;
}

/** Ctrl-C, then wait for a fresh prompt, so the next test starts on an empty line. */
async function abandonLine(term: Terminal): Promise<void> {
  term.mark();
  term.write('\x03');
  await term.waitFor((t) => t.includes('READY$'), 'a fresh prompt');
}

describe.each([
  {
    shell: 'bash',
    args: ['--norc', '--noprofile', '-i'],
    setup: (script: string) => `source /usr/share/bash-completion/bash_completion; source ${script}; PS1='READY$ '`,
    tabs: '\t\t',
  },
  {
    shell: 'zsh',
    args: ['-f', '-i'],
    setup: (script: string) => `autoload -U compinit && compinit -u -D && source ${script}; PS1='READY$ '`,
    tabs: '\t',
  },
  {
    shell: 'fish',
    args: ['--no-config', '-i'],
    setup: (script: string) => `source ${script}; function fish_prompt; echo 'READY$ '; end`,
    tabs: '\t',
  },
])('$shell, interactively', ({ shell, args, setup, tabs }) => {
  let term: Terminal;
  beforeAll(async () => {
    const script = fx.script(shell as 'bash' | 'zsh' | 'fish');
    const rc = join(fx.dir, `setup.${shell}`);
    writeFileSync(rc, setup(script) + '\n');
    term = new Terminal(shell, args, { ...fx.env, TERM: 'xterm', SHELL: `/usr/bin/${shell}` });
    term.write(`source ${rc}\r`);
    await term.waitFor((t) => t.includes('READY$'), 'the prompt');
  });
  afterAll(() => term?.kill());

  it('lists networks after nerdctl run --network <Tab>', async () => {
    await tab(term, 'nerdctl run --network ', tabs, ['bridge', 'host', 'mynet']);
  });

  it('lists running containers only after nerdctl exec <Tab>', async () => {
    const screen = await tab(term, 'nerdctl exec ', tabs, ['web', 'db']);
    expect(screen).not.toMatch(/\bold\b/);
    expect(screen).not.toMatch(/\bfrozen\b/);
  });

  it('completes a unique subcommand in place', async () => {
    term.mark();
    term.write('nerdctl netw\t');
    await term.waitFor((t) => t.includes('network '), 'nerdctl network');
    await abandonLine(term);
  });
});
