/**
 * `--progress plain`: BuildKit's plain output. Each vertex is announced as `#N name`, its output lines follow as
 * `#N 0.123 text` (seconds since it started), and it ends with `#N DONE 0.3s`, `#N CACHED` or `#N ERROR: ...`.
 * When output of another vertex comes in between (parallel stages), the vertex header is printed again first.
 * A failed step's last lines are shown in a `------` block, as BuildKit does before the error.
 */
import type { BuildProgressEvent } from '../../build/progress.js';

export interface ProgressRenderer {
  onEvent(e: BuildProgressEvent): void;
  /** Flushes partial lines and stops timers. */
  finish(): void;
}

interface Vertex {
  name: string;
  started: number;
  partial: string;
  lines: string[];
}

function secs(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(1);
}

/** Writes BuildKit's plain progress to `write`. */
export function plainRenderer(write: (text: string) => void): ProgressRenderer {
  const vertices = new Map<number, Vertex>();
  let current: number | undefined;

  const header = (id: number) => {
    const v = vertices.get(id);
    if (v === undefined || current === id) return;
    if (current !== undefined) write('\n');
    write(`#${id} ${v.name}\n`);
    current = id;
  };
  const line = (id: number, text: string, at: number) => {
    const v = vertices.get(id)!;
    header(id);
    write(`#${id} ${((at - v.started) / 1000).toFixed(3)} ${text}\n`);
    v.lines.push(text);
    if (v.lines.length > 20) v.lines.shift();
  };
  const flush = (id: number, at: number) => {
    const v = vertices.get(id);
    if (v === undefined || v.partial === '') return;
    const p = v.partial;
    v.partial = '';
    line(id, p, at);
  };

  return {
    onEvent(e) {
      switch (e.type) {
        case 'vertex': {
          if (e.status === 'started') {
            vertices.set(e.id, { name: e.name, started: e.at, partial: '', lines: [] });
            header(e.id);
            return;
          }
          const v = vertices.get(e.id) ?? { name: e.name, started: e.at, partial: '', lines: [] };
          vertices.set(e.id, v);
          flush(e.id, e.at);
          header(e.id);
          if (e.status === 'cached') write(`#${e.id} CACHED\n`);
          else if (e.status === 'done') write(`#${e.id} DONE ${secs(e.at - v.started)}s\n`);
          else {
            write(`#${e.id} ERROR: ${e.error ?? 'failed'}\n`);
            write('------\n');
            write(` > ${v.name}:\n`);
            for (const l of v.lines.slice(-10)) write(`${l}\n`);
            write('------\n');
          }
          return;
        }
        case 'log': {
          const v = vertices.get(e.id);
          if (v === undefined) return;
          const parts = (v.partial + e.data.toString('utf8')).split('\n');
          v.partial = parts.pop() ?? '';
          for (const p of parts) line(e.id, p.replace(/\r$/, ''), e.at);
          return;
        }
        case 'status':
          if (!vertices.has(e.id)) return;
          header(e.id);
          write(`#${e.id} ${e.text}\n`);
          return;
        case 'warning':
          write(`${e.message}\n`);
          return;
      }
    },
    finish() {
      const now = Date.now();
      for (const id of vertices.keys()) flush(id, now);
    },
  };
}
