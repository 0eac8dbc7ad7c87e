"""mnist-bigan: a BiGAN (Donahue, Krähenbühl, Darrell 2017; ALI, Dumoulin et al. 2017) on MNIST: a generator
G: z -> x, an encoder E: x -> z, and a discriminator on (x, z) pairs that tells (x, E(x)) from (G(z), z).

    z (50, uniform in [-1, 1]) -> G: linear 6272 -> BN -> ReLU -> 128x7x7 -> transposed conv 64x14x14 -> BN -> ReLU
                                     -> transposed conv 1x28x28 -> tanh            (mnist-dcgan's layers)
    x (1x28x28 in [-1, 1]) -> E: conv 64 (4x4 stride 2) -> LReLU -> conv 128 (4x4 stride 2) -> BN -> LReLU -> 6272
                                     -> linear 256 -> BN -> LReLU -> linear 50
    D(x, z): x -> 2 strided convs -> linear 512; z -> linear 512 -> linear 512; joined -> 1024 -> 1, LReLU 0.2 and
             dropout 0.2, no batch norm (the pairs are judged one by one)

Both G and E are nn.Sequential, so the file stores each as a chain of FORMAT.md nodes (E after an input_image
node).
"""
from __future__ import annotations

import torch
from torch import nn

Z_DIM = 50


def generator() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(Z_DIM, 128 * 7 * 7, bias=False), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh(),
    )


def encoder() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(128 * 7 * 7, 256, bias=False), nn.BatchNorm1d(256), nn.LeakyReLU(0.2),
        nn.Linear(256, Z_DIM),
    )


class JointDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.dx = nn.Sequential(
            nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(128 * 7 * 7, 512), nn.LeakyReLU(0.2))
        self.dz = nn.Sequential(nn.Linear(Z_DIM, 512), nn.LeakyReLU(0.2), nn.Linear(512, 512), nn.LeakyReLU(0.2))
        self.joint = nn.Sequential(nn.Dropout(0.2), nn.Linear(1024, 1024), nn.LeakyReLU(0.2), nn.Dropout(0.2),
                                   nn.Linear(1024, 1))

    def forward(self, x, z):
        return self.joint(torch.cat([self.dx(x), self.dz(z)], 1)).view(-1)
