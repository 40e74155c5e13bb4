/**
 * The snapshotter conformance suite with real mounts: overlayfs (including a 130-layer chain whose absolute
 * lowerdir string is longer than the kernel's one-page limit) and native. Needs root.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../src/engine/content/testsuite.js';
import { openStorage } from '../../src/engine/metadata/storage.js';
import { mountPointsUnder, withTempMount } from '../../src/engine/mount/mount.js';
import { snapshotterSuite, withRealMounts } from '../../src/engine/snapshots/testsuite.js';
import { isRoot, unmountUnder } from '../helpers/cli.js';

const hasOverlay = readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n');

for (const name of ['overlayfs', 'native'] as const) {
  describe.skipIf(!isRoot() || (name === 'overlayfs' && !hasOverlay))(`${name} with real mounts`, () => {
    snapshotterSuite(
      name,
      async () => {
        const root = mkdtempSync(path.join(tmpdir(), `nerdctl-storage-${name}-`));
        const st = openStorage({ dataRoot: root, snapshotter: name, syncBlobs: false });
        return {
          snapshotter: st.snapshotter,
          root,
          async cleanup() {
            st.close();
            unmountUnder(root);
            rmSync(root, { recursive: true, force: true });
          },
        };
      },
      { withMounts: withRealMounts, deepLayers: name === 'overlayfs' ? 130 : 40 },
    );
  });
}

describe.skipIf(!isRoot() || !hasOverlay)('overlayfs option length', () => {
  it('mounts a view whose absolute lowerdir list exceeds one page', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'nerdctl-storage-long-'));
    const st = openStorage({ dataRoot: root, snapshotter: 'overlayfs', syncBlobs: false });
    const ctx = testContext();
    try {
      let parent: string | undefined;
      for (let i = 0; i < 130; i++) {
        await st.snapshotter.prepare(ctx, `k${i}`, parent);
        await st.snapshotter.commit(ctx, `n${i}`, `k${i}`);
        parent = `n${i}`;
      }
      const view = await st.snapshotter.view(ctx, 'v', parent);
      expect(view[0]?.options.join(',').length).toBeGreaterThan(4096);
      await withTempMount(view, async (dir) => expect(readdirSync(dir)).toEqual([]), { tmpRoot: root });
      expect(await mountPointsUnder(root)).toEqual([]);
    } finally {
      st.close();
      unmountUnder(root);
      rmSync(root, { recursive: true, force: true });
    }
  });
});
