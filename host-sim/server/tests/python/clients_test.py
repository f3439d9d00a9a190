"""`hearth server` driven by real Open Inference Protocol clients from PyPI:
tritonclient (HTTP, binary tensors and JSON) and kserve's
InferenceRESTClient (protocol v2).

The hospital side uses the `hearth` command (keygen, encrypt, evalkeys,
decrypt); the reference for every answer is `hearth evaluate`, the offline
evaluation of the same ciphertext with the same evaluation keys, which must
give the same bytes, and the decrypted logits must give the plaintext
model's predictions.

Run by `cargo xtask test` (through `host-sim/tests/server_clients.rs`) with
HEARTH set to the `hearth` binary.
"""

import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

HEARTH = os.environ["HEARTH"]
ROOT = Path(__file__).resolve().parents[4]
MODEL = ROOT / "host-sim" / "models" / "breast_cancer.safetensors"
DATA = ROOT / "host-sim" / "data" / "breast_cancer.csv"
ROWS = 12


def hearth(*args, check=True):
    r = subprocess.run([HEARTH, *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"hearth {' '.join(map(str, args))} failed:\n{r.stderr}")
    return r


class Server:
    """A `hearth server` process on loopback ports chosen by the kernel."""

    def __init__(self, store):
        self.proc = subprocess.Popen(
            [HEARTH, "server", "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0",
             "--store", str(store), "--engine", "soft"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("hearth server: http "):
            raise AssertionError(f"server did not start: {line!r} {self.proc.stderr.read()}")
        words = line.split()
        self.http = words[3]
        self.grpc = words[5]

    def url(self):
        return f"http://{self.http}"

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(timeout=120)
        return self.proc.returncode


def put(url, token, body):
    req = urllib.request.Request(url, data=body, method="PUT",
                                 headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class Hospital:
    """A tenant: its token, secret key (never sent), ciphertexts."""

    def __init__(self, tmp, store, name):
        self.dir = Path(tmp) / name
        self.dir.mkdir()
        self.name = name
        self.token = hearth("server", "tenant", "add", name, "--store", store).stdout.strip()
        self.data = self.dir / "rows.csv"
        lines = DATA.read_text().splitlines()
        self.data.write_text("\n".join(lines[: ROWS + 1]) + "\n")
        self.key = self.dir / "sk.key"
        hearth("keygen", "--out", self.key, "--model", MODEL, "--data", self.data)
        self.evk = self.dir / "ev.key"
        hearth("evalkeys", "--key", self.key, "--out", self.evk)
        self.ct = self.dir / "in.ct"
        hearth("encrypt", "--key", self.key, "--model", MODEL, "--data", self.data, "--out", self.ct)
        ref = self.dir / "ref.ct"
        hearth("evaluate", "--model", MODEL, "--eval-keys", self.evk, "--in", self.ct, "--out", ref)
        self.reference = ref.read_bytes()

    def upload_keys(self, server):
        return put(f"{server.url()}/v2/tenants/{self.name}/keys", self.token, self.evk.read_bytes())

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def decrypt(self, answer):
        out = self.dir / "out.ct"
        out.write_bytes(answer)
        logits = hearth("decrypt", "--key", self.key, "--in", out).stdout
        return [max(range(len(r)), key=lambda k: float(r[k]))
                for r in (line.split(",") for line in logits.splitlines()[1:])]


def triton_infer(server, who, ct, binary=True, model="breast_cancer"):
    client = triton.InferenceServerClient(server.http, network_timeout=300.0)
    inp = triton.InferInput("ciphertexts", [1], "BYTES")
    if binary:
        inp.set_data_from_numpy(np.array([ct], dtype=np.object_), binary_data=True)
    else:
        text = base64.b64encode(ct).decode()
        inp.set_data_from_numpy(np.array([text], dtype=np.object_), binary_data=False)
    out = triton.InferRequestedOutput("logits", binary_data=binary)
    r = client.infer(model, [inp], outputs=[out], headers=who.headers())
    got = r.as_numpy("logits")[0]
    return got if binary else base64.b64decode(got)


class Clients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hearth-clients-")
        cls.store = Path(cls.tmp) / "store.pmem"
        cls.alice = Hospital(cls.tmp, cls.store, "alice")
        cls.bob = Hospital(cls.tmp, cls.store, "bob")
        hearth("server", "model", "add", "breast_cancer", "--model", MODEL, "--store", cls.store)
        cls.server = Server(cls.store)
        for h in (cls.alice, cls.bob):
            status, body = h.upload_keys(cls.server)
            assert status == 200, body
        plain = hearth("infer", "--model", MODEL, "--data", cls.alice.data, "--engine", "soft", "--json").stdout
        cls.plain = json.loads(plain)["plain_predictions"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_tritonclient_metadata(self):
        c = triton.InferenceServerClient(self.server.http)
        self.assertTrue(c.is_server_live())
        self.assertTrue(c.is_server_ready())
        self.assertIn("binary_tensor_data", c.get_server_metadata()["extensions"])
        m = c.get_model_metadata("breast_cancer", headers=self.alice.headers())
        self.assertEqual((m["inputs"][0]["name"], m["inputs"][0]["datatype"]), ("ciphertexts", "BYTES"))
        self.assertTrue(c.is_model_ready("breast_cancer", headers=self.alice.headers()))

    def test_tritonclient_binary_and_json(self):
        ct = self.alice.ct.read_bytes()
        for binary in (True, False):
            got = triton_infer(self.server, self.alice, ct, binary=binary)
            self.assertEqual(got, self.alice.reference, f"binary={binary}")
        self.assertEqual(self.alice.decrypt(got), self.plain)

    def test_kserve_rest_client(self):
        from kserve import InferenceRESTClient, InferInput, InferRequest, RESTConfig
        from kserve.protocol.infer_type import RequestedOutput

        async def run(binary):
            # Inputs in binary or JSON; outputs always as JSON (base64):
            # kserve's client turns binary BYTES outputs into UTF-8 text,
            # which a ciphertext is not.
            client = InferenceRESTClient(RESTConfig(protocol="v2", timeout=300))
            ct = self.bob.ct.read_bytes()
            data = ct if binary else base64.b64encode(ct).decode()
            inp = InferInput("ciphertexts", [1], "BYTES")
            inp.set_data_from_numpy(np.array([data], dtype=np.object_), binary_data=binary)
            out = RequestedOutput("logits", parameters={"binary_data": False})
            req = InferRequest(model_name="breast_cancer", infer_inputs=[inp],
                               request_id="k1", request_outputs=[out])
            r = await client.infer(self.server.url(), req, model_name="breast_cancer",
                                   headers=self.bob.headers())
            self.assertEqual(r.id, "k1")
            return base64.b64decode(r.outputs[0].data[0])

        for binary in (True, False):
            self.assertEqual(asyncio.run(run(binary)), self.bob.reference, f"binary={binary}")

    def test_bad_input_gets_4xx_and_the_server_keeps_serving(self):
        c = triton.InferenceServerClient(self.server.http)

        def refused(inputs, headers, status, text):
            with self.assertRaises(InferenceServerException) as e:
                c.infer("breast_cancer", inputs, headers=headers)
            self.assertEqual(e.exception.status(), str(status), e.exception.message())
            self.assertIn(text, e.exception.message())
            return e.exception.message()

        def bytes_input(value, binary):
            i = triton.InferInput("ciphertexts", [1], "BYTES")
            i.set_data_from_numpy(np.array([value], dtype=np.object_), binary_data=binary)
            return i

        a = self.alice.headers()
        refused([bytes_input("@@not base64@@", False)], a, 400, "not base64")
        f = triton.InferInput("ciphertexts", [1, 2], "FP32")
        f.set_data_from_numpy(np.zeros((1, 2), dtype=np.float32))
        refused([f], a, 400, "datatype FP32")
        refused([bytes_input(b"garbage", True)], a, 400, "")
        # Bob's ciphertext under alice's token: refused, naming no one.
        msg = refused([bytes_input(self.bob.ct.read_bytes(), True)], a, 422, "another key set")
        self.assertNotIn("bob", msg)
        refused([bytes_input(self.alice.ct.read_bytes(), True)], {}, 401, "token")
        refused([bytes_input(self.alice.ct.read_bytes(), True)],
                {"Authorization": "Bearer " + "0" * 64}, 401, "token")
        # Raw HTTP: a truncated binary body and an oversized announced body.
        ct = self.alice.ct.read_bytes()
        head = json.dumps({"inputs": [{"name": "ciphertexts", "shape": [1], "datatype": "BYTES",
                                       "parameters": {"binary_data_size": len(ct) + 4}}]}).encode()
        body = head + len(ct).to_bytes(4, "little") + ct[:-100]
        req = urllib.request.Request(f"{self.server.url()}/v2/models/breast_cancer/infer", data=body,
                                     headers={**a, "Inference-Header-Content-Length": str(len(head))})
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req)
        self.assertEqual(e.exception.code, 400)
        self.assertIn("truncated", json.loads(e.exception.read())["error"])
        status, body = put(f"{self.server.url()}/v2/tenants/alice/keys", self.alice.token, b"not keys")
        self.assertEqual(status, 400, body)
        # Still serving.
        self.assertEqual(triton_infer(self.server, self.alice, ct), self.alice.reference)


class Replicas(unittest.TestCase):
    def test_two_servers_over_one_store_and_a_kill(self):
        tmp = tempfile.mkdtemp(prefix="hearth-replicas-")
        store = Path(tmp) / "store.pmem"
        carol = Hospital(tmp, store, "carol")
        hearth("server", "model", "add", "breast_cancer", "--model", MODEL, "--store", store)
        a, b = Server(store), Server(store)
        try:
            status, body = carol.upload_keys(a)
            self.assertEqual(status, 200, body)
            # A tenant added while both run, keys uploaded through b.
            dave = Hospital(tmp, store, "dave")
            self.assertEqual(dave.upload_keys(b)[0], 200)
            ct = carol.ct.read_bytes()
            answers = [triton_infer(s, carol, ct) for s in (a, b, a, b)]
            answers.append(triton_infer(a, dave, dave.ct.read_bytes()))
            self.assertTrue(all(x == carol.reference for x in answers[:4]))
            self.assertEqual(answers[4], dave.reference)
            # kill -9 under load: acknowledged uploads survive.
            errors = []

            def load():
                for _ in range(3):
                    try:
                        triton_infer(a, carol, ct)
                    except Exception as e:  # the kill cuts some requests
                        errors.append(e)

            threads = [threading.Thread(target=load) for _ in range(3)]
            for t in threads:
                t.start()
            status, _ = carol.upload_keys(a)
            self.assertEqual(status, 200)
            a.stop(signal.SIGKILL)
            for t in threads:
                t.join()
            a = Server(store)
            self.assertEqual(triton_infer(a, carol, ct), carol.reference)
            self.assertEqual(triton_infer(a, dave, dave.ct.read_bytes()), dave.reference)
            verify = hearth("store", "verify", "--file", store)
            self.assertIn(", 0 corrupt", verify.stdout)
        finally:
            for s in (a, b):
                if s.proc.poll() is None:
                    s.stop()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
