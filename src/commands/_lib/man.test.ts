import { describe, expect, it } from 'vitest';
import { commandPages } from './command-pages.js';
import { manPages, MANUAL_DATE, roffText } from './man.js';
import { fixtureRoot } from './spec-fixture.js';
import { configKeys, envKeys } from './config.js';

const pages = manPages({ root: fixtureRoot, version: '1.2.3' });
const page = (name: string) => {
  const text = pages.get(name);
  if (text === undefined) throw new Error(`no page ${name}`);
  return text;
};
/** The lines of one section (`.SH NAME` ... up to the next `.SH`). */
const section = (text: string, title: string) => {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === `.SH ${title}` || l === `.SH "${title}"`);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.startsWith('.SH '));
  return lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .replace(/\n+$/, '');
};

describe('roffText', () => {
  it.each([
    ['--network', '\\-\\-network'],
    ['C:\\dir', 'C:\\edir'],
    ['it’s …', 'it\\[u2019]s \\[u2026]'],
    ['plain text', 'plain text'],
  ])('%j', (input, expected) => expect(roffText(input)).toBe(expected));
});

describe('manPages', () => {
  it('writes nerdctl(1), nerdctl.toml(5) and one page per visible group and command, shorthands included', () => {
    expect([...pages.keys()].sort()).toEqual(
      [
        'nerdctl.1',
        'nerdctl.toml.5',
        'nerdctl-compose.1',
        'nerdctl-compose-logs.1',
        'nerdctl-compose-up.1',
        'nerdctl-container.1',
        'nerdctl-container-exec.1',
        'nerdctl-container-kill.1',
        'nerdctl-container-ls.1',
        'nerdctl-container-rm.1',
        'nerdctl-container-run.1',
        'nerdctl-container-start.1',
        'nerdctl-image.1',
        'nerdctl-image-rm.1',
        'nerdctl-network.1',
        'nerdctl-network-create.1',
        'nerdctl-network-rm.1',
        'nerdctl-volume.1',
        'nerdctl-volume-rm.1',
        'nerdctl-exec.1',
        'nerdctl-kill.1',
        'nerdctl-ps.1',
        'nerdctl-rm.1',
        'nerdctl-rmi.1',
        'nerdctl-run.1',
        'nerdctl-start.1',
        'nerdctl-version.1',
      ].sort(),
    );
    expect(pages.has('nerdctl-internal.1')).toBe(false);
  });

  it('gives every page a fixed date header and the required sections', () => {
    for (const [name, text] of pages) {
      expect(text, name).toContain(`"${MANUAL_DATE}" "nerdctl 1.2.3"`);
      for (const s of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'SEE ALSO']) expect(section(text, s), `${name} ${s}`).toBeDefined();
      if (name.endsWith('.1')) {
        expect(section(text, 'OPTIONS'), name).toBeDefined();
        expect(section(text, 'EXIT STATUS'), name).toBeDefined();
      }
    }
  });

  it('documents every visible flag with its value type, default, choices, aliases and shorthand', () => {
    const run = page('nerdctl-container-run.1');
    expect(section(run, 'NAME')).toBe('nerdctl\\-container\\-run \\- Run a command in a new container');
    expect(section(run, 'SYNOPSIS')).toBe('\\fBnerdctl container run\\fR [\\fIOPTIONS\\fR] \\fIIMAGE\\fR [\\fICOMMAND\\fR] [\\fIARG\\fR...]');
    const options = section(run, 'OPTIONS')!;
    expect(options).toContain('.TP\n\\fB\\-\\-network\\fR, \\fB\\-\\-net\\fR \\fIlist\\fR\nConnect a container to a network\n.br\nDefault: \\fBbridge\\fR.\nMay be given more than once.');
    expect(options).toContain('.TP\n\\fB\\-\\-pull\\fR \\fIstring\\fR\nPull image before running\n.br\nDefault: \\fBmissing\\fR.\nOne of: \\fBalways\\fR, \\fBmissing\\fR, \\fBnever\\fR.');
    expect(options).toContain('.TP\n\\fB\\-d\\fR, \\fB\\-\\-detach\\fR\nRun container in background and print container ID\n');
    expect(options).toContain('\\fB\\-h\\fR, \\fB\\-\\-help\\fR');
    expect(options).toContain('Deprecated: links are not supported.');
    expect(options).not.toContain('oom\\-kill\\-disable');
    expect(options).toContain('The global options of \\fBnerdctl\\fR(1) (\\fB\\-\\-namespace\\fR,');
    expect(options).not.toContain('address');
  });

  it('lists group flags of compose commands in their own subsection', () => {
    const up = page('nerdctl-compose-up.1');
    expect(section(up, 'OPTIONS')).toContain('.SS "Options of nerdctl compose"\n.TP\n\\fB\\-f\\fR, \\fB\\-\\-file\\fR \\fIlist\\fR');
    expect(section(page('nerdctl-compose.1'), 'SYNOPSIS')).toBe('\\fBnerdctl compose\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR');
  });

  it('renders examples as literal, escaped command lines', () => {
    expect(section(page('nerdctl-container-run.1'), 'EXAMPLES')).toBe(
      [
        'Run a shell in a busybox container:',
        '.PP',
        '.RS 4',
        '.EX',
        '\\&$ nerdctl run \\-it \\-\\-rm busybox sh',
        '.EE',
        '.RE',
        '.PP',
        'Publish port 80 as 8080:',
        '.PP',
        '.RS 4',
        '.EX',
        '\\&$ nerdctl run \\-d \\-p 8080:80 \\-\\-name web nginx',
        '.EE',
        '.RE',
      ].join('\n'),
    );
  });

  it("uses docker's exit statuses: the container's status and 125/126/127 for run and exec, 0/1/125 elsewhere", () => {
    for (const name of ['nerdctl-container-run.1', 'nerdctl-run.1', 'nerdctl-exec.1']) {
      const status = section(page(name), 'EXIT STATUS')!;
      for (const code of ['0', '125', '126', '127']) expect(status, name).toContain(`\\fB${code}\\fR`);
      expect(status).toContain('Otherwise, the exit status of the contained command.');
    }
    const start = section(page('nerdctl-container-start.1'), 'EXIT STATUS')!;
    expect(start).toContain('\\fB125\\fR');
    expect(start).not.toContain('\\fB126\\fR');
    const rm = section(page('nerdctl-rm.1'), 'EXIT STATUS')!;
    expect(rm).toContain('\\fB1\\fR\nThe command failed');
    expect(rm).toContain('\\fB125\\fR\nUsage error');
  });

  it('makes shorthand pages point to their command and the command to its shorthands', () => {
    const run = page('nerdctl-run.1');
    expect(section(run, 'DESCRIPTION')).toContain('\\fBnerdctl run\\fR is a shorthand for \\fBnerdctl container run\\fR; see \\fBnerdctl\\-container\\-run\\fR(1).');
    expect(section(run, 'SEE ALSO')).toBe('.BR nerdctl (1),\n.BR nerdctl\\-container\\-run (1)');
    expect(section(page('nerdctl-container-run.1'), 'SEE ALSO')).toBe('.BR nerdctl (1),\n.BR nerdctl\\-container (1),\n.BR nerdctl\\-run (1)');
    expect(section(page('nerdctl-container-ls.1'), 'DESCRIPTION')).toContain(
      'Also available as: \\fBnerdctl container ps\\fR, \\fBnerdctl container list\\fR, \\fBnerdctl ps\\fR.',
    );
    // Same (shared) handler, different flags: not the same command.
    expect(section(page('nerdctl-volume-rm.1'), 'DESCRIPTION')).not.toContain('Also available');
  });

  it('lists a group’s commands with their pages', () => {
    expect(section(page('nerdctl-network.1'), 'COMMANDS')).toBe(
      '.TP\n\\fBnerdctl\\-network\\-create\\fR(1)\nCreate a network\n.TP\n\\fBnerdctl\\-network\\-rm\\fR(1)\nRemove one or more networks',
    );
  });

  it('documents the global options, environment and files in nerdctl(1)', () => {
    const root = page('nerdctl.1');
    const options = section(root, 'OPTIONS')!;
    expect(options).toContain('\\fB\\-n\\fR, \\fB\\-\\-namespace\\fR \\fIstring\\fR\ncontainerd namespace\n.br\nDefault: \\fBdefault\\fR.\nEnvironment: \\fBCONTAINERD_NAMESPACE\\fR.\nnerdctl.toml: \\fBnamespace\\fR.');
    expect(options).toContain('\\fB\\-v\\fR, \\fB\\-\\-version\\fR');
    const env = section(root, 'ENVIRONMENT')!;
    for (const name of [...Object.keys(envKeys), 'NERDCTL_TOML', 'NO_COLOR']) expect(env).toContain(`.TP\n\\fB${name}\\fR`);
    expect(section(root, 'FILES')).toContain('/etc/nerdctl/nerdctl.toml');
    expect(section(root, 'COMMANDS')).toContain('.SS "Management commands"\n.TP\n\\fBnerdctl\\-compose\\fR(1)');
  });

  it('documents every nerdctl.toml key with its type, flag and environment variable', () => {
    const keys = section(page('nerdctl.toml.5'), 'KEYS')!;
    for (const [key, k] of Object.entries(configKeys)) {
      expect(keys).toContain(`.TP\n\\fB${roffText(key)}\\fR (\\fI${k.type === 'strings' ? 'array of strings' : k.type}\\fR)`);
      expect(keys).toContain(`Flag: \\fB${roffText(`--${k.flag}`)}\\fR.`);
    }
    expect(keys).toContain('Environment: \\fBNERDCTL_DATA_ROOT\\fR.');
  });

  it('neutralises a leading dot or quote and backslashes in descriptions', () => {
    const root = {
      ...fixtureRoot,
      commands: [
        {
          ...fixtureRoot.commands.find((c) => c.name === 'version')!,
          description: ".hidden macro?\n'quoted\nback\\slash",
        },
      ],
    };
    const text = manPages({ root, version: '1' }).get('nerdctl-version.1')!;
    expect(section(text, 'DESCRIPTION')).toBe("\\&.hidden macro?\n\\&'quoted\nback\\eslash");
  });
});

describe('commandPages', () => {
  it('finds the canonical path of shorthands by handler and flags', () => {
    const byPath = new Map(commandPages(fixtureRoot).map((p) => [p.path.join(' '), p]));
    expect(byPath.get('rmi')?.shorthandOf).toEqual(['image', 'rm']);
    expect(byPath.get('image rm')?.shorthandOf).toBeUndefined();
    expect(byPath.get('image rm')?.otherPaths.map((p) => p.join(' '))).toEqual(['image rmi', 'image remove', 'rmi']);
    expect(byPath.get('version')?.shorthandOf).toBeUndefined();
    expect(byPath.get('version')?.otherPaths).toEqual([]);
    expect(byPath.has('internal')).toBe(false);
  });
});
