"""Classifiers that score generated images: one small CNN per data set (MNIST digits, Fashion-MNIST, CIFAR-10).
Inputs are uint8 images (N, C, H, W) scaled to [0, 1]; `features` is the penultimate layer (used for the Fréchet
distance)."""
from __future__ import annotations

import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
sys.path.insert(0, TRAINING)
from gansynth_training.zoo import DEFAULT_DATA, load_dataset  # noqa: E402

DEFAULT_DIR = os.path.join(TRAINING, "runs", "eval")
DATASETS = ("mnist", "fashion", "cifar10")


class SmallCNN(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        if channels == 1:  # 28x28
            self.conv = nn.Sequential(
                nn.Conv2d(1, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),     # 14
                nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),    # 7
                nn.Flatten())
            feat_in, feat = 64 * 7 * 7, 128
        else:  # 32x32 RGB
            self.conv = nn.Sequential(
                nn.Conv2d(3, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(),
                nn.Conv2d(32, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),    # 16
                nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(),
                nn.Conv2d(64, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),    # 8
                nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),  # 4
                nn.Flatten())
            feat_in, feat = 128 * 4 * 4, 256
        self.fc = nn.Sequential(nn.Linear(feat_in, feat), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(feat, 10))

    def features(self, x):
        return self.fc(self.conv(x))

    def forward(self, x):
        return self.head(self.features(x))


def to_input(u8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(u8)).float().div_(255.0)


def classifier_path(dataset: str, folder: str = DEFAULT_DIR) -> str:
    return os.path.join(folder, f"{dataset}-classifier.pt")


def load_classifier(dataset: str, folder: str = DEFAULT_DIR) -> tuple[SmallCNN, dict]:
    path = classifier_path(dataset, folder)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} missing: train it with python3 Training/eval/train_classifier.py "
                                f"--dataset {dataset}")
    ck = torch.load(path, map_location="cpu", weights_only=False)
    m = SmallCNN(3 if dataset == "cifar10" else 1)
    m.load_state_dict(ck["state"])
    m.eval()
    return m, ck


@torch.no_grad()
def predict(model: SmallCNN, u8: np.ndarray, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """(predicted classes (N,), features (N, F) float64)."""
    preds, feats = [], []
    for i in range(0, len(u8), batch):
        f = model.features(to_input(u8[i:i + batch]))
        preds.append(model.head(f).argmax(1).numpy())
        feats.append(f.double().numpy())
    return np.concatenate(preds), np.concatenate(feats)


def dataset_arrays(dataset: str, split: str, data: str | None = None):
    return load_dataset(dataset, data or DEFAULT_DATA[dataset], split, os.path.join(TRAINING, "runs", "data"))
