#!/usr/bin/env python3
"""Where one network's time goes, layer by layer, in BoardBench and in ONNX Runtime.

    <venv>/bin/python Benchmarks/layer_gaps.py --bench BIN/boardbench-bench Benchmarks/models/mobilenetv2-1.0-224.onnx

Needs the `.plan` that compare_ort.py compiles next to the `.onnx`. Profiles both runtimes at 1
thread per node (BoardBench `executeProfiled`, ONNX Runtime `enable_profiling`, 20 runs each),
then pairs each BoardBench convolution, dense or pooling layer with ONNX Runtime's node for it
and prints the pairs by how much longer BoardBench takes.

Pairing: ONNX Runtime renames a fused node after the last op it absorbed (conv_29 + bn + clip
becomes `clip_37_nchwc`), so its nodes sorted by that number come in graph order, as
BoardBench's do. That holds for the networks `scripts/make-onnx-fixtures.py` writes; for
other graphs check the pairs by name.
"""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_ort  # noqa: E402

LAYER_KINDS = ("Conv", "Dense", "MaxPool", "AveragePool", "GlobalAveragePool")
ORT_LAYER_OPS = ("Conv", "Gemm", "MaxPool", "AveragePool", "GlobalAveragePool", "FusedConv")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench", required=True, help="boardbench-bench (release)")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("model", help="the .onnx file; its .plan must sit beside it")
    args = p.parse_args()
    onnx_path = Path(args.model)
    plan = onnx_path.with_suffix(".plan")
    out = subprocess.run(
        [args.bench, "run", str(plan), "--threads", "1", "--warmup", "10", "--iterations", "1", "--profile-iterations", str(args.runs)],
        check=True, capture_output=True, text=True).stdout
    bb = json.loads(out)["nodes"]
    session = compare_ort.ort_session(onnx_path, 1)
    inp = session.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    feed = {inp.name: np.random.default_rng(0).standard_normal(shape, dtype=np.float32)}
    ort = compare_ort.ort_profile(onnx_path, 1, feed, args.runs)

    bb_layers = [n for n in bb if n["kind"].startswith(LAYER_KINDS)]
    numbered = []
    for n in ort:
        m = re.search(r"_(\d+)", n["name"])
        if m and n["op"] in ORT_LAYER_OPS:
            numbered.append((int(m.group(1)), n))
    ort_layers = [n for _, n in sorted(numbered, key=lambda x: x[0])]
    bb_total = sum(n["nanoseconds"] for n in bb) / 1e6
    ort_total = sum(n["nanoseconds"] for n in ort) / 1e6
    print(f"{onnx_path.stem}: BoardBench {bb_total:.2f} ms over {len(bb)} nodes, ONNX Runtime {ort_total:.2f} ms over {len(ort)} nodes "
          f"(per-node profiles, 1 thread, {args.runs} runs)")
    if len(bb_layers) != len(ort_layers):
        print(f"note: {len(bb_layers)} BoardBench layers against {len(ort_layers)} ONNX Runtime ones; pairs past the first difference "
              "are not the same layer")
    pairs = [(b["nanoseconds"] - o["nanoseconds"], b, o) for b, o in zip(bb_layers, ort_layers)]
    print("| gap ms | BoardBench node | kind | ms | ONNX Runtime node | ms |")
    print("|---|---|---|---|---|---|")
    for gap, b, o in sorted(pairs, key=lambda x: -x[0])[: args.top]:
        print(f"| {gap / 1e6:.3f} | {b['name']} | {b['kind']} | {b['nanoseconds'] / 1e6:.3f} | {o['name']} | {o['nanoseconds'] / 1e6:.3f} |")
    rest = sum(n["nanoseconds"] for n in bb if not n["kind"].startswith(LAYER_KINDS)) / 1e6
    print(f"sum of the paired gaps {sum(g for g, _, _ in pairs) / 1e6:.2f} ms; BoardBench's other nodes {rest:.2f} ms")


if __name__ == "__main__":
    main()
