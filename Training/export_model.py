#!/usr/bin/env python3
"""Export a trained mnist-dcgan checkpoint to Models/mnist-dcgan.gguf and its parity fixture
Tests/Fixtures/mnist-dcgan.expected.gguf (z from seeds 0, 1, 2, 3)."""
from __future__ import annotations

import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from gansynth_training.export import read_generator, sequential_to_nodes, write_generator  # noqa: E402
from gansynth_training.fixtures import write_fixture  # noqa: E402
from gansynth_training.models import MNIST_Z, mnist_dcgan_generator  # noqa: E402
from gansynth_training.runlog import provenance  # noqa: E402


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--checkpoint", default=os.path.join(HERE, "runs", "mnist-dcgan", "checkpoint.pt"))
    p.add_argument("--out", default=os.path.join(ROOT, "Models", "mnist-dcgan.gguf"))
    p.add_argument("--fixture", default=os.path.join(ROOT, "Tests", "Fixtures", "mnist-dcgan.expected.gguf"),
                   help="parity fixture path ('' to skip)")
    p.add_argument("--weight-type", choices=["f32", "f16", "q8_0"], default="f16")
    args = p.parse_args(argv)

    torch.set_num_threads(1)
    ck = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    G = mnist_dcgan_generator()
    G.load_state_dict(ck["G"])
    G.eval()
    epochs, trained, command = provenance(ck)
    desc = ("DCGAN generator for 28x28 handwritten digits, trained on the MNIST training set: "
            "z (100, standard normal) -> linear 6272 -> BN -> ReLU -> 128x7x7 -> transposed conv 64x14x14 -> BN -> "
            "ReLU -> transposed conv 1x28x28 -> tanh. "
            f"Trained {trained} on 2 CPU cores. "
            "Weights licensed CC-BY-SA-3.0, following the MNIST data set's license.")

    nodes = sequential_to_nodes(G)
    tmp = args.out + ".tmp"
    write_generator(tmp, nodes, name="mnist-dcgan", z_dim=MNIST_Z, output=(1, 28, 28), output_range="tanh",
                    weight_type=args.weight_type, description=desc, license="CC-BY-SA-3.0",
                    dataset="MNIST (train, 60,000 images)",
                    paper="Radford, Metz, Chintala 2016, Unsupervised Representation Learning with Deep "
                          "Convolutional GANs",
                    training_command=command, training_epochs=epochs)
    read_generator(tmp)  # must parse
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, {epochs} epochs, {args.weight_type})")
    if args.fixture:
        tmpf = args.fixture + ".tmp"
        out = write_fixture(args.out, tmpf, [0, 1, 2, 3], module=mnist_dcgan_generator())
        os.replace(tmpf, args.fixture)
        print(f"wrote {args.fixture} (output {out.shape}, range [{out.min():.3f}, {out.max():.3f}])")


if __name__ == "__main__":
    main()
