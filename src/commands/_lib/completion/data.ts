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

/** The provider `nerdctl __complete` uses. TODO(lead): engine-backed lookups once the stores exist. */
export const createCompletionData: CompletionDataProvider = () => emptyCompletionData;
