import { describe, expect, it } from 'vitest';
import { parseNetworkModes } from './network-mode.js';

describe('parseNetworkModes', () => {
  it.each([
    [[], { mode: 'cni', networks: ['bridge'] }],
    [['default'], { mode: 'cni', networks: ['bridge'] }],
    [['a', 'b', 'a'], { mode: 'cni', networks: ['a', 'b'] }],
    [['none'], { mode: 'none' }],
    [['host'], { mode: 'host' }],
    [['container:web'], { mode: 'container', container: 'web' }],
    [['ns:/var/run/netns/x'], { mode: 'ns', path: '/var/run/netns/x' }],
  ])('parses %j', (values, want) => {
    expect(parseNetworkModes(values)).toEqual(want);
  });

  it.each([[['host', 'a']], [['none', 'bridge']], [['container:x', 'container:y']]])('refuses %j', (values) => {
    expect(() => parseNetworkModes(values)).toThrow(
      'conflicting options: cannot attach both user-defined and non-user-defined network-modes',
    );
  });

  it('refuses an empty container reference', () => {
    expect(() => parseNetworkModes(['container:'])).toThrow(/container name or ID missing/);
  });
});
