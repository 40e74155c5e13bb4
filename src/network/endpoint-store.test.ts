import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EndpointStore, pidAlive, type EndpointRecord } from './endpoint-store.js';

function record(id: string): EndpointRecord {
  return {
    containerId: id,
    namespace: 'default',
    hostname: id.slice(0, 12),
    mode: 'cni',
    networks: [],
    extraHosts: [],
    state: 'attached',
    pid: process.pid,
    createdAt: new Date().toISOString(),
  };
}

describe('EndpointStore', () => {
  let dir: string;
  let stores: EndpointStore[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'epstore-'));
    stores = [];
  });
  afterEach(() => {
    stores.forEach((s) => s.close());
    rmSync(dir, { recursive: true, force: true });
  });
  const open = () => {
    const s = new EndpointStore(dir, 5000);
    stores.push(s);
    return s;
  };

  it('stores, lists and deletes records', async () => {
    const s = open();
    await s.withLock(async () => {
      s.put(record('a'.repeat(64)));
      s.put(record('b'.repeat(64)));
      s.setKv('k', 'v');
    });
    expect(s.get('a'.repeat(64))?.hostname).toBe('aaaaaaaaaaaa');
    expect(s.all().map((r) => r.containerId[0])).toEqual(['a', 'b']);
    expect(s.getKv('k')).toBe('v');
    await s.withLock(async () => s.delete('a'.repeat(64)));
    expect(s.get('a'.repeat(64))).toBeUndefined();
  });

  it('rolls back when the locked function throws', async () => {
    const s = open();
    await expect(
      s.withLock(async () => {
        s.put(record('c'.repeat(64)));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(s.get('c'.repeat(64))).toBeUndefined();
  });

  it('runs nested calls inside the outer lock and queues concurrent ones', async () => {
    const s = open();
    const order: string[] = [];
    const first = s.withLock(async () => {
      order.push('first:start');
      await s.withLock(async () => order.push('nested'));
      await new Promise((r) => setTimeout(r, 30));
      order.push('first:end');
    });
    const second = s.withLock(async () => order.push('second'));
    await Promise.all([first, second]);
    expect(order).toEqual(['first:start', 'nested', 'first:end', 'second']);
  });

  // A synchronous busy wait in the second connection would block the first holder's timer: a deadlock.
  it('makes a second connection wait for the first to commit, without blocking the event loop', async () => {
    const a = open();
    const b = open();
    const order: string[] = [];
    const first = a.withLock(async () => {
      order.push('a:start');
      await new Promise((r) => setTimeout(r, 100));
      a.put(record('d'.repeat(64)));
      order.push('a:end');
    });
    await new Promise((r) => setTimeout(r, 10));
    const second = b.withLock(async () => {
      order.push(`b:sees-d=${b.get('d'.repeat(64)) !== undefined}`);
    });
    await Promise.all([first, second]);
    expect(order).toEqual(['a:start', 'a:end', 'b:sees-d=true']);
  });

  it('tells live processes from dead ones', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(2 ** 22 + 1)).toBe(false);
    expect(pidAlive(0)).toBe(false);
  });
});
