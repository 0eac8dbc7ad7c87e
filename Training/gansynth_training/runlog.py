"""Run-folder helpers shared by the training scripts: a timestamped log and atomic checkpoint writes."""
from __future__ import annotations

import os
import re
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


def load_checkpoint(path: str, model: str, device="cpu", purpose: str = "checkpoint") -> dict:
    """A training script's own checkpoint of `model` (pickled by our code, so loaded in full), or exit with one line
    naming `purpose` when it is missing or another model's."""
    import sys
    if not os.path.exists(path):
        sys.exit(f"{purpose}: {path} does not exist")
    ck = torch.load(path, map_location=device, weights_only=False)
    if ck.get("model") != model:
        sys.exit(f"{purpose}: {path} is a checkpoint of {ck.get('model')!r}, not {model!r}")
    return ck


def load_for_resume(path: str, model: str, device) -> dict:
    return load_checkpoint(path, model, device, "--resume")


def provenance(ck: dict) -> tuple[int, str, str | None]:
    """What a checkpoint says about its training: epochs completed, "N epochs[ + M iterations]", and the exact
    command line(s) that trained it joined by " ; " (later ones are --resume continuations), or None."""
    epochs = int(ck["epochs_completed"])
    partial = ck.get("iter_in_epoch", 0)
    commands = ck.get("commands") or []
    return (epochs, f"{epochs} epochs{f' + {partial} iterations' if partial else ''}",
            " ; ".join(portable_command(c) for c in commands) if commands else None)


def hardware(ck: dict) -> str:
    """Where a run trained, from its recorded command lines: "on one GPU", "on 2 CPU cores" or both (a run
    trained on a GPU machine and continued here)."""
    devices = {"gpu" if re.search(r"--device[ =]cuda", c) else "cpu" for c in ck.get("commands") or []}
    if devices == {"gpu"}:
        return "on one GPU"
    return "on one GPU, then 2 CPU cores" if "gpu" in devices else "on 2 CPU cores"


_DATA_ARG = re.compile(r"(--data[ =])(\S+)")


def portable_command(command: str) -> str:
    """`command` with its --data location written as $DATA/<name> (the part under a `datasets` folder, else the
    data set's folder and, for a file such as a tarball, the file), so a model file records how it was trained
    without naming the folders of the machine that trained it."""
    def relative(m: re.Match) -> str:
        parts = [p for p in m.group(2).split("/") if p not in ("", ".")]
        if "datasets" in parts:
            tail = parts[parts.index("datasets") + 1:]
        else:
            tail = parts[-2:] if "." in parts[-1] and len(parts) > 1 else parts[-1:]
        return m.group(1) + "$DATA/" + "/".join(tail)
    return _DATA_ARG.sub(relative, command)
