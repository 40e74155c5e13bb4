/**
 * `diff`, `commit`, `export` and `cp` through the built CLI against real runc, conmon and overlayfs (and the native
 * snapshotter for diff/commit). No networking: `--network none`.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { canRunContainers, makeCtrEnv, type CtrEnv } from '../containers/helpers.js';

/** `tar -tv` of a buffer: `mode owner name` per member (GNU tar's columns without size and date). */
function tarList(tar: Buffer | string): string[] {
  const r = spawnSync('tar', ['-tvf', '-', '--numeric-owner'], { input: tar, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(/\s+/);
      return `${f[0]} ${f[1]} ${f.slice(5).join(' ')}`;
    });
}

/** Runs the CLI and returns stdout as bytes (tar streams). */
function runBytes(env: CtrEnv, args: string[], input?: Buffer): { code: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...env.globalArgs, ...args], { input, env: { ...process.env, ...env.env }, maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

describe.skipIf(!canRunContainers)('diff, commit, export', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    expect(await env.cleanup()).toEqual([]);
  });

  const script = 'echo hi > /tmp/new; rm /bin/vi; mkdir -p /root/x; mkdir /data2; touch /etc/passwd';

  it("diff lists additions, changes and deletions as Docker does, without runc's mount points", async () => {
    await env.ok(['run', '--name', 'd1', '--network', 'none', '-v', '/vol', 'busybox', 'sh', '-c', script]);
    expect((await env.ok(['diff', 'd1'])).split('\n').filter(Boolean)).toEqual([
      'C /bin',
      'D /bin/vi',
      'A /data2',
      'C /etc/passwd',
      'C /root',
      'A /root/x',
      'C /tmp',
      'A /tmp/new',
      'A /vol',
    ]);
    const fresh = (await env.ok(['create', '--network', 'none', 'busybox', 'true'])).trim();
    expect(await env.ok(['container', 'diff', fresh])).toBe('');
    const missing = await env.run(['diff', 'nosuch']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error: No such container: nosuch\n']);
  });

  it('diff and commit work on the native snapshotter too', async () => {
    const native = ['--snapshotter', 'native'];
    await env.ok([...native, 'run', '--name', 'n1', '--network', 'none', 'busybox', 'sh', '-c', script]);
    expect((await env.ok([...native, 'diff', 'n1'])).split('\n').filter(Boolean)).toEqual([
      'C /bin',
      'D /bin/vi',
      'A /data2',
      'C /etc',
      'C /etc/passwd',
      'C /root',
      'A /root/x',
      'C /tmp',
      'A /tmp/new',
    ]);
    expect(await env.ok([...native, 'commit', 'n1', 'native-img:1'])).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const out = await env.ok([...native, 'run', '--rm', '--network', 'none', 'native-img:1', 'sh', '-c', 'cat /tmp/new; test -e /bin/vi || echo gone']);
    expect(out).toBe('hi\ngone\n');
  });

  it('commit makes an image with the changes, the --change config, message and author; the new image runs', async () => {
    await env.ok(['run', '--name', 'c1', '--network', 'none', '-e', 'FOO=bar', '-w', '/tmp', 'busybox', 'sh', '-c', script]);
    const id = (await env.ok(['commit', '-m', 'my msg', '-a', 'Me <me@example.com>', '-c', 'CMD ["cat","/tmp/new"]', '-c', 'ENV A=1', '-c', 'EXPOSE 80', 'c1', 'committed:v1'])).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await env.ok(['run', '--rm', '--network', 'none', 'committed:v1'])).toBe('hi\n');
    expect(await env.ok(['run', '--rm', '--network', 'none', 'committed:v1', 'sh', '-c', 'echo $FOO $A; pwd; test -e /bin/vi || echo no-vi; ls -d /root/x /data2'])).toBe(
      'bar 1\n/tmp\nno-vi\n/data2\n/root/x\n',
    );
    const inspect = JSON.parse(await env.ok(['image', 'inspect', 'committed:v1'])) as Array<Record<string, any>>;
    const img = inspect[0]!;
    expect(img.Id).toBe(id);
    expect(img.Comment).toBe('my msg');
    expect(img.Author).toBe('Me <me@example.com>');
    expect(img.Config.Cmd).toEqual(['cat', '/tmp/new']);
    expect(img.Config.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(img.Config.Env).toContain('A=1');
    expect(img.ContainerConfig.Cmd).toEqual(['sh', '-c', script]);
    expect(img.RootFS.Layers).toHaveLength(2);
    const history = await env.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'committed:v1']);
    expect(history.split('\n')[0]).toBe(`sh -c ${script}|my msg`);
  });

  it('commit pauses a running container by default and leaves it running; --pause=false and untagged images work', async () => {
    await env.ok(['run', '-d', '--name', 'c2', '--network', 'none', 'busybox', 'sh', '-c', 'echo one > /tmp/f; sleep 300']);
    await env.ok(['exec', 'c2', 'sh', '-c', 'test -e /tmp/f']);
    const untagged = (await env.ok(['commit', 'c2'])).trim();
    expect(untagged).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await env.ok(['inspect', '-f', '{{.State.Status}}', 'c2'])).trim()).toBe('running');
    expect(await env.ok(['images', '--filter', 'dangling=true', '-q'])).toBe(`${untagged.slice(7, 19)}\n`);
    await env.ok(['commit', '--pause=false', '-c', 'CMD cat /tmp/f', 'c2', 'c2img']);
    expect(await env.ok(['run', '--rm', '--network', 'none', 'c2img'])).toBe('one\n');
    // `--until 0s` means the start of the current second (Docker's rounding): let the commit's second pass.
    await new Promise((r) => setTimeout(r, 1100));
    const events = await env.ok(['events', '--since', '1h', '--until', '0s', '--filter', 'event=commit', '--format', '{{.Actor.Attributes.imageRef}}']);
    expect(events).toBe('\nc2img:latest\n');
  });

  it('commit of an unchanged container adds no layer', async () => {
    await env.ok(['create', '--name', 'c3', '--network', 'none', 'busybox', 'true']);
    await env.ok(['commit', 'c3', 'same:v1']);
    const layers = JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', 'same:v1'])) as string[];
    expect(layers).toHaveLength(1);
  });

  it("commit refuses bad input with Docker's messages and creates nothing", async () => {
    await env.ok(['create', '--name', 'c4', '--network', 'none', 'busybox', 'true']);
    const before = await env.ok(['images', '-q']);
    const upper = await env.run(['commit', 'c4', 'UPPER']);
    expect(upper.code).toBe(1);
    expect(upper.stderr).toMatch(/^Error: invalid reference format: repository name must be lowercase/);
    const change = await env.run(['commit', '-c', 'RUN true', 'c4']);
    expect([change.code, change.stderr]).toEqual([1, 'Error: RUN is not a valid change command\n']);
    const missing = await env.run(['commit', 'nosuch']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error: No such container: nosuch\n']);
    expect(await env.ok(['images', '-q'])).toBe(before);
  });

  it('export writes the merged filesystem (no volumes) to stdout or -o, and refuses a terminal', async () => {
    await env.ok(['run', '--name', 'e1', '--network', 'none', '-v', '/vol', 'busybox', 'sh', '-c', 'echo x > /vol/inside; echo y > /tmp/out; rm /bin/vi']);
    const out = runBytes(env, ['export', 'e1']);
    expect(out.code).toBe(0);
    const list = tarList(out.stdout);
    expect(list).toContain('-rw-r--r-- 0/0 tmp/out');
    expect(list).toContain('-rwxr-xr-x 0/0 bin/busybox');
    expect(list.some((l) => l.endsWith(' bin/vi'))).toBe(false);
    expect(list).toContain('drwxr-xr-x 0/0 vol/');
    expect(list.some((l) => l.endsWith('vol/inside'))).toBe(false);

    const dir = mkdtempSync(join(tmpdir(), 'export-'));
    try {
      await env.ok(['export', '-o', join(dir, 'e1.tar'), 'e1']);
      expect(tarList(readFileSync(join(dir, 'e1.tar')))).toEqual(list);
      const noDir = await env.run(['export', '-o', join(dir, 'missing', 'x.tar'), 'e1']);
      expect([noDir.code, noDir.stderr]).toEqual([1, `Error: failed to export container: invalid output path: directory "${join(dir, 'missing')}" does not exist\n`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const tty = spawnSync('script', ['-qec', [process.execPath, BIN, ...env.globalArgs, 'export', 'e1'].join(' '), '/dev/null'], { encoding: 'utf8', env: { ...process.env, ...env.env } });
    expect(tty.status).toBe(1);
    expect(tty.stdout).toMatch(/cowardly refusing to save to a terminal\. Use the -o flag or redirect/);
  });
  it('export and cp to a reader that goes away end with 141, no message, and nothing mounted', async () => {
    await env.ok(['run', '-d', '--name', 'e2', '--network', 'none', 'busybox', 'sleep', '300']);
    await env.ok(['create', '--name', 'e3', '--network', 'none', 'busybox', 'true']);
    const q = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
    const cli = [process.execPath, BIN, ...env.globalArgs].map(q).join(' ');
    for (const args of [['export', 'e2'], ['export', 'e3'], ['cp', 'e2:/bin', '-'], ['save', 'busybox']]) {
      const r = spawnSync('bash', ['-c', `${cli} ${args.map(q).join(' ')} | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`], {
        encoding: 'utf8',
        env: { ...process.env, ...env.env },
      });
      expect([args.join(' '), r.stdout.trim(), r.stderr]).toEqual([args.join(' '), '141', '']);
    }
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/\/tmp\/fs-/);
    await env.ok(['rm', '-f', 'e2', 'e3']);
  });
});

describe.skipIf(!canRunContainers)('cp', () => {
  let env: CtrEnv;
  let host: string;
  beforeEach(async () => {
    env = await makeCtrEnv();
    host = mkdtempSync(join(tmpdir(), 'cp-'));
    mkdirSync(join(host, 'src/d/sub'), { recursive: true });
    writeFileSync(join(host, 'src/f.txt'), 'hello\n');
    writeFileSync(join(host, 'src/d/sub/y'), 'y\n');
    for (const p of ['src/f.txt', 'src/d', 'src/d/sub', 'src/d/sub/y']) chownSync(join(host, p), 1234, 5678);
    mkdirSync(join(host, 'out'));
  });
  afterEach(async () => {
    rmSync(host, { recursive: true, force: true });
    expect(await env.cleanup()).toEqual([]);
  });

  const owners = async (c: string, dir: string) => (await env.ok(['exec', c, 'sh', '-c', `cd ${dir} && find . | sort | xargs stat -c '%n %u:%g'`])).trim().split('\n');

  it('copies into a running container: root-owned by default, the source owner with -a; file and directory rules', async () => {
    await env.ok(['run', '-d', '--name', 'cp1', '--network', 'none', 'busybox', 'sleep', '300']);
    await env.ok(['cp', join(host, 'src/f.txt'), 'cp1:/tmp/']);
    await env.ok(['cp', join(host, 'src/d'), 'cp1:/tmp/dn']);
    await env.ok(['cp', '-a', join(host, 'src/d'), 'cp1:/tmp/da']);
    // `path.join` would drop the `/.`: the contents of d go into the existing dn.
    await env.ok(['cp', `${join(host, 'src/d')}/.`, 'cp1:/tmp/dn']);
    await env.ok(['cp', join(host, 'src/f.txt'), 'cp1:/tmp/renamed']);
    expect(await owners('cp1', '/tmp')).toEqual([
      '. 0:0',
      './da 1234:5678',
      './da/sub 1234:5678',
      './da/sub/y 1234:5678',
      './dn 0:0',
      './dn/sub 0:0',
      './dn/sub/y 0:0',
      './f.txt 0:0',
      './renamed 0:0',
    ]);
    expect(await env.ok(['exec', 'cp1', 'cat', '/tmp/renamed'])).toBe('hello\n');

    const dirOntoFile = await env.run(['cp', join(host, 'src/d'), 'cp1:/tmp/f.txt']);
    expect([dirOntoFile.code, dirOntoFile.stderr]).toEqual([1, 'Error: cannot copy directory\n']);
    const noDir = await env.run(['cp', join(host, 'src/f.txt'), 'cp1:/nonexist/dir/']);
    expect([noDir.code, noDir.stderr]).toEqual([1, 'Error: no such directory\n']);
    const noParent = await env.run(['cp', join(host, 'src/f.txt'), 'cp1:/nonexist/f']);
    expect([noParent.code, noParent.stderr]).toEqual([1, 'Error: No such container:path: cp1:/nonexist\n']);
    const noSrc = await env.run(['cp', join(host, 'nosuch'), 'cp1:/tmp']);
    expect([noSrc.code, noSrc.stderr]).toEqual([1, `Error: lstat ${join(host, 'nosuch')}: no such file or directory\n`]);
  });

  it('copies out with the caller as owner by default and the container owner with -a; /. copies contents', async () => {
    await env.ok(['run', '-d', '--name', 'cp2', '--network', 'none', 'busybox', 'sleep', '300']);
    await env.ok(['cp', '-a', join(host, 'src/d'), 'cp2:/tmp/d']);
    await env.ok(['cp', 'cp2:/tmp/d', join(host, 'out/plain')]);
    await env.ok(['cp', '-a', 'cp2:/tmp/d', join(host, 'out/kept')]);
    await env.ok(['cp', 'cp2:/etc/.', join(host, 'out/etc')]);
    expect(lstatSync(join(host, 'out/plain/sub/y')).uid).toBe(process.getuid!());
    expect(lstatSync(join(host, 'out/kept/sub/y'))).toMatchObject({ uid: 1234, gid: 5678 });
    expect(readFileSync(join(host, 'out/kept/sub/y'), 'utf8')).toBe('y\n');
    expect(existsSync(join(host, 'out/etc/passwd'))).toBe(true);
    // The container's own hosts and hostname files, as the container sees them.
    await env.ok(['cp', 'cp2:/etc/hostname', join(host, 'out/hostname')]);
    expect(readFileSync(join(host, 'out/hostname'), 'utf8').trim()).toBe((await env.ok(['exec', 'cp2', 'hostname'])).trim());

    const missing = await env.run(['cp', 'cp2:/nosuch', join(host, 'out')]);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error: No such container:path: cp2:/nosuch\n']);
    const noContainer = await env.run(['cp', 'nosuch:/x', join(host, 'out')]);
    expect([noContainer.code, noContainer.stderr]).toEqual([1, 'Error: No such container:path: nosuch:/x\n']);
    const both = await env.run(['cp', 'cp2:/a', 'cp2:/b']);
    expect([both.code, both.stderr]).toEqual([1, 'Error: copying between containers is not supported\n']);
    const neither = await env.run(['cp', join(host, 'a'), join(host, 'b')]);
    expect([neither.code, neither.stderr]).toEqual([1, 'Error: must specify at least one container source\n']);
  });

  it('streams tars with -, follows links with -L, and stays inside the container root', async () => {
    await env.ok(['run', '-d', '--name', 'cp3', '--network', 'none', 'busybox', 'sh', '-c', 'ln -s /etc /tmp/etclink; ln -s ../../../../../../../etc /tmp/up; sleep 300']);
    await env.ok(['exec', 'cp3', 'test', '-L', '/tmp/up']);
    const out = runBytes(env, ['cp', 'cp3:/etc/passwd', '-']);
    expect(out.code).toBe(0);
    expect(tarList(out.stdout)).toEqual(['-rw-r--r-- 0/0 passwd']);
    expect(tarList(runBytes(env, ['cp', 'cp3:/bin/sh', '-']).stdout)).toEqual(['lrwxrwxrwx 0/0 sh -> busybox']);
    expect(tarList(runBytes(env, ['cp', '-L', 'cp3:/bin/sh', '-']).stdout)).toEqual(['-rwxr-xr-x 0/0 busybox']);
    await env.ok(['cp', '-L', 'cp3:/bin/sh', join(host, 'out/')]);
    expect(lstatSync(join(host, 'out/sh')).isFile()).toBe(true);

    // A symlink inside the container resolves inside it, never to the host's /etc.
    await env.ok(['cp', 'cp3:/tmp/up/hostname', join(host, 'out/h')]);
    expect(readFileSync(join(host, 'out/h'), 'utf8')).toBe(await env.ok(['exec', 'cp3', 'cat', '/etc/hostname']));
    await env.ok(['cp', join(host, 'src/f.txt'), 'cp3:/tmp/up/']);
    expect(await env.ok(['exec', 'cp3', 'cat', '/etc/f.txt'])).toBe('hello\n');
    expect(existsSync('/etc/f.txt')).toBe(false);

    const tar = spawnSync('tar', ['-C', join(host, 'src'), '-cf', '-', 'f.txt', 'd']).stdout;
    expect(runBytes(env, ['cp', '-', 'cp3:/root'], tar).code).toBe(0);
    expect(await owners('cp3', '/root')).toEqual(['. 0:0', './d 0:0', './d/sub 0:0', './d/sub/y 0:0', './f.txt 0:0']);
    expect(runBytes(env, ['cp', '-a', '-', 'cp3:/srv'], tar)).toMatchObject({ code: 1, stderr: 'Error: destination "cp3:/srv" must be a directory\n' });
    expect(runBytes(env, ['cp', '-a', '-', 'cp3:/tmp'], tar).code).toBe(0);
    expect((await owners('cp3', '/tmp/d'))[0]).toBe('. 1234:5678');
  });

  it('works on a stopped container and reaches its volumes; refuses read-only volumes and a read-only rootfs', async () => {
    const binds = join(host, 'bind');
    mkdirSync(binds);
    writeFileSync(join(binds, 'b.txt'), 'bound\n');
    await env.ok(['volume', 'create', `${env.id}vol`]);
    await env.ok(['run', '--name', 'cp4', '--network', 'none', '--read-only', '-v', `${env.id}vol:/vol`, '-v', `${binds}:/bind:ro`, 'busybox', 'sh', '-c', 'echo in > /vol/a']);
    await env.ok(['cp', join(host, 'src/f.txt'), 'cp4:/vol/']);
    await env.ok(['cp', 'cp4:/vol/.', join(host, 'out/vol')]);
    expect(readFileSync(join(host, 'out/vol/a'), 'utf8')).toBe('in\n');
    expect(readFileSync(join(host, 'out/vol/f.txt'), 'utf8')).toBe('hello\n');
    await env.ok(['cp', 'cp4:/bind/b.txt', join(host, 'out/b.txt')]);
    expect(readFileSync(join(host, 'out/b.txt'), 'utf8')).toBe('bound\n');
    const ro = await env.run(['cp', join(host, 'src/f.txt'), 'cp4:/bind/']);
    expect([ro.code, ro.stderr]).toEqual([1, 'Error: mounted volume is marked read-only\n']);
    const rootRo = await env.run(['cp', join(host, 'src/f.txt'), 'cp4:/tmp/']);
    expect([rootRo.code, rootRo.stderr]).toEqual([1, 'Error: container rootfs is marked read-only\n']);

    // The copy reached the volume, not the container's layer: a new container sees it.
    expect(await env.ok(['run', '--rm', '--network', 'none', '-v', `${env.id}vol:/v`, 'busybox', 'cat', '/v/f.txt'])).toBe('hello\n');
    await env.ok(['create', '--name', 'cp5', '--network', 'none', 'busybox', 'cat', '/copied']);
    await env.ok(['cp', join(host, 'src/f.txt'), 'cp5:/copied']);
    expect(await env.ok(['start', '-a', 'cp5'])).toBe('hello\n');
    symlinkSync(join(host, 'src/f.txt'), join(host, 'link'));
    await env.ok(['cp', '-L', join(host, 'link'), 'cp5:/tmp/']);
    expect(await env.ok(['diff', 'cp5'])).toMatch(/A \/tmp\/link\n/);
  });
});
