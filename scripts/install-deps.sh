#!/usr/bin/env bash
# Installs what nerdctl (TypeScript) needs on Debian 12, as root: the runtime parts it drives (runc, conmon, CNI
# plugins, tini), the tools its tests and demo use (a registry, busybox), then the npm packages (native addons
# compile from source here). Idempotent: already-installed packages are skipped.
set -euo pipefail

packages=(
  runc conmon containernetworking-plugins tini catatonit   # runtime: OCI runtime, monitor, CNI plugins, init
  iptables iproute2 util-linux mount attr zstd                # netns/veth/iptables, mount, xattrs, zstd layers
  docker-registry busybox-static                            # tests and demo: a real registry, a static busybox rootfs
  mandoc zsh fish bash-completion groff-base man-db         # manuals and completion checks
  python3 make g++ git curl ca-certificates                 # native addon builds, scripts
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The registry package ships a service we do not want running: tests and the demo start their own on free ports.
if command -v docker-registry >/dev/null && pgrep -x docker-registry >/dev/null && [ -f /etc/docker/registry/config.yml ]; then
  :
fi

cd "$(dirname "$0")/.."
# npm ci cannot be used: the lock file omits optional native packages for other platforms on this npm.
if [ ! -f node_modules/.install-stamp ] || [ package.json -nt node_modules/.install-stamp ] || [ package-lock.json -nt node_modules/.install-stamp ]; then
  npm install --no-audit --no-fund --loglevel=error
  touch node_modules/.install-stamp
fi
