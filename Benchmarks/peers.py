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
from gansynth_training.export import forward_nodes, read_generator  # noqa: E402
from gansynth_training.ops import OPS, Inputs, node_inputs  # noqa: E402

ONNX_DIR = os.path.join(HERE, "results", "onnx")
# Sustained FMA peak of this machine (AMD EPYC Zen 4, 2 cores), as in the issue; `peak` re-measures it.
PEAK_GFLOPS = {1: 116.0, 2: 229.0}


def inputs_of(i: int, node: dict) -> list[int]:
    """node_inputs, also for the identity nodes that folding leaves."""
    return node["inputs"] if node["op"] == "identity" else node_inputs(i, node)


def consumers(nodes, j):
    return [i for i, n in enumerate(nodes) if j in inputs_of(i, n)]


def fold_batch_norms(nodes: list[dict]) -> list[dict]:
    """Fold every batch_norm into the linear/conv2d/conv_transpose2d right before it when that node has no other
    consumer (FORMAT.md's rule, as gansynth's loader does). The folded batch_norm becomes an identity node."""
    nodes = [dict(n, params=dict(n.get("params") or {}), tensors=dict(n.get("tensors") or {})) for n in nodes]
    for i, n in enumerate(nodes):
        if n["op"] != "batch_norm":
            continue
        (j,) = inputs_of(i, n)
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
    """A gansynth graph run by the op table's reference forward passes (Training/gansynth_training/ops.py), eval mode,
    float32, its tensors registered as buffers (ONNX initializers). forward(z, label, categorical, continuous):
    label (N) int64, categorical (N, ncat) int64, continuous (N, nc), each only when the model has it."""

    def __init__(self, g: dict, fold: bool = True):
        super().__init__()
        meta = g["meta"]
        self.nodes = fold_batch_norms(g["nodes"]) if fold else g["nodes"]
        self.num_labels = len(meta.get("gansynth.labels") or [])
        self.categorical_sizes = tuple(int(k) for k in (meta.get("gansynth.codes.categorical") or []))
        for i, node in enumerate(self.nodes):
            for name, value in (node.get("tensors") or {}).items():
                self.register_buffer(f"node{i}_{name.replace('.', '_')}", torch.from_numpy(np.array(value, dtype=np.float32)))
        self.extra_inputs = [k for k, on in (("label", self.num_labels > 0), ("categorical", bool(self.categorical_sizes)),
                                             ("continuous", int(meta.get("gansynth.codes.continuous", 0) or 0) > 0))
                             if on]
        self.eval()

    def forward(self, z, *extra):
        return self.outputs(z, *extra)[-1]

    def outputs(self, z, *extra) -> list:
        """Every node's output, in node order."""
        rest = dict(zip(self.extra_inputs, extra))
        inputs = Inputs(z=z, label=rest.get("label"), categorical=rest.get("categorical"),
                        continuous=rest.get("continuous"), num_labels=self.num_labels,
                        categorical_sizes=self.categorical_sizes)
        outs: list[torch.Tensor] = []
        for i, node in enumerate(self.nodes):
            xs = [outs[j] for j in inputs_of(i, node)]
            if node["op"] == "identity":  # a batch norm folded into the layer before it
                outs.append(xs[0])
                continue
            tensors = {name: getattr(self, f"node{i}_{name.replace('.', '_')}") for name in (node.get("tensors") or {})}
            outs.append(OPS[node["op"]].forward(xs, node.get("params") or {}, tensors, inputs))
        return outs


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
    with torch.inference_mode():
        outs = m.outputs(*example_inputs(g, 1).values())
    total = 0
    for i, node in enumerate(m.nodes):
        p, y = node.get("params") or {}, outs[i]
        x = outs[inputs_of(i, node)[0]] if inputs_of(i, node) else None
        if node["op"] == "linear":
            total += int(p["in_features"]) * int(p["out_features"])
        elif node["op"] == "conv2d":
            total += y[0].numel() * int(p["in_channels"]) * int(p["kernel_size"]) ** 2
        elif node["op"] == "conv_transpose2d":
            total += x[0].numel() * int(p["out_channels"]) * int(p["kernel_size"]) ** 2
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
