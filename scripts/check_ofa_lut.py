#!/usr/bin/env python3
"""Loads an `ofa-yaml` export the way Once-for-All's MBv3LatencyTable does (one
`<R>_lookup_table.yaml` per resolution, keys built from the network spec, only `mean` read) and
prints the predicted latency of an OFA arch dict {ks, e, d, r}. Written from OFA's published
format, independently of BoardBench's code, to check the export:

    /usr/bin/python3 scripts/check_ofa_lut.py LUT_DIR arch.json
"""
import json
import sys

import yaml


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def shape(*dims):
    return "x".join(str(d) for d in dims)


def predict(lut, spec):
    r = spec["r"][0]
    widths, strides = [24, 40, 80, 112, 160], [2, 2, 2, 1, 2]
    se, hs = [0, 1, 0, 1, 1], [0, 0, 1, 1, 1]
    total, keys = 0.0, []

    def q(key):
        nonlocal total
        keys.append(key)
        total += lut[key]["mean"]

    f = (r + 1) // 2
    q("Conv-input:%s-output:%s" % (shape(r, r, 3), shape(f, f, 16)))
    q("expanded_conv-input:%s-output:%s-expand:16-kernel:3-stride:1-idskip:1-se:0-hs:0" % (shape(f, f, 16), shape(f, f, 16)))
    c, i = 16, 0
    for stage, depth in enumerate(spec["d"]):
        for b in range(4):
            if b < depth:
                stride = strides[stage] if b == 0 else 1
                out_f = (f - 1) // stride + 1
                mid = make_divisible(round(c * spec["e"][i]))
                idskip = 1 if stride == 1 and c == widths[stage] else 0
                q("expanded_conv-input:%s-output:%s-expand:%d-kernel:%d-stride:%d-idskip:%d-se:%d-hs:%d"
                  % (shape(f, f, c), shape(out_f, out_f, widths[stage]), mid, spec["ks"][i], stride, idskip, se[stage], hs[stage]))
                f, c = out_f, widths[stage]
            i += 1
    q("Conv_1-input:%s-output:%s" % (shape(f, f, 160), shape(f, f, 960)))
    q("AvgPool2D-input:%s-output:%s" % (shape(f, f, 960), shape(1, 1, 960)))
    q("Conv_2-input:%s-output:%s" % (shape(1, 1, 960), shape(1, 1, 1280)))
    q("Logits-input:%s-output:1000" % shape(1, 1, 1280))
    return total, keys


if __name__ == "__main__":
    spec = json.load(open(sys.argv[2]))
    lut = yaml.safe_load(open("%s/%d_lookup_table.yaml" % (sys.argv[1], spec["r"][0])))
    total, keys = predict(lut, spec)
    print("%.6f ms over %d entries" % (total, len(keys)))
