/**
 * `__complete` through the built binary, for the real command tree: the protocol's output shape, descriptions,
 * exit status 0 and nothing but candidates on stdout whatever is typed, and no trace left on disk.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { globalFlags } from '../../src/commands/_lib/config.js';
import { FIXTURE_DATA, REPO } from './harness.js';

const BIN = join(REPO, 'dist', 'nerdctl.js');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nerdctl-complete-bin-'));
  writeFileSync(join(tmp, 'data.json'), JSON.stringify(FIXTURE_DATA));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function complete(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: tmp });
  const lines = r.stdout.split('\n');
  expect(lines.pop()).toBe('');
  const last = lines.pop()!;
  expect(last).toMatch(/^:\d+$/);
  return { status: r.status, candidates: lines, directive: Number(last.slice(1)), stderr: r.stderr };
}

describe('nerdctl __complete (built binary, real tree)', () => {
  it('offers every visible top-level command with its summary', () => {
    const r = complete(['__complete', '']);
    expect(r.status).toBe(0);
    expect(r.directive).toBe(4);
    // The tree grows while dist/ may lag behind the sources: check the shape and the commands that are certain.
    for (const line of r.candidates) expect(line).toMatch(/^[a-z][a-z0-9-]*\t\S/);
    const hidden = commands.filter((c) => c.hidden === true).map((c) => c.name);
    const names = r.candidates.map((l) => l.split('\t')[0]);
    for (const h of [...hidden, '__complete', '__completeNoDesc']) expect(names).not.toContain(h);
    const version = commands.find((c) => c.name === 'version')!;
    expect(r.candidates).toContain(`version\t${version.summary}`);
    expect(r.candidates).toContain('completion\tGenerate the autocompletion script for the specified shell');
    expect(r.stderr).toBe('Completion ended with directive: ShellCompDirectiveNoFileComp\n');
  });

  it('offers subcommands and flags, local then global', () => {
    expect(complete(['__completeNoDesc', 'completion', '']).candidates).toEqual(['bash', 'zsh', 'fish']);
    const flags = complete(['__completeNoDesc', 'version', '-']).candidates;
    expect(flags.slice(0, 4)).toEqual(['--format', '-f', '--help', '-h']);
    const visibleGlobals = Object.entries(globalFlags).filter(([, s]) => !('hidden' in s && s.hidden));
    for (const [name] of visibleGlobals) expect(flags).toContain(`--${name}`);
    expect(flags).not.toContain('--address');
  });

  it('offers choices and global flag values, dynamic ones from the completion data', () => {
    expect(complete(['__completeNoDesc', '--cgroup-manager', '']).candidates).toEqual(['cgroupfs', 'systemd', 'none']);
    expect(complete(['__completeNoDesc', 'version', '--snapshotter=n']).candidates).toEqual(['native']);
    expect(complete(['__completeNoDesc', '-n', ''], { NERDCTL_COMPLETION_FIXTURE: join(tmp, 'data.json') }).candidates).toEqual(['default', 'k8s.io']);
    expect(complete(['__complete', '--data-root', '']).directive).toBe(16);
  });

  it.each([
    [['__complete']],
    [['__complete', 'no-such-command', '']],
    [['__complete', '--no-such-flag=', '']],
    [['__complete', 'version', '--format']],
    [['__complete', '-n']],
    [['__complete', '--', '--', '']],
    [['__complete', 'completion', 'bash', 'extra', 'args', '']],
    [['__complete', '-n', ''], { NERDCTL_COMPLETION_FIXTURE: '/nonexistent/fixture.json' }],
  ] as [string[], Record<string, string>?][])('never fails: %j', (args, env) => {
    const r = complete(args, env);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/Error:|at .*\.js/);
  });

  it('does not create the data root or anything else', () => {
    const root = join(tmp, 'data-root');
    const r = complete(['__complete', '--data-root', root, '-n', ''], { NERDCTL_TOML: join(tmp, 'none.toml') });
    expect(r.status).toBe(0);
    expect(existsSync(root)).toBe(false);
  });

  it('prints each script as the committed file', () => {
    for (const [shell, file] of [
      ['bash', 'nerdctl.bash'],
      ['zsh', '_nerdctl'],
      ['fish', 'nerdctl.fish'],
    ]) {
      const r = spawnSync(process.execPath, [BIN, 'completion', shell!], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(spawnSync('cat', [join(REPO, 'completions', file!)], { encoding: 'utf8' }).stdout);
      const noDesc = spawnSync(process.execPath, [BIN, 'completion', shell!, '--no-descriptions'], { encoding: 'utf8' });
      expect(noDesc.stdout).toContain('__completeNoDesc');
      expect(noDesc.stdout).not.toMatch(/ __complete /);
    }
  });
});
