// Tasks against real runc and conmon: create/start, logs, exit files, the exit command, attach, stop/kill,
// pause/resume, state reconciliation. Each test makes its own state root, namespace and busybox bundle.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/engine/errdefs.js';
import { formatTimestamp, readLogs, type LogEntry } from '../../src/engine/tasks/logs.js';
import { collector, createTaskFixture, eventually, isConmon, leftoverCgroups, canRunTasks, type TaskFixture } from './fixtures.js';

let f: TaskFixture;
beforeEach(() => {
  f = createTaskFixture();
});
afterEach(async () => {
  await f.cleanup();
});

async function collect(it: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe.skipIf(!canRunTasks)('task lifecycle (runc + conmon)', () => {
  it('runs a detached task: both streams in the log, exit file, exit code, exit command', async () => {
    const id = f.newId();
    const bundle = f.bundle(id, { args: ['sh', '-c', 'echo out1; echo err1 >&2; sleep 0.3; echo out2; exit 3'] });
    const created = await f.tasks.create(f.ctx, {
      id,
      name: 'web',
      bundle,
      logPath: f.logPath(id),
      exitCommand: f.exitCommand,
    });
    expect(created.pid).toBeGreaterThan(0);
    expect((await f.tasks.state(f.ctx, id)).status).toBe('created');
    await f.tasks.start(f.ctx, id);
    const exit = await f.tasks.waitExit(f.ctx, id, { timeoutMs: 30_000 });
    expect(exit.exitCode).toBe(3);
    expect(exit.source).toBe('monitor');
    expect(await f.tasks.readExitCode(f.ctx, id)).toMatchObject({ exitCode: 3 });
    const st = await f.tasks.state(f.ctx, id);
    expect(st.status).toBe('stopped');
    expect(st.exit?.exitCode).toBe(3);

    const entries = await collect(readLogs(f.logPath(id)));
    // Order across the two pipes is whatever conmon read first; within a stream it is kept.
    expect(entries.filter((e) => e.stream === 'stdout').map((e) => e.data.toString())).toEqual(['out1\n', 'out2\n']);
    expect(entries.filter((e) => e.stream === 'stderr').map((e) => e.data.toString())).toEqual(['err1\n']);
    // conmon stamps every line of one read alike; the sleep puts out2 in a later read.
    const last = entries.find((e) => e.data.toString() === 'out2\n')!;
    expect(formatTimestamp(entries[0]!.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect((await collect(readLogs(f.logPath(id), { tail: 1 }))).map((e) => e.data.toString())).toEqual([entries[2]!.data.toString()]);
    expect((await collect(readLogs(f.logPath(id), { since: last.time, stderr: false }))).map((e) => e.data.toString())).toEqual([
      'out2\n',
    ]);

    // conmon runs the exit command after writing the exit file.
    const argv = await eventually(() => fs.existsSync(f.exitLog) && fs.readFileSync(f.exitLog, 'utf8'));
    expect(argv).toBe('internal\ncleanup\n--flag=x\n--\n');

    const deleted = await f.tasks.delete(f.ctx, id);
    expect(deleted?.exitCode).toBe(3);
    expect(leftoverCgroups(id)).toEqual([]);
    expect(fs.existsSync(f.tasks.layout(f.ctx, id).dir)).toBe(false);
    // The exit status outlives delete (wait/inspect), until purge.
    expect((await f.tasks.readExitCode(f.ctx, id))?.exitCode).toBe(3);
    await f.tasks.purge(f.ctx, id);
    expect(await f.tasks.readExitCode(f.ctx, id)).toBeUndefined();
    await expect(f.tasks.state(f.ctx, id)).rejects.toSatisfy((e) => hasCode(e, 'not-found'));
  });

  it('attached before start, receives every line of output', async () => {
    const id = f.newId();
    const bundle = f.bundle(id, {
      args: ['sh', '-c', 'i=0; while [ $i -lt 300 ]; do echo line$i; i=$((i+1)); done; echo bye >&2'],
    });
    await f.tasks.create(f.ctx, { id, bundle, logPath: f.logPath(id) });
    const out = collector();
    const err = collector();
    const session = await f.tasks.attach(f.ctx, id, { stdout: out.stream, stderr: err.stream });
    await f.tasks.start(f.ctx, id);
    expect((await session.done).reason).toBe('exited');
    const lines = out.text().trimEnd().split('\n');
    expect(lines.length).toBe(300);
    expect(lines[0]).toBe('line0');
    expect(lines[299]).toBe('line299');
    expect(err.text()).toBe('bye\n');
    expect((await f.tasks.waitExit(f.ctx, id)).exitCode).toBe(0);
  });

  it('passes stdin through and closes it at end of input', async () => {
    const id = f.newId();
    const bundle = f.bundle(id, { args: ['sh', '-c', 'cat; echo done'] });
    await f.tasks.create(f.ctx, { id, bundle, stdin: true, stdinOnce: true, logPath: f.logPath(id) });
    const input = new PassThrough();
    const out = collector();
    const session = await f.tasks.attach(f.ctx, id, { stdin: input, stdout: out.stream, stderr: out.stream });
    await f.tasks.start(f.ctx, id);
    input.write('hello\n');
    input.end('world\n');
    expect((await session.done).reason).toBe('exited');
    expect(out.text()).toBe('hello\nworld\ndone\n');
    expect((await f.tasks.waitExit(f.ctx, id)).exitCode).toBe(0);
  });

  it('gives a pty task a terminal that follows the caller\'s terminal size, and resizes on request', async () => {
    const id = f.newId();
    const bundle = f.bundle(id, {
      args: ['sh', '-c', 'tty; stty size; while read x; do stty size; done'],
      terminal: true,
    });
    await f.tasks.create(f.ctx, { id, bundle, terminal: true, stdin: true, logPath: f.logPath(id) });
    const input = new PassThrough();
    const out = collector();
    // Stands in for process.stdout: rows/columns, and a 'resize' event on SIGWINCH.
    const tty = Object.assign(new EventEmitter(), { rows: 40, columns: 120 });
    const session = await f.tasks.attach(f.ctx, id, { stdin: input, stdout: out.stream, terminal: tty });
    await f.tasks.start(f.ctx, id);
    // conmon applies sizes asynchronously; nudge the shell until it reports the one we expect.
    const nudgeUntil = (text: string) =>
      eventually(async () => {
        input.write('\r');
        await new Promise((r) => setTimeout(r, 100));
        return out.text().includes(text);
      }, 50);
    await nudgeUntil('40 120');
    tty.rows = 50;
    tty.columns = 132;
    tty.emit('resize');
    await nudgeUntil('50 132');
    await f.tasks.resize(f.ctx, id, { rows: 60, cols: 140 });
    await nudgeUntil('60 140');
    input.write(Buffer.from([0x04])); // ^D: end of input on a terminal
    expect((await session.done).reason).toBe('exited');
    expect(out.text()).toMatch(/\/dev\/pts\/\d+\r\n/);
    expect(tty.listenerCount('resize')).toBe(0);
  });

  it('attaches through a bundle path longer than a socket address allows', async () => {
    const id = f.newId();
    const short = f.bundle(id, { args: ['sh', '-c', 'read x; echo got $x'] });
    const long = path.join(f.root, 'l'.repeat(50), 'o'.repeat(50), id);
    fs.mkdirSync(path.dirname(long), { recursive: true });
    fs.renameSync(short, long);
    expect(Buffer.byteLength(path.join(long, 'attach'))).toBeGreaterThan(108);
    await f.tasks.create(f.ctx, { id, bundle: long, stdin: true, stdinOnce: true });
    const input = new PassThrough();
    const out = collector();
    const session = await f.tasks.attach(f.ctx, id, { stdin: input, stdout: out.stream });
    await f.tasks.start(f.ctx, id);
    input.end('far\n');
    expect((await session.done).reason).toBe('exited');
    expect(out.text()).toBe('got far\n');
  });

  it('detaches with the detach keys and lets another client attach', async () => {
    const id = f.newId();
    const bundle = f.bundle(id, { args: ['cat'] });
    await f.tasks.create(f.ctx, { id, bundle, stdin: true, logPath: f.logPath(id) });
    await f.tasks.start(f.ctx, id);
    const input = new PassThrough();
    const out = collector();
    const first = await f.tasks.attach(f.ctx, id, { stdin: input, stdout: out.stream });
    input.write('one\n');
    await eventually(() => out.text() === 'one\n');
    input.write(Buffer.from([0x10, 0x11])); // ctrl-p ctrl-q
    expect((await first.done).reason).toBe('detached');
    expect((await f.tasks.state(f.ctx, id)).status).toBe('running');

    const input2 = new PassThrough();
    const out2 = collector();
    const second = await f.tasks.attach(f.ctx, id, {
      stdin: input2,
      stdout: out2.stream,
      detachKeys: Buffer.from([0x01]), // ctrl-a
    });
    input2.write('two\n');
    await eventually(() => out2.text() === 'two\n');
    input2.write(Buffer.from([0x01]));
    expect((await second.done).reason).toBe('detached');
    // The first session's input never reached the container after it detached.
    expect(out.text()).toBe('one\n');
    // cat is PID 1 without a SIGTERM handler: the kernel ignores the signal, stop escalates.
    const status = await f.tasks.stop(f.ctx, id, { timeoutSeconds: 1 });
    expect(status?.exitCode).toBe(137);
  });

  it('ends an attach session when canceled, leaving the task running', async () => {
    const id = f.newId();
    const bundle = f.bundle(id, { args: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'] });
    await f.tasks.create(f.ctx, { id, bundle, logPath: f.logPath(id) });
    await f.tasks.start(f.ctx, id);
    const out = collector();
    const session = await f.tasks.attach(f.ctx, id, { stdout: out.stream });
    await eventually(() => out.text().includes('tick'));
    session.close();
    expect((await session.done).reason).toBe('canceled');
    expect((await f.tasks.state(f.ctx, id)).status).toBe('running');
  });

  it('records the exit of a task whose conmon died before it, once, and runs the exit command', async () => {
    const id = f.newId();
    const created = await f.tasks.create(f.ctx, {
      id,
      bundle: f.bundle(id, { args: ['sleep', '1000'] }),
      exitCommand: f.exitCommand,
    });
    await f.tasks.start(f.ctx, id);
    process.kill(created.conmonPid!, 'SIGKILL');
    await eventually(() => !isConmon(created.conmonPid!));
    // Killed behind our back: nobody saw why it died.
    process.kill(created.pid, 'SIGKILL');
    await eventually(async () => (await f.tasks.state(f.ctx, id)).status === 'stopped');
    const st = await f.tasks.state(f.ctx, id);
    expect(st.exit).toMatchObject({ exitCode: 255, source: 'unknown' });
    expect(await f.tasks.waitExit(f.ctx, id)).toMatchObject({ exitCode: 255 });
    expect(await eventually(() => fs.existsSync(f.exitLog) && fs.readFileSync(f.exitLog, 'utf8'))).toBe('internal\ncleanup\n--flag=x\n--\n');
    await f.tasks.delete(f.ctx, id);
  });

  it('ends an attach session when the operation is aborted (CLI interrupted)', async () => {
    const id = f.newId();
    await f.tasks.create(f.ctx, { id, bundle: f.bundle(id, { args: ['cat'] }), stdin: true, stdinOnce: true });
    await f.tasks.start(f.ctx, id);
    const ac = new AbortController();
    const input = new PassThrough();
    const out = collector();
    const session = await f.tasks.attach({ ...f.ctx, signal: ac.signal }, id, { stdin: input, stdout: out.stream });
    input.write('ping\n');
    await eventually(() => out.text() === 'ping\n');
    ac.abort();
    expect((await session.done).reason).toBe('canceled');
    // Disconnecting a stdin-once client closes the container's stdin: cat sees EOF and exits.
    expect((await f.tasks.waitExit(f.ctx, id, { timeoutMs: 30_000 })).exitCode).toBe(0);
    expect(input.listenerCount('data')).toBe(0);
  });

  it('rotates the log at --log-size-max, keeping the newest lines', async () => {
    const id = f.newId();
    await f.tasks.create(f.ctx, {
      id,
      bundle: f.bundle(id, { args: ['sh', '-c', 'i=0; while [ $i -lt 100 ]; do echo line$i; i=$((i+1)); sleep 0.01; done'] }),
      logPath: f.logPath(id),
      logSizeMax: 1000,
    });
    await f.tasks.start(f.ctx, id);
    await f.tasks.waitExit(f.ctx, id);
    expect(fs.statSync(f.logPath(id)).size).toBeLessThanOrEqual(1000);
    const lines: string[] = [];
    for await (const e of readLogs(f.logPath(id))) lines.push(e.data.toString());
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(100);
    expect(lines.at(-1)).toBe('line99\n');
  });

  it('stops: the stop signal first, SIGKILL after the timeout', async () => {
    const graceful = f.newId();
    const stubborn = f.newId();
    await f.tasks.create(f.ctx, {
      id: graceful,
      bundle: f.bundle(graceful, { args: ['sh', '-c', 'trap "exit 7" TERM; while true; do sleep 0.1; done'] }),
    });
    // PID 1 without a handler ignores SIGTERM.
    await f.tasks.create(f.ctx, { id: stubborn, bundle: f.bundle(stubborn, { args: ['sleep', '1000'] }) });
    await f.tasks.start(f.ctx, graceful);
    await f.tasks.start(f.ctx, stubborn);
    expect((await f.tasks.stop(f.ctx, graceful, { timeoutSeconds: 30 }))?.exitCode).toBe(7);
    expect((await f.tasks.stop(f.ctx, stubborn, { timeoutSeconds: 1 }))?.exitCode).toBe(137);
    // Stopping a stopped task is a no-op that reports the exit.
    expect((await f.tasks.stop(f.ctx, stubborn))?.exitCode).toBe(137);
    await f.tasks.delete(f.ctx, graceful);
    await f.tasks.delete(f.ctx, stubborn);
  });

  it('kills with a named signal; refuses a bad one', async () => {
    const id = f.newId();
    await f.tasks.create(f.ctx, { id, bundle: f.bundle(id, { args: ['sh', '-c', 'trap "exit 12" USR1; while true; do sleep 0.1; done'] }) });
    await f.tasks.start(f.ctx, id);
    await expect(f.tasks.kill(f.ctx, id, 'NOPE')).rejects.toSatisfy((e) => hasCode(e, 'invalid-argument'));
    await f.tasks.kill(f.ctx, id, 'usr1');
    expect((await f.tasks.waitExit(f.ctx, id)).exitCode).toBe(12);
    await expect(f.tasks.kill(f.ctx, id, 'KILL')).rejects.toThrow(`container ${id} is not running`);
  });

  it('pauses and resumes, with Docker\'s wording for wrong states', async () => {
    const id = f.newId();
    await f.tasks.create(f.ctx, { id, bundle: f.bundle(id, { args: ['sleep', '1000'] }) });
    await expect(f.tasks.pause(f.ctx, id)).rejects.toThrow(`container ${id} is not running`);
    await f.tasks.start(f.ctx, id);
    await expect(f.tasks.resume(f.ctx, id)).rejects.toThrow(`container ${id} is not paused`);
    await f.tasks.pause(f.ctx, id);
    expect((await f.tasks.state(f.ctx, id)).status).toBe('paused');
    await expect(f.tasks.pause(f.ctx, id)).rejects.toSatisfy((e) => hasCode(e, 'failed-precondition'));
    await expect(f.tasks.delete(f.ctx, id)).rejects.toSatisfy((e) => hasCode(e, 'failed-precondition'));
    await f.tasks.resume(f.ctx, id);
    expect((await f.tasks.state(f.ctx, id)).status).toBe('running');
    // A paused task still stops (SIGKILL thaws it).
    await f.tasks.pause(f.ctx, id);
    expect((await f.tasks.stop(f.ctx, id, { timeoutSeconds: 1 }))?.exitCode).toBe(137);
  });

  it('fails create with 127 for a missing command and 126 for one that cannot run, leaving nothing', async () => {
    const missing = f.newId();
    const notExec = f.newId();
    await expect(f.tasks.create(f.ctx, { id: missing, bundle: f.bundle(missing, { args: ['nosuchcmd'] }) })).rejects.toSatisfy(
      (e: any) => e.exitCode === 127 && hasCode(e, 'invalid-argument') && /executable file not found/.test(e.message),
    );
    await expect(f.tasks.create(f.ctx, { id: notExec, bundle: f.bundle(notExec, { args: ['/bin/notexec'] }) })).rejects.toSatisfy(
      (e: any) => e.exitCode === 126 && /permission denied/.test(e.message),
    );
    for (const id of [missing, notExec]) {
      await expect(f.tasks.state(f.ctx, id)).rejects.toSatisfy((e) => hasCode(e, 'not-found'));
      expect(leftoverCgroups(id)).toEqual([]);
    }
  });

  it('refuses a second task with the same id', async () => {
    const id = f.newId();
    const bundle = f.bundle(id, { args: ['sleep', '1000'] });
    await f.tasks.create(f.ctx, { id, bundle });
    await expect(f.tasks.create(f.ctx, { id, bundle })).rejects.toSatisfy((e) => hasCode(e, 'already-exists'));
    await f.tasks.delete(f.ctx, id, { force: true });
    expect(leftoverCgroups(id)).toEqual([]);
  });

  it('follows the log until the task exits', async () => {
    const id = f.newId();
    await f.tasks.create(f.ctx, {
      id,
      bundle: f.bundle(id, { args: ['sh', '-c', 'for i in 1 2 3; do echo n$i; sleep 0.2; done'] }),
      logPath: f.logPath(id),
    });
    await f.tasks.start(f.ctx, id);
    const seen = await collect(readLogs(f.logPath(id), { follow: true, exited: f.tasks.waitExit(f.ctx, id), pollMs: 50 }));
    expect(seen.map((e) => e.data.toString()).join('')).toBe('n1\nn2\nn3\n');
  });

  it('lists the namespace\'s tasks with reconciled states', async () => {
    expect(await f.tasks.list(f.ctx)).toEqual([]);
    const a = f.newId();
    const b = f.newId();
    await f.tasks.create(f.ctx, { id: a, bundle: f.bundle(a, { args: ['sleep', '1000'] }) });
    await f.tasks.create(f.ctx, { id: b, bundle: f.bundle(b, { args: ['sh', '-c', 'exit 2'] }) });
    await f.tasks.start(f.ctx, b);
    await f.tasks.waitExit(f.ctx, b);
    const byId = new Map((await f.tasks.list(f.ctx)).map((t) => [t.id, t]));
    expect(byId.get(a)).toMatchObject({ status: 'created', monitor: { alive: true } });
    expect(byId.get(b)).toMatchObject({ status: 'stopped', pid: 0, exit: { exitCode: 2, source: 'monitor' } });
    expect(byId.size).toBe(2);
  });

  it('reports stats, pids and top of a running task', async () => {
    const id = f.newId();
    const created = await f.tasks.create(f.ctx, { id, bundle: f.bundle(id, { args: ['sleep', '1000'] }) });
    await f.tasks.start(f.ctx, id);
    const m = await f.tasks.stats(f.ctx, id);
    expect(m.memory.usage).toBeGreaterThan(0);
    expect(m.memory.limit).toBeGreaterThan(0);
    expect(m.pids.current).toBe(1);
    expect(m.cpu.systemNanos).toBeGreaterThan(0);
    expect(await f.tasks.pids(f.ctx, id)).toEqual([created.pid]);
    const top = await f.tasks.top(f.ctx, id);
    expect(top.titles).toContain('PID');
    expect(top.processes.map((p) => p[top.titles.indexOf('PID')])).toEqual([String(created.pid)]);
    expect(top.processes[0]?.at(-1)).toBe('sleep 1000');
    await f.tasks.update(f.ctx, id, { pids: { limit: 50 } });
    expect((await f.tasks.stats(f.ctx, id)).pids.limit).toBe(50);
  });

  it('keeps a task whose conmon was SIGKILLed: state from runc, stop, exit status, exit command, delete', async () => {
    const id = f.newId();
    const created = await f.tasks.create(f.ctx, {
      id,
      bundle: f.bundle(id, { args: ['sleep', '1000'] }),
      exitCommand: f.exitCommand,
    });
    await f.tasks.start(f.ctx, id);
    expect(created.conmonPid).toBeGreaterThan(0);
    expect(isConmon(created.conmonPid!)).toBe(true);
    process.kill(created.conmonPid!, 'SIGKILL');
    await eventually(() => !isConmon(created.conmonPid!));
    const st = await f.tasks.state(f.ctx, id);
    expect(st.status).toBe('running');
    expect(st.monitor.alive).toBe(false);
    expect(st.pid).toBe(created.pid);
    // Nobody serves its stdio or pty any more.
    await expect(f.tasks.attach(f.ctx, id, {})).rejects.toSatisfy((e) => hasCode(e, 'unavailable'));
    await expect(f.tasks.resize(f.ctx, id, { rows: 1, cols: 1 })).rejects.toSatisfy((e) => hasCode(e, 'unavailable'));
    const exit = await f.tasks.stop(f.ctx, id, { timeoutSeconds: 1 });
    expect(exit).toMatchObject({ exitCode: 137, source: 'inferred' });
    expect((await f.tasks.state(f.ctx, id)).status).toBe('stopped');
    // We ran the exit command conmon could not.
    expect(await eventually(() => fs.existsSync(f.exitLog) && fs.readFileSync(f.exitLog, 'utf8'))).toBe('internal\ncleanup\n--flag=x\n--\n');
    expect((await f.tasks.delete(f.ctx, id))?.exitCode).toBe(137);
    expect(leftoverCgroups(id)).toEqual([]);
  });

  it('deletes a running task with force, and twice without error', async () => {
    const id = f.newId();
    await f.tasks.create(f.ctx, { id, bundle: f.bundle(id, { args: ['sleep', '1000'] }) });
    await f.tasks.start(f.ctx, id);
    await expect(f.tasks.delete(f.ctx, id)).rejects.toThrow(/cannot remove a running container/);
    const exit = await f.tasks.delete(f.ctx, id, { force: true });
    expect(exit?.exitCode).toBe(137);
    expect(await f.tasks.delete(f.ctx, id)).toMatchObject({ exitCode: 137 });
    expect(leftoverCgroups(id)).toEqual([]);
  });
});
