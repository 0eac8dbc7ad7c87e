#!/usr/bin/env python3
"""Plot a WGAN-GP run's Wasserstein estimate (OUT/wasserstein.csv of Training/train_zoo.py) over training.

    python3 Training/eval/plot_wasserstein.py Training/runs/cifar10-wgan-gp/wasserstein.csv Training/cifar10-wgan-gp-wasserstein.png

The estimate is the critic's E[D(real)] - E[D(fake)], averaged over each 100 critic steps: Arjovsky et al.'s
reading of it as a loss that falls as the samples improve. Needs matplotlib.
"""
from __future__ import annotations

import argparse
import csv

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("csv")
    p.add_argument("png")
    p.add_argument("--title", default="WGAN-GP critic's Wasserstein estimate")
    args = p.parse_args()
    with open(args.csv) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"{args.csv}: no rows")
    g = [int(r["generator_steps"]) for r in rows]
    w = [float(r["wasserstein_estimate"]) for r in rows]
    gp = [float(r["gradient_penalty"]) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    ax.plot(g, w, lw=1, color="tab:blue", label="E[D(real)] − E[D(fake)]")
    ax.set_xlabel("generator steps (5 critic steps each)")
    ax.set_ylabel("Wasserstein estimate")
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    ax2.plot(g, gp, lw=0.8, color="tab:orange", alpha=0.7, label="gradient penalty (before × 10)")
    ax2.set_ylabel("gradient penalty")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [l.get_label() for l in lines], loc="upper right", fontsize=8)
    ax.set_title(args.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(args.png)
    print(f"wrote {args.png} ({len(rows)} points)")


if __name__ == "__main__":
    main()
