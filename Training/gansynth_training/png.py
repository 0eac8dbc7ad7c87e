"""Minimal PNG writer (8-bit gray or RGB) using only zlib, for eyeballing samples without torchvision."""
from __future__ import annotations

import struct
import zlib

import numpy as np


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def write_png(path: str, img: np.ndarray) -> None:
    """img: (H, W) or (H, W, 3) uint8."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    if img.ndim == 2:
        color = 0
        h, w = img.shape
        rows = img.reshape(h, w)
    elif img.ndim == 3 and img.shape[2] == 3:
        color = 2
        h, w = img.shape[:2]
        rows = img.reshape(h, w * 3)
    else:
        raise ValueError(f"unsupported image shape {img.shape}")
    raw = b"".join(b"\x00" + rows[y].tobytes() for y in range(h))
    data = b"\x89PNG\r\n\x1a\n"
    data += _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
    data += _chunk(b"IDAT", zlib.compress(raw, 9))
    data += _chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def to_pixels(x: np.ndarray, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    """Same mapping as FORMAT.md / torchvision save_image: floor(clamp((v-lo)/(hi-lo),0,1)*255+0.5)."""
    v = np.clip((x.astype(np.float32) - lo) / (hi - lo), 0.0, 1.0)
    return np.floor(v * 255.0 + 0.5).astype(np.uint8)


def grid(images: np.ndarray, nrow: int = 8, pad: int = 2, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
    """images: (N, C, H, W) float -> (H', W') or (H', W', 3) uint8 grid."""
    n, c, h, w = images.shape
    px = to_pixels(images, lo, hi)
    ncol = min(nrow, n)
    nrows = (n + ncol - 1) // ncol
    out = np.zeros((c, pad + nrows * (h + pad), pad + ncol * (w + pad)), dtype=np.uint8)
    for i in range(n):
        r, q = divmod(i, ncol)
        y, x = pad + r * (h + pad), pad + q * (w + pad)
        out[:, y:y + h, x:x + w] = px[i]
    return out[0] if c == 1 else out.transpose(1, 2, 0)
