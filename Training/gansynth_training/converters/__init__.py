"""Converters from other projects' checkpoints to gansynth model files, one class per architecture, each listed in
CONVERTERS by the KIND that Training/convert.py takes. A converter reads tensors only (torch.load with
weights_only=True, or stylegan2's restricted unpickler: no pickle code runs), maps their names through its own tables, bakes spectral normalization
into plain weights and writes one GGUF file with export.write_generator."""
from .biggan import BigGAN
from .biggan_deep import BigGANDeep
from .stylegan2 import StyleGAN2

CONVERTERS = {c.kind: c for c in (BigGAN, BigGANDeep, StyleGAN2)}
