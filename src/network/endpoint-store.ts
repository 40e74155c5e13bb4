/**
 * The network layer's own small database, `<dataRoot>/network/network.db` (SQLite via better-sqlite3, WAL):
 *
 *   endpoints(container_id PK, namespace, state, pid, record JSON)
 *       one row per container with a network namespace of ours: the exact CNI configs, arguments and results used
 *       at ADD (so DEL replays them even if the network config changed since), published ports, the hosts file
 *       path and the names other containers resolve it by. This is the "hosts store" and the port reservation
 *       table at the same time.
 *   kv(key PK, value)
 *       small state: the host-port allocation cursor per protocol.
 *
 * Why SQLite rather than JSON files and a lock file: every change must be atomic and serialised across the many
 * short CLI processes that may attach and detach at once, and a lock must die with its holder. SQLite gives both:
 * `BEGIN IMMEDIATE` takes the single writer lock (an fcntl lock the kernel drops if the process is killed), and a
 * commit is atomic. better-sqlite3 is already a dependency of the engine. {@link EndpointStore.withLock} holds the
 * lock across async steps (port probes, hosts-file rewrites); other processes wait on the busy timeout.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { EngineError, unavailable } from '../engine/errdefs.js';
import { loadSqlite } from '../engine/metadata/db.js';
import type { CniCapabilityArgs, CniConfList, CniResult } from './cni/types.js';
import type { HostsRecord } from './hosts.js';
import type { PortMapping } from './ports.js';

/** One container's attachment to one CNI network. */
export interface NetworkEndpointRecord {
  networkId: string;
  networkName: string;
  /** The default `bridge` network (no name resolution between containers). */
  isDefault: boolean;
  driver: string;
  ifname: string;
  /** Random 64 hex, Docker's EndpointID. */
  endpointId: string;
  /** Extra names on this network (--network-alias, compose service names). */
  aliases: string[];
  /** The conflist exactly as used for ADD; DEL replays it. */
  conflist: CniConfList;
  /** CNI_ARGS used for ADD (IP=, MAC=). */
  args: [string, string][];
  capabilityArgs: CniCapabilityArgs;
  /** The ADD result; absent while attaching or when ADD failed. */
  result?: CniResult;
  ipAddress?: string;
  prefixLength?: number;
  gateway?: string;
  ipv6Address?: string;
  ipv6PrefixLength?: number;
  ipv6Gateway?: string;
  macAddress?: string;
  /** Port mappings published through this network's portmap plugin. */
  portMappings: PortMapping[];
  /** Addresses with our FORWARD accept rule for DNAT'ed traffic to the published ports (see iptables.ts). */
  forwardRules?: string[];
  /** The ports are published by the network layer's own rules (port-rules.ts), not by the portmap plugin. */
  ownPortRules?: boolean;
}

export type EndpointState = 'attaching' | 'attached' | 'detaching';

/** Everything the network layer knows about one container. */
export interface EndpointRecord {
  containerId: string;
  namespace: string;
  /** Container name (hosts entries, Docker's inspect `Containers` map). */
  name?: string;
  hostname: string;
  domainname?: string;
  /** The network namespace we created (removed on detach); absent for host and container modes. */
  netns?: { name: string; path: string };
  mode: 'cni' | 'none';
  networks: NetworkEndpointRecord[];
  /** The container's own hosts file, rewritten in place as peers come and go. */
  hostsPath?: string;
  /** Resolved `--add-host` entries. */
  extraHosts: HostsRecord[];
  state: EndpointState;
  /** The process that wrote the record while attaching (a dead one means an abandoned attach). */
  pid: number;
  createdAt: string;
}

const schema = `
CREATE TABLE IF NOT EXISTS endpoints (
  container_id TEXT PRIMARY KEY,
  namespace TEXT NOT NULL,
  state TEXT NOT NULL,
  pid INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  record TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

function nativeBinding(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
}

/** True while `pid` runs (or cannot be signalled for lack of permission, which also means it exists). */
export function pidAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class EndpointStore {
  readonly path: string;
  #db: Database.Database;
  #queue: Promise<unknown> = Promise.resolve();
  /** Marks the async context of the current lock holder, so nested calls (and only they) skip the queue. */
  #holder = new AsyncLocalStorage<true>();

  #lockTimeoutMs: number;

  constructor(dataRoot: string, lockTimeoutMs = 60_000) {
    this.#lockTimeoutMs = lockTimeoutMs;
    const dir = join(dataRoot, 'network');
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    this.path = join(dir, 'network.db');
    const binding = nativeBinding();
    try {
      // Opening may have to wait for the first creator of the file; SQLite's busy handler sleeps synchronously.
      this.#db = new (loadSqlite())(this.path, { timeout: 5000, ...(binding ? { nativeBinding: binding } : {}) });
      if (this.#db.pragma('journal_mode', { simple: true }) !== 'wal') this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.exec(schema);
      // From here on, waiting for the writer lock is done asynchronously in withLock: a synchronous busy wait would
      // block the event loop, and with it a lock holder in this same process (a deadlock until the timeout).
      // Readers never wait in WAL mode.
      this.#db.pragma('busy_timeout = 0');
    } catch (err) {
      throw classify(err, `open network database ${this.path}`);
    }
  }

  /**
   * Runs `fn` holding the database's writer lock (one process and one call at a time); commits when it resolves,
   * rolls back when it throws. Nested calls run inside the outer lock.
   */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#holder.getStore() === true) return fn();
    const run = async (): Promise<T> => {
      await this.#begin();
      try {
        const out = await this.#holder.run(true, fn);
        this.#db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw err;
      }
    };
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => {});
    return p;
  }

  /** BEGIN IMMEDIATE, retried with a growing pause while another connection holds the writer lock. */
  async #begin(): Promise<void> {
    const deadline = Date.now() + this.#lockTimeoutMs;
    for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
      try {
        this.#db.exec('BEGIN IMMEDIATE');
        return;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const busy = typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
        if (!busy || Date.now() > deadline) throw classify(err, 'lock network database');
      }
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  get(containerId: string): EndpointRecord | undefined {
    const row = this.#db.prepare('SELECT record FROM endpoints WHERE container_id = ?').get(containerId) as
      | { record: string }
      | undefined;
    return row === undefined ? undefined : (JSON.parse(row.record) as EndpointRecord);
  }

  /** Every record, oldest first. */
  all(): EndpointRecord[] {
    const rows = this.#db.prepare('SELECT record FROM endpoints ORDER BY created_at, container_id').all() as {
      record: string;
    }[];
    return rows.map((r) => JSON.parse(r.record) as EndpointRecord);
  }

  put(rec: EndpointRecord): void {
    this.#db
      .prepare(
        `INSERT INTO endpoints (container_id, namespace, state, pid, created_at, record) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(container_id) DO UPDATE SET namespace = excluded.namespace, state = excluded.state,
           pid = excluded.pid, record = excluded.record`,
      )
      .run(rec.containerId, rec.namespace, rec.state, rec.pid, rec.createdAt, JSON.stringify(rec));
  }

  delete(containerId: string): void {
    this.#db.prepare('DELETE FROM endpoints WHERE container_id = ?').run(containerId);
  }

  getKv(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setKv(key: string, value: string): void {
    this.#db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function classify(err: unknown, context: string): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as { code?: unknown }).code;
  const msg = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    return unavailable(`${context}: the network database is locked by another process`, { cause: err });
  }
  return new EngineError('internal', `${context}: ${msg}`, { cause: err });
}
