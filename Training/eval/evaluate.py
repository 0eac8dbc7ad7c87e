#!/usr/bin/env python3
"""Evaluate gansynth models on images made by the gansynth CLI (not by PyTorch), so the whole path is covered:
GGUF file -> Swift graph -> pixels.

    python3 Training/eval/evaluate.py --models mnist-dcgan,mnist-gan,mnist-cgan,mnist-infogan,fashion-cgan,cifar10-cgan \
        --gansynth .build/release/gansynth

Needs the classifiers of Training/eval/train_classifier.py in Training/runs/eval/. Per model, N images (default
10,000, seeds 0 ... N-1) are made with `gansynth generate --n N --format npy` (`--labels balanced` for conditional
models: image i asks for label i mod L). Metrics:

  conditional models   label accuracy: share of images the data set's classifier assigns the asked label
  mnist-infogan        categorical-code accuracy: the code of each image (drawn from its seed by the tool's rule,
                       FORMAT.md) against the classifier's digit, under the best one-to-one matching of codes to
                       digits (Hungarian algorithm on the 10x10 confusion matrix); the InfoGAN paper reports 5% error
  every model          class histogram of the classifier's predictions (smallest class share; no class under 5%
                       means no mode collapse) and the Fréchet distance between Gaussians fitted to the classifier's
                       penultimate features of the generated images and of the test set ("FD"); the floor is the
                       same distance between the test set and the training set
  every model          confident share: images whose classifier probability for its predicted class is > 0.9,
                       beside the same share for the real test images
  BiGAN models         reconstruction through the CLI (`gansynth encode` of the test images, then `gansynth
                       generate --latents`): mean L2 distance between each test digit and G(E(x)) in [0, 1] pixels,
                       beside the mean distance between random pairs of test digits (the BiGAN paper's anchor: 5.95
                       vs 9.60), and the share of test digits whose reconstruction the classifier puts in their class
  mnist-gan            Gaussian Parzen-window log-likelihood of the MNIST test set (Goodfellow et al. 2014): pixels
                       in [0, 1], sigma chosen on the validation split (the last 10,000 training images, which
                       mnist-gan does not train on) from a log grid, mean +- standard error over the 10,000 test
                       images; the paper reports 225 +- 2

Results are merged into Training/runs/eval/results.json and printed as a Markdown table.
If the CLI has no `generate` command, images are made with `gansynth sample ... --padding 0 --format pgm|ppm -` in
chunks and cut out of the grid (same pixels).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
ROOT = os.path.dirname(TRAINING)
sys.path.insert(0, HERE)
sys.path.insert(0, TRAINING)
from classifiers import DEFAULT_DIR, dataset_arrays, load_classifier, predict  # noqa: E402

GOALS = {"mnist-cgan": ("label_accuracy", 0.98), "fashion-cgan": ("label_accuracy", 0.90),
         "cifar10-cgan": ("label_accuracy", 0.60), "cifar10-biggan": ("label_accuracy", 0.75),
         "mnist-infogan": ("categorical_accuracy", 0.95), "mnist-gan": ("parzen_mean", 225.0)}


def model_meta(path: str) -> dict:
    import gguf
    r = gguf.GGUFReader(path)
    return {k: f.contents() for k, f in r.fields.items() if k.startswith(("gansynth.", "general."))
            and not k.startswith("gansynth.node.")}


def dataset_of(name: str, meta: dict) -> str:
    ds = str(meta.get("gansynth.dataset", "")).lower()
    if "fashion" in ds or name.startswith("fashion"):
        return "fashion"
    if "cifar" in ds or name.startswith("cifar"):
        return "cifar10"
    return "mnist"


def model_path(name: str) -> str:
    return name if name.endswith(".gguf") else os.path.join(ROOT, "Models", f"{name}.gguf")


# ---------------------------------------------------------------------------------------------------------------
# Generating with the CLI


def has_generate(gansynth: str) -> bool:
    r = subprocess.run([gansynth, "generate", "--help"], capture_output=True, text=True)
    return r.returncode == 0 and "--n" in r.stdout + r.stderr


def generate(gansynth: str, model: str, n: int, conditional: bool, threads: int | None) -> tuple[np.ndarray, str]:
    """(N, C, H, W) uint8 for seeds 0 ... n-1, and the command used."""
    extra = ["--threads", str(threads)] if threads else []
    if has_generate(gansynth):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "x.npy")
            cmd = [gansynth, "generate", "--model", model, "--seed", "0", "--n", str(n), "--format", "npy",
                   "--quiet"] + (["--labels", "balanced"] if conditional else []) + extra + [out]
            subprocess.run(cmd, check=True)
            return np.load(out), " ".join(cmd[1:-1]) + " OUT.npy"
    # Fallback: grids from `gansynth sample` without padding, cut into cells.
    meta = model_meta(model)
    c, h, w = (int(meta[f"gansynth.output.{k}"]) for k in ("channels", "height", "width"))
    L = len(meta.get("gansynth.labels") or [])
    chunk = 100
    parts = []
    for s in range(0, n, chunk):
        k = min(chunk, n - s)
        cmd = [gansynth, "sample", "--model", model, "--seed", str(s), "--n", str(k), "--nrow", str(k),
               "--padding", "0", "--format", "pgm" if c == 1 else "ppm"] + extra
        if conditional:
            if s % L or k % L:
                raise SystemExit("fallback needs chunks that are multiples of the label count")
            # One label per call keeps the seed -> image rule; balanced = label i mod L.
            imgs = np.zeros((k, c, h, w), np.uint8)
            for lab in range(L):
                seeds = list(range(s + lab, s + k, L))
                r = subprocess.run([gansynth, "sample", "--model", model, "--seeds", ",".join(map(str, seeds)),
                                    "--nrow", str(len(seeds)), "--padding", "0", "--label", str(lab),
                                    "--format", "pgm" if c == 1 else "ppm"] + extra + ["-"],
                                   check=True, capture_output=True)
                g = read_pnm(r.stdout)
                imgs[lab::L] = cut(g, len(seeds), c, h, w)
            parts.append(imgs)
            continue
        r = subprocess.run(cmd + ["-"], check=True, capture_output=True)
        parts.append(cut(read_pnm(r.stdout), k, c, h, w))
    return np.concatenate(parts), "sample (fallback) --padding 0"


def read_pnm(b: bytes) -> np.ndarray:
    tokens, pos = [], 0
    while len(tokens) < 4:
        while b[pos:pos + 1].isspace():
            pos += 1
        if b[pos:pos + 1] == b"#":
            pos = b.index(b"\n", pos) + 1
            continue
        start = pos
        while not b[pos:pos + 1].isspace():
            pos += 1
        tokens.append(b[start:pos])
    pos += 1
    magic, w, h = tokens[0], int(tokens[1]), int(tokens[2])
    c = 1 if magic == b"P5" else 3
    return np.frombuffer(b, np.uint8, h * w * c, pos).reshape(h, w, c).transpose(2, 0, 1)


def cut(grid: np.ndarray, k: int, c: int, h: int, w: int) -> np.ndarray:
    return np.stack([grid[:, :h, i * w:(i + 1) * w] for i in range(k)])


def seed_codes(n: int, categorical: list, continuous: int, num_labels: int = 0):
    """Labels/codes the tool draws from seed s: RandomState(s + 2**31 mod 2**32): label, categorical codes,
    continuous codes (FORMAT.md)."""
    cats = np.zeros((n, len(categorical)), np.int64)
    conts = np.zeros((n, continuous))
    for s in range(n):
        rs = np.random.RandomState((s + 2 ** 31) % 2 ** 32)
        if num_labels:
            rs.randint(num_labels)
        for j, k in enumerate(categorical):
            cats[s, j] = rs.randint(k)
        for j in range(continuous):
            conts[s, j] = rs.uniform(-1, 1)
    return cats, conts


# ---------------------------------------------------------------------------------------------------------------
# Metrics


def frechet(f1: np.ndarray, f2: np.ndarray) -> float:
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    # tr sqrt(s1 s2) = sum of square roots of the eigenvalues of s1 s2 (real, >= 0 up to rounding).
    ev = np.linalg.eigvals(s1 @ s2)
    tr_sqrt = float(np.sqrt(np.clip(ev.real, 0, None)).sum())
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def best_matching_accuracy(codes: np.ndarray, preds: np.ndarray, k: int) -> tuple[float, list, list]:
    """Accuracy under the best one-to-one code -> class matching, the matching, and the k x 10 confusion matrix."""
    conf = np.zeros((k, 10), np.int64)
    np.add.at(conf, (codes, preds), 1)
    from scipy.optimize import linear_sum_assignment
    rows, cols = linear_sum_assignment(-conf)
    return float(conf[rows, cols].sum() / len(codes)), [int(c) for c in cols], conf.tolist()


def parzen(samples: np.ndarray, x: np.ndarray, sigmas, batch: int = 1000) -> np.ndarray:
    """Per-sigma per-x log-likelihood under the Gaussian Parzen window on `samples`. (len(sigmas), len(x))."""
    s = torch.from_numpy(samples.reshape(len(samples), -1).astype(np.float64))
    s2 = (s * s).sum(1)
    d = s.shape[1]
    res = np.zeros((len(sigmas), len(x)))
    for i in range(0, len(x), batch):
        xb = torch.from_numpy(x[i:i + batch].reshape(-1, d).astype(np.float64))
        d2 = (xb * xb).sum(1)[:, None] + s2[None, :] - 2 * xb @ s.T
        for j, sig in enumerate(sigmas):
            ll = torch.logsumexp(-d2 / (2 * sig * sig), 1) - np.log(len(s)) - d / 2 * np.log(2 * np.pi * sig * sig)
            res[j, i:i + batch] = ll.numpy()
    return res


@torch.no_grad()
def confident_share(clf, feats: np.ndarray, threshold: float = 0.9) -> float:
    p = torch.softmax(clf.head(torch.from_numpy(feats).float()), 1)
    return float((p.max(1).values > threshold).double().mean())


def reconstruct(gansynth: str, model: str, images: np.ndarray, threads: int | None) -> tuple[np.ndarray, str]:
    """G(E(x)) of (N, C, H, W) uint8 images through the CLI: each image written as a PGM/PPM file, encoded with
    `gansynth encode`, and the codes turned back into images with `gansynth generate --latents`."""
    extra = ["--threads", str(threads)] if threads else []
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, x in enumerate(images):
            path = os.path.join(d, f"{i:05d}.{'pgm' if x.shape[0] == 1 else 'ppm'}")
            with open(path, "wb") as f:
                f.write(f"{'P5' if x.shape[0] == 1 else 'P6'}\n{x.shape[2]} {x.shape[1]}\n255\n".encode())
                f.write(np.ascontiguousarray(x.transpose(1, 2, 0)).tobytes())
            paths.append(path)
        z = os.path.join(d, "z.npy")
        enc = [gansynth, "encode", "--model", model] + extra + ["-o", z]
        subprocess.run(enc + paths, check=True)
        out = os.path.join(d, "x.npy")
        gen = [gansynth, "generate", "--model", model, "--latents", z, "--format", "npy", "--quiet"] + extra + [out]
        subprocess.run(gen, check=True)
        return np.load(out), (" ".join(enc[1:-2]) + " -o Z.npy IMAGES… ; " + " ".join(gen[1:-1]).replace(z, "Z.npy")
                              + " OUT.npy")


def histogram_stats(preds: np.ndarray) -> dict:
    h = np.bincount(preds, minlength=10) / len(preds)
    return {"class_histogram": [round(float(v), 4) for v in h], "min_class_share": float(h.min()),
            "max_class_share": float(h.max())}


_floor_cache: dict = {}


def reference(dataset: str, clf):
    if dataset not in _floor_cache:
        xte, yte = dataset_arrays(dataset, "test")
        xtr, _ = dataset_arrays(dataset, "train")
        _, fte = predict(clf, xte)
        sub = np.random.RandomState(0).choice(len(xtr), 10000, replace=False)
        _, ftr = predict(clf, xtr[sub])
        _floor_cache[dataset] = (fte, frechet(fte, ftr), confident_share(clf, fte))
    return _floor_cache[dataset]


def evaluate_model(name: str, args) -> dict:
    path = model_path(name)
    meta = model_meta(path)
    name = str(meta["general.name"])
    dataset = dataset_of(name, meta)
    labels = list(meta.get("gansynth.labels") or [])
    categorical = [int(k) for k in (meta.get("gansynth.codes.categorical") or [])]
    continuous = int(meta.get("gansynth.codes.continuous") or 0)
    clf, ck = load_classifier(dataset, args.classifiers)
    t0 = time.time()
    imgs, how = generate(args.gansynth, path, args.n, bool(labels), args.threads)
    gen_s = time.time() - t0
    expect = (int(meta["gansynth.output.channels"]), int(meta["gansynth.output.height"]),
              int(meta["gansynth.output.width"]))
    if imgs.shape != (args.n,) + expect or imgs.dtype != np.uint8:
        raise SystemExit(f"{name}: generated {imgs.shape} {imgs.dtype}, expected {(args.n,) + expect} uint8")
    preds, feats = predict(clf, imgs)
    fte, floor, confident_real = reference(dataset, clf)
    res = {"model": name, "file": os.path.relpath(path, ROOT), "file_bytes": os.path.getsize(path),
           "dataset": dataset, "n": args.n, "generated_with": how, "generate_seconds": round(gen_s, 1),
           "classifier_test_accuracy": ck["test_accuracy"], "epochs": int(meta.get("gansynth.training.epochs", 0)),
           "fd": frechet(feats, fte), "fd_floor_test_vs_train": floor,
           "confident_share": confident_share(clf, feats), "confident_share_real": confident_real}
    res.update(histogram_stats(preds))
    if "gansynth.encoder.graph.node_count" in meta:
        xte, yte = dataset_arrays(dataset, "test")
        t1 = time.time()
        rec, how_rec = reconstruct(args.gansynth, path, xte[:args.n], args.threads)
        x = xte[:args.n].reshape(len(rec), -1).astype(np.float64) / 255.0
        r = rec.reshape(len(rec), -1).astype(np.float64) / 255.0
        pairs = np.random.RandomState(0).permutation(len(x))
        rec_preds, _ = predict(clf, rec)
        res.update({"reconstructed_with": how_rec, "reconstruct_seconds": round(time.time() - t1, 1),
                    "reconstruction_l2": float(np.linalg.norm(x - r, axis=1).mean()),
                    "random_pairs_l2": float(np.linalg.norm(x - x[pairs], axis=1).mean()),
                    "reconstruction_class_kept": float((rec_preds == yte[:args.n]).mean())})
    if labels:
        asked = np.arange(args.n) % len(labels)
        res["label_accuracy"] = float((preds == asked).mean())
        res["label_accuracy_per_class"] = [round(float((preds[asked == i] == i).mean()), 4)
                                           for i in range(len(labels))]
    if categorical:
        cats, _ = seed_codes(args.n, categorical, continuous, len(labels))
        acc, mapping, conf = best_matching_accuracy(cats[:, 0], preds, categorical[0])
        res["categorical_accuracy"] = acc
        res["categorical_to_digit"] = mapping
        res["categorical_confusion"] = conf  # rows: code value, columns: predicted class
    if name == "mnist-gan" or args.parzen:
        xval, _ = dataset_arrays(dataset, "train")
        xval = xval[50000:60000].astype(np.float64) / 255.0
        xte = dataset_arrays(dataset, "test")[0].astype(np.float64) / 255.0
        samples = imgs.astype(np.float64) / 255.0
        sigmas = np.logspace(np.log10(0.05), np.log10(0.5), 25)
        val = parzen(samples, xval, sigmas).mean(1)
        best = float(sigmas[int(np.argmax(val))])
        ll = parzen(samples, xte, [best])[0]
        res.update({"parzen_sigma": best, "parzen_mean": float(ll.mean()),
                    "parzen_stderr": float(ll.std() / np.sqrt(len(ll))), "parzen_validation_mean": float(val.max())})
    if name in GOALS:
        key, goal = GOALS[name]
        res["goal"] = {"metric": key, "goal": goal, "met": bool(res[key] >= goal)}
    return res


def table(results: dict) -> str:
    rows = ["| model | images | label / code accuracy | smallest class share | FD (floor) | Parzen LL | goal |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in results.items():
        acc = (f"{100 * r['label_accuracy']:.1f}% label" if "label_accuracy" in r else
               f"{100 * r['categorical_accuracy']:.1f}% code" if "categorical_accuracy" in r else "–")
        pz = f"{r['parzen_mean']:.0f} ± {r['parzen_stderr']:.0f} (σ {r['parzen_sigma']:.3f})" if "parzen_mean" in r \
            else "–"
        g = r.get("goal")
        goal = "–" if not g else f"{'met' if g['met'] else 'MISSED'} ({g['metric']} ≥ {g['goal']})"
        rows.append(f"| {name} | {r['n']} | {acc} | {100 * r['min_class_share']:.1f}% | {r['fd']:.2f} "
                    f"({r['fd_floor_test_vs_train']:.2f}) | {pz} | {goal} |")
    return "\n".join(rows)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="mnist-dcgan,mnist-gan,mnist-cgan,mnist-infogan,mnist-bigan,fashion-cgan,"
                                       "cifar10-cgan,cifar10-biggan,cifar10-wgan-gp,cifar10-dcgan",
                   help="comma-separated names (Models/<name>.gguf) or .gguf paths; missing files are skipped")
    p.add_argument("--gansynth", default=os.path.join(ROOT, ".build", "release", "gansynth"))
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--threads", type=int, default=2, help="threads for the CLI and PyTorch")
    p.add_argument("--classifiers", default=DEFAULT_DIR)
    p.add_argument("--results", default=os.path.join(DEFAULT_DIR, "results.json"))
    p.add_argument("--parzen", action="store_true", help="Parzen window for every MNIST model, not only mnist-gan")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    results = {}
    if os.path.exists(args.results):
        with open(args.results) as f:
            results = json.load(f)
    done = {}
    for name in [m for m in args.models.split(",") if m]:
        if not os.path.exists(model_path(name)):
            print(f"skip {name}: {model_path(name)} not found", file=sys.stderr)
            continue
        t0 = time.time()
        r = evaluate_model(name, args)
        r["evaluated"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results[r["model"]] = done[r["model"]] = r
        print(json.dumps(r), flush=True)
        print(f"{name}: {time.time() - t0:.0f} s", file=sys.stderr)
        os.makedirs(os.path.dirname(args.results), exist_ok=True)
        with open(args.results + ".tmp", "w") as f:
            json.dump(results, f, indent=1)
        os.replace(args.results + ".tmp", args.results)
    print(table(done))


if __name__ == "__main__":
    main()
