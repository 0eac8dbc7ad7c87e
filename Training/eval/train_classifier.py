#!/usr/bin/env python3
"""Train the evaluation classifier of one data set on its training set and report its test accuracy.

    python3 Training/eval/train_classifier.py --dataset mnist     # ~99% after 2 epochs
    python3 Training/eval/train_classifier.py --dataset fashion   # ~91% after 3 epochs
    python3 Training/eval/train_classifier.py --dataset cifar10   # epochs as time allows; flips + crops

Writes Training/runs/eval/<dataset>-classifier.pt (weights, test accuracy, epochs) and appends to
Training/runs/eval/log.txt. Adam, batch 128, cosine learning-rate decay over --epochs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classifiers import DATASETS, DEFAULT_DIR, SmallCNN, classifier_path, dataset_arrays, predict  # noqa: E402

DEFAULT_EPOCHS = {"mnist": 2, "fashion": 3, "cifar10": 4}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", required=True, choices=DATASETS)
    p.add_argument("--data", help="data location (default as in Training/train_zoo.py)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="torch device for training: cpu (default) or cuda")
    p.add_argument("--out", default=DEFAULT_DIR)
    p.add_argument("--limit", type=int, default=0, help="use only the first N training images (testing)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    epochs = args.epochs or DEFAULT_EPOCHS[args.dataset]
    os.makedirs(args.out, exist_ok=True)

    xtr, ytr = dataset_arrays(args.dataset, "train", args.data)
    xte, yte = dataset_arrays(args.dataset, "test", args.data)
    if args.limit:
        xtr, ytr = xtr[:args.limit], ytr[:args.limit]
    dev = torch.device(args.device)
    data = torch.from_numpy(xtr).to(dev).float().div_(255.0)
    targets = torch.from_numpy(ytr).to(dev)
    model = SmallCNN(xtr.shape[1]).to(dev)
    bs = 128
    steps = epochs * (len(xtr) // bs)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.15)
    rgb = xtr.shape[1] == 3
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.from_numpy(np.random.RandomState(args.seed * 7919 + epoch).permutation(len(xtr))).to(dev)
        tot = 0.0
        for it in range(len(xtr) // bs):
            idx = perm[it * bs:(it + 1) * bs]
            x, y = data[idx], targets[idx]
            if rgb:  # augmentation: horizontal flip + random 32x32 crop of the 2-pixel padded image
                flip = torch.rand(bs, device=dev) < 0.5
                x = torch.where(flip[:, None, None, None], x.flip(3), x)
                xp = F.pad(x, (2, 2, 2, 2), mode="reflect")
                dx, dy = np.random.randint(0, 5, 2)
                x = xp[:, :, dy:dy + 32, dx:dx + 32]
            loss = F.cross_entropy(model(x), y, label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.detach()
            if (it + 1) % 100 == 0:
                print(f"epoch {epoch + 1} iter {it + 1} loss {float(tot) / (it + 1):.4f} {time.time() - t0:.0f} s",
                      flush=True)
        model.eval()
        model.cpu()
        pred, _ = predict(model, xte)
        model.to(dev)
        acc = float((pred == yte).mean())
        print(f"epoch {epoch + 1}/{epochs}: test accuracy {acc:.4f} ({time.time() - t0:.0f} s)", flush=True)
    path = classifier_path(args.dataset, args.out)
    model.cpu()
    torch.save({"state": model.state_dict(), "test_accuracy": acc, "epochs": epochs, "train_seconds": time.time() - t0,
                "dataset": args.dataset}, path + ".tmp")
    os.replace(path + ".tmp", path)
    line = (time.strftime("%Y-%m-%d %H:%M:%S ") + f"{args.dataset} classifier: {epochs} epochs, test accuracy "
            f"{acc:.4f}, {time.time() - t0:.0f} s -> {path}")
    print(line)
    with open(os.path.join(args.out, "log.txt"), "a") as f:
        f.write(line + "\n")


if __name__ == "__main__":
    main()
