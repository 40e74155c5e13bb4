/**
 * `compose up`/`pull` with images from a real registry (Debian's docker-registry on 127.0.0.1): pulls when the image
 * is missing, `pull_policy: never` refuses a missing image, `compose pull` shows the layer lines, `push` sends a
 * built image back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchFiles } from '../helpers/scratch.js';
import { canRunContainers, makeCtrEnv, type CtrEnv } from '../containers/helpers.js';
import { busyboxImage, pushFixture } from '../helpers/image-fixtures.js';
import { hasRegistryBinary, startRegistry, type TestRegistry } from '../helpers/registry.js';

let env: CtrEnv;
let registry: TestRegistry;

const project = (name: string, yaml: string, files: Record<string, string> = {}): string =>
  scratchFiles('nerdctl-compose-pull-', name, { 'compose.yaml': yaml, ...files });

describe.skipIf(!canRunContainers || !hasRegistryBinary())('compose with a registry', () => {
  beforeAll(async () => {
    env = await makeCtrEnv({ image: false });
    registry = await startRegistry();
    await pushFixture(registry.host, 'lib/bb', '1', await busyboxImage({ Cmd: ['sh'] }));
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    expect(await env.cleanup()).toEqual([]);
  }, 120_000);

  it('pulls a missing image on up, refuses it with pull_policy never, and pulls with compose pull', async () => {
    const image = `${registry.host}/lib/bb:1`;
    const never = project('never', `services:\n  a:\n    image: ${image}\n    pull_policy: never\n    network_mode: none\n    command: [sleep, "300"]\n`);
    const r0 = await env.run(['compose', 'up', '-d'], { cwd: never });
    expect(r0.code).toBe(1);
    expect(r0.stderr).toMatch(/Error: service "a": .*(No such image|not found)/i);
    expect((await env.ok(['ps', '-aq'])).trim()).toBe('');

    const dir = project('pulled', `services:\n  a:\n    image: ${image}\n    init: true\n    network_mode: none\n    command: [sleep, "300"]\n`);
    const up = await env.run(['compose', 'up', '-d'], { cwd: dir });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain(' a  Pulling');
    expect(up.stderr).toContain(' a  Pulled');
    expect(up.stderr).toMatch(/ [0-9a-f]{12}  Pull complete/);
    expect((await env.ok(['inspect', '-f', '{{.Config.Image}}', 'pulled-a-1'])).trim()).toBe(image);

    const pull = await env.run(['compose', 'pull'], { cwd: dir });
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stderr).toContain(' a  Pulled');
    await env.ok(['compose', 'down', '-t', '0'], { cwd: dir });
  });

  it('builds and pushes a service image', async () => {
    const image = `${registry.host}/app/web:2`;
    const dir = project('pushed', `services:\n  web:\n    image: ${image}\n    build: ./app\n`, {
      'app/Dockerfile': `FROM ${registry.host}/lib/bb:1\nRUN echo built > /built\n`,
    });
    const build = await env.run(['compose', 'build'], { cwd: dir });
    expect(build.code, build.stderr).toBe(0);
    expect(build.stderr).toContain(' Service web  Built');
    const push = await env.run(['compose', 'push'], { cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain(` Image ${image}  Pushed`);
    const res = await fetch(`${registry.url}/v2/app/web/tags/list`);
    expect(((await res.json()) as { tags: string[] }).tags).toEqual(['2']);
  });
});
