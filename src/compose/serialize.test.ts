import { describe, expect, it } from 'vitest';
import { createMemoryFs } from './fs.js';
import { listHashes, serviceConfigHash, serviceHashInput } from './hash.js';
import type { Project } from './model.js';
import { loadProject } from './project.js';
import { formatProject, formatRawModel, listImages, listNetworks, listProfiles, listServices, listVolumes } from './serialize.js';

const WEB_DB_WORKER = `
name: shop
services:
  web:
    build:
      context: ./web
      args:
        NODE_ENV: production
    ports:
      - "8080:80"
    environment:
      DATABASE_URL: postgres://shop:\${DB_PASSWORD}@db/shop
      DEBUG: "false"
    depends_on:
      db:
        condition: service_healthy
    networks: [front, back]
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost"]
      interval: 30s
      timeout: 5s
      retries: 3
      start_period: 1m30s
    restart: unless-stopped
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: \${DB_PASSWORD}
    volumes:
      - dbdata:/var/lib/postgresql/data
    networks: [back]
    healthcheck:
      test: pg_isready -U shop
      interval: 10s
    stop_grace_period: 1m
  worker:
    image: shop-worker:latest
    command: python -m worker --queue default
    env_file: worker.env
    depends_on: [db]
    networks: [back]
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 256M}
    profiles: [jobs]
networks:
  front: {}
  back: {internal: true}
volumes:
  dbdata: {}
`;

function loadShop(profiles: string[] = ['jobs']): Project {
  const fs = createMemoryFs({ '/srv/shop/compose.yaml': WEB_DB_WORKER, '/srv/shop/.env': 'DB_PASSWORD=s3cret\n', '/srv/shop/worker.env': 'QUEUE=default\n' });
  return loadProject({ cwd: '/srv/shop', env: {}, fs, profiles }).project!;
}

const EXPECTED_YAML = `name: shop
services:
  db:
    environment:
      POSTGRES_PASSWORD: s3cret
    healthcheck:
      test:
        - CMD-SHELL
        - pg_isready -U shop
      interval: 10s
    image: postgres:16
    networks:
      back: null
    stop_grace_period: 1m0s
    volumes:
      - type: volume
        source: dbdata
        target: /var/lib/postgresql/data
        volume: {}
  web:
    build:
      context: /srv/shop/web
      dockerfile: Dockerfile
      args:
        NODE_ENV: production
    depends_on:
      db:
        condition: service_healthy
        required: true
    environment:
      DATABASE_URL: postgres://shop:s3cret@db/shop
      DEBUG: "false"
    healthcheck:
      test:
        - CMD
        - wget
        - -qO-
        - http://localhost
      timeout: 5s
      interval: 30s
      retries: 3
      start_period: 1m30s
    networks:
      back: null
      front: null
    ports:
      - mode: ingress
        target: 80
        published: "8080"
        protocol: tcp
    restart: unless-stopped
  worker:
    profiles:
      - jobs
    command:
      - python
      - -m
      - worker
      - --queue
      - default
    depends_on:
      db:
        condition: service_started
        required: true
    deploy:
      replicas: 2
      resources:
        limits:
          cpus: 0.5
          memory: "268435456"
    environment:
      QUEUE: default
    image: shop-worker:latest
    networks:
      back: null
networks:
  back:
    name: shop_back
    internal: true
  front:
    name: shop_front
volumes:
  dbdata:
    name: shop_dbdata
`;

describe('formatProject', () => {
  it('prints a web + db + worker project as docker compose config does', () => {
    expect(formatProject(loadShop())).toBe(EXPECTED_YAML);
  });

  it('prints JSON with sorted top-level keys, null command/entrypoint and Go escaping', () => {
    const json = formatProject(loadShop(), 'json');
    const parsed = JSON.parse(json);
    expect(Object.keys(parsed)).toEqual(['name', 'networks', 'services', 'volumes']);
    expect(parsed.services.db.command).toBeNull();
    expect(parsed.services.db.entrypoint).toBeNull();
    expect(parsed.services.web.ports).toEqual([{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }]);
    expect(parsed.services.web.healthcheck.start_period).toBe('1m30s');
    expect(json).toContain('\n  "name": "shop",\n');
    const fs = createMemoryFs({ '/p/compose.yaml': 'services:\n  a:\n    image: x\n    command: ["a && b <c>"]\n' });
    const amp = formatProject(loadProject({ cwd: '/p', env: {}, fs }).project!, 'json');
    expect(amp).toContain('"a \\u0026\\u0026 b \\u003cc\\u003e"');
  });

  it('quotes strings that would read as other types and prints empty collections inline', () => {
    const fs = createMemoryFs({
      '/p/compose.yaml': 'services:\n  a:\n    image: x\n    labels: {a: "123", b: "true", c: "", d: "null"}\n    entrypoint: []\n',
    });
    const out = formatProject(loadProject({ cwd: '/p', env: {}, fs }).project!);
    expect(out).toContain('    entrypoint: []\n');
    expect(out).toContain('      a: "123"\n      b: "true"\n      c: ""\n      d: "null"\n');
  });

  it('prints the raw model for --no-interpolate with keys sorted', () => {
    const fs = createMemoryFs({ '/p/compose.yaml': 'services:\n  a:\n    image: "${IMG}"\n    command: echo\n' });
    const r = loadProject({ cwd: '/p', env: {}, fs, interpolate: false });
    expect(formatRawModel(r.model)).toBe(
      'name: p\nnetworks:\n  default:\n    name: p_default\nservices:\n  a:\n    command: echo\n    image: ${IMG}\n    networks:\n      default: null\n',
    );
  });

  it('keeps short syntaxes holding variables as written without interpolation', () => {
    const fs = createMemoryFs({ '/p/compose.yaml': 'services:\n  a:\n    image: x\n    ports: ["${P}:80", "90:90"]\n    volumes: ["${SRC}:/data"]\n' });
    const r = loadProject({ cwd: '/p', env: {}, fs, interpolate: false });
    const a = (r.model.services as Record<string, Record<string, unknown>>).a!;
    expect(a.ports).toEqual(['${P}:80', { mode: 'ingress', target: 90, published: '90', protocol: 'tcp' }]);
    expect(a.volumes).toEqual(['${SRC}:/data']);
  });
});

describe('map key order', () => {
  it('sorts Go maps like go-yaml in YAML and bytewise in JSON', () => {
    const fs = createMemoryFs({ '/p/compose.yaml': 'services:\n  a:\n    image: x\n    environment: {VAR10: a, VAR2: b, VAR1: c, Z: d, _x: e}\n' });
    const p = loadProject({ cwd: '/p', env: {}, fs }).project!;
    // letters sort after other characters unless they follow a digit
    expect(formatProject(p)).toContain('    environment:\n      _x: e\n      VAR1: c\n      VAR2: b\n      VAR10: a\n      Z: d\n');
    expect(Object.keys(JSON.parse(formatProject(p, 'json')).services.a.environment)).toEqual(['VAR1', 'VAR10', 'VAR2', 'Z', '_x']);
  });
});

describe('listings', () => {
  it('lists services in dependency order, volumes, networks, images and profiles', () => {
    const p = loadShop();
    expect(listServices(p)).toEqual(['db', 'web', 'worker']);
    expect(listVolumes(p)).toEqual(['dbdata']);
    expect(listNetworks(p)).toEqual(['back', 'front']);
    expect(listImages(p)).toEqual(['postgres:16', 'shop-web', 'shop-worker:latest']);
    expect(listProfiles(loadShop([]))).toEqual(['jobs']);
    expect(listServices(loadShop([]))).toEqual(['db', 'web']);
  });
});

describe('service config hash', () => {
  it('is stable and ignores build, pull_policy, scale, replicas, depends_on and profiles', () => {
    const a = loadShop().services.worker!;
    expect(serviceConfigHash(a)).toBe(serviceConfigHash(structuredClone(a)));
    const ignored = { ...a, pull_policy: 'always', scale: 5, depends_on: {}, profiles: ['x'], deploy: { ...a.deploy, replicas: 9 }, build: { context: '/x' } };
    expect(serviceConfigHash(ignored)).toBe(serviceConfigHash(a));
    expect(serviceHashInput(a)).not.toContain('replicas');
    expect(serviceHashInput(a)).not.toContain('profiles');
  });

  it('changes with what reaches the container', () => {
    const a = loadShop().services.worker!;
    const h = serviceConfigHash(a);
    expect(serviceConfigHash({ ...a, command: ['other'] })).not.toBe(h);
    expect(serviceConfigHash({ ...a, environment: { QUEUE: 'x' } })).not.toBe(h);
    expect(serviceConfigHash({ ...a, image: 'shop-worker:2' })).not.toBe(h);
    expect(serviceConfigHash({ ...a, deploy: { ...a.deploy, resources: { limits: { cpus: 1 } } } })).not.toBe(h);
  });

  it('prints --hash lines', () => {
    const p = loadShop();
    const lines = listHashes(p, '*');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['db', 'web', 'worker']);
    expect(lines[0]).toMatch(/^db [0-9a-f]{64}$/);
    expect(listHashes(p, 'web')).toEqual([lines[1]]);
    expect(() => listHashes(p, 'nope')).toThrow('no such service: nope');
  });
});
