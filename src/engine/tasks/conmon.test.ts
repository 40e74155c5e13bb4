import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { ControlMessage, SyncReader, conmonCreateArgs, conmonExecArgs, parseSyncLine } from './conmon.js';

const base = {
  runtimePath: '/usr/sbin/runc',
  runtimeArgs: ['--root=/run/nerdctl/runc/default', '--log-format=json'],
  id: 'abc',
  name: 'web',
  bundle: '/b',
  pidFile: '/t/init.pid',
  exitDir: '/run/nerdctl/exits/default',
};

describe('conmonCreateArgs', () => {
  it('builds the full argv of a detached, logged container', () => {
    expect(
      conmonCreateArgs({
        ...base,
        logPath: '/var/lib/nerdctl/containers/default/abc/abc-json.log',
        logSizeMax: 1048576,
        conmonPidFile: '/t/conmon.pid',
        exitCommand: ['/usr/bin/nerdctl', '--data-root', '/d', 'internal', 'cleanup', 'abc'],
        logLevel: 'error',
      }),
    ).toEqual([
      '--api-version',
      '1',
      '-c',
      'abc',
      '-u',
      'abc',
      '-r',
      '/usr/sbin/runc',
      '-b',
      '/b',
      '-p',
      '/t/init.pid',
      '--exit-dir',
      '/run/nerdctl/exits/default',
      '--full-attach',
      '-n',
      'web',
      '--runtime-arg=--root=/run/nerdctl/runc/default',
      '--runtime-arg=--log-format=json',
      '--exit-command',
      '/usr/bin/nerdctl',
      '--exit-command-arg=--data-root',
      '--exit-command-arg=/d',
      '--exit-command-arg=internal',
      '--exit-command-arg=cleanup',
      '--exit-command-arg=abc',
      '--log-level',
      'error',
      '-l',
      'k8s-file:/var/lib/nerdctl/containers/default/abc/abc-json.log',
      '--log-size-max',
      '1048576',
      '--conmon-pidfile',
      '/t/conmon.pid',
    ]);
  });

  it('passes -t for a terminal and never -i with it', () => {
    const args = conmonCreateArgs({ ...base, terminal: true, stdin: true });
    expect(args).toContain('-t');
    expect(args).not.toContain('-i');
  });

  it('passes -i and --leave-stdin-open for an open stdin without terminal', () => {
    const args = conmonCreateArgs({ ...base, stdin: true, leaveStdinOpen: true });
    expect(args).toContain('-i');
    expect(args).toContain('--leave-stdin-open');
    expect(args).not.toContain('-t');
  });

  it('logs nowhere without a log path', () => {
    const args = conmonCreateArgs(base);
    expect(args.slice(args.indexOf('-l'), args.indexOf('-l') + 2)).toEqual(['-l', 'none']);
  });

  it('refuses a log path with a colon, which conmon would split', () => {
    expect(() => conmonCreateArgs({ ...base, logPath: '/a:b/log' })).toThrow(/must not contain/);
  });

  it('keeps exit command arguments that start with a dash or are empty', () => {
    const args = conmonCreateArgs({ ...base, exitCommand: ['/x', '-n', ''], exitDelaySeconds: 2 });
    expect(args).toEqual(
      expect.arrayContaining(['--exit-command', '/x', '--exit-command-arg=-n', '--exit-command-arg=', '--exit-delay', '2']),
    );
  });
});

describe('conmonExecArgs', () => {
  it('runs in exec mode with attach, a session uuid and no log', () => {
    const args = conmonExecArgs({ ...base, uuid: 'sess1', bundle: '/t/exec/sess1', processFile: '/t/exec/sess1/process.json', terminal: true });
    expect(args.slice(0, 6)).toEqual(['--api-version', '1', '-c', 'abc', '-u', 'sess1']);
    expect(args).toEqual(expect.arrayContaining(['-t', '-l', 'none', '-e', '--exec-attach', '--exec-process-spec', '/t/exec/sess1/process.json']));
  });
});

describe('parseSyncLine', () => {
  it('reads a pid', () => {
    expect(parseSyncLine('{"data": 12663}')).toEqual({ data: 12663 });
  });
  it('reads a failure with runc\'s stderr', () => {
    const line =
      '{"data": -1, "message": "time=\\"2026-11-22T08:32:20Z\\" level=error msg=\\"runc create failed: exec: \\\\\\"sh\\\\\\": executable file not found in $PATH\\"\\n"}';
    const m = parseSyncLine(line);
    expect(m.data).toBe(-1);
    expect(m.message).toBe(
      'time="2026-11-22T08:32:20Z" level=error msg="runc create failed: exec: \\"sh\\": executable file not found in $PATH"\n',
    );
  });
  it('reads the legacy keys', () => {
    expect(parseSyncLine('{"pid": 5}')).toEqual({ data: 5 });
    expect(parseSyncLine('{"exit_code": 3}')).toEqual({ data: 3 });
  });
  it('reads a line with a raw control character that JSON rejects', () => {
    expect(parseSyncLine('{"data": -1, "message": "a\x1fb"}')).toEqual({ data: -1, message: 'a\x1fb' });
  });
  it('rejects garbage as internal', () => {
    expect(() => parseSyncLine('nope')).toThrow();
    try {
      parseSyncLine('nope');
    } catch (err) {
      expect(hasCode(err, 'internal')).toBe(true);
    }
  });
});

describe('SyncReader', () => {
  it('splits messages across chunks and reports the end', async () => {
    const s = new PassThrough();
    const r = new SyncReader(s);
    s.write('{"data": 1');
    s.write('2}\n{"data": 7}\n');
    expect(await r.next()).toEqual({ data: 12 });
    expect(await r.next()).toEqual({ data: 7 });
    s.end();
    expect(await r.next()).toBeUndefined();
  });

  it('takes a final message without a newline at the end', async () => {
    const s = new PassThrough();
    const r = new SyncReader(s);
    s.end('{"data": 3}');
    expect(await r.next()).toEqual({ data: 3 });
  });

  it('times out as deadline-exceeded', async () => {
    const r = new SyncReader(new PassThrough());
    await expect(r.next({ timeoutMs: 10 })).rejects.toSatisfy((e) => hasCode(e, 'deadline-exceeded'));
  });

  it('is canceled by an abort signal', async () => {
    const r = new SyncReader(new PassThrough());
    const ac = new AbortController();
    const p = r.next({ signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toSatisfy((e) => hasCode(e, 'canceled'));
  });
});

describe('ControlMessage', () => {
  it('formats resize and reopen messages', () => {
    expect(ControlMessage.resize(24, 80)).toBe('1 24 80\n');
    expect(ControlMessage.resize(24.7, -1)).toBe('1 24 0\n');
    expect(ControlMessage.reopenLogs()).toBe('2 0 0\n');
  });
});
