import { describe, expect, it } from 'vitest';
import { toDockerEvent, type EventRecord } from '../../engine/events/types.js';
import { FilterArgs } from '../_lib/filter.js';
import { eventMatches, formatEventLine, formatEventTime, parseEventFormat, renderEvent } from './events.js';

const T = 1_795_338_400_165_513_469n;
const rec = (over: Partial<EventRecord>): EventRecord => ({
  seq: 1,
  namespace: 'default',
  type: 'container',
  action: 'start',
  actorId: 'b5655465b8e1cefe5e02ea4f4d67be352d0235b70014578d6eb69021ae0c7ee9',
  attributes: { image: 'busybox', name: 'xc2' },
  timeNano: T,
  ...over,
});
const start = toDockerEvent(rec({}));
const health = toDockerEvent(rec({ action: 'health_status: healthy' }));
const netConnect = toDockerEvent(
  rec({ type: 'network', action: 'connect', actorId: '3d58f6684e28aaaa', attributes: { container: start.Actor.ID, name: 'xnet1', type: 'bridge' } }),
);
const pull = toDockerEvent(rec({ type: 'image', action: 'pull', actorId: 'localhost:5000/app:v1', attributes: { name: 'localhost:5000/app', maintainer: 'me' } }));
const labelled = toDockerEvent(rec({ attributes: { image: 'docker.io/library/busybox:latest', name: 'web', tier: 'front' } }));

describe('formatEventLine', () => {
  it('prints Docker line: fixed nanoseconds, type, action, id, sorted attributes', () => {
    if (new Date().getTimezoneOffset() !== 0) return; // the expected text is in UTC
    expect(formatEventLine(start)).toBe(
      '2026-11-22T09:06:40.165513469Z container start b5655465b8e1cefe5e02ea4f4d67be352d0235b70014578d6eb69021ae0c7ee9 (image=busybox, name=xc2)',
    );
    const prune = toDockerEvent(rec({ type: 'network', action: 'prune', actorId: '', attributes: { reclaimed: '0' } }));
    expect(formatEventLine(prune)).toBe('2026-11-22T09:06:40.165513469Z network prune  (reclaimed=0)');
    const bare = toDockerEvent(rec({ attributes: {} }));
    expect(formatEventLine(bare).endsWith(start.Actor.ID)).toBe(true);
  });

  it('keeps trailing zeros of the fraction', () => {
    if (new Date().getTimezoneOffset() !== 0) return;
    expect(formatEventTime(1_700_000_000_000_000_000n)).toBe('2023-11-14T22:13:20.000000000Z');
  });
});

describe('--format', () => {
  it('renders Go templates over events.Message fields', () => {
    const t = parseEventFormat('{{.Status}} {{.ID}} {{.From}} {{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}} {{.Scope}} {{.Time}} {{.TimeNano}}');
    expect(renderEvent(start, t)).toBe(`start ${start.Actor.ID} busybox container start ${start.Actor.ID} xc2 local 1795338400 1795338400165513469`);
  });

  it('renders json and {{json .}} as Docker event JSON', () => {
    const want =
      `{"status":"start","id":"${start.Actor.ID}","from":"busybox","Type":"container","Action":"start",` +
      `"Actor":{"ID":"${start.Actor.ID}","Attributes":{"image":"busybox","name":"xc2"}},"scope":"local","time":1795338400,"timeNano":1795338400165513469}`;
    expect(renderEvent(start, parseEventFormat('json'))).toBe(want);
    expect(renderEvent(start, parseEventFormat('{{json .}}'))).toBe(want);
    expect(renderEvent(netConnect, parseEventFormat('{{json .}}'))).toMatch(/^\{"Type":"network","Action":"connect",/);
  });

  it('rejects unknown fields before any event, as Docker does', () => {
    expect(() => parseEventFormat('{{.Nope}}')).toThrow(/can't evaluate field Nope in type \*events.Message/);
    expect(() => parseEventFormat('{{.Status')).toThrow(/template: /);
    expect(parseEventFormat(undefined)).toBeUndefined();
  });
});

describe('eventMatches', () => {
  const m = (ev: typeof start, f: string[]) => eventMatches(ev, FilterArgs.parse(f));

  const cases = [
    [start, [], true],
    [start, ['type=container'], true],
    [start, ['type=network'], false],
    [start, ['event=start'], true],
    [start, ['event=start', 'event=die'], true],
    [start, ['event=stop'], false],
    [health, ['event=health_status'], true],
    [health, ['event=health_status: healthy'], true],
    [start, ['container=xc2'], true],
    [start, ['container=b5655465'], true],
    [start, ['container=other'], false],
    // Docker's container filter looks at the actor: a network event's container attribute does not count.
    [netConnect, ['container=xc2'], false],
    [netConnect, ['network=xnet1'], true],
    [netConnect, ['network=3d58'], true],
    [start, ['network=xnet1'], false],
    [start, ['image=busybox'], true],
    [labelled, ['image=busybox'], true],
    [labelled, ['image=docker.io/library/busybox:latest'], true],
    [start, ['image=alpine'], false],
    [pull, ['image=localhost:5000/app'], true],
    [pull, ['image=localhost:5000/app:v1'], true],
    [labelled, ['label=tier=front'], true],
    [labelled, ['label=tier'], true],
    [labelled, ['label=tier=back'], false],
    [pull, ['label=maintainer=me'], true],
    [start, ['scope=local'], true],
    [start, ['scope=swarm'], false],
    [start, ['volume=zzz'], false],
    [start, ['whatever=1'], true],
  ] as const;
  it.each(cases.map(([ev, f, want]) => ({ name: `${ev.Type} ${ev.Action} [${f.join(' ')}] -> ${want}`, ev, f, want })))('$name', ({ ev, f, want }) =>
    expect(m(ev, [...f])).toBe(want),
  );
});
