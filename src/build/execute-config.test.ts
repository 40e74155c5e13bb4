import { describe, expect, it } from 'vitest';
import type { ImageConfigFile } from '../engine/images/manifest.js';
import { MediaTypes, type Descriptor } from '../engine/remotes/types.js';
import { parseDockerfile } from './dockerfile/parse.js';
import {
  addHistory,
  applyMetadata,
  configFile,
  currentShell,
  forkConfigState,
  initialConfigState,
  layersFor,
  manifestFormat,
  manifestOf,
  normalizeRuntimeConfig,
  type ConfigState,
} from './execute-config.js';
import { planBuild } from './plan.js';
import { createStageEnvironment, type ResolvedInstruction } from './stage-env.js';

const base: ImageConfigFile = {
  architecture: 'amd64',
  os: 'linux',
  created: '2024-01-01T00:00:00Z',
  author: 'base author',
  config: {
    Hostname: '',
    Env: ['PATH=/bin'],
    Cmd: ['sh'],
    OnBuild: ['RUN echo trigger'],
    Labels: { z: '1', a: '2' },
    Volumes: null,
    AttachStdin: false,
  },
  rootfs: { type: 'layers', diff_ids: [] },
  history: [{ created: '2024-01-01T00:00:00Z', created_by: 'base' }],
};

/** Applies the metadata instructions of a one-stage Dockerfile to `start` and returns the state. */
function run(dockerfile: string, start: ConfigState = initialConfigState(base, { architecture: 'amd64', os: 'linux' })): { state: ConfigState; createdBy: (string | undefined)[] } {
  const plan = planBuild(parseDockerfile(`FROM img\n${dockerfile}`));
  const env = createStageEnvironment(plan, 0, { imageEnv: base.config?.Env ?? [] });
  const createdBy: (string | undefined)[] = [];
  for (const step of plan.stages[0]!.steps) {
    const r: ResolvedInstruction = env.evaluate(step);
    createdBy.push(applyMetadata(start, r, env.imageEnv));
  }
  return { state: start, createdBy };
}

describe('initialConfigState', () => {
  it('keeps the known fields of the base config in Docker order, drops empty ones and the ONBUILD triggers', () => {
    const s = initialConfigState(base, { architecture: 'arm64', os: 'linux' });
    expect(s.config).toEqual({ Env: ['PATH=/bin'], Cmd: ['sh'], Labels: { a: '2', z: '1' } });
    expect(Object.keys(s.config)).toEqual(['Env', 'Cmd', 'Labels']);
    expect(s.platform).toEqual({ architecture: 'amd64', os: 'linux' });
    expect(s.author).toBe('base author');
    expect(s.history).toEqual(base.history);
  });

  it('starts scratch empty on the given platform', () => {
    const s = initialConfigState(undefined, { architecture: 'amd64', os: 'linux' });
    expect(s).toEqual({ config: {}, platform: { architecture: 'amd64', os: 'linux' }, history: [], cmdSet: false });
  });

  it('forks a stage without its triggers and with CMD not yet set in the child', () => {
    const parent = initialConfigState(base, { architecture: 'amd64', os: 'linux' });
    parent.config.OnBuild = ['RUN x'];
    parent.cmdSet = true;
    const child = forkConfigState(parent);
    expect(child.config.OnBuild).toBeUndefined();
    expect(child.cmdSet).toBe(false);
    child.config.Cmd = ['other'];
    expect(parent.config.Cmd).toEqual(['sh']);
  });
});

describe('applyMetadata', () => {
  it('ENTRYPOINT clears an inherited CMD and stores the shell form wrapped in SHELL', () => {
    const { state, createdBy } = run('SHELL ["ls"]\nENTRYPOINT my entrypoint');
    expect(state.config.Entrypoint).toEqual(['ls', 'my entrypoint']);
    expect(state.config.Cmd).toBeUndefined();
    expect(state.config.Shell).toEqual(['ls']);
    expect(createdBy).toEqual(['SHELL [ls]', 'ENTRYPOINT ["ls" "my entrypoint"]']);
  });

  it('keeps a CMD set earlier in the stage when ENTRYPOINT comes', () => {
    const { state } = run('CMD ["a"]\nENTRYPOINT ["b"]');
    expect(state.config.Cmd).toEqual(['a']);
    expect(state.config.Entrypoint).toEqual(['b']);
  });

  it('stores CMD [] as no Cmd, ENTRYPOINT [] as an empty list, shell-form CMD wrapped in /bin/sh -c', () => {
    expect(run('CMD []').state.config.Cmd).toBeUndefined();
    expect(run('ENTRYPOINT []').state.config.Entrypoint).toEqual([]);
    expect(run('CMD echo hi').state.config.Cmd).toEqual(['/bin/sh', '-c', 'echo hi']);
  });

  it('merges labels, adds ports and volumes, sets stop signal, user, workdir and author', () => {
    const { state, createdBy } = run(
      'LABEL a=x "b c"=y\nEXPOSE 80 53/udp\nVOLUME /v1 /v2\nSTOPSIGNAL SIGINT\nUSER www:staff\nWORKDIR /a\nWORKDIR b\nMAINTAINER me',
    );
    expect(state.config.Labels).toEqual({ z: '1', a: 'x', 'b c': 'y' });
    expect(state.config.ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {} });
    expect(state.config.Volumes).toEqual({ '/v1': {}, '/v2': {} });
    expect(state.config.StopSignal).toBe('SIGINT');
    expect(state.config.User).toBe('www:staff');
    expect(state.config.WorkingDir).toBe('/a/b');
    expect(state.author).toBe('me');
    expect(createdBy).toEqual(['LABEL a=x b c=y', 'EXPOSE [53/udp 80/tcp]', 'VOLUME [/v1 /v2]', 'STOPSIGNAL SIGINT', 'USER www:staff', 'WORKDIR /a', 'WORKDIR /a/b', 'MAINTAINER me']);
  });

  it('stores a healthcheck without its zero durations, NONE as the only test', () => {
    expect(run('HEALTHCHECK --interval=5s CMD true').state.config.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'true'], Interval: 5e9 });
    expect(run('HEALTHCHECK NONE').state.config.Healthcheck).toEqual({ Test: ['NONE'] });
  });

  it('appends ONBUILD triggers and adds no history for them; ENV updates Env', () => {
    const { state, createdBy } = run('ONBUILD RUN one\nONBUILD COPY a b\nENV X=1 PATH=/x');
    expect(state.config.OnBuild).toEqual(['RUN one', 'COPY a b']);
    expect(createdBy).toEqual([undefined, undefined, 'ENV X=1 PATH=/x']);
    expect(state.config.Env).toEqual(['PATH=/x', 'X=1']);
  });

  it('uses the config shell for shell forms, /bin/sh -c by default', () => {
    expect(currentShell(initialConfigState(undefined, { architecture: 'amd64', os: 'linux' }))).toEqual(['/bin/sh', '-c']);
    expect(currentShell(run('SHELL ["/bin/bash", "-xc"]').state)).toEqual(['/bin/bash', '-xc']);
  });
});

describe('configFile', () => {
  it('writes Docker key order, --label over LABEL, history with empty_layer, and sorted map keys', () => {
    const s = run('LABEL b=1 a=2').state;
    addHistory(s, { createdBy: 'LABEL b=1 a=2', created: new Date('2024-02-02T00:00:00Z'), emptyLayer: true });
    const c = configFile(s, { diffIds: ['sha256:aa'], created: new Date('2024-02-02T00:00:00Z'), extraLabels: { a: 'cli', c: '3' } });
    expect(Object.keys(c)).toEqual(['created', 'author', 'architecture', 'os', 'config', 'rootfs', 'history']);
    expect(c.config?.Labels).toEqual({ a: 'cli', b: '1', c: '3', z: '1' });
    expect(Object.keys(c.config?.Labels ?? {})).toEqual(['a', 'b', 'c', 'z']);
    expect(c.rootfs).toEqual({ type: 'layers', diff_ids: ['sha256:aa'] });
    expect(c.history?.at(-1)).toEqual({ created: '2024-02-02T00:00:00.000Z', created_by: 'LABEL b=1 a=2', comment: 'buildkit.dockerfile.v0', empty_layer: true });
  });

  it('normalises maps given in any order', () => {
    expect(Object.keys(normalizeRuntimeConfig({ ExposedPorts: { '90/tcp': {}, '8/tcp': {} } }).ExposedPorts ?? {})).toEqual(['8/tcp', '90/tcp']);
  });
});

describe('manifest format', () => {
  const gz: Descriptor = { mediaType: MediaTypes.ociLayerGzip, digest: 'sha256:1', size: 1 };
  const tar: Descriptor = { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: 'sha256:2', size: 2 };
  const zst: Descriptor = { mediaType: MediaTypes.ociLayerZstd, digest: 'sha256:3', size: 3 };

  it('is Docker schema 2 for gzip and plain layers, OCI when a zstd layer is there', () => {
    expect(manifestFormat([gz, tar])).toBe('docker');
    expect(manifestFormat([gz, zst])).toBe('oci');
    expect(manifestFormat([])).toBe('docker');
  });

  it('renames layer media types to the format, keeping the bytes', () => {
    expect(layersFor('docker', [gz, tar]).map((l) => l.mediaType)).toEqual([MediaTypes.dockerLayerGzip, 'application/vnd.docker.image.rootfs.diff.tar']);
    expect(layersFor('oci', [gz, tar, zst]).map((l) => l.mediaType)).toEqual([MediaTypes.ociLayerGzip, MediaTypes.ociLayer, MediaTypes.ociLayerZstd]);
  });

  it('writes the manifest exactly as image creation does', () => {
    const config: Descriptor = { mediaType: MediaTypes.dockerConfig, digest: 'sha256:c', size: 9 };
    const { bytes } = manifestOf('docker', config, layersFor('docker', [gz]));
    expect(bytes.toString()).toBe(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config, layers: [{ mediaType: MediaTypes.dockerLayerGzip, digest: 'sha256:1', size: 1 }] }),
    );
  });
});
