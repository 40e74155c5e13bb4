/**
 * `inspect` against Docker's shape: every key Docker prints (dockerd 20.10, saved in fixtures/ and, when a
 * dockerd is reachable, a live container made with the same flags) is there, in Docker's order, with the same
 * JSON types; values that do not depend on the host agree.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canRunContainers, makeCtrEnv, type CtrEnv } from './helpers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Differences in key sets, key order and JSON types between Docker's object and ours (paths). */
function shapeDiff(docker: Json, ours: Json, path = '', out: string[] = []): string[] {
  if (docker === null || ours === null) return out;
  if (Array.isArray(docker) || Array.isArray(ours)) {
    if (!Array.isArray(docker) || !Array.isArray(ours)) out.push(`type ${path}`);
    else if (docker.length > 0 && ours.length > 0) shapeDiff(docker[0]!, ours[0]!, `${path}[0]`, out);
    return out;
  }
  if (typeof docker !== typeof ours) {
    out.push(`type ${path}: ${typeof docker} vs ${typeof ours}`);
    return out;
  }
  if (typeof docker !== 'object') return out;
  const d = docker as Record<string, Json>;
  const o = ours as Record<string, Json>;
  // Maps keyed by data (ports, networks, labels) are compared by their values' shape only.
  const isMap = /\.(Labels|Ports|PortBindings|ExposedPorts|Volumes|Networks|Data|Options|Config|Tmpfs|Sysctls)$/.test(path);
  if (isMap) {
    const dv = Object.values(d)[0];
    const ov = Object.values(o)[0];
    if (dv !== undefined && ov !== undefined) shapeDiff(dv, ov, `${path}.*`, out);
    return out;
  }
  for (const k of Object.keys(d)) if (!(k in o)) out.push(`missing ${path}.${k}`);
  const common = Object.keys(d).filter((k) => k in o);
  const oursOrder = Object.keys(o).filter((k) => k in d);
  if (common.join() !== oursOrder.join()) out.push(`order ${path}`);
  for (const k of common) shapeDiff(d[k]!, o[k]!, `${path}.${k}`, out);
  return out;
}

const dockerUp = spawnSync('/usr/bin/docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 10_000 }).status === 0;

describe.skipIf(!canRunContainers)('inspect', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    expect(await env.cleanup()).toEqual([]);
  });

  it('has the shape of Docker\'s saved inspect output', async () => {
    await env.ok(['run', '-d', '--name', 'web', 'busybox', 'httpd', '-f', '-p', '80']);
    const [ours] = JSON.parse(await env.ok(['inspect', 'web'])) as Json[];
    const [docker] = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'docker-inspect-container.json'), 'utf8')) as Json[];
    expect(shapeDiff(docker!, ours!)).toEqual([]);
    const o = ours as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(o.Name).toBe('/web');
    expect(o.Path).toBe('httpd');
    expect(o.Args).toEqual(['-f', '-p', '80']);
    expect(o.State.Status).toBe('running');
    expect(o.HostConfig.NetworkMode).toBe('default');
    expect(o.HostConfig.RestartPolicy).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    expect(o.Config.Cmd).toEqual(['httpd', '-f', '-p', '80']);
    expect(o.Config.Image).toBe('busybox');
    expect(o.Image).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(o.NetworkSettings.Networks.bridge.IPAddress.startsWith(env.subnetPrefix)).toBe(true);
    // Fields Docker omits when empty are still there for templates.
    expect((await env.ok(['inspect', '-f', '{{json .State.Health}}', 'web'])).trim()).toBe('null');
  });

  it.skipIf(!dockerUp)('matches a live Docker container made with the same flags', async () => {
    const name = `cmp-${env.id}`;
    const flags = ['--network', 'none', '-e', 'A=1', '-v', '/data', '--label', 'x=y', '-w', '/tmp', '--stop-signal', 'SIGUSR1', '--restart', 'on-failure:3'];
    spawnSync('/usr/bin/docker', ['run', '-d', '--name', name, ...flags, 'busybox', 'sleep', '60'], { encoding: 'utf8' });
    try {
      const d = spawnSync('/usr/bin/docker', ['inspect', name], { encoding: 'utf8' });
      expect(d.status).toBe(0);
      await env.ok(['run', '-d', '--name', name, ...flags, 'busybox', 'sleep', '60']);
      const [docker] = JSON.parse(d.stdout) as Json[];
      const [ours] = JSON.parse(await env.ok(['inspect', name])) as Json[];
      expect(shapeDiff(docker!, ours!)).toEqual([]);
      const pick = (j: any) => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
        Path: j.Path,
        Args: j.Args,
        Name: j.Name,
        RestartPolicy: j.HostConfig.RestartPolicy,
        NetworkMode: j.HostConfig.NetworkMode,
        Labels: j.Config.Labels,
        WorkingDir: j.Config.WorkingDir,
        StopSignal: j.Config.StopSignal,
        Volumes: j.Config.Volumes,
        Env: (j.Config.Env as string[]).filter((e) => !e.startsWith('PATH=')), // the two busybox images differ in PATH
        Mount: { Type: j.Mounts[0].Type, Destination: j.Mounts[0].Destination, RW: j.Mounts[0].RW, Driver: j.Mounts[0].Driver },
        Status: j.State.Status,
      });
      expect(pick(ours)).toEqual(pick(docker));
    } finally {
      spawnSync('/usr/bin/docker', ['rm', '-f', '-v', name]);
    }
  });
});
