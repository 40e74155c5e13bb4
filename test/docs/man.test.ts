/**
 * The man pages lint clean with mandoc and groff (the committed ones and those of a fixture tree with every kind of
 * page), `make install-docs` installs pages and completions where man, bash-completion, zsh and fish find them, and
 * `man` renders the installed pages.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manPages } from '../../src/commands/_lib/man.js';
import { fixtureRoot } from '../../src/commands/_lib/spec-fixture.js';

const REPO = resolve(__dirname, '../..');
let tmp: string;
let fixtureDir: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nerdctl-man-'));
  fixtureDir = join(tmp, 'fixture-man');
  mkdirSync(fixtureDir);
  for (const [file, text] of manPages({ root: fixtureRoot, version: '1.2.3' })) writeFileSync(join(fixtureDir, file), text);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const committed = readdirSync(join(REPO, 'man')).map((f) => join(REPO, 'man', f));
const fixturePages = () => readdirSync(fixtureDir).map((f) => join(fixtureDir, f));

function lint(file: string): string {
  const mandoc = spawnSync('mandoc', ['-T', 'lint', '-W', 'warning', file], { encoding: 'utf8' });
  const groff = spawnSync('groff', ['-man', '-ww', '-z', file], { encoding: 'utf8' });
  return [mandoc.status !== 0 ? `mandoc exit ${mandoc.status}` : '', mandoc.stdout, mandoc.stderr, groff.status !== 0 ? `groff exit ${groff.status}` : '', groff.stderr]
    .filter((s) => s !== '')
    .join('\n');
}

describe('man page lint', () => {
  it('has committed pages to lint', () => {
    expect(committed.length).toBeGreaterThanOrEqual(3);
  });

  it.each(committed.map((f) => [f.slice(REPO.length + 1), f]))('%s has no mandoc or groff warnings', (_name, file) => {
    expect(lint(file)).toBe('');
  });

  it('finds no warnings in the pages of the fixture tree (groups, shorthands, group flags, examples)', () => {
    const pages = fixturePages();
    expect(pages.length).toBeGreaterThan(20);
    for (const file of pages) expect(lint(file), file).toBe('');
  });

  it('catches a bad page (the lint is not vacuous)', () => {
    const bad = join(tmp, 'bad.1');
    writeFileSync(bad, '.TH BAD 1\n.SH NAME\nbad\n.BOGUS\n');
    expect(lint(bad)).not.toBe('');
  });
});

describe('man rendering', () => {
  const render = (args: string[], env: Record<string, string> = {}) =>
    execFileSync('man', args, { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '', ...env } });

  it('renders a command page with its sections', () => {
    const text = render(['-l', '-P', 'cat', join(fixtureDir, 'nerdctl-container-run.1')]);
    expect(text).toMatch(/^NAME\n\s+nerdctl-container-run - Run a command in a new container$/m);
    expect(text).toContain('nerdctl container run [OPTIONS] IMAGE [COMMAND] [ARG...]');
    expect(text).toMatch(/--network, --net list\n\s+Connect a container to a network\n\s+Default: bridge\.\s+May be given more than once\./);
    expect(text).toContain('$ nerdctl run -it --rm busybox sh');
    expect(text).toMatch(/^EXIT STATUS$/m);
    expect(text).toMatch(/^SEE ALSO\n\s+nerdctl\(1\), nerdctl-container\(1\), nerdctl-run\(1\)$/m);
  });

  describe('make install-docs', () => {
    let dest: string;
    beforeAll(() => {
      dest = join(tmp, 'dest');
      execFileSync('make', ['-s', '-C', REPO, 'install-docs', `DESTDIR=${dest}`, 'PREFIX=/usr/local'], { encoding: 'utf8' });
    });

    it('installs every page and the three completion scripts where Debian looks for them', () => {
      const man1 = readdirSync(join(dest, 'usr/local/share/man/man1')).sort();
      expect(man1).toEqual(committed.filter((f) => f.endsWith('.1')).map((f) => f.slice(f.lastIndexOf('/') + 1)).sort());
      expect(readdirSync(join(dest, 'usr/local/share/man/man5'))).toEqual(['nerdctl.toml.5']);
      expect(readdirSync(join(dest, 'usr/share/bash-completion/completions'))).toEqual(['nerdctl']);
      expect(readdirSync(join(dest, 'usr/share/zsh/vendor-completions'))).toEqual(['_nerdctl']);
      expect(readdirSync(join(dest, 'usr/share/fish/vendor_completions.d'))).toEqual(['nerdctl.fish']);
    });

    it('lets man find the pages by name', () => {
      const env = { MANPATH: join(dest, 'usr/local/share/man') };
      expect(render(['-P', 'cat', 'nerdctl'], env)).toMatch(/^NAME\n\s+nerdctl - a Docker-compatible container CLI/m);
      expect(render(['-P', 'cat', 'nerdctl-version'], env)).toMatch(/^NAME\n\s+nerdctl-version - /m);
      expect(render(['-P', 'cat', '5', 'nerdctl.toml'], env)).toMatch(/^KEYS$/m);
    });

    it('lets bash-completion load the installed script on demand', () => {
      const out = execFileSync(
        'bash',
        ['--norc', '--noprofile', '-c', 'source /usr/share/bash-completion/bash_completion; _completion_loader nerdctl; complete -p nerdctl'],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', XDG_DATA_DIRS: join(dest, 'usr/share') } },
      );
      expect(out).toContain('-F __nerdctl_complete nerdctl');
    });

    it('lets zsh and fish find the installed scripts', () => {
      const zsh = execFileSync('zsh', ['-f', '-c', `fpath=(${join(dest, 'usr/share/zsh/vendor-completions')} $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[nerdctl]`], {
        encoding: 'utf8',
      });
      expect(zsh.trim()).toBe('_nerdctl');
      // fish loads a command's completions when the command exists: a stand-in that answers one candidate.
      const bin = join(tmp, 'fake-bin');
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'nerdctl'), '#!/bin/sh\nprintf "installed-candidate\\n:4\\n"\n', { mode: 0o755 });
      const fish = execFileSync('fish', ['--no-config', '-c', `set fish_complete_path ${join(dest, 'usr/share/fish/vendor_completions.d')}; complete -C'nerdctl '`], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
      });
      expect(fish.trim()).toBe('installed-candidate');
    });
  });
});
