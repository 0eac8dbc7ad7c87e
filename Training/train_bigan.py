#!/usr/bin/env python3
"""Train mnist-bigan (Training/gansynth_training/bigan.py): generator, encoder and joint discriminator on MNIST.

    python3 Training/train_bigan.py --data DIR --device cuda --epochs 100 --time-budget 3600
    python3 Training/train_bigan.py --data DIR --epochs 120 --resume

Non-saturating BiGAN loss: D learns (x, E(x)) -> real, (G(z), z) -> fake; G and E learn the reverse. Adam 2e-4
(0.5, 0.999), batch 128, moving averages of G's and E's weights (decay 0.999; batch-norm statistics the live
networks'). OUT/checkpoint.pt at the end of every epoch and at the end of the run (atomically); log and sample
grids (top: G(z) for seeds 0-31; below: 32 test digits and their reconstructions G(E(x))) in OUT.
Export: Training/export_bigan.py.
"""
from __future__ import annotations

import argparse
import copy
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gansynth_training.bigan import Z_DIM, JointDiscriminator, encoder, generator  # noqa: E402
from gansynth_training.data import load_mnist  # noqa: E402
from gansynth_training.fixtures import latent_z  # noqa: E402
from gansynth_training.models import dcgan_init  # noqa: E402
from gansynth_training.png import grid, write_png  # noqa: E402
from gansynth_training.runlog import atomic_save, load_for_resume, log  # noqa: E402

MODEL = "mnist-bigan"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    p.add_argument("--out", default=os.path.join(HERE, "runs", MODEL))
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--time-budget", type=float, default=0, help="stop after this many seconds (0 = no limit)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--resume", action="store_true")
    args = p.parse_args(argv)
    t_run = time.time()
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    os.makedirs(os.path.join(args.out, "samples"), exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    try:
        images, _ = load_mnist(args.data, "train")
        test, _ = load_mnist(args.data, "test")
    except (OSError, ValueError) as e:
        sys.exit(f"error: {e}")
    data = torch.from_numpy(images).to(dev).float().div_(127.5).sub_(1.0).unsqueeze(1)
    shown_x = torch.from_numpy(test[:32]).to(dev).float().div_(127.5).sub_(1.0).unsqueeze(1)
    n, bs = len(data), args.batch_size

    torch.manual_seed(args.seed)
    G, E, D = generator().to(dev), encoder().to(dev), JointDiscriminator().to(dev)
    for m in (G, E, D):
        dcgan_init(m)
    optGE = torch.optim.Adam(list(G.parameters()) + list(E.parameters()), lr=args.lr, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    command = " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1]] + sys.argv)
    commands, start_epoch, train_seconds = [command], 0, 0.0
    G_ema, E_ema = copy.deepcopy(G), copy.deepcopy(E)
    if args.resume:
        ck = load_for_resume(ckpt_path, MODEL, dev)
        for m, k in ((G, "G"), (E, "E"), (D, "D"), (G_ema, "G_ema"), (E_ema, "E_ema"), (optGE, "optGE"),
                     (optD, "optD")):
            m.load_state_dict(ck[k])
        start_epoch, train_seconds, commands = ck["epochs_completed"], ck["train_seconds"], ck["commands"] + [command]
        torch.set_rng_state(ck["torch_rng"].cpu())
        log(args.out, f"resumed from {ckpt_path} after epoch {start_epoch}")
    else:
        log(args.out, f"start: {command}")
    fz = torch.from_numpy(np.stack([latent_z(s, Z_DIM, "uniform") for s in range(32)])).to(dev)

    def checkpoint(epochs: int, partial: int = 0) -> None:
        atomic_save({"model": MODEL, "G": G.state_dict(), "E": E.state_dict(), "D": D.state_dict(),
                     "G_ema": G_ema.state_dict(), "E_ema": E_ema.state_dict(), "optGE": optGE.state_dict(),
                     "optD": optD.state_dict(), "epochs_completed": epochs, "iter_in_epoch": partial, "args": vars(args),
                     "commands": commands, "train_seconds": train_seconds, "torch_rng": torch.get_rng_state()},
                    ckpt_path)

    def sample(name: str) -> None:
        G_ema.eval()
        E_ema.eval()
        with torch.no_grad():
            x = torch.cat([G_ema(fz), shown_x, G_ema(E_ema(shown_x))]).cpu().numpy()
        write_png(os.path.join(args.out, "samples", f"{name}.png"), grid(x, nrow=16))

    bce = F.binary_cross_entropy_with_logits
    stop = False
    for epoch in range(start_epoch, args.epochs):
        perm = torch.from_numpy(np.random.RandomState(args.seed * 1000003 + epoch).permutation(n)).to(dev)
        acc = torch.zeros(3, device=dev)
        t_epoch = time.time()
        G.train(), E.train(), D.train()
        for it in range(n // bs):
            x = data[perm[it * bs:(it + 1) * bs]]
            z = torch.rand(bs, Z_DIM, device=dev) * 2.0 - 1.0
            ex, gz = E(x), G(z)
            d_real, d_fake = D(x, ex.detach()), D(gz.detach(), z)
            lossD = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
            optD.zero_grad(set_to_none=True)
            lossD.backward()
            optD.step()
            d_real, d_fake = D(x, ex), D(gz, z)
            lossGE = bce(d_real, torch.zeros_like(d_real)) + bce(d_fake, torch.ones_like(d_fake))
            optGE.zero_grad(set_to_none=True)
            lossGE.backward()
            optGE.step()
            with torch.no_grad():
                for ema, live in ((G_ema, G), (E_ema, E)):
                    for pe, pl in zip(ema.parameters(), live.parameters()):
                        pe.lerp_(pl, 1.0 - args.ema)
                    for be, bl in zip(ema.buffers(), live.buffers()):
                        be.copy_(bl)
                recon = (G(ex) - x).pow(2).flatten(1).sum(1).sqrt().mean() / 2  # L2 in [0, 1] pixels
                acc += torch.stack([lossD.detach(), lossGE.detach(), recon])
            if args.time_budget and time.time() - t_run >= args.time_budget:
                stop = True
                break
        train_seconds += time.time() - t_epoch
        d_, g_, r_ = (acc / (it + 1)).tolist()
        log(args.out, f"epoch {epoch + 1}/{args.epochs} lossD {d_:.4f} lossGE {g_:.4f} train reconstruction L2 "
                      f"{r_:.3f} iters {it + 1} wall_s {time.time() - t_epoch:.1f}")
        sample(f"epoch-{epoch + 1:03d}")
        checkpoint(epoch + (0 if stop else 1), it + 1 if stop else 0)
        if stop:
            log(args.out, f"time budget reached after {epoch} epochs and {it + 1} iterations")
            break


if __name__ == "__main__":
    main()
