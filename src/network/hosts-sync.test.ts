import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EndpointRecord, NetworkEndpointRecord } from './endpoint-store.js';
import { peersOf, rewriteInPlace } from './hosts-sync.js';

const dir = mkdtempSync(join(tmpdir(), 'hosts-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rewriteInPlace', () => {
  it('keeps the inode (a bind mount keeps seeing the file) and shrinks the file', async () => {
    const p = join(dir, 'hosts');
    writeFileSync(p, 'a much longer original content\n');
    const ino = statSync(p).ino;
    await rewriteInPlace(p, (cur) => cur.slice(0, 6) + '\n');
    expect(statSync(p).ino).toBe(ino);
    expect(readFileSync(p, 'utf8')).toBe('a much\n');
  });

  it('creates a missing file only when asked', async () => {
    expect(await rewriteInPlace(join(dir, 'nope'), () => 'x')).toBe(false);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
    expect(await rewriteInPlace(join(dir, 'new'), () => 'x\n', { create: true })).toBe(true);
    expect(readFileSync(join(dir, 'new'), 'utf8')).toBe('x\n');
  });
});

describe('peersOf', () => {
  const ep = (networkId: string, isDefault = false) => ({ networkId, isDefault }) as NetworkEndpointRecord;
  const rec = (id: string, nets: NetworkEndpointRecord[]) => ({ containerId: id, networks: nets }) as EndpointRecord;
  const all = [rec('a', [ep('n1'), ep('def', true)]), rec('b', [ep('n1')]), rec('c', [ep('def', true)]), rec('d', [ep('n2')])];

  it('finds containers sharing a user network, not the default bridge', () => {
    expect(peersOf(all[0]!, all)).toEqual(['b']);
    expect(peersOf(all[2]!, all)).toEqual([]);
  });
});
