#!/usr/bin/env python3
"""Generate the golden ONNX fixtures that the BoardBench ONNX compiler is tested against.

Generated with (see scripts/requirements-fixtures.txt):
    onnx==1.23.2  onnxruntime==1.32.0  numpy==2.4.6  protobuf==7.36.2  (Python 3.11)

Usage:
    pip install -r scripts/requirements-fixtures.txt
    python3 scripts/make-onnx-fixtures.py                          # the golden fixtures
    python3 scripts/make-onnx-fixtures.py --benchmark-models DIR   # full-size networks for Benchmarks/

For every case this writes Tests/ONNXTests/Fixtures/golden/<case>/:
    model.onnx      one small model, weights random but seeded from the case name
    input_<i>.npy   float32, C order, one per graph input in graph order
    output_<i>.npy  ONNX Runtime's outputs (CPU provider, graph optimizations disabled),
                    one per graph output in graph order
and one golden/manifest.json describing all cases (schema in `write_manifest`).

Rules the cases follow, because the BoardBench compiler relies on them:
  * graph inputs and outputs are float32 tensors;
  * every int64 operand (shapes, indices, axes, pads, sizes, scales, ...) is an
    initializer or a Constant node, so the compiler can fold it at compile time;
  * a symbolic input dim comes with an `input_shape` string ("1x3x8x8") in the manifest,
    the value the compiler is given with `--input-shape`.

Re-running the script gives byte-identical files: each case seeds its own numpy
generator from a CRC of its name (adding a case does not change the others), ORT runs
single-threaded, and the golden directory is rebuilt from scratch.
"""

import json
import shutil
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "Tests" / "ONNXTests" / "Fixtures" / "golden"
INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


# ---------------------------------------------------------------------------
# A tiny graph builder: just enough to keep each case to a few readable lines.
# ---------------------------------------------------------------------------


class Case:
    """One fixture: a graph under construction plus the input data fed to ORT."""

    def __init__(self, name, opset, description):
        self.name = name
        self.opset = opset
        self.description = description
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes, self.initializers, self.inputs, self.outputs = [], [], [], []
        self.feeds = {}
        self.input_shape = None  # the --input-shape string, for models with a symbolic dim
        self.output_dims = {}  # declared output dims that differ from the concrete ones
        self._counter = {}

    def fresh(self, prefix):
        """A unique tensor or node name: prefix_0, prefix_1, ..."""
        n = self._counter.get(prefix, 0)
        self._counter[prefix] = n + 1
        return f"{prefix}_{n}"

    # Inputs ---------------------------------------------------------------

    def input(self, shape, name=None, dist="normal", dims=None):
        """A float32 graph input with seeded data.

        dist: "normal" (N(0,1)), "positive" (0.5..2, for Sqrt, Pow bases and divisors),
        "signed_away" (+-0.5..2, a divisor that may be negative), "exponent" (-2..2).
        dims: the declared dims when they differ from `shape` (symbolic batch).
        """
        name = name or self.fresh("x")
        shape = list(shape)
        if dist == "normal":
            data = self.rng.standard_normal(shape)
        elif dist == "positive":
            data = self.rng.uniform(0.5, 2.0, shape)
        elif dist == "signed_away":
            data = self.rng.uniform(0.5, 2.0, shape) * self.rng.choice([-1.0, 1.0], shape)
        elif dist == "exponent":
            data = self.rng.uniform(-2.0, 2.0, shape)
        else:
            raise ValueError(dist)
        self.feeds[name] = np.ascontiguousarray(data, dtype=np.float32)
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, dims or shape))
        return name

    # Initializers ---------------------------------------------------------

    def const(self, value, dtype=np.float32, name=None):
        """An initializer holding `value` exactly (float32 unless told otherwise)."""
        name = name or self.fresh("c")
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def ints(self, values, name=None):
        """An int64 initializer: shapes, axes, indices, pads, split sizes."""
        return self.const(values, np.int64, name)

    def randn(self, shape, scale=1.0, name=None):
        """A float32 initializer drawn from N(0, scale^2)."""
        return self.const(self.rng.standard_normal(shape) * scale, name=name or self.fresh("w"))

    def uniform(self, shape, low, high, name=None):
        return self.const(self.rng.uniform(low, high, shape), name=name or self.fresh("w"))

    # Nodes ------------------------------------------------------------------

    def op(self, op_type, inputs, n_out=1, out=None, **attrs):
        """Append a node; returns its output name (or list of names when n_out > 1)."""
        outs = out if out is not None else [self.fresh(op_type.lower()) for _ in range(n_out)]
        if isinstance(outs, str):
            outs = [outs]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=self.fresh(op_type), **attrs))
        return outs[0] if len(outs) == 1 else outs

    def constant(self, **attrs):
        """A Constant node (value=tensor, value_float=..., value_ints=...)."""
        return self.op("Constant", [], **attrs)

    def output(self, *names, dims=None):
        """Mark tensors as graph outputs; `dims` declares symbolic output dims."""
        for name in names:
            self.outputs.append(name)
            if dims is not None:
                self.output_dims[name] = dims

    # Assembly ---------------------------------------------------------------

    def model(self, output_shapes):
        """The finished ModelProto; output shapes come from a first ORT run."""
        outputs = [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, self.output_dims.get(n, shape))
            for n, shape in zip(self.outputs, output_shapes)
        ]
        graph = helper.make_graph(self.nodes, self.name, self.inputs, outputs, self.initializers)
        opset = [helper.make_opsetid("", self.opset)]
        model = helper.make_model(
            graph,
            opset_imports=opset,
            producer_name="boardbench-make-onnx-fixtures",
            # The oldest IR version that can carry this opset, so older readers load it too.
            ir_version=helper.find_min_ir_version_for(opset),
        )
        model.doc_string = self.description
        return model


def run_ort(model, feeds):
    """Reference outputs: CPU provider, no graph optimizations, one thread (deterministic)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


# ---------------------------------------------------------------------------
# Building blocks shared by several cases and the networks.
# ---------------------------------------------------------------------------


def conv(c, x, cin, cout, k, stride=1, pad=None, group=1, bias=True, **attrs):
    """Conv with He-initialized weights (so deep networks neither explode nor vanish)."""
    std = np.sqrt(2.0 / (cin // group * k * k))
    w = c.randn([cout, cin // group, k, k], std)
    inputs = [x, w] + ([c.randn([cout], 0.1)] if bias else [])
    pad = k // 2 if pad is None else pad
    return c.op("Conv", inputs, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group, **attrs)


def batchnorm(c, x, channels):
    """BatchNormalization with plausible running statistics."""
    scale = c.uniform([channels], 0.5, 1.5)
    bias = c.randn([channels], 0.1)
    mean = c.randn([channels], 0.1)
    var = c.uniform([channels], 0.5, 1.5)
    return c.op("BatchNormalization", [x, scale, bias, mean, var], epsilon=1e-5)


def relu6(c, x):
    """ReLU6 as PyTorch exports it: Clip with min/max Constant inputs."""
    lo = c.constant(value=numpy_helper.from_array(np.array(0.0, np.float32)))
    hi = c.constant(value=numpy_helper.from_array(np.array(6.0, np.float32)))
    return c.op("Clip", [x, lo, hi])


def exported_flatten(c, x):
    """x.view(x.size(0), -1) as torch.onnx exports it (opset 13: Unsqueeze takes axes as input)."""
    shape = c.op("Shape", [x])
    batch = c.op("Gather", [shape, c.ints(0)], axis=0)
    if c.opset >= 13:
        batch = c.op("Unsqueeze", [batch, c.ints([0])])
    else:
        batch = c.op("Unsqueeze", [batch], axes=[0])
    target = c.op("Concat", [batch, c.ints([-1])], axis=0)
    return c.op("Reshape", [x, target])


def gemm_head(c, x, features, classes):
    """nn.Linear as exported: Gemm with transB=1."""
    return c.op("Gemm", [x, c.randn([classes, features], 1 / np.sqrt(features)), c.randn([classes], 0.1)], transB=1)


def erf_gelu(c, x):
    """GELU as torch.onnx exports it before opset 20: x * 0.5 * (1 + erf(x / sqrt(2)))."""
    e = c.op("Erf", [c.op("Div", [x, c.const(np.sqrt(2.0))])])
    return c.op("Mul", [c.op("Mul", [x, c.op("Add", [e, c.const(1.0)])]), c.const(0.5)])


# ---------------------------------------------------------------------------
# The cases. Each function builds one Case; CASES lists them in manifest order.
# ---------------------------------------------------------------------------

CASES = []


def case(name, opset, description):
    """Register a case builder: the decorated function fills in a fresh Case."""

    def register(build):
        def make():
            c = Case(name, opset, description)
            build(c)
            return c

        CASES.append(make)
        return build

    return register


def simple(name, opset, description, op_type, shape, dist="normal", **attrs):
    """A case that is one node applied to one input."""

    @case(name, opset, description)
    def _(c):
        c.output(c.op(op_type, [c.input(shape, dist=dist)], **attrs))


# Conv ------------------------------------------------------------------------


def conv_case(name, description, x_shape, w_shape, bias=True, **attrs):
    @case(name, 13, description)
    def _(c):
        inputs = [c.input(x_shape), c.randn(w_shape, 0.3)] + ([c.randn([w_shape[0]], 0.1)] if bias else [])
        c.output(c.op("Conv", inputs, **attrs))


conv_case("conv_3x3_bias", "3x3, pad 1, with bias", [1, 3, 8, 8], [4, 3, 3, 3], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
conv_case("conv_3x3_nobias", "3x3, pad 1, no bias input", [1, 3, 8, 8], [4, 3, 3, 3], bias=False, pads=[1, 1, 1, 1])
conv_case(
    "conv_stride2",
    "3x3, stride 2, pad 1",
    [1, 3, 9, 9],
    [4, 3, 3, 3],
    kernel_shape=[3, 3],
    strides=[2, 2],
    pads=[1, 1, 1, 1],
)
conv_case(
    "conv_dilation2",
    "3x3, dilation 2, pad 2",
    [1, 3, 8, 8],
    [4, 3, 3, 3],
    kernel_shape=[3, 3],
    dilations=[2, 2],
    pads=[2, 2, 2, 2],
)
conv_case(
    "conv_asymmetric_pads",
    "3x3, pads [top 0, left 1, bottom 2, right 1]",
    [1, 3, 6, 7],
    [4, 3, 3, 3],
    pads=[0, 1, 2, 1],
)
conv_case(
    "conv_same_upper",
    "auto_pad SAME_UPPER, stride 2 (odd total pad, extra at the end)",
    [1, 3, 8, 8],
    [4, 3, 3, 3],
    kernel_shape=[3, 3],
    strides=[2, 2],
    auto_pad="SAME_UPPER",
)
conv_case(
    "conv_same_lower",
    "auto_pad SAME_LOWER, stride 2 (odd total pad, extra at the start)",
    [1, 3, 8, 8],
    [4, 3, 3, 3],
    kernel_shape=[3, 3],
    strides=[2, 2],
    auto_pad="SAME_LOWER",
)
conv_case("conv_valid", "auto_pad VALID, no padding", [1, 3, 7, 7], [4, 3, 3, 3], kernel_shape=[3, 3], auto_pad="VALID")
conv_case("conv_group2", "group=2: 4 in, 6 out channels", [1, 4, 6, 6], [6, 2, 3, 3], group=2, pads=[1, 1, 1, 1])
conv_case(
    "conv_depthwise", "depthwise 3x3: group = channels = 4", [1, 4, 6, 6], [4, 1, 3, 3], group=4, pads=[1, 1, 1, 1]
)
conv_case(
    "conv_depthwise_multiplier2",
    "depthwise with channel multiplier 2: group 4, 8 out",
    [1, 4, 6, 6],
    [8, 1, 3, 3],
    group=4,
    pads=[1, 1, 1, 1],
)
conv_case("conv_1x1", "pointwise 1x1", [1, 6, 5, 5], [4, 6, 1, 1], kernel_shape=[1, 1])
conv_case(
    "conv_depthwise_5x5_stride2",
    "depthwise 5x5, stride 2, pad 2",
    [1, 4, 9, 9],
    [4, 1, 5, 5],
    group=4,
    strides=[2, 2],
    pads=[2, 2, 2, 2],
)
conv_case(
    "conv_depthwise_7x7_stride2",
    "depthwise 7x7, stride 2, pad 3",
    [1, 4, 10, 10],
    [4, 1, 7, 7],
    group=4,
    strides=[2, 2],
    pads=[3, 3, 3, 3],
)


# ConvTranspose ---------------------------------------------------------------


def convtranspose_case(name, description, x_shape, w_shape, group=1, bias=True, **attrs):
    @case(name, 13, description)
    def _(c):
        out_channels = w_shape[1] * group
        inputs = [c.input(x_shape), c.randn(w_shape, 0.3)] + ([c.randn([out_channels], 0.1)] if bias else [])
        c.output(c.op("ConvTranspose", inputs, group=group, **attrs))


convtranspose_case(
    "convtranspose_stride2", "3x3 stride 2, no pads, with bias", [1, 4, 4, 4], [4, 3, 3, 3], strides=[2, 2]
)
convtranspose_case(
    "convtranspose_pads",
    "3x3 stride 2, pads 1, no bias",
    [1, 4, 4, 4],
    [4, 3, 3, 3],
    bias=False,
    strides=[2, 2],
    pads=[1, 1, 1, 1],
)
convtranspose_case(
    "convtranspose_output_padding",
    "3x3 stride 2, pads 1, output_padding 1 (the usual 2x upsample)",
    [1, 4, 4, 4],
    [4, 3, 3, 3],
    strides=[2, 2],
    pads=[1, 1, 1, 1],
    output_padding=[1, 1],
)
convtranspose_case(
    "convtranspose_group",
    "group 2, 4x4 kernel stride 2 pads 1",
    [1, 4, 3, 3],
    [4, 2, 4, 4],
    group=2,
    strides=[2, 2],
    pads=[1, 1, 1, 1],
)


# BatchNormalization ----------------------------------------------------------


@case("batchnormalization_standalone", 15, "BatchNormalization on a graph input (nothing to fold into)")
def _(c):
    c.output(batchnorm(c, c.input([2, 4, 3, 5]), 4))


@case("batchnormalization_after_conv", 15, "Conv then BatchNormalization, as exporters emit; foldable into the conv")
def _(c):
    c.output(batchnorm(c, conv(c, c.input([1, 3, 6, 6]), 3, 4, 3), 4))


# Activations -------------------------------------------------------------------

simple("relu_basic", 14, "Relu", "Relu", [2, 3, 4, 4])


@case("clip_min_max", 11, "Clip with min 0 and max 6 as Constant-node inputs (opset 11 form)")
def _(c):
    c.output(relu6(c, c.op("Mul", [c.input([1, 3, 4, 4]), c.const(4.0)])))


@case("clip_max_only", 13, "Clip with only max (initializer), min input left empty")
def _(c):
    c.output(c.op("Clip", [c.input([1, 3, 4, 4]), "", c.const(0.5)]))


@case("clip_min_only", 13, "Clip with only min (initializer)")
def _(c):
    c.output(c.op("Clip", [c.input([1, 3, 4, 4]), c.const(-0.25)]))


simple("clip_none", 13, "Clip with neither min nor max: identity", "Clip", [1, 3, 4, 4])


@case("clip_folded_max_only", 13, "Clip of constants with only max (min left empty), folded at compile time, then added to the input")
def _(c):
    k = c.op("Clip", [c.const([-3.0, -1.0, 1.0, 3.0]), "", c.const(2.0)])
    c.output(c.op("Add", [c.input([1, 4]), k]))
simple("leakyrelu_alpha", 13, "LeakyRelu alpha 0.1", "LeakyRelu", [1, 3, 4, 4], alpha=0.1)
simple(
    "hardsigmoid_alpha_beta",
    13,
    "HardSigmoid with non-default alpha 0.25, beta 0.4",
    "HardSigmoid",
    [1, 3, 4, 4],
    alpha=0.25,
    beta=0.4,
)
simple("hardswish_basic", 14, "HardSwish (opset 14)", "HardSwish", [1, 3, 4, 4])
simple("sigmoid_basic", 13, "Sigmoid", "Sigmoid", [1, 3, 4, 4])
simple("tanh_basic", 13, "Tanh", "Tanh", [1, 3, 4, 4])
simple("gelu_none", 20, "Gelu (opset 20), approximate absent = 'none' (erf form)", "Gelu", [2, 3, 8])
simple("gelu_tanh", 20, "Gelu (opset 20), approximate = 'tanh'", "Gelu", [2, 3, 8], approximate="tanh")
simple("erf_basic", 13, "Erf", "Erf", [2, 3, 8])


@case("erf_gelu_pattern", 13, "GELU as exported before opset 20: x * 0.5 * (1 + erf(x / sqrt(2)))")
def _(c):
    c.output(erf_gelu(c, c.input([2, 3, 8])))


simple("sqrt_basic", 13, "Sqrt of positive inputs", "Sqrt", [1, 3, 4, 4], dist="positive")
simple("identity_basic", 14, "Identity", "Identity", [2, 3, 4])


@case("dropout_inference", 13, "Dropout (opset 13) with a ratio input, no training_mode: identity at inference")
def _(c):
    c.output(c.op("Dropout", [c.input([2, 3, 4]), c.const(0.5)]))


# Broadcasting binary ops -----------------------------------------------------

# Operand distributions that keep every result finite: positive Pow bases, exponents
# in [-2, 2], divisors away from zero.
RIGHT_DIST = {"Add": "normal", "Sub": "normal", "Mul": "normal", "Div": "signed_away", "Pow": "exponent"}
LEFT_DIST = {"Pow": "positive"}
SCALAR = {"Add": 0.75, "Sub": 0.75, "Mul": -1.5, "Div": 4.0, "Pow": 2.0}


def binary_cases(op_type):
    lower = op_type.lower()
    left_dist = LEFT_DIST.get(op_type, "normal")
    right_dist = RIGHT_DIST[op_type]

    @case(f"{lower}_same_shape", 13, f"{op_type} of two runtime inputs of the same shape")
    def _(c):
        c.output(c.op(op_type, [c.input([1, 3, 4, 4], dist=left_dist), c.input([1, 3, 4, 4], dist=right_dist)]))

    @case(f"{lower}_channel_constant", 13, f"{op_type}: NCHW input with a [C,1,1] constant (per-channel)")
    def _(c):
        x = c.input([1, 3, 4, 4], dist=left_dist)
        if right_dist == "signed_away":
            k = c.const(c.rng.uniform(0.5, 2.0, [3, 1, 1]) * np.array([1, -1, 1]).reshape(3, 1, 1))
        elif right_dist == "exponent":
            k = c.uniform([3, 1, 1], -2.0, 2.0)
        else:
            k = c.randn([3, 1, 1])
        c.output(c.op(op_type, [x, k]))

    @case(
        f"{lower}_scalar_constant",
        13,
        f"{op_type} with a 0-d constant ({'on the left' if op_type == 'Sub' else 'on the right'})",
    )
    def _(c):
        x = c.input([1, 3, 4, 4], dist=left_dist)
        s = c.const(SCALAR[op_type])
        # Sub puts the scalar first (1 - x style) so the non-commutative order is exercised.
        c.output(c.op(op_type, [s, x] if op_type == "Sub" else [x, s]))

    @case(f"{lower}_rank_broadcast", 13, f"{op_type}: [1,3,1,5] with [4,1,1,2,1] -> [4,1,3,2,5], both broadcast")
    def _(c):
        a = c.input([1, 3, 1, 5], dist=left_dist)
        b = c.input([4, 1, 1, 2, 1], dist=right_dist)
        c.output(c.op(op_type, [a, b]))

    @case(f"{lower}_rank_broadcast_reversed", 13, f"{op_type}: [4,1,1,2,1] with [1,3,1,5] (higher rank on the left)")
    def _(c):
        a = c.input([4, 1, 1, 2, 1], dist=left_dist)
        b = c.input([1, 3, 1, 5], dist=right_dist)
        c.output(c.op(op_type, [a, b]))


for _op in ["Add", "Sub", "Mul", "Div", "Pow"]:
    binary_cases(_op)


# Pooling ---------------------------------------------------------------------

simple("globalaveragepool_basic", 13, "GlobalAveragePool on a non-square map", "GlobalAveragePool", [1, 4, 5, 7])
simple(
    "averagepool_2x2_stride2",
    11,
    "AveragePool 2x2 stride 2",
    "AveragePool",
    [1, 2, 6, 6],
    kernel_shape=[2, 2],
    strides=[2, 2],
)
simple(
    "averagepool_pads_count_include_pad0",
    11,
    "AveragePool 3x3 pads 1, padding not counted (count_include_pad 0)",
    "AveragePool",
    [1, 2, 5, 5],
    kernel_shape=[3, 3],
    pads=[1, 1, 1, 1],
    count_include_pad=0,
)
simple(
    "averagepool_pads_count_include_pad1",
    11,
    "AveragePool 3x3 pads 1, padding counted (count_include_pad 1)",
    "AveragePool",
    [1, 2, 5, 5],
    kernel_shape=[3, 3],
    pads=[1, 1, 1, 1],
    count_include_pad=1,
)
simple(
    "averagepool_ceil_mode",
    11,
    "AveragePool 3x3 stride 2 ceil_mode 1: the last window hangs off the edge",
    "AveragePool",
    [1, 2, 8, 8],
    kernel_shape=[3, 3],
    strides=[2, 2],
    ceil_mode=1,
)
simple(
    "averagepool_ceil_mode_pads_count_include_pad1",
    11,
    "AveragePool 3x3 stride 2 pads 1 ceil_mode 1 count_include_pad 1 (ORT's divisor at the ragged edge)",
    "AveragePool",
    [1, 2, 8, 8],
    kernel_shape=[3, 3],
    strides=[2, 2],
    pads=[1, 1, 1, 1],
    ceil_mode=1,
    count_include_pad=1,
)
simple(
    "maxpool_pads", 12, "MaxPool 3x3 stride 1 pads 1", "MaxPool", [1, 2, 5, 5], kernel_shape=[3, 3], pads=[1, 1, 1, 1]
)
simple("maxpool_strides", 12, "MaxPool 2x2 stride 2", "MaxPool", [1, 2, 6, 6], kernel_shape=[2, 2], strides=[2, 2])
simple(
    "maxpool_3x3_stride2_pad1",
    12,
    "MaxPool 3x3 stride 2 pad 1 (ResNet stem)",
    "MaxPool",
    [1, 2, 8, 8],
    kernel_shape=[3, 3],
    strides=[2, 2],
    pads=[1, 1, 1, 1],
)
simple(
    "maxpool_ceil_mode",
    12,
    "MaxPool 3x3 stride 2 ceil_mode 1",
    "MaxPool",
    [1, 2, 8, 8],
    kernel_shape=[3, 3],
    strides=[2, 2],
    ceil_mode=1,
)
simple(
    "maxpool_dilations",
    12,
    "MaxPool 2x2 dilation 2 stride 1",
    "MaxPool",
    [1, 2, 7, 7],
    kernel_shape=[2, 2],
    dilations=[2, 2],
)
simple(
    "maxpool_asymmetric_pads",
    12,
    "MaxPool 2x2 stride 2 pads [0,0,1,1] (TF-style SAME)",
    "MaxPool",
    [1, 2, 5, 5],
    kernel_shape=[2, 2],
    strides=[2, 2],
    pads=[0, 0, 1, 1],
)


# Resize ----------------------------------------------------------------------


def resize_case(name, opset, description, x_shape, scales=None, sizes=None, roi=None, axes=None, **attrs):
    """Resize with constant scales or sizes (never both), in the input layout of its opset.

    Opset 11 requires roi and (when sizes are given) an empty scales tensor; opset 13+
    leaves unused inputs as empty names.
    """

    @case(name, opset, description)
    def _(c):
        x = c.input(x_shape)
        if opset < 13:
            roi_in = c.const(roi if roi is not None else np.zeros([0]))
            scales_in = c.const(scales if scales is not None else np.zeros([0]))
        else:
            roi_in = c.const(roi) if roi is not None else ""
            scales_in = c.const(scales) if scales is not None else ""
        inputs = [x, roi_in, scales_in] + ([c.ints(sizes)] if sizes is not None else [])
        extra = {"axes": axes} if axes is not None else {}
        c.output(c.op("Resize", inputs, **extra, **attrs))


X4 = [1, 2, 4, 4]
resize_case(
    "resize_nearest_scales_opset11",
    11,
    "opset 11: nearest x2 with scales (and the required empty roi)",
    X4,
    scales=[1, 1, 2, 2],
    mode="nearest",
)
resize_case(
    "resize_nearest_sizes_opset11",
    11,
    "opset 11: nearest to sizes 7x3 (empty scales tensor)",
    X4,
    sizes=[1, 2, 7, 3],
    mode="nearest",
)
resize_case(
    "resize_linear_scales_opset11",
    11,
    "opset 11: linear x2 with scales, half_pixel",
    X4,
    scales=[1, 1, 2, 2],
    mode="linear",
)

# Every nearest_mode. asymmetric x2 maps odd outputs to exactly .5, and half_pixel x0.5 maps
# every output to 2i+0.5, so each rounding rule is visible both upscaling and downscaling.
for _mode in ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]:
    resize_case(
        f"resize_nearest_{_mode}_up",
        13,
        f"nearest_mode {_mode}, asymmetric x2 (ties at .5)",
        X4,
        scales=[1, 1, 2, 2],
        mode="nearest",
        nearest_mode=_mode,
        coordinate_transformation_mode="asymmetric",
    )
    resize_case(
        f"resize_nearest_{_mode}_down",
        13,
        f"nearest_mode {_mode}, half_pixel x0.5 (ties at .5)",
        [1, 2, 8, 8],
        scales=[1, 1, 0.5, 0.5],
        mode="nearest",
        nearest_mode=_mode,
    )

resize_case(
    "resize_nearest_sizes",
    13,
    "nearest (defaults: half_pixel, round_prefer_floor) to sizes 6x3",
    X4,
    sizes=[1, 2, 6, 3],
    mode="nearest",
)
# tf_half_pixel_for_nearest (Resize-11 only; dropped from the opset 13 spec) is refused by
# ORT 1.32 at every opset ("coordinate_transform_mode:[tf_half_pixel_for_nearest] is not
# supported"), so there is no reference for it: listed in the manifest's "skipped" instead.
SKIPPED = [
    {
        "case": "resize_nearest_tf_half_pixel_for_nearest",
        "reason": "onnxruntime 1.32 refuses coordinate_transformation_mode tf_half_pixel_for_nearest (opset 11 and 13)",
    },
]
resize_case(
    "resize_nearest_align_corners",
    13,
    "nearest with align_corners to sizes 7x3",
    X4,
    sizes=[1, 2, 7, 3],
    mode="nearest",
    coordinate_transformation_mode="align_corners",
)

resize_case("resize_linear_half_pixel_up", 13, "linear half_pixel x2", X4, scales=[1, 1, 2, 2], mode="linear")
resize_case(
    "resize_linear_half_pixel_down",
    13,
    "linear half_pixel x0.6 on 5x5 (non-integer downscale)",
    [1, 2, 5, 5],
    scales=[1, 1, 0.6, 0.6],
    mode="linear",
    coordinate_transformation_mode="half_pixel",
)
resize_case(
    "resize_linear_half_pixel_symmetric",
    19,
    "linear half_pixel_symmetric (opset 19), x1.5 and x0.75",
    X4,
    scales=[1, 1, 1.5, 0.75],
    mode="linear",
    coordinate_transformation_mode="half_pixel_symmetric",
)
resize_case(
    "resize_linear_pytorch_half_pixel",
    13,
    "linear pytorch_half_pixel to sizes 1x6 (an output length of 1 samples 0)",
    X4,
    sizes=[1, 2, 1, 6],
    mode="linear",
    coordinate_transformation_mode="pytorch_half_pixel",
)
resize_case(
    "resize_linear_align_corners",
    13,
    "linear align_corners to sizes 7x3 (up one axis, down the other)",
    X4,
    sizes=[1, 2, 7, 3],
    mode="linear",
    coordinate_transformation_mode="align_corners",
)
resize_case(
    "resize_linear_asymmetric",
    13,
    "linear asymmetric x1.5 and x0.75",
    X4,
    scales=[1, 1, 1.5, 0.75],
    mode="linear",
    coordinate_transformation_mode="asymmetric",
)
resize_case(
    "resize_linear_tf_crop_and_resize",
    13,
    "linear tf_crop_and_resize with a roi partly outside the image, extrapolation_value -1, to sizes 5x5",
    X4,
    sizes=[1, 2, 5, 5],
    roi=[0, 0, -0.1, 0.1, 1, 1, 0.8, 1.2],
    mode="linear",
    coordinate_transformation_mode="tf_crop_and_resize",
    extrapolation_value=-1.0,
)
resize_case(
    "resize_nearest_tf_crop_and_resize",
    13,
    "nearest tf_crop_and_resize with an inner roi, to sizes 3x5",
    X4,
    sizes=[1, 2, 3, 5],
    roi=[0, 0, 0.25, 0.0, 1, 1, 0.75, 1.0],
    mode="nearest",
    coordinate_transformation_mode="tf_crop_and_resize",
)
resize_case(
    "resize_nearest_scales_opset18",
    18,
    "opset 18: nearest with scales for axes [2, 3] only",
    X4,
    scales=[2, 3],
    axes=[2, 3],
    mode="nearest",
)
resize_case(
    "resize_linear_sizes_opset18",
    18,
    "opset 18: linear to full sizes 3x6 (antialias off)",
    X4,
    sizes=[1, 2, 3, 6],
    mode="linear",
)


# Tensor plumbing -------------------------------------------------------------


@case("concat_axis1", 13, "Concat along channels of two inputs and a constant")
def _(c):
    c.output(c.op("Concat", [c.input([1, 2, 3, 3]), c.randn([1, 1, 3, 3]), c.input([1, 3, 3, 3])], axis=1))


@case("concat_negative_axis", 13, "Concat with axis -1")
def _(c):
    c.output(c.op("Concat", [c.input([2, 3, 2]), c.input([2, 3, 4])], axis=-1))


@case("split_opset11_attr", 11, "opset 11: Split sizes as the `split` attribute [1, 3] on axis 1")
def _(c):
    c.output(*c.op("Split", [c.input([1, 4, 3, 3])], n_out=2, axis=1, split=[1, 3]))


@case("split_opset13_input", 13, "opset 13: Split sizes as an int64 input [2, 1, 1] on axis 1")
def _(c):
    c.output(*c.op("Split", [c.input([1, 4, 3, 3]), c.ints([2, 1, 1])], n_out=3, axis=1))


@case("split_equal", 13, "Split into 3 equal parts along axis -1, no sizes")
def _(c):
    c.output(*c.op("Split", [c.input([1, 2, 3, 6])], n_out=3, axis=-1))


@case("split_opset18_num_outputs", 18, "opset 18: num_outputs 3 on a length-7 axis -> 3, 3, 1")
def _(c):
    c.output(*c.op("Split", [c.input([2, 7])], n_out=3, axis=1, num_outputs=3))


@case("slice_starts_ends_axes", 13, "Slice with starts/ends/axes, steps absent")
def _(c):
    c.output(c.op("Slice", [c.input([1, 3, 6, 6]), c.ints([1, 0]), c.ints([3, 4]), c.ints([2, 3])]))


@case("slice_no_axes", 13, "Slice with only starts/ends (all leading axes)")
def _(c):
    c.output(c.op("Slice", [c.input([3, 4, 5]), c.ints([1, 1, 0]), c.ints([3, 3, 4])]))


@case("slice_negative_indices", 13, "Slice with negative starts/ends and negative axes")
def _(c):
    c.output(c.op("Slice", [c.input([2, 3, 6]), c.ints([-4, -2]), c.ints([-1, 100]), c.ints([-1, 1])]))


@case("slice_negative_steps", 13, "Slice reversed: starts -1 ends INT64_MIN step -1, and step -2 from 4 down to 0")
def _(c):
    x = c.input([1, 2, 5, 6])
    c.output(c.op("Slice", [x, c.ints([-1, 4]), c.ints([INT64_MIN, 0]), c.ints([2, 3]), c.ints([-1, -2])]))


@case("slice_ends_int64_max", 13, "Slice to the end with ends = INT64_MAX, step 2")
def _(c):
    c.output(c.op("Slice", [c.input([1, 7, 4]), c.ints([1]), c.ints([INT64_MAX]), c.ints([1]), c.ints([2])]))


@case("reshape_basic", 14, "Reshape [2,3,4] -> [4,6]")
def _(c):
    c.output(c.op("Reshape", [c.input([2, 3, 4]), c.ints([4, 6])]))


@case("reshape_zero_and_minus1", 14, "Reshape with 0 (copy dim) and -1 (infer): [2,3,4] -> [0,-1,2] = [2,6,2]")
def _(c):
    c.output(c.op("Reshape", [c.input([2, 3, 4]), c.ints([0, -1, 2])]))


for _axis in [0, 1, 3]:
    simple(f"flatten_axis{_axis}", 13, f"Flatten axis {_axis} of [2,3,4,5]", "Flatten", [2, 3, 4, 5], axis=_axis)
simple("transpose_default_perm", 13, "Transpose without perm: reverses the axes", "Transpose", [2, 3, 4])
simple("transpose_perm", 13, "Transpose NCHW -> NHWC, perm [0,2,3,1]", "Transpose", [1, 3, 4, 5], perm=[0, 2, 3, 1])
simple("squeeze_opset11_attr", 11, "opset 11: Squeeze axes [1, -1] as attribute", "Squeeze", [2, 1, 3, 1], axes=[1, -1])
simple("squeeze_no_axes", 13, "Squeeze without axes: drops every 1", "Squeeze", [1, 3, 1, 2])
simple("unsqueeze_opset11_attr", 11, "opset 11: Unsqueeze axes [0, 3] as attribute", "Unsqueeze", [3, 4], axes=[0, 3])


@case("squeeze_opset13_input", 13, "opset 13: Squeeze axes [1, -1] as an int64 input")
def _(c):
    c.output(c.op("Squeeze", [c.input([2, 1, 3, 1]), c.ints([1, -1])]))


@case("unsqueeze_opset13_input", 13, "opset 13: Unsqueeze axes [-1, 1] as an int64 input")
def _(c):
    c.output(c.op("Unsqueeze", [c.input([3, 4]), c.ints([-1, 1])]))


@case(
    "shape_flatten_chain_opset11",
    11,
    "x.view(x.size(0), -1) as exported: Shape->Gather->Unsqueeze(attr)->Concat->Reshape",
)
def _(c):
    c.output(exported_flatten(c, c.input([2, 3, 2, 2])))


@case(
    "shape_flatten_chain_opset13",
    13,
    "x.view(x.size(0), -1) as exported: Shape->Gather->Unsqueeze(input)->Concat->Reshape",
)
def _(c):
    c.output(exported_flatten(c, c.input([2, 3, 2, 2])))


@case("cast_float_to_float", 13, "Cast float32 -> float32 (a no-op)")
def _(c):
    c.output(c.op("Cast", [c.input([2, 3, 4])], to=TensorProto.FLOAT))


@case(
    "cast_int64_chain",
    13,
    "Foldable int chains: Shape->Gather->Cast(float) divisor, and Constant->Cast(int32)->Cast(int64) shape",
)
def _(c):
    x = c.input([2, 3, 4])
    width = c.op("Cast", [c.op("Gather", [c.op("Shape", [x]), c.ints(2)], axis=0)], to=TensorProto.FLOAT)
    scaled = c.op("Div", [x, width])
    shape = c.op("Cast", [c.op("Cast", [c.ints([0, -1])], to=TensorProto.INT32)], to=TensorProto.INT64)
    c.output(c.op("Reshape", [scaled, shape]))


@case("gather_axis0_scalar", 13, "Gather axis 0 with a scalar index (drops the axis)")
def _(c):
    c.output(c.op("Gather", [c.input([5, 4]), c.ints(2)], axis=0))


@case("gather_axis0_vector", 13, "Gather axis 0 with a vector index, repeats allowed")
def _(c):
    c.output(c.op("Gather", [c.input([5, 4]), c.ints([0, 3, 3])], axis=0))


@case("gather_axis1_matrix", 13, "Gather axis 1 with 2-D indices [[0,4],[1,2]]: [2,5,3] -> [2,2,2,3]")
def _(c):
    c.output(c.op("Gather", [c.input([2, 5, 3]), c.ints([[0, 4], [1, 2]])], axis=1))


@case("gather_axis1_negative", 13, "Gather axis 1 with negative indices [-1, 0] and a negative scalar index -2")
def _(c):
    x = c.input([2, 5, 3])
    c.output(c.op("Gather", [x, c.ints([-1, 0])], axis=1), c.op("Gather", [x, c.ints(-2)], axis=1))


@case("constant_value_tensor", 13, "Constant node with a tensor `value`, added per channel")
def _(c):
    k = c.constant(value=numpy_helper.from_array(c.rng.standard_normal([1, 3, 1, 1]).astype(np.float32)))
    c.output(c.op("Add", [c.input([1, 3, 2, 2]), k]))


@case("constant_value_float", 13, "Constant node with value_float 2.5")
def _(c):
    c.output(c.op("Mul", [c.input([1, 3, 2, 2]), c.constant(value_float=2.5)]))


@case("constant_value_ints", 13, "Constant node with value_ints [1, 12] used as a Reshape shape")
def _(c):
    c.output(c.op("Reshape", [c.input([1, 3, 2, 2]), c.constant(value_ints=[1, 12])]))


@case("constantofshape_basic", 13, "ConstantOfShape(Shape(x)) with value 0.75, added to x")
def _(c):
    x = c.input([1, 3, 2, 2])
    fill = c.op("ConstantOfShape", [c.op("Shape", [x])], value=numpy_helper.from_array(np.array([0.75], np.float32)))
    c.output(c.op("Add", [x, fill]))


@case("expand_constant", 13, "Expand of a constant [3,1] to [2,3,4] (foldable), then Add")
def _(c):
    c.output(c.op("Add", [c.input([2, 3, 4]), c.op("Expand", [c.randn([3, 1]), c.ints([2, 3, 4])])]))


@case("expand_runtime", 13, "Expand of a runtime [1,4,1] to shape [3,1,1,5] -> [3,1,4,5] (bidirectional broadcast)")
def _(c):
    c.output(c.op("Expand", [c.input([1, 4, 1]), c.ints([3, 1, 1, 5])]))


@case("where_equal_range_fold", 13, "Foldable subgraph: Range(0, C) == 2 -> Where(10, 1) -> Reshape [1,C,1,1] -> Mul x")
def _(c):
    x = c.input([1, 4, 2, 2])
    channels = c.op("Gather", [c.op("Shape", [x]), c.ints(1)], axis=0)
    index = c.op("Range", [c.ints(0), channels, c.ints(1)])
    weight = c.op("Where", [c.op("Equal", [index, c.ints(2)]), c.const(10.0), c.const(1.0)])
    c.output(c.op("Mul", [x, c.op("Reshape", [weight, c.ints([1, -1, 1, 1])])]))


@case("where_expand_pattern", 13, "x.expand(2, -1, -1) as exported: Where(Equal(shape, -1), 1, shape) -> Expand")
def _(c):
    x = c.input([1, 3, 4])
    shape = c.ints([2, -1, -1])
    target = c.op("Where", [c.op("Equal", [shape, c.ints([-1, -1, -1])]), c.ints([1, 1, 1]), shape])
    c.output(c.op("Expand", [x, target]))


# MatMul / Gemm -----------------------------------------------------------------


@case("matmul_2d_constant", 13, "MatMul [3,8] x constant [8,5]")
def _(c):
    c.output(c.op("MatMul", [c.input([3, 8]), c.randn([8, 5])]))


@case("matmul_3d_x_2d_constant", 13, "MatMul batched [2,3,8] x constant [8,4]")
def _(c):
    c.output(c.op("MatMul", [c.input([2, 3, 8]), c.randn([8, 4])]))


@case("matmul_batched_runtime", 13, "attention scores: Q [2,4,8] x Transpose(K [2,4,8]) -> [2,4,4], both runtime")
def _(c):
    q, k = c.input([2, 4, 8]), c.input([2, 4, 8])
    c.output(c.op("MatMul", [q, c.op("Transpose", [k], perm=[0, 2, 1])]))


@case("matmul_4d", 13, "MatMul [1,2,5,8] x [1,2,8,5], both runtime")
def _(c):
    c.output(c.op("MatMul", [c.input([1, 2, 5, 8]), c.input([1, 2, 8, 5])]))


@case("matmul_rank_broadcast", 13, "MatMul [2,1,3,4] x [5,4,2] -> [2,5,3,2]: batch dims broadcast across ranks")
def _(c):
    c.output(c.op("MatMul", [c.input([2, 1, 3, 4]), c.input([5, 4, 2])]))


@case("gemm_transb_bias", 13, "Gemm transB=1 with C [N] (nn.Linear)")
def _(c):
    c.output(c.op("Gemm", [c.input([2, 8]), c.randn([5, 8]), c.randn([5])], transB=1))


@case("gemm_transa_alpha_beta", 13, "Gemm transA=1, alpha 0.5, beta 2, C [N] broadcast")
def _(c):
    c.output(c.op("Gemm", [c.input([8, 2]), c.randn([8, 5]), c.randn([5])], transA=1, alpha=0.5, beta=2.0))


@case("gemm_transa_transb", 13, "Gemm transA=1 transB=1, C [M,N] full")
def _(c):
    c.output(c.op("Gemm", [c.input([8, 3]), c.randn([5, 8]), c.randn([3, 5])], transA=1, transB=1))


@case("gemm_no_c", 13, "Gemm without C, alpha 1.5")
def _(c):
    c.output(c.op("Gemm", [c.input([3, 8]), c.randn([8, 4])], alpha=1.5))


# Softmax / reductions / normalization ------------------------------------------

simple(
    "softmax_opset11_axis1",
    11,
    "opset 11 Softmax axis 1 on [2,3,4]: coerced to 2-D [2,12], normalized over 12",
    "Softmax",
    [2, 3, 4],
    axis=1,
)
simple(
    "softmax_opset13_axis1",
    13,
    "opset 13 Softmax axis 1 on [2,3,4]: normalized over the 3 only",
    "Softmax",
    [2, 3, 4],
    axis=1,
)
simple("softmax_opset13_axis_neg1", 13, "opset 13 Softmax axis -1", "Softmax", [2, 3, 4], axis=-1)
simple(
    "reducemean_opset13_keepdims1",
    13,
    "opset 13 ReduceMean axes [2, 3] keepdims 1",
    "ReduceMean",
    [1, 3, 4, 5],
    axes=[2, 3],
    keepdims=1,
)
simple(
    "reducemean_opset13_keepdims0",
    13,
    "opset 13 ReduceMean axes [1] keepdims 0",
    "ReduceMean",
    [2, 3, 4],
    axes=[1],
    keepdims=0,
)


@case("reducemean_opset18_axes_input", 18, "opset 18 ReduceMean axes [-1] as an int64 input, keepdims 1")
def _(c):
    c.output(c.op("ReduceMean", [c.input([2, 3, 4]), c.ints([-1])]))


simple(
    "reducemean_opset18_no_axes",
    18,
    "opset 18 ReduceMean with no axes input: reduces everything, keepdims 1",
    "ReduceMean",
    [2, 3, 4],
)


def layernorm_case(axis, with_bias):
    name = f"layernormalization_axis{'_neg' if axis < 0 else ''}{abs(axis)}_{'bias' if with_bias else 'nobias'}"

    @case(name, 17, f"LayerNormalization (opset 17) axis {axis}, {'with' if with_bias else 'without'} bias")
    def _(c):
        shape = [2, 3, 8]
        norm_shape = shape[axis:]
        inputs = [c.input(shape), c.uniform(norm_shape, 0.5, 1.5)] + ([c.randn(norm_shape, 0.1)] if with_bias else [])
        c.output(c.op("LayerNormalization", inputs, axis=axis, epsilon=1e-5))


for _axis in [-1, -2]:
    for _bias in [True, False]:
        layernorm_case(_axis, _bias)


# Pad ---------------------------------------------------------------------------

PADS = [0, 0, 1, 2, 0, 0, 2, 1]  # [x1_begin, x2_begin, ..., x1_end, x2_end] on NCHW


@case("pad_constant_value", 13, "Pad constant with value 1.5, pads as input")
def _(c):
    c.output(c.op("Pad", [c.input([1, 2, 3, 4]), c.ints(PADS), c.const(1.5)], mode="constant"))


@case("pad_constant_default_opset11", 11, "opset 11 Pad constant, no value input (pads with 0)")
def _(c):
    c.output(c.op("Pad", [c.input([1, 2, 3, 4]), c.ints(PADS)]))


@case("pad_reflect", 13, "Pad reflect")
def _(c):
    c.output(c.op("Pad", [c.input([1, 2, 3, 4]), c.ints(PADS)], mode="reflect"))


@case("pad_edge", 13, "Pad edge")
def _(c):
    c.output(c.op("Pad", [c.input([1, 2, 3, 4]), c.ints(PADS)], mode="edge"))


@case("pad_negative", 13, "Pad constant with negative pads (crops): [0,0,-1,1, 0,0,1,-2]")
def _(c):
    c.output(c.op("Pad", [c.input([1, 2, 4, 5]), c.ints([0, 0, -1, 1, 0, 0, 1, -2])], mode="constant"))


# Dynamic batch -------------------------------------------------------------------


@case("dynamic_batch", 13, "Conv-Relu-GlobalAveragePool-flatten-Gemm with a symbolic batch dim N, compiled at 1x3x8x8")
def _(c):
    x = c.input([1, 3, 8, 8], dims=["N", 3, 8, 8])
    c.input_shape = "1x3x8x8"
    y = c.op("GlobalAveragePool", [c.op("Relu", [conv(c, x, 3, 8, 3)])])
    c.output(gemm_head(c, exported_flatten(c, y), 8, 5), dims=["N", 5])


# ---------------------------------------------------------------------------
# Networks: small, seeded, BatchNormalization left as its own node after each Conv.
# ---------------------------------------------------------------------------


@case(
    "net_mobilenetv2", 13, "MobileNetV2-like at 1x3x32x32: inverted residuals with ReLU6 (Clip), one 5x5 s2 depthwise"
)
def _(c):
    x = relu6(c, batchnorm(c, conv(c, c.input([1, 3, 32, 32]), 3, 8, 3, stride=2, bias=False), 8))  # 16x16
    # (in, expansion, out, stride, depthwise kernel)
    for cin, t, cout, stride, k in [
        (8, 1, 8, 1, 3),
        (8, 4, 12, 2, 3),
        (12, 2, 12, 1, 3),
        (12, 2, 16, 2, 5),
        (16, 2, 16, 1, 3),
    ]:
        hidden = cin * t
        y = x
        if t != 1:
            y = relu6(c, batchnorm(c, conv(c, y, cin, hidden, 1, bias=False), hidden))
        y = relu6(c, batchnorm(c, conv(c, y, hidden, hidden, k, stride=stride, group=hidden, bias=False), hidden))
        y = batchnorm(c, conv(c, y, hidden, cout, 1, bias=False), cout)
        x = c.op("Add", [x, y]) if stride == 1 and cin == cout else y
    x = relu6(c, batchnorm(c, conv(c, x, 16, 32, 1, bias=False), 32))
    c.output(gemm_head(c, exported_flatten(c, c.op("GlobalAveragePool", [x])), 32, 10))


def squeeze_excite(c, x, channels, squeezed):
    """SE as in MobileNetV3: GAP -> 1x1 -> Relu -> 1x1 -> HardSigmoid -> Mul."""
    s = c.op("GlobalAveragePool", [x])
    s = c.op("Relu", [conv(c, s, channels, squeezed, 1)])
    # PyTorch's Hardsigmoid exports as HardSigmoid(alpha=1/6, beta=0.5).
    s = c.op("HardSigmoid", [conv(c, s, squeezed, channels, 1)], alpha=1.0 / 6.0, beta=0.5)
    return c.op("Mul", [x, s])


@case("net_mobilenetv3", 14, "MobileNetV3-like at 1x3x32x32: HardSwish, squeeze-excite, 5x5 depthwise, residual")
def _(c):
    hs = lambda t: c.op("HardSwish", [t])  # noqa: E731
    relu = lambda t: c.op("Relu", [t])  # noqa: E731
    x = hs(batchnorm(c, conv(c, c.input([1, 3, 32, 32]), 3, 8, 3, stride=2, bias=False), 8))  # 16x16
    # (in, expanded, out, kernel, stride, squeeze-excite, activation)
    blocks = [
        (8, 8, 8, 3, 2, True, relu),
        (8, 24, 12, 3, 1, False, relu),
        (12, 32, 16, 5, 2, True, hs),
        (16, 32, 16, 5, 1, True, hs),
    ]
    for cin, hidden, cout, k, stride, se, act in blocks:
        y = x
        if hidden != cin:
            y = act(batchnorm(c, conv(c, y, cin, hidden, 1, bias=False), hidden))
        y = act(batchnorm(c, conv(c, y, hidden, hidden, k, stride=stride, group=hidden, bias=False), hidden))
        if se:
            y = squeeze_excite(c, y, hidden, 8)
        y = batchnorm(c, conv(c, y, hidden, cout, 1, bias=False), cout)
        x = c.op("Add", [x, y]) if stride == 1 and cin == cout else y
    x = hs(batchnorm(c, conv(c, x, 16, 32, 1, bias=False), 32))
    x = hs(conv(c, c.op("GlobalAveragePool", [x]), 32, 48, 1))
    c.output(gemm_head(c, c.op("Flatten", [x], axis=1), 48, 10))


def basic_block(c, x, cin, cout, stride):
    """ResNet basic block: conv-BN-Relu-conv-BN plus identity or 1x1-stride-2 projection, Add, Relu."""
    y = c.op("Relu", [batchnorm(c, conv(c, x, cin, cout, 3, stride=stride, bias=False), cout)])
    y = batchnorm(c, conv(c, y, cout, cout, 3, bias=False), cout)
    shortcut = (
        x
        if stride == 1 and cin == cout
        else batchnorm(c, conv(c, x, cin, cout, 1, stride=stride, pad=0, bias=False), cout)
    )
    return c.op("Relu", [c.op("Add", [y, shortcut])])


@case(
    "net_resnet_basic",
    13,
    "ResNet-like at 1x3x32x32: 7x7 s2 stem, MaxPool 3x3 s2, basic blocks with a downsample shortcut",
)
def _(c):
    x = c.op("Relu", [batchnorm(c, conv(c, c.input([1, 3, 32, 32]), 3, 8, 7, stride=2, bias=False), 8)])  # 16x16
    x = c.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])  # 8x8
    x = basic_block(c, x, 8, 8, 1)
    x = basic_block(c, x, 8, 16, 2)  # 4x4
    x = basic_block(c, x, 16, 16, 1)
    c.output(gemm_head(c, c.op("Flatten", [c.op("GlobalAveragePool", [x])], axis=1), 16, 10))


@case(
    "net_transformer",
    17,
    "ViT block at 1x3x32x32: 8x8 patches, D=32, class token, 2-head attention, Erf GELU MLP, pre-LN",
)
def _(c):
    d, heads, tokens = 32, 2, 17
    head_dim = d // heads

    def linear(t, fan_in, fan_out):
        return c.op(
            "Add", [c.op("MatMul", [t, c.randn([fan_in, fan_out], 1 / np.sqrt(fan_in))]), c.randn([fan_out], 0.02)]
        )

    def layernorm(t):
        return c.op("LayerNormalization", [t, c.uniform([d], 0.8, 1.2), c.randn([d], 0.02)], axis=-1, epsilon=1e-6)

    patches = conv(c, c.input([1, 3, 32, 32]), 3, d, 8, stride=8, pad=0)  # [1,32,4,4]
    x = c.op("Transpose", [c.op("Reshape", [patches, c.ints([1, d, 16])])], perm=[0, 2, 1])  # [1,16,32]
    x = c.op("Concat", [c.randn([1, 1, d], 0.02), x], axis=1)  # class token first
    x = c.op("Add", [x, c.randn([1, tokens, d], 0.02)])  # position embedding

    # Multi-head self-attention on LN(x).
    h = layernorm(x)
    split_heads = c.ints([1, tokens, heads, head_dim])
    q, k, v = (c.op("Reshape", [linear(h, d, d), split_heads]) for _ in range(3))
    q = c.op("Transpose", [q], perm=[0, 2, 1, 3])  # [1,2,17,16]
    k = c.op("Transpose", [k], perm=[0, 2, 3, 1])  # [1,2,16,17]
    v = c.op("Transpose", [v], perm=[0, 2, 1, 3])
    scores = c.op("Div", [c.op("MatMul", [q, k]), c.const(np.sqrt(head_dim))])
    context = c.op("MatMul", [c.op("Softmax", [scores], axis=-1), v])  # [1,2,17,16]
    context = c.op("Reshape", [c.op("Transpose", [context], perm=[0, 2, 1, 3]), c.ints([1, tokens, d])])
    x = c.op("Add", [x, linear(context, d, d)])

    # MLP.
    x = c.op("Add", [x, linear(erf_gelu(c, linear(layernorm(x), d, 2 * d)), 2 * d, d)])

    token0 = c.op("Gather", [layernorm(x), c.ints(0)], axis=1)  # [1,32]
    c.output(gemm_head(c, token0, d, 10))


# ---------------------------------------------------------------------------
# Writing and checking.
# ---------------------------------------------------------------------------


def build(c):
    """Run ORT once to learn the output shapes, finish the model, check it, run it again."""
    draft = c.model([None] * len(c.outputs))
    shapes = [list(o.shape) for o in run_ort(draft, c.feeds)]
    model = c.model(shapes)
    onnx.checker.check_model(model, full_check=True)  # full_check adds strict shape inference
    outputs = run_ort(model, c.feeds)
    for name, value in zip(c.outputs, outputs):
        assert value.dtype == np.float32, f"{c.name}: output {name} is {value.dtype}, not float32"
        assert np.all(np.isfinite(value)), f"{c.name}: output {name} has non-finite values"
    return model, outputs


def shape_entry(name, concrete, declared):
    entry = {"name": name, "shape": [int(d) for d in concrete]}
    if any(isinstance(d, str) for d in declared):
        entry["declared_shape"] = list(declared)
    return entry


def write_case(c, model, outputs):
    folder = GOLDEN / c.name
    folder.mkdir(parents=True)
    onnx.save(model, folder / "model.onnx")
    for i, name in enumerate(c.feeds):
        np.save(folder / f"input_{i}.npy", c.feeds[name])
    for i, value in enumerate(outputs):
        np.save(folder / f"output_{i}.npy", np.ascontiguousarray(value, dtype=np.float32))

    declared_in = [[d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim] for vi in c.inputs]
    entry = {
        "name": c.name,
        "description": c.description,
        "opset": c.opset,
        "ops": sorted({n.op_type for n in model.graph.node}),
        "inputs": [shape_entry(n, c.feeds[n].shape, dims) for n, dims in zip(c.feeds, declared_in)],
        "outputs": [shape_entry(n, v.shape, c.output_dims.get(n, v.shape)) for n, v in zip(c.outputs, outputs)],
    }
    if c.input_shape:
        entry["input_shape"] = c.input_shape
    return entry


def write_manifest(entries):
    """golden/manifest.json:

    {
      "generator": "scripts/make-onnx-fixtures.py",
      "versions": {"onnx": ..., "onnxruntime": ..., "numpy": ..., "protobuf": ...},
      "reference": how the outputs were produced,
      "cases": [
        {
          "name": "conv_3x3_bias",             # folder name under golden/
          "description": "...",
          "opset": 13,                          # default-domain opset import
          "ops": ["Conv"],                      # sorted distinct op_types in the graph
          "inputs":  [{"name": "x_0", "shape": [1, 3, 8, 8]}],   # input_<i>.npy, graph order
          "outputs": [{"name": "conv_0", "shape": [1, 4, 8, 8]}], # output_<i>.npy, graph order
          "input_shape": "1x3x8x8"              # only when an input has a symbolic dim;
        }                                       # such entries also carry "declared_shape"
      ],                                        # (e.g. ["N", 3, 8, 8]); "shape" is always
                                                # the concrete shape of the .npy data
      "skipped": [{"case": ..., "reason": ...}] # variants ORT cannot run, so no golden
    }
    """
    import google.protobuf

    manifest = {
        "generator": "scripts/make-onnx-fixtures.py",
        "versions": {
            "onnx": onnx.__version__,
            "onnxruntime": ort.__version__,
            "numpy": np.__version__,
            "protobuf": google.protobuf.__version__,
        },
        "reference": "onnxruntime CPUExecutionProvider, graph_optimization_level ORT_DISABLE_ALL, 1 thread",
        "cases": entries,
        "skipped": SKIPPED,
    }
    # One case per line: readable, and a changed case shows up as a one-line diff.
    lines = []
    for key, value in manifest.items():
        if isinstance(value, list):
            items = ",\n".join("    " + json.dumps(item) for item in value)
            lines.append(f"  {json.dumps(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    (GOLDEN / "manifest.json").write_text("{\n" + ",\n".join(lines) + "\n}\n")


# ---------------------------------------------------------------------------
# Full-size benchmark networks (Benchmarks/compare_ort.py): not committed, written on demand
# with `--benchmark-models DIR`. Exporter-style graphs: BatchNormalization after every Conv,
# ReLU6 as Clip with constant bounds, biases as separate initializers, opset 17.
# ---------------------------------------------------------------------------


class Net:
    """A graph under construction with seeded He-scaled weights."""

    def __init__(self, name, seed):
        self.name, self.rng = name, np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def fresh(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def init(self, array, prefix):
        name = self.fresh(prefix)
        dtype = np.int64 if array.dtype.kind in "iu" else np.float32
        self.inits.append(numpy_helper.from_array(np.asarray(array, dtype=dtype), name))
        return name

    def node(self, op, inputs, prefix=None, **attrs):
        out = self.fresh(prefix or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def conv(self, x, cin, cout, k, stride=1, group=1, bias=False, pad=None):
        w = self.init(self.rng.normal(0, (2 / (cin // group * k * k)) ** 0.5, (cout, cin // group, k, k)), "w")
        ins = [x, w] + ([self.init(self.rng.normal(0, 0.01, cout), "b")] if bias else [])
        p = k // 2 if pad is None else pad
        return self.node("Conv", ins, "conv", kernel_shape=[k, k], strides=[stride, stride], pads=[p] * 4, group=group)

    def bn(self, x, c):
        params = [
            self.init(self.rng.uniform(0.5, 1.5, c), "gamma"),
            self.init(self.rng.normal(0, 0.1, c), "beta"),
            self.init(self.rng.normal(0, 0.1, c), "mean"),
            self.init(self.rng.uniform(0.5, 1.5, c), "var"),
        ]
        return self.node("BatchNormalization", [x] + params, "bn", epsilon=1e-5)

    def act(self, x, kind):
        if kind == "relu":
            return self.node("Relu", [x])
        if kind == "relu6":
            return self.node("Clip", [x, self.init(np.array(0.0), "lo"), self.init(np.array(6.0), "hi")], "clip")
        if kind == "hswish":
            return self.node("HardSwish", [x])
        return x

    def cba(self, x, cin, cout, k, stride=1, group=1, act="relu"):
        return self.act(self.bn(self.conv(x, cin, cout, k, stride, group), cout), act)

    def linear(self, x, fin, fout):
        w = self.init(self.rng.normal(0, (1 / fin) ** 0.5, (fin, fout)), "fc_w")
        return self.node("Add", [self.node("MatMul", [x, w]), self.init(self.rng.normal(0, 0.01, fout), "fc_b")])

    def classifier(self, x, features, classes=1000):
        x = self.node("GlobalAveragePool", [x])
        x = self.node("Flatten", [x], axis=1)
        w = self.init(self.rng.normal(0, (1 / features) ** 0.5, (classes, features)), "fc_w")
        return self.node("Gemm", [x, w, self.init(np.zeros(classes), "fc_b")], "gemm", transB=1)

    def save(self, directory, output, input_shape=(1, 3, 224, 224)):
        graph = helper.make_graph(
            self.nodes, self.name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(input_shape))],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, [1, 1000])], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="boardbench-fixtures")
        model.ir_version = 8
        onnx.checker.check_model(model)
        path = Path(directory) / f"{self.name}.onnx"
        onnx.save(model, str(path))
        return path


def make_divisible(v, d=8):
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


def mobilenet_v2(directory):
    n = Net("mobilenetv2-1.0-224", 1)
    x, cin = n.cba("input", 3, 32, 3, 2, act="relu6"), 32
    for t, c, reps, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(reps):
            inp, mid, stride = x, cin * t, s if i == 0 else 1
            if t != 1:
                x = n.cba(x, cin, mid, 1, act="relu6")
            x = n.cba(x, mid, mid, 3, stride, mid, act="relu6")
            x = n.bn(n.conv(x, mid, c, 1), c)
            if stride == 1 and cin == c:
                x = n.node("Add", [inp, x])
            cin = c
    x = n.cba(x, cin, 1280, 1, act="relu6")
    return n.save(directory, n.classifier(x, 1280))


def mobilenet_v3_large(directory):
    n = Net("mobilenetv3-large-224", 2)
    x, cin = n.cba("input", 3, 16, 3, 2, act="hswish"), 16
    table = [  # kernel, expanded, out, squeeze-excite, activation, stride (MobileNetV3-Large)
        (3, 16, 16, False, "relu", 1), (3, 64, 24, False, "relu", 2), (3, 72, 24, False, "relu", 1),
        (5, 72, 40, True, "relu", 2), (5, 120, 40, True, "relu", 1), (5, 120, 40, True, "relu", 1),
        (3, 240, 80, False, "hswish", 2), (3, 200, 80, False, "hswish", 1), (3, 184, 80, False, "hswish", 1),
        (3, 184, 80, False, "hswish", 1), (3, 480, 112, True, "hswish", 1), (3, 672, 112, True, "hswish", 1),
        (5, 672, 160, True, "hswish", 2), (5, 960, 160, True, "hswish", 1), (5, 960, 160, True, "hswish", 1),
    ]
    for k, exp, out, se, act, s in table:
        inp = x
        if exp != cin:
            x = n.cba(x, cin, exp, 1, act=act)
        x = n.cba(x, exp, exp, k, s, exp, act=act)
        if se:
            sq = make_divisible(exp // 4)
            g = n.node("GlobalAveragePool", [x])
            g = n.node("Relu", [n.conv(g, exp, sq, 1, bias=True)])
            g = n.node("HardSigmoid", [n.conv(g, sq, exp, 1, bias=True)], alpha=1 / 6, beta=0.5)
            x = n.node("Mul", [x, g])
        x = n.bn(n.conv(x, exp, out, 1), out)
        if s == 1 and cin == out:
            x = n.node("Add", [inp, x])
        cin = out
    x = n.cba(x, cin, 960, 1, act="hswish")
    x = n.node("GlobalAveragePool", [x])
    x = n.node("HardSwish", [n.conv(x, 960, 1280, 1, bias=True)])
    x = n.node("Flatten", [x], axis=1)
    w = n.init(n.rng.normal(0, (1 / 1280) ** 0.5, (1000, 1280)), "fc_w")
    return n.save(directory, n.node("Gemm", [x, w, n.init(np.zeros(1000), "fc_b")], "gemm", transB=1))


def resnet18(directory):
    n = Net("resnet18-224", 3)
    x = n.cba("input", 3, 64, 7, 2)
    x = n.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for c, s in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        for i in range(2):
            stride = s if i == 0 else 1
            y = n.cba(x, cin, c, 3, stride)
            y = n.bn(n.conv(y, c, c, 3), c)
            short = n.bn(n.conv(x, cin, c, 1, stride), c) if stride != 1 or cin != c else x
            x = n.node("Relu", [n.node("Add", [y, short])])
            cin = c
    return n.save(directory, n.classifier(x, 512))


def vit_tiny(directory, dim=192, depth=12, heads=3, patch=16, size=224):
    """DeiT-Tiny-sized vision transformer in the shape timm/torch exports it (opset 17)."""
    n = Net("vit-tiny-224", 4)
    tokens, hd = (size // patch) ** 2, dim // heads
    x = n.conv("input", 3, dim, patch, patch, bias=True, pad=0)  # patch embedding
    x = n.node("Reshape", [x, n.init(np.array([1, dim, tokens]), "shape")])
    x = n.node("Transpose", [x], perm=[0, 2, 1])
    x = n.node("Concat", [n.init(n.rng.normal(0, 0.02, (1, 1, dim)), "cls"), x], axis=1)
    x = n.node("Add", [x, n.init(n.rng.normal(0, 0.02, (1, tokens + 1, dim)), "pos")])
    t = tokens + 1

    def layer_norm(v):
        return n.node("LayerNormalization", [v, n.init(np.ones(dim), "ln_g"), n.init(np.zeros(dim), "ln_b")], "ln", axis=-1, epsilon=1e-6)

    for _ in range(depth):
        h = n.linear(layer_norm(x), dim, 3 * dim)
        h = n.node("Reshape", [h, n.init(np.array([1, t, 3, heads, hd]), "shape")])
        h = n.node("Transpose", [h], perm=[2, 0, 3, 1, 4])
        q, k, v = (n.node("Gather", [h, n.init(np.array(i), "idx")], axis=0) for i in range(3))
        a = n.node("MatMul", [q, n.node("Transpose", [k], perm=[0, 1, 3, 2])])
        a = n.node("Softmax", [n.node("Mul", [a, n.init(np.array(hd ** -0.5), "scale")])], axis=-1)
        o = n.node("Transpose", [n.node("MatMul", [a, v])], perm=[0, 2, 1, 3])
        o = n.linear(n.node("Reshape", [o, n.init(np.array([1, t, dim]), "shape")]), dim, dim)
        x = n.node("Add", [x, o])
        m = n.linear(layer_norm(x), dim, 4 * dim)
        e = n.node("Erf", [n.node("Div", [m, n.init(np.array(2 ** 0.5), "sqrt2")])])
        m = n.node("Mul", [n.node("Mul", [m, n.node("Add", [e, n.init(np.array(1.0), "one")])]), n.init(np.array(0.5), "half")])
        x = n.node("Add", [x, n.linear(m, 4 * dim, dim)])
    x = n.node("Gather", [layer_norm(x), n.init(np.array(0), "idx")], axis=1)
    return n.save(directory, n.linear(x, dim, 1000))


BENCHMARK_NETWORKS = [mobilenet_v2, mobilenet_v3_large, resnet18, vit_tiny]


def write_benchmark_models(directory):
    Path(directory).mkdir(parents=True, exist_ok=True)
    for make in BENCHMARK_NETWORKS:
        path = make(directory)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


def main():
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--benchmark-models":
        write_benchmark_models(sys.argv[2])
        return
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)  # rebuilt whole, so a renamed case leaves nothing stale behind
    GOLDEN.mkdir(parents=True)
    entries, names = [], set()
    for make in CASES:
        c = make()
        assert c.name not in names, f"duplicate case {c.name}"
        names.add(c.name)
        model, outputs = build(c)
        entries.append(write_case(c, model, outputs))
    write_manifest(entries)
    total = sum(p.stat().st_size for p in GOLDEN.rglob("*") if p.is_file())
    print(f"{len(entries)} cases, {total / 1024:.1f} KiB in {GOLDEN.relative_to(REPO)}")


if __name__ == "__main__":
    main()
