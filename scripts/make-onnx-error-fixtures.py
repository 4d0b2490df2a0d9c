#!/usr/bin/env python3
"""Writes the ONNX models the importer must refuse, with the message the tests expect.

Deterministic; uses the versions pinned in scripts/requirements-fixtures.txt. Output:
Tests/ONNXTests/Fixtures/errors/*.onnx (+ external.bin for the external-data case).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "ONNXTests", "Fixtures", "errors")


def save(name, nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="boardbench-errors")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name + ".onnx"))


def x(shape):
    return helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)


def y(shape):
    return helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)


os.makedirs(OUT, exist_ok=True)

# Three unsupported op types (one used twice) and a supported op used in an unsupported way:
# the error must list all four, not stop at the first.
save(
    "unsupported_ops",
    [
        helper.make_node("Celu", ["x"], ["a"], name="celu_1"),
        helper.make_node("Celu", ["a"], ["b"], name="celu_2"),
        helper.make_node("Softplus", ["b"], ["c"], name="softplus_1"),
        helper.make_node("Resize", ["c", "", "scales"], ["d"], name="resize_cubic", mode="cubic"),
        helper.make_node("Hardmax", ["d"], ["y"], name="hardmax_1"),
    ],
    [x([1, 2, 4, 4])],
    [y([1, 2, 8, 8])],
    [numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales")],
)

# A symbolic batch dimension: compiling needs --input-shape.
save(
    "dynamic_input",
    [helper.make_node("Relu", ["x"], ["y"], name="relu")],
    [x(["batch", 3, 4, 4])],
    [y(["batch", 3, 4, 4])],
)

# Weights kept in a separate file.
w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "w")
graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "external", [x([1, 3])], [y([1, 4])], [w])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="boardbench-errors")
model.ir_version = 8
onnx.save(model, os.path.join(OUT, "external_data.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
          location="external.bin", size_threshold=0)
print("wrote", sorted(os.listdir(OUT)))
