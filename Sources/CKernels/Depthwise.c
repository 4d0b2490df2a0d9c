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

/// Transposes an 8×8 block held as eight row vectors: afterwards r[j][i] is the old r[i][j].
INLINE void transpose8(v8 r[8]) {
    const v8 t0 = __builtin_shufflevector(r[0], r[1], 0, 8, 1, 9, 4, 12, 5, 13), t1 = __builtin_shufflevector(r[0], r[1], 2, 10, 3, 11, 6, 14, 7, 15);
    const v8 t2 = __builtin_shufflevector(r[2], r[3], 0, 8, 1, 9, 4, 12, 5, 13), t3 = __builtin_shufflevector(r[2], r[3], 2, 10, 3, 11, 6, 14, 7, 15);
    const v8 t4 = __builtin_shufflevector(r[4], r[5], 0, 8, 1, 9, 4, 12, 5, 13), t5 = __builtin_shufflevector(r[4], r[5], 2, 10, 3, 11, 6, 14, 7, 15);
    const v8 t6 = __builtin_shufflevector(r[6], r[7], 0, 8, 1, 9, 4, 12, 5, 13), t7 = __builtin_shufflevector(r[6], r[7], 2, 10, 3, 11, 6, 14, 7, 15);
    const v8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13), u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    const v8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13), u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    const v8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13), u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    const v8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13), u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    r[0] = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
    r[4] = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
    r[1] = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
    r[5] = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
    r[2] = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
    r[6] = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
    r[3] = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
    r[7] = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
}

/// Eight channels of a depthwise convolution at once, the channels in the lanes: the planes are
/// interleaved into a zero-padded block (position-major, eight channels per position) with 8×8
/// transposes, every output position is one vector sum over the taps, and the outputs are
/// transposed back into their planes. On small planes (MobileNets' 14×14 and 7×7 stages) this
/// avoids the per-plane setup and row tails that cost the plane-by-plane rows as much as their
/// arithmetic.
INLINE void depthwise8Body(
    const float *const *inputs, const float *weights8, const float *bias8, const CKernels_Activation *activation, float *const *outputs,
    const CKernels_Window *win, float *scratch) {
    const int ph = (win->outH - 1) * win->strideH + (win->kh - 1) * win->dilH + 1;
    const int pw = (win->outW - 1) * win->strideW + (win->kw - 1) * win->dilW + 1;
    float *padded = scratch, *out = scratch + (size_t)ph * pw * 8;
    for (size_t i = 0; i < (size_t)ph * pw; i++) store8(padded + 8 * i, splat(0));
    // Input columns and rows whose padded position exists.
    const int ixEnd = win->w < pw - win->padLeft ? win->w : pw - win->padLeft;
    const int iyEnd = win->h < ph - win->padTop ? win->h : ph - win->padTop;
    for (int iy = 0; iy < iyEnd; iy++) {
        float *row = padded + ((size_t)(iy + win->padTop) * pw + win->padLeft) * 8;
        int ix = 0;
        for (; ix + 8 <= ixEnd; ix += 8) {
            v8 r[8];
            for (int c = 0; c < 8; c++) r[c] = inputs[c] ? load8(inputs[c] + (size_t)iy * win->w + ix) : splat(0);
            transpose8(r);
            for (int j = 0; j < 8; j++) store8(row + (size_t)(ix + j) * 8, r[j]);
        }
        for (; ix < ixEnd; ix++) {
            for (int c = 0; c < 8; c++) row[(size_t)ix * 8 + c] = inputs[c] ? inputs[c][(size_t)iy * win->w + ix] : 0;
        }
    }
    const int taps = win->kh * win->kw;
    ptrdiff_t offsets[taps];
    for (int ky = 0; ky < win->kh; ky++) {
        for (int kx = 0; kx < win->kw; kx++) offsets[ky * win->kw + kx] = ((ptrdiff_t)ky * win->dilH * pw + (ptrdiff_t)kx * win->dilW) * 8;
    }
    const v8 b = load8(bias8);
    for (int oy = 0; oy < win->outH; oy++) {
        for (int ox = 0; ox < win->outW; ox++) {
            const float *origin = padded + ((ptrdiff_t)oy * win->strideH * pw + (ptrdiff_t)ox * win->strideW) * 8;
            v8 a0 = b, a1 = splat(0);
            int t = 0;
            for (; t + 2 <= taps; t += 2) {
                a0 += load8(origin + offsets[t]) * load8(weights8 + 8 * t);
                a1 += load8(origin + offsets[t + 1]) * load8(weights8 + 8 * t + 8);
            }
            if (t < taps) a0 += load8(origin + offsets[t]) * load8(weights8 + 8 * t);
            store8(out + ((size_t)oy * win->outW + ox) * 8, activate8(a0 + a1, activation));
        }
    }
    // Output planes are contiguous over (oy, ox), as `out` is over positions.
    const size_t positions = (size_t)win->outH * win->outW;
    size_t i = 0;
    for (; i + 8 <= positions; i += 8) {
        v8 r[8];
        for (int j = 0; j < 8; j++) r[j] = load8(out + (i + j) * 8);
        transpose8(r);
        for (int c = 0; c < 8; c++) {
            if (outputs[c]) store8(outputs[c] + i, r[c]);
        }
    }
    for (; i < positions; i++) {
        for (int c = 0; c < 8; c++) {
            if (outputs[c]) outputs[c][i] = out[i * 8 + c];
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) static void depthwise8AVX2(
    const float *const *inputs, const float *weights8, const float *bias8, const CKernels_Activation *activation, float *const *outputs,
    const CKernels_Window *win, float *scratch) {
    depthwise8Body(inputs, weights8, bias8, activation, outputs, win, scratch);
}
#endif

static void depthwise8Portable(
    const float *const *inputs, const float *weights8, const float *bias8, const CKernels_Activation *activation, float *const *outputs,
    const CKernels_Window *win, float *scratch) {
    depthwise8Body(inputs, weights8, bias8, activation, outputs, win, scratch);
}

size_t CKernels_depthwise8ScratchFloats(const CKernels_Window *win) {
    const size_t ph = (size_t)(win->outH - 1) * win->strideH + (size_t)(win->kh - 1) * win->dilH + 1;
    const size_t pw = (size_t)(win->outW - 1) * win->strideW + (size_t)(win->kw - 1) * win->dilW + 1;
    return (ph * pw + (size_t)win->outH * win->outW) * 8;
}

void CKernels_depthwise8(
    int isa, const float *const *inputs, const float *weights8, const float *bias8, const CKernels_Activation *activation,
    float *const *outputs, const CKernels_Window *win, float *scratch) {
    if (win->outH <= 0 || win->outW <= 0) return;
#if defined(__x86_64__) || defined(__i386__)
    if (isa == CKernels_isaAVX2) {
        depthwise8AVX2(inputs, weights8, bias8, activation, outputs, win, scratch);
        return;
    }
#endif
    depthwise8Portable(inputs, weights8, bias8, activation, outputs, win, scratch);
}
