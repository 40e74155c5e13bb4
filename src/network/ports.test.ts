import { describe, expect, it } from 'vitest';
import { hasCode } from '../engine/errdefs.js';
import {
  formatPortMapping,
  formatPortMappingShort,
  hostBindingsOverlap,
  parseExpose,
  parseExposedPortKey,
  parsePublish,
  publishAllSpecs,
} from './ports.js';

describe('parsePublish', () => {
  it.each([
    ['8080:80', [{ hostIp: '', hostPort: { start: 8080, end: 8080 }, containerPort: 80, protocol: 'tcp' }]],
    ['127.0.0.1:8080:80', [{ hostIp: '127.0.0.1', hostPort: { start: 8080, end: 8080 }, containerPort: 80, protocol: 'tcp' }]],
    ['8080:80/udp', [{ hostIp: '', hostPort: { start: 8080, end: 8080 }, containerPort: 80, protocol: 'udp' }]],
    ['8080:80/SCTP', [{ hostIp: '', hostPort: { start: 8080, end: 8080 }, containerPort: 80, protocol: 'sctp' }]],
    ['[::1]:8080:80', [{ hostIp: '::1', hostPort: { start: 8080, end: 8080 }, containerPort: 80, protocol: 'tcp' }]],
    ['::1:8080:80', [{ hostIp: '::1', hostPort: { start: 8080, end: 8080 }, containerPort: 80, protocol: 'tcp' }]],
    ['80', [{ hostIp: '', containerPort: 80, protocol: 'tcp' }]],
    ['127.0.0.1::80', [{ hostIp: '127.0.0.1', containerPort: 80, protocol: 'tcp' }]],
    [':80/udp', [{ hostIp: '', containerPort: 80, protocol: 'udp' }]],
    ['0:80', [{ hostIp: '', containerPort: 80, protocol: 'tcp' }]],
    ['8000-8010:80', [{ hostIp: '', hostPort: { start: 8000, end: 8010 }, containerPort: 80, protocol: 'tcp' }]],
  ])('parses %s', (spec, want) => {
    expect(parsePublish(spec)).toEqual(want);
  });

  it('maps equal ranges pairwise', () => {
    expect(parsePublish('8000-8002:9000-9002')).toEqual([
      { hostIp: '', hostPort: { start: 8000, end: 8000 }, containerPort: 9000, protocol: 'tcp' },
      { hostIp: '', hostPort: { start: 8001, end: 8001 }, containerPort: 9001, protocol: 'tcp' },
      { hostIp: '', hostPort: { start: 8002, end: 8002 }, containerPort: 9002, protocol: 'tcp' },
    ]);
  });

  it('gives each port of a bare container range its own picked host port', () => {
    expect(parsePublish('7000-7001/udp')).toEqual([
      { hostIp: '', containerPort: 7000, protocol: 'udp' },
      { hostIp: '', containerPort: 7001, protocol: 'udp' },
    ]);
  });

  it.each([
    ['8000-8001:80-82', 'invalid ranges specified for container and host Ports: 80-82 and 8000-8001'],
    ['8080:80/foo', 'invalid proto: foo'],
    ['8080:', 'no port specified: 8080:<empty>'],
    ['8080:abc', 'invalid containerPort: abc'],
    ['8080:0', 'invalid containerPort: 0'],
    ['x:80', 'invalid hostPort: x'],
    ['70000:80', 'invalid hostPort: 70000'],
    ['1.2.3:8080:80', 'invalid IP address: 1.2.3'],
    ['8002-8000:80', 'invalid hostPort: 8002-8000'],
  ])('rejects %s with Docker wording', (spec, msg) => {
    let err: unknown;
    try {
      parsePublish(spec);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toBe(msg);
  });
});

describe('parseExpose and publishAllSpecs', () => {
  it('accepts ranges and protocols', () => {
    expect(parseExpose('8000-8002/udp')).toEqual([
      { port: 8000, protocol: 'udp' },
      { port: 8001, protocol: 'udp' },
      { port: 8002, protocol: 'udp' },
    ]);
    expect(parseExpose('80')).toEqual([{ port: 80, protocol: 'tcp' }]);
  });

  it('rejects host mappings in --expose', () => {
    expect(() => parseExpose('8080:80')).toThrow('invalid port format for --expose: 8080:80');
    expect(() => parseExpose('abc')).toThrow('invalid range format for --expose: abc');
  });

  it('parses image ExposedPorts keys', () => {
    expect(parseExposedPortKey('53/udp')).toEqual({ port: 53, protocol: 'udp' });
    expect(parseExposedPortKey('nope')).toBeUndefined();
  });

  it('publishes image and --expose ports once each, skipping explicit ones', () => {
    const explicit = parsePublish('8080:80');
    const specs = publishAllSpecs(['80/tcp', '53/udp', '53/udp', '9000-9001'], explicit);
    expect(specs).toEqual([
      { hostIp: '', containerPort: 53, protocol: 'udp' },
      { hostIp: '', containerPort: 9000, protocol: 'tcp' },
      { hostIp: '', containerPort: 9001, protocol: 'tcp' },
    ]);
  });
});

describe('formatting and overlap', () => {
  it('formats like docker port and docker ps', () => {
    expect(formatPortMapping({ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' })).toBe(
      '80/tcp -> 0.0.0.0:8080',
    );
    expect(formatPortMapping({ hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'udp' })).toBe(
      '80/udp -> [::1]:8080',
    );
    expect(formatPortMappingShort({ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' })).toBe(
      '127.0.0.1:8080->80/tcp',
    );
  });

  it.each([
    [{ hostIp: '', hostPort: 80, protocol: 'tcp' }, { hostIp: '127.0.0.1', hostPort: 80, protocol: 'tcp' }, true],
    [{ hostIp: '127.0.0.1', hostPort: 80, protocol: 'tcp' }, { hostIp: '127.0.0.2', hostPort: 80, protocol: 'tcp' }, false],
    [{ hostIp: '', hostPort: 80, protocol: 'tcp' }, { hostIp: '', hostPort: 80, protocol: 'udp' }, false],
    [{ hostIp: '0.0.0.0', hostPort: 81, protocol: 'udp' }, { hostIp: '::', hostPort: 81, protocol: 'udp' }, true],
  ] as const)('overlap %j %j -> %s', (a, b, want) => {
    expect(hostBindingsOverlap(a, b)).toBe(want);
  });
});
