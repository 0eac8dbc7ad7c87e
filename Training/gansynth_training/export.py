"""Write gansynth generators as GGUF v3 files, per Models/FORMAT.md (schema version 1), and read them back.

A generator is a list of nodes. Each node is a dict:
    {"op": str, "inputs": [int, ...] (optional; default [i-1], none for input ops),
     "params": {name: value}, "tensors": {name: torch.Tensor | np.ndarray (PyTorch shape)}}
Integer parameters are written as u32, `eps` and `negative_slope` as f32, `shape` as array[u32].
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import gguf
from gguf import GGMLQuantizationType, GGUFValueType

FORMAT_VERSION = 1
ARCH = "gansynth"

from .ops import F32, OPS, U32_ARRAY, Inputs, node_inputs

INPUT_OPS = {name for name, op in OPS.items() if op.is_input}
WEIGHT_TYPES = ("f32", "f16", "q8_0")


def _np(t: Any) -> np.ndarray:
    if hasattr(t, "detach"):
        t = t.detach().cpu().numpy()
    return np.ascontiguousarray(np.asarray(t, dtype=np.float32))


def _stored_weight_type(op: str, tname: str, arr: np.ndarray, weight_type: str) -> GGMLQuantizationType:
    if not OPS[op].converts_weight or tname != "weight" or weight_type == "f32":
        return GGMLQuantizationType.F32
    if weight_type == "f16":
        return GGMLQuantizationType.F16
    if weight_type == "q8_0":
        # Q8_0 blocks run along ne[0], the innermost PyTorch dim.
        return GGMLQuantizationType.Q8_0 if arr.shape[-1] % 32 == 0 else GGMLQuantizationType.F16
    raise ValueError(f"weight_type must be one of {WEIGHT_TYPES}, got {weight_type!r}")


def write_generator(path: str, nodes: Sequence[dict], *, name: str, z_dim: int, output: tuple[int, int, int],
                    output_range: str, z_distribution: str = "normal", labels: Sequence[str] | None = None,
                    categorical: Sequence[int] | None = None, continuous: int = 0, weight_type: str = "f32",
                    description: str | None = None, license: str | None = None, dataset: str | None = None,
                    paper: str | None = None, training_command: str | None = None,
                    training_epochs: int | None = None, omit_default_inputs: bool = False,
                    encoder_nodes: Sequence[dict] | None = None) -> None:
    """Write one generator file. output = (channels, height, width). With omit_default_inputs, a node fed only by
    the previous node gets no `inputs` key (FORMAT.md's default [i - 1]). encoder_nodes: a BiGAN's encoder graph
    (input_image -> z), stored under gansynth.encoder.* keys and encoder.node.{i}.* tensors."""
    if weight_type not in WEIGHT_TYPES:
        raise ValueError(f"weight_type must be one of {WEIGHT_TYPES}, got {weight_type!r}")
    if z_distribution not in ("normal", "uniform", "truncated_normal"):
        raise ValueError("z_distribution must be 'normal', 'uniform' or 'truncated_normal'")
    if output_range not in ("tanh", "sigmoid"):
        raise ValueError("output_range must be 'tanh' or 'sigmoid'")
    w = gguf.GGUFWriter(path, ARCH)  # writes general.architecture = "gansynth"
    w.add_string("general.name", name)
    if description:
        w.add_string("general.description", description)
    if license:
        w.add_string("general.license", license)
    w.add_uint32("gansynth.format_version", FORMAT_VERSION)
    if dataset:
        w.add_string("gansynth.dataset", dataset)
    if paper:
        w.add_string("gansynth.paper", paper)
    if training_command:
        w.add_string("gansynth.training.command", training_command)
    if training_epochs is not None:
        w.add_uint32("gansynth.training.epochs", int(training_epochs))

    w.add_uint32("gansynth.z.dim", int(z_dim))
    w.add_string("gansynth.z.distribution", z_distribution)
    if labels:
        w.add_key_value("gansynth.labels", [str(s) for s in labels], GGUFValueType.ARRAY, GGUFValueType.STRING)
    if categorical:
        w.add_key_value("gansynth.codes.categorical", [int(k) for k in categorical],
                        GGUFValueType.ARRAY, GGUFValueType.UINT32)
    if continuous:
        w.add_uint32("gansynth.codes.continuous", int(continuous))

    c, h, wd = output
    w.add_uint32("gansynth.output.channels", int(c))
    w.add_uint32("gansynth.output.height", int(h))
    w.add_uint32("gansynth.output.width", int(wd))
    w.add_string("gansynth.output.range", output_range)

    _write_graph(w, nodes, "gansynth.", "", weight_type, omit_default_inputs)
    if encoder_nodes:
        _write_graph(w, encoder_nodes, "gansynth.encoder.", "encoder.", weight_type, omit_default_inputs)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def _write_graph(w, nodes, key_prefix: str, tensor_prefix: str, weight_type: str, omit_default_inputs: bool) -> None:
    if not 1 <= len(nodes) <= 1024:
        raise ValueError("node count must be 1...1024")
    w.add_uint32(key_prefix + "graph.node_count", len(nodes))
    for i, node in enumerate(nodes):
        op = node["op"]
        if op not in OPS:
            raise ValueError(f"node {i}: unknown op {op!r}")
        pre = f"{key_prefix}node.{i}."
        w.add_string(pre + "op", op)
        ins = node_inputs(i, node)
        if any(not 0 <= j < i for j in ins):
            raise ValueError(f"node {i}: inputs {ins} must be < {i}")
        if op not in INPUT_OPS and not (omit_default_inputs and ins == [i - 1]):
            w.add_key_value(pre + "inputs", [int(j) for j in ins], GGUFValueType.ARRAY, GGUFValueType.UINT32)
        for pname, val in (node.get("params") or {}).items():
            kind = OPS[op].params.get(pname)
            if kind is None:
                raise ValueError(f"node {i}: op {op} has no parameter {pname!r}")
            if kind == F32:
                w.add_float32(pre + pname, float(val))
            elif kind == U32_ARRAY:
                w.add_key_value(pre + pname, [int(v) for v in val], GGUFValueType.ARRAY, GGUFValueType.UINT32)
            else:
                w.add_uint32(pre + pname, int(val))
        for tname, t in (node.get("tensors") or {}).items():
            arr = _np(t)
            qt = _stored_weight_type(op, tname, arr, weight_type)
            tn = f"{tensor_prefix}node.{i}.{tname}"
            if qt == GGMLQuantizationType.F32:
                w.add_tensor(tn, arr)  # numpy shape = PyTorch shape; gguf-py reverses it into ne
            elif qt == GGMLQuantizationType.F16:
                w.add_tensor(tn, arr.astype(np.float16))
            else:
                q = gguf.quants.quantize(arr, GGMLQuantizationType.Q8_0)  # uint8 (..., in/32*34)
                w.add_tensor(tn, q, raw_dtype=GGMLQuantizationType.Q8_0)  # byte shape -> element shape


# ---------------------------------------------------------------------------------------------------------------
# Reading back


def field_value(field) -> Any:
    v = field.contents()
    return v


def read_generator(path: str) -> dict:
    """Parse a gansynth file with gguf.GGUFReader. Returns {"meta": {key: value}, "nodes": [...],
    "encoder_nodes": [...] or None, "tensors": {name: float32 array in PyTorch shape, dequantized},
    "types": {name: GGMLQuantizationType}}."""
    r = gguf.GGUFReader(path)
    meta = {k: field_value(f) for k, f in r.fields.items() if not k.startswith("GGUF.")}
    if meta.get("general.architecture") != ARCH:
        raise ValueError(f"{path}: general.architecture is {meta.get('general.architecture')!r}")
    tensors, types = {}, {}
    for t in r.tensors:
        shape = tuple(int(d) for d in reversed(t.shape.tolist()))  # ne -> PyTorch order
        arr = gguf.quants.dequantize(t.data, t.tensor_type)
        tensors[t.name] = np.ascontiguousarray(arr, dtype=np.float32).reshape(shape)
        types[t.name] = t.tensor_type
    encoder = _read_graph(meta, tensors, "gansynth.encoder.", "encoder.") \
        if "gansynth.encoder.graph.node_count" in meta else None
    return {"meta": meta, "nodes": _read_graph(meta, tensors, "gansynth.", ""), "encoder_nodes": encoder,
            "tensors": tensors, "types": types}


def _read_graph(meta: dict, tensors: dict, key_prefix: str, tensor_prefix: str) -> list[dict]:
    n = int(meta[key_prefix + "graph.node_count"])
    nodes = []
    for i in range(n):
        pre = f"{key_prefix}node.{i}."
        op = meta[pre + "op"]
        node = {"op": op, "params": {}, "tensors": {}}
        if op not in INPUT_OPS:
            node["inputs"] = [int(x) for x in meta.get(pre + "inputs", [i - 1])]
        for p in OPS[op].params:
            if pre + p in meta:
                node["params"][p] = meta[pre + p]
        prefix = f"{tensor_prefix}node.{i}."
        for name, arr in tensors.items():
            if name.startswith(prefix):
                node["tensors"][name[len(prefix):]] = arr
        nodes.append(node)
    return nodes


# ---------------------------------------------------------------------------------------------------------------
# nn.Module -> nodes


def module_to_node(m) -> dict:
    """One torch module -> one node (inputs default to the previous node)."""
    from torch import nn

    def sq(v, what):
        if isinstance(v, (tuple, list)):
            if len(set(v)) != 1:
                raise ValueError(f"{type(m).__name__}: non-square {what} {v}")
            v = v[0]
        return int(v)

    def t(x):
        return x.detach().clone()

    if isinstance(m, nn.Linear):
        tens = {"weight": t(m.weight)}
        if m.bias is not None:
            tens["bias"] = t(m.bias)
        return {"op": "linear", "params": {"in_features": m.in_features, "out_features": m.out_features},
                "tensors": tens}
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        if sq(m.dilation, "dilation") != 1 or m.groups != 1 or m.padding_mode != "zeros" or isinstance(m.padding, str):
            raise ValueError(f"{m}: only dilation 1, groups 1, zero numeric padding are supported")
        params = {"in_channels": m.in_channels, "out_channels": m.out_channels,
                  "kernel_size": sq(m.kernel_size, "kernel_size"), "stride": sq(m.stride, "stride"),
                  "padding": sq(m.padding, "padding")}
        op = "conv2d"
        if isinstance(m, nn.ConvTranspose2d):
            op = "conv_transpose2d"
            params["output_padding"] = sq(m.output_padding, "output_padding")
        tens = {"weight": t(m.weight)}
        if m.bias is not None:
            tens["bias"] = t(m.bias)
        return {"op": op, "params": params, "tensors": tens}
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        if not m.affine or not m.track_running_stats:
            raise ValueError(f"{m}: batch norm needs affine=True and running stats")
        return {"op": "batch_norm", "params": {"eps": m.eps},
                "tensors": {"weight": t(m.weight), "bias": t(m.bias),
                            "running_mean": t(m.running_mean), "running_var": t(m.running_var)}}
    if isinstance(m, nn.ReLU):
        return {"op": "relu"}
    if isinstance(m, nn.LeakyReLU):
        return {"op": "leaky_relu", "params": {"negative_slope": m.negative_slope}}
    if isinstance(m, nn.Tanh):
        return {"op": "tanh"}
    if isinstance(m, nn.Sigmoid):
        return {"op": "sigmoid"}
    if isinstance(m, nn.Unflatten):
        if m.dim != 1:
            raise ValueError("Unflatten must act on dim 1 (the first per-image dim)")
        return {"op": "reshape", "params": {"shape": list(m.unflattened_size)}}
    if isinstance(m, nn.Upsample):
        if m.mode != "nearest" or m.size is not None:
            raise ValueError("only nearest upsampling with an integer scale_factor is supported")
        f = m.scale_factor
        f = f[0] if isinstance(f, (tuple, list)) else f
        if float(f) != int(f):
            raise ValueError("scale_factor must be an integer")
        return {"op": "upsample_nearest", "params": {"scale_factor": int(f)}}
    if isinstance(m, nn.Embedding):
        return {"op": "embedding", "params": {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim},
                "tensors": {"weight": t(m.weight)}}
    if hasattr(m, "gansynth_node"):  # custom modules, e.g. a Reshape, can describe themselves
        return m.gansynth_node()
    raise ValueError(f"no gansynth op for module {type(m).__name__}")


def sequential_to_nodes(modules: Iterable, head: Sequence[dict] | None = None, example=None) -> list[dict]:
    """Nodes for `head` (default: one input_z node) followed by one node per module, each fed by the previous.
    With `example` (one input batch), an nn.Flatten becomes a reshape to the size it flattens to."""
    from torch import nn
    nodes = [dict(n) for n in (head if head is not None else [{"op": "input_z"}])]
    x = example
    for m in modules:
        if isinstance(m, nn.Flatten):
            if x is None:
                raise ValueError("nn.Flatten needs `example` to know the size it flattens to")
            nodes.append({"op": "reshape", "params": {"shape": [int(x[0].numel())]}})
        else:
            nodes.append(module_to_node(m))
        if x is not None:
            x = m(x)
    return nodes


# ---------------------------------------------------------------------------------------------------------------
# Reference forward pass (PyTorch, float32, eval-mode semantics) straight from a node list


def forward_nodes(nodes: Sequence[dict], *, z, label=None, categorical=None, continuous=None,
                  num_labels: int | None = None, categorical_sizes: Sequence[int] | None = None,
                  truncation: float = 1.0, images=None):
    """Run the graph on a batch with torch.nn.functional. z (N,Z); label (N,) ints; categorical (N, ncat) ints;
    continuous (N, ncont); images (N, C, H, W) for an encoder graph (z may then be None). Returns the last node's
    output (N, ...)."""
    import torch

    def T(a):
        return torch.from_numpy(np.array(a, dtype=np.float32))

    def ints(a):
        return None if a is None else torch.as_tensor(np.asarray(a), dtype=torch.long)

    inputs = Inputs(z=None if z is None else T(z), images=None if images is None else T(images), label=ints(label), categorical=ints(categorical),
                    continuous=None if continuous is None else T(continuous), num_labels=int(num_labels or 0),
                    categorical_sizes=tuple(int(k) for k in (categorical_sizes or ())), truncation=float(truncation))
    outs: list = []
    for i, node in enumerate(nodes):
        op = OPS.get(node["op"])
        if op is None:
            raise ValueError(f"node {i}: unknown op {node['op']}")
        tensors = {k: T(v) for k, v in (node.get("tensors") or {}).items()}
        outs.append(op.forward([outs[j] for j in node_inputs(i, node)], node.get("params") or {}, tensors, inputs))
    return outs[-1]
