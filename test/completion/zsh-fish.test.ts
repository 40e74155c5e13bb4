/**
 * The zsh and fish scripts: both parse (`zsh -n`, `fish -n`, also the committed files); fish's own completion
 * engine (`complete --do-complete`) offers what `__complete` answers; the zsh function hands `_describe` the
 * answer (escaped `:`, `--flag=` prefix, NoSpace, KeepOrder) and falls back to `_files` as the directive says.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, REPO, runShell, type Fixture } from './harness.js';

let fx: Fixture;
let work: string;
beforeAll(async () => {
  fx = await makeFixture();
  work = join(fx.dir, 'work');
  mkdirSync(join(work, 'alpha'), { recursive: true });
  mkdirSync(join(work, 'beta'));
  writeFileSync(join(work, 'gamma.txt'), '');
});
afterAll(() => fx?.cleanup());

describe('syntax', () => {
  it.each([
    ['zsh', ['-n'], false],
    ['zsh', ['-n'], true],
    ['fish', ['-n'], false],
    ['fish', ['-n'], true],
  ] as const)('%s %s accepts the script (descriptions: %s)', (shell, args, descriptions) => {
    const r = spawnSync(shell, [...args, fx.script(shell, descriptions)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each([
    ['bash', 'nerdctl.bash'],
    ['zsh', '_nerdctl'],
    ['fish', 'nerdctl.fish'],
  ])('%s accepts the committed completions/%s', (shell, file) => {
    const r = spawnSync(shell, ['-n', join(REPO, 'completions', file)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('fish script', () => {
  function fishComplete(line: string, env: Record<string, string> = {}): string[] {
    const program = `source '${fx.script('fish', true)}'\ncomplete --do-complete '${line.replaceAll("'", "\\'")}'\n`;
    // fish cannot read a script from node's stdin (a socket): give it a file.
    const file = join(fx.dir, 'complete.fish');
    writeFileSync(file, program);
    const out = runShell('fish', ['--no-config', file], '', { ...fx.env, ...env }, work);
    return out.split('\n').filter((l) => l !== '');
  }
  const values = (lines: string[]) => lines.map((l) => l.split('\t')[0]);

  it.each([
    ['nerdctl r', ['rm', 'rmi', 'run']],
    ['nerdctl run --network ', ['bridge', 'host', 'mynet']],
    ['nerdctl exec ', ['db', 'web']],
    ['nerdctl start ', ['old']],
    ['nerdctl rmi busybox:', ['busybox:1.36', 'busybox:latest']],
    ['nerdctl -n k8s.io volume rm ', ['cache', 'data']],
    ['nerdctl compose up w', ['web', 'worker']],
    ['nerdctl run --restart on', ['on-failure']],
  ])('%j offers what __complete answers', (line, expected) => {
    const got = values(fishComplete(line));
    expect(got).toEqual(expected);
    const words = line.split(' ').slice(1);
    expect([...fx.answer(words)[0]].sort()).toEqual([...expected].sort());
  });

  it('keeps the --flag= prefix on values', () => {
    expect(values(fishComplete('nerdctl run --network='))).toEqual(['--network=bridge', '--network=host', '--network=mynet']);
  });

  it('shows descriptions', () => {
    expect(fishComplete('nerdctl run --rest')).toEqual(['--restart\tRestart policy to apply when a container exits']);
    expect(fishComplete('nerdctl ru')).toEqual(['run\tRun a command in a new container']);
  });

  it('completes files only when the directive allows it, directories for FilterDirs', () => {
    expect(fishComplete('nerdctl ps ')).toEqual([]);
    expect(values(fishComplete('nerdctl run busybox '))).toEqual(['alpha/', 'beta/', 'gamma.txt']);
    expect(values(fishComplete('nerdctl --data-root '))).toEqual(['alpha/', 'beta/']);
    expect(values(fishComplete('nerdctl --data-root=a'))).toEqual(['--data-root=alpha/']);
  });

  it('emulates NoSpace with a second candidate and keeps the order for KeepOrder', () => {
    const bin = join(fx.dir, 'canned-fish');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'nerdctl'), '#!/bin/sh\nprintf "zeta\\nalpha\\n:36\\n"\n');
    chmodSync(join(bin, 'nerdctl'), 0o755);
    expect(values(fishComplete('nerdctl ', { PATH: `${bin}:${fx.path}` }))).toEqual(['zeta', 'alpha']);
    writeFileSync(join(bin, 'nerdctl'), '#!/bin/sh\nprintf "xyz\\n:6\\n"\n');
    expect(values(fishComplete('nerdctl x', { PATH: `${bin}:${fx.path}` }))).toEqual(['xyz', 'xyz.']);
  });
});

describe('zsh script', () => {
  /**
   * Runs `_nerdctl` for the words of `line` with zsh's completion functions replaced by recorders: `_describe`
   * prints its options and the candidates it was given, `_files` its arguments.
   */
  function zshComplete(line: string, env: Record<string, string> = {}): { status: number; calls: string[] } {
    const words = line.split(' ');
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const program = [
      'compdef() { :; }',
      '_describe() { local -a o; while [[ $1 == -* ]]; do o+=($1); shift; done; print -r -- "describe ${o[*]} | ${argv[3,-1]}"; print -rl -- "${(@P)2}"; return 0; }',
      '_files() { print -r -- "files $*"; }',
      `source ${q(fx.script('zsh', true))}`,
      `words=(${words.map(q).join(' ')}); CURRENT=${words.length}`,
      '_nerdctl; print -r -- "status $?"',
    ].join('\n');
    const out = runShell('zsh', ['-f'], program, { ...fx.env, ...env }, work).split('\n').filter((l) => l !== '');
    return { status: Number(out.pop()!.slice('status '.length)), calls: out };
  }

  it('hands _describe value:description pairs', () => {
    expect(zshComplete('nerdctl r')).toEqual({
      status: 0,
      calls: ['describe  | ', 'rm:Remove one or more containers', 'rmi:Remove one or more images', 'run:Run a command in a new container'],
    });
  });

  it('escapes ":" in values and keeps the --flag= prefix', () => {
    expect(zshComplete('nerdctl rmi busybox:').calls).toEqual(['describe  | ', 'busybox\\:latest', 'busybox\\:1.36']);
    expect(zshComplete('nerdctl run --network=b').calls).toEqual(['describe  | -P --network=', 'bridge']);
  });

  it('unquotes the words it passes on', () => {
    expect(zshComplete("nerdctl -n 'k8s.io' exec ").calls).toEqual(['describe  | ', 'web', 'db']);
  });

  it('falls back to files unless the directive says no, and completes directories for FilterDirs', () => {
    expect(zshComplete('nerdctl run busybox ')).toEqual({ status: 0, calls: ['files '] });
    expect(zshComplete('nerdctl ps ')).toEqual({ status: 1, calls: [] });
    expect(zshComplete('nerdctl --data-root ')).toEqual({ status: 0, calls: ['files -/'] });
  });

  it('applies NoSpace and KeepOrder', () => {
    const bin = join(fx.dir, 'canned-zsh');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'nerdctl'), '#!/bin/sh\nprintf "b\\na\\n:38\\n"\n');
    chmodSync(join(bin, 'nerdctl'), 0o755);
    expect(zshComplete('nerdctl ', { PATH: `${bin}:${fx.path}` }).calls).toEqual(["describe -V | -S ", 'b', 'a']);
  });
});
