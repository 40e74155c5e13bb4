import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { busyboxImage, dockerArchive, ociLayoutArchive, sha256 } from './image-fixtures.js';

// The fixtures are the ground truth other tests compare against: check them with independent tools (GNU tar).
describe('image fixtures', () => {
  it('make a docker-archive whose manifest, config and layer digests agree', async () => {
    const img = await busyboxImage({ Cmd: ['echo', 'hi'] });
    const dir = mkdtempSync(join(tmpdir(), 'fx-'));
    try {
      writeFileSync(join(dir, 'a.tar'), await dockerArchive(img, ['busybox:latest']));
      execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir });
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      expect(manifest[0].RepoTags).toEqual(['busybox:latest']);
      const layer = readFileSync(join(dir, manifest[0].Layers[0]));
      const config = JSON.parse(readFileSync(join(dir, manifest[0].Config), 'utf8'));
      expect(config.rootfs.diff_ids).toEqual([sha256(layer)]);
      const list = execFileSync('tar', ['-tvf', join(dir, manifest[0].Layers[0])], { encoding: 'utf8' });
      expect(list).toMatch(/bin\/sh -> busybox/);
      expect(list).toMatch(/etc\/passwd/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('make an OCI layout with every blob under blobs/sha256', async () => {
    const img = await busyboxImage();
    const tar = await ociLayoutArchive(img, 'example.com/busybox:1');
    const list = execFileSync('tar', ['-t'], { input: tar, encoding: 'utf8' });
    for (const d of img.blobs.keys()) expect(list).toContain(`blobs/sha256/${d.slice(7)}`);
    expect(list).toContain('index.json');
  });
});
