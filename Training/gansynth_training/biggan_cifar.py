"""cifar10-biggan: a BigGAN (Brock, Donahue, Simonyan 2018) for 32x32 CIFAR-10, sized for small machines.

Generator (per image; C = --ch, 128 by default):
    z (128, normal) -> linear -> (C, 4, 4)
    3 x GBlock: ccbn -> relu -> up 2 -> conv3x3 -> ccbn -> relu -> conv3x3, plus conv1x1(up 2(x))   4 -> 8 -> 16 -> 32
    self-attention after the second block (16x16)
    bn -> relu -> conv3x3 (-> 3) -> tanh
Every ccbn reads y = shared(label), one class embedding (128) shared by all blocks: out = bn(x) * (1 + gain(y)) +
bias(y). Every weight of G and D is spectrally normalised.

Discriminator: 4 DBlocks (C channels; the first two average-pool to 16x16 and 8x8), self-attention at 16x16,
relu -> sum over positions -> linear + projection <embed(label), h> (Miyato & Koyama 2018), and an auxiliary
classifier head (Odena et al. 2017) on the same features.

`biggan_pytorch_state_dict(G)` writes the generator in ajbrock/BigGAN-PyTorch's key layout with the spectral norms
baked in, so that Training/convert.py biggan reads it like any BigGAN-PyTorch checkpoint.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SN = nn.utils.parametrizations.spectral_norm
BN_EPS = 1e-5


def sn_conv(c_in: int, c_out: int, k: int, bias: bool = True) -> nn.Module:
    return SN(nn.Conv2d(c_in, c_out, k, 1, k // 2, bias=bias))


class StandingBN(nn.Module):
    """Batch norm without affine terms, whose stored statistics can be recomputed for the final weights
    ("standing statistics", Brock et al. Appendix C): `accumulate` averages the statistics of every batch seen."""

    def __init__(self, c: int):
        super().__init__()
        self.register_buffer("stored_mean", torch.zeros(c))
        self.register_buffer("stored_var", torch.ones(c))
        self.accumulating = 0

    def forward(self, x):
        if self.accumulating:
            mean = x.mean((0, 2, 3))
            var = x.var((0, 2, 3), unbiased=True)
            k = self.accumulating
            self.stored_mean.mul_((k - 1) / k).add_(mean.detach() / k)
            self.stored_var.mul_((k - 1) / k).add_(var.detach() / k)
            return F.batch_norm(x, None, None, None, None, True, 0.0, BN_EPS)
        return F.batch_norm(x, self.stored_mean, self.stored_var, None, None, self.training, 0.1, BN_EPS)


class CCBN(nn.Module):
    """Class-conditional batch norm: bn(x) * (1 + gain(y)) + bias(y)."""

    def __init__(self, c: int, cond: int):
        super().__init__()
        self.gain = SN(nn.Linear(cond, c, bias=False))
        self.bias = SN(nn.Linear(cond, c, bias=False))
        self.bn = StandingBN(c)

    def forward(self, x, y):
        return self.bn(x) * (1 + self.gain(y))[:, :, None, None] + self.bias(y)[:, :, None, None]


class Attention(nn.Module):
    """SAGAN self-attention as BigGAN has it: keys C/8, values C/2 on 2x2 max-pooled positions, gamma starts at 0."""

    def __init__(self, c: int):
        super().__init__()
        self.theta = sn_conv(c, c // 8, 1, bias=False)
        self.phi = sn_conv(c, c // 8, 1, bias=False)
        self.g = sn_conv(c, c // 2, 1, bias=False)
        self.o = sn_conv(c // 2, c, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        n, c, h, w = x.shape
        theta = self.theta(x).view(n, c // 8, h * w)
        phi = F.max_pool2d(self.phi(x), 2).view(n, c // 8, h * w // 4)
        g = F.max_pool2d(self.g(x), 2).view(n, c // 2, h * w // 4)
        beta = F.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)
        o = self.o(torch.bmm(g, beta.transpose(1, 2)).view(n, c // 2, h, w))
        return x + self.gamma * o


class GBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, cond: int):
        super().__init__()
        self.bn1 = CCBN(c_in, cond)
        self.conv1 = sn_conv(c_in, c_out, 3)
        self.bn2 = CCBN(c_out, cond)
        self.conv2 = sn_conv(c_out, c_out, 3)
        self.conv_sc = sn_conv(c_in, c_out, 1)

    def forward(self, x, y):
        h = F.interpolate(F.relu(self.bn1(x, y)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h), y)))
        return h + self.conv_sc(F.interpolate(x, scale_factor=2, mode="nearest"))


class Generator(nn.Module):
    def __init__(self, ch: int = 128, z_dim: int = 128, n_classes: int = 10, shared_dim: int = 128,
                 attention_block: int = 1):
        super().__init__()
        self.z_dim, self.n_classes, self.ch = z_dim, n_classes, ch
        self.shared = nn.Embedding(n_classes, shared_dim)
        self.linear = SN(nn.Linear(z_dim, ch * 16))
        self.blocks = nn.ModuleList()
        for i in range(3):
            stage = nn.ModuleList([GBlock(ch, ch, shared_dim)])
            if i == attention_block:
                stage.append(Attention(ch))
            self.blocks.append(stage)
        self.out_bn = StandingBN(ch)
        self.out_gain = nn.Parameter(torch.ones(ch))
        self.out_bias = nn.Parameter(torch.zeros(ch))
        self.out_conv = sn_conv(ch, 3, 3)
        for m in self.modules():  # BigGAN's orthogonal init
            if isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)):
                w = m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight
                nn.init.orthogonal_(w)

    def forward(self, z, label):
        y = self.shared(label)
        x = self.linear(z).view(z.shape[0], self.ch, 4, 4)
        for stage in self.blocks:
            x = stage[0](x, y)
            for extra in stage[1:]:
                x = extra(x)
        x = self.out_bn(x) * self.out_gain[:, None, None] + self.out_bias[:, None, None]
        return torch.tanh(self.out_conv(F.relu(x)))

    @torch.no_grad()
    def standing_statistics(self, batches: int = 100, batch_size: int = 128, seed: int = 0) -> None:
        """Recompute every batch norm's stored statistics as the average over `batches` batches of random z and
        labels, in training mode (the statistics the weights actually produce, rather than the running
        averages of a generator that kept changing). The passes run in training mode, so that each spectral
        norm's power iteration also converges on these weights (a moving average's own, not the trained G's)."""
        was_training = self.training
        self.train()
        bns = [m for m in self.modules() if isinstance(m, StandingBN)]
        dev = self.out_gain.device
        gen = torch.Generator(device="cpu").manual_seed(seed)
        for k in range(1, batches + 1):
            for m in bns:
                m.accumulating = k
            z = torch.randn(batch_size, self.z_dim, generator=gen).to(dev)
            y = torch.randint(0, self.n_classes, (batch_size,), generator=gen).to(dev)
            self(z, y)
        for m in bns:
            m.accumulating = 0
        self.train(was_training)


class DBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, down: bool, preactivation: bool):
        super().__init__()
        self.conv1 = sn_conv(c_in, c_out, 3)
        self.conv2 = sn_conv(c_out, c_out, 3)
        self.conv_sc = sn_conv(c_in, c_out, 1) if (c_in != c_out or down) else None
        self.down, self.pre = down, preactivation

    def forward(self, x):
        h = F.relu(x) if self.pre else x
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.pre:  # preactivation blocks: shortcut conv before the pooling; the first block pools first
            if self.conv_sc is not None:
                s = self.conv_sc(s)
            if self.down:
                s = F.avg_pool2d(s, 2)
        else:
            if self.down:
                s = F.avg_pool2d(s, 2)
            if self.conv_sc is not None:
                s = self.conv_sc(s)
        return h + s


class Discriminator(nn.Module):
    def __init__(self, ch: int = 128, n_classes: int = 10):
        super().__init__()
        self.blocks = nn.ModuleList([
            DBlock(3, ch, True, False),     # 16x16
            Attention(ch),
            DBlock(ch, ch, True, True),     # 8x8
            DBlock(ch, ch, False, True),
            DBlock(ch, ch, False, True),
        ])
        self.linear = SN(nn.Linear(ch, 1))
        self.embed = SN(nn.Embedding(n_classes, ch))
        self.cls = nn.Linear(ch, n_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)):
                w = m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight
                nn.init.orthogonal_(w)

    def forward(self, x, label):
        h = x
        for b in self.blocks:
            h = b(h)
        h = F.relu(h).sum((2, 3))
        adv = self.linear(h).view(-1) + (self.embed(label) * h).sum(1)
        return adv, self.cls(h)


def biggan_pytorch_state_dict(G: Generator) -> dict:
    """G's eval-mode weights under ajbrock/BigGAN-PyTorch's key names (spectral norms applied, so no u0/sv0)."""
    G.eval()
    sd = {}

    def put(key, t):
        sd[key] = t.detach().float().cpu().clone()

    put("shared.weight", G.shared.weight)
    put("linear.weight", G.linear.weight)
    put("linear.bias", G.linear.bias)
    for i, stage in enumerate(G.blocks):
        b, p = stage[0], f"blocks.{i}.0"
        for name in ("bn1", "bn2"):
            bn = getattr(b, name)
            put(f"{p}.{name}.gain.weight", bn.gain.weight)
            put(f"{p}.{name}.bias.weight", bn.bias.weight)
            put(f"{p}.{name}.stored_mean", bn.bn.stored_mean)
            put(f"{p}.{name}.stored_var", bn.bn.stored_var)
        for name in ("conv1", "conv2", "conv_sc"):
            conv = getattr(b, name)
            put(f"{p}.{name}.weight", conv.weight)
            put(f"{p}.{name}.bias", conv.bias)
        for extra in stage[1:]:
            a = f"blocks.{i}.1"
            for name in ("theta", "phi", "g", "o"):
                put(f"{a}.{name}.weight", getattr(extra, name).weight)
            put(f"{a}.gamma", extra.gamma.reshape(()))
    put("output_layer.0.gain", G.out_gain)
    put("output_layer.0.bias", G.out_bias)
    put("output_layer.0.stored_mean", G.out_bn.stored_mean)
    put("output_layer.0.stored_var", G.out_bn.stored_var)
    put("output_layer.2.weight", G.out_conv.weight)
    put("output_layer.2.bias", G.out_conv.bias)
    return sd
