#!/usr/bin/env python3
"""ONNX Runtime measured through BoardBench's `onnxruntime` runner against ONNX Runtime timed
directly in this process, and BoardBench's runtime beside both (docs/performance.md,
"External runtimes").

The runner times `session.run` in the runner script's own process and the agent does the rest
(warm-up, calibration, sampling), so its medians should match a direct measurement of the same
session settings: this script checks that the harness adds nothing. Rounds alternate (a
BoardBench run of every model, then the direct measurement), so drift on a shared machine hits
both alike.

    <venv>/bin/python Benchmarks/runner_overhead.py --boardbench .build/release/boardbench \\
        --agent .build/release/boardbench-agent [--rounds 3] [--threads 1]

Needs a Python with onnxruntime and numpy (run it with that interpreter: it is also the
board's pythonPath) and the models of `scripts/make-onnx-fixtures.py --benchmark-models`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from compare_ort import ort_samples, ort_session

ROOT = Path(__file__).resolve().parent.parent


def direct(path, threads, warmup, iterations):
    """ONNX Runtime timed in this process, as Benchmarks/compare_ort.py times it."""
    session = ort_session(path, threads)
    rng = np.random.default_rng(0)
    feed = {i.name: rng.random(i.shape).astype(np.float32) for i in session.get_inputs()}
    return statistics.median(ort_samples(session, feed, warmup, iterations))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--boardbench", required=True)
    p.add_argument("--agent", required=True)
    p.add_argument("--models", default=str(ROOT / "Benchmarks" / "models"))
    p.add_argument("--names", default="mobilenetv2-1.0-224,resnet18-224")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--iterations", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()

    models = {n: Path(args.models) / f"{n}.onnx" for n in args.names.split(",")}
    missing = [str(m) for m in models.values() if not m.exists()]
    if missing:
        sys.exit(f"missing models {missing}: run scripts/make-onnx-fixtures.py --benchmark-models {args.models}")
    work = Path(tempfile.mkdtemp(prefix="bb-runner-overhead-"))
    (work / "Devices").mkdir()
    (work / "Devices" / "local.yaml").write_text(
        f"name: local\ntransport: local\nworkdir: {work}/wd\nlockPath: {work}/lock\npythonPath: {sys.executable}\n")
    lines = [f"name: runner-overhead\nsettings: {{warmupRuns: 5, iterations: {args.iterations}, threads: {args.threads}, energy: false}}\nbenchmarks:"]
    for name, path in models.items():
        lines.append(f"  - {{name: {name}-builtin, model: {path}}}")
        lines.append(f"  - {{name: {name}-onnxruntime, model: {path}, runner: onnxruntime}}")
    (work / "profile.yaml").write_text("\n".join(lines) + "\n")

    rounds = {n: {"builtin": [], "runner": [], "direct": []} for n in models}
    for r in range(args.rounds):
        out = subprocess.run(
            [args.boardbench, "run", "--profile", str(work / "profile.yaml"), "--device", "local", "--agent", args.agent, "--json",
             "--workspace", str(work), "--db", str(work / "store.sqlite"), "-q"],
            check=True, capture_output=True, text=True).stdout
        for res in json.loads(out)["results"]:
            name, _, kind = res["benchmark"].rpartition("-")
            rounds[name]["builtin" if kind == "builtin" else "runner"].append(res["statistics"]["medianNanoseconds"])
        for name, path in models.items():
            rounds[name]["direct"].append(direct(path, args.threads, 5, args.iterations))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)

    rows = []
    for name in models:
        m = {k: statistics.median(v) / 1e6 for k, v in rounds[name].items()}
        rows.append(dict(model=name, threads=args.threads, builtinMs=m["builtin"], runnerMs=m["runner"], directMs=m["direct"],
                         runnerOverDirect=m["runner"] / m["direct"], builtinOverRunner=m["builtin"] / m["runner"]))
    print(f"onnxruntime {ort.__version__}, {args.rounds} rounds of {args.iterations} samples, {args.threads} thread(s)")
    print("| model | builtin ms | ORT via runner ms | ORT direct ms | runner / direct | builtin / ORT |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['model']} | {row['builtinMs']:.2f} | {row['runnerMs']:.2f} | {row['directMs']:.2f} | "
              f"{row['runnerOverDirect']:.3f} | {row['builtinOverRunner']:.2f} |")
    results = ROOT / "Benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "runner-overhead.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
