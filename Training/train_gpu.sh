#!/usr/bin/env bash
# Trains the models of the second zoo round side by side on one GPU, each for SECONDS, then packs the results
# (Training/pack_runs.py) into OUT as 15 MiB parts (join with `cat OUT/runs.tar.part-* > runs.tar`).
#
#   bash Training/train_gpu.sh DATA OUT SECONDS
#
# DATA holds cifar10/cifar10-jpg.tar.gz and, optionally, mnist/ (the IDX files; adds mnist-bigan and the MNIST
# classifier). Runs go to Training/runs/<name>; console output to Training/runs/<name>.stdout. The evaluation
# classifiers train in one chain beside the others. Each job checkpoints and stops after SECONDS of training and
# is killed SECONDS + 120 after its start (a lease ends on the clock), so the packing always runs.
# FULL="NAME..." keeps those runs' whole checkpoints (D and optimizers) to train them on elsewhere.
# DEVICE=cpu STANDING=2 CLASSIFIER_ARGS="--limit 512 --epochs 1" try the script out in minutes without a GPU.
set -u
cd "$(dirname "$0")/.."
DATA=$1 OUT=$2 BUDGET=$3
R=Training/runs
mkdir -p "$R" "$OUT"
export PYTHONUNBUFFERED=1
CIFAR=$DATA/cifar10/cifar10-jpg.tar.gz
MNIST=$DATA/mnist

# One decode of the CIFAR-10 JPEGs for every job (cached in Training/runs/data).
python3 - "$CIFAR" <<'PY' || exit 1
import sys, concurrent.futures as cf
sys.path.insert(0, "Training")
from gansynth_training.zoo import load_dataset
with cf.ProcessPoolExecutor(2) as ex:
    futs = [ex.submit(load_dataset, "cifar10", sys.argv[1], s, "Training/runs/data") for s in ("train", "test")]
    print([f.result()[0].shape for f in futs])
PY

# Processes share the GPU; the multi-process service lets their small kernels run at once where it starts.
if [ "${DEVICE:-cuda}" = cuda ] && command -v nvidia-cuda-mps-control >/dev/null && nvidia-cuda-mps-control -d 2>/dev/null; then
  if ! timeout 60 python3 -c "import torch; torch.zeros(1, device='cuda').sum().item()" 2>/dev/null; then
    echo quit | timeout 10 nvidia-cuda-mps-control; echo "MPS refused its clients; running without it"
  else echo "MPS running"; fi
fi

job() {  # name, command...
  local name=$1; shift
  echo "$(date -u +%T) start $name"
  timeout -s INT $((BUDGET + 120)) "$@" > "$R/$name.stdout" 2>&1; echo "$(date -u +%T) end $name: status $? $(tail -1 "$R/$name.stdout")"
}
DEV=${DEVICE:-cuda}  # DEVICE=cpu tries the script out on a machine without a GPU
C="--device $DEV --threads 1 --time-budget $BUDGET"
( job classifier-cifar10 python3 Training/eval/train_classifier.py --dataset cifar10 --data "$CIFAR" --device $DEV --threads 1 ${CLASSIFIER_ARGS:-}
  if [ -d "$MNIST" ]; then job classifier-mnist python3 Training/eval/train_classifier.py --dataset mnist --data "$MNIST" --device $DEV --threads 1 ${CLASSIFIER_ARGS:-}; fi ) &
job cifar10-wgan-gp python3 Training/train_zoo.py --model cifar10-wgan-gp --data "$CIFAR" --epochs 300 --ckpt-every 5000 $C &
job cifar10-dcgan python3 Training/train_zoo.py --model cifar10-dcgan --data "$CIFAR" --epochs 300 --ckpt-every 5000 $C &
job cifar10-biggan python3 Training/train_biggan.py --data "$CIFAR" --d-steps 2 --standing-batches ${STANDING:-100} $C &
job cifar10-biggan-d4 python3 Training/train_biggan.py --data "$CIFAR" --d-steps 4 --out $R/cifar10-biggan-d4 --standing-batches ${STANDING:-100} $C &
if [ -d "$MNIST" ]; then job mnist-bigan python3 Training/train_bigan.py --data "$MNIST" --epochs 300 $C & fi
wait
echo quit | timeout 10 nvidia-cuda-mps-control 2>/dev/null
python3 Training/pack_runs.py "$R" "$R/runs.tar" --full ${FULL:-} && split -b 15M -d "$R/runs.tar" "$OUT/runs.tar.part-"
for f in "$R"/*.stdout; do echo "== $f"; grep -v "^epoch .* iter \|^iter " "$f" | tail -4; done
ls -la "$OUT"
