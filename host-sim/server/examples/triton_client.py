"""A hospital calling `hearth server` with tritonclient[http] from PyPI.

The secret key never leaves the hospital: `hearth keygen` makes it,
`hearth encrypt` encrypts the CSV rows, and only the ciphertext file goes
to the server, as one BYTES element (binary tensor extension). The answer
is an encrypted-logits file that `hearth decrypt` opens.

    pip install 'tritonclient[http]'
    hearth keygen  --out sk.key --model m.safetensors --data rows.csv
    hearth encrypt --key sk.key --model m.safetensors --data rows.csv --out in.ct
    hearth client keys --url http://127.0.0.1:8080 --token $TOKEN --tenant st-marys --key sk.key
    python triton_client.py 127.0.0.1:8080 $TOKEN breast_cancer in.ct out.ct
    hearth decrypt --key sk.key --in out.ct
"""

import sys

import numpy as np
import tritonclient.http as triton


def main(url, token, model, inp, out):
    client = triton.InferenceServerClient(url, network_timeout=600.0)
    headers = {"Authorization": f"Bearer {token}"}
    print("server live:", client.is_server_live(), "model ready:",
          client.is_model_ready(model, headers=headers))
    tensor = triton.InferInput("ciphertexts", [1], "BYTES")
    tensor.set_data_from_numpy(np.array([open(inp, "rb").read()], dtype=np.object_))
    result = client.infer(model, [tensor], headers=headers,
                          outputs=[triton.InferRequestedOutput("logits", binary_data=True)])
    answer = result.as_numpy("logits")[0]
    with open(out, "wb") as f:
        f.write(answer)
    print(f"wrote {len(answer)} bytes of encrypted logits to {out}")


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit("usage: triton_client.py HOST:PORT TOKEN MODEL IN.ct OUT.ct")
    main(*sys.argv[1:])
