"""Model definitions shared by the training and export scripts."""
from __future__ import annotations

import torch
from torch import nn

MNIST_Z = 100


def mnist_dcgan_generator(z_dim: int = MNIST_Z) -> nn.Sequential:
    # Sequential index k becomes graph node k + 1 (node 0 is input_z): see Models/FORMAT.md's example.
    return nn.Sequential(
        nn.Linear(z_dim, 128 * 7 * 7, bias=False),          # node 1
        nn.BatchNorm1d(128 * 7 * 7),                         # node 2
        nn.ReLU(),                                           # node 3
        nn.Unflatten(1, (128, 7, 7)),                        # node 4 reshape
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False),    # node 5
        nn.BatchNorm2d(64),                                  # node 6
        nn.ReLU(),                                           # node 7
        nn.ConvTranspose2d(64, 1, 4, 2, 1),                  # node 8
        nn.Tanh(),                                           # node 9
    )


def mnist_dcgan_discriminator() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1),
        nn.BatchNorm2d(128),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1),
    )


def standing_statistics(module: nn.Module, batches) -> None:
    """Every batch norm's running statistics replaced by their average over `batches` (inputs, or tuples of
    inputs) in training mode: the statistics a moving average of the weights actually produces (Brock et al.'s
    standing statistics), where the live network's would be another network's."""
    bns = [m for m in module.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    module.train()
    with torch.no_grad():
        for b in batches:
            module(*b) if isinstance(b, tuple) else module(b)
    for m in bns:
        m.momentum = 0.1
    module.eval()


def dcgan_init(module: nn.Module) -> None:
    """DCGAN init: conv/linear weights N(0, 0.02), BN weight N(1, 0.02), biases 0 (spectrally normalised layers
    keep PyTorch's default init)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)) and not hasattr(m, "parametrizations"):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
