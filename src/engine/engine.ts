/**
 * The engine facade: the composition root that opens the services (metadata, content, snapshots, images,
 * containers, tasks...) for one CLI invocation. Services open lazily so a command pays only for what it uses.
 */
import type { Logger } from './log.js';

export interface EngineOptions {
  /** Persistent state: meta.db, content/, snapshots/, volumes/, containers/. */
  readonly dataRoot: string;
  /** Runtime state: runc root, bundles, sockets, exit files. */
  readonly stateRoot: string;
  readonly snapshotter: 'overlayfs' | 'native';
  readonly hostsDirs: readonly string[];
  readonly insecureRegistries: readonly string[];
  readonly cniPath: string;
  readonly cniNetconfPath: string;
  readonly cgroupManager: 'cgroupfs' | 'systemd' | 'none';
  readonly log: Logger;
}

export interface Engine {
  readonly options: EngineOptions;
  /** Releases database handles. Safe to call twice. */
  close(): void;
}

export async function openEngine(options: EngineOptions): Promise<Engine> {
  return {
    options,
    close() {},
  };
}
