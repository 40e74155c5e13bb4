import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completionDataFromFile } from './fixture-data.js';
import { completionScript, SHELLS } from './scripts.js';
import { shellIdent } from './shell.js';

describe('completionScript', () => {
  it.each(SHELLS)('%s: asks __complete, or __completeNoDesc without descriptions, and registers for the program', (shell) => {
    const withDesc = completionScript(shell, { name: 'nerdctl', descriptions: true });
    expect(withDesc).toMatch(/\b__complete\b/);
    expect(withDesc).not.toContain('__completeNoDesc');
    const noDesc = completionScript(shell, { name: 'nerdctl', descriptions: false });
    expect(noDesc).toContain('__completeNoDesc');
    expect(noDesc).not.toMatch(/__complete[^N]/);
  });

  it('registers the completion for the program name', () => {
    expect(completionScript('bash', { name: 'nerdctl', descriptions: true })).toContain('complete -o default -F __nerdctl_complete nerdctl\n');
    expect(completionScript('zsh', { name: 'nerdctl', descriptions: true })).toMatch(/^#compdef nerdctl\ncompdef _nerdctl nerdctl\n/);
    expect(completionScript('fish', { name: 'nerdctl', descriptions: true })).toContain("complete -c nerdctl -n \"not __nerdctl_keeps_order; and __nerdctl_prepare\" -f -a '$__nerdctl_results'");
  });

  it('makes shell identifiers of other program names', () => {
    expect(shellIdent('my-cli.v2')).toBe('my_cli_v2');
    expect(completionScript('bash', { name: 'my-cli', descriptions: true })).toContain('__my_cli_complete my-cli');
  });

  it('never evaluates typed words', () => {
    for (const shell of SHELLS) expect(completionScript(shell, { name: 'nerdctl', descriptions: true })).not.toMatch(/\beval\b/);
  });
});

describe('completionDataFromFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'completion-fixture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('filters containers by state and lists the other names', async () => {
    const file = join(dir, 'data.json');
    writeFileSync(
      file,
      JSON.stringify({
        containers: [
          { name: 'a', state: 'running' },
          { name: 'b', state: 'exited' },
          { name: 'c', state: 'created' },
          { name: 'd', state: 'paused' },
        ],
        networks: ['bridge'],
      }),
    );
    const data = completionDataFromFile(file);
    expect(await data.containers('all')).toEqual(['a', 'b', 'c', 'd']);
    expect(await data.containers('running')).toEqual(['a']);
    expect(await data.containers('stopped')).toEqual(['b', 'c']);
    expect(await data.containers('paused')).toEqual(['d']);
    expect(await data.networks()).toEqual(['bridge']);
    expect(await data.volumes()).toEqual([]);
  });

  it('fails (and the protocol swallows it) when the file is missing', async () => {
    await expect(completionDataFromFile(join(dir, 'missing.json')).images()).rejects.toThrow();
  });
});
