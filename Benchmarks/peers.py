#!/usr/bin/env python3
"""The peers of gansynth's inference core, on the SAME weights: each gansynth GGUF file is read with gguf.GGUFReader
(Training/gansynth_training/export.py's read_generator, which dequantizes f16/q8_0 exactly as stored), turned into
a PyTorch nn.Module (eval mode, float32) and exported to ONNX; then PyTorch CPU and ONNX Runtime CPU are timed
with the same thread counts and batches as the Swift harness.

    python3 Benchmarks/peers.py export MODEL.gguf...        # write Benchmarks/results/onnx/NAME.onnx, check parity
    python3 Benchmarks/peers.py time MODEL.gguf... [--threads 1,2] [--batches 1,64,256] [--seconds 1.0]
    python3 Benchmarks/peers.py peak                         # FMA peak probe (Benchmarks/fmapeak.c), GFLOP/s,
                                                             # 512-bit and 256-bit FMAs

`time` prints one JSON object per line: {"engine", "model", "threads", "batch", "images_per_s", "gflops", ...}.

Batch norm: gansynth folds a batch_norm into the layer before it. The peers get the same folding done here (in
float32, on the dequantized weights) so that they run the same arithmetic graph: ONNX Runtime would fuse a Conv+BN
itself but not a ConvTranspose+BN, and PyTorch eager fuses nothing. `--no-fold` keeps the batch norms as modules.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Training"))
from gansynth_training.export import INPUT_OPS, forward_nodes, read_generator  # noqa: E402

ONNX_DIR = os.path.join(HERE, "results", "onnx")
# Sustained FMA peak of this machine (AMD EPYC Zen 4, 2 cores), as in the issue; `peak` re-measures it.
PEAK_GFLOPS = {1: 116.0, 2: 229.0}


def node_inputs(i: int, node: dict) -> list[int]:
    return [] if node["op"] in INPUT_OPS else list(node.get("inputs") or [i - 1])


def consumers(nodes, j):
    return [i for i, n in enumerate(nodes) if j in node_inputs(i, n)]


def fold_batch_norms(nodes: list[dict]) -> list[dict]:
    """Fold every batch_norm into the linear/conv2d/conv_transpose2d right before it when that node has no other
    consumer (FORMAT.md's rule, as gansynth's loader does). The folded batch_norm becomes an identity node."""
    nodes = [dict(n, params=dict(n.get("params") or {}), tensors=dict(n.get("tensors") or {})) for n in nodes]
    for i, n in enumerate(nodes):
        if n["op"] != "batch_norm":
            continue
        (j,) = node_inputs(i, n)
        prev = nodes[j]
        if prev["op"] not in ("linear", "conv2d", "conv_transpose2d") or consumers(nodes, j) != [i]:
            continue
        t = n["tensors"]
        eps = float(n["params"].get("eps", 1e-5))
        s = (t["weight"].astype(np.float64) / np.sqrt(t["running_var"].astype(np.float64) + eps))
        w = prev["tensors"]["weight"].astype(np.float64)
        if prev["op"] == "conv_transpose2d":
            w = w * s[None, :, None, None]
        else:
            w = w * s.reshape((-1,) + (1,) * (w.ndim - 1))
        b = prev["tensors"].get("bias")
        b = np.zeros_like(s) if b is None else b.astype(np.float64)
        b = (b - t["running_mean"]) * s + t["bias"]
        prev["tensors"]["weight"] = w.astype(np.float32)
        prev["tensors"]["bias"] = b.astype(np.float32)
        nodes[i] = {"op": "identity", "inputs": [j], "params": {}, "tensors": {}}
    return nodes


class GraphModule(nn.Module):
    """A gansynth graph as standard PyTorch modules (nn.Linear, nn.ConvTranspose2d, ...), eval mode, float32.
    forward(z, label, categorical, continuous): label (N) int64, categorical (N, ncat) int64, continuous (N, nc)."""

    def __init__(self, g: dict, fold: bool = True):
        super().__init__()
        meta = g["meta"]
        self.nodes = fold_batch_norms(g["nodes"]) if fold else g["nodes"]
        self.num_labels = len(meta.get("gansynth.labels") or [])
        self.categorical_sizes = [int(k) for k in (meta.get("gansynth.codes.categorical") or [])]
        self.mods = nn.ModuleList()
        for i, node in enumerate(self.nodes):
            op, p, ts = node["op"], node.get("params") or {}, node.get("tensors") or {}
            m: nn.Module
            if op in ("linear", "conv2d", "conv_transpose2d"):
                w = torch.from_numpy(np.array(ts["weight"]))
                has_bias = ts.get("bias") is not None
                if op == "linear":
                    m = nn.Linear(w.shape[1], w.shape[0], bias=has_bias)
                elif op == "conv2d":
                    m = nn.Conv2d(w.shape[1], w.shape[0], int(p["kernel_size"]), int(p.get("stride", 1)),
                                  int(p.get("padding", 0)), bias=has_bias)
                else:
                    m = nn.ConvTranspose2d(w.shape[0], w.shape[1], int(p["kernel_size"]), int(p.get("stride", 1)),
                                           int(p.get("padding", 0)), int(p.get("output_padding", 0)), bias=has_bias)
                m.weight.data.copy_(w)
                if has_bias:
                    m.bias.data.copy_(torch.from_numpy(np.array(ts["bias"])))
            elif op == "batch_norm":
                c = ts["weight"].shape[0]
                src_shape = self.shape_hint(i)
                m = (nn.BatchNorm2d if src_shape == 4 else nn.BatchNorm1d)(c, eps=float(p.get("eps", 1e-5)))
                for k in ("weight", "bias"):
                    getattr(m, k).data.copy_(torch.from_numpy(np.array(ts[k])))
                m.running_mean.copy_(torch.from_numpy(np.array(ts["running_mean"])))
                m.running_var.copy_(torch.from_numpy(np.array(ts["running_var"])))
            elif op == "embedding":
                m = nn.Embedding(*ts["weight"].shape)
                m.weight.data.copy_(torch.from_numpy(np.array(ts["weight"])))
            elif op == "relu":
                m = nn.ReLU()
            elif op == "leaky_relu":
                m = nn.LeakyReLU(float(p.get("negative_slope", 0.01)))
            elif op == "tanh":
                m = nn.Tanh()
            elif op == "sigmoid":
                m = nn.Sigmoid()
            elif op == "upsample_nearest":
                m = nn.Upsample(scale_factor=int(p["scale_factor"]), mode="nearest")
            else:
                m = nn.Identity()
            self.mods.append(m)
        # one-hot inputs as a Gather from an identity matrix (exports to ONNX as plain Gather)
        if self.num_labels:
            self.register_buffer("eye_label", torch.eye(self.num_labels))
        for k, size in enumerate(self.categorical_sizes):
            self.register_buffer(f"eye_cat{k}", torch.eye(size))
        self.extra_inputs = [k for k, on in (("label", self.num_labels > 0), ("categorical", bool(self.categorical_sizes)),
                                             ("continuous", int(meta.get("gansynth.codes.continuous", 0) or 0) > 0))
                             if on]
        self.eval()

    def shape_hint(self, i: int) -> int:
        """Rank (with batch) of node i's input: 4 after a reshape to 3 dims or a conv, else 2."""
        j = node_inputs(i, self.nodes[i])[0]
        while True:
            op = self.nodes[j]["op"]
            if op in ("conv2d", "conv_transpose2d", "upsample_nearest"):
                return 4
            if op == "reshape":
                return 4 if len(self.nodes[j]["params"]["shape"]) == 3 else 2
            if op in ("linear", "embedding", "concat") or op in INPUT_OPS:
                return 2
            j = node_inputs(j, self.nodes[j])[0]

    def forward(self, z, *extra):
        """extra: label, categorical, continuous, in that order, each only when the model has it."""
        rest = dict(zip(self.extra_inputs, extra))
        label, categorical, continuous = rest.get("label"), rest.get("categorical"), rest.get("continuous")
        outs: list[torch.Tensor] = []
        for i, node in enumerate(self.nodes):
            op, p = node["op"], node.get("params") or {}
            xs = [outs[j] for j in node_inputs(i, node)]
            x = xs[0] if xs else None
            m = self.mods[i]
            if op == "input_z":
                y = z
            elif op == "input_label":
                y = self.eye_label[label]
            elif op == "input_categorical":
                k = int(p["index"])
                y = getattr(self, f"eye_cat{k}")[categorical[:, k]]
            elif op == "input_continuous":
                y = continuous
            elif op == "embedding":
                y = m(label)
            elif op == "concat":
                y = torch.cat(xs, dim=1)
            elif op == "reshape":
                y = x.reshape(x.shape[0], *[int(s) for s in p["shape"]])
            elif op == "linear":
                y = m(x.flatten(1))
            else:
                y = m(x)
            outs.append(y)
        return outs[-1]


def example_inputs(g: dict, n: int, seed: int = 0):
    meta = g["meta"]
    rng = np.random.RandomState(seed)
    zdim = int(meta["gansynth.z.dim"])
    z = torch.from_numpy(rng.randn(n, zdim).astype(np.float32))
    labels = meta.get("gansynth.labels") or []
    cats = [int(k) for k in (meta.get("gansynth.codes.categorical") or [])]
    ncont = int(meta.get("gansynth.codes.continuous", 0) or 0)
    inputs = {"z": z}
    if labels:
        inputs["label"] = torch.from_numpy(rng.randint(len(labels), size=n).astype(np.int64))
    if cats:
        inputs["categorical"] = torch.from_numpy(np.stack([rng.randint(k, size=n) for k in cats], 1).astype(np.int64))
    if ncont:
        inputs["continuous"] = torch.from_numpy(rng.uniform(-1, 1, (n, ncont)).astype(np.float32))
    return inputs


def model_name(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def onnx_path(path: str) -> str:
    return os.path.join(ONNX_DIR, model_name(path) + ".onnx")


def macs_per_image(g: dict) -> int:
    """Multiply-adds of linear/conv layers per image, counted as gansynth's `info` does."""
    m = GraphModule(g, fold=False)
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        if isinstance(mod, nn.Linear):
            total += mod.in_features * mod.out_features
        elif isinstance(mod, nn.Conv2d):
            total += out.shape[1] * out.shape[2] * out.shape[3] * mod.in_channels * mod.kernel_size[0] ** 2
        elif isinstance(mod, nn.ConvTranspose2d):
            total += inp[0].shape[1] * inp[0].shape[2] * inp[0].shape[3] * mod.out_channels * mod.kernel_size[0] ** 2
        elif isinstance(mod, nn.Embedding):
            pass
    hs = [mod.register_forward_hook(hook) for mod in m.mods]
    with torch.inference_mode():
        m(*example_inputs(g, 1).values())
    for h in hs:
        h.remove()
    return total


def export(paths: list[str], fold: bool) -> None:
    import onnxruntime as ort
    os.makedirs(ONNX_DIR, exist_ok=True)
    for path in paths:
        g = read_generator(path)
        m = GraphModule(g, fold=fold)
        inputs = example_inputs(g, 4)
        names = list(inputs)
        out = onnx_path(path)
        torch.onnx.export(m, tuple(inputs.values()), out, input_names=names, output_names=["image"],
                          dynamic_axes={k: {0: "batch"} for k in names + ["image"]}, opset_version=17,
                          dynamo=False)
        # parity: module vs. export.py's reference forward pass vs. ONNX Runtime
        with torch.inference_mode():
            y = m(*inputs.values()).numpy()
        ref = forward_nodes(g["nodes"], z=inputs["z"].numpy(),
                            label=inputs["label"].numpy() if "label" in inputs else None,
                            categorical=inputs["categorical"].numpy() if "categorical" in inputs else None,
                            continuous=inputs["continuous"].numpy() if "continuous" in inputs else None,
                            num_labels=len(g["meta"].get("gansynth.labels") or []) or None,
                            categorical_sizes=[int(k) for k in (g["meta"].get("gansynth.codes.categorical") or [])])
        sess = ort.InferenceSession(out, providers=["CPUExecutionProvider"])
        yo = sess.run(None, {k: v.numpy() for k, v in inputs.items()})[0]
        d_ref = float(np.abs(y - ref.detach().numpy()).max())
        d_ort = float(np.abs(y - yo).max())
        print(f"{model_name(path)}: {out}  max|torch-reference| {d_ref:.2e}  max|torch-ort| {d_ort:.2e}",
              file=sys.stderr)
        if d_ref > 1e-3 or d_ort > 1e-3:
            raise SystemExit(f"{model_name(path)}: peers disagree with the reference forward pass")


def timed(fn, seconds: float, min_reps: int = 5, warmup: int = 3) -> float:
    """Median wall time of one call, after warm-up, over at least min_reps calls and about `seconds` in all."""
    for _ in range(warmup):
        fn()  # (as the Swift harness: 3 warm-up calls, then >= 5 timed calls and >= `seconds`)
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 2000:
            break
    return statistics.median(times)


def time_models(paths, threads, batches, seconds, engines, fold):
    import onnxruntime as ort
    for path in paths:
        g = read_generator(path)
        name = model_name(path)
        macs = macs_per_image(g)
        has_conv = any(n["op"] in ("conv2d", "conv_transpose2d") for n in g["nodes"])
        m = GraphModule(g, fold=fold)
        for t in threads:
            torch.set_num_threads(t)
            so = ort.SessionOptions()
            so.intra_op_num_threads = t
            so.inter_op_num_threads = 1
            so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            sess = ort.InferenceSession(onnx_path(path), so, providers=["CPUExecutionProvider"])
            for b in batches:
                inputs = example_inputs(g, b, seed=b)
                feeds = {k: v.numpy() for k, v in inputs.items()}
                runs = {}
                if "pytorch" in engines:
                    def run_torch():
                        with torch.inference_mode():
                            m(*inputs.values())
                    runs["pytorch"] = run_torch
                if "onnxruntime" in engines:
                    runs["onnxruntime"] = lambda: sess.run(None, feeds)
                for engine, fn in runs.items():
                    dt = timed(fn, seconds)
                    ips = b / dt
                    gf = 2.0 * macs * ips / 1e9
                    print(json.dumps({"engine": engine, "model": name, "threads": t, "batch": b,
                                      "seconds_per_call": dt, "images_per_s": ips, "gflops": gf,
                                      "macs_per_image": macs, "conv": has_conv,
                                      "peak_share": gf / PEAK_GFLOPS.get(t, 116.0 * t)}), flush=True)


def peak(threads) -> None:
    exe = os.path.join(HERE, "results", "fmapeak")
    src = os.path.join(HERE, "fmapeak.c")
    os.makedirs(os.path.dirname(exe), exist_ok=True)
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        subprocess.run(["gcc", "-O2", "-mavx512f", "-mfma", "-pthread", src, "-o", exe], check=True)
    for t in threads:
        for isa in ("avx512", "avx2"):
            out = subprocess.run([exe, str(t), isa], check=True, capture_output=True, text=True).stdout.strip()
            print(json.dumps({"engine": "fma-peak", "isa": isa, "threads": t, "gflops": float(out.split()[0])}),
                  flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["export", "time", "peak"])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--batches", default="1,64,256")
    ap.add_argument("--seconds", type=float, default=1.0, help="timing per configuration and engine")
    ap.add_argument("--engines", default="onnxruntime,pytorch")
    ap.add_argument("--no-fold", action="store_true", help="keep batch norms as modules")
    a = ap.parse_args()
    threads = [int(x) for x in a.threads.split(",")]
    if a.command == "export":
        export(a.models, fold=not a.no_fold)
    elif a.command == "time":
        time_models(a.models, threads, [int(x) for x in a.batches.split(",")], a.seconds,
                    a.engines.split(","), fold=not a.no_fold)
    else:
        peak(threads)


if __name__ == "__main__":
    main()
