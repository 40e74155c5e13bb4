import { describe, expect, it } from 'vitest';
import { renderCommandHelp, renderFlags, renderGroupHelp, wrapDescription } from './help.js';
import { fixtureNetworkCreate, fixturePs, fixtureRoot, fixtureRun } from './spec-fixture.js';
import type { AnySpec, CommandSpec, GroupSpec } from './spec.js';

// The fixtures keep their precise flag types; the renderers take any command.
const cmd = (s: AnySpec) => s as CommandSpec;

// Expected texts follow docker 20.10's layout (`docker network create --help` wraps its --subnet description at the
// same column, 79 characters, with the same words).
describe('renderCommandHelp', () => {
  it('renders usage, description, examples, then options sorted in byte order and wrapped at 79 columns', () => {
    expect(renderCommandHelp({ root: fixtureRoot, path: ['network', 'create'], spec: cmd(fixtureNetworkCreate) })).toBe(
      [
        '',
        'Usage:  nerdctl network create [OPTIONS] NETWORK',
        '',
        'Create a network',
        '',
        'Examples:',
        '  # Create a bridge network with a subnet',
        '  nerdctl network create --subnet 10.5.0.0/24 mynet',
        '',
        'Options:',
        '  -d, --driver string        Driver to manage the Network (default "bridge")',
        '      --ip-range string      Allocate container ip from a sub-range',
        '      --ipam-driver string   IP Address Management Driver (default "default")',
        '      --label list           Set metadata on a network',
        '  -o, --opt map              Set driver specific options',
        '      --subnet list          Subnet in CIDR format that represents a',
        '                             network segment',
        '',
      ].join('\n'),
    );
  });

  it('lists the other paths to the same command under Aliases', () => {
    const { aliases: _aliases, ...spec } = fixturePs;
    const text = renderCommandHelp({
      root: fixtureRoot,
      path: ['container', 'ls'],
      spec: cmd({ ...spec, kind: 'command' }),
      aliasPaths: ['nerdctl container ps', 'nerdctl container list', 'nerdctl ps'],
    });
    expect(text).toBe(
      [
        '',
        'Usage:  nerdctl container ls [OPTIONS]',
        '',
        'List containers',
        '',
        'Aliases:',
        '  nerdctl container ls, nerdctl container ps, nerdctl container list, nerdctl ps',
        '',
        'Options:',
        '  -a, --all             Show all containers (default shows just running)',
        '      --format string   Format output using a custom template',
        '  -n, --last int        Show n last created containers (includes all',
        '                        states) (default -1)',
        '  -q, --quiet           Only display container IDs',
        '',
      ].join('\n'),
    );
  });

  it('lists the management command first under Aliases when the shorthand was typed, as docker does', () => {
    const { aliases: _aliases, ...spec } = fixturePs;
    const text = renderCommandHelp({
      root: fixtureRoot,
      path: ['ps'],
      spec: cmd({ ...spec, kind: 'command' }),
      aliasPaths: ['nerdctl container ls', 'nerdctl container ps', 'nerdctl container list'],
    });
    expect(text).toContain('Usage:  nerdctl ps [OPTIONS]\n');
    expect(text).toContain('Aliases:\n  nerdctl container ls, nerdctl container ps, nerdctl container list, nerdctl ps\n');
  });

  it('leaves out hidden and deprecated flags and follows the terminal width', () => {
    const text = renderCommandHelp({ root: fixtureRoot, path: ['container', 'run'], spec: cmd(fixtureRun), width: 120 });
    expect(text).not.toContain('--oom-kill-disable');
    expect(text).not.toContain('--link');
    expect(text).toContain(
      '      --health-cmd string   Command to run to check health; a long description that pflag wraps onto a second\n' +
        '                            line at the terminal width\n',
    );
    expect(text).toContain('      --network list        Connect a container to a network (default [bridge])\n');
  });
});

describe('renderGroupHelp', () => {
  it('renders the root: global options, management commands, commands', () => {
    expect(renderGroupHelp({ root: fixtureRoot, path: [], spec: fixtureRoot })).toBe(
      [
        '',
        'Usage:  nerdctl [OPTIONS] COMMAND',
        '',
        'A Docker-compatible container CLI with its engine built in',
        '',
        'Options:',
        '      --data-root string         Root directory of persistent nerdctl',
        '                                 state (default "/var/lib/nerdctl")',
        '      --debug                    debug mode',
        '      --insecure-registry list   skips verifying HTTPS certs, and allows',
        '                                 falling back to plain HTTP',
        '  -n, --namespace string         containerd namespace (default "default")',
        '      --snapshotter string       containerd snapshotter (default "overlayfs")',
        '  -v, --version                  Print version information and quit',
        '',
        'Management Commands:',
        '  compose     Compose',
        '  container   Manage containers',
        '  image       Manage images',
        '  network     Manage networks',
        '  volume      Manage volumes',
        '',
        'Commands:',
        '  exec        Execute a command in a running container',
        '  kill        Kill one or more running containers',
        '  ps          List containers',
        '  rm          Remove one or more containers',
        '  rmi         Remove one or more images',
        '  run         Run a command in a new container',
        '  start       Start one or more stopped containers',
        '  version     Show the nerdctl version information',
        '',
        "Run 'nerdctl COMMAND --help' for more information on a command.",
        '',
      ].join('\n'),
    );
  });

  it('shows [OPTIONS] and the options of a group that has flags', () => {
    const compose = fixtureRoot.commands.find((c) => c.name === 'compose') as GroupSpec;
    expect(renderGroupHelp({ root: fixtureRoot, path: ['compose'], spec: compose })).toBe(
      [
        '',
        'Usage:  nerdctl compose [OPTIONS] COMMAND',
        '',
        'Compose',
        '',
        'Options:',
        '  -f, --file list                  Specify an alternate compose file',
        '      --project-directory string   Specify an alternate working directory',
        '  -p, --project-name string        Specify an alternate project name',
        '',
        'Commands:',
        '  logs        Show logs of running containers',
        '  up          Create and start containers',
        '',
        "Run 'nerdctl compose COMMAND --help' for more information on a command.",
        '',
      ].join('\n'),
    );
  });

  it('pads command names to the longest one when longer than 11', () => {
    const group: GroupSpec = {
      kind: 'group',
      name: 'g',
      summary: 'G',
      commands: [
        { ...fixtureRun, name: 'a-very-long-name' },
        { ...fixtureRun, name: 'b', summary: 'B' },
      ],
    };
    const text = renderGroupHelp({ root: fixtureRoot, path: ['g'], spec: group });
    expect(text).toContain('  a-very-long-name Run a command in a new container\n  b                B\n');
  });
});

describe('wrapDescription (pflag)', () => {
  it('does not wrap what fits, allowing 5 characters over to avoid an orphan word', () => {
    expect(wrapDescription('x'.repeat(30) + ' ' + 'y'.repeat(23), 20, 79)).toBe('x'.repeat(30) + ' ' + 'y'.repeat(23));
  });

  it('keeps the description’s own line breaks, indented', () => {
    expect(wrapDescription('one\ntwo', 10, 79)).toBe('one\n          two');
    expect(wrapDescription('one\ntwo', 4, 0)).toBe('one\n    two');
  });

  it('puts the description on its own lines when the flag column leaves less than 24 columns', () => {
    expect(wrapDescription('short text', 60, 79)).toBe('\n                short text');
  });

  it('renders no wrapping with width 0', () => {
    const long = 'word '.repeat(40).trim();
    expect(renderFlags({ x: { type: 'boolean', describe: long } }, [], 0)).toBe(`      --x   ${long}`);
  });
});
