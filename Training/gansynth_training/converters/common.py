"""What every converter shares: a refusal that names the key, safe tensor loading and spectral-norm baking."""
from __future__ import annotations

import os

import numpy as np


class ConversionError(Exception):
    """One line for the user: which file, key or module could not be converted, and why."""


def load_state_dict(path: str) -> dict:
    """Tensors of a PyTorch checkpoint, loaded with weights_only=True (PyTorch's restricted unpickler: plain
    tensors and containers only, never a class or function the file names)."""
    import torch
    if not os.path.isfile(path):
        raise ConversionError(f"{path}: no such file")
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pickle-protocol notices: the refusal below is what matters
            sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # the restricted unpickler's refusals, truncated files, not-a-checkpoint
        # The unpickler names what it refused ("Unsupported global: GLOBAL posix.system") after "WeightsUnpickler
        # error:"; say that, not torch's advice to load the file unrestricted.
        text = str(e)
        after = text.split("WeightsUnpickler error:", 1)[1] if "WeightsUnpickler error:" in text else ""
        detail = next((l.strip() for l in after.splitlines() if l.strip()), "not a PyTorch checkpoint")
        raise ConversionError(f"{path}: refused, not a plain tensor checkpoint ({detail}); nothing in it was run") from None
    if not isinstance(sd, dict) or not all(hasattr(v, "shape") for v in sd.values()):
        raise ConversionError(f"{path}: expected a state dict of tensors")
    return {k: v.detach().float().numpy() for k, v in sd.items()}


class Tensors:
    """A state dict read key by key: a missing key is a ConversionError naming it, and what is never read is
    reported, so that no weight is silently dropped."""

    def __init__(self, sd: dict, source: str):
        self.sd, self.source, self.used = sd, source, set()

    def __contains__(self, key):
        return key in self.sd

    def get(self, key: str, shape=None) -> np.ndarray:
        if key not in self.sd:
            raise ConversionError(f"{self.source}: key {key!r} is missing")
        v = self.sd[key]
        if shape is not None and tuple(v.shape) != tuple(shape):
            raise ConversionError(f"{self.source}: key {key!r} has shape {tuple(v.shape)}, expected {tuple(shape)}")
        self.used.add(key)
        return v

    def spectral(self, prefix: str) -> np.ndarray:
        """The weight of a spectrally normalized module as PyTorch's spectral_norm computes it in eval mode:
        weight_orig / σ, σ = u · (W v) with W = weight_orig viewed as (out, -1) and the stored u, v (no power
        iteration). A module without spectral norm has its plain `weight`."""
        if prefix + ".weight_orig" not in self.sd:
            return self.get(prefix + ".weight")
        w = self.get(prefix + ".weight_orig").astype(np.float64)
        u = self.get(prefix + ".weight_u").astype(np.float64)
        v = self.get(prefix + ".weight_v").astype(np.float64)
        sigma = float(u @ (w.reshape(w.shape[0], -1) @ v))
        if not np.isfinite(sigma) or sigma == 0:
            raise ConversionError(f"{self.source}: {prefix}: spectral norm sigma is {sigma}")
        return (w / sigma).astype(np.float32)

    def unused(self) -> list:
        return sorted(k for k in self.sd if k not in self.used)
