/**
 * What the containers service is built from (wired by engine.ts): the other services, the roots, and the two
 * hooks the CLI provides (the exit command and the health-check runner).
 */
import type { ImageService } from '../images/types.js';
import type { Storage } from '../metadata/storage.js';
import type { TaskService } from '../tasks/task-service.js';
import type { VolumeService } from '../volumes/types.js';
import type { ContainerStore } from './store.js';
import type { ContainerNetworkProvider } from './types.js';

export interface ContainerServiceOptions {
  readonly dataRoot: string;
  readonly stateRoot: string;
  readonly store: ContainerStore;
  readonly storage: Storage;
  /** The image service, loaded on first use (only create needs it). */
  readonly images: () => Promise<ImageService>;
  readonly tasks: TaskService;
  readonly volumes: VolumeService;
  /** Loads the network provider on first use (the CLI injects src/network's implementation). */
  readonly network: () => Promise<ContainerNetworkProvider>;
  /**
   * The exit command for container `id`: `[absolute program, ...args]` that ends in `handleExit(id)` (the CLI's
   * `internal cleanup <id>` with the global flags of this invocation). Without it exits are only recorded when
   * someone looks (ps, wait, start).
   */
  readonly exitCommand?: (id: string) => readonly string[];
  /**
   * Makes sure a health-check runner is running for `namespace` (spawns the CLI's hidden runner when none is).
   * Called after starting a container that has a healthcheck.
   */
  readonly ensureHealthRunner?: (namespace: string) => void | Promise<void>;
  /** The OCI runtime binary (`--runtime`); default runc. */
  readonly runtime?: string;
}
