"""Parity fixtures (Models/FORMAT.md, "Test fixtures"): the expected output of a model file, computed by PyTorch
in float32 from the weights exactly as stored in that file (read back and dequantized)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import gguf

from .export import forward_nodes, read_generator

FIXTURE_ARCH = "gansynth-fixture"


def latent_z(seed: int, z_dim: int, distribution: str = "normal", truncation: float = 1.0) -> np.ndarray:
    """The tool's z for seed s: RandomState(s).randn(Z) (or .uniform(-1, 1, Z), or BigGAN-deep's
    truncation · truncnorm(-2, 2)) as float32."""
    rs = np.random.RandomState(seed)
    if distribution == "truncated_normal":
        from scipy.stats import truncnorm
        return truncation * truncnorm.rvs(-2, 2, size=z_dim, random_state=rs).astype(np.float32)
    if distribution == "normal":
        return rs.randn(z_dim).astype(np.float32)
    if distribution == "uniform":
        return rs.uniform(-1, 1, z_dim).astype(np.float32)
    raise ValueError(distribution)


def expected_output(model_path: str, z: np.ndarray, label=None, categorical=None, continuous=None,
                    module=None) -> np.ndarray:
    """Forward pass on the stored weights. If `module` (a torch nn.Module taking z, whose state_dict maps onto
    the file's tensors via `module.gansynth_state_dict(tensors)`, or an nn.Sequential after input_z) is given,
    its eval-mode output is cross-checked against the graph evaluation."""
    import torch

    g = read_generator(model_path)
    meta = g["meta"]
    labels = meta.get("gansynth.labels")
    cats = meta.get("gansynth.codes.categorical")
    out = forward_nodes(g["nodes"], z=z, label=label, categorical=categorical, continuous=continuous,
                        num_labels=len(labels) if labels else None,
                        categorical_sizes=list(cats) if cats else None).detach().numpy()
    if module is not None:
        sd = {}
        for k, v in module.state_dict().items():
            idx, rest = k.split(".", 1)
            name = f"node.{int(idx) + 1}.{rest}"
            if name in g["tensors"]:
                sd[k] = torch.from_numpy(g["tensors"][name].copy())
            else:
                sd[k] = v  # e.g. num_batches_tracked
        module.load_state_dict(sd)
        module.eval()
        with torch.no_grad():
            ref = module(torch.from_numpy(np.asarray(z, dtype=np.float32))).numpy()
        err = float(np.max(np.abs(ref - out)))
        if err > 1e-5:
            raise AssertionError(f"{model_path}: nn.Module and graph evaluation differ by {err}")
    c = int(meta["gansynth.output.channels"])
    h = int(meta["gansynth.output.height"])
    w = int(meta["gansynth.output.width"])
    if out.shape[1:] != (c, h, w):
        raise AssertionError(f"{model_path}: output shape {out.shape[1:]} != metadata {(c, h, w)}")
    return out.astype(np.float32)


def write_fixture(model_path: str, fixture_path: str, seeds: Sequence[int], *, label=None, categorical=None,
                  continuous=None, module=None, images=None) -> np.ndarray:
    """Write `fixture_path` for the model in `model_path` and latents z from `seeds`. label: (N,) indices;
    categorical: (N, ncat) indices; continuous: (N, ncont) values. images (M, C, H, W), for a file with an encoder:
    also stored with the encoder's output for them (`inputs.images`, `encoder_output`). Returns the expected
    output."""
    g = read_generator(model_path)
    meta = g["meta"]
    zdim = int(meta["gansynth.z.dim"])
    z = np.stack([latent_z(s, zdim, meta["gansynth.z.distribution"]) for s in seeds])
    out = expected_output(model_path, z, label, categorical, continuous, module)

    w = gguf.GGUFWriter(fixture_path, FIXTURE_ARCH)
    w.add_string("general.name", str(meta["general.name"]) + " parity fixture")
    w.add_string("general.description",
                 f"Expected float32 output of {model_path.split('/')[-1]} (PyTorch eval-mode forward on the stored "
                 f"weights) for z from seeds {list(seeds)}")
    w.add_tensor("inputs.z", z.astype(np.float32))
    if label is not None:
        w.add_tensor("inputs.label", np.asarray(label, dtype=np.float32))
    if categorical is not None:
        w.add_tensor("inputs.categorical", np.asarray(categorical, dtype=np.float32))
    if continuous is not None:
        w.add_tensor("inputs.continuous", np.asarray(continuous, dtype=np.float32))
    w.add_tensor("output", np.ascontiguousarray(out, dtype=np.float32))
    if images is not None:
        enc = forward_nodes(g["encoder_nodes"], z=None, images=images).detach().numpy()
        w.add_tensor("inputs.images", np.ascontiguousarray(images, dtype=np.float32))
        w.add_tensor("encoder_output", np.ascontiguousarray(enc, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return out


def read_fixture(path: str) -> dict:
    r = gguf.GGUFReader(path)
    arch = r.fields["general.architecture"].contents()
    if arch != FIXTURE_ARCH:
        raise ValueError(f"{path}: architecture {arch!r}")
    res = {}
    for t in r.tensors:
        if t.tensor_type != gguf.GGMLQuantizationType.F32:
            raise ValueError(f"{path}: {t.name} is not F32")
        res[t.name] = np.asarray(t.data, dtype=np.float32).reshape(tuple(int(d) for d in reversed(t.shape.tolist())))
    return res
