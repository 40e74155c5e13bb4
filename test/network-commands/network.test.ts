/**
 * `network create|ls|inspect|rm|prune` through the built CLI, each test in its own data root and CNI config dir
 * (creating a network writes a conflist only: no bridge appears until a container attaches).
 */
import { existsSync, readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestEnv, isRoot, type TestEnv } from '../helpers/cli.js';

const canRun = isRoot() && existsSync('/usr/lib/cni/bridge');

/** Random 10.217.x.0/24 subnets not configured on any host interface. */
function subnets(n: number): string[] {
  const used = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((a) => /^10\.217\.(\d+)\./.exec(a?.address ?? '')?.[1])
      .filter((x) => x !== undefined),
  );
  const out: string[] = [];
  while (out.length < n) {
    const x = String(1 + Math.floor(Math.random() * 250));
    if (!used.has(x)) {
      used.add(x);
      out.push(`10.217.${x}.0/24`);
    }
  }
  return out;
}

describe.skipIf(!canRun)('network commands', () => {
  let env: TestEnv;
  beforeEach(() => {
    env = createTestEnv('netcmd');
  });
  afterEach(async () => {
    await env.cleanup();
  });

  it('creates, lists, inspects and removes a network', async () => {
    const [subnet] = subnets(1);
    const name = `${env.id}-a`;
    const id = (await env.ok(['network', 'create', '--subnet', subnet!, '--label', 'tier=front', '--label', 'flag', name])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const ls = await env.ok(['network', 'ls']);
    const lines = ls.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['bridge', 'host', name, 'none'].sort((a, b) => (a < b ? -1 : 1)));
    expect(ls).toContain(`${id.slice(0, 12)}   ${name}`);

    expect((await env.ok(['network', 'ls', '-q', '--filter', 'label=tier=front'])).trim()).toBe(id.slice(0, 12));
    expect((await env.ok(['network', 'ls', '--no-trunc', '-q', '--filter', `name=${name}`])).trim()).toBe(id);
    expect((await env.ok(['network', 'ls', '--format', '{{.Name}} {{.Labels}}', '--filter', 'type=custom'])).trim()).toBe(`${name} flag=,tier=front`);
    expect((await env.ok(['network', 'ls', '--format', '{{.Name}}', '--filter', 'type=builtin'])).trim().split('\n')).toEqual(['bridge', 'host', 'none']);

    const [inspected] = JSON.parse(await env.ok(['network', 'inspect', name])) as Record<string, unknown>[];
    expect(inspected).toMatchObject({
      Name: name,
      Id: id,
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: subnet, Gateway: subnet!.replace(/0\/24$/, '1') }] },
      Internal: false,
      Containers: {},
      Labels: { tier: 'front', flag: '' },
    });
    expect(Object.keys(inspected!)).toEqual([
      'Name', 'Id', 'Created', 'Scope', 'Driver', 'EnableIPv6', 'IPAM', 'Internal', 'Attachable', 'Ingress', 'ConfigFrom', 'ConfigOnly', 'Containers', 'Options', 'Labels',
    ]);
    expect((await env.ok(['network', 'inspect', '-f', '{{.Id}}', id.slice(0, 12)])).trim()).toBe(id);

    const rm = await env.run(['network', 'rm', name]);
    expect(rm).toMatchObject({ code: 0, stdout: `${name}\n`, stderr: '' });
    expect(await env.ok(['network', 'ls', '-q', '--filter', 'type=custom'])).toBe('');
    expect(readdirSync(env.netconfPath).filter((f) => f.includes(name))).toEqual([]);
  });

  it('refuses overlapping subnets, duplicate names and bad flags clearly', async () => {
    const [subnet] = subnets(1);
    await env.ok(['network', 'create', '--subnet', subnet!, `${env.id}-a`]);
    const overlap = await env.run(['network', 'create', '--subnet', subnet!.replace('.0/24', '.128/25'), `${env.id}-b`]);
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toMatch(/^Error: subnet \S+ overlaps with other one on this address space/);
    const dup = await env.run(['network', 'create', `${env.id}-a`]);
    expect(dup).toMatchObject({ code: 1, stderr: `Error: network with name ${env.id}-a already exists\n` });
    const gw = await env.run(['network', 'create', '--gateway', '10.1.1.1', `${env.id}-c`]);
    expect(gw).toMatchObject({ code: 1, stderr: 'Error: every ip-range or gateway must have a corresponding subnet\n' });
    const driver = await env.run(['network', 'create', '-d', 'overlay', `${env.id}-d`]);
    expect(driver.code).toBe(1);
    expect(driver.stderr).toContain('overlay');
    expect((await env.ok(['network', 'ls', '--format', '{{.Name}}', '--filter', 'type=custom'])).trim()).toBe(`${env.id}-a`);
  });

  it('refuses to remove pre-defined networks and reports each failure', async () => {
    const [subnet] = subnets(1);
    await env.ok(['network', 'create', '--subnet', subnet!, `${env.id}-a`]);
    const r = await env.run(['network', 'rm', 'nosuch', `${env.id}-a`, 'host', 'bridge']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${env.id}-a\n`);
    expect(r.stderr).toBe(
      [
        'Error: No such network: nosuch',
        'Error: host is a pre-defined network and cannot be removed',
        'Error: bridge is a pre-defined network and cannot be removed',
        '',
      ].join('\n'),
    );
    expect(await env.run(['network', 'rm', '-f', 'nosuch'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const insp = await env.run(['network', 'inspect', 'nosuch']);
    expect(insp).toMatchObject({ code: 1, stdout: '[]\n', stderr: 'Error: No such network: nosuch\n' });
  });

  it('prunes unused custom networks with Docker prompt, filters and report', async () => {
    const [s1, s2] = subnets(2);
    await env.ok(['network', 'create', '--subnet', s1!, '--label', 'prune=me', `${env.id}-a`]);
    await env.ok(['network', 'create', '--subnet', s2!, `${env.id}-b`]);

    const declined = await env.run(['network', 'prune'], { input: 'n\n' });
    expect(declined).toMatchObject({
      code: 0,
      stdout: 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ',
    });
    expect((await env.ok(['network', 'ls', '-q', '--filter', 'type=custom'])).trim().split('\n')).toHaveLength(2);

    const filtered = await env.run(['network', 'prune', '--filter', 'label=prune=me'], { input: 'y\n' });
    expect(filtered.stdout).toBe(
      'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ' +
        `Deleted Networks:\n${env.id}-a\n\n`,
    );
    expect(await env.run(['network', 'prune', '-f', '--filter', 'until=1h'])).toMatchObject({ code: 0, stdout: '' });
    expect(await env.run(['network', 'prune', '-f'])).toMatchObject({ code: 0, stdout: `Deleted Networks:\n${env.id}-b\n\n` });
    expect(await env.run(['network', 'prune', '-f'])).toMatchObject({ code: 0, stdout: '' });
    expect((await env.ok(['network', 'ls', '--format', '{{.Name}}'])).trim().split('\n')).toEqual(['bridge', 'host', 'none']);
    const bad = await env.run(['network', 'prune', '-f', '--filter', 'color=red']);
    expect(bad).toMatchObject({ code: 1, stderr: "Error: invalid filter 'color'\n" });
  });
});
