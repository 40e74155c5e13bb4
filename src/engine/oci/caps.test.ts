import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import {
  DEFAULT_CAPABILITIES,
  KNOWN_CAPABILITIES,
  capabilitiesFromMask,
  effectiveCapabilities,
  normalizeCapabilities,
  normalizeCapability,
} from './caps.js';

// This machine's CapBnd: everything up to CAP_CHECKPOINT_RESTORE except CAP_SYS_RESOURCE.
const hostWithoutSysResource = capabilitiesFromMask('000001fffeffffff');

describe('capabilitiesFromMask', () => {
  it('reads the bits of a /proc status mask', () => {
    expect(capabilitiesFromMask('0000000000000001')).toEqual(['CAP_CHOWN']);
    expect(capabilitiesFromMask('0000000000000000')).toEqual([]);
    expect(hostWithoutSysResource).toHaveLength(40);
    expect(hostWithoutSysResource).not.toContain('CAP_SYS_RESOURCE');
    expect(capabilitiesFromMask('000001ffffffffff')).toEqual([...KNOWN_CAPABILITIES]);
  });
});

describe('normalizeCapability', () => {
  it.each([
    ['net_admin', 'CAP_NET_ADMIN'],
    ['CAP_NET_ADMIN', 'CAP_NET_ADMIN'],
    ['cap_sys_admin', 'CAP_SYS_ADMIN'],
    [' kill ', 'CAP_KILL'],
    ['all', 'ALL'],
    ['ALL', 'ALL'],
  ])('%j -> %s', (value, name) => {
    expect(normalizeCapability(value)).toBe(name);
  });

  it('refuses unknown names with Docker\'s message', () => {
    let err: unknown;
    try {
      normalizeCapability('foo');
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe('unknown capability: "CAP_FOO"');
    expect(hasCode(err, 'invalid-argument')).toBe(true);
  });

  it('drops duplicates in a list', () => {
    expect(normalizeCapabilities(['net_admin', 'CAP_NET_ADMIN', 'kill'])).toEqual(['CAP_NET_ADMIN', 'CAP_KILL']);
  });
});

describe('effectiveCapabilities', () => {
  const host = hostWithoutSysResource;
  const eff = (add: string[], drop: string[], privileged = false) =>
    effectiveCapabilities({ privileged, add: normalizeCapabilities(add), drop: normalizeCapabilities(drop) }, host);

  it('gives Docker\'s 14 defaults', () => {
    expect(eff([], [])).toEqual(DEFAULT_CAPABILITIES);
    expect(DEFAULT_CAPABILITIES).toHaveLength(14);
  });

  it('adds and drops, case-insensitively and with or without CAP_', () => {
    const caps = eff(['net_admin', 'CAP_SYS_PTRACE'], ['mknod', 'CAP_NET_RAW']);
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).toContain('CAP_SYS_PTRACE');
    expect(caps).not.toContain('CAP_MKNOD');
    expect(caps).not.toContain('CAP_NET_RAW');
    expect(caps).toHaveLength(14);
  });

  it('lets an add win over a drop of the same capability', () => {
    expect(eff(['chown'], ['chown'])).toContain('CAP_CHOWN');
  });

  it('--cap-drop ALL keeps only the added ones', () => {
    expect(eff(['net_bind_service'], ['all'])).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(eff([], ['ALL'])).toEqual([]);
  });

  it('--cap-add ALL gives every host capability except dropped ones', () => {
    const caps = eff(['ALL'], ['sys_admin']);
    expect(caps).toHaveLength(host.length - 1);
    expect(caps).not.toContain('CAP_SYS_ADMIN');
    expect(caps).not.toContain('CAP_SYS_RESOURCE');
  });

  it('--privileged gives what the host has, not every known capability', () => {
    const caps = eff([], [], true);
    expect(caps).toEqual(host);
    expect(caps).not.toContain('CAP_SYS_RESOURCE');
  });

  it('refuses to add a capability the host lacks', () => {
    expect(() => eff(['sys_resource'], [])).toThrow(
      'capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"',
    );
  });

  it('narrows the defaults to the host set', () => {
    const caps = effectiveCapabilities({ privileged: false, add: [], drop: [] }, ['CAP_CHOWN', 'CAP_KILL']);
    expect(caps).toEqual(['CAP_CHOWN', 'CAP_KILL']);
  });
});
