/**
 * `stats`: live resource usage, as Docker's CLI shows it. Without `--no-stream` the table is redrawn every second
 * (clear screen, cursor home, table: Docker's escape sequences); with it, two samples a second apart give one
 * table (the CPU percentage needs both). Without names the running containers are shown (all with `-a`), and the
 * set is refreshed at each redraw; named containers that do not exist fail before anything is printed.
 */
import type { ContainerStatsSample, StatsFigures, TaskMetrics } from '../../engine/containers/stats.js';
import { EngineError, canceled } from '../../engine/errdefs.js';
import { bytesSize, humanSize } from '../../util/units.js';
import type { CommandContext } from '../_lib/context.js';
import { errorText } from '../_lib/exit.js';
import { formatListing, parseFormat, planListing } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

/** Docker's default stats table. */
export const STATS_DEFAULT_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/** Column headers by field (docker/cli's stats header context). */
export const STATS_HEADERS: Readonly<Record<string, string>> = {
  Container: 'CONTAINER',
  Name: 'NAME',
  ID: 'CONTAINER ID',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

/** What a stats row's template sees. */
export interface StatsRow {
  Container: string;
  Name: string;
  ID: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

/** One container being watched: how the user named it (or its short ID) and its full ID. */
export interface StatsTarget {
  readonly container: string;
  readonly id: string;
}

const percent = (v: number) => `${v.toFixed(2)}%`;

/** The row for one container (pure). Without figures (not running) Docker shows zeros. */
export function statsRow(target: StatsTarget, name: string, f: StatsFigures | undefined, opts: { noTrunc?: boolean } = {}): StatsRow {
  return {
    Container: target.container,
    Name: name === '' ? '--' : name,
    ID: opts.noTrunc ? target.id : target.id.slice(0, 12),
    CPUPerc: percent(f?.cpuPercent ?? 0),
    MemUsage: `${bytesSize(f?.memoryUsage ?? 0)} / ${bytesSize(f?.memoryLimit ?? 0)}`,
    MemPerc: percent(f?.memoryPercent ?? 0),
    NetIO: `${humanSize(f?.networkRx ?? 0)} / ${humanSize(f?.networkTx ?? 0)}`,
    BlockIO: `${humanSize(f?.blockRead ?? 0)} / ${humanSize(f?.blockWrite ?? 0)}`,
    PIDs: String(f?.pids ?? 0),
  };
}

/** Docker's redraw: clear the screen and move the cursor home. */
export const CLEAR_SCREEN = '\u001b[2J\u001b[H';

const SAMPLE_INTERVAL_MS = 1000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(canceled('stats: canceled'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(canceled('stats: canceled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const statsCommand = defineCommand({
  name: 'stats',
  usage: '[CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  examples: [
    { command: 'nerdctl stats', description: 'A live view of the resource usage of the running containers' },
    { command: 'nerdctl stats --no-stream web', description: 'One reading of the usage of the container web' },
    { command: "nerdctl stats --no-stream --format 'table {{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}'", description: 'Only the names, CPU and memory usage' },
  ],
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Show all containers (default shows just running)' },
    format: { type: 'string', describe: 'Pretty-print images using a Go template', complete: { format: Object.keys(STATS_HEADERS) } },
    'no-stream': { type: 'boolean', describe: 'Disable streaming stats and only pull the first result' },
    'no-trunc': { type: 'boolean', describe: 'Do not truncate output' },
  },
  args: { complete: ['containers:running'] },
  async handler({ flags, args }, ctx) {
    const listing = { format: flags.format ?? '', defaultFormat: STATS_DEFAULT_FORMAT };
    // A bad template fails before any sampling.
    parseFormat(planListing(listing).template);
    const svc = await containerService(ctx);
    const { sampleContainerStats, statsFigures } = await import('../../engine/containers/stats.js');
    const op = ctx.op();

    let fixed: StatsTarget[] | undefined;
    if (args.length > 0) {
      const errors: unknown[] = [];
      fixed = [];
      for (const ref of args) {
        try {
          fixed.push({ container: ref, id: (await svc.get(op, ref)).id });
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new EngineError('not-found', errors.map(errorText).join('\n'));
    }
    const targets = async (): Promise<StatsTarget[]> =>
      fixed ?? (await svc.list(op, { all: flags.all })).map((c) => ({ container: c.id.slice(0, 12), id: c.id }));

    const previous = new Map<string, TaskMetrics>();
    const sampleAll = async (list: readonly StatsTarget[]) =>
      Promise.all(
        list.map(async (t) => {
          try {
            return await sampleContainerStats(svc.deps, op, t.id);
          } catch {
            // Removed since it was listed: Docker shows "--".
            return { id: t.id, name: '' } satisfies ContainerStatsSample;
          }
        }),
      );
    const render = (list: readonly StatsTarget[], samples: readonly ContainerStatsSample[]): string => {
      const rows = list.map((t, i) => {
        const s = samples[i]!;
        return statsRow(t, s.name, statsFigures(s.metrics, previous.get(t.id)), { noTrunc: flags['no-trunc'] });
      });
      previous.clear();
      for (const s of samples) if (s.metrics) previous.set(s.id, s.metrics);
      return formatListing(rows, { ...listing, headers: STATS_HEADERS, quietField: (r) => r.ID });
    };

    let list = await targets();
    // The first sample only primes the CPU figures.
    for (const s of await sampleAll(list)) if (s.metrics) previous.set(s.id, s.metrics);
    if (flags['no-stream']) {
      if (list.some((t) => previous.has(t.id))) await sleep(SAMPLE_INTERVAL_MS, ctx.signal);
      ctx.out.write(render(list, await sampleAll(list)));
      return;
    }
    return streamStats(ctx, async () => {
      list = await targets();
      return render(list, await sampleAll(list));
    });
  },
});

/** Redraws every second until interrupted; a reader that goes away (`stats | head`) ends it quietly (141). */
async function streamStats(ctx: CommandContext, frame: () => Promise<string>): Promise<number> {
  let closed = false;
  const onError = () => {
    closed = true;
  };
  ctx.out.stream.on('error', onError);
  try {
    for (;;) {
      await sleep(SAMPLE_INTERVAL_MS, ctx.signal);
      if (closed) return 141;
      const text = await frame();
      ctx.out.write(CLEAR_SCREEN + text);
    }
  } finally {
    ctx.out.stream.off('error', onError);
  }
}
