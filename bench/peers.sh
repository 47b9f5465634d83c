#!/usr/bin/env bash
# Peer comparison: runs ../shared/bench/run.sh with imfilter as the "ours" peer.
# Subsets as the harness takes them: OPS=gaussian_s2,box_31 SIZES=2048 PEERS=cv2-1t,opencv-js
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_BENCH:-$repo/../shared/bench}
deno_bin=$(command -v deno || true)
if [ -z "$deno_bin" ]; then
  npm install --silent --prefix /tmp/imfilter-deno deno@2.9.6 >/dev/null
  deno_bin=/tmp/imfilter-deno/node_modules/.bin/deno
fi
# --no-liftoff: the SIMD kernels compiled by V8's optimizing tier up front, as the CLI task does
# (otherwise a fresh process runs its first calls on the baseline compiler's code).
export OURS_CMD="$deno_bin run --allow-read --allow-env --v8-flags=--no-liftoff --config $repo/deno.json $repo/bench/peers_ours.ts"
bash "$shared/run.sh" "$@"
