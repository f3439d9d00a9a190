#!/usr/bin/env python3
"""Writes `tiny.onnx`, the small ONNX model of the file-workflow test
(`host-sim/tests/onnx_files.rs`): input [1, 8], Gemm 8->4, x*x, Gemm 4->3,
opset 13, weights from a fixed seed. Needs the `onnx` and `numpy` packages.

    python3 host-sim/tests/data/make_tiny_onnx.py host-sim/tests/data/tiny.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(8)
w1 = (rng.standard_normal((4, 8)) * 0.5).astype(np.float32)
b1 = (rng.standard_normal(4) * 0.1).astype(np.float32)
w2 = (rng.standard_normal((3, 4)) * 0.5).astype(np.float32)
b2 = (rng.standard_normal(3) * 0.1).astype(np.float32)
nodes = [
    helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1, name="dense1"),
    helper.make_node("Mul", ["h", "h"], ["s"], name="square"),
    helper.make_node("Gemm", ["s", "w2", "b2"], ["y"], transB=1, name="dense2"),
]
graph = helper.make_graph(
    nodes,
    "tiny",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
    [numpy_helper.from_array(a, n) for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
