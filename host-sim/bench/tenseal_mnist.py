#!/usr/bin/env python3
"""TenSEAL side of `hearth bench --tenseal` for network (a), `mnist_a`:
TenSEAL's own Tutorial 4 path ("Encrypted convolution on MNIST"), one image
per ciphertext, one thread:

  im2col_encoding (the client lays the 7x7 windows out, stride 3)
  conv2d_im2col per output channel + bias, pack_vectors, square,
  mm (256 -> 64) + bias, square, mm (64 -> 10) + bias

with the tutorial's parameters (N = 8192, coefficient moduli 31, 26 x 6, 31
bits, scale 2^26), the weights read from the same ONNX file hearth runs
(`host-sim/models/mnist_a.onnx`), on the same CSV rows (784 pixels in
[0, 1] and a label).

Usage (uses host-sim/bench/.venv with tenseal, numpy and onnx from PyPI,
made on first use):
  python3 host-sim/bench/tenseal_mnist.py --model mnist_a.onnx --data D.csv [--limit K]
Prints one JSON object with the fields of tenseal_compare.py — the latency
is the evaluation alone (convolution to logits), as hearth measures it —
plus the CPU per image of the whole client-server path (encoding,
encryption, evaluation, decryption) and the bytes of one serialized input
ciphertext (`upload_bytes`).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tenseal_compare import ensure_tenseal, load_csv  # noqa: E402

KERNEL, STRIDE, SIDE = 7, 3, 28


def load_weights(path):
    """The initializers of network (a), recognised by shape: conv (4,1,7,7)
    and (4,), dense 256->64 and 64->10 (stored (out, in) or (in, out))."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    ts = [numpy_helper.to_array(t).astype("float64") for t in m.graph.initializer]

    def one(pred, what):
        found = [t for t in ts if pred(t)]
        if len(found) != 1:
            sys.exit(f"{path}: expected one {what}, found {len(found)}: not network (a)")
        return found[0]

    conv_w = one(lambda t: t.shape == (4, 1, KERNEL, KERNEL), "4x1x7x7 convolution")
    conv_b = one(lambda t: t.shape == (4,), "convolution bias")
    fc1 = one(lambda t: t.ndim == 2 and sorted(t.shape) == [64, 256], "256x64 matrix")
    fc1_b = one(lambda t: t.shape == (64,), "dense bias of 64")
    fc2 = one(lambda t: t.ndim == 2 and sorted(t.shape) == [10, 64], "64x10 matrix")
    fc2_b = one(lambda t: t.shape == (10,), "dense bias of 10")
    # Tutorial 4 multiplies row vectors by (in, out) matrices.
    fc1 = fc1.T if fc1.shape == (64, 256) else fc1
    fc2 = fc2.T if fc2.shape == (10, 64) else fc2
    return conv_w.reshape(4, KERNEL, KERNEL), conv_b, fc1, fc1_b, fc2, fc2_b


def plain_forward(w, img):
    """Network (a) in numpy on one 28x28 image (the reference predictions)."""
    import numpy as np
    conv_w, conv_b, fc1, fc1_b, fc2, fc2_b = w
    out = (SIDE - KERNEL) // STRIDE + 1
    h = np.zeros((4, out, out))
    for c in range(4):
        for i in range(out):
            for j in range(out):
                win = img[i * STRIDE:i * STRIDE + KERNEL, j * STRIDE:j * STRIDE + KERNEL]
                h[c, i, j] = (win * conv_w[c]).sum() + conv_b[c]
    h = h.reshape(-1) ** 2
    h = (h @ fc1 + fc1_b) ** 2
    return h @ fc2 + fc2_b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--limit", type=int, default=0, help="only the first K rows")
    a = ap.parse_args()
    ensure_tenseal(("onnx",))
    import numpy as np
    import resource
    import tenseal as ts

    w = load_weights(a.model)
    conv_w, conv_b, fc1, fc1_b, fc2, fc2_b = w
    x, labels = load_csv(a.data)
    if x.shape[1] != SIDE * SIDE:
        sys.exit(f"{a.data}: rows of {x.shape[1]} values, expected {SIDE * SIDE}")
    if a.limit:
        x = x[: a.limit]
        labels = labels[: a.limit] if labels is not None else None
    images = x.reshape(-1, SIDE, SIDE)
    plain = np.array([plain_forward(w, img) for img in images])

    t0, c0 = time.perf_counter(), time.process_time()
    bits = 26
    ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192,
                     coeff_mod_bit_sizes=[31] + [bits] * 6 + [31], n_threads=1)
    ctx.global_scale = 2 ** bits
    ctx.generate_galois_keys()
    keygen = time.perf_counter() - t0
    keygen_cpu = time.process_time() - c0

    kernels = [k.tolist() for k in conv_w]
    fc1_l, fc2_l = fc1.tolist(), fc2.tolist()
    out, times, cpu = [], [], []
    upload = None
    t1, c1 = time.perf_counter(), time.process_time()
    for img in images:
        enc_x, windows = ts.im2col_encoding(ctx, img.tolist(), KERNEL, KERNEL, STRIDE)
        if upload is None:
            upload = len(enc_x.serialize())
        # The evaluation alone, as hearth's latency is measured.
        ts0, tc0 = time.perf_counter(), time.process_time()
        channels = [enc_x.conv2d_im2col(k, windows) + float(b) for k, b in zip(kernels, conv_b)]
        v = ts.CKKSVector.pack_vectors(channels)
        v.square_()
        v = v.mm(fc1_l) + fc1_b.tolist()
        v.square_()
        v = v.mm(fc2_l) + fc2_b.tolist()
        times.append(time.perf_counter() - ts0)
        cpu.append(time.process_time() - tc0)
        out.append(v.decrypt())
    total = time.perf_counter() - t1
    total_cpu = time.process_time() - c1
    enc = np.array(out)
    pred, ppred = enc.argmax(axis=1), plain.argmax(axis=1)
    print(json.dumps({
        "library": "tenseal " + ts.__version__ + " (Tutorial 4)",
        "packing": "latency",
        "samples": len(x),
        "keygen_seconds": keygen,
        "keygen_cpu_seconds": keygen_cpu,
        "latency_seconds": sum(times) / len(times),
        "latency_cpu_seconds": sum(cpu) / len(cpu),
        "seconds": total,
        "throughput": len(x) / total,
        "cpu_seconds": total_cpu,
        "per_image_cpu_seconds": total_cpu / len(x),
        "agreement": float((pred == ppred).mean()),
        "max_logit_diff": float(np.abs(enc - plain).max()),
        "accuracy": float((pred == labels).mean()) if labels is not None else None,
        "plain_accuracy": float((ppred == labels).mean()) if labels is not None else None,
        "upload_bytes": upload,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main()
