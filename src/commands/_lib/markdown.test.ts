import { describe, expect, it } from 'vitest';
import { configKeys } from './config.js';
import { anchor, commandReference } from './markdown.js';
import { fixtureRoot } from './spec-fixture.js';

const doc = commandReference({ root: fixtureRoot, version: '1.2.3' });
/** The text of the `## <heading>` section, up to the next `## `. */
const section = (heading: string) => {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start + 1, end < 0 ? undefined : end);
};

describe('commandReference', () => {
  it('has one section per visible group and command, linked from the contents', () => {
    const headings = [...doc.matchAll(/^## (nerdctl.*)$/gm)].map((m) => m[1]);
    expect(headings).toContain('nerdctl container run');
    expect(headings).toContain('nerdctl run');
    expect(headings).toContain('nerdctl network');
    expect(headings).not.toContain('nerdctl internal');
    for (const h of headings) expect(doc).toContain(`(#${anchor(h!)})`);
  });

  it('renders usage, description, aliases, an options table and examples', () => {
    expect(section('nerdctl container ls')).toBe(
      [
        '## nerdctl container ls',
        '',
        '```text',
        'nerdctl container ls [OPTIONS]',
        '```',
        '',
        'List containers',
        '',
        'Aliases: `nerdctl container ps`, `nerdctl container list`, `nerdctl ps`',
        '',
        'Options:',
        '',
        '| Option | Shorthand | Type | Default | Description |',
        '|---|---|---|---|---|',
        '| `--all` | `-a` |  |  | Show all containers (default shows just running) |',
        '| `--format` |  | string |  | Format output using a custom template |',
        '| `--help` | `-h` |  |  | Print usage |',
        '| `--last` | `-n` | int | `-1` | Show n last created containers (includes all states) |',
        '| `--quiet` | `-q` |  |  | Only display container IDs |',
        '',
      ].join('\n'),
    );
    const run = section('nerdctl container run');
    expect(run).toContain('| `--network`, `--net` |  | list (repeatable) | `bridge` | Connect a container to a network |');
    expect(run).toContain('| `--pull` |  | string | `missing` | Pull image before running<br>One of: always, missing, never |');
    expect(run).toContain('Run a shell in a busybox container:\n\n```console\n$ nerdctl run -it --rm busybox sh\n```');
    expect(run).not.toContain('oom-kill-disable');
  });

  it('points shorthands to their command', () => {
    expect(section('nerdctl rmi')).toBe('## nerdctl rmi\n\nShorthand for [`nerdctl image rm`](#nerdctl-image-rm): Remove one or more images.\n');
  });

  it('lists the group flags of compose commands', () => {
    expect(section('nerdctl compose up')).toContain('Options of `nerdctl compose`:\n\n| Option | Shorthand | Type | Default | Description |');
  });

  it('documents global options with their environment variables and config keys, and every config key', () => {
    expect(section('Global options')).toContain(
      '| `--namespace` | `-n` | string | `default` | `CONTAINERD_NAMESPACE` | `namespace` | containerd namespace |',
    );
    const config = section('Configuration file');
    for (const key of Object.keys(configKeys)) expect(config).toContain(`| \`${key}\` |`);
  });

  it('escapes table cells', () => {
    const root = {
      ...fixtureRoot,
      commands: [
        {
          kind: 'command' as const,
          name: 'x',
          summary: 'X',
          flags: { y: { type: 'string' as const, describe: 'a|b <c>\nnext' } },
          handler: async () => {},
        },
      ],
    };
    expect(commandReference({ root, version: '1' })).toContain('| `--y` |  | string |  | a\\|b &lt;c><br>next |');
  });
});

describe('anchor', () => {
  it.each([
    ['nerdctl container run', 'nerdctl-container-run'],
    ['Global options', 'global-options'],
  ])('%j', (h, a) => expect(anchor(h)).toBe(a));
});
