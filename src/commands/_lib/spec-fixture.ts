/**
 * A small, fixed command tree for the generators' tests (help, completion, man pages, Markdown): the real tree
 * keeps growing, so tests that compare exact output use this one. Shaped like the real one: management groups,
 * top-level shorthands sharing the group commands' handlers, group flags (compose), hidden and deprecated flags.
 */
import type { RootSpec } from './argv.js';
import { aliasOf, defineCommand, defineGroup } from './spec.js';

const noop = async () => {};

export const fixtureRun = defineCommand({
  name: 'run',
  usage: 'IMAGE [COMMAND] [ARG...]',
  summary: 'Run a command in a new container',
  interspersed: false,
  args: { min: 1, complete: ['images', 'files'] },
  flags: {
    detach: { type: 'boolean', short: 'd', describe: 'Run container in background and print container ID' },
    env: { type: 'strings', short: 'e', describe: 'Set environment variables' },
    name: { type: 'string', describe: 'Assign a name to the container' },
    network: { type: 'strings', aliases: ['net'], describe: 'Connect a container to a network', default: ['bridge'], complete: 'networks' },
    restart: { type: 'string', describe: 'Restart policy to apply when a container exits', default: 'no', complete: 'restart-policies' },
    'cap-add': { type: 'strings', describe: 'Add Linux capabilities', complete: 'capabilities' },
    platform: { type: 'string', describe: 'Set platform if server is multi-platform capable', complete: 'platforms' },
    'log-driver': { type: 'string', describe: 'Logging driver for the container', default: 'json-file', complete: 'log-drivers' },
    volume: { type: 'strings', short: 'v', describe: 'Bind mount a volume', complete: 'volumes' },
    memory: { type: 'string', short: 'm', valueName: 'bytes', describe: 'Memory limit' },
    cpus: { type: 'number', valueName: 'decimal', describe: 'Number of CPUs' },
    pull: { type: 'string', describe: 'Pull image before running', default: 'missing', choices: ['always', 'missing', 'never'] },
    'cidfile': { type: 'string', describe: 'Write the container ID to the file', complete: 'files' },
    'health-cmd': {
      type: 'string',
      describe: 'Command to run to check health; a long description that pflag wraps onto a second line at the terminal width',
    },
    'oom-kill-disable': { type: 'boolean', describe: 'Disable OOM Killer', hidden: true },
    'link': { type: 'strings', describe: 'Add link to another container', deprecated: 'links are not supported' },
  },
  examples: [
    { description: 'Run a shell in a busybox container', command: 'nerdctl run -it --rm busybox sh' },
    { description: 'Publish port 80 as 8080', command: 'nerdctl run -d -p 8080:80 --name web nginx' },
  ],
  handler: noop,
});

export const fixtureExec = defineCommand({
  name: 'exec',
  usage: 'CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  interspersed: false,
  args: { min: 2, complete: ['containers:running', 'none'] },
  flags: {
    interactive: { type: 'boolean', short: 'i', describe: 'Keep STDIN open even if not attached' },
    tty: { type: 'boolean', short: 't', describe: 'Allocate a pseudo-TTY' },
    workdir: { type: 'string', short: 'w', describe: 'Working directory inside the container', complete: 'none' },
  },
  handler: noop,
});

export const fixtureStart = defineCommand({
  name: 'start',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  args: { min: 1, complete: ['containers:stopped'] },
  flags: { attach: { type: 'boolean', short: 'a', describe: 'Attach STDOUT/STDERR and forward signals' } },
  handler: noop,
});

export const fixtureRm = defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  args: { min: 1, complete: ['containers'] },
  flags: { force: { type: 'boolean', short: 'f', describe: 'Force the removal of a running container (uses SIGKILL)' } },
  handler: noop,
});

export const fixtureKill = defineCommand({
  name: 'kill',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  args: { min: 1, complete: ['containers:running'] },
  flags: { signal: { type: 'string', short: 's', describe: 'Signal to send to the container', default: 'KILL', complete: 'signals' } },
  handler: noop,
});

export const fixturePs = defineCommand({
  name: 'ls',
  aliases: ['ps', 'list'],
  summary: 'List containers',
  args: { max: 0 },
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Show all containers (default shows just running)' },
    format: { type: 'string', describe: 'Format output using a custom template', complete: { format: ['ID', 'Image', 'Names'] } },
    last: { type: 'number', short: 'n', describe: 'Show n last created containers (includes all states)', default: -1 },
    quiet: { type: 'boolean', short: 'q', describe: 'Only display container IDs' },
  },
  handler: noop,
});

export const fixtureImageRm = defineCommand({
  name: 'rm',
  aliases: ['rmi', 'remove'],
  usage: 'IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  args: { min: 1, complete: ['images:local'] },
  flags: { force: { type: 'boolean', short: 'f', describe: 'Force removal of the image' } },
  handler: noop,
});

export const fixtureNetworkCreate = defineCommand({
  name: 'create',
  usage: 'NETWORK',
  summary: 'Create a network',
  args: { min: 1, max: 1, complete: ['none'] },
  flags: {
    driver: { type: 'string', short: 'd', describe: 'Driver to manage the Network', default: 'bridge', choices: ['bridge', 'macvlan', 'ipvlan'] },
    subnet: { type: 'strings', describe: 'Subnet in CIDR format that represents a network segment' },
    'ip-range': { type: 'string', describe: 'Allocate container ip from a sub-range' },
    'ipam-driver': { type: 'string', describe: 'IP Address Management Driver', default: 'default' },
    label: { type: 'strings', describe: 'Set metadata on a network' },
    opt: { type: 'strings', short: 'o', valueName: 'map', describe: 'Set driver specific options' },
  },
  examples: [{ description: 'Create a bridge network with a subnet', command: 'nerdctl network create --subnet 10.5.0.0/24 mynet' }],
  handler: noop,
});

export const fixtureNetworkRm = defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  args: { min: 1, complete: ['networks'] },
  flags: {},
  handler: noop,
});

export const fixtureVolumeRm = defineCommand({
  name: 'rm',
  usage: 'VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  args: { min: 1, complete: ['volumes'] },
  flags: { force: { type: 'boolean', short: 'f', describe: 'Force the removal of one or more volumes' } },
  handler: noop,
});

export const fixtureComposeLogs = defineCommand({
  name: 'logs',
  usage: '[SERVICE...]',
  summary: 'Show logs of running containers',
  args: { complete: ['compose-services'] },
  flags: { follow: { type: 'boolean', short: 'f', describe: 'Follow log output' } },
  handler: noop,
});

export const fixtureComposeUp = defineCommand({
  name: 'up',
  usage: '[SERVICE...]',
  summary: 'Create and start containers',
  args: { complete: ['compose-services'] },
  flags: { detach: { type: 'boolean', short: 'd', describe: 'Detached mode: Run containers in the background' } },
  handler: noop,
});

export const fixtureVersion = defineCommand({
  name: 'version',
  summary: 'Show the nerdctl version information',
  args: { max: 0 },
  flags: { format: { type: 'string', short: 'f', describe: "Format the output using the given Go template, e.g, '{{json .}}'", complete: 'format' } },
  handler: noop,
});

export const fixtureRoot: RootSpec = {
  name: 'nerdctl',
  flags: {
    namespace: { type: 'string', short: 'n', describe: 'containerd namespace', default: 'default', complete: 'namespaces' },
    'data-root': { type: 'string', describe: 'Root directory of persistent nerdctl state', default: '/var/lib/nerdctl', complete: 'dirs' },
    debug: { type: 'boolean', describe: 'debug mode' },
    snapshotter: { type: 'string', aliases: ['storage-driver'], describe: 'containerd snapshotter', default: 'overlayfs', choices: ['overlayfs', 'native'] },
    'insecure-registry': { type: 'strings', describe: 'skips verifying HTTPS certs, and allows falling back to plain HTTP' },
    address: { type: 'string', short: 'a', aliases: ['host', 'H'], describe: 'Accepted for compatibility', hidden: true },
  },
  commands: [
    defineGroup({
      name: 'compose',
      summary: 'Compose',
      flags: {
        file: { type: 'strings', short: 'f', describe: 'Specify an alternate compose file', complete: 'files' },
        'project-name': { type: 'string', short: 'p', describe: 'Specify an alternate project name', complete: 'none' },
        'project-directory': { type: 'string', describe: 'Specify an alternate working directory', complete: 'dirs' },
      },
      commands: [fixtureComposeLogs, fixtureComposeUp],
    }),
    defineGroup({
      name: 'container',
      summary: 'Manage containers',
      commands: [fixtureExec, fixtureKill, fixturePs, fixtureRm, fixtureRun, fixtureStart],
    }),
    defineGroup({ name: 'image', summary: 'Manage images', commands: [fixtureImageRm] }),
    defineGroup({ name: 'network', summary: 'Manage networks', commands: [fixtureNetworkCreate, fixtureNetworkRm] }),
    defineGroup({ name: 'volume', summary: 'Manage volumes', commands: [fixtureVolumeRm] }),
    defineGroup({ name: 'internal', summary: 'Internal commands', hidden: true, commands: [] }),
    aliasOf(fixtureExec, 'exec'),
    aliasOf(fixtureKill, 'kill'),
    aliasOf(fixturePs, 'ps'),
    aliasOf(fixtureRm, 'rm'),
    aliasOf(fixtureImageRm, 'rmi'),
    aliasOf(fixtureRun, 'run'),
    aliasOf(fixtureStart, 'start'),
    fixtureVersion,
  ],
};
