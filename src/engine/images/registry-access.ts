/**
 * The engine's registry access, composed once per invocation: hosts (containerd's hosts.toml and Docker's
 * certs.d under the hosts dirs, insecure registries, plain HTTP for loopback), credentials from Docker's
 * config.json (`$DOCKER_CONFIG`, else `~/.docker`), and the resolver built from them; plus login/logout.
 */
import type { Logger } from '../log.js';
import type { OpContext } from '../op-context.js';
import {
  createCredentialStore,
  createDockerResolver,
  createRegistryHosts,
  credentialsProvider,
  login,
  logout,
  type CredentialStore,
  type LoginResult,
  type LogoutResult,
  type RegistryHosts,
  type Resolver,
} from '../remotes/index.js';

/** Options of {@link createRegistryAccess}. */
export interface RegistryAccessOptions {
  readonly hostsDirs: readonly string[];
  readonly insecureRegistries: readonly string[];
  readonly log: Logger;
  /** Directory of config.json (default: `$DOCKER_CONFIG` or `~/.docker`). */
  readonly configDir?: string;
}

/** Registry access for one invocation. Nothing is read or dialled until used. */
export interface RegistryAccess {
  readonly hosts: RegistryHosts;
  readonly credentials: CredentialStore;
  /** The resolver for pulls and pushes (one per invocation: it keeps auth tokens). */
  resolver(): Resolver;
  /** Checks credentials against the registry and stores them (see remotes/login.ts for errors). */
  login(ctx: OpContext, serverAddress: string | undefined, creds: { username: string; password: string }): Promise<LoginResult>;
  /** Removes stored credentials. */
  logout(serverAddress: string | undefined): Promise<LogoutResult>;
}

/** Creates the registry access. */
export function createRegistryAccess(options: RegistryAccessOptions): RegistryAccess {
  const hosts = createRegistryHosts({ hostsDirs: options.hostsDirs, insecureRegistries: options.insecureRegistries });
  const credentials = createCredentialStore(options.configDir !== undefined ? { configDir: options.configDir } : {});
  let resolver: Resolver | undefined;
  return {
    hosts,
    credentials,
    resolver() {
      resolver ??= createDockerResolver({
        hosts,
        credentials: credentialsProvider(credentials, (err) => options.log.warn(`ignoring stored credentials: ${err.message}`)),
      });
      return resolver;
    },
    login: (ctx, server, creds) => login(ctx, server, { ...creds, store: credentials, hosts }),
    logout: (server) => logout(server, { store: credentials }),
  };
}
