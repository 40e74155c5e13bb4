/**
 * The registry client's public surface: import from here (`../remotes/index.js`) rather than from the files
 * under docker/, which are implementation.
 */
export * from './types.js';
export { fetchBytes } from './fetch-bytes.js';
export { createDockerResolver, type DockerResolverOptions } from './docker/resolver.js';
export {
  createAuthorizer,
  clearTokenCache,
  parseWWWAuthenticate,
  repositoryScope,
  type AuthChallenge,
  type AuthCredentials,
  type Authorizer,
  type AuthorizerOptions,
  type CredentialsProvider,
  type TokenCache,
} from './docker/auth.js';
export { closeIdleConnections, type TlsConfig } from './docker/transport.js';
export {
  createRegistryHosts,
  loadRegistryHosts,
  parseHostsToml,
  isLoopbackHost,
  DEFAULT_HOSTS_DIRS,
  type HostCapability,
  type RegistryHost,
  type RegistryHosts,
  type RegistryHostsOptions,
} from './hosts.js';
export {
  createCredentialStore,
  credentialsProvider,
  credentialKey,
  dockerConfigDir,
  DOCKER_HUB_KEY,
  type CredentialStore,
  type CredentialStoreOptions,
} from './credentials.js';
export { login, logout, type LoginOptions, type LoginResult, type LogoutResult } from './login.js';
