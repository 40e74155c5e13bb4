/**
 * Versions of the external programs the engine drives (runc, conmon, CNI plugins), probed by running them, for
 * `version` and `info`. Each probe is bounded (2 s) and a missing program is reported, not fatal.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** One component as nerdctl's `version --format '{{json .}}'` shows it. */
export interface Component {
  Name: string;
  Version: string;
  Details: Record<string, string>;
}

function run(file: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 2000, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(undefined);
      resolve(`${stdout}${stderr}`);
    });
  });
}

/** `runc --version` -> version and commit. Pure. */
export function parseRuncVersion(text: string): { version: string; commit: string } {
  const version = /runc version (\S+)/.exec(text)?.[1] ?? 'unknown';
  const commit = /commit: (\S+)/.exec(text)?.[1] ?? '';
  return { version, commit };
}

/** `conmon --version` -> version and commit. Pure. */
export function parseConmonVersion(text: string): { version: string; commit: string } {
  const version = /conmon version (\S+)/.exec(text)?.[1] ?? 'unknown';
  const commit = /commit: (\S+)/.exec(text)?.[1] ?? '';
  return { version, commit };
}

/** The first directory of a colon-separated search path that holds `name`. */
export function findIn(searchPath: string, name: string): string | undefined {
  for (const dir of searchPath.split(':')) {
    if (dir !== '' && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The installed Debian package version, when dpkg knows the package. */
async function debianVersion(pkg: string): Promise<string | undefined> {
  const out = await run('dpkg-query', ['-W', '-f', '${Version}', pkg]);
  if (out === undefined || out === '' || /no packages found|not installed/i.test(out)) return undefined;
  return out.trim().split('\n')[0];
}

/** Probes runc, conmon and the CNI plugins (in `cniPath`). */
export async function probeComponents(cniPath: string): Promise<Component[]> {
  const [runcOut, conmonOut] = await Promise.all([run('runc', ['--version']), run('conmon', ['--version'])]);
  const out: Component[] = [];
  if (runcOut !== undefined) {
    const r = parseRuncVersion(runcOut);
    out.push({ Name: 'runc', Version: r.version, Details: { GitCommit: r.commit } });
  } else out.push({ Name: 'runc', Version: 'not installed', Details: {} });
  if (conmonOut !== undefined) {
    const c = parseConmonVersion(conmonOut);
    out.push({ Name: 'conmon', Version: c.version, Details: { GitCommit: c.commit } });
  } else out.push({ Name: 'conmon', Version: 'not installed', Details: {} });
  const bridge = findIn(cniPath, 'bridge');
  if (bridge !== undefined) {
    let version = /version (v?[\d.][^\s,]*)/.exec((await run(bridge, ['--version'])) ?? '')?.[1];
    if (version === undefined || version === 'unknown') version = await debianVersion('containernetworking-plugins');
    out.push({ Name: 'CNI plugins', Version: version ?? 'unknown', Details: { Path: path.dirname(bridge) } });
  } else out.push({ Name: 'CNI plugins', Version: 'not installed', Details: { Path: cniPath } });
  return out;
}
