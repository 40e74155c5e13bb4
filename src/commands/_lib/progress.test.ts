import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../engine/digest.js';
import type { ImageProgressEvent, LayerStatus } from '../../engine/images/types.js';
import { barText, plainLine } from './progress.js';

const layer = (status: LayerStatus, extra: Partial<Extract<ImageProgressEvent, { kind: 'layer' }>> = {}): ImageProgressEvent => ({
  kind: 'layer',
  id: '534ecd23a2b8',
  digest: sha256Digest('x'),
  status,
  ...extra,
});

describe('plain progress lines (docker pull | cat)', () => {
  it.each([
    [layer('pulling'), '534ecd23a2b8: Pulling fs layer'],
    [layer('waiting'), '534ecd23a2b8: Waiting'],
    [layer('verifying'), '534ecd23a2b8: Verifying Checksum'],
    [layer('downloaded'), '534ecd23a2b8: Download complete'],
    [layer('complete'), '534ecd23a2b8: Pull complete'],
    [layer('exists'), '534ecd23a2b8: Already exists'],
    [layer('downloading', { current: 10, total: 20 }), undefined],
    [layer('extracting', { current: 10, total: 20 }), undefined],
    [{ kind: 'resolved', name: 'x', path: 'dref/ml', tagOrDigest: 'v1', digest: sha256Digest('m') } as ImageProgressEvent, 'v1: Pulling from dref/ml'],
  ])('%o', (e, line) => {
    expect(plainLine('pull', e)).toBe(line);
  });

  it('uses push wording', () => {
    expect(plainLine('push', layer('exists'))).toBe('534ecd23a2b8: Layer already exists');
    expect(plainLine('push', layer('mounted', { from: 'dref/bb' }))).toBe('534ecd23a2b8: Mounted from dref/bb');
    expect(plainLine('push', layer('pushed'))).toBe('534ecd23a2b8: Pushed');
    expect(plainLine('push', { kind: 'push-start', repository: '127.0.0.1:5000/a' })).toBe('The push refers to repository [127.0.0.1:5000/a]');
  });
});

describe('barText', () => {
  it("draws Docker's bar", () => {
    expect(barText(1_500_000, 3_000_000, 10)).toBe('[=====>    ]  1.5MB/3MB');
    expect(barText(3_000_000, 3_000_000, 10)).toBe('[==========]  3MB/3MB');
  });
});
