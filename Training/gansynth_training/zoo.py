"""The gansynth model zoo (besides the default mnist-dcgan): generator/discriminator definitions, the graph head of
each generator in Models/FORMAT.md ops, and the data sets they train on.

Every generator is a `ZooGenerator`: an input head (input_z, optionally input_label or InfoGAN codes, joined by a
concat node) followed by `body`, an nn.Sequential whose module k becomes graph node len(head) + k. Conditioning
is a one-hot label concatenated to z (Mirza & Osindero 2014), which the file stores as input_label + concat.
"""
from __future__ import annotations

import io
import os
import tarfile
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import load_mnist

MNIST_DIGITS = [str(i) for i in range(10)]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@dataclass
class Spec:
    name: str
    data_kind: str                 # mnist | fashion | cifar10
    z_dim: int
    z_distribution: str            # normal | uniform
    output: tuple                  # (C, H, W)
    output_range: str              # tanh | sigmoid
    labels: list | None = None
    categorical: list | None = None
    continuous: int = 0
    loss: str = "bce"              # bce (non-saturating) | hinge | wgan-gp
    n_critic: int = 1              # discriminator (critic) steps per generator step
    ema: float = 0.0               # default decay of the moving average of G's weights (0 = none)
    batch_size: int = 128
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple = (0.5, 0.999)
    default_epochs: int = 10
    train_subset: int = 0          # use only the first N training images (0 = all)
    license: str = "CC-BY-SA-3.0"
    dataset: str = ""
    paper: str = ""
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def conditional(self) -> bool:
        return bool(self.labels)

    @property
    def infogan(self) -> bool:
        return bool(self.categorical)


MNIST_DATASET = "MNIST (train, 60,000 images)"
CIFAR10_DATASET = "CIFAR-10 (train, 50,000 images, JPEG re-encoded)"
CIFAR10_DCGAN_BODY = ("z (128, standard normal) -> linear 4096 -> BN -> ReLU -> 256x4x4 -> transposed convs "
                      "128x8x8, 64x16x16 (BN, ReLU) -> transposed conv 3x32x32 -> tanh")
MNIST_DCGAN_BODY = ("z (100, standard normal) -> linear 6272 -> BN -> ReLU -> 128x7x7 -> transposed conv 64x14x14 "
                    "-> BN -> ReLU -> transposed conv 1x28x28 -> tanh")
FASHION_DATASET = "Fashion-MNIST (train, 60,000 images)"
SPECS = {
    "mnist-dcgan": Spec(
        name="mnist-dcgan", data_kind="mnist", z_dim=100, z_distribution="normal", output=(1, 28, 28),
        output_range="tanh", ema=0.999, default_epochs=60, dataset=MNIST_DATASET,
        paper="Radford, Metz, Chintala 2016, Unsupervised Representation Learning with Deep Convolutional "
              "Generative Adversarial Networks",
        description="DCGAN generator for 28x28 handwritten digits: z (100, standard normal) -> linear 6272 -> BN -> "
                    "ReLU -> 128x7x7 -> transposed conv 64x14x14 -> BN -> ReLU -> transposed conv 1x28x28 -> tanh. "
                    "Trained against the DCGAN discriminator with the non-saturating loss; the file holds the "
                    "moving average of G's weights (decay 0.999)."),
    "cifar10-wgan-gp": Spec(
        name="cifar10-wgan-gp", data_kind="cifar10", z_dim=128, z_distribution="normal", output=(3, 32, 32),
        output_range="tanh", loss="wgan-gp", n_critic=5, batch_size=64, lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9),
        ema=0.999, default_epochs=20, license="MIT", dataset=CIFAR10_DATASET,
        paper="Arjovsky, Chintala, Bottou 2017, Wasserstein GAN; Gulrajani et al. 2017, Improved Training of "
              "Wasserstein GANs",
        description="Unconditional DCGAN generator for 32x32 RGB CIFAR-10 images: " + CIFAR10_DCGAN_BODY + ". "
                    "Trained with the WGAN-GP objective (gradient penalty 10, 5 critic steps per generator step, "
                    "Adam 1e-4 (0, 0.9)) against a convolutional critic without batch norm. Its twin cifar10-dcgan "
                    "has the same generator trained with the non-saturating loss. The file holds the moving average "
                    "of G's weights (decay 0.999)."),
    "cifar10-dcgan": Spec(
        name="cifar10-dcgan", data_kind="cifar10", z_dim=128, z_distribution="normal", output=(3, 32, 32),
        output_range="tanh", batch_size=64, ema=0.999, default_epochs=20, license="MIT", dataset=CIFAR10_DATASET,
        paper="Radford, Metz, Chintala 2016 (DCGAN); Goodfellow et al. 2014 (non-saturating loss)",
        description="Unconditional DCGAN generator for 32x32 RGB CIFAR-10 images: " + CIFAR10_DCGAN_BODY + ". "
                    "Trained with the non-saturating loss against cifar10-wgan-gp's critic layers with batch norm "
                    "(the DCGAN discriminator). The file holds the moving average of G's weights (decay 0.999)."),
    "fashion-wgan-gp": Spec(
        name="fashion-wgan-gp", data_kind="fashion", z_dim=100, z_distribution="normal", output=(1, 28, 28),
        output_range="tanh", loss="wgan-gp", n_critic=5, batch_size=64, lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9),
        ema=0.999, default_epochs=20, license="MIT", dataset=FASHION_DATASET,
        paper="Arjovsky, Chintala, Bottou 2017, Wasserstein GAN; Gulrajani et al. 2017, Improved Training of "
              "Wasserstein GANs",
        description="Unconditional DCGAN generator for 28x28 Fashion-MNIST articles: " + MNIST_DCGAN_BODY + ". "
                    "Trained with the WGAN-GP objective (gradient penalty 10, 5 critic steps per generator step, "
                    "Adam 1e-4 (0, 0.9)) against the DCGAN discriminator's layers without batch norm. Its twin "
                    "fashion-dcgan has the same generator trained with the non-saturating loss. The file holds the "
                    "moving average of G's weights (decay 0.999)."),
    "fashion-dcgan": Spec(
        name="fashion-dcgan", data_kind="fashion", z_dim=100, z_distribution="normal", output=(1, 28, 28),
        output_range="tanh", batch_size=64, ema=0.999, default_epochs=20, license="MIT", dataset=FASHION_DATASET,
        paper="Radford, Metz, Chintala 2016 (DCGAN); Goodfellow et al. 2014 (non-saturating loss)",
        description="Unconditional DCGAN generator for 28x28 Fashion-MNIST articles: " + MNIST_DCGAN_BODY + ". "
                    "Trained with the non-saturating loss against the DCGAN discriminator (fashion-wgan-gp's "
                    "critic layers with batch norm). The file holds the moving average of G's weights (decay "
                    "0.999)."),
    "mnist-gan": Spec(
        name="mnist-gan", data_kind="mnist", z_dim=100, z_distribution="uniform", output=(1, 28, 28),
        output_range="sigmoid", batch_size=100, lr_g=2e-4, lr_d=2e-4, default_epochs=60, train_subset=50000,
        dataset="MNIST (train, first 50,000 images; the last 10,000 are the Parzen-window validation split)",
        paper="Goodfellow et al. 2014, Generative Adversarial Nets",
        description="The MLP generator of the original GAN paper for 28x28 handwritten digits: z (100, uniform "
                    "in [-1, 1]) -> linear 1200 -> BN -> ReLU -> linear 1200 -> BN -> ReLU -> linear 784 -> "
                    "sigmoid -> 1x28x28 (batch norm added to the paper's layers: without it the generator "
                    "collapsed to one mode here). Trained against a maxout/dropout MLP discriminator with the "
                    "non-saturating loss."),
    "mnist-cgan": Spec(
        name="mnist-cgan", data_kind="mnist", z_dim=100, z_distribution="normal", output=(1, 28, 28),
        output_range="tanh", labels=MNIST_DIGITS, default_epochs=10, dataset=MNIST_DATASET,
        paper="Mirza, Osindero 2014, Conditional Generative Adversarial Nets (DCGAN layers, Radford et al. 2016)",
        description="Conditional DCGAN for 28x28 handwritten digits: z (100, standard normal) and the one-hot "
                    "digit (10) -> concat -> linear 6272 -> BN -> ReLU -> 128x7x7 -> transposed conv 64x14x14 -> "
                    "BN -> ReLU -> transposed conv 1x28x28 -> tanh. Labels are the digits 0-9. Discriminator: "
                    "projection discriminator with an auxiliary classifier head."),
    "mnist-infogan": Spec(
        name="mnist-infogan", data_kind="mnist", z_dim=62, z_distribution="normal", output=(1, 28, 28),
        output_range="tanh", categorical=[10], continuous=2, lr_g=1e-3, lr_d=2e-4, default_epochs=10,
        dataset=MNIST_DATASET,
        paper="Chen et al. 2016, InfoGAN: Interpretable Representation Learning by Information Maximizing "
              "Generative Adversarial Nets",
        description="InfoGAN generator for 28x28 handwritten digits (the paper's MNIST architecture): z (62, "
                    "standard normal), one 10-way categorical code (one-hot) and two continuous codes (uniform in "
                    "[-1, 1]) -> concat (74) -> linear 1024 -> BN -> ReLU -> linear 6272 -> BN -> ReLU -> 128x7x7 "
                    "-> transposed conv 64x14x14 -> BN -> ReLU -> transposed conv 1x28x28 -> tanh. Learned without "
                    "labels: the categorical code tends to pick the digit, the continuous codes the slant and the "
                    "stroke width."),
    "fashion-cgan": Spec(
        name="fashion-cgan", data_kind="fashion", z_dim=100, z_distribution="normal", output=(1, 28, 28),
        output_range="tanh", labels=FASHION_CLASSES, default_epochs=12, license="MIT",
        dataset=FASHION_DATASET,
        paper="Mirza, Osindero 2014, Conditional Generative Adversarial Nets (DCGAN layers, Radford et al. 2016)",
        description="Conditional DCGAN for 28x28 Fashion-MNIST articles: z (100, standard normal) and the one-hot "
                    "class (10) -> concat -> linear 6272 -> BN -> ReLU -> 128x7x7 -> transposed conv 64x14x14 -> "
                    "BN -> ReLU -> transposed conv 1x28x28 -> tanh. Discriminator: projection discriminator with "
                    "an auxiliary classifier head."),
    "cifar10-cgan": Spec(
        name="cifar10-cgan", data_kind="cifar10", z_dim=128, z_distribution="normal", output=(3, 32, 32),
        output_range="tanh", labels=CIFAR10_CLASSES, loss="hinge", batch_size=64, lr_g=2e-4, lr_d=2e-4,
        betas=(0.0, 0.9), default_epochs=5, license="MIT",
        dataset="CIFAR-10 (train, 50,000 images, JPEG re-encoded)",
        paper="Mirza, Osindero 2014 (conditioning); Radford et al. 2016 (DCGAN generator); Miyato et al. 2018 "
              "(spectral norm, hinge loss, projection discriminator)",
        description="Conditional DCGAN for 32x32 RGB CIFAR-10 images: z (128, standard normal) and the one-hot "
                    "class (10) -> concat -> linear 4096 -> BN -> ReLU -> 256x4x4 -> transposed convs 128x8x8, "
                    "64x16x16 (BN, ReLU) -> transposed conv 3x32x32 -> tanh. Trained with the hinge loss against "
                    "a spectrally normalised projection discriminator with an auxiliary classifier head.",
        # CIFAR-10's license is not stated by its authors; MIT is given for the weights (our code and training).
    ),
}


# ---------------------------------------------------------------------------------------------------------------
# Generators


class ZooGenerator(nn.Module):
    def __init__(self, spec: Spec, body: nn.Sequential):
        super().__init__()
        self.spec = spec
        self.body = body

    def head_nodes(self) -> list[dict]:
        s = self.spec
        if s.conditional:
            return [{"op": "input_z"}, {"op": "input_label"}, {"op": "concat", "inputs": [0, 1]}]
        if s.infogan:
            head = [{"op": "input_z"}]
            for k in range(len(s.categorical)):
                head.append({"op": "input_categorical", "params": {"index": k}})
            if s.continuous:
                head.append({"op": "input_continuous"})
            head.append({"op": "concat", "inputs": list(range(len(head)))})
            return head
        return [{"op": "input_z"}]

    def input_vector(self, z, label=None, categorical=None, continuous=None) -> torch.Tensor:
        s = self.spec
        parts = [z]
        if s.conditional:
            parts.append(F.one_hot(label.long(), len(s.labels)).float())
        if s.infogan:
            for k, size in enumerate(s.categorical):
                parts.append(F.one_hot(categorical[:, k].long(), size).float())
            if s.continuous:
                parts.append(continuous.float())
        return torch.cat(parts, 1) if len(parts) > 1 else z

    def forward(self, z, label=None, categorical=None, continuous=None):
        return self.body(self.input_vector(z, label, categorical, continuous))

    def in_features(self) -> int:
        s = self.spec
        return s.z_dim + (len(s.labels) if s.conditional else 0) + (sum(s.categorical) if s.infogan else 0) \
            + s.continuous

    def load_graph_tensors(self, tensors: dict) -> None:
        """Load weights from a read-back file's tensors (node.{i}.{name})."""
        offset = len(self.head_nodes())
        sd = {}
        for k, v in self.body.state_dict().items():
            idx, rest = k.split(".", 1)
            name = f"node.{int(idx) + offset}.{rest}"
            sd[k] = torch.from_numpy(tensors[name].copy()) if name in tensors else v
        self.body.load_state_dict(sd)


def mnist_conv_body(in_features: int) -> nn.Sequential:
    """The mnist-dcgan generator body (FORMAT.md example) on a wider input."""
    return nn.Sequential(
        nn.Linear(in_features, 128 * 7 * 7, bias=False),
        nn.BatchNorm1d(128 * 7 * 7),
        nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1),
        nn.Tanh(),
    )


def generator_state(checkpoint: dict) -> dict:
    """The generator a checkpoint ships: the moving average of its weights when the run kept one (train_zoo.py
    --ema), else the trained weights themselves."""
    return checkpoint.get("G_ema") or checkpoint["G"]


def build_generator(spec: Spec) -> ZooGenerator:
    g = ZooGenerator(spec, nn.Sequential())
    n_in = g.in_features()
    if spec.name == "mnist-gan":
        body = nn.Sequential(
            nn.Linear(n_in, 1200, bias=False), nn.BatchNorm1d(1200), nn.ReLU(),
            nn.Linear(1200, 1200, bias=False), nn.BatchNorm1d(1200), nn.ReLU(),
            nn.Linear(1200, 784), nn.Sigmoid(),
            nn.Unflatten(1, (1, 28, 28)),
        )
    elif spec.infogan:
        # Chen et al. 2016, Table 1 (MNIST): a 1024-unit layer before the 7x7x128 projection.
        body = nn.Sequential(nn.Linear(n_in, 1024, bias=False), nn.BatchNorm1d(1024), nn.ReLU(),
                             *mnist_conv_body(1024))
    elif spec.data_kind in ("mnist", "fashion"):
        body = mnist_conv_body(n_in)
    elif spec.data_kind == "cifar10":
        body = nn.Sequential(
            nn.Linear(n_in, 256 * 4 * 4, bias=False), nn.BatchNorm1d(256 * 4 * 4), nn.ReLU(),
            nn.Unflatten(1, (256, 4, 4)),
            nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.ConvTranspose2d(64, 3, 4, 2, 1), nn.Tanh(),
        )
    else:
        raise ValueError(spec.name)
    g.body = body
    return g


# ---------------------------------------------------------------------------------------------------------------
# Discriminators


class Maxout(nn.Module):
    def __init__(self, n_in: int, n_out: int, pieces: int):
        super().__init__()
        self.n_out, self.pieces = n_out, pieces
        self.lin = nn.Linear(n_in, n_out * pieces)

    def forward(self, x):
        return self.lin(x).view(x.shape[0], self.n_out, self.pieces).max(2).values


class MLPDiscriminator(nn.Module):
    """Goodfellow et al. 2014's MNIST discriminator: maxout layers (240 units x 5 pieces, 240 x 4) with dropout."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.2),
            Maxout(784, 240, 5), nn.Dropout(0.5),
            Maxout(240, 240, 4), nn.Dropout(0.5),
            nn.Linear(240, 1),
        )

    def forward(self, x, label=None):
        return {"adv": self.net(x).view(-1)}


class ConvDiscriminator(nn.Module):
    """DCGAN discriminator trunk (as mnist-dcgan's) with an adversarial head, optionally a projection term
    (Miyato & Koyama 2018) and an auxiliary classifier for conditional models, and a Q head for InfoGAN."""

    def __init__(self, spec: Spec):
        super().__init__()
        self.spec = spec
        sn = nn.utils.parametrizations.spectral_norm if spec.loss == "hinge" else (lambda m: m)
        if spec.data_kind == "cifar10":
            # The hinge-loss D is normalised spectrally and the WGAN-GP critic not at all (its gradient penalty is
            # per image); the non-saturating one has DCGAN's batch norm.
            norm = (lambda c: nn.BatchNorm2d(c)) if spec.loss == "bce" else (lambda c: nn.Identity())
            self.trunk = nn.Sequential(
                sn(nn.Conv2d(3, 32, 3, 1, 1)), nn.LeakyReLU(0.1),                   # 32x32
                sn(nn.Conv2d(32, 64, 4, 2, 1)), norm(64), nn.LeakyReLU(0.1),        # 16x16
                sn(nn.Conv2d(64, 128, 4, 2, 1)), norm(128), nn.LeakyReLU(0.1),      # 8x8
                sn(nn.Conv2d(128, 256, 4, 2, 1)), norm(256), nn.LeakyReLU(0.1),     # 4x4
                nn.Flatten(),
            )
            feat = 256 * 4 * 4
        else:
            # DCGAN's trunk; with the hinge loss spectrally normalised and without batch norm (Miyato et al. 2018),
            # and as a WGAN-GP critic without batch norm (its gradient penalty is per image).
            bn = (lambda c: nn.BatchNorm2d(c)) if spec.loss == "bce" else (lambda c: nn.Identity())
            self.trunk = nn.Sequential(
                sn(nn.Conv2d(1, 64, 4, 2, 1)), nn.LeakyReLU(0.2),
                sn(nn.Conv2d(64, 128, 4, 2, 1)), bn(128), nn.LeakyReLU(0.2),
                nn.Flatten(),
            )
            feat = 128 * 7 * 7
            if spec.infogan:  # Chen et al. 2016, Table 1: D and Q share a 1024-unit layer
                self.trunk.extend([nn.Linear(feat, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2)])
                feat = 1024
        self.adv = sn(nn.Linear(feat, 1))
        if spec.conditional:
            n = len(spec.labels)
            emb = nn.Embedding(n, feat)
            nn.init.normal_(emb.weight, 0.0, 0.02)
            self.embed = sn(emb)
            self.cls = nn.Linear(feat, n)
        if spec.infogan:
            self.q = nn.Sequential(nn.Linear(feat, 128), nn.BatchNorm1d(128), nn.LeakyReLU(0.2),
                                   nn.Linear(128, sum(spec.categorical) + spec.continuous))

    def forward(self, x, label=None):
        h = self.trunk(x)
        out = {"adv": self.adv(h).view(-1)}
        if self.spec.conditional:
            if label is not None:
                out["adv"] = out["adv"] + (self.embed(label.long()) * h).sum(1)
            out["cls"] = self.cls(h)
        if self.spec.infogan:
            out["q"] = self.q(h)
        return out


def build_discriminator(spec: Spec) -> nn.Module:
    return MLPDiscriminator() if spec.name == "mnist-gan" else ConvDiscriminator(spec)


# ---------------------------------------------------------------------------------------------------------------
# Data


def load_cifar10(source: str, split: str, cache_dir: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 as (N, 32, 32, 3) uint8 images and (N,) labels (CIFAR10_CLASSES order). `source` is the
    cifar10-jpg.tar.gz tarball (cifar10/{train,test}/{class}/NNNN.jpg, read without extracting) or an extracted
    folder holding {train,test}/{class}/*.jpg. Decoded arrays are cached as cache_dir/cifar10-{split}.npz."""
    if cache_dir:
        cpath = os.path.join(cache_dir, f"cifar10-{split}.npz")
        if os.path.exists(cpath):
            d = np.load(cpath)
            return d["images"], d["labels"]
    from PIL import Image  # pip install pillow

    def decode(b: bytes) -> np.ndarray:
        im = Image.open(io.BytesIO(b)).convert("RGB")
        if im.size != (32, 32):
            raise ValueError(f"CIFAR-10 image of size {im.size}")
        return np.asarray(im, dtype=np.uint8)

    items = []  # (class, name, array)
    if os.path.isdir(source):
        root = os.path.join(source, split) if os.path.isdir(os.path.join(source, split)) else \
            os.path.join(source, "cifar10", split)
        for ci, cname in enumerate(CIFAR10_CLASSES):
            d = os.path.join(root, cname)
            for fn in sorted(os.listdir(d)):
                with open(os.path.join(d, fn), "rb") as f:
                    items.append((ci, fn, decode(f.read())))
    else:
        with tarfile.open(source, "r:*") as tar:
            for m in tar:
                if not m.isfile() or not m.name.lower().endswith((".jpg", ".jpeg", ".png")):
                    continue
                parts = m.name.split("/")
                if len(parts) < 3 or parts[-3] != split or parts[-2] not in CIFAR10_CLASSES:
                    continue
                items.append((CIFAR10_CLASSES.index(parts[-2]), parts[-1], decode(tar.extractfile(m).read())))
    if not items:
        raise FileNotFoundError(f"no CIFAR-10 {split} images in {source}")
    items.sort(key=lambda t: (t[0], t[1]))
    images = np.stack([t[2] for t in items])
    labels = np.array([t[0] for t in items], dtype=np.uint8)
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = os.path.join(cache_dir, f".cifar10-{split}.tmp.npz")
        np.savez(tmp, images=images, labels=labels)
        os.replace(tmp, os.path.join(cache_dir, f"cifar10-{split}.npz"))
    return images, labels


def load_dataset(kind: str, data: str, split: str = "train", cache_dir: str | None = None):
    """(images (N, C, H, W) uint8, labels (N,) int64)."""
    if kind in ("mnist", "fashion"):
        x, y = load_mnist(data, split)
        x = x[:, None]
    elif kind == "cifar10":
        x, y = load_cifar10(data, split, cache_dir)
        x = x.transpose(0, 3, 1, 2)
    else:
        raise ValueError(kind)
    return np.ascontiguousarray(x), y.astype(np.int64)


DEFAULT_DATA = {
    "mnist": "../shared/datasets/mnist",
    "fashion": "/usr/share/datasets/fashion-mnist",
    "cifar10": "../shared/datasets/cifar10/cifar10-jpg.tar.gz",
}
