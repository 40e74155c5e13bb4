import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { processStartFailure, runcArgv, runcError, runcErrorMessage, runcErrorMessages, runcGlobalArgs } from './runc.js';

describe('runcGlobalArgs', () => {
  it('puts the root and JSON logging first', () => {
    expect(runcGlobalArgs({ root: '/run/nerdctl/runc/default' })).toEqual([
      '--root',
      '/run/nerdctl/runc/default',
      '--log-format',
      'json',
    ]);
  });
  it('adds a log file and the systemd driver when asked', () => {
    expect(runcGlobalArgs({ root: '/r', logFile: '/r/log.json', systemdCgroup: true })).toEqual([
      '--root',
      '/r',
      '--log-format',
      'json',
      '--log',
      '/r/log.json',
      '--systemd-cgroup',
    ]);
  });
});

describe('runcArgv', () => {
  it.each([
    [runcArgv.state('c1'), ['state', 'c1']],
    [runcArgv.list(), ['list', '--format', 'json']],
    [runcArgv.start('c1'), ['start', 'c1']],
    [runcArgv.kill('c1', 15), ['kill', 'c1', '15']],
    [runcArgv.kill('c1', 'KILL', { all: true }), ['kill', '--all', 'c1', 'KILL']],
    [runcArgv.pause('c1'), ['pause', 'c1']],
    [runcArgv.resume('c1'), ['resume', 'c1']],
    [runcArgv.delete('c1'), ['delete', 'c1']],
    [runcArgv.delete('c1', { force: true }), ['delete', '--force', 'c1']],
    [runcArgv.ps('c1'), ['ps', '--format', 'json', 'c1']],
    [runcArgv.update('c1', '-'), ['update', '--resources', '-', 'c1']],
    [runcArgv.events('c1', { stats: true }), ['events', '--stats', 'c1']],
  ])('builds %j', (got, want) => {
    expect(got).toEqual(want);
  });

  it('builds exec with every option, the id last', () => {
    expect(
      runcArgv.exec('c1', {
        processFile: '/x/process.json',
        tty: true,
        consoleSocket: '/x/console.sock',
        detach: true,
        pidFile: '/x/pid',
      }),
    ).toEqual([
      'exec',
      '--process',
      '/x/process.json',
      '--tty',
      '--console-socket',
      '/x/console.sock',
      '--detach',
      '--pid-file',
      '/x/pid',
      'c1',
    ]);
    expect(runcArgv.exec('c1', { processFile: 'p.json' })).toEqual(['exec', '--process', 'p.json', 'c1']);
  });
});

describe('runcErrorMessages', () => {
  it('reads JSON log lines and keeps only errors', () => {
    const out =
      '{"level":"warning","msg":"something","time":"2026-01-01T00:00:00Z"}\n' +
      '{"level":"error","msg":"container does not exist","time":"2026-01-01T00:00:00Z"}\n';
    expect(runcErrorMessages(out)).toEqual(['container does not exist']);
  });

  it('reads logrus text lines and undoes Go quoting', () => {
    const out =
      'time="2026-11-22T08:32:52Z" level=error msg="exec failed: unable to start container process: exec: \\"nosuch\\": executable file not found in $PATH"\n';
    expect(runcErrorMessage(out)).toBe(
      'exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH',
    );
  });

  it('falls back to plain lines when there is nothing structured', () => {
    expect(runcErrorMessage('exec failed: container does not exist\n')).toBe('exec failed: container does not exist');
  });

  it('prefers structured lines over the plain copy runc prints when logging to a file', () => {
    const out = 'plain copy\n{"level":"error","msg":"the real one"}\n';
    expect(runcErrorMessages(out)).toEqual(['the real one']);
  });

  it('returns an empty string for empty output', () => {
    expect(runcErrorMessage('\n')).toBe('');
  });
});

describe('processStartFailure', () => {
  it.each([
    ['runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH', 'command-not-found', 'nosuch'],
    ['exec failed: unable to start container process: exec: "/bin/nosuch": stat /bin/nosuch: no such file or directory', 'command-not-found', '/bin/nosuch'],
    ['exec failed: unable to start container process: exec: "/tmp": permission denied', 'command-not-executable', '/tmp'],
    ['exec failed: unable to start container process: exec: "/bin/notexec": permission denied', 'command-not-executable', '/bin/notexec'],
  ])('classifies %s', (msg, reason, command) => {
    expect(processStartFailure(msg)).toEqual({ reason, command });
  });

  it('ignores other "no such file" errors', () => {
    expect(
      processStartFailure('runc create failed: unable to start container process: error during container init: error mounting "/x" to rootfs at "/y": stat /x: no such file or directory'),
    ).toBeUndefined();
  });
});

describe('runcError', () => {
  const json = (msg: string) => JSON.stringify({ level: 'error', msg, time: 'x' }) + '\n';

  it('maps a missing container to not-found with the task as subject', () => {
    const err = runcError({ verb: 'kill', id: 'c1', output: json('container does not exist'), exitCode: 1 });
    expect(err.code).toBe('not-found');
    expect(err.subject).toEqual({ kind: 'task', ref: 'c1' });
    expect(err.message).toBe('task "c1": not found');
  });

  it.each([
    'container not running',
    'container not paused',
    'cannot start an already running container',
    'cannot start a container that has stopped',
    'exec failed: cannot exec in a paused container (use --ignore-paused to override)',
    'cannot delete container c1 that is not stopped: running',
  ])('maps "%s" to failed-precondition', (msg) => {
    const err = runcError({ verb: 'x', id: 'c1', output: json(msg), exitCode: 1 });
    expect(err.code).toBe('failed-precondition');
    expect(err.message).toContain(msg);
  });

  it('maps an existing id to already-exists', () => {
    const err = runcError({ verb: 'create', id: 'c1', output: json('runc create failed: container with given ID already exists') });
    expect(hasCode(err, 'already-exists')).toBe(true);
  });

  it('gives 127 for a missing command and 126 for one that cannot be executed', () => {
    const nf = runcError({
      verb: 'create',
      id: 'c1',
      output: json('runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH'),
    });
    expect(nf.code).toBe('invalid-argument');
    expect(nf.exitCode).toBe(127);
    const ne = runcError({
      verb: 'exec',
      id: 'c1',
      output: json('exec failed: unable to start container process: exec: "/etc": permission denied'),
    });
    expect(ne.exitCode).toBe(126);
  });

  it('keeps an unknown failure as failed-precondition with runc\'s words', () => {
    const err = runcError({ verb: 'create', id: 'c1', output: 'something odd\n', exitCode: 1 });
    expect(err.code).toBe('failed-precondition');
    expect(err.message).toBe('runc create c1: something odd');
  });

  it('says the exit status when runc printed nothing', () => {
    expect(runcError({ verb: 'start', id: 'c1', output: '', exitCode: 2 }).message).toBe('runc start c1: exit status 2');
  });
});
