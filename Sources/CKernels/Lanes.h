#ifndef CKERNELS_LANES_H
#define CKERNELS_LANES_H
// Eight-float vectors and the fused activations, shared by the kernels of this target (private:
// not in include/). Every helper is always_inline, so each ISA build gets its own copy.

#include "CKernels.h"

#include <math.h>

// The helpers pass vectors by value but are always inlined, so no call ever uses that ABI.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));
typedef int vi8 __attribute__((vector_size(32)));

#define INLINE static inline __attribute__((always_inline))

INLINE v8 load8(const float *p) { return *(const v8u *)p; }
INLINE void store8(float *p, v8 v) { *(v8u *)p = v; }
INLINE v8 splat(float x) { return (v8){x, x, x, x, x, x, x, x}; }
/// mask ? a : b, lane by lane (comparisons give all-ones or zero lanes).
INLINE v8 select8(vi8 mask, v8 a, v8 b) { return (v8)(((vi8)a & mask) | ((vi8)b & ~mask)); }

// The activations exactly as Activation+Vector.swift computes them. `kind` is the activation's
// kind as a constant the compiler folds (callers instantiate their loops per common kind), or
// -1 to read `a->kind` at run time.
INLINE v8 activate8k(v8 v, const CKernels_Activation *a, int kind) {
    const v8 zero = splat(0), one = splat(1);
    switch (kind < 0 ? a->kind : kind) {
    case 1: return select8(v < zero, zero, v);
    case 2: {
        const v8 lo = splat(a->min), hi = splat(a->max);
        const v8 l = select8(v < lo, lo, v);
        return select8(l > hi, hi, l);
    }
    case 3: return select8(v < zero, v * splat(a->alpha), v);
    case 4: {
        const v8 g = v / splat(6) + splat(0.5f);
        return v * select8(g > one, one, select8(g < zero, zero, g));
    }
    case 5: {
        const v8 g = splat(a->alpha) * v + splat(a->beta);
        return select8(g > one, one, select8(g < zero, zero, g));
    }
    case 6:
        for (int i = 0; i < 8; i++) v[i] = 1 / (1 + expf(-v[i]));
        return v;
    default: return v;
    }
}

INLINE v8 activate8(v8 v, const CKernels_Activation *a) { return activate8k(v, a, -1); }

INLINE float activate1(float v, const CKernels_Activation *a) {
    switch (a->kind) {
    case 1: return v < 0 ? 0 : v;
    case 2: {
        const float l = v < a->min ? a->min : v;
        return l > a->max ? a->max : l;
    }
    case 3: return v < 0 ? v * a->alpha : v;
    case 4: {
        const float g = v / 6 + 0.5f;
        return v * (g > 1 ? 1 : (g < 0 ? 0 : g));
    }
    case 5: {
        const float g = a->alpha * v + a->beta;
        return g > 1 ? 1 : (g < 0 ? 0 : g);
    }
    case 6: return 1 / (1 + expf(-v));
    default: return v;
    }
}

#endif
