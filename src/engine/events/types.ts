/**
 * The engine's event log: what happened to containers, images, networks and volumes, in Docker's event shape
 * (moby api/types/events). There is no daemon to keep events in memory, so every event is a row in meta.db, per
 * namespace; `events` replays them (`--since`/`--until`) and follows new ones from any process.
 *
 * Contract for services that emit (see event-log.ts):
 * - Emit after the change is durable, ideally inside the same `db.write()` transaction as the record change (the
 *   event then commits with it, at no extra fsync). Emitting never throws: a failure is logged and dropped, so an
 *   event can never undo or fail the operation it reports.
 * - Actor IDs are Docker's: a container's full id, an image's `sha256:<hex>` id (or the reference for pull/push/
 *   tag, as Docker does), a network's full id, a volume's name.
 * - Attributes are Docker's: containers carry `name`, `image` and their labels (plus `exitCode` for die, `signal`
 *   for kill, `execID` for exec_*); networks `name`, `type` (driver) and `container` for connect/disconnect;
 *   volumes `driver` (plus `container`, `destination`, `propagation`, `read/write` for mount); images `name`
 *   and the image's labels.
 */

/** Docker's event types (the `type=` filter). */
export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'plugin' | 'builder';

/** Who an event is about. */
export interface EventActor {
  readonly id: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** What a service hands to {@link EventLog.emit}. */
export interface EventInput {
  readonly type: EventType;
  /** Docker's action: `create`, `start`, `die`, `pull`, `connect`, `destroy`, `health_status: healthy`... */
  readonly action: string;
  readonly actor: EventActor;
  /** Event time in Unix nanoseconds; default now. Tests use it to write history. */
  readonly timeNano?: bigint;
}

/** One stored event. `seq` increases strictly with every event of the data root (never reused). */
export interface EventRecord {
  readonly seq: number;
  readonly namespace: string;
  readonly type: EventType;
  readonly action: string;
  readonly actorId: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Unix nanoseconds. */
  readonly timeNano: bigint;
}

/** Docker's event JSON (events.Message), in its field order; `status`, `id` and `from` only for containers/images. */
export interface DockerEventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  /** Unix seconds. */
  time: number;
  /** Unix nanoseconds. */
  timeNano: bigint;
}

/** Docker's event JSON for a record (the legacy fields exactly where Docker fills them). */
export function toDockerEvent(r: EventRecord): DockerEventMessage {
  const attributes = { ...r.attributes };
  const legacy: Partial<DockerEventMessage> = {};
  if (r.type === 'container' || r.type === 'image') {
    legacy.status = r.action;
    legacy.id = r.actorId;
    const from = r.type === 'container' ? attributes.image : undefined;
    if (from !== undefined && from !== '') legacy.from = from;
  }
  return {
    ...legacy,
    Type: r.type,
    Action: r.action,
    Actor: { ID: r.actorId, Attributes: attributes },
    scope: 'local',
    time: Number(r.timeNano / 1_000_000_000n),
    timeNano: r.timeNano,
  };
}

/**
 * A container event's actor as Docker builds it: the container's labels, then `image` (as the user named it) and
 * `name` (without the slash), then `extra` (`exitCode` for die, `signal` for kill, `execID` for exec_*).
 */
export function containerActor(
  c: { readonly id: string; readonly name: string; readonly image: string; readonly labels?: Readonly<Record<string, string>> },
  extra: Readonly<Record<string, string>> = {},
): EventActor {
  return { id: c.id, attributes: { ...c.labels, image: c.image, name: c.name.replace(/^\//, ''), ...extra } };
}

/** An image event's actor: the image's config labels, then `name` (the reference the action was about). */
export function imageActor(id: string, name: string, labels: Readonly<Record<string, string>> = {}): EventActor {
  return { id, attributes: { ...labels, name } };
}

/** A network event's actor: `name`, `type` (the driver), then `extra` (`container` for connect/disconnect). */
export function networkActor(
  n: { readonly id: string; readonly name: string; readonly driver: string },
  extra: Readonly<Record<string, string>> = {},
): EventActor {
  return { id: n.id, attributes: { ...extra, name: n.name, type: n.driver } };
}

/**
 * A volume event's actor: `driver`, then `extra` (`container`, `destination`, `propagation`, `read/write` for
 * mount; `container` for unmount).
 */
export function volumeActor(name: string, driver = 'local', extra: Readonly<Record<string, string>> = {}): EventActor {
  return { id: name, attributes: { ...extra, driver } };
}
