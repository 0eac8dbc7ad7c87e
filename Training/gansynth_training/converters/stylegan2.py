"""StyleGAN2 (Karras et al. 2020) from NVlabs stylegan2-ada-pytorch network pickles (the dict holding `G_ema`; the
stylegan3 repository's `stylegan2` config pickles the same network).

Such a pickle embeds the source code of its modules and rebuilds them by running it. This reader never does: a
restricted unpickler accepts only the few globals a network pickle uses (containers, torch's tensor rebuilders,
storages loaded with torch's weights-only loader, numpy scalars) and turns each embedded module into a record of
its class name and state; every other global is refused by name. The network is then read off those records:

    mapping:   z -> pixel_norm [-> concat pixel_norm(embed(c))] -> fc0..fc{n-1} (linear, lrelu · √2)
               -> w_truncation (broadcast to num_ws, lerp toward w_avg)
    synthesis, per block b{res}: const (4×4) or conv0 (modulated 3×3, up 2, FIR [1,3,3,1]), conv1 (modulated
               3×3), each + noise, + bias, lrelu · √2, clamp; torgb (modulated 1×1, no demodulation) added to
               the FIR-upsampled image of the block before ('skip'; 'orig' has the last block's torgb only)

Layer i reads w row i as the reference indexes them (a block's torgb shares the next block's first row).
Equalized-learning-rate gains are baked into the weights; the modulated convolutions keep the stored weights,
as demodulation cancels their gain, and ToRGB's gain goes into its affine layer. fp16 tensors become f32.
"""
from __future__ import annotations

import collections
import io
import math
import os
import pickle

import numpy as np

from .common import ConversionError


class Module:
    """An embedded NVlabs module, never instantiated: its class name and pickled state."""

    def __init__(self, meta):
        if not isinstance(meta, dict) or not isinstance(meta.get("state"), dict):
            raise ConversionError("a persistent object without the state of a module")
        if meta.get("type") != "class":
            raise ConversionError(f"a persistent object of type {meta.get('type')!r}, not a class")
        self.class_name = str(meta.get("class_name"))
        self.state = meta["state"]

    def child(self, name: str) -> "Module | None":
        m = (self.state.get("_modules") or {}).get(name)
        return m if isinstance(m, Module) else None

    def tensor(self, name: str, source: str):
        for table in ("_parameters", "_buffers"):
            t = (self.state.get(table) or {}).get(name)
            if t is not None:
                return np.ascontiguousarray(t.detach().float().numpy())
        raise ConversionError(f"{source}: {self.class_name} has no tensor {name!r}")

    def attr(self, name: str, source: str):
        if name not in self.state:
            raise ConversionError(f"{source}: {self.class_name} has no attribute {name!r}")
        return self.state[name]


class _EasyDict(dict):
    """dnnlib's EasyDict, read as a plain dict (its attributes, if any, are dropped)."""

    def __setstate__(self, state):
        pass


def _storage_from_bytes(data: bytes):
    import torch
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


def _allowed_globals() -> dict:
    import torch._utils as tu
    table = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("builtins", "set"): set,
        ("torch._utils", "_rebuild_tensor_v2"): tu._rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): tu._rebuild_parameter,
        ("torch.storage", "_load_from_bytes"): _storage_from_bytes,
        ("torch_utils.persistence", "_reconstruct_persistent_obj"): Module,
        ("dnnlib.util", "EasyDict"): _EasyDict,
        ("dnnlib", "EasyDict"): _EasyDict,
        ("numpy", "dtype"): np.dtype,
    }
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
        table[(module, "scalar")] = _numpy_scalar
    return table


def _numpy_scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, bytes):
        raise ConversionError("a numpy scalar that is not a plain number")
    return np.frombuffer(data, dtype=dtype, count=1)[0]


class RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, f, source: str):
        super().__init__(f)
        self.source, self.allowed = source, _allowed_globals()

    def find_class(self, module, name):
        found = self.allowed.get((module, name))
        if found is None:
            raise ConversionError(f"{self.source}: refused the pickle's global {module}.{name}: only NVlabs network "
                                  "modules and tensors are read; nothing in the file was run")
        return found

    def persistent_load(self, pid):
        raise ConversionError(f"{self.source}: refused a persistent id in the pickle (not a network pickle)")


def load_network_pickle(path: str):
    if not os.path.isfile(path):
        raise ConversionError(f"{path}: no such file")
    with open(path, "rb") as f:
        try:
            data = RestrictedUnpickler(f, path).load()
        except ConversionError:
            raise
        except Exception as e:  # truncated, not a pickle, a tensor that does not rebuild
            raise ConversionError(f"{path}: not a readable network pickle ({type(e).__name__}: {e})") from None
    return data


def _upsample_pads(filter_size: int, up: int):
    """upsample2d's padding for a filter of this size (before, after)."""
    return (filter_size + up - 1) // 2, (filter_size - up) // 2


class StyleGAN2:
    kind = "stylegan2"
    summary = "StyleGAN2, an NVlabs stylegan2-ada-pytorch network pickle (the dict with G_ema), read without running it"
    numbered_classes = True  # a conditional network's classes are "class 0" … unless --labels names them

    def __init__(self, source: str):
        data = load_network_pickle(source)
        g = data.get("G_ema") if isinstance(data, dict) else data
        if not isinstance(g, Module) or g.class_name != "Generator":
            found = g.class_name if isinstance(g, Module) else type(g).__name__
            raise ConversionError(f"{source}: expected a dict with G_ema (a Generator), found {found}")
        self.source, self.g = source, g

    # -- helpers -------------------------------------------------------------------------------------------------

    def _child(self, m: Module, name: str) -> Module:
        c = m.child(name)
        if c is None:
            raise ConversionError(f"{self.source}: {m.class_name} has no module {name!r}")
        return c

    def nodes(self) -> list[dict]:
        s, g = self.source, self.g
        mapping, synthesis = self._child(g, "mapping"), self._child(g, "synthesis")
        z_dim, c_dim, w_dim = int(g.attr("z_dim", s)), int(g.attr("c_dim", s)), int(g.attr("w_dim", s))
        num_ws = int(g.attr("num_ws", s))
        self.z_dim, self.c_dim = z_dim, c_dim
        self.resolution, self.channels = int(g.attr("img_resolution", s)), int(g.attr("img_channels", s))
        if z_dim == 0:
            raise ConversionError(f"{s}: z_dim is 0; a generator without a latent has nothing to sample")
        nodes: list[dict] = []

        def add(node: dict) -> int:
            nodes.append(node)
            return len(nodes) - 1

        def fc(layer: Module, inp: int, extra_gain: float = 1.0) -> tuple[int, str]:
            """A FullyConnectedLayer with its gains baked in: the linear node and the activation left to apply."""
            w = layer.tensor("weight", s)
            b = layer.tensor("bias", s) if (layer.state.get("_parameters") or {}).get("bias") is not None else None
            wg, bg = np.float32(layer.attr("weight_gain", s)), np.float32(layer.attr("bias_gain", s))
            weight = (w * wg).astype(np.float32)
            tensors = {"weight": weight * np.float32(extra_gain) if extra_gain != 1 else weight}
            if b is not None:
                bias = (b * bg).astype(np.float32) if bg != 1 else b
                tensors["bias"] = bias * np.float32(extra_gain) if extra_gain != 1 else bias
            node = add({"op": "linear", "inputs": [inp], "params": {"in_features": w.shape[1], "out_features": w.shape[0]},
                        "tensors": tensors})
            return node, str(layer.attr("activation", s))

        def activation(act: str, inp: int, bias=None, gain=None, clamp=None) -> int:
            if act not in ("linear", "lrelu"):
                raise ConversionError(f"{s}: activation {act!r} is not one gansynth has (linear, lrelu)")
            params = {"negative_slope": 0.2 if act == "lrelu" else 1.0,
                      "gain": float(gain if gain is not None else (math.sqrt(2) if act == "lrelu" else 1.0))}
            if clamp is not None:
                params["clamp"] = float(clamp)
            return add({"op": "bias_act", "inputs": [inp], "params": params,
                        "tensors": {} if bias is None else {"bias": bias}})

        # Mapping network.
        x = add({"op": "pixel_norm", "inputs": [add({"op": "input_z"})]})
        if c_dim > 0:
            embed = self._child(mapping, "embed")
            w, b = embed.tensor("weight", s), embed.tensor("bias", s)
            table = (w * np.float32(embed.attr("weight_gain", s))).T + b * np.float32(embed.attr("bias_gain", s))
            label = add({"op": "input_label"})
            e = add({"op": "embedding", "inputs": [label], "params": {"num_embeddings": c_dim, "embedding_dim": w.shape[0]},
                     "tensors": {"weight": np.ascontiguousarray(table, dtype=np.float32)}})
            x = add({"op": "concat", "inputs": [x, add({"op": "pixel_norm", "inputs": [e]})]})
        for i in range(int(mapping.attr("num_layers", s))):
            x, act = fc(self._child(mapping, f"fc{i}"), x)
            if act != "linear":
                x = activation(act, x)
        ws = add({"op": "w_truncation", "inputs": [x], "params": {"num_ws": num_ws},
                  "tensors": {"w_avg": mapping.tensor("w_avg", s)}})

        def style(layer: Module, row: int, gain: float = 1.0) -> int:
            if row >= num_ws:
                raise ConversionError(f"{s}: a layer reads w row {row} of {num_ws}")
            w = add({"op": "channel_slice", "inputs": [ws], "params": {"start": row * w_dim, "channels": w_dim}})
            node, act = fc(self._child(layer, "affine"), w, extra_gain=gain)
            if act != "linear":
                raise ConversionError(f"{s}: an affine layer with activation {act!r}")
            return node

        def fir(inp: int, f: np.ndarray, up: int, pad0: int, pad1: int, gain: float) -> int:
            # The reference convolves with the filter (flips it, then correlates); stored flipped and scaled.
            kernel = np.ascontiguousarray(f[::-1, ::-1] * np.float32(gain ** (f.ndim / 2)), dtype=np.float32)
            return add({"op": "upfirdn2d", "inputs": [inp],
                        "params": {"up": up, "filter_size": f.shape[0], "pad0": pad0, "pad1": pad1},
                        "tensors": {"filter": kernel}})

        def synthesis_layer(layer: Module, inp: int, row: int) -> int:
            weight = layer.tensor("weight", s)
            cout, cin, k, _ = weight.shape
            up = int(layer.attr("up", s))
            y = add({"op": "modulated_conv2d", "inputs": [inp, style(layer, row)],
                     "params": {"in_channels": cin, "out_channels": cout, "kernel_size": k, "up": up, "demodulate": 1},
                     "tensors": {"weight": weight}})
            if int(layer.attr("padding", s)) != k // 2:
                raise ConversionError(f"{s}: a synthesis layer with padding {layer.attr('padding', s)} for kernel {k}")
            if up > 1:
                f = layer.tensor("resample_filter", s)
                if f.ndim != 2 or f.shape[0] != f.shape[1]:
                    raise ConversionError(f"{s}: resample_filter of shape {f.shape}; a square 2-D filter expected")
                fw, p = f.shape[0], k // 2
                # conv2d_resample's transposed-convolution path: its padding with respect to the upsampled image.
                px0, px1 = p + (fw + up - 1) // 2 - (k - 1), p + (fw - up) // 2 - (k - up)
                if min(px0, px1) < 0:
                    raise ConversionError(f"{s}: filter {fw} with kernel {k} and up {up} crops the convolution")
                y = fir(y, f, 1, px0, px1, up * up)
            if layer.attr("use_noise", s):
                y = add({"op": "noise", "inputs": [y],
                         "tensors": {"const": layer.tensor("noise_const", s),
                                     "strength": layer.tensor("noise_strength", s).reshape(1)}})
            clamp = layer.attr("conv_clamp", s)
            return activation(str(layer.attr("activation", s)), y, bias=layer.tensor("bias", s),
                              gain=float(layer.attr("act_gain", s)), clamp=clamp)

        def to_rgb(layer: Module, inp: int, row: int) -> int:
            weight = layer.tensor("weight", s)
            cout, cin, k, _ = weight.shape
            y = add({"op": "modulated_conv2d",
                     "inputs": [inp, style(layer, row, gain=float(layer.attr("weight_gain", s)))],
                     "params": {"in_channels": cin, "out_channels": cout, "kernel_size": k, "up": 1, "demodulate": 0},
                     "tensors": {"weight": weight}})
            return activation("linear", y, bias=layer.tensor("bias", s), clamp=layer.attr("conv_clamp", s))

        img = None
        row = 0
        for res in [int(r) for r in synthesis.attr("block_resolutions", s)]:
            block = self._child(synthesis, f"b{res}")
            arch = str(block.attr("architecture", s))
            if arch not in ("skip", "orig"):
                raise ConversionError(f"{s}: block b{res} has architecture {arch!r}; gansynth reads 'skip' and 'orig'")
            num_conv, num_torgb = int(block.attr("num_conv", s)), int(block.attr("num_torgb", s))
            if int(block.attr("in_channels", s)) == 0:
                const = block.tensor("const", s)
                x = add({"op": "constant", "params": {"shape": list(const.shape)}, "tensors": {"value": const}})
                x = synthesis_layer(self._child(block, "conv1"), x, row)
            else:
                x = synthesis_layer(self._child(block, "conv0"), x, row)
                x = synthesis_layer(self._child(block, "conv1"), x, row + 1)
            if img is not None:
                f = block.tensor("resample_filter", s)
                pad0, pad1 = _upsample_pads(f.shape[0], 2)
                img = fir(img, f, 2, pad0, pad1, 4)
            if num_torgb:
                y = to_rgb(self._child(block, "torgb"), x, row + num_conv)
                img = y if img is None else add({"op": "add", "inputs": [img, y]})
            row += num_conv
        if img is None or img != len(nodes) - 1:
            raise ConversionError(f"{s}: the synthesis network does not end in a torgb layer")
        return nodes

    def metadata(self) -> dict:
        meta = {"z_dim": self.z_dim, "z_distribution": "normal",
                "output": (self.channels, self.resolution, self.resolution), "output_range": "tanh",
                "paper": "Karras et al. 2020, Analyzing and Improving the Image Quality of StyleGAN (StyleGAN2); "
                         "Training Generative Adversarial Networks with Limited Data (ADA)"}
        if self.c_dim > 0:
            meta["num_classes"] = self.c_dim
        return meta
