"""The op table of gansynth model files, mirroring Sources/GanModel/Ops (one entry per op, as `opRegistry`): each
op's parameters and their GGUF types, the tensors it reads, and its reference forward pass in PyTorch (float32,
eval-mode semantics), which export.py's forward_nodes, the test fixtures and Benchmarks/peers.py run.
Models/FORMAT.md is the specification; adding an op adds its entry here and its file there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # writing and reading files needs no torch; only the forward passes do
    torch = F = None

U32, F32, U32_ARRAY = "u32", "f32", "array[u32]"


@dataclass
class Inputs:
    """A batch's generator inputs as torch tensors: z (N, Z) float; label (N,) int64; categorical (N, ncat) int64;
    continuous (N, ncont) float; and the model's label count and categorical code sizes."""
    z: object
    label: object = None
    categorical: object = None
    continuous: object = None
    num_labels: int = 0
    categorical_sizes: tuple = ()
    truncation: float = 1.0  # picks batch-norm statistics stored per truncation
    truncation_psi: float = 1.0  # StyleGAN's truncation in W (w_truncation)
    truncation_cutoff: int | None = None
    ws: object = None  # (N, num_ws, w_dim) W latents that replace the w_truncation node's output
    noise_mode: str = "const"  # noise nodes: const | none (random draws are gansynth's own stream)
    images: object = None  # (N, C, H, W) the encoder's input, in the output range


@dataclass(frozen=True)
class Op:
    name: str
    params: dict = field(default_factory=dict)      # name -> U32 | F32 | U32_ARRAY
    tensors: tuple = ()                              # tensor suffixes it may read
    is_input: bool = False                           # reads the generator's inputs; takes no `inputs` key
    converts_weight: bool = False                    # its `weight` may be stored as f16 / q8_0
    forward: Callable = None                         # (xs, params, tensors, Inputs) -> tensor (N, ...)


def _one_hot(index, size):
    return torch.eye(size)[index]  # a Gather from a constant, which exports to ONNX as it is


def _add(xs, p, t, i):
    y = xs[0]
    for x in xs[1:]:  # ((x0 + x1) + x2) + ..., the order gansynth sums in
        y = y + x
    return y


def _statistics(p, t, i):
    """running_mean and running_var, picked by the truncation when stored per truncation (stats_count > 1), by
    pytorch-pretrained-biggan's BigGANBatchNorm formula."""
    import math
    k = int(p.get("stats_count", 1))
    if k == 1:
        return t["running_mean"], t["running_var"]
    coef, start = math.modf(i.truncation / (1.0 / (k - 1)))
    start = int(start)
    if coef != 0.0:
        return (t["running_mean"][start] * coef + t["running_mean"][start + 1] * (1 - coef),
                t["running_var"][start] * coef + t["running_var"][start + 1] * (1 - coef))
    return t["running_mean"][start], t["running_var"][start]


def _batch_norm(xs, p, t, i):
    mean, var = _statistics(p, t, i)
    return F.batch_norm(xs[0], mean, var, t["weight"], t["bias"], training=False, eps=float(p.get("eps", 1e-5)))


def _conditional_batch_norm(xs, p, t, i):
    x, c = xs
    gain = float(p.get("gain_offset", 1.0)) + F.linear(c, t["gain.weight"], t.get("gain.bias"))
    bias = F.linear(c, t["bias.weight"], t.get("bias.bias"))
    mean, var = _statistics(p, t, i)
    y = F.batch_norm(x, mean, var, None, None, training=False, eps=float(p.get("eps", 1e-5)))
    per_image = (x.shape[0], -1) + (1,) * (x.dim() - 2)
    return y * gain.view(per_image) + bias.view(per_image)


def _self_attention(xs, p, t, i):
    x = xs[0]
    n, c, h, w = x.shape
    ck, cv = int(p["key_channels"]), int(p["value_channels"])
    conv = lambda name, v: F.conv2d(v, t[name + ".weight"], t.get(name + ".bias"))
    theta = conv("theta", x).view(n, ck, h * w)
    phi = F.max_pool2d(conv("phi", x), [2, 2]).view(n, ck, h * w // 4)
    g = F.max_pool2d(conv("g", x), [2, 2]).view(n, cv, h * w // 4)
    beta = F.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)
    o = conv("o", torch.bmm(g, beta.transpose(1, 2)).view(n, cv, h, w))
    return t["gamma"] * o + x


def _pixel_norm(xs, p, t, i):
    x = xs[0]
    return x * (x.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()


def _w_truncation(xs, p, t, i):
    count = int(p["num_ws"])
    if i.ws is not None:
        return i.ws.reshape(i.ws.shape[0], -1)
    w = xs[0].unsqueeze(1).repeat([1, count, 1])
    if i.truncation_psi != 1:
        cut = count if i.truncation_cutoff is None else min(int(i.truncation_cutoff), count)
        w[:, :cut] = t["w_avg"].lerp(w[:, :cut], i.truncation_psi)
    return w.reshape(w.shape[0], -1)


def _modulated_conv2d(xs, p, t, i):
    x, s = xs
    w, k, up = t["weight"], int(p["kernel_size"]), int(p.get("up", 1))
    y = x * s.reshape(s.shape[0], -1, 1, 1)
    y = F.conv2d(y, w, padding=k // 2) if up == 1 else F.conv_transpose2d(y, w.transpose(0, 1), stride=up)
    if int(p.get("demodulate", 1)):
        d = ((w.unsqueeze(0) * s.reshape(s.shape[0], 1, -1, 1, 1)).square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()
        y = y * d.reshape(d.shape[0], -1, 1, 1)
    return y


def _upfirdn2d(xs, p, t, i):
    x, f = xs[0], t["filter"]
    n, c, h, w = x.shape
    up, p0, p1 = int(p.get("up", 1)), int(p.get("pad0", 0)), int(p.get("pad1", 0))
    # Zero insertion as a pad of (n, c, h, 1, w, 1), and one filter over all n·c planes: shapes ONNX export can fix.
    u = F.pad(x.reshape(n, c, h, 1, w, 1), [0, up - 1, 0, 0, 0, up - 1]).reshape(n * c, 1, h * up, w * up)
    y = F.conv2d(F.pad(u, [p0, p1, p0, p1]), f[None, None])
    return y.reshape(n, c, y.shape[2], y.shape[3])


def _noise(xs, p, t, i):
    if i.noise_mode == "none":
        return xs[0]
    if i.noise_mode != "const":
        raise ValueError("the reference forward has const and none noise only")
    return xs[0] + t["const"] * t["strength"][0]


def _bias_act(xs, p, t, i):
    x = xs[0]
    if "bias" in t:
        x = x + t["bias"].reshape([1, -1] + [1] * (x.dim() - 2))
    x = F.leaky_relu(x, float(p.get("negative_slope", 1.0)))
    gain, clamp = float(p.get("gain", 1.0)), float(p.get("clamp", -1.0))
    if gain != 1:
        x = x * gain
    return x.clamp(-clamp, clamp) if clamp >= 0 else x


_CONV = {"in_channels": U32, "out_channels": U32, "kernel_size": U32, "stride": U32, "padding": U32}

OPS = {op.name: op for op in [
    Op("input_z", is_input=True, forward=lambda xs, p, t, i: i.z),
    Op("input_label", is_input=True, forward=lambda xs, p, t, i: _one_hot(i.label, i.num_labels)),
    Op("input_categorical", {"index": U32}, is_input=True,
       forward=lambda xs, p, t, i: _one_hot(i.categorical[:, int(p["index"])], int(i.categorical_sizes[int(p["index"])]))),
    Op("input_continuous", is_input=True, forward=lambda xs, p, t, i: i.continuous),
    Op("embedding", {"num_embeddings": U32, "embedding_dim": U32}, ("weight",), converts_weight=True,
       forward=lambda xs, p, t, i: F.embedding(i.label, t["weight"])),
    Op("concat", forward=lambda xs, p, t, i: torch.cat(xs, dim=1)),
    Op("reshape", {"shape": U32_ARRAY},
       forward=lambda xs, p, t, i: xs[0].reshape(xs[0].shape[0], *[int(s) for s in p["shape"]])),
    Op("linear", {"in_features": U32, "out_features": U32}, ("weight", "bias"), converts_weight=True,
       forward=lambda xs, p, t, i: F.linear(xs[0].flatten(1), t["weight"], t.get("bias"))),
    Op("conv2d", _CONV, ("weight", "bias"), converts_weight=True,
       forward=lambda xs, p, t, i: F.conv2d(xs[0], t["weight"], t.get("bias"), stride=int(p.get("stride", 1)),
                                            padding=int(p.get("padding", 0)))),
    Op("conv_transpose2d", dict(_CONV, output_padding=U32), ("weight", "bias"), converts_weight=True,
       forward=lambda xs, p, t, i: F.conv_transpose2d(xs[0], t["weight"], t.get("bias"), stride=int(p.get("stride", 1)),
                                                      padding=int(p.get("padding", 0)),
                                                      output_padding=int(p.get("output_padding", 0)))),
    Op("batch_norm", {"eps": F32, "stats_count": U32}, ("weight", "bias", "running_mean", "running_var"),
       forward=_batch_norm),
    Op("relu", forward=lambda xs, p, t, i: F.relu(xs[0])),
    Op("leaky_relu", {"negative_slope": F32},
       forward=lambda xs, p, t, i: F.leaky_relu(xs[0], float(p.get("negative_slope", 0.01)))),
    Op("tanh", forward=lambda xs, p, t, i: torch.tanh(xs[0])),
    Op("sigmoid", forward=lambda xs, p, t, i: torch.sigmoid(xs[0])),
    Op("upsample_nearest", {"scale_factor": U32},
       forward=lambda xs, p, t, i: F.interpolate(xs[0], scale_factor=int(p["scale_factor"]), mode="nearest")),
    Op("add", forward=_add),
    Op("conditional_batch_norm", {"eps": F32, "gain_offset": F32, "stats_count": U32},
       ("gain.weight", "gain.bias", "bias.weight", "bias.bias", "running_mean", "running_var"),
       forward=_conditional_batch_norm),
    Op("self_attention", {"key_channels": U32, "value_channels": U32},
       ("theta.weight", "theta.bias", "phi.weight", "phi.bias", "g.weight", "g.bias", "o.weight", "o.bias", "gamma"),
       forward=_self_attention),
    Op("input_image", is_input=True, forward=lambda xs, p, t, i: i.images),
    Op("channel_slice", {"start": U32, "channels": U32},
       forward=lambda xs, p, t, i: xs[0][:, int(p.get("start", 0)):int(p.get("start", 0)) + int(p["channels"])]),
    Op("pixel_norm", forward=_pixel_norm),
    Op("w_truncation", {"num_ws": U32}, ("w_avg",), forward=_w_truncation),
    Op("constant", {"shape": U32_ARRAY}, ("value",), is_input=True,
       forward=lambda xs, p, t, i: t["value"].unsqueeze(0).repeat([i.z.shape[0]] + [1] * t["value"].dim())),
    Op("modulated_conv2d", {"in_channels": U32, "out_channels": U32, "kernel_size": U32, "up": U32, "demodulate": U32},
       ("weight",), converts_weight=True, forward=_modulated_conv2d),
    Op("upfirdn2d", {"up": U32, "filter_size": U32, "pad0": U32, "pad1": U32}, ("filter",), forward=_upfirdn2d),
    Op("noise", tensors=("const", "strength"), forward=_noise),
    Op("bias_act", {"negative_slope": F32, "gain": F32, "clamp": F32}, ("bias",), forward=_bias_act),
]}


def node_inputs(i: int, node: dict) -> list:
    """Indices of node i's inputs: its `inputs`, default [i - 1]; none for input ops."""
    return [] if OPS[node["op"]].is_input else list(node.get("inputs") or [i - 1])
