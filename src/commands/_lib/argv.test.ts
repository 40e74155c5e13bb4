import { describe, expect, it } from 'vitest';
import { parseArgv, suggest, type RootSpec } from './argv.js';
import { defineCommand, defineGroup } from './spec.js';

const noop = async () => {};
const run = defineCommand({
  name: 'run',
  usage: 'IMAGE [COMMAND] [ARG...]',
  summary: 'Run a command in a new container',
  interspersed: false,
  args: { min: 1 },
  flags: {
    detach: { type: 'boolean', short: 'd', describe: '' },
    interactive: { type: 'boolean', short: 'i', describe: '' },
    tty: { type: 'boolean', short: 't', describe: '' },
    env: { type: 'strings', short: 'e', describe: '' },
    publish: { type: 'strings', short: 'p', describe: '' },
    network: { type: 'strings', aliases: ['net'], describe: '' },
    name: { type: 'string', describe: '' },
    memory: { type: 'string', short: 'm', describe: '' },
  },
  handler: noop,
});
const ps = defineCommand({
  name: 'ls',
  aliases: ['list'],
  summary: 'List containers',
  args: { max: 0 },
  flags: {
    all: { type: 'boolean', short: 'a', describe: '' },
    last: { type: 'number', short: 'n', describe: '', default: -1 },
    quiet: { type: 'boolean', short: 'q', describe: '' },
  },
  handler: noop,
});
const rm = defineCommand({
  name: 'rm',
  summary: 'Remove',
  args: { min: 1 },
  flags: { force: { type: 'boolean', short: 'f', describe: '' } },
  handler: noop,
});
const root: RootSpec = {
  name: 'nerdctl',
  flags: {
    namespace: { type: 'string', short: 'n', describe: '', default: 'default' },
    debug: { type: 'boolean', describe: '' },
  },
  commands: [defineGroup({ name: 'container', summary: 'Manage containers', commands: [run, ps, rm] }), run, { ...ps, name: 'ps', aliases: [] }, rm],
};

describe('parseArgv', () => {
  it('stops flag parsing at the image for run and keeps the command verbatim', () => {
    const inv = parseArgv(root, ['run', '-itd', '-eA=1', '-e', 'B=2', '-p8080:80', '--net=n1', '-m512m', 'busybox', 'ls', '-la', '--', 'x']);
    expect(inv.path).toEqual(['run']);
    expect(inv.flags).toMatchObject({ interactive: true, tty: true, detach: true, env: ['A=1', 'B=2'], publish: ['8080:80'], network: ['n1'], memory: '512m' });
    expect(inv.args).toEqual(['busybox', 'ls', '-la', '--', 'x']);
  });

  it('takes -n as the namespace before the command and as --last after ps', () => {
    const inv = parseArgv(root, ['-n', 'k8s.io', 'ps', '-n', '3', '-a']);
    expect(inv.globals.namespace).toBe('k8s.io');
    expect(inv.flags).toMatchObject({ last: 3, all: true });
  });

  it('accepts long global flags after the command', () => {
    const inv = parseArgv(root, ['container', 'rm', 'a', '--namespace', 'x', '-f', 'b']);
    expect(inv.path).toEqual(['container', 'rm']);
    expect(inv.globals.namespace).toBe('x');
    expect(inv.args).toEqual(['a', 'b']);
    expect(inv.flags.force).toBe(true);
  });

  it('fills defaults and records which flags were set', () => {
    const inv = parseArgv(root, ['ps']);
    expect(inv.flags).toMatchObject({ all: false, last: -1, quiet: false });
    expect(inv.changed.size).toBe(0);
  });

  it('treats arguments after -- as positional', () => {
    expect(parseArgv(root, ['rm', '--', '-f']).args).toEqual(['-f']);
  });

  it.each([
    [['ps', '--bogus'], 'unknown flag: --bogus'],
    [['ps', '--al'], 'unknown flag: --al (did you mean --all?)'],
    [['ps', '-z'], "unknown shorthand flag: 'z' in -z"],
    [['ps', '-n'], "flag needs an argument: 'n' in -n"],
    [['ps', '-n', 'x'], 'invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [['run', '--name'], 'flag needs an argument: --name'],
    [['run'], '"nerdctl run" requires at least 1 argument.'],
    [['ps', 'extra'], '"nerdctl ps" accepts no arguments.'],
    [['pss'], 'unknown command "pss" for "nerdctl" (did you mean "ps"?)'],
    [['container', 'lss'], 'unknown command "lss" for "nerdctl container" (did you mean "ls"?)'],
    [['ps', '--all=maybe'], 'invalid argument "maybe" for "-a, --all" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
  ])('%j fails with %j', (argv, message) => {
    expect(() => parseArgv(root, argv)).toThrow(message);
  });

  it('sees --help anywhere before the positionals of run, and not after', () => {
    expect(parseArgv(root, ['run', '--help']).help).toBe(true);
    expect(parseArgv(root, ['run', 'busybox', '--help']).help).toBe(false);
    expect(parseArgv(root, ['container', '-h']).help).toBe(true);
  });

  it('resolves aliases to the canonical command', () => {
    expect(parseArgv(root, ['container', 'list']).path).toEqual(['container', 'ls']);
  });

  it('returns the group when no subcommand is given', () => {
    const inv = parseArgv(root, ['container']);
    expect(inv.command).toBeUndefined();
    expect(inv.path).toEqual(['container']);
  });
});

describe('suggest', () => {
  it('finds near misses and prefixes only', () => {
    expect(suggest('imgaes', ['images', 'image', 'info'])).toBe('images');
    expect(suggest('zzz', ['images', 'ps'])).toBeUndefined();
  });
});
