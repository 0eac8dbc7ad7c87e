#!/usr/bin/env bash
# End-to-end time of the README's main job, from process start to file written, on the release build:
#   bash Benchmarks/sample-e2e.sh
# Prints hyperfine's figures for process start alone, model load (info), one image and the 8x8 grid with
# 1 and 2 threads. Needs hyperfine (Debian: apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib >/dev/null
bin=.build/release/gansynth
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
hyperfine -N --warmup 5 --runs "${RUNS:-50}" \
  "$bin --version" \
  "$bin info" \
  "$bin sample --n 1 $out/one.png" \
  "$bin sample --n 64 --threads 1 $out/out.png" \
  "$bin sample --n 64 $out/out.png"
