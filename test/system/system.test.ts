/**
 * `container prune`, `system prune` and `system df` through the built CLI with real containers, networks,
 * volumes and images: what Docker prints, and that what should go is gone while what is in use stays.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canRunContainers, makeCtrEnv, type CtrEnv } from '../containers/helpers.js';

function freeSubnet(): string {
  const used = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((a) => /^10\.217\.(\d+)\./.exec(a?.address ?? '')?.[1]),
  );
  for (;;) {
    const x = String(1 + Math.floor(Math.random() * 250));
    if (!used.has(x)) return `10.217.${x}.0/24`;
  }
}

/** A one-file rootfs tarball for `import` (images that no container uses). */
function tarball(dir: string, name: string, content: string): string {
  const root = join(dir, `${name}-root`);
  mkdirSync(root, { recursive: true });
  execFileSync('sh', ['-c', `printf '%s' "$1" > "$2/file"`, 'sh', content, root]);
  const tar = join(dir, `${name}.tar`);
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}

const CONTAINER_PRUNE_PROMPT = 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ';

describe.skipIf(!canRunContainers)('prune and df', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    const leaks = await env.cleanup();
    expect(leaks).toEqual([]);
  });

  it('container prune removes stopped containers only, with filters, prompt and report', async () => {
    const running = (await env.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '300'])).trim();
    await env.ok(['run', '--network', 'none', '--name', 'exited1', '--label', 'grp=a', 'busybox', 'sh', '-c', 'echo data > /f']);
    const exited1 = (await env.ok(['inspect', '--format', '{{.Id}}', 'exited1'])).trim();
    const created = (await env.ok(['create', '--network', 'none', 'busybox', 'true'])).trim();

    expect(await env.run(['container', 'prune'], { input: 'n\n' })).toMatchObject({ code: 0, stdout: `${CONTAINER_PRUNE_PROMPT}Total reclaimed space: 0B\n` });
    expect((await env.ok(['ps', '-aq'])).trim().split('\n')).toHaveLength(3);

    const labelled = await env.ok(['container', 'prune', '-f', '--filter', 'label=grp=a']);
    expect(labelled).toMatch(new RegExp(`^Deleted Containers:\\n${exited1}\\n\\nTotal reclaimed space: \\d+(\\.\\d+)?k?B\\n$`));
    expect(labelled).not.toBe(`Deleted Containers:\n${exited1}\n\nTotal reclaimed space: 0B\n`); // it wrote a file
    expect(await env.run(['container', 'prune', '-f', '--filter', 'until=1h'])).toMatchObject({ code: 0, stdout: 'Total reclaimed space: 0B\n' });
    const rest = await env.run(['container', 'prune'], { input: 'y\n' });
    // (The reclaimed amount is the writable layers' size as the containers service measures it.)
    expect(rest.stdout.startsWith(`${CONTAINER_PRUNE_PROMPT}Deleted Containers:\n${created}\n\nTotal reclaimed space: `)).toBe(true);
    expect(await env.ok(['ps', '-aq', '--no-trunc'])).toBe(`${running}\n`);
    const bad = await env.run(['container', 'prune', '-f', '--filter', 'status=exited']);
    expect(bad).toMatchObject({ code: 1, stderr: "Error: invalid filter 'status'\n" });
  });

  it('system df reports images, containers, volumes and build cache as Docker does', async () => {
    await env.ok(['run', '-d', '--network', 'none', '-v', 'used:/data', 'busybox', 'sleep', '300']);
    await env.ok(['run', '--network', 'none', 'busybox', 'true']);
    await env.ok(['volume', 'create', 'spare']);
    await env.ok(['run', '--rm', '--network', 'none', '-v', 'spare:/d', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/d/f bs=1000 count=100 2>/dev/null']);

    const table = (await env.ok(['system', 'df'])).trimEnd().split('\n');
    expect(table[0]).toBe('TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE');
    expect(table[1]).toMatch(/^Images\s+1\s+1\s+\S+B\s+0B \(0%\)$/);
    expect(table[2]).toMatch(/^Containers\s+2\s+1\s+\S+B\s+\S+B( \(\d+%\))?$/);
    expect(table[3]).toMatch(/^Local Volumes\s+2\s+1\s+100kB\s+100kB \(100%\)$/);
    expect(table[4]).toMatch(/^Build Cache\s+0\s+0\s+0B\s+0B$/);

    const rows = (await env.ok(['system', 'df', '--format', '{{json .}}'])).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.map((r) => r.Type)).toEqual(['Images', 'Containers', 'Local Volumes', 'Build Cache']);
    expect(Object.keys(rows[0]!)).toEqual(['Active', 'Reclaimable', 'Size', 'TotalCount', 'Type']);
    expect(await env.ok(['system', 'df', '--format', '{{.Type}}:{{.TotalCount}}'])).toBe('Images:1\nContainers:2\nLocal Volumes:2\nBuild Cache:0\n');

    const verbose = await env.ok(['system', 'df', '-v']);
    expect(verbose).toMatch(/^Images space usage:\n\nREPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS\nbusybox\s+latest\s+[0-9a-f]{12}\s+.+\s+2\n/);
    expect(verbose).toMatch(/\nContainers space usage:\n\nCONTAINER ID\s+IMAGE\s+COMMAND\s+LOCAL VOLUMES\s+SIZE\s+CREATED\s+STATUS\s+NAMES\n/);
    expect(verbose).toMatch(/"sleep 300"\s+1\s+\S+\s+.+ ago\s+Up /);
    expect(verbose).toMatch(/\nLocal Volumes space usage:\n\nVOLUME NAME\s+LINKS\s+SIZE\nspare\s+0\s+100kB\nused\s+1\s+0B\n/);
    expect(verbose).toMatch(/\nBuild cache usage: 0B\n\nCACHE ID\s+CACHE TYPE\s+SIZE\s+CREATED\s+LAST USED\s+USAGE\s+SHARED\n$/);
  });

  it('system prune removes what nothing uses, keeps the rest, and reports each kind', async () => {
    const keep = (await env.ok(['run', '-d', '--network', 'none', '-v', 'named:/n', '-v', '/anon-kept', 'busybox', 'sleep', '300'])).trim();
    await env.ok(['run', '--network', 'none', '--name', 'gone', '-v', '/anon-gone', 'busybox', 'true']);
    const gone = (await env.ok(['inspect', '--format', '{{.Id}}', 'gone'])).trim();
    const net = `${env.id}net`;
    await env.ok(['network', 'create', '--subnet', freeSubnet(), '-o', `com.docker.network.bridge.name=${env.id}u`, net]);
    // A dangling image: a name moved to a newer import leaves the older image without a name.
    await env.ok(['import', tarball(env.base, 'one', 'one'), `${env.id}img:1`]);
    const dangling = (await env.ok(['images', '-q', '--no-trunc', `${env.id}img:1`])).trim();
    await env.ok(['import', tarball(env.base, 'two', 'two'), `${env.id}img:1`]);

    const declined = await env.run(['system', 'prune', '--volumes'], { input: '\n' });
    expect(declined).toMatchObject({
      code: 0,
      stdout:
        'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
        '  - all anonymous volumes not used by at least one container\n  - all dangling images\n  - all dangling build cache\n\n' +
        'Are you sure you want to continue? [y/N] ',
    });
    expect((await env.ok(['ps', '-aq'])).trim().split('\n')).toHaveLength(2);

    const anonGone = (JSON.parse(await env.ok(['inspect', '--format', '{{json .Mounts}}', 'gone'])) as { Name: string }[])[0]!.Name;
    const out = await env.ok(['system', 'prune', '-f', '--volumes']);
    expect(out).toMatch(
      new RegExp(
        `^Deleted Containers:\\n${gone}\\n\\nDeleted Networks:\\n${net}\\n\\nDeleted Volumes:\\n${anonGone}\\n\\n` +
          `Deleted Images:\\n(untagged: [^\\n]+\\n)*deleted: ${dangling}\\n(deleted: [^\\n]+\\n)*\\nTotal reclaimed space: \\S+B\\n$`,
      ),
    );
    expect(await env.ok(['ps', '-aq', '--no-trunc'])).toBe(`${keep}\n`);
    expect(await env.ok(['network', 'ls', '--format', '{{.Name}}'])).toBe('bridge\nhost\nnone\n');
    const vols = (await env.ok(['volume', 'ls', '-q'])).trim().split('\n');
    expect(vols).toContain('named');
    expect(vols).toHaveLength(2); // named + the running container's anonymous volume
    expect((await env.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n').sort()).toEqual(['busybox:latest', `${env.id}img:1`].sort());

    // -a: every image no container uses goes; busybox stays for the running container.
    const all = await env.ok(['system', 'prune', '-af']);
    expect(all).toMatch(new RegExp(`^Deleted Images:\\nuntagged: ${env.id}img:1\\ndeleted: sha256:[0-9a-f]{64}\\n(deleted: [^\\n]+\\n)*\\nTotal reclaimed space: \\S+B\\n$`));
    expect(await env.ok(['images', '--format', '{{.Repository}}'])).toBe('busybox\n');
    expect(await env.ok(['system', 'prune', '-af'])).toBe('Total reclaimed space: 0B\n');
  });
});
