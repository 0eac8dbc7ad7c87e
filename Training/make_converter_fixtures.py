#!/usr/bin/env python3
"""Parity fixtures for the converters: a random-initialized network of reduced width built with the original
project's own code, converted by Training/convert.py, and that code's own forward pass on it in eval mode.

    pip install pytorch-pretrained-biggan    # (and its requirements) for biggan-deep
    python3 Training/make_converter_fixtures.py --biggan-pytorch DIR --stylegan2-ada DIR2 [--kinds K,...] [--out Tests/Fixtures]

DIR is a checkout of ajbrock/BigGAN-PyTorch (its BigGAN.py and layers.py build the biggan fixtures), DIR2 one of
NVlabs/stylegan2-ada-pytorch (its training/networks.py builds the stylegan2 fixtures, pickled as its training loop
pickles them, in a temporary folder); nothing of either is copied. --kinds picks which fixtures to remake
(biggan-deep, biggan, stylegan2; default all).

Writes <name>.gguf and <name>.expected.gguf (tensors inputs.z, inputs.label, output; key inputs.truncation) per
fixture, and for StyleGAN2 one <name>.<case>.expected.gguf per case (keys inputs.truncation_psi,
inputs.truncation_cutoff, inputs.noise_mode). The z are drawn the way gansynth draws them for seeds 0, 1, 2
(pytorch-pretrained-biggan's truncated_noise_sample with that seed; RandomState(seed).randn for the others), so the
CLI's images for those seeds can be checked against the reference too.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import gguf
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SEEDS, LABELS, TRUNCATION = [0, 1, 2], [0, 2, 4], 0.4
CLASS_NAMES = ["goldfish", "tree frog", "golden retriever", "tabby cat", "daisy"]


def randomized_biggan_deep(cfg: dict, power_iterations: int = 30):
    """pytorch-pretrained-biggan's BigGAN for `cfg` with random statistics, attention on and spectral norm settled,
    in eval mode: random weights that behave like a trained network's in range."""
    from pytorch_pretrained_biggan import BigGAN, BigGANConfig
    m = BigGAN(BigGANConfig(**cfg))
    with torch.no_grad():
        for name, b in m.named_buffers():
            if name.endswith("running_means"):
                b.copy_(torch.randn_like(b) * 0.3)
            if name.endswith("running_vars"):
                b.copy_(0.5 + torch.rand_like(b))
        for name, p in m.named_parameters():
            if name.endswith("gamma"):
                p.fill_(0.6)  # the released models' attention is on; zeros would hide it
            if name == "generator.bn.weight":
                p.normal_(0.3, 0.05)  # keeps tanh off its flat ends, where parity would show little
            if name == "generator.bn.bias":
                p.normal_(0, 0.05)
        # Spectral norm's u and v start random, so σ = u·Wv is far from W's norm and W/σ huge: a few power
        # iterations (forward passes in train mode; these batch norms never update their statistics) settle them.
        m.train()
        warm = torch.zeros(4, cfg["num_classes"])
        warm[range(4), [0, 1, 2, 3]] = 1
        for _ in range(power_iterations):
            m(torch.randn(4, cfg["z_dim"]) * 0.5, warm, 1.0)
    m.eval()
    return m


def biggan_deep_tiny(folder: str) -> dict:
    """A BigGAN-deep of channel width 4 at 32x32 with 5 classes: every block kind (same width, halving,
    up-sampling), attention, and 51 rows of random statistics per batch norm."""
    torch.manual_seed(0)
    cfg = dict(output_dim=32, z_dim=8, class_embed_dim=8, channel_width=4, num_classes=5,
               layers=[(False, 16, 16), (True, 16, 8), (True, 8, 4), (True, 4, 2), (False, 2, 1)],
               attention_layer_position=2, eps=1e-4, n_stats=51)
    m = randomized_biggan_deep(cfg)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f)
    torch.save(m.state_dict(), os.path.join(folder, "pytorch_model.bin"))
    from pytorch_pretrained_biggan.utils import truncated_noise_sample
    z = np.concatenate([truncated_noise_sample(1, cfg["z_dim"], TRUNCATION, seed=s) for s in SEEDS])
    one_hot = np.zeros((len(LABELS), cfg["num_classes"]), np.float32)
    one_hot[range(len(LABELS)), LABELS] = 1
    with torch.no_grad():
        out = m(torch.from_numpy(z), torch.from_numpy(one_hot), TRUNCATION).numpy()
    return {"z": z, "output": out}


def biggan_tiny(repo: str, folder: str, **options) -> dict:
    """A BigGAN-PyTorch generator of channel width 4 with attention, built by the repository's own Generator, its
    spectral norms and batch statistics settled by a few forward passes in train mode, saved as G_ema.pth."""
    sys.path.insert(0, repo)
    import BigGAN as repository
    torch.manual_seed(1)
    G = repository.Generator(G_ch=4, no_optim=True, **options)
    n_classes = options["n_classes"]
    shared = options.get("G_shared", False)
    G.train()
    with torch.no_grad():
        for _ in range(20):
            y = torch.randint(n_classes, (8,))
            G(torch.randn(8, G.dim_z), G.shared(y))
        for name, p in G.named_parameters():
            if name.endswith("gamma"):
                p.fill_(0.6)  # attention starts at 0; on, so that the parity covers it
    G.eval()
    os.makedirs(folder, exist_ok=True)
    torch.save(G.state_dict(), os.path.join(folder, "G_ema.pth"))
    z = np.stack([np.random.RandomState(s).randn(G.dim_z).astype(np.float32) for s in SEEDS])
    labels = torch.as_tensor([l % n_classes for l in LABELS])
    with torch.no_grad():
        out = G(torch.from_numpy(z), G.shared(labels)).numpy()
    sys.path.remove(repo)
    return {"z": z, "labels": labels.tolist(), "output": out, "shared": shared}


# StyleGAN2 fixtures: (name, Generator arguments, cases (case, psi, cutoff, noise mode)).
STYLEGAN2 = [
    ("stylegan2-tiny", dict(z_dim=32, c_dim=0, w_dim=32, img_resolution=32, img_channels=3,
                            mapping_kwargs=dict(num_layers=3),
                            synthesis_kwargs=dict(channel_base=512, channel_max=32, num_fp16_res=2, conv_clamp=256)),
     [("psi1", 1.0, None, "const"), ("psi0.5", 0.5, None, "const"), ("psi0.7-cutoff3", 0.7, 3, "const"),
      ("nonoise", 1.0, None, "none")]),
    ("stylegan2-cond-tiny", dict(z_dim=16, c_dim=5, w_dim=24, img_resolution=16, img_channels=3,
                                 mapping_kwargs=dict(num_layers=2),
                                 synthesis_kwargs=dict(channel_base=256, channel_max=24, architecture="orig")),
     [("psi0.7", 0.7, None, "const")]),
]


def stylegan2_tiny(repo: str, folder: str, name: str, kwargs: dict, cases: list) -> list:
    """A reduced StyleGAN2 generator built by the official code, with the parts its initialization leaves at zero
    or one (noise strengths, biases, w_avg) made random so the parity sees them, pickled as the training loop does
    (a dict with G_ema); the official forward pass in fp32 for each case."""
    import copy
    import pickle
    sys.path.insert(0, repo)
    from training.networks import Generator
    torch.manual_seed(2)
    G = Generator(**kwargs).eval().requires_grad_(False)
    with torch.no_grad():
        for pname, p in G.named_parameters():
            if pname.endswith("noise_strength"):
                p.copy_(torch.randn([]) * 0.3)
            elif pname.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.2)
        G.mapping.w_avg.copy_(torch.randn_like(G.mapping.w_avg) * 0.5)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name + ".pkl"), "wb") as f:
        pickle.dump({"G_ema": copy.deepcopy(G)}, f)
    z = np.stack([np.random.RandomState(s).randn(G.z_dim) for s in SEEDS]).astype(np.float32)
    labels = [l % max(G.c_dim, 1) for l in LABELS] if G.c_dim else []
    c = torch.zeros(len(SEEDS), G.c_dim)
    if G.c_dim:
        c[range(len(SEEDS)), labels] = 1
    results = []
    with torch.no_grad():
        for case, psi, cutoff, noise in cases:
            out = G(torch.from_numpy(z), c, truncation_psi=psi, truncation_cutoff=cutoff, noise_mode=noise,
                    force_fp32=True).numpy()
            results.append((case, {"z": z, "labels": labels, "output": out, "truncation_psi": psi,
                                   "truncation_cutoff": cutoff, "noise_mode": noise}))
    sys.path.remove(repo)
    for module in [m for m in sys.modules if m.split(".")[0] in ("training", "torch_utils", "dnnlib")]:
        del sys.modules[module]
    return results


def write_expected(path: str, name: str, z, labels, truncation, output, style: dict | None = None) -> None:
    w = gguf.GGUFWriter(path, "gansynth-fixture")
    w.add_string("general.name", name + " parity fixture")
    w.add_string("general.description", "The original project's forward pass (eval mode) on the converted weights")
    w.add_tensor("inputs.z", np.asarray(z, np.float32))
    if len(labels):
        w.add_tensor("inputs.label", np.asarray(labels, np.float32))
    if truncation is not None:
        w.add_float64("inputs.truncation", truncation)  # a double, as the CLI parses it: 0.4 in float32 would pick row 21
    if style is not None:
        w.add_float64("inputs.truncation_psi", style["truncation_psi"])
        if style["truncation_cutoff"] is not None:
            w.add_uint32("inputs.truncation_cutoff", style["truncation_cutoff"])
        w.add_string("inputs.noise_mode", style["noise_mode"])
    w.add_tensor("output", np.ascontiguousarray(output, np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures"))
    p.add_argument("--biggan-pytorch", help="a checkout of ajbrock/BigGAN-PyTorch (for biggan)")
    p.add_argument("--stylegan2-ada", help="a checkout of NVlabs/stylegan2-ada-pytorch (for stylegan2)")
    p.add_argument("--kinds", default="biggan-deep,biggan,stylegan2")
    args = p.parse_args(argv)
    kinds = set(args.kinds.split(","))
    for kind, repo in (("biggan", args.biggan_pytorch), ("stylegan2", args.stylegan2_ada)):
        if kind in kinds and not repo:
            p.error(f"{kind} fixtures need --{'biggan-pytorch' if kind == 'biggan' else 'stylegan2-ada'} DIR")
    torch.set_num_threads(1)
    convert = lambda kind, source, model, *extra: subprocess.run(
        [sys.executable, os.path.join(HERE, "convert.py"), kind, source, model, *extra], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        names = os.path.join(tmp, "names.txt")
        if "biggan-deep" in kinds:
            name = "biggan-deep-tiny"
            ref = biggan_deep_tiny(os.path.join(tmp, name))
            with open(names, "w") as f:
                f.write("\n".join(CLASS_NAMES) + "\n")
            convert("biggan-deep", os.path.join(tmp, name), os.path.join(args.out, name + ".gguf"), "--labels", names)
            write_expected(os.path.join(args.out, name + ".expected.gguf"), name, ref["z"], LABELS, TRUNCATION,
                           ref["output"])
            print(f"{name}: output range [{ref['output'].min():.3f}, {ref['output'].max():.3f}]")

        # CIFAR-10's configuration (labels through embeddings, no shared embedding) and ImageNet's (shared
        # embedding, hierarchical z), each with attention.
        for name, options, classes in (
                ("biggan-cifar-tiny", dict(dim_z=16, resolution=32, G_attn="16", n_classes=10), 10),
                ("biggan-hier-tiny", dict(dim_z=20, resolution=64, G_attn="32", n_classes=7, G_shared=True,
                                          shared_dim=8, hier=True), 7)):
            if "biggan" not in kinds:
                break
            ref = biggan_tiny(args.biggan_pytorch, os.path.join(tmp, name), **options)
            with open(names, "w") as f:
                f.write("\n".join(f"class {i}" for i in range(classes)) + "\n")
            convert("biggan", os.path.join(tmp, name, "G_ema.pth"), os.path.join(args.out, name + ".gguf"),
                    "--labels", names)
            write_expected(os.path.join(args.out, name + ".expected.gguf"), name, ref["z"], ref["labels"], None,
                           ref["output"])
            print(f"{name}: output range [{ref['output'].min():.3f}, {ref['output'].max():.3f}]")

        for name, kwargs, cases in STYLEGAN2:
            if "stylegan2" not in kinds:
                break
            results = stylegan2_tiny(args.stylegan2_ada, tmp, name, kwargs, cases)
            extra = []
            if kwargs["c_dim"]:
                with open(names, "w") as f:
                    f.write("\n".join(f"class {i}" for i in range(kwargs["c_dim"])) + "\n")
                extra = ["--labels", names]
            convert("stylegan2", os.path.join(tmp, name + ".pkl"), os.path.join(args.out, name + ".gguf"), *extra)
            for case, ref in results:
                write_expected(os.path.join(args.out, f"{name}.{case}.expected.gguf"), name, ref["z"], ref["labels"],
                               None, ref["output"], style=ref)
                print(f"{name} {case}: output range [{ref['output'].min():.3f}, {ref['output'].max():.3f}]")


if __name__ == "__main__":
    main()
