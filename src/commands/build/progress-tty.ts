/**
 * `--progress tty` (the default on a terminal): BuildKit's live view. A header with the elapsed time and finished
 * steps, one line per step with its duration, and under each running step its latest output lines; redrawn in
 * place ten times a second. When the build ends the final view stays on screen, and a failed step's last lines are
 * printed below it.
 */
import type { BuildProgressEvent } from '../../build/progress.js';
import type { ProgressRenderer } from './progress-plain.js';

interface Vertex {
  id: number;
  name: string;
  started: number;
  ended?: number;
  status: 'started' | 'cached' | 'done' | 'error';
  partial: string;
  lines: string[];
  error?: string;
}

const LOG_LINES = 6;

function secs(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** Draws on a terminal through `write`; `columns` is read on every redraw. */
export function ttyRenderer(out: { write(text: string): void; readonly columns: number }): ProgressRenderer {
  const start = Date.now();
  const vertices: Vertex[] = [];
  const byId = new Map<number, Vertex>();
  const warnings: string[] = [];
  let drawn = 0;
  let done = false;

  const fit = (s: string, width: number) => (s.length > width ? s.slice(0, Math.max(0, width - 1)) : s);

  const render = (final: boolean): string[] => {
    const now = Date.now();
    const width = Math.max(40, out.columns);
    const finished = vertices.filter((v) => v.status !== 'started').length;
    const lines = [`[+] Building ${secs(now - start)} (${finished}/${vertices.length})${final ? ' FINISHED' : ''}`];
    for (const v of vertices) {
      const prefix = v.status === 'cached' ? ' => CACHED ' : v.status === 'error' ? ' => ERROR ' : ' => ';
      const time = v.status === 'cached' ? '0.0s' : secs((v.ended ?? now) - v.started);
      const label = fit(prefix + v.name, width - time.length - 1);
      lines.push(label + ' '.repeat(Math.max(1, width - label.length - time.length)) + time);
      if (v.status === 'started' || v.status === 'error') {
        const tail = [...v.lines, ...(v.partial !== '' ? [v.partial] : [])].slice(-LOG_LINES);
        for (const l of tail) lines.push(fit(` => => # ${l}`, width));
      }
    }
    return lines;
  };

  const draw = (final = false) => {
    const lines = render(final);
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const l of lines) text += `\x1b[2K${l}\n`;
    // A shorter view than the last one: clear what is left below.
    for (let i = lines.length; i < drawn; i++) text += '\x1b[2K\n';
    if (drawn > lines.length) text += `\x1b[${drawn - lines.length}A`;
    out.write(text);
    drawn = lines.length;
  };

  const timer = setInterval(() => draw(), 100);
  timer.unref();

  return {
    onEvent(e: BuildProgressEvent) {
      if (done) return;
      switch (e.type) {
        case 'vertex': {
          let v = byId.get(e.id);
          if (v === undefined) {
            v = { id: e.id, name: e.name, started: e.at, status: 'started', partial: '', lines: [] };
            byId.set(e.id, v);
            vertices.push(v);
          }
          if (e.status !== 'started') {
            v.status = e.status;
            v.ended = e.at;
            if (e.error !== undefined) v.error = e.error;
          }
          return;
        }
        case 'log': {
          const v = byId.get(e.id);
          if (v === undefined) return;
          const parts = (v.partial + e.data.toString('utf8')).split('\n');
          v.partial = parts.pop() ?? '';
          for (const p of parts) v.lines.push(p.replace(/\r$/, ''));
          if (v.lines.length > 20) v.lines.splice(0, v.lines.length - 20);
          return;
        }
        case 'status':
          return;
        case 'warning':
          warnings.push(e.message);
          return;
      }
    },
    finish() {
      if (done) return;
      done = true;
      clearInterval(timer);
      draw(true);
      for (const v of vertices.filter((x) => x.status === 'error')) {
        out.write('------\n');
        out.write(` > ${v.name}:\n`);
        for (const l of [...v.lines, ...(v.partial !== '' ? [v.partial] : [])].slice(-10)) out.write(`${l}\n`);
        out.write('------\n');
      }
      for (const w of warnings) out.write(`${w}\n`);
    },
  };
}
