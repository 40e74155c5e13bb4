import { arch, platform } from 'node:os';
import { defineCommand } from '../_lib/spec.js';
import { formatInspect } from '../_lib/format.js';
import { VERSION } from '../_lib/version.js';
import { probeComponents, type Component } from './components.js';

/** The object `version --format` sees (nerdctl's shape: Client, Server.Components). */
export interface VersionInfo {
  Client: { Version: string; GitCommit: string; NodeVersion: string; Os: string; Arch: string; Components: Component[] };
  Server: { Components: Component[] };
}

/** Go's GOARCH for Node's process.arch. */
function goArch(a: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[a] ?? a;
}

/** The text nerdctl prints without --format. Pure. */
export function renderVersion(v: VersionInfo): string {
  const lines = ['Client:', ` Version:\t${v.Client.Version}`, ` OS/Arch:\t${v.Client.Os}/${v.Client.Arch}`, ` Git commit:\t${v.Client.GitCommit}`, ` Node.js:\t${v.Client.NodeVersion}`, '', 'Server:'];
  for (const c of v.Server.Components) {
    lines.push(` ${c.Name}:`, `  Version:\t${c.Version}`);
    for (const [k, val] of Object.entries(c.Details)) lines.push(`  ${k}:\t${val}`);
  }
  return `${lines.join('\n')}\n`;
}

export const versionCommand = defineCommand({
  name: 'version',
  summary: 'Show the nerdctl version information',
  examples: [
    { command: 'nerdctl version', description: 'Show the client version and the versions of the components it uses' },
    { command: "nerdctl version --format '{{.Client.Version}}'", description: 'Print only the client version' },
  ],
  flags: {
    format: { type: 'string', short: 'f', describe: 'Format the output using the given Go template, e.g, \'{{json .}}\'', complete: 'format' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const components = await probeComponents(ctx.globals.cniPath);
    const info: VersionInfo = {
      Client: { Version: VERSION, GitCommit: '<unknown>', NodeVersion: process.version, Os: platform(), Arch: goArch(arch()), Components: [] },
      Server: {
        Components: [{ Name: 'nerdctl engine', Version: VERSION, Details: { Mode: 'in-process (no daemon)' } }, ...components],
      },
    };
    if (flags.format !== undefined && flags.format !== '') ctx.out.write(formatInspect([info], flags.format));
    else ctx.out.write(renderVersion(info));
  },
});
