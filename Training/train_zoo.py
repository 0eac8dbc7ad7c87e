#!/usr/bin/env python3
"""Train a model of the gansynth zoo: mnist-dcgan, mnist-gan, mnist-cgan, mnist-infogan, fashion-cgan, cifar10-cgan,
cifar10-wgan-gp, cifar10-dcgan (on the CPU, or a GPU with --device cuda).

    python3 Training/train_zoo.py --model mnist-cgan --epochs 10 --seed 0
    python3 Training/train_zoo.py --model mnist-cgan --epochs 10 --resume      # continue after an interruption

Checkpoints go to OUT/checkpoint.pt (end of every epoch and every --ckpt-every iterations, written atomically);
losses and wall time to OUT/log.txt; an eval-mode sample grid per epoch to OUT/samples/epoch-NNN.png. OUT defaults
to Training/runs/<model>. Export with Training/export_zoo.py --model <model>.

Losses:
  mnist-dcgan     non-saturating GAN loss, DCGAN discriminator (Radford et al. 2016)
  mnist-gan       non-saturating GAN loss, maxout/dropout MLP discriminator (Goodfellow et al. 2014)
  cifar10-wgan-gp WGAN-GP (Gulrajani et al. 2017): critic without normalisation, gradient penalty 10 at random
                  points between real and generated images, 5 critic steps per generator step; the critic's
                  Wasserstein estimate E[D(real)] - E[D(fake)] is logged to OUT/wasserstein.csv
  cifar10-dcgan   the same generator with the non-saturating loss against the critic's layers with batch norm
  *-cgan          projection discriminator (Miyato & Koyama 2018) + auxiliary classifier (Odena et al. 2017):
                  D learns the class of real images, G is rewarded when D's classifier recognises the asked class;
                  non-saturating loss on MNIST/Fashion, hinge loss + spectral norm in D on CIFAR-10
  mnist-infogan   non-saturating loss + mutual-information term: categorical cross-entropy (weight 1, or
                  --info-cat-weight; the shipped model used 0.5) and
                  Gaussian (fixed variance, i.e. squared error, weight 0.1) for the continuous codes (Chen et al.)
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gansynth_training.fixtures import latent_z  # noqa: E402
from gansynth_training.png import grid, write_png  # noqa: E402
from gansynth_training.runlog import atomic_save, load_for_resume, log  # noqa: E402
from gansynth_training.models import dcgan_init  # noqa: E402
from gansynth_training.zoo import DEFAULT_DATA, SPECS, build_discriminator, build_generator, load_dataset  # noqa: E402

INFO_CONT_WEIGHT = 0.1
AC_WEIGHT = 1.0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=sorted(SPECS))
    p.add_argument("--data", help="MNIST / Fashion-MNIST IDX folder, or the CIFAR-10 JPEG tarball or folder "
                                  f"(defaults: {DEFAULT_DATA})")
    p.add_argument("--out", help="run folder (default: Training/runs/<model>)")
    p.add_argument("--epochs", type=int, help="total epochs to train (default: per model)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, help="default: per model (128; 100 for mnist-gan; 64 for cifar10-cgan)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    p.add_argument("--time-budget", type=float, default=0,
                   help="checkpoint and stop after this many seconds of this run (0 = no limit)")
    p.add_argument("--loss", choices=["bce", "hinge", "wgan-gp"],
                   help="adversarial loss (default: the model's; hinge also normalises D spectrally)")
    p.add_argument("--info-cat-weight", type=float,
                   help="mnist-infogan: weight of the categorical code's cross-entropy (default: the paper's 1, or the "
                        "resumed run's)")
    p.add_argument("--ema", type=float,
                   help="also keep an exponential moving average of G's weights with this decay (e.g. 0.999; "
                        "Yazici et al. 2019); when kept, it is the generator that export_zoo.py and eval/probe.py "
                        "use (default: the model's, or the resumed run's)")
    p.add_argument("--ckpt-every", type=int, default=500, help="also checkpoint every N iterations")
    p.add_argument("--resume", action="store_true", help="resume from OUT/checkpoint.pt")
    p.add_argument("--max-iters", type=int, default=0, help="stop after N iterations (testing); 0 = no limit")
    p.add_argument("--cache", default=os.path.join(HERE, "runs", "data"),
                   help="folder for decoded CIFAR-10 arrays (default Training/runs/data)")
    return p.parse_args(argv)


def fixed_inputs(spec, n_seeds: int):
    """Inputs of the per-epoch sample grid: z from the tool's seeds; conditional: each row one seed, each column
    one label; InfoGAN: each row one categorical value, each column one seed (continuous codes 0)."""
    if spec.conditional:
        L = len(spec.labels)
        seeds = [s for s in range(n_seeds) for _ in range(L)]
        z = np.stack([latent_z(s, spec.z_dim, spec.z_distribution) for s in seeds])
        label = np.array([i % L for i in range(len(seeds))])
        return dict(z=torch.from_numpy(z), label=torch.from_numpy(label)), L
    if spec.infogan:
        K = spec.categorical[0]
        z = np.stack([latent_z(s, spec.z_dim, spec.z_distribution) for _ in range(K) for s in range(n_seeds)])
        cat = np.array([[k] for k in range(K) for _ in range(n_seeds)])
        cont = np.zeros((len(z), spec.continuous), np.float32)
        return dict(z=torch.from_numpy(z), categorical=torch.from_numpy(cat),
                    continuous=torch.from_numpy(cont)), n_seeds
    z = np.stack([latent_z(s, spec.z_dim, spec.z_distribution) for s in range(64)])
    return dict(z=torch.from_numpy(z)), 8


def main(argv=None) -> None:
    args = parse_args(argv)
    spec = SPECS[args.model]
    if args.loss and args.loss != spec.loss:
        spec = dataclasses.replace(spec, loss=args.loss)
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    t_run = time.time()
    out = args.out or os.path.join(HERE, "runs", spec.name)
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    ckpt_path = os.path.join(out, "checkpoint.pt")
    epochs = args.epochs or spec.default_epochs
    bs = args.batch_size or spec.batch_size

    try:
        images, labels = load_dataset(spec.data_kind, args.data or DEFAULT_DATA[spec.data_kind], "train", args.cache)
    except (OSError, ValueError) as e:
        sys.exit(f"error: {e}")
    if spec.train_subset:
        images, labels = images[:spec.train_subset], labels[:spec.train_subset]
    data = torch.from_numpy(images).to(dev).float().div_(255.0)
    if spec.output_range == "tanh":
        data = data.mul_(2.0).sub_(1.0)
    targets = torch.from_numpy(labels).to(dev)
    n = data.shape[0]
    iters_per_epoch = n // bs  # drop the last partial batch

    torch.manual_seed(args.seed)
    G = build_generator(spec)
    D = build_discriminator(spec)
    if spec.name != "mnist-gan":  # the MLP GAN keeps PyTorch's default (fan-in scaled) init; N(0, 0.02) starves it
        dcgan_init(G)
        dcgan_init(D)
    G.to(dev)
    D.to(dev)
    optG = torch.optim.Adam(G.parameters(), lr=spec.lr_g, betas=spec.betas)
    optD = torch.optim.Adam(D.parameters(), lr=spec.lr_d, betas=spec.betas)
    fixed, nrow = fixed_inputs(spec, 10)
    fixed = {k: v.to(dev) for k, v in fixed.items()}

    G_ema = None
    start_epoch, start_iter, global_iter = 0, 0, 0
    sums = {"d": 0.0, "g": 0.0, "aux": 0.0, "n": 0, "t": 0.0}
    command = " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1]] + sys.argv)
    commands = [command]
    if args.resume:
        ck = load_for_resume(ckpt_path, spec.name, dev)
        G.load_state_dict(ck["G"])
        D.load_state_dict(ck["D"])
        optG.load_state_dict(ck["optG"])
        optD.load_state_dict(ck["optD"])
        start_epoch, start_iter, global_iter = ck["epoch"], ck["iter_in_epoch"], ck["global_iter"]
        sums = ck["epoch_sums"]
        torch.set_rng_state(ck["torch_rng"].cpu())
        if dev.type == "cuda" and ck.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(ck["cuda_rng"].cpu())
        commands = ck.get("commands", []) + [command]
        if args.info_cat_weight is None:
            args.info_cat_weight = ck["args"].get("info_cat_weight")
        if args.ema is None:
            args.ema = ck["args"].get("ema")
        if args.loss is None and ck["args"].get("loss"):
            args.loss = ck["args"]["loss"]
            spec = dataclasses.replace(spec, loss=args.loss)
        if args.ema and "G_ema" in ck:
            G_ema = build_generator(spec).to(dev)
            G_ema.load_state_dict(ck["G_ema"])
        if ck["args"].get("batch_size") and not args.batch_size:
            bs = ck["args"]["batch_size"] or bs
            iters_per_epoch = n // bs
        log(out, f"resumed from {ckpt_path}: epoch {start_epoch} iteration {start_iter}")
    else:
        log(out, f"start: {command}")
    args.batch_size = bs
    if args.ema is None:
        args.ema = spec.ema or None
    if args.ema and G_ema is None:
        G_ema = copy.deepcopy(G)  # starts from the generator as it is now (fresh, or the resumed one)
    if args.info_cat_weight is None:
        args.info_cat_weight = 1.0

    def checkpoint(epoch: int, it: int) -> None:
        atomic_save({
            "model": spec.name, "G": G.state_dict(), "D": D.state_dict(), "optG": optG.state_dict(),
            "optD": optD.state_dict(), "epoch": epoch, "iter_in_epoch": it, "global_iter": global_iter,
            "epoch_sums": dict(sums), "torch_rng": torch.get_rng_state(), "args": vars(args),
            "cuda_rng": torch.cuda.get_rng_state() if dev.type == "cuda" else None,
            "commands": commands, "epochs_completed": epoch, "train_seconds": train_seconds[0],
            **({"G_ema": G_ema.state_dict()} if G_ema is not None else {}),
        }, ckpt_path)

    train_seconds = [ck.get("train_seconds", 0.0) if args.resume else 0.0]
    L = len(spec.labels) if spec.conditional else 0

    def adv_loss_d(real_logits, fake_logits):
        if spec.loss == "wgan-gp":
            return fake_logits.mean() - real_logits.mean()
        if spec.loss == "hinge":
            return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()
        return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))

    def adv_loss_g(fake_logits):
        if spec.loss in ("hinge", "wgan-gp"):
            return -fake_logits.mean()
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))

    def info_loss(q, cat, cont):
        K = spec.categorical[0]
        return (args.info_cat_weight * F.cross_entropy(q[:, :K], cat[:, 0])
                + INFO_CONT_WEIGHT * F.mse_loss(q[:, K:], cont))

    def gradient_penalty(real, fake):
        """Gulrajani et al.: (|grad D(x_hat)| - 1)^2 at x_hat uniformly between a real and a generated image."""
        alpha = torch.rand(real.shape[0], 1, 1, 1, device=dev)
        x_hat = (alpha * real + (1.0 - alpha) * fake).requires_grad_(True)
        grad, = torch.autograd.grad(D(x_hat)["adv"].sum(), x_hat, create_graph=True)
        return ((grad.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()

    def draw_z(m):
        if spec.z_distribution == "uniform":
            return torch.rand(m, spec.z_dim, device=dev) * 2.0 - 1.0
        return torch.randn(m, spec.z_dim, device=dev)

    w_log = os.path.join(out, "wasserstein.csv")
    if spec.loss == "wgan-gp" and not os.path.exists(w_log):
        with open(w_log, "w") as f:
            f.write("iteration,generator_steps,wasserstein_estimate,gradient_penalty,seconds\n")
    w_acc = torch.zeros(2, device=dev)  # sums of the Wasserstein estimate and the penalty since the last row
    n_critic = spec.n_critic
    acc = torch.zeros(3, device=dev)    # sums of lossD, lossG, aux since the last print (one sync per print)
    acc_n = 0
    lossG = torch.zeros((), device=dev)

    def sample(name: str) -> None:
        shown = G_ema if G_ema is not None else G
        G.eval()
        shown.eval()
        with torch.no_grad():
            x = shown(**fixed).cpu().numpy()
        G.train()
        lo = 0.0 if spec.output_range == "sigmoid" else -1.0
        write_png(os.path.join(out, "samples", f"{name}.png"), grid(x, nrow=nrow, lo=lo))

    G.train()
    D.train()
    for epoch in range(start_epoch, epochs):
        # The shuffle of each epoch is a pure function of (seed, epoch), so a mid-epoch resume continues it exactly.
        perm = torch.from_numpy(np.random.RandomState(args.seed * 1000003 + epoch).permutation(n)).to(dev)
        t_epoch = time.time()
        for it in range(start_iter if epoch == start_epoch else 0, iters_per_epoch):
            t0 = time.time()
            idx = perm[it * bs:(it + 1) * bs]
            real, y_real = data[idx], targets[idx]
            if spec.data_kind == "cifar10":
                flip = torch.rand(bs, device=dev) < 0.5  # horizontal flips
                real = torch.where(flip[:, None, None, None], real.flip(3), real)
            z = draw_z(bs)
            kw, y_fake, cat, cont = {}, None, None, None
            if spec.conditional:
                y_fake = torch.randint(0, L, (bs,), device=dev)
                kw = {"label": y_fake}
            if spec.infogan:
                cat = torch.randint(0, spec.categorical[0], (bs, 1), device=dev)
                cont = torch.rand(bs, spec.continuous, device=dev) * 2.0 - 1.0
                kw = {"categorical": cat, "continuous": cont}
            fake = G(z, **kw)

            # Discriminator step.
            optD.zero_grad(set_to_none=True)
            dr = D(real, y_real if spec.conditional else None)
            df = D(fake.detach(), y_fake)
            lossD = adv_loss_d(dr["adv"], df["adv"])
            aux = torch.zeros((), device=dev)
            if spec.loss == "wgan-gp":
                gp = gradient_penalty(real, fake.detach())
                lossD = lossD + 10.0 * gp
                w_acc += torch.stack([dr["adv"].mean() - df["adv"].mean(), gp]).detach()
            if spec.conditional:
                aux = F.cross_entropy(dr["cls"], y_real)
                lossD = lossD + AC_WEIGHT * aux
            if spec.infogan:
                aux = info_loss(df["q"], cat, cont)
                lossD = lossD + aux
            lossD.backward()
            optD.step()

            # Generator step, after every n_critic discriminator steps.
            g_step = (global_iter + 1) % n_critic == 0
            if g_step:
                optG.zero_grad(set_to_none=True)
                dg = D(fake, y_fake)
                lossG = adv_loss_g(dg["adv"])
                if spec.conditional:
                    lossG = lossG + AC_WEIGHT * F.cross_entropy(dg["cls"], y_fake)
                if spec.infogan:
                    lossG = lossG + info_loss(dg["q"], cat, cont)
                lossG.backward()
                optG.step()
            if g_step and G_ema is not None:
                with torch.no_grad():
                    for pe, pg in zip(G_ema.parameters(), G.parameters()):
                        pe.lerp_(pg, 1.0 - args.ema)
                    # Batch-norm statistics: the live generator's (they track the same layers' activations).
                    for be, bg in zip(G_ema.buffers(), G.buffers()):
                        be.copy_(bg)

            global_iter += 1
            dt = time.time() - t0
            train_seconds[0] += dt
            acc += torch.stack([lossD.detach(), lossG.detach(), aux.detach()])
            acc_n += 1
            sums["n"] += 1
            sums["t"] += dt
            last = bool(args.max_iters and global_iter >= args.max_iters) or \
                bool(args.time_budget and time.time() - t_run >= args.time_budget)
            if global_iter % 50 == 0 or last or it + 1 == iters_per_epoch:
                d_, g_, a_ = (acc / max(acc_n, 1)).tolist()
                sums["d"] += d_ * acc_n
                sums["g"] += g_ * acc_n
                sums["aux"] += a_ * acc_n
                acc.zero_()
                acc_n = 0
                if global_iter % 50 == 0:
                    print(f"epoch {epoch + 1} iter {it + 1}/{iters_per_epoch} lossD {d_:.4f} lossG {g_:.4f} "
                          f"aux {a_:.4f} {sums['t'] / max(sums['n'], 1):.4f} s/iter", flush=True)
            if spec.loss == "wgan-gp" and global_iter % 100 == 0:
                w, gpv = (w_acc / 100).tolist()
                w_acc.zero_()
                with open(w_log, "a") as f:
                    f.write(f"{global_iter},{global_iter // n_critic},{w:.6f},{gpv:.6f},{train_seconds[0]:.1f}\n")
            if args.ckpt_every and global_iter % args.ckpt_every == 0:
                checkpoint(epoch, it + 1)
            if last:
                checkpoint(epoch, it + 1)
                if it + 1 < iters_per_epoch:
                    sample(f"iter-{global_iter:07d}")
                log(out, f"stopping after {global_iter} iterations ({time.time() - t_run:.0f} s): "
                         f"{sums['t'] / sums['n']:.4f} s/iter")
                return
        m = max(sums["n"], 1)
        log(out, f"epoch {epoch + 1}/{epochs} lossD {sums['d'] / m:.4f} lossG {sums['g'] / m:.4f} "
                 f"aux {sums['aux'] / m:.4f} iters {sums['n']} train_s {sums['t']:.1f} "
                 f"wall_s {time.time() - t_epoch:.1f}")
        sums = {"d": 0.0, "g": 0.0, "aux": 0.0, "n": 0, "t": 0.0}
        sample(f"epoch-{epoch + 1:03d}")
        checkpoint(epoch + 1, 0)
    log(out, f"done: {epochs} epochs, {train_seconds[0]:.0f} s of training")


if __name__ == "__main__":
    main()
