#!/usr/bin/env bash
# gansynth's inference core vs. ONNX Runtime and PyTorch (CPU) on the same weights, side by side, one command:
#   bash Benchmarks/run.sh                      # every model, threads 1,2, batches 1,64,256
#   THREADS=2 BATCHES=64 SECONDS_PER=2 bash Benchmarks/run.sh Models/mnist-dcgan.gguf
# Models: ../Models/*.gguf (shipped) and Benchmarks/models/*.gguf (the issue's reference graphs, written by
# make_models.py when missing), or the paths given. Steps: build gansynth-bench (release), export every model to
# ONNX and check PyTorch/ONNX Runtime against the reference forward pass, then per model, in one window with the
# background jobs paused (PAUSE_PATTERN, default the training/fuzzing jobs; SIGSTOP, always SIGCONT after, also on
# failure): ROUNDS (default 3) rounds of gansynth, ONNX Runtime and PyTorch, threads x batches, each configuration
# 3 warm-up calls then the median of >= 5 calls over >= SECONDS_PER seconds; each engine's best round is reported.
# An FMA-peak probe runs in the first window. Raw results go to Benchmarks/results/run-DATE.jsonl; the combined
# table and the target check are printed (report.py).
# Needs: swift, gcc, python3 with torch, numpy, gguf, onnx, onnxruntime (pip install onnx onnxruntime).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
threads=${THREADS:-1,2}
batches=${BATCHES:-1,64,256}
secs=${SECONDS_PER:-1.0}
# Rounds of all engines, one after the other, per window; the report keeps each engine's best round. This machine
# (a KVM guest) has minutes in which every engine's 2-thread figures drop by a quarter: with one round, a ratio
# could compare one engine's slow minute with another's fast one.
rounds=${ROUNDS:-3}
pattern=${PAUSE_PATTERN:-train_zoo|train_mnist|evaluate.py|gansynth-fuzz}
mkdir -p "$here/results"
out="$here/results/run-$(date +%Y%m%d-%H%M%S).jsonl"

# Models
models=()
if [ $# -gt 0 ]; then
    for m in "$@"; do models+=("$(cd "$(dirname "$m")" && pwd)/$(basename "$m")"); done
else
    shopt -s nullglob
    ls "$here"/models/ref-*.gguf >/dev/null 2>&1 || python3 "$here/make_models.py" >/dev/null
    models=("$root"/Models/*.gguf "$here"/models/*.gguf)
fi

echo "== build (release)" >&2
swift build -c release --package-path "$here" --product gansynth-bench >&2
bench="$(swift build -c release --package-path "$here" --show-bin-path)/gansynth-bench"
echo "== export to ONNX, parity check" >&2
python3 -W ignore "$here/peers.py" export "${models[@]}" >&2

# Pausing the background jobs: SIGSTOP now, SIGCONT on every way out.
paused=""
resume() { if [ -n "$paused" ]; then kill -CONT $paused 2>/dev/null || true; paused=""; fi; }
trap 'resume; rm -f "$timesf"' EXIT
trap 'resume; exit 130' INT TERM
pause() {
    paused=$(pgrep -f "$pattern" | grep -vx "$$" | tr '\n' ' ' || true)
    if [ -n "$paused" ]; then kill -STOP $paused 2>/dev/null || true; fi
    sleep 0.3
}
# Share of the machine left idle over one second (from /proc/stat), in percent.
idle_pct() {
    local a b
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
    echo $(( total > 0 ? 100 * idle / total : 100 ))
}
# Work that cannot be paused (another session's build or benchmark): pause ours, and if the machine is not at
# least 90% idle then, resume them, wait 10 s and try again, for up to MAX_WAIT seconds (default 600); then go on
# and mark the window as contended.
contended=0
quiet_window() {   # sets $contended; leaves our jobs paused
    local waited=0 idle
    while :; do
        pause
        idle=$(idle_pct)
        if [ "$idle" -ge 90 ]; then contended=0; return; fi
        if [ $waited -ge "${MAX_WAIT:-600}" ]; then
            echo "   (machine only ${idle}% idle; measuring anyway)" >&2; contended=1; return
        fi
        [ $waited -eq 0 ] && echo "   (machine ${idle}% idle with our jobs paused: waiting for others' work to end)" >&2
        resume; sleep 10; waited=$((waited + 10))
    done
}

{
    echo "{\"engine\": \"info\", \"date\": \"$(date -u +%FT%TZ)\", \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\", \"cores\": $(nproc), \"threads\": \"$threads\", \"batches\": \"$batches\", \"seconds\": $secs, \"commit\": \"$(git -C "$root" rev-parse --short HEAD 2>/dev/null)\", \"sources_modified\": $(git -C "$root" status --porcelain Sources Package.swift 2>/dev/null | wc -l)}"
} >"$out"
# CPU time (ticks) of the whole machine, busy and total, from /proc/stat; and of this shell's children.
busy_ticks() { local a; a=($(head -1 /proc/stat)); echo $(( a[1] + a[2] + a[3] + a[6] + a[7] + a[8] )); }
timesf=$(mktemp)
child_ticks() {   # sets $ticks: user + system time of finished children, in clock ticks (`times`, second line);
    times >"$timesf"   # `times` must run in this shell, not in a $(...) subshell
    ticks=$(tail -1 "$timesf" | awk -v hz="$(getconf CLK_TCK)" '{ n = 0; for (i = 1; i <= 2; i++) { split($i, p, /m|s/); n += p[1] * 60 + p[2] } printf "%d\n", n * hz }')
}
# One window per model: gansynth, ONNX Runtime, PyTorch (and the FMA probe in the first). If other processes took
# more than 10% of one core's time over the window (machine busy time minus our own), the window's results are
# dropped and it is run again, up to TRIES times (default 3); the last try is kept and marked contended.
first=1
for m in "${models[@]}"; do
    name=$(basename "$m" .gguf)
    for try in $(seq "${TRIES:-3}"); do
        echo "== $name${try:+ (try $try)}" >&2
        quiet_window
        tmp=$(mktemp)
        b0=$(busy_ticks); child_ticks; c0=$ticks; t0=$(date +%s.%N)
        if [ $first = 1 ]; then python3 "$here/peers.py" peak --threads "$threads" >>"$tmp"; fi
        for round in $(seq "$rounds"); do
            "$bench" "$m" --threads "$threads" --batches "$batches" --seconds "$secs" >>"$tmp"
            python3 -W ignore "$here/peers.py" time "$m" --threads "$threads" --batches "$batches" --seconds "$secs" >>"$tmp"
        done
        b1=$(busy_ticks); child_ticks; c1=$ticks; t1=$(date +%s.%N)
        resume
        others=$(awk -v b="$((b1 - b0))" -v c="$((c1 - c0))" -v dt="$(echo "$t1 - $t0" | bc)" -v hz="$(getconf CLK_TCK)" \
            'BEGIN { o = (b - c) / hz / dt; printf "%.3f", (o < 0 ? 0 : o) }')
        ok=$(awk -v o="$others" 'BEGIN { print (o <= 0.10 ? 1 : 0) }')
        if [ "$ok" = 1 ] || [ "$try" = "${TRIES:-3}" ]; then
            cat "$tmp" >>"$out"; rm -f "$tmp"; first=0
            echo "{\"engine\": \"window\", \"model\": \"$name\", \"tries\": $try, \"others_cores\": $others, \"contended\": $([ "$ok" = 1 ] && [ "$contended" = 0 ] && echo false || echo true)}" >>"$out"
            break
        fi
        echo "   (others used $others cores during the window: measuring again)" >&2
        rm -f "$tmp"
        sleep 10
    done
done
echo "== results: $out" >&2
python3 "$here/report.py" "$out"
