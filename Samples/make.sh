#!/usr/bin/env bash
# Regenerates every picture in Samples/ with the gansynth CLI (release build), for README.md and the model card:
#   bash Samples/make.sh
# Pictures of models that are not installed are skipped with a note.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib >/dev/null
g=.build/release/gansynth
have() { [ -f "Models/$1.gguf" ] || { echo "skip: Models/$1.gguf not present"; return 1; }; }

if have mnist-dcgan; then
  $g sample --model mnist-dcgan --n 64 --scale 2 Samples/mnist-dcgan.png
  $g interpolate --model mnist-dcgan --pairs 6 --seed 100 --steps 10 --scale 2 Samples/mnist-dcgan-interpolation.png
fi
if have mnist-gan; then $g sample --model mnist-gan --n 64 --scale 2 Samples/mnist-gan.png; fi
if have mnist-cgan; then
  $g sample --model mnist-cgan --labels all --per-label 10 --scale 2 Samples/mnist-cgan-table.png
  $g interpolate --model mnist-cgan --label-from 1 --label-to 7 --seeds 0,1,2,3 --steps 10 --scale 2 Samples/mnist-cgan-morph.png
fi
if have fashion-cgan; then $g sample --model fashion-cgan --labels all --per-label 10 --scale 2 Samples/fashion-cgan-table.png; fi
if have mnist-infogan; then
  $g sample --model mnist-infogan --n 64 --scale 2 Samples/mnist-infogan.png
  $g interpolate --model mnist-infogan --pairs 6 --seed 100 --steps 10 --scale 2 Samples/mnist-infogan-interpolation.png
  $g sweep --model mnist-infogan --code 1 --range -2:2 --steps 10 --scale 2 Samples/mnist-infogan-code1.png
  $g sweep --model mnist-infogan --code 2 --range -2:2 --steps 10 --scale 2 Samples/mnist-infogan-code2.png
  $g sweep --model mnist-infogan --categorical rows --steps 10 --scale 2 Samples/mnist-infogan-categorical.png
fi
if have mnist-bigan; then
  $g sample --model mnist-bigan --n 64 --scale 2 Samples/mnist-bigan.png
  # Round trips of the model's own samples (no data set image is committed): each sample beside G(E(x)).
  tmp=$(mktemp -d)
  for s in $(seq 0 15); do $g sample --model mnist-bigan --seeds "$s" "$tmp/$s.png"; done
  $g reconstruct --model mnist-bigan --side-by-side --nrow 8 --scale 2 $(for s in $(seq 0 15); do echo "$tmp/$s.png"; done) Samples/mnist-bigan-reconstructions.png
  $g interpolate --model mnist-bigan --images "$tmp/3.png,$tmp/7.png" --steps 10 --video Samples/mnist-bigan-walk.gif --scale 3 --fps 10
  rm -rf "$tmp"
fi
for m in fashion-wgan-gp fashion-dcgan; do
  if have $m; then $g sample --model $m --n 64 --scale 2 Samples/$m.png; fi
done
for m in cifar10-biggan cifar10-wgan-gp cifar10-dcgan; do
  if have $m; then $g sample --model $m --n 64 --scale 2 --quality 92 Samples/$m.jpg; fi
done
if have cifar10-biggan; then $g sample --model cifar10-biggan --labels all --per-label 10 --scale 2 Samples/cifar10-biggan-table.png; fi
if have cifar10-cgan; then
  $g sample --model cifar10-cgan --labels all --per-label 10 --scale 2 Samples/cifar10-cgan-table.png
  $g sample --model cifar10-cgan --n 64 --scale 2 --quality 92 Samples/cifar10-cgan.jpg
fi
ls -la Samples/
