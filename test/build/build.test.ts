/**
 * `nerdctl build` as a command: failures (a failing RUN, bad Dockerfiles and contexts) are one clear error and
 * leave nothing behind; contexts and Dockerfiles from standard input; -q and --iidfile; --output; ADD of a URL;
 * Ctrl-C during a step.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { canRunContainers, makeBuildEnv, writeContext, type BuildEnv } from './helpers.js';

describe.skipIf(!canRunContainers)('nerdctl build', { timeout: 300_000 }, () => {
  let env: BuildEnv;
  const dirs: string[] = [];

  beforeAll(async () => {
    env = await makeBuildEnv();
  }, 180_000);

  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const leftovers = env.buildLeftovers();
    expect([...leftovers, ...(await env.dispose())]).toEqual([]);
  }, 180_000);

  const ctx = (files: Record<string, string | Buffer>) => {
    const d = writeContext(files);
    dirs.push(d);
    return d;
  };
  /** stderr without the progress lines (`#N ...`), blank lines and the failed step's `------` block. */
  const errorLines = (stderr: string) => {
    const out: string[] = [];
    let block = false;
    for (const l of stderr.split('\n')) {
      if (l === '------') {
        block = !block;
        continue;
      }
      if (block || l === '' || /^#\d+ /.test(l)) continue;
      out.push(l);
    }
    return out;
  };

  it.concurrent('a failing RUN names the line, the command and its exit code, shows its last output, and leaves nothing behind', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nRUN echo ok > /ok\nRUN echo out && echo err >&2 && exit 7\nRUN echo never\n' });
    const r = await env.build([d]);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      'Error: Dockerfile:3: process "/bin/sh -c echo out && echo err >&2 && exit 7" did not complete successfully: exit code: 7',
    ]);
    // stdout and stderr are two pipes: their lines may interleave either way.
    expect(r.stderr).toMatch(/------\n > \[3\/4\] RUN echo out && echo err >&2 && exit 7:\n(out\nerr|err\nout)\n------\n/);
    expect(r.stderr).not.toContain('RUN echo never');
    // With -q: no progress, the output block and the error line.
    const q = await env.build(['-q', d]);
    expect(q.code).toBe(1);
    expect(q.stdout).toBe('');
    expect(q.stderr.replace('err\nout\n', 'out\nerr\n')).toBe(
      '------\n > [3/4] RUN echo out && echo err >&2 && exit 7:\nout\nerr\n------\n' +
        'Error: Dockerfile:3: process "/bin/sh -c echo out && echo err >&2 && exit 7" did not complete successfully: exit code: 7\n',
    );
    // Nothing left behind: checked in afterAll, once the builds running beside this one are done.
  });

  it.concurrent.each([
    ['a syntax error', 'FROM busybox\nRUNN echo\n', {}, 'Error: Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)'],
    ['a missing COPY source', 'FROM busybox\nCOPY nope.txt /\n', {}, 'Error: Dockerfile:2: failed to compute cache key: "/nope.txt": not found'],
    ['several sources without a directory destination', 'FROM busybox\nCOPY a b /dest\n', { a: 'a', b: 'b' }, 'Error: Dockerfile:2: When using COPY with more than one source file, the destination must be a directory and end with a /'],
    ['a variable in --from', 'FROM busybox\nARG S=x\nCOPY --from=$S /a /a\n', {}, /^Error: Dockerfile:3: .*--from/],
    ['an unterminated heredoc', 'FROM busybox\nRUN <<EOF\necho hi\n', {}, /^Error: Dockerfile:2: .*heredoc/],
    ['only ARGs', 'ARG A=1\n', {}, 'Error: Dockerfile: dockerfile contains no stages to build'],
    ['an unknown USER', 'FROM busybox\nUSER nosuch\nRUN true\n', {}, /^Error: Dockerfile:3: .*nosuch/],
    ['an unknown --chown user', 'FROM busybox\nCOPY --chown=nosuch f /f\n', { f: 'f' }, /^Error: Dockerfile:2: .*no such user: nosuch/],
    ['a required variable that is unset', 'FROM busybox\nARG V\nENV X="${V:?must be set}"\n', {}, /^Error: Dockerfile:3: .*V: must be set$/],
    ['COPY --from a stage defined later', 'FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nFROM a\n', {}, /^Error: Dockerfile:2: .*needs to be defined before/],
    ['a corrupt archive for ADD', 'FROM busybox\nADD bad.tar.gz /x/\n', { 'bad.tar.gz': Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]) }, /^Error: Dockerfile:2: .*bad\.tar\.gz/],
  ])('%s fails with one line naming the line', async (_what, dockerfile, files, want) => {
    const d = ctx({ Dockerfile: dockerfile, ...files });
    const r = await env.build([d]);
    expect(r.code).toBe(1);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    if (typeof want === 'string') expect(lines[0]).toBe(want);
    else expect(lines[0]).toMatch(want);
  });

  it.concurrent('rejects other platforms, unknown targets and missing contexts with one line', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox AS build\nRUN true\n' });
    const plat = await env.build(['--platform', 'linux/arm64', d]);
    expect(plat.code).toBe(1);
    expect(errorLines(plat.stderr)).toEqual(['Error: --platform linux/arm64: this builder can only build for the host platform linux/amd64']);
    const target = await env.build(['--target', 'buid', d]);
    expect(errorLines(target.stderr)).toEqual(['Error: Dockerfile: target stage "buid" could not be found (did you mean build?)']);
    const missing = await env.build([path.join(d, 'nope')]);
    expect(missing.code).toBe(1);
    expect(errorLines(missing.stderr)).toEqual([`Error: unable to prepare context: path "${path.join(d, 'nope')}" not found`]);
    const nofile = await env.build(['-f', 'nope.Dockerfile', d]);
    expect(errorLines(nofile.stderr)[0]).toMatch(/^Error: unable to prepare context: .*nope\.Dockerfile/);
    const noargs = await env.run(['build']);
    expect(noargs.code).toBe(1);
    expect(noargs.stderr).toContain('"nerdctl build" requires exactly 1 argument.');
  });

  it.concurrent('never writes outside the image, whatever symlinks the image holds', async () => {
    const marker = `nerdctl-escape-${process.pid}-${Date.now()}`;
    const d = ctx({
      Dockerfile:
        'FROM busybox\nENV SRC=f.txt\n' +
        'RUN mkdir -p /deep/a/b && ln -s /tmp /abs && ln -s ../../../../../../../tmp /deep/a/b/rel && ln -s /nonexistent/dir /dangling\n' +
        `COPY $SRC /abs/${marker}-1\nCOPY f.txt /deep/a/b/rel/${marker}-2\nCOPY dir /abs/\nADD t.tar /deep/a/b/rel/\n`,
      'f.txt': 'f\n',
      'dir/inner.txt': 'inner\n',
      't.tar': execFileSync('tar', ['-cf', '-', '-C', ctx({ [`${marker}-3`]: 'tar\n' }), `${marker}-3`]),
    });
    const r = await env.build(['-t', 'confined', d]);
    expect(r.code, r.stderr).toBe(0);
    for (const n of [1, 2, 3]) expect(existsSync(`/tmp/${marker}-${n}`)).toBe(false);
    expect(existsSync('/tmp/inner.txt') && readFileSync('/tmp/inner.txt', 'utf8') === 'inner\n').toBe(false);
    await env.withRootfs('confined', (root) => {
      expect(readFileSync(path.join(root, 'tmp', `${marker}-1`), 'utf8')).toBe('f\n');
      expect(readFileSync(path.join(root, 'tmp', `${marker}-2`), 'utf8')).toBe('f\n');
      expect(readFileSync(path.join(root, 'tmp', `${marker}-3`), 'utf8')).toBe('tar\n');
      expect(readFileSync(path.join(root, 'tmp/inner.txt'), 'utf8')).toBe('inner\n');
    });
  });

  it.concurrent('invalid JSON after [ falls back to shell form and fails when run', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nRUN ["echo","hello"]this is invalid\n' });
    const r = await env.build([d]);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)[0]).toMatch(/^Error: Dockerfile:2: process "\/bin\/sh -c \["echo","hello"\]this is invalid" did not complete successfully: exit code: \d+$/);
  });

  it.concurrent('reads a tar context or a Dockerfile from standard input, and a Dockerfile from -f -', async () => {
    const src = ctx({ Dockerfile: 'FROM busybox\nCOPY f /f\n', f: 'from tar\n' });
    const tar = execFileSync('tar', ['-czf', '-', '-C', src, '.']);
    const fromTar = await env.build(['-t', 'stdin-tar', '-'], { input: tar });
    expect(fromTar.code, fromTar.stderr).toBe(0);
    await env.withRootfs('stdin-tar', (root) => expect(readFileSync(path.join(root, 'f'), 'utf8')).toBe('from tar\n'));

    const df = await env.build(['-t', 'stdin-df', '-'], { input: 'FROM busybox\nRUN echo df > /df\n' });
    expect(df.code, df.stderr).toBe(0);
    await env.withRootfs('stdin-df', (root) => expect(readFileSync(path.join(root, 'df'), 'utf8')).toBe('df\n'));
    const dfCopy = await env.build(['-'], { input: 'FROM busybox\nCOPY x /x\n' });
    expect(errorLines(dfCopy.stderr)).toEqual(['Error: Dockerfile:2: failed to compute cache key: "/x": not found']);

    const c = ctx({ g: 'context file\n' });
    const fdash = await env.build(['-t', 'stdin-f', '-f', '-', c], { input: 'FROM busybox\nCOPY g /g\n' });
    expect(fdash.code, fdash.stderr).toBe(0);
    await env.withRootfs('stdin-f', (root) => expect(readFileSync(path.join(root, 'g'), 'utf8')).toBe('context file\n'));
    const both = await env.build(['-f', '-', '-'], { input: '' });
    expect(errorLines(both.stderr)).toEqual(["Error: invalid argument: can't use stdin for both build context and dockerfile"]);
  });

  it.concurrent('takes a Dockerfile from outside the context, as docker does', async () => {
    const c = ctx({ 'in.txt': 'in\n' });
    const other = ctx({ 'app.Dockerfile': 'FROM busybox\nCOPY in.txt /in.txt\n' });
    const r = await env.build(['-t', 'outside', '-f', path.join(other, 'app.Dockerfile'), c]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('[internal] load build definition from app.Dockerfile');
  });

  it.concurrent('-q prints only the image ID, --iidfile writes it, several -t name one image, `builder build` is the same', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nRUN echo q > /q\n' });
    const iid = path.join(d, 'iid');
    const r = await env.build(['-q', '-t', 'qq:1', '-t', 'qq:2', '--iidfile', iid, d]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(readFileSync(iid, 'utf8')).toBe(r.stdout.trim());
    const a = await env.inspect('qq:1');
    expect(a.Id).toBe(r.stdout.trim());
    expect(a.RepoTags.sort()).toEqual(['qq:1', 'qq:2']);
    const b = await env.run(['builder', 'build', '-q', d]);
    expect(b.stdout).toBe(r.stdout);
  });

  it.concurrent('--output writes a docker archive, an OCI layout, a rootfs tar and a directory', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nRUN echo out > /out.txt\n' });
    const out = mkdtempSync(path.join(tmpdir(), 'nerdctl-bout-'));
    dirs.push(out);
    const r = await env.build([
      '-t', 'outputs:1',
      '--output', `type=docker,dest=${out}/image.tar`,
      '--output', `type=oci,dest=${out}/oci.tar`,
      '--output', `type=tar,dest=${out}/rootfs.tar`,
      '-o', `${out}/dir`,
      d,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'dir/out.txt'), 'utf8')).toBe('out\n');
    expect(lstatSync(path.join(out, 'dir/bin/busybox')).isFile()).toBe(true);
    const list = execFileSync('tar', ['-tf', path.join(out, 'rootfs.tar')], { encoding: 'utf8' }).split('\n');
    expect(list).toContain('out.txt');
    const oci = execFileSync('tar', ['-tf', path.join(out, 'oci.tar')], { encoding: 'utf8' }).split('\n');
    expect(oci).toContain('index.json');
    expect(oci).not.toContain('manifest.json');
    // Not stored: only exported.
    expect((await env.run(['image', 'inspect', 'outputs:1'])).code).toBe(1);
    const loaded = await env.run(['load', '-i', path.join(out, 'image.tar')]);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain('outputs:1');
    await env.withRootfs('outputs:1', (root) => expect(readFileSync(path.join(root, 'out.txt'), 'utf8')).toBe('out\n'));
  });

  it.concurrent('ADD of a URL downloads it (mode 0600, mtime from Last-Modified, archives not extracted)', async () => {
    const tarball = execFileSync('tar', ['-czf', '-', '-C', ctx({ 'inner.txt': 'x' }), 'inner.txt']);
    const server: Server = createServer((req, res) => {
      if (req.url === '/files/data.txt') {
        res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' });
        res.end('downloaded\n');
      } else if (req.url === '/t.tgz') {
        res.end(tarball);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const d = ctx({ Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/files/data.txt /dl/\nADD http://127.0.0.1:${port}/t.tgz /t/\nADD http://127.0.0.1:${port}/files/data.txt /named.txt\n` });
      const r = await env.build(['-t', 'addurl', d]);
      expect(r.code, r.stderr).toBe(0);
      await env.withRootfs('addurl', (root) => {
        const st = lstatSync(path.join(root, 'dl/data.txt'));
        expect(st.mode & 0o7777).toBe(0o600);
        expect(st.mtime.toISOString()).toBe('2015-10-21T07:28:00.000Z');
        expect(readFileSync(path.join(root, 'named.txt'), 'utf8')).toBe('downloaded\n');
        expect(lstatSync(path.join(root, 't/t.tgz')).isFile()).toBe(true);
        expect(existsSync(path.join(root, 't/inner.txt'))).toBe(false);
      });
      const sum = ctx({ Dockerfile: `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/files/data.txt /x\n` });
      const bad = await env.build([sum]);
      expect(bad.code).toBe(1);
      expect(errorLines(bad.stderr)[0]).toMatch(/^Error: Dockerfile:2: digest mismatch for http:\/\/127\.0\.0\.1:\d+\/files\/data\.txt: sha256:[0-9a-f]{64}, expected sha256:0{64}$/);
      const missing = ctx({ Dockerfile: `FROM busybox\nADD http://127.0.0.1:${port}/nope /x\n` });
      const m = await env.build([missing]);
      expect(m.code).toBe(1);
      expect(errorLines(m.stderr)[0]).toContain('404');
    } finally {
      server.close();
    }
  });

  it('Ctrl-C during a RUN stops the build and leaves nothing behind', async () => {
    const d = ctx({ Dockerfile: 'FROM busybox\nRUN echo started && sleep 60\n' });
    const child = spawn(process.execPath, [BIN, ...env.globalArgs, 'build', '--progress', 'plain', d], { env: { ...process.env, ...env.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const started = new Promise<void>((resolve) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (/#\d+ [0-9.]+ started/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await started;
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(env.buildLeftovers()).toEqual([]);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts).not.toContain(env.stateRoot);
    expect(mounts).not.toContain(env.dataRoot);
  });
});

