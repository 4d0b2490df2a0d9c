#include "Lanes.h"

#include <limits.h>

// GELU, erf and softmax rows: Cephes' expf (as VectorMath.exp) and Abramowitz & Stegun 7.1.26
// for erf, over eight lanes, built for AVX2+FMA and portably as in Gemm.c. Swift
// compiles its SIMD types for the baseline ISA (SSE on x86-64), half the width of AVX2; these
// loops run where a network spends most of its time outside products (a transformer's GELU and
// attention softmax).

/// e^x, relative error < 2e-7 for x in −87.3 ... 88.3; x is clamped to that range, a NaN stays NaN.
INLINE v8 exp8(v8 v) {
    const v8 lo = splat(-87.3f), hi = splat(88.3f);
    v8 x = select8(v < lo, lo, v);
    x = select8(x > hi, hi, x);
    const v8 shifted = x * 1.442695040f + 12582912.0f;
    const v8 n = shifted - 12582912.0f;
    v8 r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    v8 p = splat(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    const vi8 exponent = (((vi8)shifted - 0x4B400000) + 127) << 23;
    return p * (v8)exponent;
}

/// erf(x), absolute error < 4e-7.
INLINE v8 erf8(v8 x) {
    const vi8 bits = (vi8)x;
    const vi8 sign = bits & INT_MIN;
    const v8 a = (v8)(bits & INT_MAX);
    const v8 t = 1.0f / (a * 0.3275911f + 1.0f);
    v8 poly = t * 1.061405429f - 1.453152027f;
    poly = poly * t + 1.421413741f;
    poly = poly * t - 0.284496736f;
    poly = poly * t + 0.254829592f;
    poly = poly * t;
    const v8 y = 1.0f - poly * exp8(-(a * a));
    return (v8)((vi8)y | sign);
}

INLINE v8 gelu8(v8 x) { return x * 0.5f * (1.0f + erf8(x * 0.70710677f)); }

/// Eight lanes at a time; the tail goes through the same lanes, zero-padded, so every element
/// gets the same arithmetic wherever it lies.
#define MAP_BODY(f)                                                                                                            \
    int i = 0;                                                                                                                 \
    for (; i + 8 <= n; i += 8) store8(y + i, f(load8(x + i)));                                                                 \
    if (i < n) {                                                                                                               \
        float tail[8] = {0};                                                                                                   \
        for (int k = 0; k < n - i; k++) tail[k] = x[i + k];                                                                    \
        store8(tail, f(load8(tail)));                                                                                          \
        for (int k = 0; k < n - i; k++) y[i + k] = tail[k];                                                                    \
    }

INLINE void geluBody(const float *x, float *y, int n) { MAP_BODY(gelu8) }
INLINE void erfBody(const float *x, float *y, int n) { MAP_BODY(erf8) }

/// y = exp(x − max) / Σ exp(x − max) over one contiguous row.
INLINE void softmaxBody(const float *x, float *y, int n) {
    v8 vm = splat(-INFINITY);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const v8 v = load8(x + i);
        vm = select8(vm < v, v, vm);
    }
    float m = -INFINITY;
    for (int k = 0; k < 8; k++) m = vm[k] > m ? vm[k] : m;
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    const v8 vmax = splat(m);
    v8 vtotal = splat(0);
    for (i = 0; i + 8 <= n; i += 8) {
        const v8 e = exp8(load8(x + i) - vmax);
        store8(y + i, e);
        vtotal += e;
    }
    // Pairwise, as Float8.laneSum adds.
    float total = ((vtotal[0] + vtotal[4]) + (vtotal[2] + vtotal[6])) + ((vtotal[1] + vtotal[5]) + (vtotal[3] + vtotal[7]));
    if (i < n) {
        float tail[8] = {0};
        for (int k = 0; k < n - i; k++) tail[k] = x[i + k] - m;
        store8(tail, exp8(load8(tail)));
        for (int k = 0; k < n - i; k++) {
            y[i + k] = tail[k];
            total += tail[k];
        }
    }
    const float r = 1.0f / total;
    for (i = 0; i + 8 <= n; i += 8) store8(y + i, load8(y + i) * r);
    for (; i < n; i++) y[i] *= r;
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) static void geluAVX2(const float *x, float *y, int n) { geluBody(x, y, n); }
__attribute__((target("avx2,fma"))) static void erfAVX2(const float *x, float *y, int n) { erfBody(x, y, n); }
__attribute__((target("avx2,fma"))) static void softmaxAVX2(const float *x, float *y, int n) { softmaxBody(x, y, n); }
#define DISPATCH(name, ...)                                                                                                    \
    if (isa == CKernels_isaAVX2) {                                                                                             \
        name##AVX2(__VA_ARGS__);                                                                                               \
        return;                                                                                                                \
    }
#else
#define DISPATCH(name, ...)
#endif

static void geluPortable(const float *x, float *y, int n) { geluBody(x, y, n); }
static void erfPortable(const float *x, float *y, int n) { erfBody(x, y, n); }
static void softmaxPortable(const float *x, float *y, int n) { softmaxBody(x, y, n); }

void CKernels_gelu(int isa, const float *x, float *y, int n) {
    DISPATCH(gelu, x, y, n)
    geluPortable(x, y, n);
}

void CKernels_erf(int isa, const float *x, float *y, int n) {
    DISPATCH(erf, x, y, n)
    erfPortable(x, y, n);
}

void CKernels_softmaxRow(int isa, const float *x, float *y, int n) {
    DISPATCH(softmax, x, y, n)
    softmaxPortable(x, y, n);
}
