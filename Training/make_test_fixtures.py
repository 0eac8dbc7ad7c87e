#!/usr/bin/env python3
"""Regenerate the Swift test fixtures in Tests/Fixtures (deterministic: fixed seeds, numpy RandomState).

For each tiny random-weight model: Tests/Fixtures/<name>.gguf (the model, Models/FORMAT.md) and
Tests/Fixtures/<name>.expected.gguf (parity fixture: z from seeds 0, 1, 2 plus fixed labels/codes, and PyTorch's
float32 eval-mode output on the weights as stored). Also Tests/Fixtures/rng.txt (numpy RandomState reference values).
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import gguf
import scipy
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from gansynth_training.export import read_generator, sequential_to_nodes, write_generator  # noqa: E402
from gansynth_training.export import forward_nodes  # noqa: E402
from gansynth_training.fixtures import latent_z, read_fixture, write_fixture  # noqa: E402

SEEDS = [0, 1, 2]


def rnd(rs: np.random.RandomState, shape, std: float) -> np.ndarray:
    return (rs.randn(*shape) * std).astype(np.float32)


def bn_tensors(rs: np.random.RandomState, c: int) -> dict:
    """Non-trivial batch-norm parameters and running statistics."""
    return {"weight": (1.0 + rs.randn(c) * 0.3).astype(np.float32),
            "bias": (rs.randn(c) * 0.3).astype(np.float32),
            "running_mean": (rs.randn(c) * 0.5).astype(np.float32),
            "running_var": rs.uniform(0.3, 2.0, c).astype(np.float32)}


# ---------------------------------------------------------------------------------------------------------------
# tiny-dcgan: input_z(64) -> linear(64->32)+bias -> BN -> relu -> reshape(8,2,2) -> convT(8->4,k4,s2,p1) -> BN(eps 1e-3)
#             -> relu -> convT(4->3,k3,s2,p1,op1) -> tanh: RGB 8x8. Z = 64 so the linear weight's rows (64 = 2 blocks)
#             qualify for Q8_0; the conv weights (innermost dim 4 / 3) fall back to F16 in the q8_0 variant.
TINY_DCGAN_Z = 64


def tiny_dcgan_module() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(TINY_DCGAN_Z, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Unflatten(1, (8, 2, 2)),
        nn.ConvTranspose2d(8, 4, 4, 2, 1, bias=False), nn.BatchNorm2d(4, eps=1e-3), nn.ReLU(),
        nn.ConvTranspose2d(4, 3, 3, 2, 1, output_padding=1), nn.Tanh())


def tiny_dcgan_weights(G: nn.Sequential) -> None:
    rs = np.random.RandomState(1001)
    sd = G.state_dict()
    new = {
        "0.weight": rnd(rs, (32, TINY_DCGAN_Z), 1 / np.sqrt(TINY_DCGAN_Z)), "0.bias": rnd(rs, (32,), 0.2),
        "4.weight": rnd(rs, (8, 4, 4, 4), 0.35),
        "7.weight": rnd(rs, (4, 3, 3, 3), 0.4), "7.bias": rnd(rs, (3,), 0.2),
    }
    for k, c in (("1", 32), ("5", 4)):
        for n, v in bn_tensors(rs, c).items():
            new[f"{k}.{n}"] = v
    for k, v in new.items():
        assert tuple(sd[k].shape) == v.shape, (k, sd[k].shape, v.shape)
        sd[k] = torch.from_numpy(v)
    G.load_state_dict(sd)
    G.eval()


def make_tiny_dcgan(outdir: str, weight_type: str) -> list[str]:
    G = tiny_dcgan_module()
    tiny_dcgan_weights(G)
    name = "tiny-dcgan" if weight_type == "f32" else f"tiny-dcgan-{weight_type}"
    path = os.path.join(outdir, name + ".gguf")
    write_generator(path, sequential_to_nodes(G), name=name, z_dim=TINY_DCGAN_Z, output=(3, 8, 8),
                    output_range="tanh", weight_type=weight_type,
                    description=f"Test fixture: tiny random-weight DCGAN-style generator, {weight_type} weights.",
                    license="MIT")
    write_fixture(path, os.path.join(outdir, name + ".expected.gguf"), SEEDS, module=tiny_dcgan_module())
    return [name]


# ---------------------------------------------------------------------------------------------------------------
# tiny-cgan: z(6) + label (cat/dog/bird) -> embedding(3->5) -> concat -> linear(11->36) -> leaky_relu(0.2)
#            -> reshape(4,3,3) -> upsample_nearest(2) -> conv2d(4->1,k3,s1,p1) -> leaky_relu (default slope)
#            -> batch_norm (not foldable: follows an activation) -> sigmoid: gray 6x6, range sigmoid.
LABELS = ["cat", "dog", "bird"]
FIX_LABELS = [0, 2, 1]


def make_tiny_cgan(outdir: str) -> list[str]:
    rs = np.random.RandomState(2002)
    nodes = [
        {"op": "input_z"},                                                          # 0 (6)
        {"op": "input_label"},                                                      # 1 one-hot (3)
        {"op": "embedding", "inputs": [1], "params": {"num_embeddings": 3, "embedding_dim": 5},
         "tensors": {"weight": rnd(rs, (3, 5), 1.0)}},                              # 2 (5)
        {"op": "concat", "inputs": [0, 2]},                                         # 3 (11)
        {"op": "linear", "params": {"in_features": 11, "out_features": 36},
         "tensors": {"weight": rnd(rs, (36, 11), 1 / np.sqrt(11)), "bias": rnd(rs, (36,), 0.2)}},  # 4 (36)
        {"op": "leaky_relu", "params": {"negative_slope": 0.2}},                    # 5
        {"op": "reshape", "params": {"shape": [4, 3, 3]}},                          # 6 (4,3,3)
        {"op": "upsample_nearest", "params": {"scale_factor": 2}},                  # 7 (4,6,6)
        {"op": "conv2d", "params": {"in_channels": 4, "out_channels": 1, "kernel_size": 3, "padding": 1},
         "tensors": {"weight": rnd(rs, (1, 4, 3, 3), 1 / 6), "bias": rnd(rs, (1,), 0.2)}},  # 8 (1,6,6) stride default
        {"op": "leaky_relu"},                                                       # 9 slope default 0.01
        {"op": "batch_norm", "tensors": bn_tensors(rs, 1)},                         # 10 eps default
        {"op": "sigmoid"},                                                          # 11
    ]
    name = "tiny-cgan"
    path = os.path.join(outdir, name + ".gguf")
    write_generator(path, nodes, name=name, z_dim=6, output=(1, 6, 6), output_range="sigmoid", labels=LABELS,
                    description="Test fixture: tiny conditional generator (embedding + concat), default parameters "
                                "omitted, default inputs omitted.", license="MIT", omit_default_inputs=True)
    write_fixture(path, os.path.join(outdir, name + ".expected.gguf"), SEEDS, label=FIX_LABELS)
    return [name]


# tiny-cgan-onehot: z(6) + label one-hot joined directly -> linear(9->18, no bias) -> relu -> reshape(2,3,3)
#   -> upsample(2) -> conv2d(2->2,k3,p1) -> batch_norm (conv has a second consumer: not foldable)
#   -> concat(conv, bn) on channels (4,6,6) -> conv2d(4->1,k3,s1,p1) -> sigmoid.
def make_tiny_cgan_onehot(outdir: str) -> list[str]:
    rs = np.random.RandomState(3003)
    nodes = [
        {"op": "input_z"},                                                          # 0 (6)
        {"op": "input_label"},                                                      # 1 (3)
        {"op": "concat", "inputs": [0, 1]},                                         # 2 (9)
        {"op": "linear", "inputs": [2], "params": {"in_features": 9, "out_features": 18},
         "tensors": {"weight": rnd(rs, (18, 9), 1 / 3)}},                           # 3 (18)
        {"op": "relu", "inputs": [3]},                                              # 4
        {"op": "reshape", "inputs": [4], "params": {"shape": [2, 3, 3]}},           # 5 (2,3,3)
        {"op": "upsample_nearest", "inputs": [5], "params": {"scale_factor": 2}},   # 6 (2,6,6)
        {"op": "conv2d", "inputs": [6], "params": {"in_channels": 2, "out_channels": 2, "kernel_size": 3,
                                                   "stride": 1, "padding": 1},
         "tensors": {"weight": rnd(rs, (2, 2, 3, 3), 0.3), "bias": rnd(rs, (2,), 0.2)}},  # 7 (2,6,6)
        {"op": "batch_norm", "inputs": [7], "params": {"eps": 1e-5}, "tensors": bn_tensors(rs, 2)},  # 8
        {"op": "concat", "inputs": [7, 8]},                                         # 9 (4,6,6)
        {"op": "conv2d", "inputs": [9], "params": {"in_channels": 4, "out_channels": 1, "kernel_size": 3,
                                                   "stride": 1, "padding": 1},
         "tensors": {"weight": rnd(rs, (1, 4, 3, 3), 0.25), "bias": rnd(rs, (1,), 0.2)}},  # 10 (1,6,6)
        {"op": "sigmoid", "inputs": [10]},                                          # 11
    ]
    name = "tiny-cgan-onehot"
    path = os.path.join(outdir, name + ".gguf")
    write_generator(path, nodes, name=name, z_dim=6, output=(1, 6, 6), output_range="sigmoid", labels=LABELS,
                    description="Test fixture: tiny conditional generator (one-hot label concatenated to z).",
                    license="MIT")
    write_fixture(path, os.path.join(outdir, name + ".expected.gguf"), SEEDS, label=FIX_LABELS)
    return [name]


def check_against_module(name: str, outdir: str, module: nn.Module, tensors: dict, out: np.ndarray,
                         labels: bool = False) -> None:
    """The op table's output `out` for fixture `name` against a hand-written nn.Module on the same tensors."""
    module.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()})
    fx = read_fixture(os.path.join(outdir, name + ".expected.gguf"))
    args = [torch.from_numpy(fx["inputs.z"].copy())] + ([torch.as_tensor(FIX_LABELS)] if labels else [])
    with torch.no_grad():
        ref = module(*args).numpy()
    err = float(np.abs(ref - out).max())
    if err > 1e-5:
        raise AssertionError(f"{name}: nn.Module and op table differ by {err}")


# ---------------------------------------------------------------------------------------------------------------
# tiny-resnet: z(8) -> linear(8->64)+bias -> reshape(4,4,4) = h -> [conv3x3 -> relu -> conv3x3](h) + h -> relu
#   -> upsample(2) -> conv3x3(4->3) = y -> add(y, y, conv1x1(y)) (three inputs) -> tanh: RGB 8x8. Checked against a
#   hand-written nn.Module, not only the op table.
class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 64)
        self.c1, self.c2 = nn.Conv2d(4, 4, 3, 1, 1), nn.Conv2d(4, 4, 3, 1, 1)
        self.out, self.side = nn.Conv2d(4, 3, 3, 1, 1), nn.Conv2d(3, 3, 1)

    def forward(self, z):
        h = self.fc(z).view(-1, 4, 4, 4)
        h = torch.relu(self.c2(torch.relu(self.c1(h))) + h)
        y = self.out(nn.functional.interpolate(h, scale_factor=2, mode="nearest"))
        return torch.tanh(y + y + self.side(y))


def make_tiny_resnet(outdir: str) -> list[str]:
    rs = np.random.RandomState(4004)
    conv = lambda cin, cout, k: {"in_channels": cin, "out_channels": cout, "kernel_size": k, "stride": 1,
                                 "padding": k // 2}
    t = {"fc.weight": rnd(rs, (64, 8), 0.1), "fc.bias": rnd(rs, (64,), 0.1),
         "c1.weight": rnd(rs, (4, 4, 3, 3), 0.25), "c1.bias": rnd(rs, (4,), 0.1),
         "c2.weight": rnd(rs, (4, 4, 3, 3), 0.25), "c2.bias": rnd(rs, (4,), 0.1),
         "out.weight": rnd(rs, (3, 4, 3, 3), 0.05), "out.bias": rnd(rs, (3,), 0.1),
         "side.weight": rnd(rs, (3, 3, 1, 1), 0.2), "side.bias": rnd(rs, (3,), 0.1)}
    wb = lambda m: {"weight": t[m + ".weight"], "bias": t[m + ".bias"]}
    nodes = [
        {"op": "input_z"},                                                                        # 0 (8)
        {"op": "linear", "params": {"in_features": 8, "out_features": 64}, "tensors": wb("fc")},  # 1 (64)
        {"op": "reshape", "params": {"shape": [4, 4, 4]}},                                        # 2 (4,4,4)
        {"op": "conv2d", "params": conv(4, 4, 3), "tensors": wb("c1")},                           # 3
        {"op": "relu"},                                                                           # 4
        {"op": "conv2d", "params": conv(4, 4, 3), "tensors": wb("c2")},                           # 5
        {"op": "add", "inputs": [5, 2]},                                                          # 6 residual
        {"op": "relu"},                                                                           # 7
        {"op": "upsample_nearest", "params": {"scale_factor": 2}},                                # 8 (4,8,8)
        {"op": "conv2d", "params": conv(4, 3, 3), "tensors": wb("out")},                          # 9 (3,8,8)
        {"op": "conv2d", "inputs": [9], "params": conv(3, 3, 1), "tensors": wb("side")},          # 10
        {"op": "add", "inputs": [9, 9, 10]},                                                      # 11
        {"op": "tanh"},                                                                           # 12
    ]
    name = "tiny-resnet"
    path = os.path.join(outdir, name + ".gguf")
    write_generator(path, nodes, name=name, z_dim=8, output=(3, 8, 8), output_range="tanh",
                    description="Test fixture: tiny residual generator (add with two and three inputs).",
                    license="MIT")
    out = write_fixture(path, os.path.join(outdir, name + ".expected.gguf"), SEEDS)
    check_against_module(name, outdir, TinyResNet(), t, out)
    return [name]


# ---------------------------------------------------------------------------------------------------------------
# tiny-biggan: a BigGAN-style residual block. cond = concat(z (6), embedding(label) (4)) (10); h = reshape(linear(cond))
#   (4,2,2); block: cbn(h, cond) -> relu -> upsample -> conv3x3 -> cbn(·, cond) -> relu -> conv3x3, plus the skip
#   upsample(h) -> conv1x1; sum -> relu -> conv3x3 (4->3) -> tanh: RGB 4x4. Checked against a hand-written module.
class TinyBigGAN(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(3, 4)
        self.fc = nn.Linear(10, 16)
        self.c1, self.c2, self.skip = nn.Conv2d(4, 4, 3, 1, 1), nn.Conv2d(4, 4, 3, 1, 1), nn.Conv2d(4, 4, 1)
        self.out = nn.Conv2d(4, 3, 3, 1, 1)
        self.g1, self.b1, self.g2, self.b2 = nn.Linear(10, 4), nn.Linear(10, 4), nn.Linear(10, 4), nn.Linear(10, 4)
        for k in ("m1", "v1", "m2", "v2"):
            self.register_buffer(k, torch.zeros(4))

    def cbn(self, x, c, g, b, m, v):
        y = (x - m.view(1, -1, 1, 1)) / torch.sqrt(v.view(1, -1, 1, 1) + 1e-4)
        return y * (1 + g(c)).view(-1, 4, 1, 1) + b(c).view(-1, 4, 1, 1)

    def forward(self, z, label):
        c = torch.cat([z, self.embed(label)], 1)
        h = self.fc(c).view(-1, 4, 2, 2)
        up = lambda x: nn.functional.interpolate(x, scale_factor=2, mode="nearest")
        y = torch.relu(self.cbn(h, c, self.g1, self.b1, self.m1, self.v1))
        y = self.c1(up(y))
        y = self.c2(torch.relu(self.cbn(y, c, self.g2, self.b2, self.m2, self.v2)))
        return torch.tanh(self.out(torch.relu(y + self.skip(up(h)))))


def make_tiny_biggan(outdir: str) -> list[str]:
    rs = np.random.RandomState(5005)
    conv = lambda cin, cout, k: {"in_channels": cin, "out_channels": cout, "kernel_size": k, "stride": 1,
                                 "padding": k // 2}
    t = {"embed.weight": rnd(rs, (3, 4), 0.5), "fc.weight": rnd(rs, (16, 10), 0.3), "fc.bias": rnd(rs, (16,), 0.1)}
    for m, cin, cout, k in (("c1", 4, 4, 3), ("c2", 4, 4, 3), ("skip", 4, 4, 1), ("out", 4, 3, 3)):
        t[m + ".weight"], t[m + ".bias"] = rnd(rs, (cout, cin, k, k), 0.2), rnd(rs, (cout,), 0.05)
    t["out.weight"] *= 0.3  # keeps tanh off its flat ends, where parity would show little
    for g in ("g1", "b1", "g2", "b2"):
        t[g + ".weight"], t[g + ".bias"] = rnd(rs, (4, 10), 0.2), rnd(rs, (4,), 0.1)
    for k in ("m1", "m2"):
        t[k] = rnd(rs, (4,), 0.2)
    for k in ("v1", "v2"):
        t[k] = (0.5 + rs.rand(4)).astype(np.float32)
    wb = lambda m: {"weight": t[m + ".weight"], "bias": t[m + ".bias"]}
    cbn = lambda n: {"gain.weight": t[f"g{n}.weight"], "gain.bias": t[f"g{n}.bias"], "bias.weight": t[f"b{n}.weight"],
                     "bias.bias": t[f"b{n}.bias"], "running_mean": t[f"m{n}"], "running_var": t[f"v{n}"]}
    nodes = [
        {"op": "input_z"},                                                                          # 0 (6)
        {"op": "input_label"},                                                                      # 1
        {"op": "embedding", "inputs": [1], "params": {"num_embeddings": 3, "embedding_dim": 4},
         "tensors": {"weight": t["embed.weight"]}},                                                 # 2 (4)
        {"op": "concat", "inputs": [0, 2]},                                                         # 3 cond (10)
        {"op": "linear", "params": {"in_features": 10, "out_features": 16}, "tensors": wb("fc")},   # 4
        {"op": "reshape", "params": {"shape": [4, 2, 2]}},                                          # 5 h
        {"op": "conditional_batch_norm", "inputs": [5, 3], "params": {"eps": 1e-4}, "tensors": cbn(1)},  # 6
        {"op": "relu"},                                                                             # 7
        {"op": "upsample_nearest", "params": {"scale_factor": 2}},                                  # 8 (4,4,4)
        {"op": "conv2d", "params": conv(4, 4, 3), "tensors": wb("c1")},                             # 9
        {"op": "conditional_batch_norm", "inputs": [9, 3], "params": {"eps": 1e-4}, "tensors": cbn(2)},  # 10
        {"op": "relu"},                                                                             # 11
        {"op": "conv2d", "params": conv(4, 4, 3), "tensors": wb("c2")},                             # 12
        {"op": "upsample_nearest", "inputs": [5], "params": {"scale_factor": 2}},                   # 13
        {"op": "conv2d", "params": conv(4, 4, 1), "tensors": wb("skip")},                           # 14
        {"op": "add", "inputs": [12, 14]},                                                          # 15
        {"op": "relu"},                                                                             # 16
        {"op": "conv2d", "params": conv(4, 3, 3), "tensors": wb("out")},                            # 17 (3,4,4)
        {"op": "tanh"},                                                                             # 18
    ]
    name = "tiny-biggan"
    path = os.path.join(outdir, name + ".gguf")
    write_generator(path, nodes, name=name, z_dim=6, output=(3, 4, 4), output_range="tanh", labels=LABELS,
                    description="Test fixture: a tiny BigGAN-style residual block with conditional batch norms.",
                    license="MIT")
    out = write_fixture(path, os.path.join(outdir, name + ".expected.gguf"), SEEDS, label=FIX_LABELS)
    check_against_module(name, outdir, TinyBigGAN(), t, out, labels=True)
    return [name]


# ---------------------------------------------------------------------------------------------------------------
# tiny-sagan: z(6) -> linear(6->128) -> reshape(8,4,4) -> relu -> self_attention (keys 2, values 4, as BigGAN's
#   C/8 and C/2 of 16 channels would be, here of 8) -> conv3x3 (8->3) -> tanh: RGB 4x4. Checked against a hand-written
#   module that follows BigGAN-PyTorch's Attention.forward.
class TinySAGAN(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 128)
        self.theta, self.phi = nn.Conv2d(8, 2, 1, bias=False), nn.Conv2d(8, 2, 1, bias=False)
        self.g, self.o = nn.Conv2d(8, 4, 1, bias=False), nn.Conv2d(4, 8, 1, bias=False)
        self.gamma = nn.Parameter(torch.tensor(0.0))
        self.out = nn.Conv2d(8, 3, 3, 1, 1)

    def forward(self, z):
        x = torch.relu(self.fc(z).view(-1, 8, 4, 4))
        theta = self.theta(x).view(-1, 2, 16)
        phi = nn.functional.max_pool2d(self.phi(x), [2, 2]).view(-1, 2, 4)
        g = nn.functional.max_pool2d(self.g(x), [2, 2]).view(-1, 4, 4)
        beta = nn.functional.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)
        o = self.o(torch.bmm(g, beta.transpose(1, 2)).view(-1, 4, 4, 4))
        return torch.tanh(self.out(self.gamma * o + x))


def make_tiny_sagan(outdir: str) -> list[str]:
    rs = np.random.RandomState(6006)
    t = {"fc.weight": rnd(rs, (128, 6), 0.4), "fc.bias": rnd(rs, (128,), 0.1),
         "theta.weight": rnd(rs, (2, 8, 1, 1), 0.8), "phi.weight": rnd(rs, (2, 8, 1, 1), 0.8),
         "g.weight": rnd(rs, (4, 8, 1, 1), 0.4), "o.weight": rnd(rs, (8, 4, 1, 1), 0.4),
         "gamma": np.float32(0.7), "out.weight": rnd(rs, (3, 8, 3, 3), 0.08), "out.bias": rnd(rs, (3,), 0.05)}
    nodes = [
        {"op": "input_z"},                                                                          # 0 (6)
        {"op": "linear", "params": {"in_features": 6, "out_features": 128},
         "tensors": {"weight": t["fc.weight"], "bias": t["fc.bias"]}},                              # 1
        {"op": "reshape", "params": {"shape": [8, 4, 4]}},                                          # 2
        {"op": "relu"},                                                                             # 3
        {"op": "self_attention", "params": {"key_channels": 2, "value_channels": 4},
         "tensors": {"theta.weight": t["theta.weight"], "phi.weight": t["phi.weight"], "g.weight": t["g.weight"],
                     "o.weight": t["o.weight"], "gamma": np.array([0.7], dtype=np.float32)}},       # 4
        {"op": "conv2d", "params": {"in_channels": 8, "out_channels": 3, "kernel_size": 3, "stride": 1, "padding": 1},
         "tensors": {"weight": t["out.weight"], "bias": t["out.bias"]}},                            # 5 (3,4,4)
        {"op": "tanh"},                                                                             # 6
    ]
    name = "tiny-sagan"
    path = os.path.join(outdir, name + ".gguf")
    write_generator(path, nodes, name=name, z_dim=6, output=(3, 4, 4), output_range="tanh",
                    description="Test fixture: self-attention as in SAGAN and BigGAN.", license="MIT")
    out = write_fixture(path, os.path.join(outdir, name + ".expected.gguf"), SEEDS)
    check_against_module(name, outdir, TinySAGAN(), t, out)
    return [name]


# ---------------------------------------------------------------------------------------------------------------
# tiny-infogan: z(5, uniform) + categorical codes [4, 3] + 2 continuous -> concat (14) -> linear(14->48) -> relu
#   -> reshape(3,4,4) -> conv2d(3->4,k3,s2,p1) (4,2,2) -> leaky_relu(0.2) -> convT(4->3,k5,s3,p1,op2) (3,8,8) -> tanh.
FIX_CATEGORICAL = [[3, 0], [1, 2], [0, 1]]
FIX_CONTINUOUS = [[-0.5, 0.25], [0.75, -1.0], [0.0, 0.5]]


def make_tiny_infogan(outdir: str) -> list[str]:
    rs = np.random.RandomState(4004)
    nodes = [
        {"op": "input_z"},                                                          # 0 (5)
        {"op": "input_categorical", "params": {"index": 0}},                       # 1 (4)
        {"op": "input_categorical", "params": {"index": 1}},                       # 2 (3)
        {"op": "input_continuous"},                                                 # 3 (2)
        {"op": "concat", "inputs": [0, 1, 2, 3]},                                   # 4 (14)
        {"op": "linear", "params": {"in_features": 14, "out_features": 48},
         "tensors": {"weight": rnd(rs, (48, 14), 1 / np.sqrt(14)), "bias": rnd(rs, (48,), 0.2)}},  # 5 (48)
        {"op": "relu"},                                                             # 6
        {"op": "reshape", "params": {"shape": [3, 4, 4]}},                          # 7 (3,4,4)
        {"op": "conv2d", "params": {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "stride": 2,
                                    "padding": 1},
         "tensors": {"weight": rnd(rs, (4, 3, 3, 3), 0.3), "bias": rnd(rs, (4,), 0.2)}},  # 8 (4,2,2)
        {"op": "leaky_relu", "params": {"negative_slope": 0.2}},                    # 9
        {"op": "conv_transpose2d", "params": {"in_channels": 4, "out_channels": 3, "kernel_size": 5, "stride": 3,
                                              "padding": 1, "output_padding": 2},
         "tensors": {"weight": rnd(rs, (4, 3, 5, 5), 0.3), "bias": rnd(rs, (3,), 0.2)}},  # 10 (3,8,8)
        {"op": "tanh"},                                                             # 11
    ]
    name = "tiny-infogan"
    path = os.path.join(outdir, name + ".gguf")
    write_generator(path, nodes, name=name, z_dim=5, z_distribution="uniform", output=(3, 8, 8),
                    output_range="tanh", categorical=[4, 3], continuous=2,
                    description="Test fixture: tiny InfoGAN-style generator (uniform z, 2 categorical codes, "
                                "2 continuous codes).", license="MIT")
    write_fixture(path, os.path.join(outdir, name + ".expected.gguf"), SEEDS,
                  categorical=FIX_CATEGORICAL, continuous=FIX_CONTINUOUS)
    return [name]


# ---------------------------------------------------------------------------------------------------------------
# tiny-bigan: a generator z(4, uniform) -> linear(4->32) -> reshape(2,4,4) -> convT(2->1,k4,s2,p1) (1,8,8) -> tanh,
#   and its encoder input_image (1,8,8) -> conv2d(1->3,k4,s2,p1) (3,4,4) -> leaky_relu(0.2) -> batch_norm (after
#   the activation: not foldable) -> reshape(48) -> linear(48->4). Encoder inputs: 3 random images in [-1, 1] and
#   the generator's own outputs for the seeds.


def make_tiny_bigan(outdir: str) -> list[str]:
    rs = np.random.RandomState(7007)
    nodes = [
        {"op": "input_z"},
        {"op": "linear", "params": {"in_features": 4, "out_features": 32},
         "tensors": {"weight": rnd(rs, (32, 4), 0.5), "bias": rnd(rs, (32,), 0.2)}},
        {"op": "reshape", "params": {"shape": [2, 4, 4]}},
        {"op": "conv_transpose2d", "params": {"in_channels": 2, "out_channels": 1, "kernel_size": 4, "stride": 2,
                                              "padding": 1},
         "tensors": {"weight": rnd(rs, (2, 1, 4, 4), 0.4), "bias": rnd(rs, (1,), 0.1)}},
        {"op": "tanh"},
    ]
    enc_t = {"conv.weight": rnd(rs, (3, 1, 4, 4), 0.4), "conv.bias": rnd(rs, (3,), 0.1),
             **{f"bn.{k}": v for k, v in bn_tensors(rs, 3).items()},
             "fc.weight": rnd(rs, (4, 48), 0.3), "fc.bias": rnd(rs, (4,), 0.1)}
    sub = lambda pre: {k[len(pre):]: v for k, v in enc_t.items() if k.startswith(pre)}
    encoder = [
        {"op": "input_image"},
        {"op": "conv2d", "params": {"in_channels": 1, "out_channels": 3, "kernel_size": 4, "stride": 2, "padding": 1},
         "tensors": sub("conv.")},
        {"op": "leaky_relu", "params": {"negative_slope": 0.2}},
        {"op": "batch_norm", "params": {"eps": 1e-5}, "tensors": sub("bn.")},
        {"op": "reshape", "params": {"shape": [48]}},
        {"op": "linear", "params": {"in_features": 48, "out_features": 4}, "tensors": sub("fc.")},
    ]
    name = "tiny-bigan"
    path = os.path.join(outdir, name + ".gguf")
    write_generator(path, nodes, name=name, z_dim=4, z_distribution="uniform", output=(1, 8, 8),
                    output_range="tanh", encoder_nodes=encoder,
                    description="Test fixture: a BiGAN's generator and encoder (input_image).", license="MIT")
    g = read_generator(path)
    z = np.stack([latent_z(s, 4, "uniform") for s in SEEDS])
    generated = forward_nodes(g["nodes"], z=z).detach().numpy()
    images = np.concatenate([rs.uniform(-1, 1, (3, 1, 8, 8)).astype(np.float32), generated])
    write_fixture(path, os.path.join(outdir, name + ".expected.gguf"), SEEDS, images=images)
    # The encoder's graph evaluation against the same layers as nn modules.
    E = nn.Sequential(nn.Conv2d(1, 3, 4, 2, 1), nn.LeakyReLU(0.2), nn.BatchNorm2d(3), nn.Flatten(), nn.Linear(48, 4))
    E.load_state_dict({k.replace("conv.", "0.").replace("bn.", "2.").replace("fc.", "4."): torch.from_numpy(v)
                       for k, v in enc_t.items()}, strict=False)
    E.eval()
    fx = read_fixture(os.path.join(outdir, name + ".expected.gguf"))
    with torch.no_grad():
        ref = E(torch.from_numpy(images)).numpy()
    err = float(np.max(np.abs(ref - fx["encoder_output"])))
    assert err < 1e-5, f"{name}: encoder module and graph differ by {err}"
    return [name]


# ---------------------------------------------------------------------------------------------------------------


def write_rng(path: str) -> None:
    R = np.random.RandomState
    lines = [
        "# numpy.random.RandomState reference values (numpy " + np.__version__ + "), for the Swift RNG tests.",
        "# One case per line: '<method> seed=<s> <args> values=<v0>,<v1>,...'; floats are float64 printed with '%.17g'"
        " (17 significant digits, trailing zeros dropped; parses back to the exact double), ints decimal.",
        "# randn seed=S n=N: RandomState(S).randn(N), all N values.",
        "# randn seed=S n=N indices=I,J,..: RandomState(S).randn(N), only the values at those indices.",
        "# uniform seed=S low=A high=B n=N: RandomState(S).uniform(A, B, N).",
        "# randint seed=S high=H calls=K: [RandomState(S).randint(H) for _ in range(K)] on one RandomState object.",
        "# truncnorm seed=S n=N: scipy.stats.truncnorm.rvs(-2, 2, size=N, random_state=RandomState(S)) (scipy "
        + scipy.__version__ + "), float32 values printed exactly, as BigGAN-deep's truncated_noise_sample draws them.",
    ]

    def fl(xs):
        return ",".join(f"{float(x):.17g}" for x in xs)

    for s in (0, 1, 42, 4294967295):
        lines.append(f"randn seed={s} n=8 values={fl(R(s).randn(8))}")
    v = R(7).randn(100)
    idx = [0, 1, 50, 99]
    lines.append(f"randn seed=7 n=100 indices={','.join(map(str, idx))} values={fl(v[idx])}")
    lines.append(f"uniform seed=3 low=-1 high=1 n=5 values={fl(R(3).uniform(-1, 1, 5))}")
    r = R(5)
    lines.append(f"randint seed=5 high=10 calls=3 values={','.join(str(int(r.randint(10))) for _ in range(3))}")
    from scipy.stats import truncnorm
    for s in (0, 1, 42, 4294967295):
        v = truncnorm.rvs(-2, 2, size=128, random_state=R(s)).astype(np.float32)
        lines.append(f"truncnorm seed={s} n=128 values={fl(v)}")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------------------------
# conv-transpose2d: random ConvTranspose2d layers within the limits a model file may declare (kernel 1-5 here,
# stride 1-8, padding 0..k-1, output padding 0..s-1), inputs down to 1x1, channel counts on both sides of the
# fast paths' thresholds. Tensors per case i, in PyTorch's layouts: case.i.geometry (Cin, Cout, k, s, p, op, B, H, W),
# case.i.x (B, Cin, H, W), case.i.weight (Cin, Cout, k, k), case.i.bias (Cout), case.i.y (B, Cout, Ho, Wo).
CONV_TRANSPOSE_CASES = 160


def conv_transpose_geometries(rs: np.random.RandomState) -> list[tuple]:
    cases = []
    # Shapes the fast paths take (k4 s2 p1 to 1-3 or >= 8 channels; k + op - 2p == s), at 1-pixel-high inputs.
    for cout in (1, 3, 8, 12):
        cases.append((3, cout, 4, 2, 1, 0, 2, 1, 1))
        cases.append((4, cout, 4, 2, 1, 0, 1, 1, 3))
        cases.append((5, cout, 3, 2, 1, 1, 2, 1, 2))
    while len(cases) < CONV_TRANSPOSE_CASES:
        k = int(rs.randint(1, 6))
        s = int(rs.choice([1, 1, 2, 2, 2, 3, 4, 8]))
        p = int(rs.randint(0, k))
        op = int(rs.randint(0, s))
        h, w = int(rs.randint(1, 6)), int(rs.randint(1, 6))
        ho, wo = (h - 1) * s - 2 * p + k + op, (w - 1) * s - 2 * p + k + op
        if ho < 1 or wo < 1:
            continue
        cin = int(rs.randint(1, 10))
        cout = int(rs.choice([1, 2, 3, 5, 8, 9, 16]))
        b = int(rs.randint(1, 4))
        if cout * b * ho * wo > 2_000:  # keeps the file small
            continue
        cases.append((cin, cout, k, s, p, op, b, h, w))
    return cases


def make_conv_transpose_cases(outdir: str) -> str:
    rs = np.random.RandomState(2017)
    path = os.path.join(outdir, "conv-transpose2d.expected.gguf")
    w = gguf.GGUFWriter(path, "gansynth-fixture")
    w.add_string("general.name", "conv_transpose2d parity cases")
    w.add_string("general.description", "torch.nn.functional.conv_transpose2d on random layers and inputs")
    geometries = conv_transpose_geometries(rs)
    for i, (cin, cout, k, s, p, op, b, h, wd) in enumerate(geometries):
        x = rnd(rs, (b, cin, h, wd), 1.0)
        weight = rnd(rs, (cin, cout, k, k), 0.5)
        bias = rnd(rs, (cout,), 0.5)
        y = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(weight), torch.from_numpy(bias),
                                                 stride=s, padding=p, output_padding=op).numpy()
        w.add_tensor(f"case.{i}.geometry", np.array([cin, cout, k, s, p, op, b, h, wd], dtype=np.float32))
        for name, v in (("x", x), ("weight", weight), ("bias", bias), ("y", y)):
            w.add_tensor(f"case.{i}.{name}", np.ascontiguousarray(v, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return f"conv-transpose2d: {len(geometries)} cases, {os.path.getsize(path)} B"


def verify(outdir: str, name: str) -> str:
    model = os.path.join(outdir, name + ".gguf")
    fx = os.path.join(outdir, name + ".expected.gguf")
    g = read_generator(model)
    e = read_fixture(fx)
    types = sorted({t.name for t in g["types"].values()})
    for p in (model, fx):
        if os.path.getsize(p) > 100_000:
            raise AssertionError(f"{p} is larger than 100 KB")
    return (f"{name}: {len(g['nodes'])} nodes, tensor types {types}, {os.path.getsize(model)} B; expected "
            + ", ".join(f"{k}{tuple(v.shape)}" for k, v in e.items())
            + f" output range [{e['output'].min():.3f}, {e['output'].max():.3f}]")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures"))
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    names = []
    for wt in ("f32", "f16", "q8_0"):
        names += make_tiny_dcgan(args.out, wt)
    names += make_tiny_cgan(args.out)
    names += make_tiny_cgan_onehot(args.out)
    names += make_tiny_infogan(args.out)
    names += make_tiny_resnet(args.out)
    names += make_tiny_biggan(args.out)
    names += make_tiny_sagan(args.out)
    names += make_tiny_bigan(args.out)
    write_rng(os.path.join(args.out, "rng.txt"))
    for n in names:
        print(verify(args.out, n))
    print(make_conv_transpose_cases(args.out))
    print("wrote", os.path.join(args.out, "rng.txt"))


if __name__ == "__main__":
    main()
