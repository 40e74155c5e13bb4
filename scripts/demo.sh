#!/usr/bin/env bash
# End-to-end demo, offline: make a base image from Debian's static busybox, push it to a local registry, pull it
# back, serve a page with `run -d -p`, build an image from a Dockerfile, and bring a compose project up and down.
# Everything lives in a private data root, state root and CNI config dir that are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/nerdctl-demo.XXXXXX)
export NERDCTL_DATA_ROOT="$work/data"
export NETCONFPATH="$work/cni"
export NERDCTL_STATE_ROOT="$work/run"
# A default network of its own too (bridge and subnet), so the demo neither uses nor removes a real nerdctl0.
demo_net=$((RANDOM % 200 + 20))
export NERDCTL_DEFAULT_BRIDGE="ndemo$demo_net" NERDCTL_DEFAULT_NETWORK_SUBNET="10.223.$demo_net.0/24"
mkdir -p "$NERDCTL_DATA_ROOT" "$NETCONFPATH"
repo=$PWD
nerdctl() { node "$repo/dist/nerdctl.js" "$@"; }
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

registry_pid=
cleanup() {
  set +e
  step "cleaning up"
  (cd "$work/app" 2>/dev/null && nerdctl compose down -v >/dev/null 2>&1)
  ids=$(nerdctl ps -aq 2>/dev/null); [ -n "$ids" ] && nerdctl rm -f $ids >/dev/null
  nerdctl network prune -f >/dev/null 2>&1
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null
  grep -o " $work[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  node -e 'import(process.argv[1]).then((m) => m.removeBridge(process.argv[2]))' "$repo/bench/cleanup.mjs" "$NERDCTL_DEFAULT_BRIDGE"
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

step "a busybox root filesystem from Debian's busybox-static"
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,etc,tmp,var/www,root}
cp /usr/bin/busybox "$rootfs/bin/busybox"
for applet in $(/usr/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nwww-data:x:33:www\n' > "$rootfs/etc/group"
echo '<h1>Hello from nerdctl (TypeScript)</h1>' > "$rootfs/var/www/index.html"
tar -C "$rootfs" -cf "$work/rootfs.tar" .
nerdctl import --change 'CMD ["sh"]' "$work/rootfs.tar" busybox:latest
nerdctl images

step "a local registry on 127.0.0.1"
reg_port=$(free_port)
mkdir -p "$work/registry"
cat > "$work/registry/config.yml" <<YAML
version: 0.1
storage: { filesystem: { rootdirectory: $work/registry/data }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$reg_port }
log: { level: error }
YAML
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$reg_port/v2/" >/dev/null && break; sleep 0.1; done
reg="127.0.0.1:$reg_port"

step "push, remove, pull back"
nerdctl tag busybox:latest "$reg/demo/busybox:1"
nerdctl push "$reg/demo/busybox:1"
nerdctl rmi busybox:latest "$reg/demo/busybox:1"
nerdctl pull "$reg/demo/busybox:1"
nerdctl tag "$reg/demo/busybox:1" busybox:latest

step "run -d -p <port>:80 with busybox httpd, fetch the page"
web_port=$(free_port)
nerdctl run -d --name web -p "127.0.0.1:$web_port:80" busybox httpd -f -p 80 -h /var/www
nerdctl ps
nerdctl port web
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$web_port/" && break; sleep 0.1; done
nerdctl rm -f web

step "build an image from a Dockerfile"
mkdir -p "$work/app"
cat > "$work/app/Dockerfile" <<'DOCKERFILE'
FROM busybox
WORKDIR /srv
COPY index.html .
RUN echo "built at $(date -u)" > built.txt && wc -c index.html > size.txt
EXPOSE 80
CMD ["httpd", "-f", "-p", "80", "-h", "/srv"]
DOCKERFILE
echo '<h1>Hello from an image nerdctl built</h1>' > "$work/app/index.html"
nerdctl build -t demo/app:latest "$work/app"
nerdctl history demo/app:latest

step "compose: the built web service and a client that reaches it by service name"
app_port=$(free_port)
cat > "$work/app/compose.yaml" <<YAML
services:
  web:
    build: .
    image: demo/app:latest
    ports: ["127.0.0.1:$app_port:80"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]
      interval: 1s
      retries: 10
  client:
    image: busybox
    command: ["sh", "-c", "wget -q -O - http://web/ && sleep 3600"]
    depends_on:
      web: { condition: service_healthy }
YAML
(cd "$work/app" && nerdctl compose up -d && nerdctl compose ps)
curl -fs "http://127.0.0.1:$app_port/"
sleep 1
(cd "$work/app" && nerdctl compose logs client && nerdctl compose down -v)

step "done: every step above ran against real runc, conmon, CNI plugins and a real registry"
