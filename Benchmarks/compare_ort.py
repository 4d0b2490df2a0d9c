#!/usr/bin/env python3
"""BoardBench's runtime against ONNX Runtime, side by side on this machine.

Run through Benchmarks/run.sh (which builds what this needs). For each network written by
`scripts/make-onnx-fixtures.py --benchmark-models` and each thread count (1 and all cores):

  * compiles the ONNX file with `boardbench compile`;
  * alternates rounds of BoardBench (`boardbench-bench run`, the agent's timing loop) and ONNX
    Runtime (CPU provider, same thread count, default graph optimisations, timed here with
    perf_counter_ns), so drift on a shared machine hits both alike;
  * reports median latencies and the ratio BoardBench / ONNX Runtime (goal: <= 1.0 at 1 thread);
  * profiles both per node (BoardBench `executeProfiled`, ORT `enable_profiling`) and prints
    each runtime's heaviest layers;
  * measures `cblas_sgemm` peak and memory bandwidth in the same run and rates convolutions
    (GFLOP/s as a share of the sgemm peak) and memory-bound kernels (GB/s as a share of the
    bandwidth).

Everything printed is also written as JSON to Benchmarks/results/ (ignored by git).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parent.parent


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def bench(args, *extra):
    out = subprocess.run([args.bench, *extra], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def ort_session(path, threads, profile=False):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if profile:
        so.enable_profiling = True
        so.profile_file_prefix = str(Path(tempfile.gettempdir()) / "bb-ort-profile")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def ort_samples(session, feed, warmup, iterations):
    for _ in range(warmup):
        session.run(None, feed)
    samples = []
    for _ in range(iterations):
        t0 = time.perf_counter_ns()
        session.run(None, feed)
        samples.append(time.perf_counter_ns() - t0)
    return samples


def ort_profile(path, threads, feed, runs):
    session = ort_session(path, threads, profile=True)
    for _ in range(5):
        session.run(None, feed)
    for _ in range(runs):
        session.run(None, feed)
    events = json.loads(Path(session.end_profiling()).read_text())
    per_node = {}
    for e in events:
        if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time"):
            name = e["name"][: -len("_kernel_time")]
            entry = per_node.setdefault(name, {"name": name, "op": e.get("args", {}).get("op_name", "?"), "us": []})
            entry["us"].append(e["dur"])
    nodes = [{"name": v["name"], "op": v["op"], "nanoseconds": 1000 * sum(v["us"][-runs:]) / runs} for v in per_node.values()]
    return sorted(nodes, key=lambda n: -n["nanoseconds"])


def heaviest(nodes, count):
    total = sum(n["nanoseconds"] for n in nodes) or 1
    return [dict(n, share=n["nanoseconds"] / total) for n in sorted(nodes, key=lambda n: -n["nanoseconds"])[:count]]


def efficiency(nodes, calibration):
    """Convolutions against the sgemm peak; memory-bound kernels against bandwidth."""
    peak, bandwidth = calibration["sgemmGflops"], calibration["bandwidthGBps"]
    groups = {}
    for n in nodes:
        if n["nanoseconds"] <= 0:
            continue
        kind = n["kind"]
        key = kind if kind.startswith("Conv") or kind in ("Dense", "MatMul") else "elementwise/other"
        g = groups.setdefault(key, {"kind": key, "macs": 0, "bytes": 0, "nanoseconds": 0.0, "nodes": 0})
        g["macs"] += n["macs"]
        g["bytes"] += n["bytes"]
        g["nanoseconds"] += n["nanoseconds"]
        g["nodes"] += 1
    rows = []
    for g in groups.values():
        gflops = 2 * g["macs"] / g["nanoseconds"]
        gbps = g["bytes"] / g["nanoseconds"]
        rows.append(dict(g, gflops=gflops, shareOfSgemmPeak=gflops / peak, gbps=gbps, shareOfBandwidth=gbps / bandwidth))
    return sorted(rows, key=lambda r: -r["nanoseconds"])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--boardbench", required=True)
    p.add_argument("--bench", required=True)
    p.add_argument("--models", default=str(ROOT / "Benchmarks" / "models"))
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--threads", default=f"1,{os.cpu_count()}")
    args = p.parse_args()

    models = Path(args.models)
    if not any(models.glob("*.onnx")):
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make-onnx-fixtures.py"), "--benchmark-models", str(models)], check=True)
    thread_counts = sorted({int(t) for t in args.threads.split(",")})
    env = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"),
        "onnxruntime": ort.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    calibration = {t: bench(args, "calibrate", "--threads", str(t)) for t in thread_counts}
    results = []
    for onnx_path in sorted(models.glob("*.onnx")):
        plan = onnx_path.with_suffix(".plan")
        subprocess.run([args.boardbench, "compile", str(onnx_path), "-o", str(plan)], check=True, capture_output=True)
        feed = {ort_session(onnx_path, 1).get_inputs()[0].name: np.random.default_rng(0).standard_normal((1, 3, 224, 224), dtype=np.float32)}
        for threads in thread_counts:
            session = ort_session(onnx_path, threads)
            bb, rt, round_ratios = [], [], []
            info = None
            # Ten warm-up inferences per round: OpenBLAS's worker thread spins for about 0.1 s
            # after each new process starts (docs/performance.md), and must not overlap samples.
            for _ in range(args.rounds):  # alternate, so drift hits both runtimes alike
                info = bench(args, "run", str(plan), "--threads", str(threads), "--warmup", "10", "--iterations", str(args.iterations), "--profile-iterations", "0")
                ort_round = ort_samples(session, feed, 3, args.iterations)
                bb += info["samplesNanoseconds"]
                rt += ort_round
                round_ratios.append(statistics.median(info["samplesNanoseconds"]) / statistics.median(ort_round))
            row = {
                "network": onnx_path.stem, "threads": threads, "boardbenchMedianMs": statistics.median(bb) / 1e6,
                "onnxruntimeMedianMs": statistics.median(rt) / 1e6, "samplesEach": len(bb),
                "runtimeVersion": info["runtimeVersion"], "blasCoreName": info["blasCoreName"], "blasConfig": info["blasConfig"],
            }
            row["ratio"] = row["boardbenchMedianMs"] / row["onnxruntimeMedianMs"]
            # This machine's speed drifts by tens of percent within minutes; a round of each
            # runtime back to back sees nearly the same machine, so the median of the rounds'
            # ratios is the steadier figure.
            row["roundRatios"] = round_ratios
            row["medianRoundRatio"] = statistics.median(round_ratios)
            if threads == 1:
                profile = bench(args, "run", str(plan), "--threads", "1", "--warmup", "3", "--iterations", "1", "--profile-iterations", "10")
                row["boardbenchHeaviest"] = heaviest(profile["nodes"], 8)
                row["onnxruntimeHeaviest"] = heaviest(ort_profile(onnx_path, 1, feed, 10), 8)
                row["efficiency"] = efficiency(profile["nodes"], calibration[1])
            results.append(row)
            print(f"{row['network']:24s} threads {threads}: BoardBench {row['boardbenchMedianMs']:8.2f} ms, "
                  f"ONNX Runtime {row['onnxruntimeMedianMs']:8.2f} ms, ratio {row['ratio']:.2f}, "
                  f"median of {len(round_ratios)} round ratios {row['medianRoundRatio']:.2f}", flush=True)

    print()
    print(f"CPU: {env['cpu']} ({env['cores']} cores); OpenBLAS {results[0]['blasCoreName']} [{results[0]['blasConfig']}]; "
          f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}; onnxruntime {env['onnxruntime']}; runtime {results[0]['runtimeVersion']}")
    for t, c in calibration.items():
        print(f"calibration, {t} thread(s): sgemm {c['sgemmGflops']:.1f} GFLOP/s (n={c['sgemmSize']}), triad bandwidth {c['bandwidthGBps']:.1f} GB/s")
    print()
    print("| network | threads | BoardBench ms | ONNX Runtime ms | ratio | median round ratio (range) |")
    print("|---|---|---|---|---|---|")
    for r in results:
        lo, hi = min(r["roundRatios"]), max(r["roundRatios"])
        print(f"| {r['network']} | {r['threads']} | {r['boardbenchMedianMs']:.2f} | {r['onnxruntimeMedianMs']:.2f} | {r['ratio']:.2f} "
              f"| {r['medianRoundRatio']:.2f} ({lo:.2f}–{hi:.2f}) |")
    for r in results:
        if "efficiency" not in r:
            continue
        print(f"\n{r['network']}, 1 thread: heaviest layers")
        print("| BoardBench node | kind | ms | share | ONNX Runtime node | op | ms | share |")
        print("|---|---|---|---|---|---|---|---|")
        for a, b in zip(r["boardbenchHeaviest"], r["onnxruntimeHeaviest"]):
            print(f"| {a['name']} | {a['kind']} | {a['nanoseconds'] / 1e6:.3f} | {a['share']:.0%} | {b['name']} | {b['op']} | {b['nanoseconds'] / 1e6:.3f} | {b['share']:.0%} |")
        print("| kernel kind | nodes | ms | GFLOP/s | % of sgemm peak | GB/s | % of bandwidth |")
        print("|---|---|---|---|---|---|---|")
        for e in r["efficiency"]:
            print(f"| {e['kind']} | {e['nodes']} | {e['nanoseconds'] / 1e6:.3f} | {e['gflops']:.2f} | {e['shareOfSgemmPeak']:.0%} | {e['gbps']:.2f} | {e['shareOfBandwidth']:.0%} |")
    out = ROOT / "Benchmarks" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"compare-ort-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"environment": env, "calibration": calibration, "results": results}, indent=1))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
