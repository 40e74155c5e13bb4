import { describe, expect, it } from 'vitest';
import { applyResets, enforceUnicity, mergeRaw } from './merge.js';
import { parseVolumeSpec } from './volume-spec.js';

const svc = (s: Record<string, unknown>) => ({ services: { a: s } });

describe('mergeRaw', () => {
  it('deep-merges mappings and appends sequences', () => {
    expect(mergeRaw({ a: { b: 1, c: [1] } }, { a: { d: 2, c: [2] } })).toEqual({ a: { b: 1, d: 2, c: [1, 2] } });
  });

  it('replaces command, entrypoint and healthcheck.test', () => {
    const m = mergeRaw(svc({ command: ['a'], entrypoint: 'x', healthcheck: { test: ['CMD', 'a'], retries: 1 } }), svc({ command: ['b'], healthcheck: { test: 'b' } }));
    expect(m).toEqual(svc({ command: ['b'], entrypoint: 'x', healthcheck: { test: 'b', retries: 1 } }));
  });

  it('merges key/value sections as sequences then de-duplicates by key', () => {
    const m = enforceUnicity(mergeRaw(svc({ environment: { B: '1', A: '1' } }), svc({ environment: ['A=2', 'C'] })));
    expect(m).toEqual(svc({ environment: ['A=2', 'B=1', 'C'] }));
  });

  it('keeps ports unique by ip/published/target/protocol and volumes by target', () => {
    const m = enforceUnicity(
      mergeRaw(svc({ ports: ['80:80', { target: 81, published: '81' }], volumes: ['./a:/data', '/x'] }), svc({ ports: ['80:80', { target: 81, published: '81', protocol: 'tcp' }], volumes: ['./b:/data'] })),
    );
    expect(m).toEqual(svc({ ports: ['80:80', { target: 81, published: '81', protocol: 'tcp' }], volumes: ['./b:/data', '/x'] }));
  });

  it('merges depends_on and networks lists as mappings, build strings as {context}', () => {
    const m = mergeRaw(svc({ depends_on: ['db'], networks: ['front'], build: '.' }), svc({ depends_on: { cache: { condition: 'service_healthy' } }, networks: { back: { aliases: ['x'] } }, build: { target: 'prod' } }));
    expect(m).toEqual(
      svc({
        depends_on: { db: { condition: 'service_started', required: true }, cache: { condition: 'service_healthy' } },
        networks: { front: null, back: { aliases: ['x'] } },
        build: { context: '.', target: 'prod' },
      }),
    );
  });

  it('appends extra_hosts without duplicates and replaces a ulimit', () => {
    const m = mergeRaw(svc({ extra_hosts: ['a:1', 'b:2'], ulimits: { nofile: { soft: 1, hard: 2 } } }), svc({ extra_hosts: ['b:2', 'c:3'], ulimits: { nofile: 5 } }));
    expect(m).toEqual(svc({ extra_hosts: ['a:1', 'b:2', 'c:3'], ulimits: { nofile: 5 } }));
  });

  it('refuses to merge a mapping with a scalar', () => {
    expect(() => mergeRaw({ x: { a: 1 } }, { x: 'str' })).toThrow('cannot override x');
  });

  it('applyResets deletes the recorded mapping paths', () => {
    const m = { services: { a: { ports: [1], image: 'x' } } };
    applyResets(m, [['services', 'a', 'ports']]);
    expect(m).toEqual({ services: { a: { image: 'x' } } });
  });
});

describe('parseVolumeSpec', () => {
  it.each([
    ['data:/var/lib', { type: 'volume', source: 'data', target: '/var/lib', volume: {} }],
    ['./src:/app:ro', { type: 'bind', source: './src', target: '/app', read_only: true, bind: { create_host_path: true } }],
    ['/anon', { type: 'volume', target: '/anon', volume: {} }],
    ['${X}:/t:rw', { type: 'volume', source: '${X}', target: '/t', read_only: false, volume: {} }],
    ['C:\\dir:/t', { type: 'bind', source: 'C:\\dir', target: '/t', bind: { create_host_path: true } }],
  ])('%s', (spec, want) => {
    expect(parseVolumeSpec(spec)).toEqual(want);
  });

  it('rejects too many colons and empty sections', () => {
    expect(() => parseVolumeSpec('/a:/b:ro:x')).toThrow('invalid spec: /a:/b:ro:x: too many colons');
    expect(() => parseVolumeSpec('/a::/b')).toThrow('empty section between colons');
  });
});
