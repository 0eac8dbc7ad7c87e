"""Reader for IDX files (MNIST, Fashion-MNIST), gzipped or not.

IDX: big-endian u32 magic (0x00000803 for u8 3-D image arrays, 0x00000801 for u8 1-D label arrays),
one big-endian u32 per dimension, then the raw u8 data in row-major order.
"""
from __future__ import annotations

import gzip
import os
import struct

import numpy as np

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


class IDXError(ValueError):
    pass


def _read_bytes(path: str) -> bytes:
    if not os.path.exists(path):
        raise FileNotFoundError(f"IDX file not found: {path}")
    with open(path, "rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as f:
            return f.read()
    except (OSError, EOFError) as e:
        raise IDXError(f"{path}: cannot decompress: {e}") from e


def read_idx(path: str, expected_magic: int | None = None) -> np.ndarray:
    """Read one IDX file (u8 data only) and return a uint8 array with the file's dimensions."""
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"{path}: file too short ({len(raw)} bytes) for an IDX header")
    (magic,) = struct.unpack(">I", raw[:4])
    if magic >> 16 != 0:
        raise IDXError(f"{path}: bad IDX magic 0x{magic:08x} (first two bytes must be zero)")
    dtype_code = (magic >> 8) & 0xFF
    ndim = magic & 0xFF
    if dtype_code != 0x08:
        raise IDXError(f"{path}: IDX data type 0x{dtype_code:02x} unsupported (only u8, 0x08)")
    if expected_magic is not None and magic != expected_magic:
        raise IDXError(f"{path}: IDX magic 0x{magic:08x}, expected 0x{expected_magic:08x}")
    if ndim == 0:
        raise IDXError(f"{path}: IDX file with zero dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{path}: truncated IDX header")
    dims = struct.unpack(">" + "I" * ndim, raw[4:header])
    count = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != count:
        raise IDXError(
            f"{path}: IDX dims {dims} need {count} data bytes, file has {len(raw) - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()


def read_images(path: str) -> np.ndarray:
    """(N, H, W) uint8."""
    a = read_idx(path, IMAGES_MAGIC)
    if a.ndim != 3:
        raise IDXError(f"{path}: image file must have 3 dimensions, has {a.ndim}")
    return a


def read_labels(path: str) -> np.ndarray:
    """(N,) uint8."""
    a = read_idx(path, LABELS_MAGIC)
    if a.ndim != 1:
        raise IDXError(f"{path}: label file must have 1 dimension, has {a.ndim}")
    return a


def load_mnist(data_dir: str, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST-layout IDX files (also Fashion-MNIST) from data_dir: (images (N,28,28) u8, labels (N,) u8)."""
    if split not in MNIST_FILES:
        raise ValueError(f"split must be one of {sorted(MNIST_FILES)}")
    img_name, lab_name = MNIST_FILES[split]
    images = read_images(_find(data_dir, img_name))
    labels = read_labels(_find(data_dir, lab_name))
    if len(images) != len(labels):
        raise IDXError(f"{data_dir}: {len(images)} images but {len(labels)} labels")
    return images, labels


def _find(data_dir: str, name: str) -> str:
    p = os.path.join(data_dir, name)
    if os.path.exists(p):
        return p
    plain = p[:-3] if p.endswith(".gz") else p
    if os.path.exists(plain):
        return plain
    raise FileNotFoundError(
        f"{p} not found. Download MNIST (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ...) "
        f"from http://yann.lecun.com/exdb/mnist/ or a mirror such as "
        f"https://ossci-datasets.s3.amazonaws.com/mnist/ and pass the folder with --data.")
