#!/bin/sh
# The floor under `run --rm` (not a test): one container lifecycle straight through runc — create, start, wait
# for the exit, delete — on a busybox bundle made from Debian's static busybox, N times, median printed. Whatever
# nerdctl or Docker do around it comes on top of this. Needs root, runc and /usr/bin/busybox.
#
#   sh bench/runc-floor.sh [N]
set -eu
n=${1:-15}
dir=$(mktemp -d /tmp/nerdctl-runc-floor-XXXXXX)
trap 'runc --root "$dir/state" delete -f floor >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
mkdir -p "$dir/bundle/rootfs/bin" "$dir/state"
cp /usr/bin/busybox "$dir/bundle/rootfs/bin/busybox"
ln -s busybox "$dir/bundle/rootfs/bin/true"
cd "$dir/bundle"
runc spec
# not a terminal, run `true`, writable root (as the defaults of `nerdctl run` and `docker run`)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"/"true"/' -e 's/"readonly": true/"readonly": false/' config.json
times=""
i=0
while [ "$i" -lt "$n" ]; do
  start=$(date +%s%N)
  runc --root "$dir/state" create floor </dev/null >/dev/null 2>&1
  runc --root "$dir/state" start floor
  until runc --root "$dir/state" state floor | grep -q '"status": "stopped"'; do :; done
  runc --root "$dir/state" delete floor
  end=$(date +%s%N)
  times="$times $(( (end - start) / 1000000 ))"
  i=$((i + 1))
done
median=$(echo "$times" | tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "runc create+start+state+delete of busybox true: median ${median} ms over $n runs (all:$times)"
