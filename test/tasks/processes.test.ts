// Several CLI-like processes at once, each leaving a task running after it exits; and what a running task's
// monitor costs in memory.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLogs } from '../../src/engine/tasks/logs.js';
import { canRunTasks, createTaskFixture, isConmon, leftoverCgroups, type TaskFixture } from './fixtures.js';

let f: TaskFixture;
beforeEach(() => {
  f = createTaskFixture();
});
afterEach(async () => {
  await f.cleanup();
});

function runNode(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function vmRssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

describe.skipIf(!canRunTasks)('tasks from several processes', () => {
  it('starts two tasks at once from two processes that then exit; the tasks keep running', async () => {
    const runner = path.join(f.root, 'task-runner.mjs');
    buildSync({
      entryPoints: [path.join(__dirname, 'task-runner.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: runner,
      external: ['node-unix-socket'],
      logLevel: 'silent',
    });
    // The bundle must resolve node-unix-socket from this project.
    fs.symlinkSync(path.resolve(__dirname, '../../node_modules'), path.join(f.root, 'node_modules'));
    const ids = [f.newId(), f.newId()];
    const results = await Promise.all(
      ids.map((id) =>
        runNode(runner, [
          f.stateRoot,
          f.namespace,
          id,
          f.bundle(id, { args: ['sh', '-c', `echo started ${id.slice(0, 8)}; exec sleep 1000`] }),
          f.logPath(id),
        ]),
      ),
    );
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
    const created = results.map((r) => JSON.parse(r.stdout) as { pid: number; conmonPid: number });
    for (const [i, id] of ids.entries()) {
      const st = await f.tasks.state(f.ctx, id);
      expect(st).toMatchObject({ status: 'running', pid: created[i]!.pid, monitor: { alive: true } });
      expect(isConmon(created[i]!.conmonPid)).toBe(true);
      const lines: string[] = [];
      for await (const e of readLogs(f.logPath(id))) lines.push(e.data.toString());
      expect(lines).toEqual([`started ${id.slice(0, 8)}\n`]);
    }
    for (const id of ids) {
      expect((await f.tasks.stop(f.ctx, id, { timeoutSeconds: 0 }))?.exitCode).toBe(137);
      await f.tasks.delete(f.ctx, id);
      expect(leftoverCgroups(id)).toEqual([]);
    }
  });

  it('costs about 2 MB of conmon per running task', async () => {
    const ids = [f.newId(), f.newId(), f.newId()];
    const rss: number[] = [];
    for (const id of ids) {
      const c = await f.tasks.create(f.ctx, { id, bundle: f.bundle(id, { args: ['sleep', '1000'] }), logPath: f.logPath(id) });
      await f.tasks.start(f.ctx, id);
      rss.push(vmRssKiB(c.conmonPid!));
    }
    console.log(`conmon VmRSS per task (KiB): ${rss.join(', ')}`);
    // Docker's containerd-shim-runc-v2 is about 13 MB here; the goal is at most a quarter of that.
    for (const kib of rss) expect(kib).toBeLessThan(3328);
  });
});
