/**
 * The service configuration hash Compose v2 stores in `com.docker.compose.config-hash` and compares to decide on
 * recreation (docker/compose pkg/compose/hash.go ServiceHash): sha256 of the service's JSON with `build`,
 * `pull_policy`, `scale`, `deploy.replicas`, `depends_on` and `profiles` left out, so scaling, rebuilding
 * policies or dependency edits alone do not recreate containers. The JSON is compose-go's field order and
 * formatting (serialize.ts), so equal configurations hash equally across runs and file layouts; byte equality
 * with docker compose is a goal, not a guarantee.
 */
import { createHash } from 'node:crypto';
import { composeError } from './errors.js';
import type { Project, Service } from './model.js';
import { emitJson, serviceToOut } from './serialize.js';

/** The canonical JSON the hash is computed over. */
export function serviceHashInput(service: Service): string {
  const s: Service = { ...service };
  delete s.build;
  delete s.pull_policy;
  delete s.scale;
  delete s.depends_on;
  delete s.profiles;
  if (s.deploy !== undefined) {
    s.deploy = { ...s.deploy };
    delete s.deploy.replicas;
  }
  return emitJson(serviceToOut(s, 'json'), 0);
}

/** sha256 hex of {@link serviceHashInput}. */
export function serviceConfigHash(service: Service): string {
  return createHash('sha256').update(serviceHashInput(service)).digest('hex');
}

/** `config --hash "*"` or `--hash a,b`: `<service> <hash>` lines. */
export function listHashes(p: Project, selector: string): string[] {
  const names = selector === '*' ? Object.keys(p.services).sort() : selector.split(',').map((s) => s.trim());
  return names.map((n) => {
    const s = p.services[n];
    if (s === undefined) throw composeError(`no such service: ${n}`);
    return `${n} ${serviceConfigHash(s)}`;
  });
}
