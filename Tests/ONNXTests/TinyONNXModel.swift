import Foundation

/// A model written by onnx 1.23.2 (onnx.helper, checked with onnx.checker full_check): Conv with
/// raw_data weights and float_data bias, Relu, LeakyRelu, Reshape with an int64_data shape,
/// Constants with tensor/floats/strings/float values, Clip with an omitted optional input, and
/// If with two subgraphs. Input x is FLOAT [batch, 3, 8, 8].
enum TinyONNXModel {
    // Generated with onnx 1.23.2, numpy 2 (python3):
    //   import base64, numpy as np, onnx
    //   from onnx import helper, numpy_helper, TensorProto as T
    //
    //   W = (np.arange(4*3*3*3, dtype=np.float32) / 100 - 0.5).reshape(4, 3, 3, 3)
    //   B = np.array([0.5, -1.0, 0.25, 2.0], dtype=np.float32)
    //   inits = [
    //       numpy_helper.from_array(W, "W"),                                # raw_data
    //       helper.make_tensor("B", T.FLOAT, [4], B.tolist(), raw=False),     # float_data (packed)
    //       helper.make_tensor("shape", T.INT64, [2], [0, -1], raw=False),    # int64_data (packed)
    //   ]
    //   then_g = helper.make_graph([helper.make_node("Constant", [], ["t"], value_float=1.0)], "then",
    //                              [], [helper.make_tensor_value_info("t", T.FLOAT, [])])
    //   else_g = helper.make_graph([helper.make_node("Constant", [], ["e"], value_float=0.0)], "else",
    //                              [], [helper.make_tensor_value_info("e", T.FLOAT, [])])
    //   nodes = [
    //       helper.make_node("Conv", ["x", "W", "B"], ["c"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
    //                        strides=[1, 1], group=1, auto_pad="NOTSET"),
    //       helper.make_node("Relu", ["c"], ["r"], name="relu1"),
    //       helper.make_node("LeakyRelu", ["r"], ["l"], name="leaky", alpha=0.125),
    //       helper.make_node("Reshape", ["l", "shape"], ["y"], name="flatten"),
    //       helper.make_node("Constant", [], ["k"], name="table",
    //                        value=helper.make_tensor("k", T.INT32, [3], [7, -8, 9])),
    //       helper.make_node("Constant", [], ["sc"], name="scales", value_floats=[0.5, 1.5]),
    //       helper.make_node("Constant", [], ["labels"], name="labels", value_strings=[b"cat", b"dog"]),
    //       helper.make_node("Constant", [], ["mx"], name="max", value_float=6.0),
    //       helper.make_node("Clip", ["y", "", "mx"], ["z"], name="clip"),
    //       helper.make_node("Constant", [], ["cond"], name="cond", value=helper.make_tensor("cv", T.BOOL, [], [True])),
    //       helper.make_node("If", ["cond"], ["branch"], name="branch", then_branch=then_g, else_branch=else_g),
    //   ]
    //   graph = helper.make_graph(
    //       nodes, "tiny",
    //       [helper.make_tensor_value_info("x", T.FLOAT, ["batch", 3, 8, 8])],
    //       [helper.make_tensor_value_info("z", T.FLOAT, ["batch", 256]),
    //        helper.make_tensor_value_info("branch", T.FLOAT, [])],
    //       initializer=inits,
    //       value_info=[helper.make_tensor_value_info("c", T.FLOAT, ["batch", 4, None, 8]), helper.make_tensor_value_info("r", T.FLOAT, None)],
    //   )
    //   model = helper.make_model(graph, producer_name="boardbench-test", producer_version="1.0",
    //                             opset_imports=[helper.make_opsetid("", 13)])
    //   model.ir_version = 7
    //   onnx.checker.check_model(model, full_check=True)
    //   data = model.SerializeToString()
    //   print(base64.b64encode(data).decode())  # 1354 bytes
    static let base64 = """
        CAcSD2JvYXJkYmVuY2gtdGVzdBoDMS4wOqkKCnoKAXgKAVcKAUISAWMaBWNvbnYxIgRDb252KhUKCGF1dG9fcGFkIgZOT1RTRVSgAQMqDAoFZ3JvdXAYAaAB
        AioVCgxrZXJuZWxfc2hhcGVAA0ADoAEHKhEKBHBhZHNAAUABQAFAAaABByoQCgdzdHJpZGVzQAFAAaABBwoTCgFjEgFyGgVyZWx1MSIEUmVsdQopCgFyEgFs
        GgVsZWFreSIJTGVha3lSZWx1Kg8KBWFscGhhFQAAAD6gAQEKHwoBbAoFc2hhcGUSAXkaB2ZsYXR0ZW4iB1Jlc2hhcGUKNxIBaxoFdGFibGUiCENvbnN0YW50
        KiEKBXZhbHVlKhUIAxAGKgwH+P//////////AQlCAWugAQQKMxICc2MaBnNjYWxlcyIIQ29uc3RhbnQqGwoMdmFsdWVfZmxvYXRzPQAAAD89AADAP6ABBgo4
        EgZsYWJlbHMaBmxhYmVscyIIQ29uc3RhbnQqHAoNdmFsdWVfc3RyaW5nc0oDY2F0SgNkb2egAQgKKhICbXgaA21heCIIQ29uc3RhbnQqFQoLdmFsdWVfZmxv
        YXQVAADAQKABAQoYCgF5CgAKAm14EgF6GgRjbGlwIgRDbGlwCi0SBGNvbmQaBGNvbmQiCENvbnN0YW50KhUKBXZhbHVlKgkQCSoBAUICY3agAQQKtAEKBGNv
        bmQSBmJyYW5jaBoGYnJhbmNoIgJJZipLCgtlbHNlX2JyYW5jaDI5CiQSAWUiCENvbnN0YW50KhUKC3ZhbHVlX2Zsb2F0FQAAAACgAQESBGVsc2ViCwoBZRIG
        CgQIARIAoAEFKksKC3RoZW5fYnJhbmNoMjkKJBIBdCIIQ29uc3RhbnQqFQoLdmFsdWVfZmxvYXQVAACAP6ABARIEdGhlbmILCgF0EgYKBAgBEgCgAQUSBHRp
        bnkqwAMIBAgDCAMIAxABQgFXSrADAAAAv0jh+r6PwvW+16Pwvh+F675mZua+rkfhvvYo3L4+Cte+hevRvs3MzL4Urse+XI/CvqRwvb7sUbi+MzOzvnsUrr7C
        9ai+CtejvlK4nr6amZm+4nqUvilcj75wPYq+uB6FvgAAgL6QwnW+HoVrvq5HYb4+Cle+zMxMvlyPQr7sUTi+ehQuvgrXI76amRm+KFwPvrgeBb6QwvW9sEfh
        vczMzL3sUbi9DNejvShcj72QwnW90MxMvQjXI72QwvW8ENejvADXI7wAAAAAANcjPADXozyAwvU8ENcjPdDMTD2QwnU9KFyPPQjXoz3oUbg90MzMPbBH4T2Q
        wvU9uB4FPihcDz6YmRk+DNcjPnwULj7sUTg+XI9CPszMTD48Clc+sEdhPiCFaz6QwnU+AACAPrgehT5wPYo+KFyPPuJ6lD6amZk+UriePgrXoz7C9ag+ehSu
        PjQzsz7sUbg+pHC9PlyPwj4Ursc+zMzMPobr0T4+Ctc+9ijcPq5H4T5mZuY+HoXrPtij8D6QwvU+SOH6PgAAAD9cjwI/uB4FPxSuBz9wPQo/zMwMPyhcDz+G
        6xE/KhkIBBABIhAAAAA/AACAvwAAgD4AAABAQgFCKhgIAhAHOgsA////////////AUIFc2hhcGVaIAoBeBIbChkIARIVCgcSBWJhdGNoCgIIAwoCCAgKAggI
        YhkKAXoSFAoSCAESDgoHEgViYXRjaAoDCIACYhAKBmJyYW5jaBIGCgQIARIAah4KAWMSGQoXCAESEwoHEgViYXRjaAoCCAQKAAoCCAhqCQoBchIECgIIAUIE
        CgAQDQ==
        """

    static var bytes: [UInt8] {
        [UInt8](Data(base64Encoded: base64.filter { !$0.isWhitespace })!)
    }

    /// Offset of W's raw_data (432 bytes) in `bytes`.
    static let weightOffset = 741
}
