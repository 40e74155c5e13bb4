/**
 * Completion data read from a JSON file, selected with `NERDCTL_COMPLETION_FIXTURE=<file>`: lets tests (and anyone
 * debugging a completion script) drive the real binary with known names, without a data root.
 *
 * ```json
 * { "containers": [{ "name": "web", "state": "running" }], "images": ["busybox:latest"], "networks": ["bridge"],
 *   "volumes": [], "namespaces": ["default"], "snapshots": [], "composeServices": ["db"] }
 * ```
 */
import { readFileSync } from 'node:fs';
import type { CompletionData, ContainerStateFilter, NameList } from './data.js';

interface FixtureFile {
  containers?: { name: string; state?: string }[];
  images?: string[];
  networks?: string[];
  volumes?: string[];
  namespaces?: string[];
  snapshots?: string[];
  composeServices?: string[];
}

function matches(state: string, filter: ContainerStateFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'running':
      return state === 'running';
    case 'paused':
      return state === 'paused';
    case 'stopped':
      return state === 'exited' || state === 'created' || state === 'stopped';
  }
}

export function completionDataFromFile(path: string): CompletionData {
  let cache: FixtureFile | undefined;
  const load = (): FixtureFile => (cache ??= JSON.parse(readFileSync(path, 'utf8')) as FixtureFile);
  const list = (key: Exclude<keyof FixtureFile, 'containers'>) => async (): Promise<NameList> => load()[key] ?? [];
  return {
    containers: async (filter) => (load().containers ?? []).filter((c) => matches(c.state ?? 'running', filter)).map((c) => c.name),
    images: list('images'),
    networks: list('networks'),
    volumes: list('volumes'),
    namespaces: list('namespaces'),
    snapshots: list('snapshots'),
    composeServices: list('composeServices'),
  };
}
