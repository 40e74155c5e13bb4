import { describe, expect, it } from 'vitest';
import { hasCode } from '../engine/errdefs.js';
import { allocatePorts, type AllocatePortsInput, type BindProbe } from './port-allocator.js';
import { parsePublish } from './ports.js';

// A pure probe: "host processes" hold exactly these tcp ports.
const hostHeld = (ports: number[]): BindProbe => async (_ip, port, proto) =>
  proto === 'tcp' && ports.includes(port) ? Object.assign(new Error('in use'), { code: 'EADDRINUSE' }) : 'free';

function input(over: Partial<AllocatePortsInput>): AllocatePortsInput {
  return {
    specs: [],
    taken: [],
    endpointName: 'web',
    endpointId: 'e'.repeat(64),
    range: { start: 32768, end: 32775 },
    cursor: {},
    probe: hostHeld([]),
    ...over,
  };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('allocatePorts', () => {
  it('keeps fixed ports and picks sequentially from the range for the rest', async () => {
    const r = await allocatePorts(input({ specs: [...parsePublish('8080:80'), ...parsePublish('81'), ...parsePublish('82')] }));
    expect(r.mappings).toEqual([
      { hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostIp: '', hostPort: 32768, containerPort: 81, protocol: 'tcp' },
      { hostIp: '', hostPort: 32769, containerPort: 82, protocol: 'tcp' },
    ]);
    expect(r.cursor).toEqual({ tcp: 32769 });
  });

  it('never hands out a port another container holds, continuing after the cursor and wrapping', async () => {
    const r = await allocatePorts(
      input({
        specs: parsePublish('80'),
        cursor: { tcp: 32774 },
        taken: [{ hostIp: '', hostPort: 32775, protocol: 'tcp' }],
        probe: hostHeld([32768]),
      }),
    );
    expect(r.mappings[0]!.hostPort).toBe(32769);
  });

  it('refuses a port held by another container with Docker wording', async () => {
    const err = await failure(
      allocatePorts(input({ specs: parsePublish('8080:80'), taken: [{ hostIp: '127.0.0.1', hostPort: 8080, protocol: 'tcp' }] })),
    );
    expect(hasCode(err, 'conflict')).toBe(true);
    expect(err.message).toBe(
      `driver failed programming external connectivity on endpoint web (${'e'.repeat(64)}): Bind for 0.0.0.0:8080 failed: port is already allocated`,
    );
  });

  it('refuses a port a host process holds with Docker wording', async () => {
    const err = await failure(allocatePorts(input({ specs: parsePublish('127.0.0.1:8080:80'), probe: hostHeld([8080]) })));
    expect(hasCode(err, 'conflict')).toBe(true);
    expect(err.message).toMatch(/: Error starting userland proxy: listen tcp4 127\.0\.0\.1:8080: bind: address already in use$/);
  });

  it('does not confuse protocols', async () => {
    const r = await allocatePorts(
      input({ specs: parsePublish('8080:80/udp'), taken: [{ hostIp: '', hostPort: 8080, protocol: 'tcp' }], probe: hostHeld([8080]) }),
    );
    expect(r.mappings).toEqual([{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'udp' }]);
  });

  it('takes the first free port of a host range pool', async () => {
    const r = await allocatePorts(
      input({ specs: parsePublish('9000-9003:80'), taken: [{ hostIp: '', hostPort: 9000, protocol: 'tcp' }], probe: hostHeld([9001]) }),
    );
    expect(r.mappings[0]!.hostPort).toBe(9002);
  });

  it('refuses a pairwise range when one port of it is taken', async () => {
    const err = await failure(
      allocatePorts(input({ specs: parsePublish('9000-9002:9000-9002'), taken: [{ hostIp: '', hostPort: 9001, protocol: 'tcp' }] })),
    );
    expect(err.message).toMatch(/Bind for 0\.0\.0\.0:9001 failed: port is already allocated$/);
  });

  it('does not give the same picked port twice within one call', async () => {
    const r = await allocatePorts(input({ specs: parsePublish('80-83') }));
    expect(new Set(r.mappings.map((m) => m.hostPort)).size).toBe(4);
  });

  it('reports an exhausted range', async () => {
    const err = await failure(
      allocatePorts(input({ specs: parsePublish('80'), range: { start: 40000, end: 40001 }, probe: hostHeld([40000, 40001]) })),
    );
    expect(hasCode(err, 'unavailable')).toBe(true);
  });
});
