#!/usr/bin/env python3
"""TenSEAL side of `hearth bench`: the same hearth-mlp-v1 model on the same
CSV rows, encrypted with TenSEAL's CKKS at the same parameters hearth picks
for the bundled models (N = 8192, coefficient moduli 50, 39, 39, 39, 50 bits,
scale 2^39; 128-bit secure), one thread.

Packings, as in hearth:
  latency     one sample per CKKSVector, `vector.mm(matrix)` (rotations)
  throughput  one CKKSVector per feature holding every sample, plaintext
              scalar multiply-accumulate per neuron (no rotations)

Usage (creates its own virtualenv with `tenseal` from PyPI on first run):
  python3 host-sim/bench/tenseal_compare.py --model M.safetensors --data D.csv \
      --packing latency|throughput [--limit K]
Prints one JSON object: latency (the evaluation alone — encryption and
decryption excluded, as hearth measures it), throughput, agreement with the
plaintext model, largest logit difference, peak RSS.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(HERE, ".venv")


def ensure_tenseal(extra=()):
    """Re-executes the script in host-sim/bench/.venv (made on first use)
    unless `tenseal` and the modules in `extra` import already."""
    try:
        import tenseal  # noqa: F401
        for m in extra:
            __import__(m)
        return
    except ImportError:
        pass
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        print("tenseal_compare: installing tenseal numpy " + " ".join(extra), file=sys.stderr)
        subprocess.check_call([py, "-m", "pip", "install", "-q", "tenseal", "numpy", *extra])
        return
    if not os.path.exists(py):
        print("tenseal_compare: creating " + VENV, file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    os.execv(py, [py] + sys.argv)


def load_model(path):
    """Reads a hearth-mlp-v1 safetensors file (the format is small enough to parse by hand)."""
    import numpy as np
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    if meta.get("format") != "hearth-mlp-v1":
        sys.exit(f"{path}: not a hearth-mlp-v1 model")
    data = raw[8 + n:]

    def tensor(name):
        t = header[name]
        a, b = t["data_offsets"]
        return np.frombuffer(data[a:b], dtype="<f4").astype(np.float64).reshape(t["shape"])

    layers = []
    while f"layers.{len(layers)}.weight" in header:
        i = len(layers)
        layers.append((tensor(f"layers.{i}.weight"), tensor(f"layers.{i}.bias")))
    act = meta["activation"]
    coeffs = [0.0, 0.0, 1.0] if act == "square" else json.loads(act)
    std = (tensor("input.mean"), tensor("input.scale")) if "input.mean" in header else None
    return layers, coeffs, std


def load_csv(path):
    import numpy as np
    with open(path) as f:
        head = f.readline().strip().split(",")
        rows = [list(map(float, line.strip().split(","))) for line in f if line.strip()]
    a = np.array(rows)
    if "label" in head:
        j = head.index("label")
        return np.delete(a, j, axis=1), a[:, j].astype(int)
    return a, None


def plain_forward(layers, coeffs, x):
    import numpy as np
    h = x
    for i, (w, b) in enumerate(layers):
        h = h @ w.T + b
        if i + 1 < len(layers):
            h = sum(c * h ** k for k, c in enumerate(coeffs))
    return h


def activation(v, coeffs):
    """σ(v) = Σ c_k v^k on a CKKSVector (degree ≤ 3)."""
    if coeffs == [0.0, 0.0, 1.0]:
        return v.square()
    return v.polyval(coeffs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--packing", choices=["latency", "throughput"], default="latency")
    ap.add_argument("--limit", type=int, default=0, help="only the first K rows")
    a = ap.parse_args()
    ensure_tenseal()
    import numpy as np
    import resource
    import tenseal as ts

    layers, coeffs, std = load_model(a.model)
    x, labels = load_csv(a.data)
    if a.limit:
        x = x[: a.limit]
        labels = labels[: a.limit] if labels is not None else None
    if std is not None:
        x = (x - std[0]) / std[1]
    plain = plain_forward(layers, coeffs, x)

    t0 = time.perf_counter()
    ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192,
                     coeff_mod_bit_sizes=[50, 39, 39, 39, 50], n_threads=1)
    ctx.global_scale = 2 ** 39
    if a.packing == "latency":
        ctx.generate_galois_keys()
    keygen = time.perf_counter() - t0

    out = []
    t1, c1 = time.perf_counter(), time.process_time()
    if a.packing == "latency":
        times, cpu = [], []
        for row in x:
            v = ts.ckks_vector(ctx, row.tolist())
            # The evaluation alone, as hearth's latency is measured.
            ts0, tc0 = time.perf_counter(), time.process_time()
            for i, (w, b) in enumerate(layers):
                v = v.mm(w.T.tolist()) + b.tolist()
                if i + 1 < len(layers):
                    v = activation(v, coeffs)
            times.append(time.perf_counter() - ts0)
            cpu.append(time.process_time() - tc0)
            out.append(v.decrypt())
        latency = sum(times) / len(times)
        latency_cpu = sum(cpu) / len(cpu)
    else:
        slots = 4096
        latency = None
        for start in range(0, len(x), slots):
            batch = x[start:start + slots]
            h = [ts.ckks_vector(ctx, batch[:, k].tolist()) for k in range(batch.shape[1])]
            ts0, tc0 = time.perf_counter(), time.process_time()
            for i, (w, b) in enumerate(layers):
                nxt = []
                for o in range(w.shape[0]):
                    acc = h[0] * float(w[o, 0])
                    for k in range(1, w.shape[1]):
                        acc += h[k] * float(w[o, k])
                    acc += float(b[o])
                    nxt.append(acc)
                h = nxt if i + 1 == len(layers) else [activation(v, coeffs) for v in nxt]
            if latency is None:
                latency = time.perf_counter() - ts0
                latency_cpu = time.process_time() - tc0
            cols = [v.decrypt() for v in h]
            out.extend([[c[j] for c in cols] for j in range(len(batch))])
    total = time.perf_counter() - t1
    total_cpu = time.process_time() - c1
    enc = np.array(out)
    pred, ppred = enc.argmax(axis=1), plain.argmax(axis=1)
    res = {
        "library": "tenseal " + ts.__version__,
        "packing": a.packing,
        "samples": len(x),
        "keygen_seconds": keygen,
        "latency_seconds": latency,
        "latency_cpu_seconds": latency_cpu,
        "seconds": total,
        "throughput": len(x) / total,
        "cpu_seconds": total_cpu,
        "agreement": float((pred == ppred).mean()),
        "max_logit_diff": float(np.abs(enc - plain).max()),
        "accuracy": float((pred == labels).mean()) if labels is not None else None,
        "plain_accuracy": float((ppred == labels).mean()) if labels is not None else None,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(res))


if __name__ == "__main__":
    main()
