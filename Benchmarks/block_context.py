#!/usr/bin/env python3
"""Why a network is not the sum of its blocks: compares each block's time inside the network
(per-node profile of the whole plan, `boardbench-bench run --profile-iterations`) with the same
block measured alone (the latency table's entries, `boardbench predict --json`), per block kind.

    boardbench compile arch.json -o net.plan
    taskset -c 1 boardbench-bench run net.plan --iterations 50 --profile-iterations 50 > net.json
    boardbench predict --space ofa-mbv3 --device local --cores 1 --arch arch.json --json > pred.json
    python3 Benchmarks/block_context.py net.json pred.json
"""
import json
import sys
from collections import defaultdict

net = json.load(open(sys.argv[1]))
pred = json.load(open(sys.argv[2]))
nodes = net["nodes"]
rows = []
for layer in pred["layers"]:
    name = layer["name"]
    inside = sum(n["nanoseconds"] for n in nodes if n["name"] == name or n["name"].startswith(name + "."))
    rows.append((layer["key"].split("-")[0], name, layer["nanoseconds"], inside))
by_kind = defaultdict(lambda: [0.0, 0.0, 0])
for kind, _, alone, inside in rows:
    k = by_kind[kind]
    k[0] += alone
    k[1] += inside
    k[2] += 1
profiled = sum(n["nanoseconds"] for n in nodes)
print("whole network, median of %d runs: %.3f ms" % (len(net["samplesNanoseconds"]), net["medianNanoseconds"] / 1e6))
print("sum of its nodes' profiled times:  %.3f ms" % (profiled / 1e6))
print("sum of blocks measured alone:      %.3f ms (the table's prediction)" % (pred["nanoseconds"] / 1e6))
print("%-14s %6s %12s %12s %7s" % ("kind", "blocks", "alone ms", "inside ms", "ratio"))
for kind, (alone, inside, n) in sorted(by_kind.items()):
    print("%-14s %6d %12.3f %12.3f %7.3f" % (kind, n, alone / 1e6, inside / 1e6, inside / alone if alone else 0))
for kind, name, alone, inside in sorted(rows, key=lambda r: -(r[3] - r[2]))[:5]:
    print("largest gap: %-16s %-6s alone %.3f ms, inside %.3f ms" % (name, kind, alone / 1e6, inside / 1e6))
