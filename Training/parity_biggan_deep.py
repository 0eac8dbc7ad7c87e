#!/usr/bin/env python3
"""Full-size BigGAN-deep parity: a random-initialized biggan-deep-128/256/512 built with pytorch-pretrained-biggan's
own code (its published configuration, spectral norm settled by power iteration, random statistics), converted by
Training/convert.py, then the same seeds, classes and truncation through the package's forward pass and through
`gansynth sample`; prints the largest pixel difference in levels of 255 and both wall times per image.

    python3 Training/parity_biggan_deep.py --size 128 [--gansynth .build/release/gansynth] [--work DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = {  # pytorch-pretrained-biggan's biggan-deep-{128,256,512} config.json
    128: dict(output_dim=128, z_dim=128, class_embed_dim=128, channel_width=128, num_classes=1000,
              layers=[(False, 16, 16), (True, 16, 16), (False, 16, 16), (True, 16, 8), (False, 8, 8), (True, 8, 4),
                      (False, 4, 4), (True, 4, 2), (False, 2, 2), (True, 2, 1)],
              attention_layer_position=8, eps=1e-4, n_stats=51),
    256: dict(output_dim=256, z_dim=128, class_embed_dim=128, channel_width=128, num_classes=1000,
              layers=[(False, 16, 16), (True, 16, 16), (False, 16, 16), (True, 16, 8), (False, 8, 8), (True, 8, 8),
                      (False, 8, 8), (True, 8, 4), (False, 4, 4), (True, 4, 2), (False, 2, 2), (True, 2, 1)],
              attention_layer_position=8, eps=1e-4, n_stats=51),
    512: dict(output_dim=512, z_dim=128, class_embed_dim=128, channel_width=128, num_classes=1000,
              layers=[(False, 16, 16), (True, 16, 16), (False, 16, 16), (True, 16, 8), (False, 8, 8), (True, 8, 8),
                      (False, 8, 8), (True, 8, 4), (False, 4, 4), (True, 4, 2), (False, 2, 2), (True, 2, 1),
                      (False, 1, 1), (True, 1, 1)],
              attention_layer_position=8, eps=1e-4, n_stats=51),
}


def main() -> None:
    from pytorch_pretrained_biggan.utils import truncated_noise_sample
    from make_converter_fixtures import randomized_biggan_deep
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, choices=sorted(CONFIGS), default=128)
    p.add_argument("--gansynth", default=os.path.join(HERE, "..", ".build", "release", "gansynth"))
    p.add_argument("--work", help="folder for the checkpoint and the converted file (default: a temp folder)")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    work = args.work or tempfile.mkdtemp(prefix="biggan-deep-parity-")
    cfg = CONFIGS[args.size]
    torch.manual_seed(0)
    m = randomized_biggan_deep(cfg, power_iterations=10)
    src = os.path.join(work, f"biggan-deep-{args.size}")
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(src, "config.json"), "w") as f:
        json.dump(cfg, f)
    torch.save(m.state_dict(), os.path.join(src, "pytorch_model.bin"))
    names = os.path.join(work, "names.txt")
    with open(names, "w") as f:
        f.write("\n".join(f"class {i}" for i in range(1000)) + "\n")
    out = os.path.join(work, f"biggan-deep-{args.size}.gguf")
    subprocess.run([sys.executable, os.path.join(HERE, "convert.py"), "biggan-deep", src, out, "--labels", names],
                   check=True)
    seeds, labels, t = [0, 1, 2], [207, 1, 999], 0.4
    worst = 0
    ref_seconds, ours_seconds = [], []
    for s, label in zip(seeds, labels):
        z = torch.from_numpy(truncated_noise_sample(1, 128, t, seed=s))
        oh = torch.zeros(1, 1000)
        oh[0, label] = 1
        start = time.perf_counter()
        with torch.no_grad():
            ref = m(z, oh, t)[0].numpy()
        ref_seconds.append(time.perf_counter() - start)
        png = os.path.join(work, f"seed{s}.png")
        start = time.perf_counter()
        subprocess.run([args.gansynth, "sample", "--model", out, "--seeds", str(s), "--label", str(label),
                        "--truncation", str(t), "--threads", str(args.threads), png], check=True)
        ours_seconds.append(time.perf_counter() - start)
        from PIL import Image
        pixels = np.asarray(Image.open(png)).astype(int)
        levels = np.floor(np.clip((ref + 1) / 2, 0, 1) * 255 + 0.5).astype(int).transpose(1, 2, 0)
        worst = max(worst, int(np.abs(pixels - levels).max()))
    print(json.dumps({"size": args.size, "parameters": sum(x.numel() for x in m.parameters()), "seeds": seeds,
                      "labels": labels, "truncation": t, "max_level_difference": worst,
                      "pytorch_seconds_per_image": ref_seconds, "gansynth_sample_seconds": ours_seconds,
                      "threads": args.threads}))


if __name__ == "__main__":
    main()
