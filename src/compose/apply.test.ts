import { describe, expect, it } from 'vitest';
import { buildRequest, networkCreateOptions } from './apply.js';
import { dependencyWaves } from './down.js';
import { createMemoryFs } from './fs.js';
import type { Project } from './model.js';
import { shortName } from './observe.js';
import { loadProject } from './project.js';

function load(yaml: string): Project {
  const fs = createMemoryFs({ '/src/shop/compose.yaml': yaml, '/src/shop/app/Dockerfile': 'FROM busybox\n' });
  return loadProject({ cwd: '/src/shop', env: { TAG: 'v2' }, fs }).project!;
}

describe('networkCreateOptions', () => {
  it('maps driver, subnets, gateways, ranges, internal, ipv6, labels and driver options', () => {
    const p = load(`
services: {a: {image: busybox, networks: [back]}}
networks:
  back:
    driver: bridge
    internal: true
    enable_ipv6: true
    driver_opts: {com.docker.network.driver.mtu: "1400"}
    ipam:
      config:
        - {subnet: 172.28.0.0/16, gateway: 172.28.0.1, ip_range: 172.28.5.0/24}
`);
    expect(networkCreateOptions(p, 'back', p.networks.back!, { l: '1' })).toEqual({
      name: 'shop_back',
      driver: 'bridge',
      subnets: ['172.28.0.0/16'],
      gateways: ['172.28.0.1'],
      ipRanges: ['172.28.5.0/24'],
      internal: true,
      ipv6: true,
      labels: { l: '1' },
      options: { 'com.docker.network.driver.mtu': '1400' },
    });
  });

  it('refuses IPAM settings it cannot honour', () => {
    const p = load(`
services: {a: {image: busybox, networks: [back]}}
networks:
  back:
    ipam: {config: [{subnet: 10.5.0.0/16, aux_addresses: {host1: 10.5.0.5}}]}
`);
    expect(() => networkCreateOptions(p, 'back', p.networks.back!, {})).toThrow('networks.back.ipam.config.0.aux_addresses: not supported by nerdctl compose');
  });
});

describe('buildRequest', () => {
  it('tags the build with the image name and drops null args', () => {
    const p = load(`
services:
  web:
    image: shop/web:\${TAG}
    build:
      context: ./app
      args: {A: "1", UNSET: null}
      target: prod
      labels: {x: y}
      tags: [extra:1]
`);
    expect(buildRequest(p, p.services.web!, { args: { B: '2' } })).toEqual({
      service: 'web',
      context: '/src/shop/app',
      dockerfile: 'Dockerfile',
      tags: ['shop/web:v2', 'extra:1'],
      args: { A: '1', B: '2' },
      target: 'prod',
      labels: { x: 'y' },
      noCache: false,
      pull: false,
      extraHosts: [],
      quiet: false,
    });
  });

  it('names an untagged build <project>-<service>', () => {
    const p = load(`services: {web: {build: ./app}}`);
    expect(buildRequest(p, p.services.web!).tags).toEqual(['shop-web']);
  });
});

describe('dependencyWaves', () => {
  const c = (service: string, deps = '') => ({ labels: { 'com.docker.compose.service': service, 'com.docker.compose.depends_on': deps } });

  it('orders services after their dependencies, from labels', () => {
    expect(dependencyWaves([c('web', 'api:service_started:false'), c('api', 'db:service_healthy:false'), c('db'), c('cache')])).toEqual([['cache', 'db'], ['api'], ['web']]);
  });

  it('prefers the loaded model over labels', () => {
    const p = load(`services: {db: {image: x}, web: {image: x, depends_on: [db]}}`);
    expect(dependencyWaves([c('web'), c('db')], p)).toEqual([['db'], ['web']]);
  });
});

describe('shortName', () => {
  it('drops the project for default names and keeps container_name', () => {
    const l = (n?: string) => ({ 'com.docker.compose.project': 'p', 'com.docker.compose.service': 'web', ...(n ? { 'com.docker.compose.container-number': n } : {}) });
    expect(shortName({ name: 'p-web-2', labels: l('2') })).toBe('web-2');
    expect(shortName({ name: 'custom', labels: l('1') })).toBe('custom');
    expect(shortName({ name: 'p-web-run-0123456789ab', labels: { ...l(), 'com.docker.compose.oneoff': 'True' } })).toBe('web-run-0123456789ab');
  });
});

describe('limiter', () => {
  it('runs at most n calls at once and all of them eventually', async () => {
    const { limiter } = await import('./apply.js');
    let running = 0;
    let peak = 0;
    const task = limiter(2)(async (x: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return x * 2;
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map(task))).toEqual([2, 4, 6, 8, 10]);
    expect(peak).toBe(2);
    const free = limiter(undefined)(async (x: number) => x);
    expect(await free(3)).toBe(3);
  });
});

describe('buildRequest refusals', () => {
  it.each([
    ['ssh: [default]', 'services.web.build.ssh: not supported by nerdctl compose'],
    ['additional_contexts: {x: ./x}', 'services.web.build.additional_contexts: not supported'],
    ['platforms: [linux/amd64, linux/arm64]', 'services.web.build.platforms: only the host platform can be built'],
  ])('refuses %s', (line, msg) => {
    const p = load(`services:\n  web:\n    build:\n      context: ./app\n      ${line}\n`);
    expect(() => buildRequest(p, p.services.web!)).toThrow(msg);
  });

  it('accepts cache_from (a cache hint; the builder keeps its own cache)', () => {
    const p = load(`services:\n  web:\n    build:\n      context: ./app\n      cache_from: [x]\n`);
    expect(buildRequest(p, p.services.web!).tags).toEqual(['shop-web']);
  });
});
