/**
 * Shared set-up for the shell completion tests: a fixture `nerdctl` on PATH (the fixture command tree and fixture
 * data, see fixture-cli.ts), the generated scripts, and a way to read `__complete`'s answer.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { completionScript, type Shell } from '../../src/commands/_lib/completion/scripts.js';

export const REPO = resolve(__dirname, '../..');

export const FIXTURE_DATA = {
  containers: [
    { name: 'web', state: 'running' },
    { name: 'db', state: 'running' },
    { name: 'old', state: 'exited' },
    { name: 'frozen', state: 'paused' },
  ],
  images: ['busybox:latest', 'busybox:1.36', 'alpine:3.19'],
  networks: ['bridge', 'host', 'mynet'],
  volumes: ['data', 'cache'],
  namespaces: ['default', 'k8s.io'],
  snapshots: [],
  composeServices: ['web', 'db', 'worker'],
};

export interface Fixture {
  readonly dir: string;
  /** PATH with the fixture `nerdctl` first. */
  readonly path: string;
  /** Environment for shells and the fixture binary. */
  readonly env: Record<string, string>;
  /** Writes the script for `shell` (with or without descriptions) and returns its path. */
  script(shell: Shell, descriptions?: boolean): string;
  /** `nerdctl __completeNoDesc <words>` through the fixture binary: [values, directive]. */
  answer(words: string[]): [string[], number];
  cleanup(): void;
}

export async function makeFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'nerdctl-completion-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  await build({
    entryPoints: [join(__dirname, 'fixture-cli.ts')],
    outfile: join(dir, 'fixture-cli.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  writeFileSync(join(bin, 'nerdctl'), `#!/bin/sh\nexec "${process.execPath}" "${join(dir, 'fixture-cli.mjs')}" "$@"\n`);
  chmodSync(join(bin, 'nerdctl'), 0o755);
  writeFileSync(join(dir, 'data.json'), JSON.stringify(FIXTURE_DATA));
  const path = `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  const env = { PATH: path, HOME: dir, LANG: 'C.UTF-8', NERDCTL_COMPLETION_FIXTURE: join(dir, 'data.json') };
  return {
    dir,
    path,
    env,
    script(shell, descriptions = true) {
      const file = join(dir, `nerdctl.${shell}${descriptions ? '' : '.nodesc'}`);
      writeFileSync(file, completionScript(shell, { name: 'nerdctl', descriptions }));
      return file;
    },
    answer(words) {
      const out = execFileSync(join(bin, 'nerdctl'), ['__completeNoDesc', ...words], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const lines = out.trimEnd().split('\n');
      const directive = Number(lines.pop()!.slice(1));
      return [lines, directive];
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a shell with a script on stdin; returns stdout (stderr is included in the error when it fails). */
export function runShell(shell: string, args: string[], input: string, env: Record<string, string>, cwd?: string): string {
  const r = spawnSync(shell, args, { input, env, cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${shell} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/**
 * COMP_WORDS and COMP_CWORD as bash (readline) makes them for a line with the cursor at its end: words split at
 * blanks, and each run of `=` or `:` (word-break characters) a word of its own.
 */
export function compWords(line: string): { words: string[]; cword: number } {
  const words: string[] = [];
  for (const blankWord of line.split(/[ \t]+/)) {
    if (blankWord === '') continue;
    words.push(...blankWord.split(/([=:]+)/).filter((w) => w !== ''));
  }
  if (line.endsWith(' ') || words.length === 0) words.push('');
  return { words, cword: words.length - 1 };
}
