/**
 * Every label key the project reads or writes, in one place (nerdctl's pkg/labels). Internal keys use the
 * `nerdctl/` prefix; compose uses Docker's `com.docker.compose.*` keys so Docker tooling recognises its
 * containers; garbage-collection references use containerd's `containerd.io/gc.*` keys.
 */

/** containerd's GC labels on content and snapshots. */
export const GC = {
  root: 'containerd.io/gc.root',
  expire: 'containerd.io/gc.expire',
  /** `containerd.io/gc.ref.content.<suffix>` = digest of a referenced blob. */
  contentRefPrefix: 'containerd.io/gc.ref.content.',
  /** `containerd.io/gc.ref.snapshot.<snapshotter>` = key of a referenced snapshot. */
  snapshotRefPrefix: 'containerd.io/gc.ref.snapshot.',
  /** On a layer blob: `containerd.io/uncompressed` = its diffID. */
  uncompressed: 'containerd.io/uncompressed',
  /** On a layer blob: which registry it came from, for cross-repository mounts on push. */
  distributionSourcePrefix: 'containerd.io/distribution.source.',
} as const;

/** nerdctl's own container labels. */
export const Nerdctl = {
  name: 'nerdctl/name',
  hostname: 'nerdctl/hostname',
  platform: 'nerdctl/platform',
  namespace: 'nerdctl/namespace',
  networks: 'nerdctl/networks',
  ports: 'nerdctl/ports',
  logUri: 'nerdctl/log-uri',
  stateDir: 'nerdctl/state-dir',
  mounts: 'nerdctl/mounts',
  anonymousVolumes: 'nerdctl/anonymous-volumes',
  restartPolicy: 'nerdctl/restart-policy',
  healthcheck: 'nerdctl/healthcheck',
  buildCache: 'nerdctl/build-cache',
  /** On a CNI conflist (`nerdctlLabels`): this is the default network `bridge` (nerdctl's key). */
  defaultNetwork: 'nerdctl/default-network',
  /** On a committed layer snapshot: the layer's size as Docker counts it (files and symlink targets, in bytes). */
  layerSize: 'nerdctl/layer.size',
  /** On a lease: what it protects (`pull <name>`, `load`, `import`), for debugging leftover leases. */
  leasePurpose: 'nerdctl/lease.purpose',
  /** On the lease of an `image mount`: the mount point. */
  imageMount: 'nerdctl/image-mount',
} as const;

/** Docker Compose v2's labels (docker/compose pkg/api/labels.go). */
export const Compose = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  containerNumber: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  environmentFile: 'com.docker.compose.project.environment_file',
  image: 'com.docker.compose.image',
  dependsOn: 'com.docker.compose.depends_on',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  replace: 'com.docker.compose.replace',
  slug: 'com.docker.compose.slug',
} as const;
