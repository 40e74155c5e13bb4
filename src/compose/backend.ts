/**
 * What the compose applier needs from the layers below, as one object the CLI assembles (commands/compose/
 * backend.ts): the containers, images and volumes services of the engine, the network layer and the builder. Compose
 * never spawns the CLI: every effect goes through these calls, in-process.
 *
 * Progress is reported as {@link ComposeEvent}s (Compose v2's resource lines: `Container p-web-1  Started`); the
 * CLI renders them. Nothing here prints.
 */
import type { ContainerRecord, ContainerService } from '../engine/containers/types.js';
import type { ImageProgressEvent, ImageService } from '../engine/images/types.js';
import type { OpContext } from '../engine/op-context.js';
import type { VolumeService } from '../engine/volumes/types.js';
import type { CreateNetworkOptions, NetworkInfo } from '../network/index.js';

/** The network calls compose makes (src/network's Networking has them all). */
export interface ComposeNetworks {
  listNetworks(ctx: OpContext): Promise<NetworkInfo[]>;
  getNetwork(ctx: OpContext, ref: string): Promise<NetworkInfo>;
  createNetwork(ctx: OpContext, opts: CreateNetworkOptions): Promise<NetworkInfo>;
  removeNetwork(ctx: OpContext, ref: string | NetworkInfo): Promise<NetworkInfo>;
}

/** One image build for a service (a `build:` section resolved against the project). */
export interface ComposeBuildRequest {
  service: string;
  /** Absolute context directory. */
  context: string;
  /** Dockerfile path relative to the context (absent with `dockerfileInline`). */
  dockerfile?: string;
  dockerfileInline?: string;
  /** Tags: the service's image name first. */
  tags: string[];
  /** Build args with a value (null ones were dropped). */
  args: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
  noCache: boolean;
  pull: boolean;
  platform?: string;
  network?: string;
  extraHosts: string[];
  /** Stages whose steps ignore the cache. */
  noCacheFilter?: string[];
  /** `--quiet`: no build output. */
  quiet: boolean;
}

/** Build progress text (BuildKit's plain lines), for the CLI to show. */
export type BuildOutput = (text: string) => void;

export interface ComposeBackend {
  /** The containers service; `records` (every full record of the namespace) when the implementation has it. */
  readonly containers: ContainerService & { records?(ctx: OpContext): Promise<ContainerRecord[]> };
  images(): Promise<ImageService>;
  readonly volumes: VolumeService;
  readonly networks: ComposeNetworks;
  /** Builds and tags an image; returns its id (`sha256:...`). */
  build(ctx: OpContext, req: ComposeBuildRequest, output?: BuildOutput): Promise<string>;
  /** Directory for a project's inline secrets and configs (removed by `down`). */
  filesDir(project: string, namespace: string): string;
}

/** A progress line about one resource, Compose v2's way: `{id: 'Container p-web-1', text: 'Started'}`. */
export interface ComposeEvent {
  /** `Container <name>`, `Network <name>`, `Volume "<name>"`, `Service <name>`, `Image <ref>`, or a service name. */
  id: string;
  /** `Creating`, `Created`, `Starting`, `Started`, `Waiting`, `Healthy`, `Stopping`... */
  text: string;
  /** working (in progress), done, warning, error. */
  status: 'working' | 'done' | 'warning' | 'error';
  /** Extra detail after the text (an error message). */
  detail?: string;
}

export type ComposeReporter = (e: ComposeEvent) => void;

/** A reporter that drops everything. */
export const silentReporter: ComposeReporter = () => {};

/** Pull progress per image, for `--quiet-pull` or a detailed display. */
export type PullProgress = (image: string, e: ImageProgressEvent) => void;

export const containerEventId = (name: string): string => `Container ${name}`;
export const networkEventId = (name: string): string => `Network ${name}`;
export const volumeEventId = (name: string): string => `Volume ${JSON.stringify(name)}`;
