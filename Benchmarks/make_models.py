#!/usr/bin/env python3
"""Write the four reference generators of the performance issue's table as gansynth GGUF files, with random
weights (the figures depend on shapes only), into Benchmarks/models/ (git-ignored):

  ref-mlp        100 -> 1200 -> 1200 -> 784 (1x28x28), ReLU, tanh            2.5 M multiply-adds per image
  ref-dcgan28    100 -> 128x7x7 -> 64x14x14 -> 1x28x28 (mnist-dcgan's shape)  7.3 M
  ref-dcgan32    z(100) as 100x1x1 -> ConvT 256x4x4 -> 128x8x8 -> 64x16x16 -> 3x32x32 (ngf 64)   18.0 M
  ref-dcgan64    pytorch/examples' dcgan netG, nz=100, ngf=64, nc=3, 64x64                      104.6 M

    python3 Benchmarks/make_models.py [OUTDIR]

Weights are stored as f16 like the shipped models; gansynth, PyTorch and ONNX Runtime all run them as f32.
"""
from __future__ import annotations

import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Training"))
from gansynth_training.export import sequential_to_nodes, write_generator  # noqa: E402


def randomize(seq: nn.Sequential) -> nn.Sequential:
    torch.manual_seed(0)
    for m in seq.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.normal_(1, 0.1)
            m.bias.data.normal_(0, 0.1)
    return seq.eval()


def convt(i, o, k, s, p, bias=False):
    return nn.ConvTranspose2d(i, o, k, s, p, bias=bias)


def block(i, o, k, s, p):
    return [convt(i, o, k, s, p), nn.BatchNorm2d(o), nn.ReLU()]


class Reshape(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def gansynth_node(self):
        return {"op": "reshape", "params": {"shape": list(self.shape)}}


MODELS = {
    "ref-mlp": dict(
        output=(1, 28, 28),
        body=lambda: [nn.Linear(100, 1200), nn.ReLU(), nn.Linear(1200, 1200), nn.ReLU(),
                      nn.Linear(1200, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28))],
        desc="Reference MLP generator 100-1200-1200-784 (random weights, benchmark only)."),
    "ref-dcgan28": dict(
        output=(1, 28, 28),
        body=lambda: [nn.Linear(100, 128 * 7 * 7, bias=False), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
                      nn.Unflatten(1, (128, 7, 7)), *block(128, 64, 4, 2, 1),
                      convt(64, 1, 4, 2, 1, bias=True), nn.Tanh()],
        desc="Reference DCGAN 28x28 gray, mnist-dcgan's shape (random weights, benchmark only)."),
    "ref-dcgan32": dict(
        output=(3, 32, 32),
        body=lambda: [Reshape(100, 1, 1), *block(100, 256, 4, 1, 0), *block(256, 128, 4, 2, 1),
                      *block(128, 64, 4, 2, 1), convt(64, 3, 4, 2, 1), nn.Tanh()],
        desc="Reference DCGAN 32x32 RGB, ngf 64 (random weights, benchmark only)."),
    "ref-dcgan64": dict(
        output=(3, 64, 64),
        body=lambda: [Reshape(100, 1, 1), *block(100, 512, 4, 1, 0), *block(512, 256, 4, 2, 1),
                      *block(256, 128, 4, 2, 1), *block(128, 64, 4, 2, 1), convt(64, 3, 4, 2, 1), nn.Tanh()],
        desc="Reference DCGAN 64x64 RGB, pytorch/examples netG nz=100 ngf=64 (random weights, benchmark only)."),
}


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "models")
    os.makedirs(out, exist_ok=True)
    for name, spec in MODELS.items():
        path = os.path.join(out, name + ".gguf")
        seq = randomize(nn.Sequential(*spec["body"]()))
        nodes = sequential_to_nodes(seq)
        write_generator(path, nodes, name=name, z_dim=100, output=spec["output"], output_range="tanh",
                        weight_type="f16", description=spec["desc"], license="CC0-1.0")
        print(path)


if __name__ == "__main__":
    main()
