import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { applyLabelUpdate, openMetadataDb, validateLabels, type MetadataDb, type Schema } from './db.js';
import { createNamespaceStore } from './namespaces.js';

let root: string;
const open: MetadataDb[] = [];

function db(readonly = false): MetadataDb {
  const d = openMetadataDb({ dataRoot: root, readonly });
  open.push(d);
  return d;
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'nerdctl-db-'));
});
afterEach(() => {
  for (const d of open.splice(0)) d.close();
  rmSync(root, { recursive: true, force: true });
});

const widgets: Schema = {
  component: 'widgets',
  migrations: ['CREATE TABLE widgets (id TEXT PRIMARY KEY)', 'ALTER TABLE widgets ADD COLUMN color TEXT'],
};

describe('openMetadataDb', () => {
  it('creates meta.db in WAL mode with foreign keys on', () => {
    const d = db();
    expect(d.path).toBe(path.join(root, 'meta.db'));
    expect(d.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(d.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(d.sqlite.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('applies each migration once and records the version per component', () => {
    const a = db();
    a.migrate(widgets);
    a.prepare('INSERT INTO widgets (id, color) VALUES (?, ?)').run('w1', 'red');
    a.close();
    const b = db();
    b.migrate(widgets); // current: must not re-run CREATE TABLE (which would throw)
    expect(b.prepare('SELECT color FROM widgets').get()).toEqual({ color: 'red' });
    expect(b.prepare('SELECT version FROM schema_migrations WHERE component = ?').get('widgets')).toEqual({
      version: 2,
    });
  });

  it('applies only the new migrations when a component grows', () => {
    const a = db();
    a.migrate({ component: 'widgets', migrations: widgets.migrations.slice(0, 1) });
    a.migrate(widgets);
    expect(() => a.prepare('SELECT color FROM widgets').all()).not.toThrow();
  });

  it('applies pending migrations of a component another connection migrated meanwhile exactly once', () => {
    const a = db();
    const b = db();
    a.migrate({ component: 'namespaces-probe', migrations: ['SELECT 1'] }); // loads a's version cache
    b.migrate(widgets);
    a.migrate(widgets); // a's cache says 0; the transaction re-checks and finds 2
    expect(a.prepare('SELECT count(*) AS n FROM schema_migrations WHERE component = ?').get('widgets')).toEqual({
      n: 1,
    });
  });

  it('rolls back a failing migration entirely', () => {
    const a = db();
    const bad: Schema = { component: 'bad', migrations: ['CREATE TABLE t1 (x)', 'CREATE TABLE t1 (x)'] };
    expect(() => a.migrate(bad)).toThrow(/migrate metadata schema "bad"/);
    expect(a.prepare(`SELECT name FROM sqlite_master WHERE name = 't1'`).get()).toBeUndefined();
  });

  it('refuses a schema newer than the code knows', () => {
    db().migrate(widgets);
    const b = db();
    let err: unknown;
    try {
      b.migrate({ component: 'widgets', migrations: widgets.migrations.slice(0, 1) });
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'failed-precondition')).toBe(true);
  });

  it('opens read-only and becomes read-write on the first write', () => {
    db().migrate(widgets);
    const ro = db(true);
    expect(ro.isReadonly).toBe(true);
    ro.migrate(widgets);
    expect(ro.isReadonly).toBe(true);
    expect(ro.prepare('SELECT count(*) AS n FROM widgets').get()).toEqual({ n: 0 });
    ro.write(() => ro.prepare('INSERT INTO widgets (id) VALUES (?)').run('x'));
    expect(ro.isReadonly).toBe(false);
    expect(ro.prepare('SELECT count(*) AS n FROM widgets').get()).toEqual({ n: 1 });
  });

  it('falls back to creating the file when opened read-only on an empty data root', () => {
    const ro = db(true);
    expect(ro.isReadonly).toBe(false);
    ro.migrate(widgets);
  });

  it('rolls back a write transaction that throws', () => {
    const a = db();
    a.migrate(widgets);
    expect(() =>
      a.write(() => {
        a.prepare('INSERT INTO widgets (id) VALUES (?)').run('gone');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(a.prepare('SELECT count(*) AS n FROM widgets').get()).toEqual({ n: 0 });
  });
});

describe('labels', () => {
  it('replaces, sets and deletes by field path', () => {
    const cur = { a: '1', b: '2' };
    expect(applyLabelUpdate(cur, { c: '3' }, undefined)).toEqual({ c: '3' });
    expect(applyLabelUpdate(cur, { c: '3' }, ['labels.c'])).toEqual({ a: '1', b: '2', c: '3' });
    expect(applyLabelUpdate(cur, {}, ['labels.a'])).toEqual({ b: '2' });
    expect(applyLabelUpdate(cur, { a: '' }, ['labels.a'])).toEqual({ b: '2' });
    expect(applyLabelUpdate(cur, { z: '9' }, ['labels'])).toEqual({ z: '9' });
    expect(() => applyLabelUpdate(cur, {}, ['size'])).toThrow(/cannot update field "size"/);
  });

  it('rejects oversized labels', () => {
    expect(() => validateLabels({ k: 'x'.repeat(5000) })).toThrow(/exceed 4096 bytes/);
    expect(() => validateLabels({ '': 'x' })).toThrow(/must not be empty/);
  });
});

describe('namespaces', () => {
  it('has default from the start and creates, lists, updates and removes others', () => {
    const ns = createNamespaceStore(db());
    expect(ns.list().map((n) => n.name)).toEqual(['default']);
    ns.create('k8s.io', { team: 'a' });
    expect(ns.get('k8s.io').labels).toEqual({ team: 'a' });
    expect(ns.update('k8s.io', { owner: 'me' }, ['labels.owner']).labels).toEqual({ team: 'a', owner: 'me' });
    expect(ns.list().map((n) => n.name)).toEqual(['default', 'k8s.io']);
    ns.remove('k8s.io');
    expect(() => ns.get('k8s.io')).toThrow(/namespace "k8s.io": not found/);
  });

  it('classifies errors', () => {
    const ns = createNamespaceStore(db());
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return ['already-exists', 'not-found', 'invalid-argument'].find((c) => hasCode(e, c as never));
      }
      return 'none';
    };
    expect(code(() => ns.create('default'))).toBe('already-exists');
    expect(code(() => ns.remove('nope'))).toBe('not-found');
    expect(code(() => ns.create('bad name'))).toBe('invalid-argument');
  });

  it('refuses to remove a namespace that still holds records, naming what it holds', () => {
    const d = db();
    const ns = createNamespaceStore(d);
    d.migrate({
      component: 'things',
      migrations: [
        `CREATE TABLE things (namespace TEXT NOT NULL REFERENCES namespaces(name), id TEXT);
         CREATE TABLE notes (namespace TEXT NOT NULL REFERENCES namespaces(name) ON DELETE CASCADE, id TEXT)`,
      ],
    });
    ns.create('busy');
    d.prepare('INSERT INTO things (namespace, id) VALUES (?, ?)').run('busy', 'x');
    d.prepare('INSERT INTO notes (namespace, id) VALUES (?, ?)').run('busy', 'n');
    let err: unknown;
    try {
      ns.remove('busy');
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'failed-precondition')).toBe(true);
    expect((err as Error).message).toBe('namespace "busy" must be empty, but it still has things');
    d.prepare('DELETE FROM things').run();
    ns.remove('busy');
    expect(d.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });
});
