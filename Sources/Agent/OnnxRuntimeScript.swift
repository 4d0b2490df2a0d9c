/// The program the `onnxruntime` runner starts on the board: `<python> -c <source> <config
/// JSON>`. It only loads the model, applies the session settings and executes what the agent
/// asks, timing `session.run` with the monotonic clock; warm-up, calibration, statistics,
/// memory, energy, counters and environment are the agent's (docs/formats.md, "ONNX Runtime
/// runner"). It ships inside the agent, so a board needs nothing but Python and the
/// `onnxruntime` package.
///
/// Lines it prints (everything else on stdout is ignored; stderr is kept for messages):
///
///     BB ready <load ns> <onnxruntime version> <provider>   the session exists, inputs made
///     BB sample <ns>                                       answer to `run N`: N runs in all
///     BB outputs <count> <name>...                         answer to `infer IN OUT`
///     BB error <code> <message>                            then it exits with status 3
///
/// Commands on stdin: `run N`, `infer IN_DIR OUT_DIR` (inputs `IN_DIR/<i>.npy` in input order,
/// outputs written as float32 `OUT_DIR/<i>.npy`), `quit` (or end of input).
enum OnnxRuntimeScript {
    /// Exit status of the script after a `BB error` line.
    static let errorStatus: Int32 = 3

    static let source = #"""
        import json, os, sys, time

        # `python -c` puts the current directory first on sys.path: a stray numpy.py there
        # must not stand in for the real package.
        sys.path = [p for p in sys.path if p not in ("", ".")]

        def say(*parts):
            sys.stdout.write("BB " + " ".join(str(p) for p in parts) + "\n")
            sys.stdout.flush()

        def fail(code, message):
            say("error", code, " ".join(str(message).split()))
            sys.exit(3)

        config = json.loads(sys.argv[1])
        try:
            import numpy as np
            import onnxruntime as ort
        except Exception as e:
            fail("unavailable", "%s: %s (interpreter %s)" % (type(e).__name__, e, sys.executable))

        levels = {
            "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
            "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            "disabled": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        }
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(config["threads"])
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = levels[config.get("graphOptimization") or "all"]
        provider = config.get("executionProvider") or "CPUExecutionProvider"
        if provider not in ort.get_available_providers():
            fail("provider", "%s is not available; this onnxruntime has %s" % (provider, ", ".join(ort.get_available_providers())))

        start = time.perf_counter_ns()
        try:
            session = ort.InferenceSession(config["model"], sess_options=options, providers=[provider])
        except Exception as e:
            fail("model", "%s: %s" % (type(e).__name__, e))
        load = time.perf_counter_ns() - start

        shapes = {}
        for i, text in enumerate(config.get("inputShapes") or []):
            name, _, dims = text.rpartition(":")
            shapes[name] = [int(d) for d in dims.split("x")]
        types = {
            "tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
            "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8,
            "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_,
        }
        feed = None

        def make_feed():
            # Made at the first `run`, so `infer` (which brings its own inputs) works for models
            # with dynamic dimensions too.
            random = np.random.default_rng(0)
            made = {}
            for i, tensor in enumerate(session.get_inputs()):
                dims = shapes.get(tensor.name) or (shapes.get("") if i == 0 else None) or tensor.shape
                if any(not isinstance(d, int) or d < 0 for d in dims):
                    fail("shape", "input %s has dynamic dimensions %s; give inputShapes" % (tensor.name, tensor.shape))
                kind = types.get(tensor.type)
                if kind is None:
                    fail("input-type", "input %s has type %s, which the runner cannot fill" % (tensor.name, tensor.type))
                if np.issubdtype(kind, np.floating):
                    made[tensor.name] = random.random(dims).astype(kind)
                else:
                    made[tensor.name] = np.zeros(dims, dtype=kind)
            return made

        say("ready", load, ort.__version__, provider)
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            try:
                if words[0] == "run":
                    n = int(words[1])
                    if feed is None:
                        feed = make_feed()
                    start = time.perf_counter_ns()
                    for _ in range(n):
                        session.run(None, feed)
                    say("sample", time.perf_counter_ns() - start)
                elif words[0] == "infer":
                    given = {}
                    for i, t in enumerate(session.get_inputs()):
                        kind = types.get(t.type)
                        if kind is None:
                            fail("input-type", "input %s has type %s, which the runner cannot fill" % (t.name, t.type))
                        given[t.name] = np.load(os.path.join(words[1], "%d.npy" % i)).astype(kind)
                    outputs = session.run(None, given)
                    for i, value in enumerate(outputs):
                        if not isinstance(value, np.ndarray):
                            fail("output-type", "output %d is a %s, not a tensor" % (i, type(value).__name__))
                        np.save(os.path.join(words[2], "%d.npy" % i), np.ascontiguousarray(value, dtype=np.float32))
                    say("outputs", len(outputs), *[o.name for o in session.get_outputs()])
                elif words[0] == "quit":
                    break
                else:
                    fail("protocol", "unknown command %s" % words[0])
            except SystemExit:
                raise
            except Exception as e:
                fail("run", "%s: %s" % (type(e).__name__, e))
        """#
}
