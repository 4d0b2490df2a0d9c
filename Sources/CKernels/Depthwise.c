#include "Lanes.h"

#include <string.h>

// Depthwise convolution, one plane at a time, from the zero-padded copy the Swift kernel makes
// (`PaddedPlane`): every output is an interior one, so each eight-column group of an output row
// is a sum over the taps of contiguous loads, with bias and activation applied before the one
// store. One body, two builds, as in Gemm.c.

/// Stores the first `count` (< 8) lanes of `v`.
INLINE void storePartial(float *dst, v8 v, int count) {
    float lanes[8];
    store8(lanes, v);
    memcpy(dst, lanes, (size_t)count * sizeof(float));
}

INLINE void depthwiseBody(
    const float *src, ptrdiff_t rowStep, const ptrdiff_t *offsets, int taps, const float *weights, float bias,
    const CKernels_Activation *activation, float *dst, int outH, int outW) {
    const v8 b = splat(bias);
    // An eight-lane store may spill into the next row (written after it) but never past the plane.
    const ptrdiff_t safeEnd = (ptrdiff_t)outH * outW - 8;
    if (taps == 9) {
        const ptrdiff_t o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3], o4 = offsets[4], o5 = offsets[5],
                        o6 = offsets[6], o7 = offsets[7], o8 = offsets[8];
        const v8 w0 = splat(weights[0]), w1 = splat(weights[1]), w2 = splat(weights[2]), w3 = splat(weights[3]), w4 = splat(weights[4]),
                 w5 = splat(weights[5]), w6 = splat(weights[6]), w7 = splat(weights[7]), w8 = splat(weights[8]);
        for (int oy = 0; oy < outH; oy++) {
            const float *window = src + oy * rowStep;
            float *line = dst + (ptrdiff_t)oy * outW;
            int ox = 0;
            // Sixteen columns at a time: two independent chains per kernel row.
            for (; ox + 16 <= outW; ox += 16) {
                const float *r = window + ox;
                v8 a0 = load8(r + o0) * w0, a1 = load8(r + o3) * w3, a2 = load8(r + o6) * w6;
                v8 c0 = load8(r + 8 + o0) * w0, c1 = load8(r + 8 + o3) * w3, c2 = load8(r + 8 + o6) * w6;
                a0 += load8(r + o1) * w1;
                a1 += load8(r + o4) * w4;
                a2 += load8(r + o7) * w7;
                c0 += load8(r + 8 + o1) * w1;
                c1 += load8(r + 8 + o4) * w4;
                c2 += load8(r + 8 + o7) * w7;
                a0 += load8(r + o2) * w2;
                a1 += load8(r + o5) * w5;
                a2 += load8(r + o8) * w8;
                c0 += load8(r + 8 + o2) * w2;
                c1 += load8(r + 8 + o5) * w5;
                c2 += load8(r + 8 + o8) * w8;
                store8(line + ox, activate8(a0 + a1 + a2 + b, activation));
                store8(line + ox + 8, activate8(c0 + c1 + c2 + b, activation));
            }
            for (; ox < outW; ox += 8) {
                const float *r = window + ox;
                v8 a0 = load8(r + o0) * w0, a1 = load8(r + o3) * w3, a2 = load8(r + o6) * w6;
                a0 += load8(r + o1) * w1;
                a1 += load8(r + o4) * w4;
                a2 += load8(r + o7) * w7;
                a0 += load8(r + o2) * w2;
                a1 += load8(r + o5) * w5;
                a2 += load8(r + o8) * w8;
                const v8 v = activate8(a0 + a1 + a2 + b, activation);
                if ((ptrdiff_t)oy * outW + ox <= safeEnd) {
                    store8(line + ox, v);
                } else {
                    storePartial(line + ox, v, outW - ox);
                }
            }
        }
        return;
    }
    for (int oy = 0; oy < outH; oy++) {
        const float *window = src + oy * rowStep;
        float *line = dst + (ptrdiff_t)oy * outW;
        for (int ox = 0; ox < outW; ox += 8) {
            const float *r = window + ox;
            v8 a0 = splat(0), a1 = splat(0);
            int t = 0;
            for (; t + 2 <= taps; t += 2) {
                a0 += load8(r + offsets[t]) * splat(weights[t]);
                a1 += load8(r + offsets[t + 1]) * splat(weights[t + 1]);
            }
            if (t < taps) a0 += load8(r + offsets[t]) * splat(weights[t]);
            const v8 v = activate8(a0 + a1 + b, activation);
            if ((ptrdiff_t)oy * outW + ox <= safeEnd) {
                store8(line + ox, v);
            } else {
                storePartial(line + ox, v, outW - ox);
            }
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) static void depthwiseAVX2(
    const float *src, ptrdiff_t rowStep, const ptrdiff_t *offsets, int taps, const float *weights, float bias,
    const CKernels_Activation *activation, float *dst, int outH, int outW) {
    depthwiseBody(src, rowStep, offsets, taps, weights, bias, activation, dst, outH, outW);
}
#endif

static void depthwisePortable(
    const float *src, ptrdiff_t rowStep, const ptrdiff_t *offsets, int taps, const float *weights, float bias,
    const CKernels_Activation *activation, float *dst, int outH, int outW) {
    depthwiseBody(src, rowStep, offsets, taps, weights, bias, activation, dst, outH, outW);
}

void CKernels_depthwisePlane(
    int isa, const float *src, ptrdiff_t rowStep, const ptrdiff_t *offsets, int taps, const float *weights, float bias,
    const CKernels_Activation *activation, float *dst, int outH, int outW) {
    if (outH <= 0 || outW <= 0) return;
#if defined(__x86_64__) || defined(__i386__)
    if (isa == CKernels_isaAVX2) {
        depthwiseAVX2(src, rowStep, offsets, taps, weights, bias, activation, dst, outH, outW);
        return;
    }
#endif
    depthwisePortable(src, rowStep, offsets, taps, weights, bias, activation, dst, outH, outW);
}

void CKernels_deinterleave(const float *src, int pairs, float *even, float *odd) {
    int j = 0;
    for (; j + 8 <= pairs; j += 8) {
        const v8 a = load8(src + 2 * j), b = load8(src + 2 * j + 8);
        store8(even + j, __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14));
        store8(odd + j, __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15));
    }
    for (; j < pairs; j++) {
        even[j] = src[2 * j];
        odd[j] = src[2 * j + 1];
    }
}
