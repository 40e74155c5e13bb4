/**
 * Rendering image progress events (pull, push, load) the way the Docker CLI does:
 *
 * - not a TTY: one plain line per state change, Docker's wording (`<id>: Pulling fs layer`, `Waiting`,
 *   `Verifying Checksum`, `Download complete`, `Pull complete`, `Already exists`; for push `Preparing`, `Pushed`,
 *   `Mounted from <repo>`, `Layer already exists`). Like Docker, nothing is printed for byte progress
 *   (`Downloading`, `Extracting`) when the output is not a terminal.
 * - a TTY: one line per layer, redrawn in place (cli-progress), with a bar and sizes while bytes move;
 * - quiet: nothing.
 */
import type { ImageProgressEvent, LayerStatus, ProgressListener } from '../../engine/images/types.js';
import { humanSizeWithPrecision } from '../../util/units.js';
import type { Output } from './context.js';

export type ProgressMode = 'pull' | 'push' | 'load';

/** A progress display; call `stop()` before printing anything else. */
export interface ProgressDisplay {
  readonly listener: ProgressListener;
  stop(): void;
}

/** Docker's words for a layer status without byte progress; undefined for statuses shown only with a bar. */
export function statusText(mode: ProgressMode, status: LayerStatus, from?: string): string | undefined {
  switch (status) {
    case 'pulling':
      return 'Pulling fs layer';
    case 'waiting':
      return 'Waiting';
    case 'verifying':
      return 'Verifying Checksum';
    case 'downloaded':
      return 'Download complete';
    case 'complete':
      return mode === 'load' ? 'Loading layer' : 'Pull complete';
    case 'exists':
      return mode === 'push' ? 'Layer already exists' : 'Already exists';
    case 'preparing':
      return 'Preparing';
    case 'pushed':
      return 'Pushed';
    case 'mounted':
      return `Mounted from ${from ?? ''}`;
    case 'downloading':
    case 'extracting':
    case 'pushing':
    case 'loading':
      return undefined;
  }
}

/** The plain (non-TTY) line for an event, or undefined when Docker prints none. Pure. */
export function plainLine(mode: ProgressMode, e: ImageProgressEvent): string | undefined {
  if (e.kind === 'resolved') return `${e.tagOrDigest}: Pulling from ${e.path}`;
  if (e.kind === 'push-start') return `The push refers to repository [${e.repository}]`;
  const text = statusText(mode, e.status, e.from);
  return text === undefined ? undefined : `${e.id}: ${text}`;
}

/** Docker's progress bar text: `[=====>      ]  1.2MB/3.4MB`. Pure. */
export function barText(current: number, total: number | undefined, width = 50): string {
  const size = (n: number) => humanSizeWithPrecision(n, 4).replace(/(\d)([a-zA-Z])/, '$1$2');
  if (total === undefined || total <= 0) return size(current);
  const done = Math.max(0, Math.min(width, Math.floor((current / total) * width)));
  const bar = done >= width ? '='.repeat(width) : `${'='.repeat(done)}>${' '.repeat(width - done - 1)}`;
  return `[${bar}]  ${size(current)}/${size(total)}`;
}

const byteStatus: Partial<Record<LayerStatus, string>> = {
  downloading: 'Downloading',
  extracting: 'Extracting',
  pushing: 'Pushing',
  loading: 'Loading layer',
};

/** Creates the display for `out` (stdout, as Docker prints progress there). */
export async function createProgress(out: Output, options: { mode: ProgressMode; quiet?: boolean }): Promise<ProgressDisplay> {
  if (options.quiet) return { listener: () => {}, stop() {} };
  if (!out.isTTY) {
    return {
      listener: (e) => {
        const line = plainLine(options.mode, e);
        if (line !== undefined) out.line(line);
      },
      stop() {},
    };
  }
  // Loaded only on a terminal.
  const m = await import('cli-progress');
  const cliProgress = (m as unknown as { default?: typeof import('cli-progress') }).default ?? m;
  return ttyProgress(out, options.mode, cliProgress);
}

/** The TTY display: header lines as they come, then one line per layer, redrawn in place. */
function ttyProgress(out: Output, mode: ProgressMode, cliProgress: typeof import('cli-progress')): ProgressDisplay {
  const texts = new Map<string, string>();
  const bars = new Map<string, import('cli-progress').SingleBar>();
  let stopped = false;
  const multi = new cliProgress.MultiBar(
    {
      stream: out.stream,
      format: (_opts, _params, payload: { id: string }) => `${payload.id}: ${texts.get(payload.id) ?? ''}`,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 8,
      linewrap: false,
    },
    cliProgress.Presets.legacy,
  );
  return {
    listener: (e) => {
      if (stopped) return;
      if (e.kind !== 'layer') {
        const line = plainLine(mode, e);
        if (line === undefined) return;
        // Before the first bar nothing is drawn yet: print directly.
        if (bars.size === 0) out.line(line);
        else multi.log(`${line}\n`);
        return;
      }
      const label = byteStatus[e.status];
      texts.set(
        e.id,
        label !== undefined && e.current !== undefined ? `${label} ${barText(e.current, e.total)}` : (statusText(mode, e.status, e.from) ?? label ?? ''),
      );
      let bar = bars.get(e.id);
      if (bar === undefined) {
        bar = multi.create(1, 0, { id: e.id });
        bars.set(e.id, bar);
      }
      bar.update(0, { id: e.id });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.update();
      multi.stop();
    },
  };
}
