import { describe, expect, it } from 'vitest';
import type { ContainerState } from '../../engine/containers/types.js';
import { FilterArgs } from '../_lib/filter.js';
import { containerPruneMatch, deletedContainersText, isActiveStatus } from './prune.js';

const c = (status: ContainerState['status'], labels: Record<string, string> = {}, createdAt = '2024-01-02T03:04:05Z') => ({
  createdAt,
  labels,
  state: { status } as ContainerState,
});

describe('container prune selection', () => {
  it('takes stopped and created containers, never running, paused or restarting ones', () => {
    const none = FilterArgs.parse([]);
    for (const s of ['exited', 'created', 'dead'] as const) expect(containerPruneMatch(c(s), none, undefined)).toBe(true);
    for (const s of ['running', 'paused', 'restarting'] as const) {
      expect(isActiveStatus(s)).toBe(true);
      expect(containerPruneMatch(c(s), none, undefined)).toBe(false);
    }
  });

  it('applies until (created before, inclusive) and label filters', () => {
    const none = FilterArgs.parse([]);
    const t = 1704164645000000000n; // 2024-01-02T03:04:05Z
    expect(containerPruneMatch(c('exited'), none, t)).toBe(true);
    expect(containerPruneMatch(c('exited'), none, t - 1n)).toBe(false);
    expect(containerPruneMatch(c('exited', { a: 'b' }), FilterArgs.parse(['label=a=b']), undefined)).toBe(true);
    expect(containerPruneMatch(c('exited', { a: 'c' }), FilterArgs.parse(['label=a=b']), undefined)).toBe(false);
    expect(containerPruneMatch(c('exited', { a: 'b' }), FilterArgs.parse(['label!=a']), undefined)).toBe(false);
  });

  it('reports as Docker', () => {
    expect(deletedContainersText([])).toBe('');
    expect(deletedContainersText(['x', 'y'])).toBe('Deleted Containers:\nx\ny\n');
  });
});
