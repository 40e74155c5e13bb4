import { describe, expect, it } from 'vitest';
import { ttyRenderer } from './progress-tty.js';

describe('tty progress', () => {
  it('draws the steps with their latest output in place, and leaves the final view with the failed output', () => {
    let out = '';
    const r = ttyRenderer({ write: (t) => (out += t), columns: 80 });
    const at = Date.now();
    r.onEvent({ type: 'vertex', id: 1, name: '[1/2] FROM docker.io/library/busybox:latest', status: 'started', at });
    r.onEvent({ type: 'vertex', id: 1, name: '[1/2] FROM docker.io/library/busybox:latest', status: 'cached', at });
    r.onEvent({ type: 'vertex', id: 2, name: '[2/2] RUN make', status: 'started', at });
    for (let i = 1; i <= 8; i++) r.onEvent({ type: 'log', id: 2, stream: 'stdout', data: Buffer.from(`line ${i}\n`), at });
    r.onEvent({ type: 'vertex', id: 2, name: '[2/2] RUN make', status: 'error', at, error: 'exit code: 2' });
    r.onEvent({ type: 'warning', message: 'a warning' });
    r.finish();
    const screen = out.replace(/\x1b\[\d*[AK]/g, '');
    expect(screen).toMatch(/^\[\+\] Building \d+\.\ds \(2\/2\) FINISHED$/m);
    expect(screen).toMatch(/^ => CACHED \[1\/2\] FROM docker\.io\/library\/busybox:latest +0\.0s$/m);
    expect(screen).toMatch(/^ => ERROR \[2\/2\] RUN make +\d+\.\ds$/m);
    // The running step shows its last six lines; the failed one's last lines are printed again below.
    expect(screen).toContain(' => => # line 8\n');
    expect(screen).not.toContain(' => => # line 2\n');
    expect(screen.endsWith('------\n > [2/2] RUN make:\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n------\na warning\n')).toBe(true);
    // Redraws go back up over the previous frame.
    expect(out).toContain('\x1b[2K');
  });
});
