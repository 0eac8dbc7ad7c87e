#!/usr/bin/env python3
"""Pack the results of training runs into one tar for moving them to another machine: each run folder's log, CSV
files, every 10th and the last sample grid, and a slim checkpoint that keeps what ships (the averaged
generators, the encoder, the provenance) and drops the discriminator and optimizer states.

    python3 Training/pack_runs.py Training/runs runs.tar [--full NAME...]

--full keeps the named runs' whole checkpoints (to train them on elsewhere). Unpack with `tar xf runs.tar -C
Training/runs`; export_zoo.py, export_biggan.py and export_bigan.py read slim checkpoints as they are.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import tarfile

import torch

DROP = ("D", "optD", "optG", "optGE", "torch_rng", "cuda_rng")


def slim(ck: dict) -> dict:
    keep = {k: v for k, v in ck.items() if k not in DROP}
    if "G_ema" in keep or "G_ema_standing" in keep:
        keep.pop("G", None)
        keep.pop("E", None)
    if "G_ema_standing" in keep:
        keep.pop("G_ema", None)
    keep["slim"] = True
    return keep


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs")
    p.add_argument("out")
    p.add_argument("--full", nargs="*", default=[])
    args = p.parse_args()
    with tarfile.open(args.out, "w") as tar:
        for name in sorted(os.listdir(args.runs)):
            d = os.path.join(args.runs, name)
            if not os.path.isdir(d) or name in ("data", "locks"):
                continue
            for fn in sorted(os.listdir(d)):
                path = os.path.join(d, fn)
                if fn.endswith((".txt", ".csv")) or (name == "eval" and fn.endswith(".pt")):
                    tar.add(path, f"{name}/{fn}")
                elif fn == "checkpoint.pt":
                    ck = torch.load(path, map_location="cpu", weights_only=False)
                    buf = io.BytesIO()
                    torch.save(ck if name in args.full else slim(ck), buf)
                    info = tarfile.TarInfo(f"{name}/checkpoint.pt")
                    info.size = buf.tell()
                    buf.seek(0)
                    tar.addfile(info, buf)
            sd = os.path.join(d, "samples")
            if os.path.isdir(sd):
                grids = sorted(os.listdir(sd))
                for i, fn in enumerate(grids):
                    m = re.search(r"(\d+)", fn)
                    if i == len(grids) - 1 or "standing" in fn or (m and int(m.group(1)) % 10 == 0):
                        tar.add(os.path.join(sd, fn), f"{name}/samples/{fn}")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
