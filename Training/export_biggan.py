#!/usr/bin/env python3
"""Export a cifar10-biggan checkpoint (Training/train_biggan.py) to Models/cifar10-biggan.gguf and its parity
fixture Tests/Fixtures/cifar10-biggan.expected.gguf.

    python3 Training/export_biggan.py [--checkpoint Training/runs/cifar10-biggan/checkpoint.pt] [--weight-type f16]

The generator shipped is the moving average of G's weights with standing statistics (the checkpoint's
G_ema_standing; recomputed here when the checkpoint lacks them). It is written in ajbrock/BigGAN-PyTorch's key
layout (biggan_cifar.biggan_pytorch_state_dict) and goes through the same converter as published BigGAN
checkpoints (Training/convert.py biggan), so the file is a plain BigGAN graph. Before the file is moved into place,
its graph evaluation is checked against the module for 20 seeds and all classes. The fixture holds z for seeds 0-3
with labels 0, 3, 7, 9.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from gansynth_training.biggan_cifar import Generator, biggan_pytorch_state_dict  # noqa: E402
from gansynth_training.converters.biggan import BigGAN  # noqa: E402
from gansynth_training.export import forward_nodes, read_generator, write_generator  # noqa: E402
from gansynth_training.fixtures import latent_z, write_fixture  # noqa: E402
from gansynth_training.runlog import hardware, load_checkpoint, portable_command  # noqa: E402
from gansynth_training.zoo import CIFAR10_CLASSES, CIFAR10_DATASET  # noqa: E402

FIXTURE_LABELS = [0, 3, 7, 9]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default=os.path.join(HERE, "runs", "cifar10-biggan", "checkpoint.pt"))
    p.add_argument("--out", default=os.path.join(ROOT, "Models", "cifar10-biggan.gguf"))
    p.add_argument("--fixture", help="default Tests/Fixtures/cifar10-biggan.expected.gguf; '' to skip")
    p.add_argument("--weight-type", choices=["f32", "f16", "q8_0"], default="f16")
    args = p.parse_args(argv)
    fixture = os.path.join(ROOT, "Tests", "Fixtures", "cifar10-biggan.expected.gguf") if args.fixture is None \
        else args.fixture
    torch.set_num_threads(2)
    ck = load_checkpoint(args.checkpoint, "cifar10-biggan")
    G = Generator(ck["args"]["ch"])
    if "G_ema_standing" in ck:
        G.load_state_dict(ck["G_ema_standing"])
    else:
        G.load_state_dict(ck["G_ema"])
        G.standing_statistics(batches=100, batch_size=128, seed=ck["args"]["seed"])
    G.eval()
    with tempfile.TemporaryDirectory() as d:
        sd_path = os.path.join(d, "G_ema.pth")
        torch.save(biggan_pytorch_state_dict(G), sd_path)
        conv = BigGAN(sd_path)
        nodes = conv.nodes()
    iters = int(ck["iter"])
    command = " ; ".join(portable_command(c) for c in ck.get("commands", []))
    desc = ("BigGAN (Brock et al. 2018) for 32x32 RGB CIFAR-10 images: z (128, standard normal) and a shared class "
            f"embedding (128) -> linear -> {G.ch}x4x4 -> 3 residual blocks (class-conditional batch norm, nearest "
            f"upsampling, 3x3 convs, {G.ch} channels) with self-attention at 16x16 -> BN -> ReLU -> conv -> tanh. "
            "Trained with the hinge loss against a spectrally normalised projection discriminator with an "
            "auxiliary classifier; the file holds the moving average of G's weights with standing statistics. "
            f"Trained {iters} generator iterations ({ck.get('train_seconds', 0) / 3600:.1f} h) {hardware(ck)}. Weights licensed MIT.")
    tmp = args.out + ".tmp"
    write_generator(tmp, nodes, name="cifar10-biggan", z_dim=128, output=(3, 32, 32), output_range="tanh",
                    labels=CIFAR10_CLASSES, weight_type=args.weight_type, description=desc, license="MIT",
                    dataset=CIFAR10_DATASET, paper=conv.metadata()["paper"], training_command=command or None,
                    training_epochs=iters * ck["args"]["batch_size"] * ck["args"]["d_steps"] // 50000)
    g = read_generator(tmp)
    # The module on the stored (rounded) weights would need the inverse key mapping; instead the graph is checked
    # against the f32 module, within the weight type's rounding.
    z = np.stack([latent_z(s, 128) for s in range(20)])
    y = np.arange(20) % 10
    graph = forward_nodes(g["nodes"], z=z, label=y, num_labels=10).detach().numpy()
    with torch.no_grad():
        ref = G(torch.from_numpy(z), torch.from_numpy(y)).numpy()
    err = float(np.abs(graph - ref).max())
    limit = 1e-4 if args.weight_type == "f32" else 3e-2
    if err > limit:
        os.remove(tmp)
        sys.exit(f"error: the module and the graph of the written file differ by {err} (limit {limit})")
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, {iters} iterations, module/graph max diff {err:.1e})")
    if fixture:
        write_fixture(args.out, fixture + ".tmp", [0, 1, 2, 3], label=np.array(FIXTURE_LABELS))
        os.replace(fixture + ".tmp", fixture)
        print(f"wrote {fixture}")


if __name__ == "__main__":
    main()
