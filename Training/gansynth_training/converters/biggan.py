"""BigGAN (Brock et al. 2018) from ajbrock/BigGAN-PyTorch generator state dicts (G.pth or G_ema.pth), the layout
of its CIFAR-10 and ImageNet configurations. The architecture is read off the tensors' names and shapes:

    blocks.{i}.0 (GBlock): ccbn -> relu -> up -> conv3x3 -> ccbn -> relu -> conv3x3, plus conv1x1(up(x))
    blocks.{i}.1 (Attention, optional), shared (class embedding, with G_shared), z chunks (with hier)
    linear (z or its first chunk -> C·bw·bw) -> (C, bw, bw); output: bn -> relu -> conv3x3 (-> 3) -> tanh

Each block's conditional batch norms read y = shared(label) (with G_shared; [y, z chunk i] with hier) or the label
itself (gains and biases as embeddings). Spectral norm is baked in as the repository's eval mode computes it: one
power iteration from the stored u0, σ = v Wᵀ uᵀ.
"""
from __future__ import annotations

import re

import numpy as np

from .common import ConversionError, Tensors, load_state_dict


class BigGAN:
    kind = "biggan"
    summary = "BigGAN, ajbrock/BigGAN-PyTorch generator state dict (G.pth or G_ema.pth)"

    def __init__(self, source: str, bn_eps: float = 1e-5, sn_eps: float = 1e-12):
        sd = load_state_dict(source)
        if "linear.weight" not in sd or not any(k.startswith("blocks.") for k in sd):
            raise ConversionError(f"{source}: no 'linear.weight' and 'blocks.*' keys: not a BigGAN-PyTorch generator")
        self.t = Tensors(sd, source)
        self.bn_eps, self.sn_eps = bn_eps, sn_eps
        self.blocks = 1 + max(int(m.group(1)) for k in sd if (m := re.match(r"blocks\.(\d+)\.", k)))

    def spectral(self, prefix: str) -> np.ndarray:
        """W / σ with σ from one power iteration from u0, as layers.SN.W_ in eval mode (num_svs = 1)."""
        t = self.t
        w = t.get(prefix + ".weight").astype(np.float64)
        if prefix + ".u0" not in t:
            return w.astype(np.float32)
        t.get(prefix + ".sv0")  # a logged value, not used by the forward pass
        u = t.get(prefix + ".u0").astype(np.float64).reshape(1, -1)
        mat = w.reshape(w.shape[0], -1)
        normalize = lambda x: x / max(np.linalg.norm(x), self.sn_eps)
        v = normalize(u @ mat)
        u = normalize(v @ mat.T)
        sigma = float(((v @ mat.T) @ u.T).item())
        return (w / sigma).astype(np.float32)

    def nodes(self) -> list[dict]:
        t = self.t
        shared = "shared.weight" in t
        gain0 = t.sd["blocks.0.0.bn1.gain.weight"]
        if shared:
            n_classes, shared_dim = t.sd["shared.weight"].shape
            chunk = gain0.shape[1] - shared_dim
        else:
            n_classes, shared_dim, chunk = gain0.shape[0], 0, 0
        hier = chunk > 0
        lin_in = t.sd["linear.weight"].shape[1]
        if hier and lin_in != chunk:
            raise ConversionError(f"{t.source}: linear takes {lin_in} values but the z chunks are {chunk}")
        z_dim = chunk * (self.blocks + 1) if hier else lin_in
        self.z_dim, self.n_classes = z_dim, n_classes
        nodes: list[dict] = []

        def add(node: dict) -> int:
            nodes.append(node)
            return len(nodes) - 1

        def conv(prefix: str, inp: int, bias: bool = True) -> int:
            w = self.spectral(prefix)
            k = w.shape[2]
            tensors = {"weight": w}
            if bias:
                tensors["bias"] = t.get(prefix + ".bias", (w.shape[0],))
            return add({"op": "conv2d", "inputs": [inp],
                        "params": {"in_channels": w.shape[1], "out_channels": w.shape[0], "kernel_size": k,
                                   "stride": 1, "padding": k // 2}, "tensors": tensors})

        def ccbn(prefix: str, inp: int, cond: int) -> int:
            if shared:  # SNLinear(input, C, bias=False)
                tensors = {"gain.weight": self.spectral(prefix + ".gain"), "bias.weight": self.spectral(prefix + ".bias")}
            else:  # nn.Embedding(n_classes, C) on the label: a linear map of its one-hot
                tensors = {"gain.weight": np.ascontiguousarray(t.get(prefix + ".gain.weight").T),
                           "bias.weight": np.ascontiguousarray(t.get(prefix + ".bias.weight").T)}
            tensors["running_mean"] = t.get(prefix + ".stored_mean")
            tensors["running_var"] = t.get(prefix + ".stored_var")
            return add({"op": "conditional_batch_norm", "inputs": [inp, cond], "params": {"eps": self.bn_eps},
                        "tensors": tensors})

        zi = add({"op": "input_z"})
        li = add({"op": "input_label"})
        y = li
        if shared:
            y = add({"op": "embedding", "inputs": [li], "params": {"num_embeddings": n_classes, "embedding_dim": shared_dim},
                     "tensors": {"weight": t.get("shared.weight")}})
        conds, z0 = [y] * self.blocks, zi
        if hier:
            chunks = [add({"op": "channel_slice", "inputs": [zi], "params": {"start": i * chunk, "channels": chunk}})
                      for i in range(self.blocks + 1)]
            z0 = chunks[0]
            conds = [add({"op": "concat", "inputs": [y, c]}) for c in chunks[1:]]
        w = self.spectral("linear")
        c0 = t.sd["blocks.0.0.conv1.weight"].shape[1]
        bw = int(round((w.shape[0] / c0) ** 0.5))
        if c0 * bw * bw != w.shape[0]:
            raise ConversionError(f"{t.source}: linear makes {w.shape[0]} values, not {c0} channels of a square")
        x = add({"op": "linear", "inputs": [z0], "params": {"in_features": w.shape[1], "out_features": w.shape[0]},
                 "tensors": {"weight": w, "bias": t.get("linear.bias")}})
        x = add({"op": "reshape", "inputs": [x], "params": {"shape": [c0, bw, bw]}})
        for i in range(self.blocks):
            p = f"blocks.{i}.0"
            h = add({"op": "relu", "inputs": [ccbn(p + ".bn1", x, conds[i])]})
            h = add({"op": "upsample_nearest", "inputs": [h], "params": {"scale_factor": 2}})
            skip = add({"op": "upsample_nearest", "inputs": [x], "params": {"scale_factor": 2}})
            h = conv(p + ".conv1", h)
            h = add({"op": "relu", "inputs": [ccbn(p + ".bn2", h, conds[i])]})
            h = conv(p + ".conv2", h)
            if p + ".conv_sc.weight" in t:
                skip = conv(p + ".conv_sc", skip)
            x = add({"op": "add", "inputs": [h, skip]})
            a = f"blocks.{i}.1"
            if a + ".theta.weight" in t:
                ch = t.sd[a + ".theta.weight"].shape[1]
                tensors = {f"{n}.weight": self.spectral(f"{a}.{n}") for n in ("theta", "phi", "g", "o")}
                tensors["gamma"] = t.get(a + ".gamma").reshape(1)
                x = add({"op": "self_attention", "inputs": [x],
                         "params": {"key_channels": ch // 8, "value_channels": ch // 2}, "tensors": tensors})
        x = add({"op": "batch_norm", "inputs": [x], "params": {"eps": self.bn_eps},
                 "tensors": {"weight": t.get("output_layer.0.gain"), "bias": t.get("output_layer.0.bias"),
                             "running_mean": t.get("output_layer.0.stored_mean"),
                             "running_var": t.get("output_layer.0.stored_var")}})
        x = add({"op": "relu", "inputs": [x]})
        x = conv("output_layer.2", x)
        add({"op": "tanh", "inputs": [x]})
        self.resolution = bw * 2 ** self.blocks
        unused = t.unused()
        if unused:
            raise ConversionError(f"{t.source}: key {unused[0]!r} is not part of the BigGAN-PyTorch generator this reads")
        return nodes

    def metadata(self) -> dict:
        return {"z_dim": self.z_dim, "z_distribution": "normal", "output": (3, self.resolution, self.resolution),
                "output_range": "tanh", "num_classes": self.n_classes,
                "paper": "Brock, Donahue, Simonyan 2018, Large Scale GAN Training for High Fidelity Natural Image "
                         "Synthesis"}
