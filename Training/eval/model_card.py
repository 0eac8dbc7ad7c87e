#!/usr/bin/env python3
"""Print the Markdown rows of the model card (Models/README.md) from the model files, the training logs and
Training/runs/eval/results.json:

    python3 Training/eval/model_card.py
"""
from __future__ import annotations

import json
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
ROOT = os.path.dirname(TRAINING)
sys.path.insert(0, HERE)
from evaluate import GOALS  # noqa: E402
DEFAULT_MODEL = "mnist-infogan"  # the CLI's (ModelLocator.defaultModel)
ORDER = ["mnist-dcgan", "mnist-gan", "mnist-cgan", "mnist-infogan", "mnist-bigan", "fashion-cgan", "fashion-wgan-gp",
         "fashion-dcgan", "cifar10-cgan",
         "cifar10-biggan", "cifar10-wgan-gp", "cifar10-dcgan"]
ARCH = {
    "fashion-wgan-gp": "unconditional DCGAN: z 100 → linear 6272 → 2 transposed convs, 7.3 M MACs",
    "fashion-dcgan": "unconditional DCGAN: z 100 → linear 6272 → 2 transposed convs, 7.3 M MACs",
    "mnist-dcgan": "DCGAN: z 100 → linear → 2 transposed convs, 7.3 M MACs",
    "mnist-gan": "MLP: z 100 (uniform) → 1200 → 1200 → 784 sigmoid, 2.5 M MACs",
    "mnist-cgan": "conditional DCGAN: z 100 + one-hot label, 7.3 M MACs",
    "mnist-infogan": "InfoGAN (the paper's MNIST layers): z 62 + categorical 10 + 2 continuous → 1024 → 128×7×7 → 2 transposed convs, 13.1 M MACs, q8_0",
    "fashion-cgan": "conditional DCGAN: z 100 + one-hot label, 7.3 M MACs",
    "cifar10-cgan": "conditional DCGAN: z 128 + one-hot label → 3 transposed convs, 18 M MACs",
    "mnist-bigan": "BiGAN: G z 50 (uniform) → linear → 2 transposed convs, 6.9 M MACs; encoder E image → 2 convs → 256 → z 50 in the same file",
    "cifar10-biggan": "BigGAN: z 128 + shared class embedding → 3 residual blocks (128 ch, conditional BN) with self-attention at 16×16",
    "cifar10-wgan-gp": "unconditional DCGAN: z 128 → linear 4096 → 3 transposed convs, 18 M MACs",
    "cifar10-dcgan": "unconditional DCGAN: z 128 → linear 4096 → 3 transposed convs, 18 M MACs",
}
COMMAND = {
    "mnist-dcgan": "`python3 Training/train_zoo.py --model mnist-dcgan --data DIR` (the file holds the moving average of G's weights)",
    "mnist-bigan": "`python3 Training/train_bigan.py --data DIR` + `export_bigan.py`",
    "cifar10-biggan": "`python3 Training/train_biggan.py --data DIR/cifar10-jpg.tar.gz --d-steps 2 --device cuda --time-budget 420`, then `--resume --time-budget 170` + `export_biggan.py`",
    "cifar10-wgan-gp": "`python3 Training/train_zoo.py --model cifar10-wgan-gp --data DIR/cifar10-jpg.tar.gz --device cuda --time-budget 420` + `export_zoo.py --weights ema-standing`",
    "fashion-wgan-gp": "`python3 Training/train_zoo.py --model fashion-wgan-gp --data DIR --epochs 40 --max-iters 25000 --threads 1` + `export_zoo.py --weights live`",
    "fashion-dcgan": "`python3 Training/train_zoo.py --model fashion-dcgan --data DIR --epochs 40 --max-iters 25000 --threads 1` (run as 5,000, then `--resume` to 25,000) + `export_zoo.py --weights ema`",
    "cifar10-dcgan": "`python3 Training/train_zoo.py --model cifar10-dcgan --data DIR/cifar10-jpg.tar.gz`",
    "mnist-gan": "`python3 Training/train_zoo.py --model mnist-gan --epochs 300`, then `--resume --epochs 320 --ema 0.999`, then `--resume --epochs 360 --ema 0.9999` (the file holds the moving average of G's weights)",
    "mnist-cgan": "`python3 Training/train_zoo.py --model mnist-cgan --epochs 10`",
    "mnist-infogan": "`python3 Training/train_zoo.py --model mnist-infogan --epochs 8 --seed 5 --info-cat-weight 0.5` + `export_zoo.py --weight-type q8_0`",
    "fashion-cgan": "`python3 Training/train_zoo.py --model fashion-cgan --epochs 12`",
    "cifar10-cgan": "`python3 Training/train_zoo.py --model cifar10-cgan --epochs 4`",
}


def training_seconds(name: str) -> float | None:
    """Seconds of training in a run's log: per-epoch times, or a BigGAN run's last "N s of training"."""
    log = os.path.join(TRAINING, "runs", name, "log.txt")
    if not os.path.exists(log):
        return None
    tot, stopped = 0.0, None
    with open(log) as f:
        for line in f:
            m = re.search(r"epoch \d+/\d+ .* (?:train_s|wall_s) ([0-9.]+)", line)
            if m:
                tot += float(m.group(1))
            m = re.search(r"stopped at iteration \d+ \(([0-9.]+) s of training", line)
            if m:
                stopped = float(m.group(1))
    return (stopped if stopped is not None else tot) or None


def main() -> None:
    import gguf
    res_path = os.path.join(TRAINING, "runs", "eval", "results.json")
    results = json.load(open(res_path)) if os.path.exists(res_path) else {}
    print("| model | data | architecture | parameters | file (f16) | training command | epochs | training time here | "
          "metrics (10,000 images from the CLI) | goal |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in ORDER:
        path = os.path.join(ROOT, "Models", f"{name}.gguf")
        if not os.path.exists(path):
            continue
        r = gguf.GGUFReader(path)
        meta = {k: f.contents() for k, f in r.fields.items() if not k.startswith("gansynth.node.")}
        params = sum(int(np.prod(t.shape)) for t in r.tensors)
        secs = training_seconds(name)
        gpu = "--device cuda" in str(meta.get("gansynth.training.command", ""))
        ev = results.get(name, {})
        metrics = []
        if "label_accuracy" in ev:
            metrics.append(f"label accuracy {100 * ev['label_accuracy']:.1f}%")
        if "categorical_accuracy" in ev:
            metrics.append(f"code accuracy {100 * ev['categorical_accuracy']:.1f}%")
        if "parzen_mean" in ev:
            metrics.append(f"Parzen {ev['parzen_mean']:.0f} ± {ev['parzen_stderr']:.0f} (σ {ev['parzen_sigma']:.3f}; "
                           f"paper 225 ± 2)")
        if "reconstruction_l2" in ev:
            metrics.append(f"reconstruction L2 {ev['reconstruction_l2']:.2f} vs random pairs {ev['random_pairs_l2']:.2f} "
                           f"(paper 5.95 vs 9.60); class kept {100 * ev['reconstruction_class_kept']:.1f}%")
        if ev:
            if "confident_share" in ev:
                metrics.append(f"confident (p > 0.9) {100 * ev['confident_share']:.1f}% (real test images "
                               f"{100 * ev['confident_share_real']:.1f}%)")
            metrics.append(f"smallest class {100 * ev['min_class_share']:.1f}%")
            metrics.append(f"FD {ev['fd']:.2f} (floor {ev['fd_floor_test_vs_train']:.2f})")
            metrics.append(f"classifier test accuracy {100 * ev['classifier_test_accuracy']:.1f}%")
        goal = "–"
        if name in GOALS and GOALS[name][0] in ev:
            metric, target = GOALS[name]
            goal = f"{metric} ≥ {target}: {'met' if ev[metric] >= target else '**missed**'}"
        if not ev:
            goal = "not evaluated yet"
        shown = f"{name} (default)" if name == DEFAULT_MODEL else name
        print(f"| {shown} | {meta.get('gansynth.dataset', '')} | {ARCH.get(name, '')} | {params / 1e6:.2f} M | "
              f"{os.path.getsize(path) / 1e6:.2f} MB | {COMMAND.get(name, '')} | "
              f"{meta.get('gansynth.training.epochs', '?')} | "
              f"{'%.0f min' % (secs / 60) if secs else '?'}{' (one GPU)' if gpu else ''} | {'; '.join(metrics) or '–'} | {goal} |")


if __name__ == "__main__":
    sys.exit(main())
