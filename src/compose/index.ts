/**
 * The compose loader and planner: the public surface for the applier and the `compose` commands.
 *
 *   const { project, warnings } = loadProject({ cwd, env: process.env, files, projectName, profiles, ... });
 *   const plan = planUp(project!, observed, { services, recreate, scale, removeOrphans, noStart });
 *   formatProject(project!, 'yaml')   // `compose config`
 *
 * See model.ts for the typed project, plan.ts for the plan contract, project.ts for the loading pipeline.
 */
export type * from './model.js';
export { loadProject, toProject, type LoadProjectOptions, type LoadedProject } from './project.js';
export { ComposeError, formatLocation, type ComposeLocation, type LoadWarning } from './errors.js';
export { createMemoryFs, createNodeFs, type ComposeFs } from './fs.js';
export { normalizeProjectName, validateProjectName, DEFAULT_FILE_NAMES, DEFAULT_OVERRIDE_FILE_NAMES } from './discover.js';
export { serviceEnabled, serviceScale } from './normalize.js';
export {
  formatProject,
  formatRawModel,
  imageName,
  listImages,
  listNetworks,
  listProfiles,
  listServices,
  listVolumes,
  type ConfigFormat,
} from './serialize.js';
export { listHashes, serviceConfigHash, serviceHashInput } from './hash.js';
export {
  COMPOSE_VERSION,
  containerLabels,
  containerName,
  dependencyOrder,
  dependsOnLabel,
  isEmptyPlan,
  newSlug,
  oneOffContainerName,
  planUp,
  type BuildImageAction,
  type ContainerAction,
  type ContainerLabelOptions,
  type ContainerState,
  type CreateContainerAction,
  type CreateNetworkAction,
  type CreateVolumeAction,
  type DependencyEdge,
  type ImageAction,
  type ObservedContainer,
  type ObservedState,
  type Plan,
  type PlanOptions,
  type PullImageAction,
  type RecreateContainerAction,
  type RecreatePolicy,
  type RemoveContainerAction,
  type RestartContainerAction,
  type ServiceStep,
  type StartContainerAction,
} from './plan.js';
export { parseDotenv } from './dotenv.js';
export { parseDuration, parseBytes } from './convert.js';
