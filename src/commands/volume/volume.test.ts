import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Volume } from '../../engine/volumes/types.js';
import { FilterArgs } from '../_lib/filter.js';
import { formatListing } from '../_lib/format.js';
import { filterVolumes } from './ls.js';
import { deletedVolumesText, volumePruneMatch } from './prune.js';
import { volumeInspect, volumeRow } from './shared.js';
import { directorySize } from './size.js';

const vol = (name: string, over: Partial<Volume> = {}): Volume => ({
  name,
  driver: 'local',
  labels: {},
  options: {},
  mountpoint: `/var/lib/nerdctl/volumes/default/${name}/_data`,
  createdAt: '2024-01-02T03:04:05Z',
  anonymous: false,
  ...over,
});

describe('filterVolumes', () => {
  const vols = [vol('data'), vol('db-data', { labels: { app: 'db', tier: 'back' } }), vol('a'.repeat(64), { anonymous: true })];
  const used = new Set(['data']);
  const names = (f: string[]) => filterVolumes(vols, FilterArgs.parse(f), (n) => used.has(n)).map((v) => v.name.slice(0, 8));

  it.each([
    [[], ['data', 'db-data', 'aaaaaaaa']],
    [['name=data'], ['data', 'db-data']],
    [['name=^data$'], ['data']],
    [['driver=local'], ['data', 'db-data', 'aaaaaaaa']],
    [['driver=loc'], []],
    [['label=app=db'], ['db-data']],
    [['label=app', 'label=tier=back'], ['db-data']],
    [['label=app', 'label=zz'], []],
    [['label!=app'], ['data', 'aaaaaaaa']],
    [['dangling=true'], ['db-data', 'aaaaaaaa']],
    [['dangling=false'], ['data']],
  ])('%j', (f, want) => expect(names(f)).toEqual(want));

  it('refuses bad keys and dangling values with Docker wording', () => {
    expect(() => names(['size=1'])).toThrow("invalid filter 'size'");
    expect(() => names(['dangling=maybe'])).toThrow("invalid filter 'dangling=[maybe]'");
  });
});

describe('volume prune selection', () => {
  it('takes anonymous volumes only unless all (Docker 23+)', () => {
    const none = FilterArgs.parse([]);
    expect(volumePruneMatch(vol('named'), none, false)).toBe(false);
    expect(volumePruneMatch(vol('named'), none, true)).toBe(true);
    expect(volumePruneMatch(vol('anon', { anonymous: true }), none, false)).toBe(true);
    expect(volumePruneMatch(vol('x', { labels: { k: 'v' } }), FilterArgs.parse(['label=k=v']), true)).toBe(true);
    expect(volumePruneMatch(vol('x', { labels: { k: 'v' } }), FilterArgs.parse(['label!=k']), true)).toBe(false);
  });

  it('reports as Docker', () => {
    expect(deletedVolumesText([])).toBe('');
    expect(deletedVolumesText(['a', 'b'])).toBe('Deleted Volumes:\na\nb\n');
  });
});

describe('volume rows and inspect', () => {
  it('prints Docker default table and JSON rows', () => {
    const rows = [volumeRow(vol('data', { labels: { b: '2', a: '1' } }))];
    expect(formatListing(rows, { defaultFormat: 'table {{.Driver}}\t{{.Name}}', headers: { Driver: 'DRIVER', Name: 'VOLUME NAME' }, quietField: (r) => r.Name })).toBe(
      'DRIVER    VOLUME NAME\nlocal     data\n',
    );
    expect(JSON.parse(formatListing(rows, { format: '{{json .}}', defaultFormat: '', headers: {}, quietField: (r) => r.Name }))).toEqual({
      Driver: 'local',
      Labels: 'a=1,b=2',
      Links: 'N/A',
      Mountpoint: '/var/lib/nerdctl/volumes/default/data/_data',
      Name: 'data',
      Scope: 'local',
      Size: 'N/A',
    });
    expect(rows[0]!.Label('b')).toBe('2');
  });

  it('inspects in Docker field order', () => {
    const v = volumeInspect(vol('data'));
    expect(Object.keys(v)).toEqual(['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    expect(volumeInspect(vol('data'), { size: 5, refCount: 1 }).UsageData).toEqual({ RefCount: 1, Size: 5 });
  });
});

describe('directorySize', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('sums file sizes once per inode, ignoring directories', async () => {
    dir = mkdtempSync(join(tmpdir(), 'volsize-'));
    expect(await directorySize(dir)).toBe(0);
    mkdirSync(join(dir, 'sub/deeper'), { recursive: true });
    writeFileSync(join(dir, 'a'), Buffer.alloc(1000));
    writeFileSync(join(dir, 'sub/deeper/b'), Buffer.alloc(234));
    linkSync(join(dir, 'a'), join(dir, 'sub/hard'));
    symlinkSync('a', join(dir, 'link'));
    expect(await directorySize(dir)).toBe(1000 + 234 + 1);
    expect(await directorySize(join(dir, 'missing'))).toBe(0);
  });
});
