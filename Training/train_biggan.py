#!/usr/bin/env python3
"""Train cifar10-biggan (Training/gansynth_training/biggan_cifar.py) on CIFAR-10.

    python3 Training/train_biggan.py --data DIR/cifar10-jpg.tar.gz --device cuda --time-budget 3600
    python3 Training/train_biggan.py --data DIR/cifar10-jpg.tar.gz --resume --iters 40000   # train on (CPU or GPU)

Hinge loss (Lim & Ye 2017, as BigGAN), --d-steps discriminator steps per generator step, Adam (0, 0.999), batch 64,
horizontal flips, a moving average of G's weights (decay 0.999, from iteration 1000; BigGAN keeps one too) and an
auxiliary-classifier term (weight --ac-weight) on D's features: D learns the class of real images, G is
rewarded when D recognises the asked class. The run stops at --iters iterations or after --time-budget seconds,
whichever comes first; OUT/checkpoint.pt is written every --ckpt-every iterations and at the end (atomically),
with the averaged generator's standing statistics (biggan_cifar.Generator.standing_statistics) computed at the end.
Losses to OUT/log.txt, a grid of the averaged generator (rows: seeds, columns: classes) to OUT/samples/.
Export: Training/export_biggan.py.
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
from gansynth_training.biggan_cifar import Discriminator, Generator  # noqa: E402
from gansynth_training.fixtures import latent_z  # noqa: E402
from gansynth_training.png import grid, write_png  # noqa: E402
from gansynth_training.runlog import atomic_save, load_for_resume, log  # noqa: E402
from gansynth_training.zoo import load_dataset  # noqa: E402

MODEL = "cifar10-biggan"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="the CIFAR-10 JPEG tarball or its extracted folder")
    p.add_argument("--out", default=os.path.join(HERE, "runs", MODEL))
    p.add_argument("--iters", type=int, default=100000, help="total generator iterations")
    p.add_argument("--time-budget", type=float, default=0, help="stop after this many seconds (0 = no limit)")
    p.add_argument("--ch", type=int, default=128, help="channels of every block (G and D)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--d-steps", type=int, default=2)
    p.add_argument("--lr-g", type=float, default=2e-4)
    p.add_argument("--lr-d", type=float, default=2e-4)
    p.add_argument("--ac-weight", type=float, default=0.5)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--ema-start", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--ckpt-every", type=int, default=2000, help="also checkpoint every N generator iterations (0: only at the end)")
    p.add_argument("--standing-batches", type=int, default=100, help="batches of 128 for the standing statistics")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--cache", default=os.path.join(HERE, "runs", "data"), help="decoded CIFAR-10 arrays")
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    t_run = time.time()
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    os.makedirs(os.path.join(args.out, "samples"), exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    try:
        images, labels = load_dataset("cifar10", args.data, "train", args.cache)
    except (OSError, ValueError) as e:
        sys.exit(f"error: {e}")
    data = torch.from_numpy(images).to(dev).float().div_(127.5).sub_(1.0)
    targets = torch.from_numpy(labels).to(dev)
    n, bs = len(data), args.batch_size

    torch.manual_seed(args.seed)
    command = " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1]] + sys.argv)
    commands = [command]
    start, train_seconds = 0, 0.0
    ck = None
    if args.resume:
        ck = load_for_resume(ckpt_path, MODEL, dev)
        saved = ck["args"]
        for k in ("ch", "batch_size", "d_steps", "ac_weight", "ema", "ema_start", "seed"):
            setattr(args, k, saved[k])
        bs = args.batch_size
    G = Generator(args.ch).to(dev)
    D = Discriminator(args.ch).to(dev)
    optG = torch.optim.Adam(G.parameters(), lr=args.lr_g, betas=(0.0, 0.999), eps=1e-6)
    optD = torch.optim.Adam(D.parameters(), lr=args.lr_d, betas=(0.0, 0.999), eps=1e-6)
    G_ema = copy.deepcopy(G)
    if ck is not None:
        G.load_state_dict(ck["G"])
        D.load_state_dict(ck["D"])
        G_ema.load_state_dict(ck["G_ema"])
        if "optG" in ck:
            optG.load_state_dict(ck["optG"])
            optD.load_state_dict(ck["optD"])
        start, train_seconds = ck["iter"], ck["train_seconds"]
        commands = ck["commands"] + [command]
        torch.set_rng_state(ck["torch_rng"].cpu())
        log(args.out, f"resumed from {ckpt_path} at iteration {start}")
    else:
        log(args.out, f"start: {command}")
    G_ema.eval()

    seeds = 10
    fz = torch.from_numpy(np.stack([latent_z(s, 128) for s in range(seeds) for _ in range(10)])).to(dev)
    fy = torch.arange(10, device=dev).repeat(seeds)

    def sample(name: str, model) -> None:
        model.eval()
        with torch.no_grad():
            x = model(fz, fy).cpu().numpy()
        write_png(os.path.join(args.out, "samples", f"{name}.png"), grid(x, nrow=10))

    def checkpoint(it: int, standing: bool = False) -> None:
        state = {"model": MODEL, "G": G.state_dict(), "D": D.state_dict(), "G_ema": G_ema.state_dict(),
                 "optG": optG.state_dict(), "optD": optD.state_dict(), "iter": it, "args": vars(args),
                 "commands": commands, "train_seconds": train_seconds, "torch_rng": torch.get_rng_state()}
        if standing:
            Gs = copy.deepcopy(G_ema)
            Gs.standing_statistics(batches=args.standing_batches, batch_size=128, seed=args.seed)
            Gs.eval()
            state["G_ema_standing"] = Gs.state_dict()
            sample(f"iter-{it:06d}-standing", Gs)
        atomic_save(state, ckpt_path)

    def batch(step: int):
        epoch, k = divmod(step * bs, n - n % bs)
        perm = perms.get(epoch)
        if perm is None:
            perms.clear()
            perm = perms[epoch] = torch.from_numpy(
                np.random.RandomState(args.seed * 1000003 + epoch).permutation(n)).to(dev)
        idx = perm[k:k + bs]
        x = data[idx]
        flip = torch.rand(bs, device=dev) < 0.5
        return torch.where(flip[:, None, None, None], x.flip(3), x), targets[idx]

    perms: dict = {}
    acc = torch.zeros(4, device=dev)  # lossD, lossG, D's accuracy on real classes, on generated ones
    acc_n, t_log = 0, time.time()
    G.train()
    D.train()
    it = start
    for it in range(start, args.iters):
        t0 = time.time()
        for s in range(args.d_steps):
            real, y_real = batch(it * args.d_steps + s)
            z = torch.randn(bs, G.z_dim, device=dev)
            y_fake = torch.randint(0, 10, (bs,), device=dev)
            with torch.no_grad():
                fake = G(z, y_fake)
            dr, cr = D(real, y_real)
            df, _ = D(fake, y_fake)
            lossD = F.relu(1.0 - dr).mean() + F.relu(1.0 + df).mean() + args.ac_weight * F.cross_entropy(cr, y_real)
            optD.zero_grad(set_to_none=True)
            lossD.backward()
            optD.step()
        z = torch.randn(bs, G.z_dim, device=dev)
        y_fake = torch.randint(0, 10, (bs,), device=dev)
        dg, cg = D(G(z, y_fake), y_fake)
        lossG = -dg.mean() + args.ac_weight * F.cross_entropy(cg, y_fake)
        optG.zero_grad(set_to_none=True)
        lossG.backward()
        optG.step()
        with torch.no_grad():
            decay = args.ema if it >= args.ema_start else 0.0
            for pe, pg in zip(G_ema.parameters(), G.parameters()):
                pe.lerp_(pg, 1.0 - decay)
            for be, bg in zip(G_ema.buffers(), G.buffers()):
                be.copy_(bg)
            acc += torch.stack([lossD.detach(), lossG.detach(), (cr.argmax(1) == y_real).float().mean(),
                                (cg.argmax(1) == y_fake).float().mean()])
        acc_n += 1
        train_seconds += time.time() - t0
        done = it + 1 == args.iters or (args.time_budget and time.time() - t_run >= args.time_budget)
        if (it + 1) % 200 == 0 or done:
            d_, g_, ar, af = (acc / acc_n).tolist()
            log(args.out, f"iter {it + 1} lossD {d_:.4f} lossG {g_:.4f} D class accuracy real {ar:.3f} "
                          f"generated {af:.3f} {(time.time() - t_log) / acc_n:.4f} s/iter")
            acc.zero_()
            acc_n, t_log = 0, time.time()
        if args.ckpt_every and (it + 1) % args.ckpt_every == 0 and not done:
            sample(f"iter-{it + 1:06d}", G_ema)
            checkpoint(it + 1)
        if done:
            break
    checkpoint(it + 1, standing=True)
    log(args.out, f"stopped at iteration {it + 1} ({train_seconds:.0f} s of training, {time.time() - t_run:.0f} s run)")


if __name__ == "__main__":
    main()
