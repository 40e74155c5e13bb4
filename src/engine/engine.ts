/**
 * The engine facade: the composition root that opens the services (metadata, content, snapshots, images,
 * containers, tasks...) for one CLI invocation. Services open lazily so a command pays only for what it uses:
 * opening the engine does no I/O; `storage` opens the database (read-only until something writes) on first
 * access; `images()` and `registry()` load their modules on first call, so `ps` never evaluates the image
 * pipeline or the registry client.
 */
import type { ContainerServiceImpl } from './containers/service.js';
import type { ContainerStore } from './containers/store.js';
import type { ContainerNetworkProvider } from './containers/types.js';
import type { ImageService, ImageUsersProvider } from './images/types.js';
import type { RegistryAccess } from './images/registry-access.js';
import type { Logger } from './log.js';
import { openStorage, type SnapshotterName, type Storage } from './metadata/storage.js';
import type { TaskService } from './tasks/task-service.js';
import type { VolumeService } from './volumes/types.js';

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
  /** Loads the network provider the containers service sets networking up with (the CLI injects src/network's). */
  readonly containerNetwork?: () => Promise<ContainerNetworkProvider>;
  /** The exit command conmon runs for container `id` (the CLI's `internal cleanup`); see containers/deps.ts. */
  readonly exitCommand?: (id: string) => readonly string[];
  /** Starts the health-check runner for a namespace when none runs (the CLI's `internal healthcheck-runner`). */
  readonly ensureHealthRunner?: (namespace: string) => void | Promise<void>;
}

export interface Engine {
  readonly options: EngineOptions;
  /**
   * The storage services of the data root (database, content store, snapshotters, leases, namespaces, garbage
   * collector), opened on first access. The database opens read-only and becomes writable on the first write.
   */
  readonly storage: Storage;
  /**
   * The image service (see images/types.ts): pull, push, list, inspect, tag, rmi, save/load, import, unpack,
   * mount. Created on first call; the same instance afterwards.
   */
  images(): Promise<ImageService>;
  /** Registry hosts, credentials, the resolver, login/logout. Created on first call. */
  registry(): Promise<RegistryAccess>;
  /**
   * Who uses images (the containers service registers its containers here), consulted by `rmi` and `image prune`.
   * May be called before or after `images()`.
   */
  setImageUsersProvider(provider: ImageUsersProvider): void;
  /** The task service (runc + conmon), created on first call. */
  tasks(): Promise<TaskService>;
  /** The volume service, created on first call. */
  volumes(): Promise<VolumeService>;
  /** The containers service (see containers/types.ts), created on first call. */
  containers(): Promise<ContainerServiceImpl>;
  /** Releases database handles. Safe to call twice. */
  close(): void;
}

export async function openEngine(options: EngineOptions): Promise<Engine> {
  let storage: Storage | undefined;
  let images: Promise<ImageService> | undefined;
  let registry: Promise<RegistryAccess> | undefined;
  let users: ImageUsersProvider | undefined;
  let tasks: Promise<TaskService> | undefined;
  let volumes: Promise<VolumeService> | undefined;
  let containers: Promise<ContainerServiceImpl> | undefined;
  let containerStore: Promise<ContainerStore> | undefined;
  let closed = false;
  const openContainerStore = () =>
    (containerStore ??= import('./containers/store.js').then((m) => m.createContainerStore(engine.storage.db)));
  // rmi and image prune refuse images that containers use, whether or not this process opened the containers.
  users = async (ctx, image) => (await import('./containers/store.js')).imageUsers(await openContainerStore(), ctx.namespace, image.id);

  const engine: Engine = {
    options,
    get storage(): Storage {
      storage ??= openStorage({
        dataRoot: options.dataRoot,
        snapshotter: options.snapshotter as SnapshotterName,
        readonly: true,
        log: options.log,
      });
      return storage;
    },
    registry() {
      registry ??= import('./images/registry-access.js').then((m) =>
        m.createRegistryAccess({ hostsDirs: options.hostsDirs, insecureRegistries: options.insecureRegistries, log: options.log }),
      );
      return registry;
    },
    images() {
      images ??= import('./images/service.js').then((m) =>
        m.createImageService({
          storage: engine.storage,
          // The registry client loads only when a pull or push needs it.
          resolver: async () => (await engine.registry()).resolver(),
          snapshotter: options.snapshotter,
          ...(users !== undefined ? { users } : {}),
        }),
      );
      return images;
    },
    setImageUsersProvider(provider) {
      users = provider;
      void images?.then((s) => s.setUsersProvider(provider));
    },
    tasks() {
      tasks ??= import('./tasks/task-service.js').then((m) =>
        m.createTaskService({ stateRoot: options.stateRoot, systemdCgroup: options.cgroupManager === 'systemd', log: options.log }),
      );
      return tasks;
    },
    volumes() {
      volumes ??= import('./volumes/service.js').then((m) => m.createVolumeService({ db: engine.storage.db, dataRoot: engine.storage.dataRoot }));
      return volumes;
    },
    containers() {
      containers ??= Promise.all([import('./containers/service.js'), openContainerStore(), engine.tasks(), engine.volumes()]).then(
        ([m, store, t, v]) =>
          m.createContainerService({
            dataRoot: engine.storage.dataRoot,
            stateRoot: options.stateRoot,
            store,
            storage: engine.storage,
            images: () => engine.images(),
            tasks: t,
            volumes: v,
            network: async () => {
              if (!options.containerNetwork) {
                const { failedPrecondition } = await import('./errdefs.js');
                throw failedPrecondition('no network provider is configured for containers');
              }
              return options.containerNetwork();
            },
            ...(options.exitCommand ? { exitCommand: options.exitCommand } : {}),
            ...(options.ensureHealthRunner ? { ensureHealthRunner: options.ensureHealthRunner } : {}),
          }),
      );
      return containers;
    },
    close() {
      if (closed) return;
      closed = true;
      storage?.close();
    },
  };
  return engine;
}
