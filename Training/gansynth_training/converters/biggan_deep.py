"""BigGAN-deep (Brock et al. 2018) from the layout of pytorch-pretrained-biggan (huggingface): a folder holding
config.json and pytorch_model.bin (biggan-deep-128/256/512).

    z (Z, truncated normal scaled by t) and class one-hot (L) -> embedding (L -> Z) -> cond = [z, embedding]
    -> linear (2Z -> 4·4·16ch), rows reordered from the TF layout (h, w, c) to (c, h, w) -> (16ch, 4, 4)
    -> blocks (config.layers: up-sample?, in/ch, out/ch), self-attention before block attention_layer_position:
       x -> [cbn -> relu -> conv1x1 -> cbn -> relu -> (up) -> conv3x3 -> cbn -> relu -> conv3x3 -> cbn -> relu
             -> conv1x1] + (up)(x[:out] when the block halves its channels)
    -> batch norm -> relu -> conv3x3 (ch -> 3: only the RGB channels the reference keeps) -> tanh

Every batch norm holds n_stats rows of statistics chosen by the truncation (stats_count). Spectral norm is baked
into the weights from the stored u and v.
"""
from __future__ import annotations

import json
import os

import numpy as np

from .common import ConversionError, Tensors, load_state_dict

CONFIG_KEYS = ("output_dim", "z_dim", "class_embed_dim", "channel_width", "num_classes", "layers",
               "attention_layer_position", "eps", "n_stats")

# pytorch-pretrained-biggan's names -> gansynth's, per conditional batch norm.
CBN_TENSORS = {"gain.weight": "scale", "bias.weight": "offset"}


class BigGANDeep:
    kind = "biggan-deep"
    summary = "BigGAN-deep, pytorch-pretrained-biggan layout: a folder with config.json and pytorch_model.bin"

    def __init__(self, source: str):
        config_path = os.path.join(source, "config.json")
        if not os.path.isfile(config_path):
            raise ConversionError(f"{source}: no config.json (expected the pytorch-pretrained-biggan folder layout)")
        with open(config_path, encoding="utf-8") as f:
            try:
                self.config = json.load(f)
            except json.JSONDecodeError as e:
                raise ConversionError(f"{config_path}: not JSON ({e})") from None
        missing = [k for k in CONFIG_KEYS if k not in self.config]
        if missing:
            raise ConversionError(f"{config_path}: key {missing[0]!r} is missing")
        c = self.config
        if c["class_embed_dim"] != c["z_dim"]:
            raise ConversionError(f"{config_path}: class_embed_dim {c['class_embed_dim']} differs from z_dim "
                                  f"{c['z_dim']}; this layout concatenates z with an embedding of z_dim")
        weights = os.path.join(source, "pytorch_model.bin")
        self.t = Tensors(load_state_dict(weights), weights)

    def nodes(self) -> list[dict]:
        c, t = self.config, self.t
        z_dim, ch, n_stats, eps = int(c["z_dim"]), int(c["channel_width"]), int(c["n_stats"]), float(c["eps"])
        labels = int(c["num_classes"])
        nodes: list[dict] = []

        def add(node: dict) -> int:
            nodes.append(node)
            return len(nodes) - 1

        def conv(prefix: str, inp: int, k: int) -> int:
            w = t.spectral(prefix)
            return add({"op": "conv2d", "inputs": [inp],
                        "params": {"in_channels": w.shape[1], "out_channels": w.shape[0], "kernel_size": k,
                                   "stride": 1, "padding": k // 2},
                        "tensors": {"weight": w, "bias": t.get(prefix + ".bias", (w.shape[0],))}})

        def cbn(prefix: str, inp: int, cond: int, channels: int) -> int:
            tensors = {ours: t.spectral(f"{prefix}.{theirs}") for ours, theirs in CBN_TENSORS.items()}
            tensors["running_mean"] = t.get(prefix + ".running_means", (n_stats, channels))
            tensors["running_var"] = t.get(prefix + ".running_vars", (n_stats, channels))
            return add({"op": "conditional_batch_norm", "inputs": [inp, cond],
                        "params": {"eps": eps, "stats_count": n_stats}, "tensors": tensors})

        def relu(inp: int) -> int:
            return add({"op": "relu", "inputs": [inp]})

        def up(inp: int) -> int:
            return add({"op": "upsample_nearest", "inputs": [inp], "params": {"scale_factor": 2}})

        zi = add({"op": "input_z"})
        li = add({"op": "input_label"})
        # nn.Linear(num_classes, z_dim, bias=False) on a one-hot: row `label` of its transposed weight.
        ei = add({"op": "embedding", "inputs": [li], "params": {"num_embeddings": labels, "embedding_dim": z_dim},
                  "tensors": {"weight": np.ascontiguousarray(t.get("embeddings.weight", (z_dim, labels)).T)}})
        cond = add({"op": "concat", "inputs": [zi, ei]})
        w, b = t.spectral("generator.gen_z"), t.get("generator.gen_z.bias")
        if w.shape != (4 * 4 * 16 * ch, 2 * z_dim):
            raise ConversionError(f"{t.source}: generator.gen_z has shape {w.shape}, expected {(256 * ch, 2 * z_dim)}")
        # The reference views the output as (4, 4, 16ch) and permutes to (16ch, 4, 4): reorder the rows so that
        # row (c, h, w) is the reference's row (h, w, c), and a plain reshape follows.
        order = np.arange(4 * 4 * 16 * ch).reshape(4, 4, 16 * ch).transpose(2, 0, 1).reshape(-1)
        x = add({"op": "linear", "inputs": [cond], "params": {"in_features": 2 * z_dim, "out_features": w.shape[0]},
                 "tensors": {"weight": w[order], "bias": b[order]}})
        x = add({"op": "reshape", "inputs": [x], "params": {"shape": [16 * ch, 4, 4]}})

        index = 0  # the reference's position in generator.layers, attention included
        for i, (upsample, cin, cout) in enumerate(c["layers"]):
            if i == int(c["attention_layer_position"]):
                p = f"generator.layers.{index}"
                channels = cin * ch
                tensors = {f"{ours}.weight": t.spectral(f"{p}.snconv1x1_{theirs}")
                           for ours, theirs in (("theta", "theta"), ("phi", "phi"), ("g", "g"), ("o", "o_conv"))}
                tensors["gamma"] = t.get(p + ".gamma", (1,))
                x = add({"op": "self_attention", "inputs": [x],
                         "params": {"key_channels": channels // 8, "value_channels": channels // 2}, "tensors": tensors})
                index += 1
            p = f"generator.layers.{index}"
            cin, cout = cin * ch, cout * ch
            mid = cin // 4
            x0 = x
            h = relu(cbn(p + ".bn_0", x0, cond, cin))
            h = relu(cbn(p + ".bn_1", conv(p + ".conv_0", h, 1), cond, mid))
            if upsample:
                h = up(h)
            h = relu(cbn(p + ".bn_2", conv(p + ".conv_1", h, 3), cond, mid))
            h = relu(cbn(p + ".bn_3", conv(p + ".conv_2", h, 3), cond, mid))
            h = conv(p + ".conv_3", h, 1)
            skip = x0
            if cin != cout:
                if cout != cin // 2:
                    raise ConversionError(f"{t.source}: block {index} goes from {cin} to {cout} channels; the "
                                          "reference's skip keeps half of them, so it needs out = in / 2")
                skip = add({"op": "channel_slice", "inputs": [skip], "params": {"channels": cout}})
            if upsample:
                skip = up(skip)
            x = add({"op": "add", "inputs": [h, skip]})
            index += 1

        x = add({"op": "batch_norm", "inputs": [x], "params": {"eps": eps, "stats_count": n_stats},
                 "tensors": {"weight": t.get("generator.bn.weight", (ch,)), "bias": t.get("generator.bn.bias", (ch,)),
                             "running_mean": t.get("generator.bn.running_means", (n_stats, ch)),
                             "running_var": t.get("generator.bn.running_vars", (n_stats, ch))}})
        x = relu(x)
        # conv_to_rgb makes ch channels of which the reference keeps 3: only those are computed here.
        w = t.spectral("generator.conv_to_rgb")
        x = add({"op": "conv2d", "inputs": [x],
                 "params": {"in_channels": ch, "out_channels": 3, "kernel_size": 3, "stride": 1, "padding": 1},
                 "tensors": {"weight": w[:3], "bias": t.get("generator.conv_to_rgb.bias")[:3]}})
        add({"op": "tanh", "inputs": [x]})
        unused = t.unused()
        if unused:
            raise ConversionError(f"{t.source}: key {unused[0]!r} is not part of the BigGAN-deep layout this reads")
        return nodes

    def metadata(self) -> dict:
        c = self.config
        return {"z_dim": int(c["z_dim"]), "z_distribution": "truncated_normal",
                "output": (3, int(c["output_dim"]), int(c["output_dim"])), "output_range": "tanh",
                "paper": "Brock, Donahue, Simonyan 2018, Large Scale GAN Training for High Fidelity Natural Image "
                         "Synthesis (BigGAN-deep)",
                "num_classes": int(c["num_classes"])}
