"""Run-folder helpers shared by the training scripts: a timestamped log and atomic checkpoint writes."""
from __future__ import annotations

import os
import time

import torch


def log(run_dir: str, msg: str) -> None:
    """Print `msg` with a timestamp and append it to RUN_DIR/log.txt."""
    line = time.strftime("%Y-%m-%d %H:%M:%S ") + msg
    print(line, flush=True)
    with open(os.path.join(run_dir, "log.txt"), "a") as f:
        f.write(line + "\n")


def atomic_save(obj, path: str) -> None:
    """torch.save through a temporary file, so an interrupted save never leaves a broken checkpoint."""
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def provenance(ck: dict) -> tuple[int, str, str | None]:
    """What a checkpoint says about its training: epochs completed, "N epochs[ + M iterations]", and the exact
    command line(s) that trained it joined by " ; " (later ones are --resume continuations), or None."""
    epochs = int(ck["epochs_completed"])
    partial = ck.get("iter_in_epoch", 0)
    commands = ck.get("commands") or []
    return (epochs, f"{epochs} epochs{f' + {partial} iterations' if partial else ''}",
            " ; ".join(commands) if commands else None)
