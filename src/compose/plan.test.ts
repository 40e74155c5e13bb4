import { describe, expect, it } from 'vitest';
import { Compose } from '../engine/labels.js';
import { createMemoryFs } from './fs.js';
import type { Project } from './model.js';
import {
  containerLabels,
  dependencyOrder,
  isEmptyPlan,
  oneOffContainerName,
  planUp,
  type ObservedContainer,
  type ObservedState,
  type Plan,
  type PlanOptions,
} from './plan.js';
import { loadProject } from './project.js';

const BASE = `
services:
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
    healthcheck:
      test: pg_isready
  web:
    build: .
    ports: ["8080:80"]
    depends_on:
      db:
        condition: service_healthy
  worker:
    image: busybox
    command: sleep 1000
    depends_on: [db]
volumes:
  data: {}
`;

function load(yaml: string, extra: Partial<Parameters<typeof loadProject>[0]> = {}): Project {
  const fs = createMemoryFs({ '/src/shop/compose.yaml': yaml });
  return loadProject({ cwd: '/src/shop', env: {}, fs, ...extra }).project!;
}

const IMAGES = { 'postgres:16': 'sha256:pg', 'shop-web': 'sha256:web', busybox: 'sha256:bb' };

/** The containers an applier would have after running `plan` (all started). */
function converge(project: Project, plan: Plan, before: readonly ObservedContainer[] = []): ObservedContainer[] {
  const out = new Map(before.map((c) => [c.id, c]));
  let id = before.length;
  for (const step of plan.services) {
    for (const a of step.actions) {
      if (a.kind === 'create') out.set(`id${++id}${'0'.repeat(60)}`, { id: `id${id}${'0'.repeat(60)}`, name: a.name, labels: a.labels, state: 'running' });
      if (a.kind === 'recreate') {
        out.delete(a.container.id);
        out.set(`id${++id}${'0'.repeat(60)}`, { id: `id${id}${'0'.repeat(60)}`, name: a.name, labels: a.labels, state: 'running' });
      }
      if (a.kind === 'remove') out.delete(a.container.id);
      if (a.kind === 'start' && a.container !== undefined) out.set(a.container.id, { ...a.container, state: 'running' });
    }
  }
  for (const o of plan.orphans) out.delete(o.container.id);
  void project;
  return [...out.values()];
}

function observedAfter(project: Project, plan: Plan, before: readonly ObservedContainer[] = []): ObservedState {
  return {
    containers: converge(project, plan, before),
    networks: Object.values(project.networks).map((n) => n.name),
    volumes: Object.values(project.volumes).map((v) => v.name),
    images: IMAGES,
  };
}

function actionsOf(plan: Plan): string[] {
  const out: string[] = [];
  for (const n of plan.networks) out.push(`create-network ${n.name}`);
  for (const v of plan.volumes) out.push(`create-volume ${v.name}`);
  for (const i of plan.images) out.push(i.kind === 'pull-image' ? `pull ${i.image}` : `build ${i.image}`);
  for (const s of plan.services) {
    for (const a of s.actions) {
      if (a.kind === 'create' || a.kind === 'start') out.push(`${a.kind} ${a.name}`);
      else if (a.kind === 'recreate') out.push(`recreate ${a.name}`);
      else out.push(`${a.kind} ${a.container.name}`);
    }
  }
  for (const o of plan.orphans) out.push(`remove-orphan ${o.container.name}`);
  return out;
}

function upTwice(yaml: string, opts: PlanOptions = {}): { project: Project; observed: ObservedState } {
  const project = load(yaml);
  const first = planUp(project, { containers: [], images: IMAGES }, opts);
  return { project, observed: observedAfter(project, first) };
}

describe('planUp', () => {
  it('creates networks, volumes, images and containers in dependency order on a first up', () => {
    const project = load(BASE);
    const plan = planUp(project, { containers: [] });
    expect(actionsOf(plan)).toEqual([
      'create-network shop_default',
      'create-volume shop_data',
      'pull postgres:16',
      'pull busybox',
      'build shop-web',
      'create shop-db-1',
      'start shop-db-1',
      'create shop-web-1',
      'start shop-web-1',
      'create shop-worker-1',
      'start shop-worker-1',
    ]);
    expect(plan.services.map((s) => s.service)).toEqual(['db', 'web', 'worker']);
    expect(plan.services[1]!.dependsOn).toEqual([{ service: 'db', condition: 'service_healthy', required: true, restart: false }]);
    expect(plan.services[2]!.dependsOn).toEqual([{ service: 'db', condition: 'service_started', required: true, restart: false }]);
  });

  it('labels containers as Compose v2 does', () => {
    const project = load(BASE);
    const plan = planUp(project, { containers: [], images: IMAGES });
    const web = plan.services.find((s) => s.service === 'web')!.actions[0]!;
    expect(web.kind).toBe('create');
    if (web.kind !== 'create') return;
    expect(web.labels).toMatchObject({
      [Compose.project]: 'shop',
      [Compose.service]: 'web',
      [Compose.containerNumber]: '1',
      [Compose.oneoff]: 'False',
      [Compose.workingDir]: '/src/shop',
      [Compose.configFiles]: '/src/shop/compose.yaml',
      [Compose.dependsOn]: 'db:service_healthy:false',
      [Compose.image]: 'sha256:web',
    });
    expect(web.labels[Compose.configHash]).toMatch(/^[0-9a-f]{64}$/);
    expect(web.labels[Compose.version]).toMatch(/^2\./);
  });

  it('yields no action on a second up with nothing changed', () => {
    const { project, observed } = upTwice(BASE);
    const plan = planUp(project, observed);
    expect(actionsOf(plan)).toEqual([]);
    expect(isEmptyPlan(plan)).toBe(true);
  });

  it('recreates a changed service and leaves the unchanged ones alone', () => {
    const { observed } = upTwice(BASE);
    const changed = load(BASE.replace('command: sleep 1000', 'command: sleep 2000'));
    const plan = planUp(changed, observed);
    expect(actionsOf(plan)).toEqual(['recreate shop-worker-1']);
    const rec = plan.services.find((s) => s.service === 'worker')!.actions[0]!;
    expect(rec.kind === 'recreate' && rec.reason).toBe('configuration changed');
    expect(rec.kind === 'recreate' && rec.tmpName).toMatch(/^id\d+0*_shop-worker-1$/);
    expect(rec.kind === 'recreate' && rec.labels[Compose.replace]).toBe('worker-1');
  });

  it('does not recreate for scale, depends_on, profiles or pull_policy changes (not in the hash)', () => {
    const { observed } = upTwice(BASE);
    const changed = load(BASE.replace('    depends_on: [db]\n', '    depends_on: [db]\n    pull_policy: always\n    profiles: [""]\n'));
    const plan = planUp(changed, observed, { skipImages: true });
    expect(actionsOf(plan)).toEqual([]);
  });

  it('recreates when the image the service resolves to changed', () => {
    const { project, observed } = upTwice(BASE);
    const plan = planUp(project, { ...observed, images: { ...IMAGES, busybox: 'sha256:newer' } });
    expect(actionsOf(plan)).toEqual(['recreate shop-worker-1']);
  });

  it('follows --force-recreate for the named service only, unless --always-recreate-deps', () => {
    const { project, observed } = upTwice(BASE);
    expect(actionsOf(planUp(project, observed, { services: ['web'], recreate: 'force' }))).toEqual(['recreate shop-web-1']);
    expect(actionsOf(planUp(project, observed, { services: ['web'], recreate: 'force', recreateDependencies: 'force' }))).toEqual([
      'recreate shop-db-1',
      'recreate shop-web-1',
    ]);
  });

  it('up -d web does not recreate a running unchanged dependency', () => {
    const { project, observed } = upTwice(BASE);
    const plan = planUp(project, observed, { services: ['web'] });
    expect(plan.services.map((s) => s.service)).toEqual(['db', 'web']);
    expect(actionsOf(plan)).toEqual([]);
  });

  it('--no-recreate keeps changed containers', () => {
    const { observed } = upTwice(BASE);
    const changed = load(BASE.replace('sleep 1000', 'sleep 5'));
    expect(actionsOf(planUp(changed, observed, { recreate: 'never', recreateDependencies: 'never' }))).toEqual([]);
  });

  it('--no-deps plans only the named services', () => {
    const plan = planUp(load(BASE), { containers: [], images: IMAGES }, { services: ['web'], noDeps: true });
    expect(plan.services.map((s) => s.service)).toEqual(['web']);
    expect(plan.services[0]!.dependsOn).toEqual([]);
  });

  it('scales up with the next numbers and down from the highest numbers', () => {
    const { project, observed } = upTwice(BASE);
    const up = planUp(project, observed, { scale: { worker: 3 } });
    expect(actionsOf(up)).toEqual(['create shop-worker-2', 'create shop-worker-3', 'start shop-worker-2', 'start shop-worker-3']);
    const three = observedAfter(project, up, observed.containers);
    const down = planUp(project, three, { scale: { worker: 1 } });
    expect(actionsOf(down)).toEqual(['remove shop-worker-3', 'remove shop-worker-2']);
    expect(actionsOf(planUp(project, three, { scale: { worker: 0 } }))).toEqual([
      'remove shop-worker-3',
      'remove shop-worker-2',
      'remove shop-worker-1',
    ]);
  });

  it('starts stopped containers and creates without starting with --no-start', () => {
    const { project, observed } = upTwice(BASE);
    const stopped = observed.containers.map((c) => (c.name === 'shop-worker-1' ? { ...c, state: 'exited' as const } : c));
    expect(actionsOf(planUp(project, { ...observed, containers: stopped }))).toEqual(['start shop-worker-1']);
    expect(actionsOf(planUp(project, { containers: [], images: IMAGES }, { noStart: true }))).toEqual([
      'create-network shop_default',
      'create-volume shop_data',
      'create shop-db-1',
      'create shop-web-1',
      'create shop-worker-1',
    ]);
  });

  it('finds orphans, warns without --remove-orphans and removes them with it', () => {
    const { observed } = upTwice(BASE);
    const without = load(BASE.replace(/  worker:[\s\S]*?depends_on: \[db\]\n/, ''));
    const warned = planUp(without, observed);
    expect(actionsOf(warned)).toEqual([]);
    expect(warned.warnings[0]).toContain('Found orphan containers ([shop-worker-1])');
    expect(actionsOf(planUp(without, observed, { removeOrphans: true }))).toEqual(['remove-orphan shop-worker-1']);
  });

  it('recreates services sharing the namespace of a recreated service and restarts restart:true dependents', () => {
    const yaml = `
services:
  app:
    image: busybox
    command: sleep 1
  side:
    image: busybox
    network_mode: service:app
  linked:
    image: busybox
    depends_on:
      app:
        condition: service_started
        restart: true
`;
    const { observed } = upTwice(yaml);
    const changed = load(yaml.replace('sleep 1', 'sleep 2'));
    expect(actionsOf(planUp(changed, observed))).toEqual(['recreate shop-app-1', 'restart shop-linked-1', 'recreate shop-side-1']);
  });

  it('refuses to scale a service with container_name', () => {
    const project = load('services:\n  a:\n    image: x\n    container_name: fixed\n');
    expect(() => planUp(project, { containers: [] }, { scale: { a: 2 } })).toThrow("can't set container_name and scale");
    expect(planUp(project, { containers: [] }).services[0]!.actions[0]).toMatchObject({ kind: 'create', name: 'fixed' });
  });

  it('pulls per policy and builds when the image is missing or asked', () => {
    const yaml = `
services:
  a: {image: alpine, pull_policy: always}
  b: {image: alpine}
  c: {image: gone, pull_policy: never}
  d: {build: ., pull_policy: build}
  e: {build: ., image: reg/e:1}
`;
    const project = load(yaml);
    const local = { containers: [], images: { alpine: 'sha256:a', 'reg/e:1': 'sha256:e' } };
    expect(actionsOf(planUp(project, local)).filter((a) => /^(pull|build)/.test(a))).toEqual(['pull alpine', 'build shop-d']);
    expect(actionsOf(planUp(project, local, { build: 'always' })).filter((a) => /^(pull|build)/.test(a))).toEqual([
      'pull alpine',
      'build shop-d',
      'build reg/e:1',
    ]);
    expect(actionsOf(planUp(project, { containers: [] }, { pull: 'never', build: 'never' })).filter((a) => /^(pull|build)/.test(a))).toEqual([]);
  });

  it('skips external networks and volumes and existing ones', () => {
    const project = load(`
services:
  a:
    image: x
    networks: [front, ext]
    volumes: [vol:/v, ev:/ev]
networks:
  front: {}
  ext: {external: true}
volumes:
  vol: {}
  ev: {external: true, name: shared}
`);
    expect(actionsOf(planUp(project, { containers: [], images: { x: 'sha256:x' } }))).toEqual([
      'create-network shop_front',
      'create-volume shop_vol',
      'create shop-a-1',
      'start shop-a-1',
    ]);
    const plan = planUp(project, { containers: [], networks: ['shop_front'], volumes: ['shop_vol'], images: { x: 'sha256:x' } });
    expect(plan.networks).toEqual([]);
    expect(plan.volumes).toEqual([]);
  });
});

describe('dependencyOrder', () => {
  it('orders dependencies first and rejects unknown services', () => {
    const project = load(BASE);
    expect(dependencyOrder(project)).toEqual(['db', 'web', 'worker']);
    expect(dependencyOrder(project, ['worker'])).toEqual(['db', 'worker']);
    expect(() => dependencyOrder(project, ['nope'])).toThrow('no such service: nope');
  });
});

describe('naming', () => {
  it('names one-off containers <project>-<service>-run-<12 hex>', () => {
    expect(oneOffContainerName('shop', 'web', 'abcdef0123456789abcdef')).toBe('shop-web-run-abcdef012345');
  });

  it('labels one-off containers without a number', () => {
    const project = load(BASE);
    const l = containerLabels(project, project.services.worker!, { oneoff: true, slug: 'f'.repeat(64) });
    expect(l[Compose.oneoff]).toBe('True');
    expect(l[Compose.containerNumber]).toBeUndefined();
    expect(l[Compose.slug]).toBe('f'.repeat(64));
  });
});
