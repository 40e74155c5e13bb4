/**
 * Where completion finds names that live in stored state: containers, images, networks, volumes, namespaces,
 * snapshots and compose services. The protocol (complete.ts) asks a {@link CompletionDataProvider} for a
 * {@link CompletionData} only when a dynamic source is needed, so `nerdctl run --rest<Tab>` never opens a store.
 *
 * Contract for implementations: read-only, no registry or network access, fast (every Tab press runs a new
 * process), and never throw for an absent data root or namespace (return []). Errors that do escape are swallowed
 * by the protocol, which then answers "no candidates, no file completion".
 *
 * This is the one module to change when the engine-backed lookups are wired: replace
 * {@link createCompletionData}'s body (keep heavy imports behind `await import()`).
 */
import { resolve as resolvePath } from 'node:path';
import type { Candidate } from './candidates.js';

/** Which containers a command accepts: `exec`/`stop`/`kill`/`pause` want running ones, `start` stopped ones. */
export type ContainerStateFilter = 'all' | 'running' | 'stopped' | 'paused';

/** A name, or a name with a description (shown by zsh and fish). */
export type NameList = readonly (string | Candidate)[];

/** What has been typed so far, for lookups that depend on it (namespace, data root, compose files). */
export interface CompletionQuery {
  /** Global flags typed so far, by long name, unresolved (pass to `resolveGlobals` with `changed` and `env`). */
  readonly globals: Readonly<Record<string, unknown>>;
  /** Long names of the flags typed so far (global and command). */
  readonly changed: ReadonlySet<string>;
  /** The command's and its group's flags typed so far (`compose -f`, `--project-directory`, `-p`). */
  readonly flags: Readonly<Record<string, unknown>>;
  /** The canonical command path (`['compose', 'up']`). */
  readonly path: readonly string[];
  /** Positional arguments typed so far. */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export interface CompletionData {
  /** Container names in the namespace, filtered by state. */
  containers(state: ContainerStateFilter): Promise<NameList>;
  /** Image references (`busybox:latest`), local ones only. */
  images(): Promise<NameList>;
  networks(): Promise<NameList>;
  volumes(): Promise<NameList>;
  namespaces(): Promise<NameList>;
  /** Snapshot keys of the configured snapshotter. */
  snapshots(): Promise<NameList>;
  /** Service names of the compose project the query's flags and working directory select. */
  composeServices(): Promise<NameList>;
}

export type CompletionDataProvider = (query: CompletionQuery) => CompletionData | Promise<CompletionData>;

const none = async (): Promise<NameList> => [];

/** Knows no names at all. */
export const emptyCompletionData: CompletionData = {
  containers: none,
  images: none,
  networks: none,
  volumes: none,
  namespaces: none,
  snapshots: none,
  composeServices: none,
};

/**
 * The provider `nerdctl __complete` uses: the stores of the data root and namespace the typed flags select, opened
 * read-only (a missing database means no names). Each source loads its store only when asked.
 */
export const createCompletionData: CompletionDataProvider = async (query) => {
  const { resolveGlobals } = await import('../config.js');
  const g = await resolveGlobals(query.globals, query.changed, query.env);
  const ns = g.namespace;
  let dbPromise: Promise<import('../../../engine/metadata/db.js').MetadataDb | undefined> | undefined;
  const db = () =>
    (dbPromise ??= import('../../../engine/metadata/db.js').then(async (m) => {
      // Never create anything: no database file means no names (openMetadataDb would create one).
      const { existsSync } = await import('node:fs');
      if (!existsSync(m.metadataDbPath(resolvePath(g.dataRoot)))) return undefined;
      try {
        return m.openMetadataDb({ dataRoot: g.dataRoot, readonly: true });
      } catch {
        return undefined;
      }
    }));
  /** Runs a lookup on the database; a missing database or table gives no names. */
  const withDb = async (fn: (d: import('../../../engine/metadata/db.js').MetadataDb) => Promise<NameList> | NameList): Promise<NameList> => {
    const d = await db();
    if (d === undefined) return [];
    try {
      return await fn(d);
    } catch {
      return [];
    }
  };
  return {
    containers: (state) =>
      withDb(async (d) => {
        const { createContainerStore } = await import('../../../engine/containers/store.js');
        const wanted = (status: string): boolean => {
          switch (state) {
            case 'running':
              return status === 'running' || status === 'restarting';
            case 'paused':
              return status === 'paused';
            case 'stopped':
              return status === 'created' || status === 'exited' || status === 'dead';
            default:
              return true;
          }
        };
        return createContainerStore(d)
          .list(ns)
          .filter((c) => wanted(c.state.status))
          .map((c) => ({ value: c.name, description: `${c.image} (${c.state.status})` }));
      }),
    images: () =>
      withDb(async (d) => {
        const { createImageStore } = await import('../../../engine/images/store.js');
        const { isDanglingName } = await import('../../../engine/images/names.js');
        const { familiarString, parseReference } = await import('../../../engine/reference.js');
        return createImageStore(d)
          .list(ns)
          .filter((i) => !isDanglingName(i.name))
          .map((i) => {
            try {
              return familiarString(parseReference(i.name));
            } catch {
              return i.name;
            }
          });
      }),
    volumes: () =>
      withDb(async (d) => {
        const { createVolumeService } = await import('../../../engine/volumes/service.js');
        const { nullLogger } = await import('../../../engine/log.js');
        const ctx = { namespace: ns, signal: new AbortController().signal, log: nullLogger };
        return (await createVolumeService({ db: d, dataRoot: g.dataRoot }).list(ctx)).map((v) => v.name);
      }),
    namespaces: () =>
      withDb(async (d) => {
        const { createNamespaceStore } = await import('../../../engine/metadata/namespaces.js');
        return createNamespaceStore(d)
          .list()
          .map((n) => n.name);
      }),
    snapshots: () =>
      withDb(async (d) => {
        const rows = d.sqlite
          .prepare('SELECT key FROM snapshots WHERE namespace = ? AND snapshotter = ? ORDER BY key')
          .all(ns, g.snapshotter) as { key: string }[];
        return rows.map((r) => r.key);
      }),
    networks: async () => {
      try {
        const { loadNetworks } = await import('../../../network/cni/config.js');
        const nets = await loadNetworks({ netconfPath: g.cniNetconfPath, dataRoot: g.dataRoot, cniPaths: g.cniPath.split(':') }, ns);
        const names = nets.map((n) => n.name);
        return [...new Set(['bridge', 'host', 'none', ...names])];
      } catch {
        return ['bridge', 'host', 'none'];
      }
    },
    composeServices: async () => {
      try {
        const { loadProject } = await import('../../../compose/index.js');
        const files = query.flags.file as string[] | undefined;
        const r = loadProject({
          cwd: query.cwd,
          env: { ...query.env },
          ...(files !== undefined && files.length > 0 ? { files } : {}),
          ...(typeof query.flags['project-directory'] === 'string' ? { projectDirectory: query.flags['project-directory'] } : {}),
        });
        return Object.keys(r.project?.services ?? {});
      } catch {
        return [];
      }
    },
  };
};
