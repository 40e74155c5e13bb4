// exec through conmon's exec mode against real runc: exit codes, stdio, pty, detached sessions, 126/127.
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/engine/errdefs.js';
import { execLayout } from '../../src/engine/tasks/layout.js';
import { canRunTasks, collector, createTaskFixture, eventually, type TaskFixture } from './fixtures.js';

let f: TaskFixture;
let id: string;

beforeEach(async () => {
  f = createTaskFixture();
  if (!canRunTasks) return;
  id = f.newId();
  await f.tasks.create(f.ctx, { id, bundle: f.bundle(id, { args: ['sleep', '1000'], env: ['FROM_IMAGE=1'] }) });
  await f.tasks.start(f.ctx, id);
});
afterEach(async () => {
  await f.cleanup();
});

describe.skipIf(!canRunTasks)('exec (conmon exec mode)', () => {
  it('returns the exit code and both streams', async () => {
    const out = collector();
    const err = collector();
    const r = await f.tasks.exec(f.ctx, id, {
      args: ['sh', '-c', 'echo hi; echo oops >&2; exit 5'],
      io: { stdout: out.stream, stderr: err.stream },
    });
    expect(r.pid).toBeGreaterThan(0);
    expect(r.exitCode).toBe(5);
    expect(out.text()).toBe('hi\n');
    expect(err.text()).toBe('oops\n');
    // A finished foreground session leaves nothing behind.
    expect(fs.readdirSync(f.tasks.layout(f.ctx, id).execRoot)).toEqual([]);
  });

  it('uses the container\'s env plus -e, and -w and -u', async () => {
    const out = collector();
    const r = await f.tasks.exec(f.ctx, id, {
      args: ['sh', '-c', 'echo $FROM_IMAGE $FOO; pwd; id -u; id -g'],
      env: ['FOO=bar'],
      cwd: '/tmp',
      user: { uid: 1000, gid: 1001 },
      io: { stdout: out.stream },
    });
    expect(r.exitCode).toBe(0);
    expect(out.text()).toBe('1 bar\n/tmp\n1000\n1001\n');
  });

  it('feeds stdin with -i and ends it at end of input', async () => {
    const input = new PassThrough();
    const out = collector();
    const p = f.tasks.exec(f.ctx, id, { args: ['cat'], stdin: true, io: { stdin: input, stdout: out.stream } });
    input.end('abc\n');
    expect((await p).exitCode).toBe(0);
    expect(out.text()).toBe('abc\n');
  });

  it('gives -t a terminal of the asked size', async () => {
    const out = collector();
    const r = await f.tasks.exec(f.ctx, id, {
      args: ['sh', '-c', 'tty; stty size'],
      terminal: true,
      consoleSize: { rows: 33, cols: 99 },
      io: { stdout: out.stream },
    });
    expect(r.exitCode).toBe(0);
    expect(out.text()).toMatch(/^\/dev\/pts\/\d+\r\n33 99\r\n$/);
  });

  it('runs detached and records the exit in the session', async () => {
    const r = await f.tasks.exec(f.ctx, id, { args: ['sh', '-c', 'sleep 0.3; exit 4'], detach: true, execId: 'bg1' });
    expect(r.pid).toBeGreaterThan(0);
    expect(r.exitCode).toBeUndefined();
    const exitFile = execLayout(f.tasks.layout(f.ctx, id), id, 'bg1').exitFile;
    expect(await eventually(() => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8'))).toBe('4');
  });

  it('reports a missing command as 127 and a non-executable one as 126', async () => {
    await expect(f.tasks.exec(f.ctx, id, { args: ['nosuchcmd'] })).rejects.toSatisfy(
      (e: any) => e.exitCode === 127 && /executable file not found/.test(e.message),
    );
    await expect(f.tasks.exec(f.ctx, id, { args: ['/bin/notexec'] })).rejects.toSatisfy(
      (e: any) => e.exitCode === 126 && hasCode(e, 'invalid-argument'),
    );
    await expect(f.tasks.exec(f.ctx, id, { args: ['/tmp'] })).rejects.toSatisfy((e: any) => e.exitCode === 126);
    expect(fs.readdirSync(f.tasks.layout(f.ctx, id).execRoot)).toEqual([]);
  });

  it('refuses a paused or stopped task with Docker\'s wording', async () => {
    await f.tasks.pause(f.ctx, id);
    await expect(f.tasks.exec(f.ctx, id, { args: ['true'] })).rejects.toThrow(
      `container ${id} is paused, unpause the container before exec`,
    );
    await f.tasks.resume(f.ctx, id);
    await f.tasks.stop(f.ctx, id, { timeoutSeconds: 0 });
    await expect(f.tasks.exec(f.ctx, id, { args: ['true'] })).rejects.toSatisfy(
      (e: any) => hasCode(e, 'failed-precondition') && e.message === `container ${id} is not running`,
    );
  });

  it('can be run with --privileged', async () => {
    const out = collector();
    const r = await f.tasks.exec(f.ctx, id, {
      args: ['sh', '-c', 'grep CapEff /proc/self/status'],
      privileged: true,
      io: { stdout: out.stream },
    });
    expect(r.exitCode).toBe(0);
    const host = /CapBnd:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    expect(out.text().trim()).toBe(`CapEff:\t${host}`);
  });
});
