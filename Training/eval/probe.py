#!/usr/bin/env python3
"""Quick look at a training checkpoint, in PyTorch (not the tool): the metric of its goal on 10,000 samples.

    python3 Training/eval/probe.py --model mnist-infogan --checkpoint Training/runs/mnist-infogan/checkpoint.pt

For choosing among runs while they train (e.g. which InfoGAN seed's categorical code found the digits); the
figures of the model card come from Training/eval/evaluate.py on images made by the gansynth CLI.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, TRAINING)
from classifiers import DEFAULT_DIR, load_classifier, predict  # noqa: E402
from classifiers import dataset_arrays  # noqa: E402
from evaluate import best_matching_accuracy, histogram_stats, parzen  # noqa: E402
from gansynth_training.zoo import SPECS, build_generator, generator_state  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=sorted(SPECS))
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--classifiers", default=DEFAULT_DIR)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    spec = SPECS[args.model]
    ck = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    G = build_generator(spec)
    G.load_state_dict(generator_state(ck))
    G.eval()
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(args.n, spec.z_dim, generator=gen) if spec.z_distribution == "normal" else \
        torch.rand(args.n, spec.z_dim, generator=gen) * 2 - 1
    kw, asked = {}, None
    if spec.conditional:
        asked = torch.arange(args.n) % len(spec.labels)
        kw = {"label": asked}
    if spec.infogan:
        asked = torch.arange(args.n) % spec.categorical[0]
        kw = {"categorical": asked[:, None], "continuous": torch.rand(args.n, spec.continuous, generator=gen) * 2 - 1}
    with torch.no_grad():
        x = torch.cat([G(z[i:i + 500], **{k: v[i:i + 500] for k, v in kw.items()}) for i in range(0, args.n, 500)])
    lo = 0.0 if spec.output_range == "sigmoid" else -1.0
    u8 = np.clip(np.rint((x.numpy() - lo) / (1.0 - lo) * 255.0), 0, 255).astype(np.uint8)
    clf, _ = load_classifier(spec.data_kind, args.classifiers)
    preds, _ = predict(clf, u8)
    line = f"{args.model} epoch {ck.get('epochs_completed', '?')}: smallest class " \
           f"{histogram_stats(preds)['min_class_share']:.3f}"
    if spec.conditional:
        line += f", label accuracy {float((preds == asked.numpy()).mean()):.4f}"
    if spec.infogan:
        acc, mapping, _ = best_matching_accuracy(asked.numpy(), preds, spec.categorical[0])
        line += f", categorical accuracy {acc:.4f} (code -> digit {mapping})"
    if spec.name == "mnist-gan":  # Parzen window as in evaluate.py: sigma on the validation split, then the test set
        samples = u8.reshape(len(u8), -1).astype(np.float64) / 255.0
        xval = dataset_arrays("mnist", "train")[0][50000:60000].astype(np.float64) / 255.0
        xte = dataset_arrays("mnist", "test")[0].astype(np.float64) / 255.0
        sigmas = np.logspace(np.log10(0.05), np.log10(0.5), 25)
        best = float(sigmas[int(np.argmax(parzen(samples, xval, sigmas).mean(1)))])
        ll = parzen(samples, xte, [best])[0]
        line += f", Parzen {ll.mean():.1f} +- {ll.std() / np.sqrt(len(ll)):.1f} (sigma {best:.3f})"
    print(line)


if __name__ == "__main__":
    main()
