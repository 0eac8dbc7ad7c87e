#!/usr/bin/env bash
# Trains the gansynth model zoo on the CPU in queue order, exports each model right after its training, and trains
# the evaluation classifiers.
#
#   nohup bash Training/train_all.sh > Training/runs/queue.out 2>&1 &
#
# Every step can be interrupted and the queue started again with the same command: a training with a checkpoint
# is resumed (--resume), a finished and exported model is skipped, a classifier that exists is not retrained.
# Progress: Training/runs/queue.log (one line per step), Training/runs/<model>/log.txt (per epoch).
# WORKERS (2) workers take the steps in queue order, each step under a lock (Training/runs/locks), each with
# THREADS (1) torch threads: on this shared 2-core machine one 2-thread job collapses to ~1 s/iteration whenever
# another process runs, while two 1-thread jobs keep both cores busy without that collapse.
# A finished model is marked by Training/runs/<model>/exported.txt (its epoch count); raising its epochs trains on.
# Environment: PYTHON (python3), THREADS, WORKERS, EPOCHS_<model with _ for -> to override an epoch count
# (e.g. EPOCHS_cifar10_cgan=8), ONLY="mnist-cgan classifier:mnist" to run just those steps.
set -u
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
T=${THREADS:-1}
WORKERS=${WORKERS:-2}
DATA=${DATA:-../shared/datasets}  # the datasets folder, relative to the checkout
mkdir -p Training/runs
QLOG=Training/runs/queue.log
note() { echo "$(date -u '+%F %T') $*" | tee -a "$QLOG"; }

# model  epochs  data  [seed, default 0]
QUEUE=(
  "mnist-cgan    10 $DATA/mnist"
  "classifier:mnist"
  "mnist-infogan  8 $DATA/mnist 5"   # seed 5 and weight 0.5: the best 2-epoch probe (eval/probe.py)
  "mnist-gan    360 $DATA/mnist"     # in stages, below
  "classifier:fashion"
  "fashion-cgan  12 /usr/share/datasets/fashion-mnist"
  "classifier:cifar10"
  "cifar10-cgan   4 $DATA/cifar10/cifar10-jpg.tar.gz"
)

# Per model: further training options, and export options (mnist-infogan ships as q8_0; Training/README.md).
declare -A TRAIN_ARGS=([mnist-infogan]="--info-cat-weight 0.5")
declare -A EXPORT_ARGS=([mnist-infogan]="--weight-type q8_0")
# Models trained in stages, "EPOCHS OPTIONS;EPOCHS OPTIONS;…", each stage resuming the last (their epoch counts are
# fixed: EPOCHS_<model> does not apply). mnist-gan: 300 epochs, then a moving average of G's weights (decay 0.999
# for 20 epochs, 0.9999 for 40), which is what the shipped file holds (Training/README.md).
declare -A STAGES=([mnist-gan]="300;320 --ema 0.999;360 --ema 0.9999")

train() {
  local model=$1 epochs=$2 data=$3 seed=${4:-0} var
  var="EPOCHS_${model//-/_}"
  epochs=${!var:-$epochs}
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $model "* ]]; then return 0; fi
  if [ "$(cat "Training/runs/$model/exported.txt" 2>/dev/null)" = "$epochs" ]; then return 0; fi
  local stages part stage_epochs stage_args resume
  IFS=';' read -ra stages <<< "${STAGES[$model]:-$epochs ${TRAIN_ARGS[$model]:-}}"
  for part in "${stages[@]}"; do
    stage_epochs=${part%% *}
    stage_args=""
    [[ $part == *" "* ]] && stage_args=${part#* }
    resume=""
    [ -f "Training/runs/$model/checkpoint.pt" ] && resume="--resume"
    note "worker $W: train $model to $stage_epochs epochs $stage_args $resume"
    # shellcheck disable=SC2086  # the options are words
    if ! $PY Training/train_zoo.py --model "$model" --data "$data" --epochs "$stage_epochs" --seed "$seed" --threads "$T" \
        $resume $stage_args >> "Training/runs/$model.stdout" 2>&1; then
      note "FAILED: train $model (see Training/runs/$model.stdout)"; return 1
    fi
  done
  note "worker $W: export $model"
  if ! $PY Training/export_zoo.py --model "$model" ${EXPORT_ARGS[$model]:-} >> "Training/runs/$model.stdout" 2>&1; then
    note "FAILED: export $model"; return 1
  fi
  echo "$epochs" > "Training/runs/$model/exported.txt"
  note "done $model: $(ls -l "Models/$model.gguf" | awk '{print $5}') bytes"
}

classifier() {
  local ds=$1
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" classifier:$ds "* ]]; then return 0; fi
  if [ -f "Training/runs/eval/$ds-classifier.pt" ]; then return 0; fi
  note "worker $W: classifier $ds"
  $PY Training/eval/train_classifier.py --dataset "$ds" --threads "$T" >> "Training/runs/eval-$ds.stdout" 2>&1 \
    || { note "FAILED: classifier $ds"; return 1; }
  note "done classifier $ds: $(tail -1 Training/runs/eval/log.txt)"
}

# One step under a lock: a step another worker holds is skipped (that worker does it).
locked() {
  local name=${1//[:\/]/_}; shift
  ( flock -n 9 || exit 0; "$@" ) 9> "Training/runs/locks/$name.lock"
}

worker() {
  W=$1
  for item in "${QUEUE[@]}"; do
    case $item in
      classifier:*) locked "$item" classifier "${item#classifier:}" ;;
      *) set -- $item; locked "$1" train $item ;;
    esac
  done
}

mkdir -p Training/runs/locks
note "queue start (pid $$, $WORKERS workers x $T threads)"
for w in $(seq "$WORKERS"); do
  worker "$w" &
  sleep 2
done
wait
note "queue end"
