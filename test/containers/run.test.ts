/**
 * `run`/`create` end to end with real runc, conmon and CNI: exit codes, logs, --rm, names, bad input. Every test
 * has its own data root, namespace, bridge and subnet, and must leave nothing behind.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canRunContainers, makeCtrEnv, type CtrEnv } from './helpers.js';

describe.skipIf(!canRunContainers)('run', () => {
  let env: CtrEnv;
  beforeEach(async () => {
    env = await makeCtrEnv();
  });
  afterEach(async () => {
    expect(await env.cleanup()).toEqual([]);
  });

  it('returns the container exit code, with both streams on their own descriptors', async () => {
    const r = await env.run(['run', '--network', 'none', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    const ok = await env.run(['run', '--network', 'none', 'busybox', 'true']);
    expect(ok.code).toBe(0);
  });

  it('exits 127 for a missing command and 126 for one that cannot be executed, keeping the container created', async () => {
    const notFound = await env.run(['run', '--name', 'nf', '--network', 'none', 'busybox', 'nonexist']);
    expect(notFound.code).toBe(127);
    expect(notFound.stderr).toMatch(/executable file not found/);
    const notExec = await env.run(['run', '--network', 'none', 'busybox', '/etc/passwd']);
    expect(notExec.code).toBe(126);
    expect(notExec.stderr).toMatch(/permission denied/);
    const state = await env.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'nf']);
    expect(state.trim()).toBe('created 127');
  });

  it('exits 125 with one clear line for a missing image, and creates nothing', async () => {
    const r = await env.run(['run', '--pull', 'never', '--network', 'none', 'nosuchimage:v1']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/No such image/);
    expect((await env.ok(['ps', '-aq'])).trim()).toBe('');
  });

  it('runs detached, and logs gives both streams separately, also after exit', async () => {
    const id = (await env.ok(['run', '-d', '--network', 'none', 'busybox', 'sh', '-c', 'echo hi; echo oops >&2; sleep 0.2'])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await env.ok(['wait', id])).trim()).toBe('0');
    const logs = await env.run(['logs', id]);
    expect(logs.stdout).toBe('hi\n');
    expect(logs.stderr).toBe('oops\n');
    const tail = await env.run(['logs', '--tail', '1', '-t', id]);
    expect(tail.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z oops\n$/);
  });

  it('keeps logs of a container run in the foreground', async () => {
    await env.ok(['run', '--name', 'fg', '--network', 'none', 'busybox', 'echo', 'from the foreground']);
    expect((await env.ok(['logs', 'fg']))).toBe('from the foreground\n');
    expect((await env.ok(['ps', '-a', '--format', '{{.Status}}'])).trim()).toMatch(/^Exited \(0\) /);
  });

  it('--rm leaves no container, snapshot, directory or anonymous volume behind', async () => {
    const r = await env.run(['run', '--rm', '-v', '/data', '--network', 'none', 'busybox', 'sh', '-c', 'echo x > /data/f']);
    expect(r.code).toBe(0);
    expect((await env.ok(['ps', '-aq'])).trim()).toBe('');
    const dir = join(env.dataRoot, 'containers', env.namespace);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    const vols = join(env.dataRoot, 'volumes', env.namespace);
    expect(existsSync(vols) ? readdirSync(vols) : []).toEqual([]);
    // Detached --rm too: removed once the process exits.
    const id = (await env.ok(['run', '-d', '--rm', '--network', 'none', 'busybox', 'true'])).trim();
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = (await env.run(['inspect', id])).code !== 0;
      if (!gone) await new Promise((res) => setTimeout(res, 100));
    }
    expect(gone).toBe(true);
    // Nor the namespace's parent cgroup that runc made (/nerdctl/<namespace> in every hierarchy).
    expect(existsSync(`/sys/fs/cgroup/memory/nerdctl/${env.namespace}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/pids/nerdctl/${env.namespace}`)).toBe(false);
  });

  it('refuses a duplicate name with Docker\'s message and leaves the first container alone', async () => {
    const first = (await env.ok(['create', '--name', 'dup', '--network', 'none', 'busybox'])).trim();
    const r = await env.run(['run', '--name', 'dup', '--network', 'none', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(
      `Conflict. The container name "/dup" is already in use by container "${first}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    expect((await env.ok(['ps', '-aq', '--no-trunc'])).trim()).toBe(first);
  });

  it('fails a --mount bind of a missing path and creates nothing; -v creates the host directory', async () => {
    const missing = join(env.base, 'no', 'such');
    const r = await env.run(['run', '--mount', `type=bind,src=${missing},dst=/x`, '--network', 'none', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`invalid mount config for type "bind": bind source path does not exist: ${missing}`);
    expect(existsSync(missing)).toBe(false);
    expect((await env.ok(['ps', '-aq'])).trim()).toBe('');
    const made = join(env.base, 'made', 'here');
    await env.ok(['run', '--rm', '-v', `${made}:/x`, '--network', 'none', 'busybox', 'sh', '-c', 'echo hi > /x/f']);
    expect(existsSync(join(made, 'f'))).toBe(true);
  });

  it('records an OOM kill as Docker does: exit 137, State.OOMKilled, an oom event before die', async () => {
    const hog = ['sh', '-c', 'x=$(head -c 64000000 /dev/zero | tr "\\0" a)'];
    const r = await env.run(['run', '--name', 'hog', '--memory', '8m', '--network', 'none', 'busybox', ...hog]);
    expect(r.code).toBe(137);
    expect((await env.ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'hog'])).trim()).toBe('true 137');
    // `--until 0s` is now truncated to the second, as Docker's: wait the current second out.
    await new Promise((r) => setTimeout(r, 1100));
    const actions = await env.ok(['events', '--since', '60s', '--until', '0s', '--filter', 'container=hog', '--format', '{{.Action}}']);
    expect(actions.trim().split('\n').slice(-2)).toEqual(['oom', 'die']);
    await env.ok(['run', '--name', 'fine', '--memory', '8m', '--network', 'none', 'busybox', 'true']);
    expect((await env.ok(['inspect', '-f', '{{.State.OOMKilled}}', 'fine'])).trim()).toBe('false');
    await env.ok(['rm', 'hog', 'fine']);
  });

  it('reports an unknown flag value as a usage error (125)', async () => {
    const r = await env.run(['run', '-m', 'lots', '--network', 'none', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('invalid argument "lots" for "-m, --memory" flag');
    expect(r.stderr).toContain("See 'nerdctl run --help'.");
    const p = await env.run(['run', '--restart', 'sometimes', '--network', 'none', 'busybox', 'true']);
    expect(p.code).toBe(125);
    expect(p.stderr).toContain("invalid restart policy 'sometimes'");
    expect((await env.ok(['ps', '-aq'])).trim()).toBe('');
  });

  it('applies env, workdir, user, entrypoint and hostname like Docker', async () => {
    const out = await env.ok([
      'run', '--rm', '--network', 'none', '-e', 'A=1', '-w', '/tmp/made', '-u', 'www', '--hostname', 'box1',
      'busybox', 'sh', '-c', 'echo $A $(pwd) $(id -u):$(id -g) $(hostname)',
    ]);
    expect(out.trim()).toBe('1 /tmp/made 33:33 box1');
    const ep = await env.ok(['run', '--rm', '--network', 'none', '--entrypoint', 'echo', 'busybox', 'a', 'b']);
    expect(ep.trim()).toBe('a b');
  });

  it('writes --cidfile and refuses an existing one', async () => {
    const cid = join(env.base, 'cid');
    const id = (await env.ok(['run', '-d', '--cidfile', cid, '--network', 'none', 'busybox', 'true'])).trim();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(cid, 'utf8')).toBe(id);
    const again = await env.run(['run', '--cidfile', cid, '--network', 'none', 'busybox', 'true']);
    expect(again.code).toBe(125);
    expect(again.stderr).toContain('Container ID file found');
  });
});
