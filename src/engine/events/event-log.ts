/**
 * The event log in meta.db (component 'events').
 *
 *   events                                 (this file)
 *     *seq              INTEGER            AUTOINCREMENT: strictly increasing, never reused, = commit order
 *      namespace        TEXT -> namespaces (cascade: events do not keep a namespace alive)
 *      time_nano        INTEGER            Unix nanoseconds
 *      type             TEXT               container | image | network | volume | ...
 *      action           TEXT               create, start, die, pull, connect, destroy, ...
 *      actor_id         TEXT
 *      attributes       TEXT (json)        {"name": "web", "image": "busybox", ...}
 *     index events_ns_seq(namespace, seq)
 *
 * Why a table and not a file per namespace: emitters already write meta.db, so an event committed inside the
 * caller's transaction costs no extra fsync and is never out of step with the record it describes; and SQLite
 * serialises writers, so `seq` order is commit order and a follower that remembers the last `seq` it saw can
 * never miss or repeat an event. Following across processes is a poll of `seq > last` on the (namespace, seq)
 * index every {@link EventLogOptions.pollIntervalMs}: one indexed read on a WAL database, which never blocks
 * writers.
 *
 * Retention: Docker keeps its last 256 events in memory and loses them with the daemon. We keep the newest
 * {@link EventLogOptions.maxPerNamespace} per namespace across restarts, trimming every 128 events.
 */
import { hrtime } from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MetadataDb, Schema } from '../metadata/db.js';
import { ensureNamespace, namespacesSchema } from '../metadata/namespaces.js';
import type { OpContext } from '../op-context.js';
import type { EventInput, EventRecord, EventType } from './types.js';

export const eventsSchema: Schema = {
  component: 'events',
  migrations: [
    `CREATE TABLE events (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       namespace TEXT NOT NULL REFERENCES namespaces(name) ON DELETE CASCADE,
       time_nano INTEGER NOT NULL,
       type TEXT NOT NULL,
       action TEXT NOT NULL,
       actor_id TEXT NOT NULL,
       attributes TEXT NOT NULL DEFAULT '{}'
     );
     CREATE INDEX events_ns_seq ON events(namespace, seq);`,
  ],
};

/** Default number of events kept per namespace. */
export const DEFAULT_MAX_EVENTS_PER_NAMESPACE = 10_000;
const TRIM_EVERY = 128;

export interface EventLogOptions {
  /** Events kept per namespace (oldest trimmed first). Default {@link DEFAULT_MAX_EVENTS_PER_NAMESPACE}. */
  readonly maxPerNamespace?: number;
  /** How often {@link EventLog.follow} looks for new events. Default 100 ms. */
  readonly pollIntervalMs?: number;
}

/** Which stored events {@link EventLog.list} returns. Bounds are inclusive, as Docker's `--since`/`--until`. */
export interface EventQuery {
  /** Unix nanoseconds. */
  readonly since?: bigint;
  readonly until?: bigint;
  /** Only events with a larger seq. */
  readonly afterSeq?: number;
  /** Only events with this seq or smaller. */
  readonly maxSeq?: number;
}

export interface FollowOptions {
  /** Start after this seq (usually {@link EventLog.lastSeq} taken before a replay). */
  readonly afterSeq: number;
  /** Stop once the clock passes this time (Unix nanoseconds); events later than it are not yielded. */
  readonly until?: bigint;
}

/**
 * The event log of one data root. Every method is scoped by `ctx.namespace`.
 *
 * Lifecycle: created over an open {@link MetadataDb}, outside any transaction: creation checks the schema (cheap
 * when current; the first time it creates the table, which a caller's transaction must not be able to roll back).
 * Nothing to close; `follow` ends when `ctx.signal` aborts or `until` passes.
 */
export interface EventLog {
  /**
   * Records an event. Synchronous, so it can run inside the caller's `db.write()` (it then commits with the
   * caller's change). Never throws: a failure is logged at warn level and the event is dropped.
   */
  emit(ctx: Pick<OpContext, 'namespace' | 'log'>, input: EventInput): void;
  /** Stored events matching `query`, oldest first. */
  list(ctx: Pick<OpContext, 'namespace'>, query?: EventQuery): EventRecord[];
  /** The highest seq committed so far in any namespace (0 when none): the watermark for {@link follow}. */
  lastSeq(): number;
  /** Yields events committed after `afterSeq` by any process, oldest first, until aborted or `until` passes. */
  follow(ctx: Pick<OpContext, 'namespace' | 'signal'>, opts: FollowOptions): AsyncIterable<EventRecord>;
}

// Date.now() has millisecond resolution; Docker's events carry nanoseconds. Anchor the high-resolution clock to
// the wall clock once per process so times are both precise and increasing within a process.
const wallAnchorNs = BigInt(Date.now()) * 1_000_000n;
const hrAnchorNs = hrtime.bigint();

/** The current time in Unix nanoseconds. */
export function nowNano(): bigint {
  return wallAnchorNs + (hrtime.bigint() - hrAnchorNs);
}

interface Row {
  seq: bigint;
  namespace: string;
  time_nano: bigint;
  type: string;
  action: string;
  actor_id: string;
  attributes: string;
}

function toRecord(r: Row): EventRecord {
  return {
    seq: Number(r.seq),
    namespace: r.namespace,
    type: r.type as EventType,
    action: r.action,
    actorId: r.actor_id,
    attributes: JSON.parse(r.attributes) as Record<string, string>,
    timeNano: r.time_nano,
  };
}

const INT64_MAX = 9_223_372_036_854_775_807n;

/** Opens the event log on `db` (see the module comment). */
export function createEventLog(db: MetadataDb, options: EventLogOptions = {}): EventLog {
  const maxPerNamespace = options.maxPerNamespace ?? DEFAULT_MAX_EVENTS_PER_NAMESPACE;
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  db.migrate(namespacesSchema);
  db.migrate(eventsSchema);

  const select = (namespace: string, q: EventQuery): EventRecord[] => {
    const st = db.prepare(
      `SELECT seq, namespace, time_nano, type, action, actor_id, attributes FROM events
       WHERE namespace = ? AND seq > ? AND seq <= ? AND time_nano >= ? AND time_nano <= ?
       ORDER BY seq`,
    );
    st.safeIntegers(true);
    const rows = st.all(
      namespace,
      BigInt(q.afterSeq ?? 0),
      q.maxSeq === undefined ? INT64_MAX : BigInt(q.maxSeq),
      q.since ?? -INT64_MAX,
      q.until ?? INT64_MAX,
    ) as Row[];
    return rows.map(toRecord);
  };

  const self: EventLog = {
    emit(ctx, input) {
      try {
        db.write(() => {
          ensureNamespace(db, ctx.namespace);
          const info = db
            .prepare(
              `INSERT INTO events (namespace, time_nano, type, action, actor_id, attributes) VALUES (?, ?, ?, ?, ?, ?)`,
            )
            .run(
              ctx.namespace,
              input.timeNano ?? nowNano(),
              input.type,
              input.action,
              input.actor.id,
              JSON.stringify(input.actor.attributes ?? {}),
            );
          const seq = Number(info.lastInsertRowid);
          if (seq % TRIM_EVERY === 0) {
            db.prepare(
              `DELETE FROM events WHERE namespace = ? AND seq <= (
                 SELECT seq FROM events WHERE namespace = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
            ).run(ctx.namespace, ctx.namespace, maxPerNamespace);
          }
        });
      } catch (err) {
        ctx.log.warn('failed to record event', { type: input.type, action: input.action, actor: input.actor.id, error: err });
      }
    },
    list(ctx, query = {}) {
      return select(ctx.namespace, query);
    },
    lastSeq() {
      const row = db.prepare('SELECT max(seq) AS seq FROM events').get() as { seq: number | null } | undefined;
      return row?.seq ?? 0;
    },
    follow(ctx, opts) {
      return {
        async *[Symbol.asyncIterator]() {
          let last = opts.afterSeq;
          for (;;) {
            if (ctx.signal.aborted) return;
            // Read the clock before the query: an event committed after the query is seen by the next one, and
            // the loop ends only after a query that started past `until`.
            const now = nowNano();
            const batch = select(ctx.namespace, { afterSeq: last, ...(opts.until !== undefined ? { until: opts.until } : {}) });
            for (const ev of batch) {
              last = ev.seq;
              yield ev;
            }
            if (opts.until !== undefined && now > opts.until) return;
            try {
              let wait = pollIntervalMs;
              if (opts.until !== undefined) {
                const left = Number((opts.until - now) / 1_000_000n) + 1;
                wait = Math.max(1, Math.min(wait, left));
              }
              await sleep(wait, undefined, { signal: ctx.signal });
            } catch {
              return;
            }
          }
        },
      };
    },
  };
  return self;
}

const logs = new WeakMap<MetadataDb, EventLog>();

/**
 * The event log of `db`, created once per connection. Services call it when they open (outside any transaction,
 * so the first-ever schema migration cannot be rolled back with a caller's change) and emit through it later:
 *
 * ```ts
 * const events = eventLogFor(storage.db);          // at service creation
 * db.write(() => { ...; events.emit(ctx, { type: 'container', action: 'start', actor: { id, attributes } }); });
 * ```
 */
export function eventLogFor(db: MetadataDb): EventLog {
  let log = logs.get(db);
  if (log === undefined) {
    log = createEventLog(db);
    logs.set(db, log);
  }
  return log;
}
