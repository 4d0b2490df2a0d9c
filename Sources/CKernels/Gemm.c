#include "Lanes.h"

#include <string.h>

// One body, two builds: every helper is always_inline, so `gemm_avx2` (compiled for AVX2+FMA)
// and `gemm_portable` (compiled for the baseline) each get their own copy of the whole loop
// nest. Vectors are eight floats: one ymm register with AVX2, two q registers on NEON.

#define MR CKernels_panelRows
#define NR 16
// Longest block of k (measured: 256 and 384 within noise, 384 better for k 320..576).
#define KC 384
// From this length of a block of k on, compute dominates the stores of C: loop strips outside
// and panels inside (each strip of B stays in L1 while up to MC_FLOATS of A stream from L2).
// Shorter blocks write C faster panel by panel, six rows left to right.
#define STRIP_OUTER_K 64
#define MC_FLOATS 49152


/// Copies a kc×cols block of B into a kc×NR strip, zero beyond `cols`.
INLINE void packB(int kc, int cols, const float *b, ptrdiff_t ldb, int transposed, float *strip) {
    if (transposed) {
        // b is B's n×k storage at (column n0, row k0): column j of the strip is row j of b.
        for (int j = 0; j < cols; j++) {
            const float *src = b + j * ldb;
            for (int k = 0; k < kc; k++) strip[k * NR + j] = src[k];
        }
        for (int j = cols; j < NR; j++) {
            for (int k = 0; k < kc; k++) strip[k * NR + j] = 0;
        }
    } else if (cols == NR) {
        for (int k = 0; k < kc; k++) {
            store8(strip + k * NR, load8(b + k * ldb));
            store8(strip + k * NR + 8, load8(b + k * ldb + 8));
        }
    } else {
        for (int k = 0; k < kc; k++) {
            int j = 0;
            for (; j < cols; j++) strip[k * NR + j] = b[k * ldb + j];
            for (; j < NR; j++) strip[k * NR + j] = 0;
        }
    }
}

/// Finishes one row of a tile: adds what C already holds unless this is the first block of k,
/// and on the last block adds bias and residual and applies the activation.
INLINE void storeRow(
    float *c, const float *acc, int cols, int first, int last, const CKernels_Epilogue *e, float rowBias, const float *columnBias,
    const float *residual) {
    const CKernels_Activation *act = &e->activation;
    if (cols == NR) {
        for (int h = 0; h < NR; h += 8) {
            v8 v = load8(acc + h);
            if (!first) v += load8(c + h);
            if (last) {
                if (columnBias) v += load8(columnBias + h);
                else v += splat(rowBias);
                if (residual) v += load8(residual + h);
                v = activate8(v, act);
            }
            store8(c + h, v);
        }
    } else {
        for (int j = 0; j < cols; j++) {
            float v = acc[j];
            if (!first) v += c[j];
            if (last) {
                v += columnBias ? columnBias[j] : rowBias;
                if (residual) v += residual[j];
                v = activate1(v, act);
            }
            c[j] = v;
        }
    }
}

/// One MR×NR tile of C over kc values of k: the products stay in twelve vector registers.
INLINE void tile(
    int kc, const float *a, const float *strip, float *c, ptrdiff_t ldc, int rows, int cols, int first, int last,
    const CKernels_Epilogue *e, int row0, int col0) {
    v8 acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = splat(0);
    for (int k = 0; k < kc; k++) {
        const v8 b0 = load8(strip + k * NR), b1 = load8(strip + k * NR + 8);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            const float ar = a[k * MR + r];
            acc[r][0] += b0 * ar;
            acc[r][1] += b1 * ar;
        }
    }
    float out[MR][NR];
    for (int r = 0; r < MR; r++) {
        store8(out[r], acc[r][0]);
        store8(out[r] + 8, acc[r][1]);
    }
    const float *columnBias = e->bias && e->biasPerColumn ? e->bias + col0 : NULL;
    for (int r = 0; r < rows; r++) {
        const float rowBias = e->bias && !e->biasPerColumn ? e->bias[row0 + r] : 0;
        const float *residual = e->residual ? e->residual + (row0 + r) * e->residualStride + col0 : NULL;
        storeRow(c + r * ldc, out[r], cols, first, last, e, rowBias, columnBias, residual);
    }
}

/// Blocks of NC columns and KC rows of B are packed once into `workspace` (L2), then every
/// tile of the block is computed in the order STRIP_OUTER_K picks.
INLINE void gemmBody(
    int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *e, float *workspace) {
    const int panels = (m + MR - 1) / MR;
    // Equal blocks of k no longer than KC.
    const int blocks = k > 0 ? (k + KC - 1) / KC : 1;
    const int blockLength = (k + blocks - 1) / blocks;
    // As many whole strips as fit the workspace with the longest block of k.
    int nc = CKernels_workspaceFloats / (blockLength > 0 ? blockLength : 1) / NR * NR;
    if (nc < NR) nc = NR;
    for (int n0 = 0; n0 < n; n0 += nc) {
        const int width = n - n0 < nc ? n - n0 : nc;
        const int strips = (width + NR - 1) / NR;
        for (int block = 0; block < blocks; block++) {
            const int k0 = block * blockLength;
            const int kc = k - k0 < blockLength ? k - k0 : blockLength;
            for (int s = 0; s < strips; s++) {
                const int col = n0 + s * NR, cols = n - col < NR ? n - col : NR;
                if (transposedB) packB(kc, cols, b + col * ldb + k0, ldb, 1, workspace + (size_t)s * kc * NR);
                else packB(kc, cols, b + k0 * ldb + col, ldb, 0, workspace + (size_t)s * kc * NR);
            }
            if (kc >= STRIP_OUTER_K) {
                const int mcp = MC_FLOATS / (MR * kc) > 0 ? MC_FLOATS / (MR * kc) : 1;
                for (int p0 = 0; p0 < panels; p0 += mcp) {
                    const int p1 = p0 + mcp < panels ? p0 + mcp : panels;
                    for (int s = 0; s < strips; s++) {
                        const int col = n0 + s * NR, cols = n - col < NR ? n - col : NR;
                        for (int p = p0; p < p1; p++) {
                            const int rows = m - p * MR < MR ? m - p * MR : MR;
                            const float *panel = packedA + (size_t)p * MR * k + (size_t)k0 * MR;
                            tile(
                                kc, panel, workspace + (size_t)s * kc * NR, c + p * MR * ldc + col, ldc, rows, cols, block == 0,
                                block == blocks - 1, e, p * MR, col);
                        }
                    }
                }
            } else {
                for (int p = 0; p < panels; p++) {
                    const int rows = m - p * MR < MR ? m - p * MR : MR;
                    const float *panel = packedA + (size_t)p * MR * k + (size_t)k0 * MR;
                    for (int s = 0; s < strips; s++) {
                        const int col = n0 + s * NR, cols = n - col < NR ? n - col : NR;
                        tile(
                            kc, panel, workspace + (size_t)s * kc * NR, c + p * MR * ldc + col, ldc, rows, cols, block == 0,
                            block == blocks - 1, e, p * MR, col);
                    }
                }
            }
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) static void gemmAVX2(
    int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *e, float *workspace) {
    gemmBody(m, n, k, packedA, b, ldb, transposedB, c, ldc, e, workspace);
}

int CKernels_bestISA(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? CKernels_isaAVX2 : CKernels_isaPortable;
}
#else
int CKernels_bestISA(void) { return CKernels_isaPortable; }
#endif

static void gemmPortable(
    int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *e, float *workspace) {
    gemmBody(m, n, k, packedA, b, ldb, transposedB, c, ldc, e, workspace);
}

void CKernels_gemm(
    int isa, int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *epilogue, float *workspace) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__) || defined(__i386__)
    if (isa == CKernels_isaAVX2) {
        gemmAVX2(m, n, k, packedA, b, ldb, transposedB, c, ldc, epilogue, workspace);
        return;
    }
#endif
    gemmPortable(m, n, k, packedA, b, ldb, transposedB, c, ldc, epilogue, workspace);
}

size_t CKernels_packedACount(int m, int k) { return (size_t)((m + MR - 1) / MR) * MR * (size_t)k; }

void CKernels_packA(int m, int k, const float *a, ptrdiff_t lda, float *packed) {
    const int panels = (m + MR - 1) / MR;
    for (int p = 0; p < panels; p++) {
        float *panel = packed + (size_t)p * MR * k;
        for (int r = 0; r < MR; r++) {
            const int row = p * MR + r;
            if (row < m) {
                for (int i = 0; i < k; i++) panel[i * MR + r] = a[row * lda + i];
            } else {
                for (int i = 0; i < k; i++) panel[i * MR + r] = 0;
            }
        }
    }
}
