import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_DIRS, generatedFiles } from './generated-files.js';
import { rootSpec } from './main.js';

const repo = resolve(__dirname, '../../..');
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const files = generatedFiles({ root: rootSpec, version });
const hint = "regenerate with 'node scripts/gen-docs.mjs' and commit the result";

// The committed man pages, completion scripts and command reference are generated from the command specs: a flag
// or command changed without regenerating them fails here.
describe('generated files', () => {
  it.each([...files.keys()])('%s is up to date', (path) => {
    const committed = existsSync(join(repo, path)) ? readFileSync(join(repo, path), 'utf8') : undefined;
    expect(committed, `${path} is missing or out of date: ${hint}`).toBe(files.get(path));
  });

  it('has no stale files left from removed commands', () => {
    const stale = GENERATED_DIRS.flatMap((dir) => readdirSync(join(repo, dir)).map((name) => `${dir}/${name}`)).filter((p) => !files.has(p));
    expect(stale, hint).toEqual([]);
  });

  it('covers the real tree: nerdctl(1), nerdctl.toml(5), the three scripts and a page per visible command', () => {
    expect(files.has('man/nerdctl.1')).toBe(true);
    expect(files.has('man/nerdctl.toml.5')).toBe(true);
    expect(files.has('man/nerdctl-version.1')).toBe(true);
    expect(files.has('man/nerdctl-completion-bash.1')).toBe(true);
    expect([...files.keys()].filter((p) => p.startsWith('completions/')).sort()).toEqual(['completions/_nerdctl', 'completions/nerdctl.bash', 'completions/nerdctl.fish']);
  });
});
