/**
 * `events` (`system events`): Docker's event stream from the engine's event log. Without `--since`/`--until` it
 * follows new events until interrupted; `--since` replays stored events first; `--until` ends the stream at that
 * time (at once when it is in the past).
 */
import { invalidArgument } from '../../engine/errdefs.js';
import type { DockerEventMessage, EventRecord } from '../../engine/events/types.js';
import { toDockerEvent } from '../../engine/events/types.js';
import { familiarRepository, parseReferenceRaw } from '../../engine/reference.js';
import { goMap, goStruct, parseTemplate, TemplateError, type Template } from '../../util/gotemplate/index.js';
import { getTimestamp } from '../../util/time.js';
import { FilterArgs } from '../_lib/filter.js';
import { defineCommand } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';

/** Docker's `image` filter compares names without their tag (reference.FamiliarName); unparsable names as they are. */
function stripTag(image: string): string {
  try {
    return familiarRepository(parseReferenceRaw(image));
  } catch {
    return image;
  }
}

/**
 * Whether an event passes `--filter`, exactly as dockerd's events.Filter decides: `event` (fuzzy for
 * health_status/exec_create/exec_start, whose actions carry a suffix), `type`, `scope`, `container`/`network`/
 * `volume`/`daemon`/`plugin` (the actor's ID or its `name` attribute, prefixes allowed), `image` (the actor's ID or
 * image name, with or without tag), `label` (the actor's attributes). Unknown keys are ignored, as Docker does.
 * Pure.
 */
export function eventMatches(ev: DockerEventMessage, filters: FilterArgs): boolean {
  const attrs = ev.Actor.Attributes;
  const fuzzyEvent = filters.get('event').some((v) => v === 'health_status' || v === 'exec_create' || v === 'exec_start');
  if (!(fuzzyEvent ? filters.fuzzyMatch('event', ev.Action) : filters.exactMatch('event', ev.Action))) return false;
  if (!filters.exactMatch('type', ev.Type)) return false;
  if (filters.includes('scope') && !filters.exactMatch('scope', ev.scope)) return false;
  for (const kind of ['daemon', 'container', 'plugin', 'volume', 'network']) {
    if (!(filters.fuzzyMatch(kind, ev.Actor.ID) || filters.fuzzyMatch(kind, attrs.name ?? ''))) return false;
  }
  const imageName = (ev.Type === 'image' ? attrs.name : attrs.image) ?? '';
  const id = ev.Actor.ID;
  if (
    !(
      filters.exactMatch('image', id) ||
      filters.exactMatch('image', imageName) ||
      filters.exactMatch('image', stripTag(id)) ||
      filters.exactMatch('image', stripTag(imageName))
    )
  ) {
    return false;
  }
  if (filters.includes('label') && !filters.matchKVList('label', attrs)) return false;
  return true;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Go's RFC3339NanoFixed in local time (`2024-01-02T03:04:05.123456789Z`, or `+01:00` outside UTC), the time
 * format of Docker's event lines. Pure for a given time zone.
 */
export function formatEventTime(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  const offsetMin = -d.getTimezoneOffset();
  const local = new Date(ms + offsetMin * 60_000);
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  const zone = offsetMin === 0 ? 'Z' : `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${frac}${zone}`
  );
}

/** Docker's default one-line rendering of an event (prettyPrintEvent). Pure. */
export function formatEventLine(ev: DockerEventMessage): string {
  let line = `${formatEventTime(ev.timeNano)} ${ev.Type} ${ev.Action} ${ev.Actor.ID}`;
  const keys = Object.keys(ev.Actor.Attributes).sort();
  if (keys.length > 0) line += ` (${keys.map((k) => `${k}=${ev.Actor.Attributes[k]}`).join(', ')})`;
  return line;
}

/** The object an events template sees: Go's events.Message (field names), marshalled with its JSON names. */
export function eventTemplateData(ev: DockerEventMessage): object {
  const actor = goStruct({ ID: ev.Actor.ID, Attributes: goMap({ ...ev.Actor.Attributes }) }, 'events.Actor');
  const data = goStruct(
    {
      Status: ev.status ?? '',
      ID: ev.id ?? '',
      From: ev.from ?? '',
      Type: ev.Type,
      Action: ev.Action,
      Actor: actor,
      Scope: ev.scope,
      Time: ev.time,
      TimeNano: ev.timeNano,
    },
    '*events.Message',
  );
  Object.defineProperty(data, 'toJSON', { enumerable: false, value: () => goStruct({ ...ev }) });
  return data;
}

const EMPTY_EVENT: DockerEventMessage = { Type: '', Action: '', Actor: { ID: '', Attributes: {} }, scope: 'local', time: 0, timeNano: 0n };

/**
 * Parses `--format` (`json` is `{{json .}}`, as in Docker 23+) and checks it against an empty event, as Docker
 * does. Returns undefined for the default line format. Throws {@link TemplateError}.
 */
export function parseEventFormat(format: string | undefined): Template | undefined {
  if (format === undefined || format === '') return undefined;
  const tmpl = parseTemplate(format === 'json' ? '{{json .}}' : format);
  tmpl.execute(eventTemplateData({ ...EMPTY_EVENT, scope: '' as 'local' }));
  return tmpl;
}

/** One output line for an event. */
export function renderEvent(ev: DockerEventMessage, tmpl: Template | undefined): string {
  return tmpl === undefined ? formatEventLine(ev) : tmpl.execute(eventTemplateData(ev));
}

export const eventsCommand = defineCommand({
  name: 'events',
  summary: 'Get real time events from the server',
  description:
    'Get real time events. Without --since and --until, new events are shown as they happen until interrupted. ' +
    '--since replays stored events first; --until stops at that time (at once when it is in the past).',
  flags: {
    filter: {
      type: 'strings',
      short: 'f',
      describe: 'Filter output based on conditions provided',
      valueName: 'filter',
    },
    format: {
      type: 'string',
      describe: 'Format the output using the given Go template',
      complete: { format: ['Status', 'ID', 'From', 'Type', 'Action', 'Actor', 'Scope', 'Time', 'TimeNano'] },
    },
    since: { type: 'string', describe: 'Show all events created since timestamp' },
    until: { type: 'string', describe: 'Stream events until this timestamp' },
  },
  args: { max: 0 },
  examples: [
    { command: 'nerdctl events --filter type=container --filter event=start', description: 'Follow container starts' },
    { command: "nerdctl events --since 10m --until 0s --format '{{json .}}'", description: 'The last ten minutes as JSON' },
  ],
  async handler({ flags }, ctx) {
    const filters = FilterArgs.parse(flags.filter, { commandPath: ['events'] });
    let tmpl: Template | undefined;
    try {
      tmpl = parseEventFormat(flags.format);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      ctx.err.line(`Error parsing format: ${err.message}`);
      throw new ExitStatus(64);
    }
    const now = new Date();
    const since = flags.since === undefined || flags.since === '' ? undefined : getTimestamp(flags.since, now);
    const until = flags.until === undefined || flags.until === '' ? undefined : getTimestamp(flags.until, now);
    if (since !== undefined && until !== undefined && until < since) {
      const secs = (t: bigint) => {
        const frac = (t % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
        return `${t / 1_000_000_000n}${frac === '' ? '' : `.${frac}`}`;
      };
      throw invalidArgument(`\`since\` time (${secs(since)}) cannot be after \`until\` time (${secs(until)})`);
    }
    const engine = await ctx.engine();
    const { eventLogFor } = await import('../../engine/events/event-log.js');
    const log = eventLogFor(engine.storage.db);
    const op = ctx.op();
    const print = (r: EventRecord) => {
      const ev = toDockerEvent(r);
      if (eventMatches(ev, filters)) ctx.out.line(renderEvent(ev, tmpl));
    };
    const start = log.lastSeq();
    if (since !== undefined || until !== undefined) {
      for (const r of log.list(op, { maxSeq: start, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) })) print(r);
    }
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    if (until !== undefined && until <= nowNs) return;
    for await (const r of log.follow(op, { afterSeq: start, ...(until !== undefined ? { until } : {}) })) {
      if (since !== undefined && r.timeNano < since) continue;
      print(r);
    }
  },
});
