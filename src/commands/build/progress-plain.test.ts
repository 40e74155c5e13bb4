import { describe, expect, it } from 'vitest';
import type { BuildProgressEvent } from '../../build/progress.js';
import { plainRenderer } from './progress-plain.js';

describe('plain progress', () => {
  const render = (events: BuildProgressEvent[]) => {
    let out = '';
    const r = plainRenderer((t) => (out += t));
    for (const e of events) r.onEvent(e);
    r.finish();
    return out;
  };
  const v = (id: number, name: string, status: 'started' | 'cached' | 'done' | 'error', at: number, error?: string): BuildProgressEvent => ({
    type: 'vertex',
    id,
    name,
    status,
    at,
    ...(error !== undefined ? { error } : {}),
  });
  const log = (id: number, text: string, at: number): BuildProgressEvent => ({ type: 'log', id, stream: 'stdout', data: Buffer.from(text), at });

  it("prints BuildKit's vertices, timed output lines, DONE and CACHED", () => {
    expect(
      render([
        v(1, '[1/3] FROM docker.io/library/busybox:latest', 'started', 0),
        v(1, '[1/3] FROM docker.io/library/busybox:latest', 'cached', 0),
        v(2, '[2/3] RUN echo hi', 'started', 1000),
        log(2, 'hi\npart', 1250),
        log(2, 'ial\n', 1300),
        v(2, '[2/3] RUN echo hi', 'done', 1500),
        { type: 'status', id: 3, text: 'ignored: unknown vertex', at: 0 },
      ]),
    ).toBe(
      '#1 [1/3] FROM docker.io/library/busybox:latest\n#1 CACHED\n\n#2 [2/3] RUN echo hi\n#2 0.250 hi\n#2 0.300 partial\n#2 DONE 0.5s\n',
    );
  });

  it('repeats the header when parallel steps interleave, and shows a failed step in a block', () => {
    const out = render([
      v(1, '[a 2/2] RUN one', 'started', 0),
      v(2, '[b 2/2] RUN two', 'started', 0),
      log(1, 'from one\n', 100),
      log(2, 'from two\n', 200),
      v(2, '[b 2/2] RUN two', 'error', 300, 'process "/bin/sh -c two" did not complete successfully: exit code: 1'),
    ]);
    expect(out).toBe(
      '#1 [a 2/2] RUN one\n\n#2 [b 2/2] RUN two\n\n#1 [a 2/2] RUN one\n#1 0.100 from one\n\n#2 [b 2/2] RUN two\n#2 0.200 from two\n' +
        '#2 ERROR: process "/bin/sh -c two" did not complete successfully: exit code: 1\n------\n > [b 2/2] RUN two:\nfrom two\n------\n',
    );
  });
});
