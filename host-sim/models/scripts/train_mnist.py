#!/usr/bin/env python3
"""Train hearth's three bundled MNIST networks and export them to ONNX.

Usage (from the repository root; PyTorch from Debian's `python3-torch`):

    /usr/bin/python3 host-sim/models/scripts/train_mnist.py host-sim/data host-sim/models [a] [b] [c] [d]

Reads `mnist_train.csv.gz` / `mnist_test.csv.gz` (made by
`host-sim/data/scripts/mnist_convert.py`) and writes:

- `mnist_a.onnx` (opset 13): TenSEAL Tutorial 4's network: conv 1->4 7x7
  stride 3, x^2, dense 256->64, x^2, dense 64->10.
- `mnist_b.onnx` (opset 15): a CryptoNets/LoLa-class network: conv 1->5 5x5
  stride 2 padding 1 (13x13 out), x^2, dense 845->100, x^2, dense 100->10.
- `mnist_c.onnx` (opset 17): a deeper CNN of 14 multiplicative levels
  (`N = 2^15` at 128-bit security): conv 1->8 3x3 pad 1, batch norm,
  avgpool 2, poly3, conv 8->16 3x3 pad 1, batch norm, avgpool 2, poly3,
  dense 784->64, batch norm, poly3, dense 64->32, batch norm, poly5,
  dense 32->10, where poly3 and poly5 are trainable polynomials of degree
  3 and 5 (initialised to the least-squares fits of ReLU on [-3, 3]).
  Pooling before each activation halves the values the activation
  squares and cubes in each direction.
- `mnist_d.onnx` (opset 17): a deep MLP of 13 multiplicative levels, more
  than one modulus chain holds once bootstrapping's own levels are taken:
  dense 784->32, then five times [poly2, dense 32->32], poly2, dense 32->10,
  every hidden dense followed by batch norm, where poly2 is a trainable
  degree-2 polynomial (initialised to the least-squares fit of ReLU on
  [-3, 3]). Evaluated encrypted with bootstrapping placed by the compiler.

Everything is seeded and single-threaded; the printed test accuracies are the
plaintext accuracies of the exported weights on the 2,004 test images:
97.16 % (a), 97.90 % (b), 98.65 % (c), 96.51 % (d). Training takes about a minute of one
core for (a) and (b) each and a few minutes for (c). Adam with a cosine
schedule; training images are shifted by up to 2 pixels at random.
"""

import csv
import gzip
import io
import pathlib
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 14
SIDE = 28


def load(path: pathlib.Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Images [n, 1, 28, 28] in [0, 1] and labels [n] from a bundled CSV."""
    with gzip.open(path, "rt") as f:
        rows = list(csv.reader(f))
    body = rows[1:]
    x = torch.tensor([[float(v) for v in r[:-1]] for r in body], dtype=torch.float32)
    y = torch.tensor([int(r[-1]) for r in body], dtype=torch.int64)
    return x.reshape(-1, 1, SIDE, SIDE), y


class Square(nn.Module):
    def forward(self, x):
        return x * x


class Poly2(nn.Module):
    """c0 + c1 x + c2 x^2 with trainable scalar coefficients."""

    def __init__(self):
        super().__init__()
        # Least-squares fit of max(x, 0) on [-3, 3] (uniform weight).
        self.c0 = nn.Parameter(torch.tensor(0.28125))
        self.c1 = nn.Parameter(torch.tensor(0.5))
        self.c2 = nn.Parameter(torch.tensor(0.15625))

    def forward(self, x):
        return self.c0 + x * (self.c1 + x * self.c2)


class Poly3(nn.Module):
    """c0 + c1 x + c2 x^2 + c3 x^3 with trainable scalar coefficients."""

    def __init__(self):
        super().__init__()
        # Least-squares fit of max(x, 0) on [-3, 3] (uniform weight).
        self.c0 = nn.Parameter(torch.tensor(0.28125))
        self.c1 = nn.Parameter(torch.tensor(0.5))
        self.c2 = nn.Parameter(torch.tensor(0.15625))
        self.c3 = nn.Parameter(torch.tensor(0.0))

    def forward(self, x):
        return self.c0 + x * (self.c1 + x * (self.c2 + x * self.c3))


class Poly5(nn.Module):
    """c0 + c1 x + ... + c5 x^5 with trainable scalar coefficients."""

    def __init__(self):
        super().__init__()
        # Least-squares fit of max(x, 0) on [-3, 3] (uniform weight): 45/256
        # + x/2 + 35/128 x^2 - 35/2304 x^4.
        self.c = nn.Parameter(torch.tensor([45 / 256, 0.5, 35 / 128, 0.0, -35 / 2304, 0.0]))

    def forward(self, x):
        y = self.c[5]
        for k in range(4, -1, -1):
            y = self.c[k] + x * y
        return y


def net_a() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 4, 7, stride=3), Square(), nn.Flatten(),
        nn.Linear(256, 64), Square(), nn.Linear(64, 10))


def net_b() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 5, 5, stride=2, padding=1), Square(), nn.Flatten(),
        nn.Linear(845, 100), Square(), nn.Linear(100, 10))


def net_c() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.AvgPool2d(2), Poly3(),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.AvgPool2d(2), Poly3(),
        nn.Flatten(), nn.Linear(784, 64), nn.BatchNorm1d(64), Poly3(),
        nn.Linear(64, 32), nn.BatchNorm1d(32), Poly5(),
        nn.Linear(32, 10))


def net_d() -> nn.Module:
    layers = [nn.Flatten(), nn.Linear(784, 32), nn.BatchNorm1d(32)]
    for _ in range(5):
        layers += [Poly2(), nn.Linear(32, 32), nn.BatchNorm1d(32)]
    layers += [Poly2(), nn.Linear(32, 10)]
    return nn.Sequential(*layers)


def shift(x: torch.Tensor, gen: torch.Generator, most: int) -> torch.Tensor:
    """Each image moved by a random whole-pixel offset in [-most, most]^2."""
    n = x.shape[0]
    padded = F.pad(x, (most, most, most, most))
    dy = torch.randint(0, 2 * most + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * most + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(SIDE)[None, :])[:, None, :, None]
    cols = (dx[:, None] + torch.arange(SIDE)[None, :])[:, None, None, :]
    idx = torch.arange(n)[:, None, None, None]
    return padded[idx, torch.zeros_like(idx), rows, cols]


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def train(name, model, data, epochs, lr, augment):
    (xtr, ytr), (xte, yte) = data
    gen = torch.Generator().manual_seed(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        for i in range(0, xtr.shape[0], 64):
            b = perm[i : i + 64]
            xb = shift(xtr[b], gen, augment) if augment else xtr[b]
            loss = F.cross_entropy(model(xb), ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        print(f"{name} epoch {epoch + 1}/{epochs}: test accuracy {accuracy(model, xte, yte):.4f}", flush=True)
    return accuracy(model, xte, yte)


def export(model: nn.Module, path: pathlib.Path, opset: int) -> None:
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, SIDE, SIDE), str(path), opset_version=opset,
                      input_names=["image"], output_names=["logits"], do_constant_folding=True)


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    data_dir, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    torch.set_num_threads(1)
    data = (load(data_dir / "mnist_train.csv.gz"), load(data_dir / "mnist_test.csv.gz"))
    which = sys.argv[3:] or ["a", "b", "c", "d"]
    plans = {
        "a": (net_a, 80, 1e-3, 2, 13),
        "b": (net_b, 40, 2e-3, 2, 15),
        "c": (net_c, 50, 2e-3, 2, 17),
        "d": (net_d, 30, 2e-3, 1, 17),
    }
    results = {}
    for key in which:
        make, epochs, lr, augment, opset = plans[key]
        torch.manual_seed(SEED)
        model = make()
        results[key] = train(f"mnist_{key}", model, data, epochs, lr, augment)
        export(model, out / f"mnist_{key}.onnx", opset)
    for key, acc in results.items():
        print(f"mnist_{key}.onnx: plaintext test accuracy {acc * 100:.2f} % on {data[1][1].shape[0]} images")


if __name__ == "__main__":
    main()
