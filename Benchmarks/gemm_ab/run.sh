#!/usr/bin/env bash
# Interleaved A/B of two builds of the packed GEMM (Sources/CKernels/Gemm.c) on this machine.
#   Benchmarks/gemm_ab/run.sh "FLAGS FOR B" ["FLAGS FOR A"]
# e.g. Benchmarks/gemm_ab/run.sh "-DKC=256". KC, STRIP_OUTER_K and MC_FLOATS become overridable
# in the copy under test; other experiments edit that copy (see gemm-under-test.c after a run).
# Prints B's median time over A's for the networks' characteristic products (< 1: B is faster).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed -e 's/^#define KC \(.*\)/#ifndef KC\n#define KC \1\n#endif/' \
    -e 's/^#define STRIP_OUTER_K \(.*\)/#ifndef STRIP_OUTER_K\n#define STRIP_OUTER_K \1\n#endif/' \
    -e 's/^#define MC_FLOATS \(.*\)/#ifndef MC_FLOATS\n#define MC_FLOATS \1\n#endif/' \
    "$root/Sources/CKernels/Gemm.c" > "$work/gemm-under-test.c"
cp "$here/variant.c" "$work/"
inc=(-I"$root/Sources/CKernels/include" -I"$root/Sources/CKernels" -I"$work")
# The flags SwiftPM builds the C target with in release mode.
cflags=(-O2 -fno-omit-frame-pointer)
clang "${cflags[@]}" "${inc[@]}" -c -o "$work/a.o" -D'NAME(x)=va_##x' ${2:-} "$work/variant.c"
clang "${cflags[@]}" "${inc[@]}" -c -o "$work/b.o" -D'NAME(x)=vb_##x' ${1:-} "$work/variant.c"
clang "${cflags[@]}" "${inc[@]}" -o "$work/harness" "$here/harness.c" "$work/a.o" "$work/b.o" "$root/Sources/CKernels/Gemm.c" -lm
# ResNet-18 3x3 layers, ViT's projection, MobileNetV2's widest 1x1 products.
for shape in "64 3136 576 60" "256 196 2304 60" "128 784 1152 60" "512 49 4608 40" "197 576 192 60" "96 12544 16 30" "144 3136 24 30"; do
    # shellcheck disable=SC2086
    "$work/harness" $shape
done
