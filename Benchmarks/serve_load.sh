#!/usr/bin/env bash
# Load test of `gansynth serve`: wrk with 64 connections for 30 s against /api/sample (a new random seed per
# request), the server's resident memory sampled every second over the run, and beside it the core's own rate
# for the same model (`gansynth generate --n 10000 --format npy`, no PNG, no HTTP).
#
#   bash Benchmarks/serve_load.sh [.build/release/gansynth] [model] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/gansynth}
MODEL=${2:-mnist-dcgan}
SECONDS_=${3:-30}
command -v wrk >/dev/null || { echo "needs wrk (Debian: apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
"$BIN" serve --port 0 --models Models > "$work/serve.out" &
pid=$!
for _ in $(seq 50); do grep -q http "$work/serve.out" && break; sleep 0.1; done
base=$(grep -o 'http://[^ ]*' "$work/serve.out" | sed 's|/$||')
cat > "$work/seeds.lua" <<LUA
math.randomseed(1)
request = function() return wrk.format("GET", "/api/sample?model=$MODEL&seed=" .. math.random(0, 4000000000)) end
LUA
curl -s -o /dev/null "$base/api/sample?model=$MODEL"   # loads the model
( while kill -0 $pid 2>/dev/null; do ps -o rss= -p $pid; sleep 1; done ) > "$work/rss" &
sampler=$!
wrk -t2 -c64 -d"${SECONDS_}s" --latency -s "$work/seeds.lua" "$base/" | tee "$work/wrk.txt"
kill $sampler 2>/dev/null || true
rss=$(tr -s ' \n' ' ' < "$work/rss")
echo "server RSS (KiB) each second: $rss"
t0=$(date +%s.%N)
"$BIN" generate --model "$MODEL" --n 10000 --format npy --quiet "$work/x.npy"
t1=$(date +%s.%N)
echo "core: $(echo "10000 / ($t1 - $t0)" | bc -l | xargs printf '%.0f') images/s (gansynth generate --n 10000 --format npy, $MODEL)"
