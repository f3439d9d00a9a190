"""Loopback load benchmark of `hearth server`: T tenants, each with its own
secret key (made here, on the client side, from OS entropy by
`hearth keygen`) and its own model (a copy of the bundled breast-cancer
model uploaded by the tenant), C concurrent tritonclient clients sending
R requests in all, spread over the tenants. Prints throughput, p50/p99
latency and the server's RSS per tenant (after every tenant's keys and
model are uploaded, minus the RSS before any), as JSON.

    python load.py --hearth target/release/hearth --tenants 256 --clients 8 --requests 512
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import tritonclient.http as triton

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "host-sim" / "models" / "breast_cancer.safetensors"
DATA = ROOT / "host-sim" / "data" / "breast_cancer.csv"


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def put(url, token, body):
    req = urllib.request.Request(url, data=body, method="PUT",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=600) as r:
        assert r.status == 200


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hearth", required=True)
    ap.add_argument("--tenants", type=int, default=256)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=512)
    ap.add_argument("--rows", type=int, default=8)
    ap.add_argument("--engine", default="device")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hearth-load-"))
    rows = tmp / "rows.csv"
    rows.write_text("\n".join(DATA.read_text().splitlines()[: a.rows + 1]) + "\n")
    h = a.hearth
    names = [f"t{i:03}" for i in range(a.tenants)]
    store = tmp / "store.pmem"
    mib = 64 + 3 * a.tenants
    out = subprocess.run([h, "server", "tenant", "add", *names, "--store", store, "--store-mib", str(mib)],
                         check=True, capture_output=True, text=True).stdout
    tokens = dict(line.split() for line in out.splitlines()) if a.tenants > 1 else {names[0]: out.strip()}
    # Client side: one key set per tenant (OS entropy), its ciphertexts.
    t0 = time.time()
    cts, evks = {}, {}
    for n in names:
        d = tmp / n
        d.mkdir()
        subprocess.run([h, "keygen", "--out", d / "sk.key", "--model", MODEL, "--data", rows], check=True, capture_output=True)
        subprocess.run([h, "evalkeys", "--key", d / "sk.key", "--out", d / "ev.key"], check=True, capture_output=True)
        subprocess.run([h, "encrypt", "--key", d / "sk.key", "--model", MODEL, "--data", rows, "--out", d / "in.ct"],
                       check=True, capture_output=True)
        cts[n] = (d / "in.ct").read_bytes()
        evks[n] = (d / "ev.key").read_bytes()
    client_setup = time.time() - t0
    server = subprocess.Popen([h, "server", "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
                               "--store", store, "--engine", a.engine, "--queue", "1024"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    http = server.stdout.readline().split()[3]
    rss0 = rss_kib(server.pid)
    model = MODEL.read_bytes()
    t0 = time.time()
    for n in names:
        put(f"http://{http}/v2/tenants/{n}/keys", tokens[n], evks[n])
        put(f"http://{http}/v2/tenants/{n}/models/bc", tokens[n], model)
    upload = time.time() - t0
    rss1 = rss_kib(server.pid)

    local = threading.local()

    def one(i):
        n = names[i % len(names)]
        if not hasattr(local, "c"):
            local.c = triton.InferenceServerClient(http, network_timeout=600.0)
        x = triton.InferInput("ciphertexts", [1], "BYTES")
        x.set_data_from_numpy(np.array([cts[n]], dtype=np.object_))
        s = time.time()
        while True:
            try:
                local.c.infer("bc", [x], headers={"Authorization": f"Bearer {tokens[n]}"})
                break
            except triton.InferenceServerException as e:
                if e.status() != "429":
                    raise
                time.sleep(0.05)
        return time.time() - s

    t0 = time.time()
    with ThreadPoolExecutor(a.clients) as pool:
        lat = sorted(pool.map(one, range(a.requests)))
    wall = time.time() - t0
    rss2 = rss_kib(server.pid)
    server.terminate()
    server.wait(timeout=120)
    q = statistics.quantiles(lat, n=100)
    print(json.dumps({
        "tenants": a.tenants, "clients": a.clients, "requests": a.requests, "rows_per_request": a.rows,
        "engine": a.engine, "throughput_requests_per_s": a.requests / wall,
        "throughput_rows_per_s": a.requests * a.rows / wall,
        "latency_p50_s": q[49], "latency_p99_s": q[98], "wall_s": wall,
        "server_rss_start_mib": rss0 / 1024, "server_rss_after_uploads_mib": rss1 / 1024,
        "server_rss_after_load_mib": rss2 / 1024,
        "server_rss_per_tenant_kib": (rss2 - rss0) / a.tenants,
        "upload_s": upload, "client_setup_s": client_setup,
    }, indent=1))


if __name__ == "__main__":
    main()
