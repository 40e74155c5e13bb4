import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nullLogger, type Logger } from '../log.js';
import { openMetadataDb, type MetadataDb } from '../metadata/db.js';
import { createNamespaceStore } from '../metadata/namespaces.js';
import { createEventLog, eventLogFor, nowNano } from './event-log.js';
import { containerActor, imageActor, networkActor, toDockerEvent, volumeActor, type EventRecord } from './types.js';

let root: string;
const open: MetadataDb[] = [];

function db(readonly = false): MetadataDb {
  const d = openMetadataDb({ dataRoot: root, readonly });
  open.push(d);
  return d;
}

const ctx = (namespace = 'default') => ({ namespace, log: nullLogger, signal: new AbortController().signal });

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'nerdctl-events-'));
});
afterEach(() => {
  for (const d of open.splice(0)) d.close();
  rmSync(root, { recursive: true, force: true });
});

describe('createEventLog', () => {
  it('stores events per namespace, oldest first, with attributes', () => {
    const log = createEventLog(db());
    log.emit(ctx(), { type: 'container', action: 'create', actor: { id: 'c1', attributes: { name: 'web', image: 'busybox' } } });
    log.emit(ctx('other'), { type: 'volume', action: 'create', actor: { id: 'v1', attributes: { driver: 'local' } } });
    log.emit(ctx(), { type: 'container', action: 'start', actor: { id: 'c1', attributes: { name: 'web', image: 'busybox' } } });
    const evs = log.list(ctx());
    expect(evs.map((e) => `${e.type} ${e.action} ${e.actorId}`)).toEqual(['container create c1', 'container start c1']);
    expect(evs[0]!.attributes).toEqual({ name: 'web', image: 'busybox' });
    expect(evs[0]!.seq).toBeLessThan(evs[1]!.seq);
    expect(log.list(ctx('other')).map((e) => e.actorId)).toEqual(['v1']);
  });

  it('keeps nanosecond times and filters by inclusive since/until', () => {
    const log = createEventLog(db());
    const t = 1_700_000_000_123_456_789n;
    for (let i = 0; i < 5; i++) log.emit(ctx(), { type: 'network', action: `a${i}`, actor: { id: 'n' }, timeNano: t + BigInt(i) });
    expect(log.list(ctx(), { since: t + 1n, until: t + 3n }).map((e) => e.action)).toEqual(['a1', 'a2', 'a3']);
    expect(log.list(ctx(), { until: t + 1n }).map((e) => e.timeNano)).toEqual([t, t + 1n]);
  });

  it('stamps events with the current time by default', () => {
    const log = createEventLog(db());
    const before = nowNano();
    log.emit(ctx(), { type: 'image', action: 'pull', actor: { id: 'busybox:latest' } });
    const [ev] = log.list(ctx());
    expect(ev!.timeNano).toBeGreaterThanOrEqual(before);
    expect(ev!.timeNano).toBeLessThanOrEqual(nowNano());
  });

  it('commits with the caller transaction and rolls back with it', () => {
    const d = db();
    const log = createEventLog(d);
    expect(() =>
      d.write(() => {
        log.emit(ctx(), { type: 'container', action: 'destroy', actor: { id: 'c1' } });
        throw new Error('caller failed');
      }),
    ).toThrow('caller failed');
    expect(log.list(ctx())).toEqual([]);
    d.write(() => log.emit(ctx(), { type: 'container', action: 'destroy', actor: { id: 'c2' } }));
    expect(log.list(ctx()).map((e) => e.actorId)).toEqual(['c2']);
  });

  it('never throws from emit: a failure is logged', () => {
    const d = db();
    const log = createEventLog(d);
    const warnings: string[] = [];
    const logger: Logger = { ...nullLogger, warn: (m) => void warnings.push(m) };
    log.emit({ namespace: 'not a valid namespace!', log: logger }, { type: 'container', action: 'create', actor: { id: 'x' } });
    expect(warnings).toEqual(['failed to record event']);
  });

  it('trims the oldest events beyond the per-namespace limit', () => {
    const log = createEventLog(db(), { maxPerNamespace: 10 });
    for (let i = 1; i <= 300; i++) log.emit(ctx(), { type: 'container', action: 'start', actor: { id: `c${i}` } });
    const left = log.list(ctx());
    // Trimming runs every 128 events: at most 10 + 127 remain, and always the newest ones.
    expect(left.length).toBeLessThanOrEqual(137);
    expect(left.length).toBeGreaterThanOrEqual(10);
    expect(left[left.length - 1]!.actorId).toBe('c300');
    expect(left[0]!.actorId).toBe(`c${301 - left.length}`);
  });

  it('drops the events of a removed namespace', () => {
    const d = db();
    const log = createEventLog(d);
    log.emit(ctx('gone'), { type: 'volume', action: 'create', actor: { id: 'v' } });
    createNamespaceStore(d).remove('gone');
    expect(log.list(ctx('gone'))).toEqual([]);
  });

  it('follows events another connection commits, and stops at until', async () => {
    const writer = createEventLog(db());
    writer.emit(ctx(), { type: 'container', action: 'old', actor: { id: 'c0' } });
    const reader = createEventLog(db(true), { pollIntervalMs: 10 });
    const start = reader.lastSeq();
    const until = nowNano() + 400_000_000n;
    const seen: EventRecord[] = [];
    const done = (async () => {
      for await (const ev of reader.follow(ctx(), { afterSeq: start, until })) seen.push(ev);
    })();
    writer.emit(ctx('other'), { type: 'container', action: 'elsewhere', actor: { id: 'x' } });
    writer.emit(ctx(), { type: 'container', action: 'start', actor: { id: 'c1' } });
    await new Promise((r) => setTimeout(r, 50));
    writer.emit(ctx(), { type: 'container', action: 'die', actor: { id: 'c1', attributes: { exitCode: '0' } } });
    await done;
    expect(seen.map((e) => e.action)).toEqual(['start', 'die']);
  });

  it('ends a follow when the signal aborts', async () => {
    const log = createEventLog(db(), { pollIntervalMs: 10 });
    const ac = new AbortController();
    const it = log.follow({ namespace: 'default', signal: ac.signal }, { afterSeq: log.lastSeq() });
    setTimeout(() => ac.abort(), 30);
    const seen: EventRecord[] = [];
    for await (const ev of it) seen.push(ev);
    expect(seen).toEqual([]);
  });
});

describe('toDockerEvent', () => {
  const base = { seq: 1, namespace: 'default', timeNano: 1_795_338_400_165_513_469n };

  it('fills the legacy status/id/from for containers', () => {
    const m = toDockerEvent({ ...base, type: 'container', action: 'create', actorId: 'abc', attributes: { image: 'busybox', name: 'xc2' } });
    expect(m).toEqual({
      status: 'create',
      id: 'abc',
      from: 'busybox',
      Type: 'container',
      Action: 'create',
      Actor: { ID: 'abc', Attributes: { image: 'busybox', name: 'xc2' } },
      scope: 'local',
      time: 1795338400,
      timeNano: 1_795_338_400_165_513_469n,
    });
    expect(Object.keys(m)).toEqual(['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
  });

  it('gives images status and id but no from, and networks/volumes neither', () => {
    const img = toDockerEvent({ ...base, type: 'image', action: 'untag', actorId: 'sha256:d9', attributes: { name: 'sha256:d9' } });
    expect(Object.keys(img)).toEqual(['status', 'id', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
    const net = toDockerEvent({ ...base, type: 'network', action: 'create', actorId: 'n1', attributes: { name: 'x', type: 'bridge' } });
    expect(Object.keys(net)).toEqual(['Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
  });
});

describe('eventLogFor', () => {
  it('gives one log per connection', () => {
    const a = db();
    expect(eventLogFor(a)).toBe(eventLogFor(a));
    expect(eventLogFor(db())).not.toBe(eventLogFor(a));
  });
});

describe('actors', () => {
  it('builds Docker attributes for each kind', () => {
    expect(containerActor({ id: 'c', name: '/web', image: 'busybox', labels: { a: '1', name: 'label-loses' } }, { exitCode: '3' })).toEqual({
      id: 'c',
      attributes: { a: '1', name: 'web', image: 'busybox', exitCode: '3' },
    });
    expect(imageActor('sha256:1', 'busybox:latest', { maintainer: 'x' })).toEqual({ id: 'sha256:1', attributes: { maintainer: 'x', name: 'busybox:latest' } });
    expect(networkActor({ id: 'n', name: 'net', driver: 'bridge' }, { container: 'c' })).toEqual({
      id: 'n',
      attributes: { container: 'c', name: 'net', type: 'bridge' },
    });
    expect(volumeActor('v')).toEqual({ id: 'v', attributes: { driver: 'local' } });
  });
});
