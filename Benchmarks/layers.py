#!/usr/bin/env python3
"""Per-layer probes: every weight layer of the reference generators (make_models.py) as a model of its own,
so that run.sh times gansynth, ONNX Runtime and PyTorch on each layer shape alone:

    python3 Benchmarks/layers.py                    # writes Benchmarks/models/layers/*.gguf
    THREADS=2 BATCHES=64,256 bash Benchmarks/run.sh Benchmarks/models/layers/*.gguf

A probe is input_z (the layer's input, flattened) -> reshape -> the layer (+ its batch norm and activation, as in
the generator) -> reshape to (1, H, W) so that it is a valid gansynth generator. The MAC count of the probe is
the layer's. The reshapes are copies at most, small next to the layer.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "Training"))
from gansynth_training.export import module_to_node, write_generator  # noqa: E402
from make_models import MODELS, Reshape, randomize  # noqa: E402


def factor(n: int) -> tuple[int, int]:
    """(h, w) with h * w = n, h <= w, as square as possible."""
    h = int(np.sqrt(n))
    while n % h:
        h -= 1
    return h, n // h


def main() -> None:
    out = os.path.join(HERE, "models", "layers")
    os.makedirs(out, exist_ok=True)
    for name, spec in MODELS.items():
        mods = [m for m in spec["body"]() if not isinstance(m, Reshape)]
        seq = randomize(nn.Sequential(*mods))
        x = torch.zeros(1, 100)
        k = 0
        i = 0
        mods = list(seq)
        while i < len(mods):
            m = mods[i]
            if isinstance(m, nn.Unflatten):
                x = m(x)
                i += 1
                continue
            if isinstance(m, nn.ConvTranspose2d) and x.dim() == 2:
                x = x.reshape(x.shape[0], -1, 1, 1)
            if not isinstance(m, (nn.Linear, nn.ConvTranspose2d, nn.Conv2d)):
                raise ValueError(f"{name}: unexpected {m}")
            group = [m]
            j = i + 1
            while j < len(mods) and isinstance(mods[j], (nn.BatchNorm1d, nn.BatchNorm2d, nn.ReLU, nn.Tanh, nn.Sigmoid)):
                group.append(mods[j])
                j += 1
            in_shape = list(x.shape[1:])
            with torch.no_grad():
                y = x
                for g in group:
                    y = g(y)
            numel_in = int(np.prod(in_shape))
            nodes = [{"op": "input_z"}]
            if len(in_shape) == 3:
                nodes.append({"op": "reshape", "params": {"shape": in_shape}})
            nodes += [module_to_node(g) for g in group]
            h, w = factor(int(np.prod(y.shape[1:])))
            nodes.append({"op": "reshape", "params": {"shape": [1, h, w]}})
            k += 1
            desc = f"{type(m).__name__} {in_shape} -> {list(y.shape[1:])}"
            path = os.path.join(out, f"{name}-L{k}.gguf")
            write_generator(path, nodes, name=f"{name}-L{k}", z_dim=numel_in, output=(1, h, w),
                            output_range="tanh", weight_type="f16", description=f"layer probe: {desc}")
            print(f"{path}: {desc}")
            x = y
            i = j


if __name__ == "__main__":
    main()
