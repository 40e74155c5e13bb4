/**
 * Volumes: named directories that outlive containers (Docker's `local` driver).
 *
 * A volume is a record in meta.db (component 'volumes') and a directory `<dataRoot>/volumes/<namespace>/<name>/_data`
 * mounted into containers with a bind mount. Anonymous volumes (image VOLUMEs, `-v /path`) are ordinary volumes
 * with a random 64-hex name and `anonymous` set; `rm -v` and `run --rm` remove them with their container.
 *
 * Lifecycle: create (or `ensure` on first use by a container) → mounted by any number of containers → remove,
 * refused with conflict while a container uses it (`remove x: volume is in use - [id...]`, Docker's wording),
 * unless forced. Users are reported by the containers service through {@link VolumeService.setUsersProvider}.
 *
 * Errors: invalid-argument (bad name or driver), not-found (subject volume: "No such volume: x"), conflict (in
 * use), not-implemented (drivers other than `local`, `local` options that need a mount).
 */
import type { OpContext } from '../op-context.js';

export interface Volume {
  readonly name: string;
  /** Always `local`. */
  readonly driver: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Driver options (`-o`), recorded as given. */
  readonly options: Readonly<Record<string, string>>;
  /** The `_data` directory. */
  readonly mountpoint: string;
  /** RFC 3339 (seconds, UTC offset), as Docker's CreatedAt. */
  readonly createdAt: string;
  readonly anonymous: boolean;
}

export interface CreateVolumeOptions {
  /** Omitted: an anonymous volume with a random 64-hex name. */
  readonly name?: string;
  readonly driver?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly options?: Readonly<Record<string, string>>;
  readonly anonymous?: boolean;
}

/** Reports the containers (ids) using a volume; the containers service installs it. */
export type VolumeUsersProvider = (ctx: OpContext, name: string) => readonly string[];

export interface VolumeService {
  /** Creates a volume; an existing one with the same name is returned as it is (Docker's idempotent create). */
  create(ctx: OpContext, opts?: CreateVolumeOptions): Promise<Volume>;
  /** The volume `name`, created when missing; `created` tells whether this call made it. */
  ensure(ctx: OpContext, name: string, opts?: Omit<CreateVolumeOptions, 'name'>): Promise<{ volume: Volume; created: boolean }>;
  /** not-found (subject volume). */
  get(ctx: OpContext, name: string): Promise<Volume>;
  /** All volumes of the namespace, by name. */
  list(ctx: OpContext): Promise<Volume[]>;
  /** Removes a volume and its data. conflict while in use (unless `force`), not-found. */
  remove(ctx: OpContext, name: string, opts?: { force?: boolean }): Promise<void>;
  /** Ids of containers using the volume (empty without a provider). */
  users(ctx: OpContext, name: string): readonly string[];
  /** Bytes used by the volume's data (a walk of the directory). */
  usage(ctx: OpContext, name: string): Promise<number>;
  setUsersProvider(provider: VolumeUsersProvider): void;
}
