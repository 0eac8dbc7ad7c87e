#!/usr/bin/env bash
# Throughput of `gansynth generate` end to end (model load, forward passes, encoding, one fsynced file per image
# plus the manifest, or one streamed .npy) on the release build, default model mnist-dcgan:
#   bash Benchmarks/generate-throughput.sh            # N=10000 images, best of RUNS=3 per format
# Each run starts from an empty folder, so nothing is skipped. SCRATCH picks the build folder (default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-10000}
runs=${RUNS:-3}
scratch=${SCRATCH:-.build}
swift build -c release --static-swift-stdlib --scratch-path "$scratch" >/dev/null
bin=$scratch/release/gansynth
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); n=$n, best of $runs"

now() { date +%s.%N; }
measure() {   # label, command...
    local label=$1 best=""
    shift
    for _ in $(seq "$runs"); do
        rm -rf "$out/run" "$out/run.npy"
        local t0 t1
        t0=$(now); "$@" >/dev/null; t1=$(now)
        best=$(echo "$t0 $t1 ${best:-1e9}" | awk '{ d = $2 - $1; print (d < $3 ? d : $3) }')
    done
    printf '%-34s %7.2f s  %8.0f images/s\n' "$label" "$best" "$(echo "$n $best" | awk '{ print $1 / $2 }')"
}
measure "png files (--outdir)" "$bin" generate --n "$n" --outdir "$out/run" --quiet
measure "jpg files (--outdir, quality 90)" "$bin" generate --n "$n" --outdir "$out/run" --format jpg --quiet
measure "npy (one file)" "$bin" generate --n "$n" "$out/run.npy" --quiet
measure "ppm stream (stdout)" "$bin" generate --n "$n" --format ppm - --quiet
measure "png files, 1 thread" "$bin" generate --n "$n" --outdir "$out/run" --threads 1 --quiet
