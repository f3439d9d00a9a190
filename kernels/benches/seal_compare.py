#!/usr/bin/env python3
"""Time Microsoft SEAL (through PyPI `tenseal`'s `tenseal.sealapi`) on the
CKKS operations of `kernels/benches/ckks.rs`, same rings and prime sizes,
one thread, and print the ratios hearth / SEAL from criterion's estimates.

Usage (from the repository root):
    cargo bench -p hearth-kernels --bench ckks
    python3 kernels/benches/seal_compare.py

The script creates a virtual environment in target/seal-venv on first use
and installs tenseal into it (PyPI), then re-runs itself inside it.
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VENV = os.path.join(ROOT, "target", "seal-venv")
PY = os.path.join(VENV, "bin", "python3")

SETS = {
    8192: ([49, 40, 40, 40], [49]),
    16384: ([60, 40, 40, 40, 40], [60]),
}
OPS = ["encode", "encrypt", "encode_encrypt", "add", "multiply_relin",
       "rescale", "rotate", "decrypt", "decode"]


def ensure_venv():
    if os.path.abspath(sys.prefix) == os.path.abspath(VENV):
        return
    if not os.path.exists(PY):
        print(f"creating {VENV} and installing tenseal (PyPI) ...", file=sys.stderr)
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([PY, "-m", "pip", "install", "-q", "tenseal"])
    env = dict(os.environ, OMP_NUM_THREADS="1")
    os.execve(PY, [PY, __file__] + sys.argv[1:], env)


def timeit(f, min_time=1.0, min_reps=10):
    f()  # warm up
    reps, start = 0, time.perf_counter()
    while True:
        f()
        reps += 1
        el = time.perf_counter() - start
        if el >= min_time and reps >= min_reps:
            return el / reps


def seal_times(n, chain, special):
    import tenseal.sealapi as s
    parms = s.EncryptionParameters(s.SCHEME_TYPE.CKKS)
    parms.set_poly_modulus_degree(n)
    parms.set_coeff_modulus(s.CoeffModulus.Create(n, chain + special))
    ctx = s.SEALContext(parms, True, s.SEC_LEVEL_TYPE.TC128)
    keygen = s.KeyGenerator(ctx)
    sk = keygen.secret_key()
    pk = s.PublicKey()
    keygen.create_public_key(pk)
    rk = s.RelinKeys()
    keygen.create_relin_keys(rk)
    gk = s.GaloisKeys()
    # Galois elements (SEAL's generator is 3: a rotation by one slot is X -> X^3).
    keygen.create_galois_keys([3], gk)
    encoder = s.CKKSEncoder(ctx)
    encryptor = s.Encryptor(ctx, pk)
    decryptor = s.Decryptor(ctx, sk)
    ev = s.Evaluator(ctx)
    scale = 2.0 ** 40
    vals = [i / n - 0.25 for i in range(n // 2)]
    pt = s.Plaintext()
    encoder.encode(vals, scale, pt)
    ct = s.Ciphertext()
    encryptor.encrypt(pt, ct)
    prod = s.Ciphertext()
    ev.multiply(ct, ct, prod)
    ev.relinearize_inplace(prod, rk)

    def encode():
        p = s.Plaintext()
        encoder.encode(vals, scale, p)

    def encrypt():
        c = s.Ciphertext()
        encryptor.encrypt(pt, c)

    def encode_encrypt():
        p = s.Plaintext()
        encoder.encode(vals, scale, p)
        c = s.Ciphertext()
        encryptor.encrypt(p, c)

    def add():
        c = s.Ciphertext()
        ev.add(ct, ct, c)

    def multiply_relin():
        c = s.Ciphertext()
        ev.multiply(ct, ct, c)
        ev.relinearize_inplace(c, rk)

    def rescale():
        c = s.Ciphertext()
        ev.rescale_to_next(prod, c)

    def rotate():
        c = s.Ciphertext()
        ev.rotate_vector(ct, 1, gk, c)

    def decrypt():
        p = s.Plaintext()
        decryptor.decrypt(ct, p)

    dpt = s.Plaintext()
    decryptor.decrypt(ct, dpt)

    def decode():
        encoder.decode_double(dpt)

    fns = dict(encode=encode, encrypt=encrypt, encode_encrypt=encode_encrypt, add=add,
               multiply_relin=multiply_relin, rescale=rescale, rotate=rotate,
               decrypt=decrypt, decode=decode)
    return {op: timeit(f) for op, f in fns.items()}


def hearth_time(op, n):
    p = os.path.join(ROOT, "target", "criterion", "ckks", op, str(n), "new", "estimates.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)["mean"]["point_estimate"] / 1e9


def main():
    ensure_venv()
    rows = []
    for n, (chain, special) in SETS.items():
        seal = seal_times(n, chain, special)
        for op in OPS:
            h = hearth_time(op, n)
            rows.append((n, op, h, seal[op]))
    print(f"{'N':>6} {'operation':<16} {'hearth ms':>10} {'SEAL ms':>10} {'ratio':>7}")
    for n, op, h, sv in rows:
        hs = f"{h * 1e3:10.3f}" if h is not None else f"{'-':>10}"
        ratio = f"{h / sv:7.2f}" if h is not None else f"{'-':>7}"
        print(f"{n:>6} {op:<16} {hs} {sv * 1e3:10.3f} {ratio}")
    if "--json" in sys.argv:
        print(json.dumps([dict(n=n, op=op, hearth_s=h, seal_s=sv) for n, op, h, sv in rows]))


if __name__ == "__main__":
    main()
