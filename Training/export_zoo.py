#!/usr/bin/env python3
"""Export a trained zoo checkpoint (Training/train_zoo.py) to Models/<model>.gguf and its parity fixture
Tests/Fixtures/<model>.expected.gguf.

    python3 Training/export_zoo.py --model mnist-cgan                      # f16, the shipped file + fixture
    python3 Training/export_zoo.py --model mnist-cgan --weight-type q8_0 --out mnist-cgan-q8_0.gguf --fixture ''

The fixture holds z for seeds 0, 1, 2, 3 and fixed labels / codes (conditional: labels [0, 3, 7, 9];
InfoGAN: categorical [[0], [4], [7], [9]], continuous [[-1, 0.5], [0, 0], [0.25, -0.75], [1, 1]]) and PyTorch's
float32 eval-mode output on the weights as stored. Before writing, the graph evaluation of the written file
(gansynth_training.export.forward_nodes) is checked against the nn.Module loaded with the same weights.
"""
from __future__ import annotations

import argparse
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from gansynth_training.export import forward_nodes, read_generator, sequential_to_nodes, write_generator  # noqa
from gansynth_training.fixtures import latent_z, write_fixture  # noqa: E402
from gansynth_training.models import standing_statistics  # noqa: E402
from gansynth_training.runlog import hardware, load_checkpoint, provenance  # noqa: E402
from gansynth_training.zoo import SPECS, build_generator, generator_state  # noqa: E402

FIXTURE_LABELS = [0, 3, 7, 9]
FIXTURE_CATEGORICAL = [[0], [4], [7], [9]]
FIXTURE_CONTINUOUS = [[-1.0, 0.5], [0.0, 0.0], [0.25, -0.75], [1.0, 1.0]]


def fixture_inputs(spec) -> dict:
    kw = {}
    if spec.conditional:
        kw["label"] = np.array(FIXTURE_LABELS)
    if spec.infogan:
        kw["categorical"] = np.array(FIXTURE_CATEGORICAL)
        kw["continuous"] = np.array(FIXTURE_CONTINUOUS, np.float32)
    return kw


def cross_check(spec, path: str) -> float:
    """Max |module - graph| on the read-back file for 16 seeds with varied labels/codes."""
    g = read_generator(path)
    G = build_generator(spec)
    G.load_graph_tensors(g["tensors"])
    G.eval()
    n = 16
    z = np.stack([latent_z(s, spec.z_dim, spec.z_distribution) for s in range(n)])
    kw, tkw = {}, {}
    if spec.conditional:
        kw["label"] = np.arange(n) % len(spec.labels)
        tkw["label"] = torch.from_numpy(kw["label"])
    if spec.infogan:
        kw["categorical"] = (np.arange(n) % spec.categorical[0])[:, None]
        kw["continuous"] = np.random.RandomState(1).uniform(-1, 1, (n, spec.continuous)).astype(np.float32)
        tkw["categorical"] = torch.from_numpy(kw["categorical"])
        tkw["continuous"] = torch.from_numpy(kw["continuous"])
    meta = g["meta"]
    graph = forward_nodes(g["nodes"], z=z, num_labels=len(spec.labels) if spec.conditional else None,
                          categorical_sizes=list(meta.get("gansynth.codes.categorical") or []) or None,
                          **kw).detach().numpy()
    with torch.no_grad():
        ref = G(torch.from_numpy(z), **tkw).numpy()
    return float(np.max(np.abs(ref - graph)))


def random_batches(spec, batches: int = 100, batch: int = 256) -> list[tuple]:
    """Inputs of `batches` random batches for the generator of `spec` (z, and labels or codes where it takes them)."""
    gen = torch.Generator().manual_seed(0)
    out = []
    for _ in range(batches):
        z = torch.randn(batch, spec.z_dim, generator=gen) if spec.z_distribution == "normal" else \
            torch.rand(batch, spec.z_dim, generator=gen) * 2 - 1
        label = torch.randint(0, len(spec.labels), (batch,), generator=gen) if spec.conditional else None
        cat = cont = None
        if spec.infogan:
            cat = torch.stack([torch.randint(0, k, (batch,), generator=gen) for k in spec.categorical], 1)
            cont = torch.rand(batch, spec.continuous, generator=gen) * 2 - 1
        out.append((z, label, cat, cont))
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=sorted(SPECS))
    p.add_argument("--checkpoint", help="default: Training/runs/<model>/checkpoint.pt")
    p.add_argument("--out", help="default: Models/<model>.gguf")
    p.add_argument("--fixture", help="parity fixture path ('' to skip; default Tests/Fixtures/<model>.expected.gguf)")
    p.add_argument("--weight-type", choices=["f32", "f16", "q8_0"], default="f16")
    p.add_argument("--weights", choices=["ema", "live", "ema-standing"], default="ema",
                   help="the moving average of G's weights when the run kept one (default), the trained weights, or "
                        "the moving average with its batch-norm statistics recomputed: the averaged weights' own, over "
                        "100 batches of 256 random z in training mode (Brock et al.'s standing statistics)")
    args = p.parse_args(argv)
    spec = SPECS[args.model]
    ckpt = args.checkpoint or os.path.join(HERE, "runs", spec.name, "checkpoint.pt")
    out = args.out or os.path.join(ROOT, "Models", f"{spec.name}.gguf")
    fixture = os.path.join(ROOT, "Tests", "Fixtures", f"{spec.name}.expected.gguf") if args.fixture is None \
        else args.fixture

    torch.set_num_threads(1)
    ck = load_checkpoint(ckpt, spec.name)
    G = build_generator(spec)
    G.load_state_dict(ck["G"] if args.weights == "live" else generator_state(ck))
    if args.weights == "ema-standing":
        standing_statistics(G, random_batches(spec))
    G.eval()
    epochs, trained, command = provenance(ck)
    hours = ck.get("train_seconds", 0.0) / 3600
    description = spec.description
    if args.weights == "live":
        description = re.split(r"[;.] [Tt]he file holds the moving average", description)[0] + \
            ". The file holds the trained weights."
    elif args.weights == "ema-standing":
        description = description.rstrip(".") + ", with batch-norm statistics recomputed for them."
    desc = (description + f" Trained {trained} "
            f"({hours:.1f} h) {hardware(ck)}. Weights licensed {spec.license}.")

    nodes = sequential_to_nodes(G.body, head=G.head_nodes())
    tmp = out + ".tmp"
    write_generator(tmp, nodes, name=spec.name, z_dim=spec.z_dim, z_distribution=spec.z_distribution,
                    output=spec.output, output_range=spec.output_range, labels=spec.labels,
                    categorical=spec.categorical, continuous=spec.continuous, weight_type=args.weight_type,
                    description=desc, license=spec.license, dataset=spec.dataset, paper=spec.paper,
                    training_command=command, training_epochs=epochs)
    err = cross_check(spec, tmp)
    if err > 1e-4:
        os.remove(tmp)
        sys.exit(f"error: nn.Module and graph evaluation of the written file differ by {err}")
    os.replace(tmp, out)
    print(f"wrote {out} ({os.path.getsize(out)} bytes, {epochs} epochs, {args.weight_type}, "
          f"module/graph max diff {err:.2e})")
    if fixture:
        tmpf = fixture + ".tmp"
        res = write_fixture(out, tmpf, [0, 1, 2, 3], **fixture_inputs(spec))
        os.replace(tmpf, fixture)
        print(f"wrote {fixture} (output {res.shape}, range [{res.min():.3f}, {res.max():.3f}])")


if __name__ == "__main__":
    main()
