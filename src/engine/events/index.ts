/** The event log: see types.ts for the event model and event-log.ts for storage and following. */
export {
  createEventLog,
  eventLogFor,
  eventsSchema,
  nowNano,
  DEFAULT_MAX_EVENTS_PER_NAMESPACE,
  type EventLog,
  type EventLogOptions,
  type EventQuery,
  type FollowOptions,
} from './event-log.js';
export {
  containerActor,
  imageActor,
  networkActor,
  volumeActor,
  toDockerEvent, type DockerEventMessage, type EventActor, type EventInput, type EventRecord, type EventType } from './types.js';
export { emitContainerEvent, emitNetworkEvent, emitVolumeEvent } from './emit.js';
