/**
 * The light path `ps` takes: open meta.db read-only, read every container of the namespace in one query, and
 * reconcile the running ones cheaply (exit file, monitor liveness). Imports only the database, the store and
 * reconcile.ts, so the `ps` chunk never evaluates the image, registry, OCI or task code. Containers whose monitor
 * died without an exit record come back in `unknown`; the caller asks the full service about those (rare).
 */
import { openMetadataDb } from '../metadata/db.js';
import { reconcileState } from './reconcile.js';
import { createContainerStore } from './store.js';
import type { ContainerSummary } from './types.js';

export interface QuickListOptions {
  readonly dataRoot: string;
  readonly stateRoot: string;
  readonly namespace: string;
}

export interface QuickList {
  /** Every container, newest first, states reconciled where that needed no process. */
  readonly containers: ContainerSummary[];
  /** Ids whose state needs `runc state` (monitor gone, no exit file). */
  readonly unknown: string[];
}

/** Lists the containers of a namespace (see the module comment). */
export function quickListContainers(o: QuickListOptions): QuickList {
  const db = openMetadataDb({ dataRoot: o.dataRoot, readonly: true });
  try {
    const store = createContainerStore(db);
    const unknown: string[] = [];
    const containers = store.list(o.namespace).map((c) => {
      const r = reconcileState(o.stateRoot, o.namespace, c.id, c.state);
      if (r.kind === 'unknown') unknown.push(c.id);
      return r.state === c.state ? c : { ...c, state: r.state };
    });
    return { containers, unknown };
  } finally {
    db.close();
  }
}
