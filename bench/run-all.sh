#!/bin/sh
# `make bench`: the benchmarks (not tests). Each prints its own medians.
set -e
cd "$(dirname "$0")/.."
node bench/pull.mjs "$@"
node bench/run.mjs
node bench/build.mjs
node bench/compose.mjs
node bench/network.mjs
sh bench/runc-floor.sh
