#!/usr/bin/env python3
"""Export a mnist-bigan checkpoint (Training/train_bigan.py) to Models/mnist-bigan.gguf, the generator and its
encoder in one file (Models/FORMAT.md, "The encoder"), and its parity fixture Tests/Fixtures/mnist-bigan.expected.gguf.

    python3 Training/export_bigan.py --data DIR [--checkpoint Training/runs/mnist-bigan/checkpoint.pt] [--weight-type f16]

The file holds the moving averages of G's and E's weights with standing statistics: the averaged weights with
the live networks' batch-norm statistics reconstruct far worse (measured after 8 epochs: L2 11.3 against 6.7,
class kept 14% against 72%). Before it is written into place, the graph evaluation
of both graphs of the written file is checked against the nn.Modules. The fixture holds z for seeds 0-3, the
generator's images of them, and the encoder's z of those images and of 4 images of random strokes (no data set
image goes into the repository).
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from gansynth_training.bigan import Z_DIM, encoder, generator  # noqa: E402
from gansynth_training.export import forward_nodes, read_generator, sequential_to_nodes, write_generator  # noqa: E402
from gansynth_training.fixtures import latent_z, write_fixture  # noqa: E402
from gansynth_training.models import standing_statistics  # noqa: E402
from gansynth_training.runlog import hardware, load_checkpoint, provenance  # noqa: E402

DESCRIPTION = ("BiGAN (Donahue, Kraehenbuehl, Darrell 2017) for 28x28 handwritten digits: a generator G: z (50, "
               "uniform in [-1, 1]) -> linear 6272 -> BN -> ReLU -> 128x7x7 -> transposed conv 64x14x14 -> BN -> "
               "ReLU -> transposed conv 1x28x28 -> tanh, and an encoder E: image -> conv 64 (4x4 stride 2) -> LReLU "
               "-> conv 128 (4x4 stride 2) -> BN -> LReLU -> linear 256 -> BN -> LReLU -> linear 50, trained together "
               "against a discriminator of (image, z) pairs. `gansynth encode` gives an image's z, `gansynth "
               "reconstruct` shows G(E(x)).")
WEIGHTS = {"ema-standing": "The file holds the moving averages of G's and E's weights (decay 0.999) with batch-norm "
                           "statistics recomputed for them.",
           "ema": "The file holds the moving averages of G's and E's weights (decay 0.999).",
           "live": "The file holds the trained weights of G and E."}


def strokes(n: int, seed: int = 11) -> np.ndarray:
    """n 28x28 images of random thick lines in [-1, 1]: encoder inputs that are no data set's."""
    rs = np.random.RandomState(seed)
    out = -np.ones((n, 1, 28, 28), np.float32)
    yy, xx = np.mgrid[0:28, 0:28]
    for k in range(n):
        for _ in range(3):
            (x0, y0), (x1, y1) = rs.uniform(4, 24, 2), rs.uniform(4, 24, 2)
            t = np.clip(((xx - x0) * (x1 - x0) + (yy - y0) * (y1 - y0)) / max((x1 - x0) ** 2 + (y1 - y0) ** 2, 1e-6), 0, 1)
            d = np.hypot(xx - (x0 + t * (x1 - x0)), yy - (y0 + t * (y1 - y0)))
            out[k, 0] = np.maximum(out[k, 0], np.clip(2.5 - d, 0, 1) * 2 - 1)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default=os.path.join(HERE, "runs", "mnist-bigan", "checkpoint.pt"))
    p.add_argument("--out", default=os.path.join(ROOT, "Models", "mnist-bigan.gguf"))
    p.add_argument("--fixture", help="default Tests/Fixtures/mnist-bigan.expected.gguf; '' to skip")
    p.add_argument("--weight-type", choices=["f32", "f16", "q8_0"], default="f16")
    p.add_argument("--weights", choices=["ema-standing", "ema", "live"], default="ema-standing",
                   help="the moving averages of G's and E's weights with their batch-norm statistics recomputed (G's "
                        "on random z, E's on the first 25,600 training images of --data; the default), the moving "
                        "averages with the live networks' statistics, or the trained weights")
    p.add_argument("--data", help="MNIST folder (for the default --weights ema-standing)")
    args = p.parse_args(argv)
    fixture = os.path.join(ROOT, "Tests", "Fixtures", "mnist-bigan.expected.gguf") if args.fixture is None else args.fixture
    torch.set_num_threads(1)
    ck = load_checkpoint(args.checkpoint, "mnist-bigan")
    G, E = generator(), encoder()
    G.load_state_dict(ck["G" if args.weights == "live" else "G_ema"])
    E.load_state_dict(ck["E" if args.weights == "live" else "E_ema"])
    if args.weights == "ema-standing":
        if not args.data:
            sys.exit("--weights ema-standing needs --data (the MNIST folder)")
        from gansynth_training.data import load_mnist
        images, _ = load_mnist(args.data, "train")
        x = torch.from_numpy(images[:25600]).float().div(127.5).sub(1).unsqueeze(1)
        gen = torch.Generator().manual_seed(0)
        standing_statistics(G, [torch.rand(256, Z_DIM, generator=gen) * 2 - 1 for _ in range(100)])
        standing_statistics(E, list(x.split(256)))
    G.eval(), E.eval()
    epochs, trained, command = provenance(ck)
    desc = DESCRIPTION + " " + WEIGHTS[args.weights] + f" Trained {trained} ({ck.get('train_seconds', 0) / 3600:.1f} h) {hardware(ck)}. Weights licensed CC-BY-SA-3.0."
    nodes = sequential_to_nodes(G)
    enc_nodes = sequential_to_nodes(E, head=[{"op": "input_image"}], example=torch.zeros(1, 1, 28, 28))
    tmp = args.out + ".tmp"
    write_generator(tmp, nodes, name="mnist-bigan", z_dim=Z_DIM, z_distribution="uniform", output=(1, 28, 28),
                    output_range="tanh", weight_type=args.weight_type, encoder_nodes=enc_nodes, description=desc,
                    license="CC-BY-SA-3.0", dataset="MNIST (train, 60,000 images)",
                    paper="Donahue, Kraehenbuehl, Darrell 2017, Adversarial Feature Learning (BiGAN); Dumoulin et al. "
                          "2017, Adversarially Learned Inference",
                    training_command=command, training_epochs=epochs)
    # Both graphs of the written file against the modules on the stored (f16-rounded) weights.
    g = read_generator(tmp)
    offset = lambda k: f"{int(k.split('.', 1)[0]) + 1}.{k.split('.', 1)[1]}"
    for module, prefix in ((G, "node."), (E, "encoder.node.")):
        sd = module.state_dict()
        module.load_state_dict({k: torch.from_numpy(g["tensors"][prefix + offset(k)].copy())
                                if prefix + offset(k) in g["tensors"] else v for k, v in sd.items()})
        module.eval()
    z = np.stack([latent_z(s, Z_DIM, "uniform") for s in range(16)])
    images = np.concatenate([forward_nodes(g["nodes"], z=z[:4]).detach().numpy(), strokes(4)])
    with torch.no_grad():
        err_g = float((G(torch.from_numpy(z)) - forward_nodes(g["nodes"], z=z)).abs().max())
        err_e = float((E(torch.from_numpy(images)) - forward_nodes(g["encoder_nodes"], z=None, images=images)).abs().max())
    if max(err_g, err_e) > 1e-4:
        os.remove(tmp)
        sys.exit(f"error: modules and graph evaluation differ by {err_g} (G), {err_e} (E)")
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, {trained}, module/graph max diff G {err_g:.1e} E {err_e:.1e})")
    if fixture:
        write_fixture(args.out, fixture + ".tmp", [0, 1, 2, 3], images=images)
        os.replace(fixture + ".tmp", fixture)
        print(f"wrote {fixture}")


if __name__ == "__main__":
    main()
