/**
 * Fixtures for the task-layer tests: busybox bundles made with `runc spec`, a private state root, an exit
 * command that writes its argv to a file, and cleanup of everything a test made (runc containers, conmon
 * processes, cgroups, directories).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { nullLogger } from '../../src/engine/log.js';
import type { OpContext } from '../../src/engine/op-context.js';
import { createTaskService, type TaskService } from '../../src/engine/tasks/task-service.js';
import { hasBinary, isRoot } from '../helpers/cli.js';

export const canRunTasks = isRoot() && hasBinary('runc') && hasBinary('conmon');

export interface BundleOptions {
  args: string[];
  terminal?: boolean;
  env?: string[];
  cwd?: string;
}

export interface TaskFixture {
  readonly root: string;
  readonly stateRoot: string;
  readonly namespace: string;
  readonly tasks: TaskService;
  readonly ctx: OpContext;
  /** A fresh id (64 hex, like a container id). */
  newId(): string;
  /** Makes a bundle for `id`; returns its path. */
  bundle(id: string, opts: BundleOptions): string;
  /** The exit command: a script that appends its argv (one per line, then `--`) to exitLog. */
  readonly exitCommand: string[];
  readonly exitLog: string;
  logPath(id: string): string;
  /** Tears down every task made through this fixture. */
  cleanup(): Promise<void>;
}

function cgroupPathFor(id: string): string {
  return `/nerdctl-tasks-test-${id.slice(0, 16)}`;
}

export function createTaskFixture(): TaskFixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nt-'));
  const stateRoot = path.join(root, 'state');
  const namespace = `tt${randomBytes(3).toString('hex')}`;
  const ac = new AbortController();
  const ctx: OpContext = { namespace, signal: ac.signal, log: nullLogger };
  const tasks = createTaskService({ stateRoot, log: nullLogger });
  const ids: string[] = [];
  const exitLog = path.join(root, 'exit-command.log');
  const exitScript = path.join(root, 'exit-command.sh');
  fs.writeFileSync(exitScript, `#!/bin/sh\nfor a in "$@"; do echo "$a" >> '${exitLog}'; done\necho -- >> '${exitLog}'\n`, { mode: 0o755 });

  const fixture: TaskFixture = {
    root,
    stateRoot,
    namespace,
    tasks,
    ctx,
    exitLog,
    exitCommand: [exitScript, 'internal', 'cleanup', '--flag=x'],
    newId() {
      const id = randomBytes(32).toString('hex');
      ids.push(id);
      return id;
    },
    logPath: (id) => path.join(root, 'logs', `${id}.log`),
    bundle(id, o) {
      const dir = path.join(root, 'bundles', id);
      const rootfs = path.join(dir, 'rootfs');
      fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
      fs.mkdirSync(path.join(rootfs, 'tmp'), { recursive: true });
      fs.mkdirSync(path.join(root, 'logs'), { recursive: true });
      fs.copyFileSync('/usr/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
      fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
      const applets = execFileSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n');
      for (const a of applets) {
        // `busybox --list` names busybox itself: linking it would replace the binary by a loop.
        if (a && a !== 'busybox') fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
      }
      fs.writeFileSync(path.join(rootfs, 'bin', 'notexec'), 'not a program\n', { mode: 0o644 });
      execFileSync('runc', ['spec'], { cwd: dir });
      const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      spec.process.terminal = o.terminal === true;
      spec.process.args = o.args;
      if (o.env) spec.process.env = [...spec.process.env, ...o.env];
      if (o.cwd) spec.process.cwd = o.cwd;
      spec.root.readonly = false;
      spec.linux.cgroupsPath = cgroupPathFor(id);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 1));
      return dir;
    },
    async cleanup() {
      ac.abort();
      const runcRoot = path.join(stateRoot, 'runc', namespace);
      for (const id of ids) {
        const conmonPid = Number.parseInt(readOr(path.join(stateRoot, 'tasks', namespace, id, 'conmon.pid')), 10);
        try {
          execFileSync('runc', ['--root', runcRoot, 'delete', '--force', id], { stdio: 'ignore' });
        } catch {
          // not there
        }
        if (!Number.isNaN(conmonPid) && isConmon(conmonPid)) {
          try {
            process.kill(conmonPid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        for (const ctrl of fs.readdirSync('/sys/fs/cgroup')) {
          const dir = path.join('/sys/fs/cgroup', ctrl, cgroupPathFor(id));
          try {
            fs.rmdirSync(dir);
          } catch {
            // absent, or cgroup2 under "unified"
          }
        }
        try {
          fs.rmdirSync(path.join('/sys/fs/cgroup/unified', cgroupPathFor(id)));
        } catch {
          // absent
        }
      }
      // Exec conmons exit by themselves once their process is gone (runc delete killed them).
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return fixture;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function isConmon(pid: number): boolean {
  return readOr(`/proc/${pid}/comm`).trim() === 'conmon';
}

/** The cgroup directories (v1 controllers and unified) of a test task that still exist. */
export function leftoverCgroups(id: string): string[] {
  const out: string[] = [];
  for (const ctrl of fs.readdirSync('/sys/fs/cgroup')) {
    const dir = path.join('/sys/fs/cgroup', ctrl, cgroupPathFor(id));
    if (fs.existsSync(dir)) out.push(dir);
  }
  return out;
}

/** A stream that keeps what is written to it (attach output). */
export function collector(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Polls `fn` until it returns a truthy value (or throws after `tries`). */
export async function eventually<T>(fn: () => T | Promise<T>, tries = 200, everyMs = 25): Promise<NonNullable<T>> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met${last ? `: ${String(last)}` : ''}`);
}
