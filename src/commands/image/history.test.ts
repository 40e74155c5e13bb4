import { describe, expect, it } from 'vitest';
import { ellipsis, historyFields } from './history.js';

describe('history fields', () => {
  const row = { id: 'sha256:' + 'a'.repeat(64), created: new Date('2024-01-01T00:00:00Z'), createdBy: '/bin/sh -c #(nop) COPY file:2e9af7a99e575954820ec20c474f03533fc5d89740d8cba06219441593cea50c in /small ', size: 3000000, comment: 'c', tags: [] };

  it('truncates CREATED BY to 45 characters like Docker', () => {
    expect(historyFields(row, { human: true, noTrunc: false, now: Date.parse('2024-01-01T00:00:03Z') })).toEqual({
      ID: 'aaaaaaaaaaaa',
      CreatedSince: '3 seconds ago',
      CreatedAt: '2024-01-01T00:00:00Z',
      CreatedBy: '/bin/sh -c #(nop) COPY file:2e9af7a99e575954…',
      Size: '3MB',
      Comment: 'c',
    });
  });

  it('prints raw dates and byte counts with -H=false', () => {
    const f = historyFields({ ...row, id: '<missing>' }, { human: false, noTrunc: true, now: 0 });
    expect([f.ID, f.CreatedSince, f.Size]).toEqual(['<missing>', '2024-01-01T00:00:00Z', '3000000']);
    expect(f.CreatedBy).toBe(row.createdBy);
  });

  it('ellipsis keeps short strings', () => {
    expect(ellipsis('abc', 45)).toBe('abc');
  });
});
