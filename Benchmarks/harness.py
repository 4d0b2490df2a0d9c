#!/usr/bin/env python3
"""What the harness itself costs (issue "9."), measured end to end on this machine.

    Benchmarks/harness.py [--quick] [--boards 1,2,4,8] [--out FILE]

Uses release binaries (BOARDBENCH_RELEASE_DIR, else .build/release, built when missing) and
real sshd boards on loopback started the way scripts/soak.py starts them. Sections:

  overhead   `boardbench-bench overhead`: clock read, sample-loop bookkeeping per sample, and
             the floor a sample of nothing reads.
  store      `boardbench-bench store`: samples stored per second through the store's own
             `recordResult`, and bytes per sample on disk.
  start      agent process start (`boardbench-agent version`, median of 20), and over SSH the
             time from launching `boardbench run` to the first benchmark's start on the board
             (connect, agent check, plan push, session start), a one-benchmark profile.
  tables     `table build` over SSH: a small space, ofa-mbv3 at one and at five resolutions, and
             (without --quick) ofa-mbv3 at every resolution. Each in a fresh store: blocks, wall time,
             the device's time from the store (load, cold start, warm-up, calibration,
             samples), its share of the wall time, blocks per minute, store bytes.
  scale      `boardbench run` over 1, 2, 4, 8 boards of the test-only sleeping workload (so
             boards do not compete for the cores): wall time against one board, and the host
             process's CPU time and peak RSS (wait4 rusage), per board.

Prints a summary and writes everything as JSON (default Benchmarks/results/harness-DATE.json).
"""

import argparse
import datetime
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import soak  # noqa: E402  (the loopback sshd boards)

MINI_SPACE = """name: mini
family: mobilenet-v3
resolutions: [32, 40]
stem:
  - {name: first_conv, type: conv, out: 8, kernel: 3, stride: 2, activation: hswish}
stages:
  - {name: stage1, block: mbconv, out: 16, stride: 2, activation: relu, se: true, depths: [1, 2], kernels: [3, 5], expands: [3, 4]}
  - {name: stage2, block: mbconv, out: 24, stride: 2, activation: hswish, depths: [1, 2], kernels: [3], expands: [3, 6]}
head:
  - {name: final_expand, type: conv, out: 64, kernel: 1, activation: hswish}
  - {name: pool, type: globalPool}
  - {name: classifier, type: linear}
"""


def run(argv, env=None, check=True):
    """(wall seconds, host CPU seconds, peak RSS MiB, stdout, stderr) of one child process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        p = subprocess.Popen(argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... exited {p.returncode}: {stderr.strip()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout, stderr


class Lab:
    """A temporary root with a client key, loopback boards and one workspace per experiment."""

    def __init__(self, bindir):
        self.bin = bindir
        self.root = tempfile.mkdtemp(prefix="bb-harness-")
        self.key = os.path.join(self.root, "client_key")
        soak.sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.key])
        self.boards = []
        self.count = 0

    def board(self):
        b = soak.Board(self.root, f"b{len(self.boards)}", self.key + ".pub")
        self.boards.append(b)
        return b

    def workspace(self):
        self.count += 1
        ws = os.path.join(self.root, f"ws{self.count}")
        os.makedirs(ws)
        env = dict(os.environ, BOARDBENCH_AGENT=os.path.join(self.bin, "boardbench-agent"), BOARDBENCH_DB=os.path.join(ws, "store.sqlite"))
        return ws, env

    def enrol(self, boards, ws, env):
        procs = [subprocess.Popen([os.path.join(self.bin, "boardbench"), "device", "enrol", b.name, "--host", "127.0.0.1", "--port",
                                   str(b.port), "--user", "root", "--identity", self.key, "--workdir", os.path.join(b.dir, "work", "bb"),
                                   "--lock-path", os.path.join(b.dir, "board.lock"), "--accept-new-host-key", "--workspace", ws, "-q"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for b in boards]
        for b, p in zip(boards, procs):
            _, err = p.communicate()
            if p.returncode != 0:
                raise RuntimeError(f"enrolling {b.name}: {err.strip()}")

    def cli(self, args, ws, env, check=True):
        return run([os.path.join(self.bin, "boardbench")] + args + ["--workspace", ws], env=env, check=check)

    def close(self):
        for b in self.boards:
            b.stop()


def store_bytes(ws):
    return sum(os.path.getsize(os.path.join(ws, f)) for f in os.listdir(ws) if f.startswith("store.sqlite"))


def sleeping_profile(path, count, sleep_ms, iterations):
    with open(path, "w") as f:
        f.write("name: scale\nsettings:\n  warmupRuns: 0\n  warmupSeconds: 0\n  minSampleMilliseconds: 0\n"
                f"  iterations: {iterations}\n  energy: false\n  counters: []\n  testSleepMilliseconds: {sleep_ms}\nbenchmarks:\n")
        for i in range(count):
            # tiny-cnn: loading it costs the agent little CPU, so eight agents on two cores
            # measure the harness, not the cores (builtin:mlp's 6 MiB of weights made 8 boards 1.53x).
            f.write(f"  - name: nap-{i}\n    model: builtin:tiny-cnn\n")


def section_start(lab):
    agent = os.path.join(lab.bin, "boardbench-agent")
    starts = [run([agent, "version"])[0] for _ in range(20)]
    board = lab.board()
    ws, env = lab.workspace()
    lab.enrol([board], ws, env)
    profile = os.path.join(ws, "one.yaml")
    with open(profile, "w") as f:
        f.write("name: one\nsettings:\n  warmupRuns: 0\n  warmupSeconds: 0\n  iterations: 1\n  counters: []\n  energy: false\n"
                "benchmarks:\n  - name: mlp\n    model: builtin:mlp\n")
    firsts, walls = [], []
    for _ in range(5):
        launched = time.time_ns()
        wall, *_ = lab.cli(["run", "--profile", profile, "--device", board.name, "-q"], ws, env)
        with sqlite3.connect(env["BOARDBENCH_DB"]) as db:
            started = db.execute("SELECT startedAtUnixNanoseconds FROM result ORDER BY id DESC LIMIT 1").fetchone()[0]
        firsts.append((started - launched) / 1e9)
        walls.append(wall)
    return {"agentProcessStartSeconds": statistics.median(starts), "runLaunchToFirstBenchmarkSeconds": statistics.median(firsts),
            "oneBenchmarkRunWallSeconds": statistics.median(walls), "repetitions": {"processStart": 20, "run": 5}}


def section_tables(lab, quick):
    # Four sizes (31, 96, about 450 and 1 257 blocks) show how build time and store size grow.
    builds = [("mini", None), ("ofa-mbv3", "224"), ("ofa-mbv3", "160,176,192,208,224")] + ([] if quick else [("ofa-mbv3", None)])
    board = lab.board()
    rows = []
    for space, resolutions in builds:
        ws, env = lab.workspace()
        lab.enrol([board], ws, env)
        if space == "mini":
            space = os.path.join(ws, "mini.yaml")
            with open(space, "w") as f:
                f.write(MINI_SPACE)
        args = ["table", "build", "--space", space, "--device", board.name, "--cores", "1", "--json"]
        for r in (resolutions or "").split(",") if resolutions else []:
            args += ["--resolutions", r]
        wall, cpu, rss, out, _ = lab.cli(args, ws, env)
        o = json.loads(out)
        rows.append({"space": os.path.basename(space).removesuffix(".yaml"), "resolutions": resolutions or "all", "blocks": o["measured"],
                     "wallSeconds": o["wallSeconds"], "processWallSeconds": wall, "deviceSeconds": o["deviceSeconds"],
                     "deviceShare": o["deviceSeconds"] / o["wallSeconds"], "blocksPerMinute": o["measured"] / o["wallSeconds"] * 60,
                     "hostCPUSeconds": cpu, "hostPeakRSSMiB": rss, "storeBytes": store_bytes(ws), "planBytes": o["planBytes"]})
    return rows


def section_scale(lab, counts, benchmarks, sleep_ms, iterations):
    """Per board count, two runs in one workspace: the first pushes the plan to every board
    (first contact), the repeat finds it there (the steady state of a farm)."""
    rows = []
    for k in counts:
        while len(lab.boards) < k + 2:  # boards of earlier sections stay; use fresh ones
            lab.board()
        boards = lab.boards[-k:]
        ws, env = lab.workspace()
        lab.enrol(boards, ws, env)
        profile = os.path.join(ws, "scale.yaml")
        sleeping_profile(profile, benchmarks, sleep_ms, iterations)
        devices = [a for b in boards for a in ("--device", b.name)]
        row = {"boards": k}
        for phase in ("first", "repeat"):
            wall, cpu, rss, _, _ = lab.cli(["run", "--profile", profile, "-q"] + devices, ws, env)
            with sqlite3.connect(env["BOARDBENCH_DB"]) as db:
                run_id = db.execute("SELECT max(id) FROM run").fetchone()[0]
                stored = db.execute("SELECT count(*) FROM result WHERE status = 'ok' AND runId = ?", (run_id,)).fetchone()[0]
            row[phase] = {"wallSeconds": wall, "hostCPUSeconds": cpu, "hostCPUSecondsPerBoard": cpu / k, "hostPeakRSSMiB": rss,
                          "results": stored, "expected": k * benchmarks}
        rows.append(row)
    for phase in ("first", "repeat"):
        base = rows[0][phase]["wallSeconds"]
        for r in rows:
            r[phase]["wallRelativeToOne"] = r[phase]["wallSeconds"] / base
    # Each benchmark sleeps once more than `iterations`: its cold-start execution.
    return {"benchmarksPerBoard": benchmarks, "sleepMilliseconds": sleep_ms, "iterations": iterations,
            "sleepSecondsPerBoard": benchmarks * (iterations + 1) * sleep_ms / 1000, "runs": rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the full ofa-mbv3 table (1 257 blocks, about 2 minutes)")
    ap.add_argument("--boards", default="1,2,4,8")
    ap.add_argument("--scale-benchmarks", type=int, default=40)
    ap.add_argument("--sections", default="overhead,store,start,tables,scale", help="comma-separated subset to run")
    ap.add_argument("--out")
    args = ap.parse_args()
    bindir = os.environ.get("BOARDBENCH_RELEASE_DIR") or os.path.join(ROOT, ".build", "release")
    if not all(os.access(os.path.join(bindir, p), os.X_OK) for p in ("boardbench", "boardbench-agent", "boardbench-bench")):
        for product in ("boardbench", "boardbench-agent", "boardbench-bench"):
            subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True)
    bench = os.path.join(bindir, "boardbench-bench")
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.machine())
    results = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "cpu": cpu, "cores": os.cpu_count(),
               "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()}
    sections = set(args.sections.split(","))
    if "overhead" in sections:
        results["overhead"] = json.loads(run([bench, "overhead"])[3])
    if "store" in sections:
        results["store"] = json.loads(run([bench, "store", "--results", "1000", "--samples", "1000"])[3])
    lab = Lab(bindir)
    try:
        if "start" in sections:
            results["start"] = section_start(lab)
        if "tables" in sections:
            results["tables"] = section_tables(lab, args.quick)
        if "scale" in sections:
            results["scale"] = section_scale(lab, [int(k) for k in args.boards.split(",")], args.scale_benchmarks, 25, 8)
    finally:
        lab.close()

    print(f"{results['cpu']}, {results['cores']} cores, commit {results['commit']}")
    if "overhead" in results:
        o = results["overhead"]
        print(f"clock read {o['clockReadNanoseconds']:.1f} ns; sample loop {o['loopNanosecondsPerSample']:.1f} ns per sample; "
              f"empty sample reads {o['emptySampleMedianNanoseconds']:.0f} ns")
    if "store" in results:
        s = results["store"]
        print(f"store: {s['samplesPerSecond']:,.0f} samples/s ({s['results']} results x {s['samplesPerResult']} samples), "
              f"{s['storeBytesPerSample']:.1f} bytes per sample")
    if "start" in results:
        st = results["start"]
        print(f"agent process start {st['agentProcessStartSeconds'] * 1000:.1f} ms; launch to first benchmark over SSH "
              f"{st['runLaunchToFirstBenchmarkSeconds']:.2f} s; one-benchmark run {st['oneBenchmarkRunWallSeconds']:.2f} s")
    if "tables" in results:
        print("table build over SSH: space, resolutions, blocks, wall s, device s, device share, blocks/min, host CPU s, store MiB")
        for t in results["tables"]:
            print(f"  {t['space']:10} {t['resolutions']:>19} {t['blocks']:5d} {t['wallSeconds']:8.1f} {t['deviceSeconds']:8.1f} "
                  f"{t['deviceShare'] * 100:6.1f}% {t['blocksPerMinute']:7.0f} {t['hostCPUSeconds']:7.1f} {t['storeBytes'] / 2**20:7.2f}")
    sc = results.get("scale", {"runs": []})
    if sc["runs"]:
        print(f"scale: {sc['benchmarksPerBoard']} sleeping benchmarks per board ({sc['sleepSecondsPerBoard']:.1f} s of sleep each)")
    for r in sc["runs"]:
        for phase in ("first", "repeat"):
            p = r[phase]
            print(f"  {r['boards']} board(s), {phase:6}: {p['wallSeconds']:6.2f} s wall ({p['wallRelativeToOne']:.3f}x), host CPU "
                  f"{p['hostCPUSeconds']:.2f} s ({p['hostCPUSecondsPerBoard']:.2f} s/board), peak RSS {p['hostPeakRSSMiB']:.0f} MiB, "
                  f"{p['results']}/{p['expected']} results")
    out = args.out or os.path.join(HERE, "results", f"harness-{results['date'][:10]}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"written {out}")


if __name__ == "__main__":
    main()
