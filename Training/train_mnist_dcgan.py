#!/usr/bin/env python3
"""Train gansynth's default model "mnist-dcgan" (DCGAN, Radford, Metz, Chintala 2016) on MNIST, on the CPU.

Checkpoints go to RUN_DIR/checkpoint.pt (end of every epoch and every --ckpt-every iterations, written
atomically); losses and wall time to RUN_DIR/log.txt; an 8x8 eval-mode sample grid per epoch to
RUN_DIR/samples/epoch-NNN.png. Export with Training/export_model.py.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gansynth_training.data import load_mnist  # noqa: E402
from gansynth_training.models import MNIST_Z, dcgan_init, mnist_dcgan_discriminator, mnist_dcgan_generator  # noqa: E402
from gansynth_training.png import grid, write_png  # noqa: E402
from gansynth_training.runlog import atomic_save, log  # noqa: E402

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", "mnist-dcgan")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True,
                   help="folder with the MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz). "
                        "Get them from http://yann.lecun.com/exdb/mnist/ or a mirror such as "
                        "https://ossci-datasets.s3.amazonaws.com/mnist/ (MNIST is CC BY-SA 3.0).")
    p.add_argument("--out", default=DEFAULT_OUT, help="run folder (default: Training/runs/mnist-dcgan)")
    p.add_argument("--epochs", type=int, default=5, help="total epochs to train (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--ckpt-every", type=int, default=500, help="also checkpoint every N iterations")
    p.add_argument("--resume", action="store_true", help="resume from RUN_DIR/checkpoint.pt")
    p.add_argument("--max-iters", type=int, default=0, help="stop after N iterations (benchmarking); 0 = no limit")
    return p.parse_args(argv)


def sample_grid(G, fixed_z: torch.Tensor, path: str) -> None:
    was_training = G.training
    G.eval()
    with torch.no_grad():
        x = G(fixed_z).numpy()
    G.train(was_training)
    write_png(path, grid(x, nrow=8))
    np.save(path[:-4] + ".npy", x)


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    os.makedirs(os.path.join(args.out, "samples"), exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")

    try:
        images, _ = load_mnist(args.data, "train")
    except (OSError, ValueError) as e:
        sys.exit(f"error: {e}")
    data = torch.from_numpy(images).float().div_(127.5).sub_(1.0).unsqueeze(1)  # (N,1,28,28) in [-1,1]
    n = data.shape[0]
    iters_per_epoch = n // args.batch_size  # drop the last partial batch

    torch.manual_seed(args.seed)
    G = mnist_dcgan_generator()
    D = mnist_dcgan_discriminator()
    dcgan_init(G)
    dcgan_init(D)
    optG = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    # Sample grid latents follow the tool's convention: z for seed s = RandomState(s).randn(Z).
    fixed_z = torch.from_numpy(np.stack([np.random.RandomState(s).randn(MNIST_Z).astype(np.float32)
                                         for s in range(64)]))

    start_epoch, start_iter, global_iter = 0, 0, 0
    sums = {"d": 0.0, "g": 0.0, "n": 0, "t": 0.0}
    command = " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1]] + sys.argv)
    commands = [command]
    if args.resume:
        if not os.path.exists(ckpt_path):
            sys.exit(f"--resume: {ckpt_path} does not exist")
        ck = torch.load(ckpt_path, weights_only=False)
        G.load_state_dict(ck["G"])
        D.load_state_dict(ck["D"])
        optG.load_state_dict(ck["optG"])
        optD.load_state_dict(ck["optD"])
        start_epoch, start_iter, global_iter = ck["epoch"], ck["iter_in_epoch"], ck["global_iter"]
        sums = ck["epoch_sums"]
        torch.set_rng_state(ck["torch_rng"])
        commands = ck.get("commands", []) + [command]
        log(args.out, f"resumed from {ckpt_path}: epoch {start_epoch} iteration {start_iter}")
    else:
        log(args.out, f"start: {command}")

    def checkpoint(epoch: int, it: int) -> None:
        atomic_save({
            "G": G.state_dict(), "D": D.state_dict(), "optG": optG.state_dict(), "optD": optD.state_dict(),
            "epoch": epoch, "iter_in_epoch": it, "global_iter": global_iter, "epoch_sums": dict(sums),
            "torch_rng": torch.get_rng_state(), "args": vars(args), "commands": commands,
            "epochs_completed": epoch, "z_dim": MNIST_Z,
        }, ckpt_path)

    G.train()
    D.train()
    bs = args.batch_size
    for epoch in range(start_epoch, args.epochs):
        # The shuffle of each epoch is a pure function of (seed, epoch), so a mid-epoch resume continues it exactly.
        perm = torch.from_numpy(np.random.RandomState(args.seed * 1000003 + epoch).permutation(n))
        t_epoch = time.time()
        for it in range(start_iter if epoch == start_epoch else 0, iters_per_epoch):
            t0 = time.time()
            real = data[perm[it * bs:(it + 1) * bs]]
            z = torch.randn(bs, MNIST_Z)
            fake = G(z)
            # Discriminator: real -> 1, fake -> 0.
            optD.zero_grad(set_to_none=True)
            lr_ = D(real)
            lf = D(fake.detach())
            lossD = (F.binary_cross_entropy_with_logits(lr_, torch.ones_like(lr_))
                     + F.binary_cross_entropy_with_logits(lf, torch.zeros_like(lf)))
            lossD.backward()
            optD.step()
            # Generator: non-saturating loss, fake -> 1.
            optG.zero_grad(set_to_none=True)
            lg = D(fake)
            lossG = F.binary_cross_entropy_with_logits(lg, torch.ones_like(lg))
            lossG.backward()
            optG.step()

            global_iter += 1
            sums["d"] += lossD.item()
            sums["g"] += lossG.item()
            sums["n"] += 1
            sums["t"] += time.time() - t0
            if global_iter % 50 == 0:
                print(f"epoch {epoch + 1} iter {it + 1}/{iters_per_epoch} lossD {lossD.item():.4f} "
                      f"lossG {lossG.item():.4f} {sums['t'] / max(sums['n'], 1):.4f} s/iter", flush=True)
            if args.ckpt_every and global_iter % args.ckpt_every == 0:
                checkpoint(epoch, it + 1)
            if args.max_iters and global_iter >= args.max_iters:
                log(args.out, f"stopping after {global_iter} iterations: {sums['t'] / sums['n']:.4f} s/iter")
                return
        # End of epoch.
        log(args.out, f"epoch {epoch + 1}/{args.epochs} lossD {sums['d'] / max(sums['n'], 1):.4f} "
                      f"lossG {sums['g'] / max(sums['n'], 1):.4f} iters {sums['n']} "
                      f"train_s {sums['t']:.1f} wall_s {time.time() - t_epoch:.1f}")
        sums = {"d": 0.0, "g": 0.0, "n": 0, "t": 0.0}
        sample_grid(G, fixed_z, os.path.join(args.out, "samples", f"epoch-{epoch + 1:03d}.png"))
        checkpoint(epoch + 1, 0)
    log(args.out, "done")


if __name__ == "__main__":
    main()
