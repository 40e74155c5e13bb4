import { describe, expect, it } from 'vitest';
import { CniPluginError, classifyPluginFailure, pluginStdinConfig, sandboxAddresses } from './exec.js';

describe('pluginStdinConfig', () => {
  const list = { cniVersion: '1.0.0', name: 'net1' };

  it('injects runtimeConfig only for declared capabilities, and the previous result', () => {
    const conf = pluginStdinConfig(
      list,
      { type: 'portmap', capabilities: { portMappings: true, aliases: false } },
      { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], aliases: ['x'], mac: 'm' },
      { cniVersion: '1.0.0', ips: [] },
    );
    expect(conf).toEqual({
      type: 'portmap',
      capabilities: { portMappings: true, aliases: false },
      cniVersion: '1.0.0',
      name: 'net1',
      runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
      prevResult: { cniVersion: '1.0.0', ips: [] },
    });
  });

  it('sends no runtimeConfig or prevResult when there is nothing to send', () => {
    const conf = pluginStdinConfig(list, { type: 'bridge', bridge: 'nt0' }, { portMappings: [] }, undefined);
    expect(conf).toEqual({ type: 'bridge', bridge: 'nt0', cniVersion: '1.0.0', name: 'net1' });
  });
});

describe('plugin errors', () => {
  it.each([
    ['failed to allocate for range 0: requested IP address 10.4.0.5 is not available in range set 10.4.0.1-10.4.0.254', 999, 'conflict'],
    ['failed to allocate for range 0: no IP addresses available in range set: 10.4.0.1-10.4.0.3', 999, 'unavailable'],
    ['busy', 11, 'unavailable'],
    ['failed to set bridge addr: could not add IP address', 999, 'failed-precondition'],
  ] as const)('classifies %s', (msg, code, want) => {
    expect(classifyPluginFailure({ code, msg })).toBe(want);
  });

  it('renders one line with the plugin and command', () => {
    const e = new CniPluginError('bridge', 'ADD', { code: 999, msg: 'line one\nline two' }, '');
    expect(e.message).toBe('plugin bridge failed (add): line one; line two');
    expect(e.code).toBe('failed-precondition');
  });
});

describe('sandboxAddresses', () => {
  it('picks the container interface and its addresses', () => {
    expect(
      sandboxAddresses(
        {
          cniVersion: '1.0.0',
          interfaces: [
            { name: 'nt0', mac: 'aa:aa:aa:aa:aa:aa' },
            { name: 'veth1', mac: 'bb:bb:bb:bb:bb:bb' },
            { name: 'eth0', mac: '02:42:0a:04:00:02', sandbox: '/var/run/netns/x' },
          ],
          ips: [
            { interface: 2, address: '10.4.0.2/24', gateway: '10.4.0.1' },
            { interface: 2, address: 'fd00::2/64', gateway: 'fd00::1' },
          ],
        },
        'eth0',
      ),
    ).toEqual({
      mac: '02:42:0a:04:00:02',
      ipv4: { address: '10.4.0.2', prefixLength: 24, gateway: '10.4.0.1' },
      ipv6: { address: 'fd00::2', prefixLength: 64, gateway: 'fd00::1' },
    });
  });
});
