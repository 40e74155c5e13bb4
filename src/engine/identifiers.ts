import { invalidArgument } from './errdefs.js';

/** Docker's rule for container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
const containerNameRe = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** containerd's rule for namespaces and other identifiers: labels of `[A-Za-z0-9_-]` joined by dots. */
const identifierRe = /^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$/;

export function validateContainerName(name: string): string {
  if (!containerNameRe.test(name)) {
    throw invalidArgument(`invalid container name "${name}", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name;
}

export function validateNamespace(name: string): string {
  if (name.length === 0) throw invalidArgument('namespace must not be empty');
  if (name.length > 76 || !identifierRe.test(name)) {
    throw invalidArgument(`invalid namespace "${name}": must match ${identifierRe.source} and be at most 76 characters`);
  }
  return name;
}

/** Network and volume names follow the container name rule but may be one character long. */
export function validateObjectName(kind: 'network' | 'volume', name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw invalidArgument(`invalid ${kind} name "${name}", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name;
}

/** A random 64-hex ID, as Docker generates for containers, networks and anonymous volumes. */
export function generateId(): string {
  // Docker regenerates an ID whose 12-char prefix is all digits so short IDs are never taken as numbers.
  for (;;) {
    const id = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');
    if (!/^\d{12}/.test(id)) return id;
  }
}
