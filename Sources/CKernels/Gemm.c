#include "Lanes.h"

#include <string.h>

// One body, two builds: every helper is always_inline, so `gemm_avx2` (compiled for AVX2+FMA)
// and `gemm_portable` (compiled for the baseline) each get their own copy of the whole loop
// nest. Vectors are eight floats: one ymm register with AVX2, two q registers on NEON.

#define MR CKernels_panelRows
#define NR 16
// Longest block of k. 256 was no faster on ResNet-18's 3x3 products in interleaved A/Bs of both
// builds in one process (−2% to +8% time in two runs; Benchmarks/gemm_ab, docs/performance.md).
#define KC 384
// From this length of a block of k on, compute dominates the stores of C: loop strips outside
// and panels inside (each strip of B stays in L1 while up to MC_FLOATS of A stream from L2).
// Shorter blocks write C faster panel by panel, six rows left to right.
#define STRIP_OUTER_K 64
#define MC_FLOATS 49152


/// Copies a kc×cols block of a transposed B (stored n×k) into a kc×NR strip, zero beyond
/// `cols`: b points at (column n0, row k0), and column j of the strip is row j of b. Row-major B
/// is packed row by row instead (`packBlock`).
INLINE void packTransposedStrip(int kc, int cols, const float *b, ptrdiff_t ldb, float *strip) {
    for (int j = 0; j < cols; j++) {
        const float *src = b + j * ldb;
        for (int k = 0; k < kc; k++) strip[k * NR + j] = src[k];
    }
    for (int j = cols; j < NR; j++) {
        for (int k = 0; k < kc; k++) strip[k * NR + j] = 0;
    }
}

/// Copies row k of a block, `width` contiguous floats at `src`, into the block's strips (zero
/// past `width` in the last one).
INLINE void packRow(int k, int kc, int width, const float *src, float *workspace) {
    const int whole = width / NR, rest = width - whole * NR;
    float *dst = workspace + (size_t)k * NR;
    for (int s = 0; s < whole; s++) {
        store8(dst + (size_t)s * kc * NR, load8(src + s * NR));
        store8(dst + (size_t)s * kc * NR + 8, load8(src + s * NR + 8));
    }
    if (rest) {
        float *last = dst + (size_t)whole * kc * NR;
        int j = 0;
        for (; j < rest; j++) last[j] = src[whole * NR + j];
        for (; j < NR; j++) last[j] = 0;
    }
}

/// Packs a kc×width block of row-major B into its strips, reading B row by row: each row of the
/// block is one sequential run of memory (the hardware prefetcher follows it), where packing
/// strip by strip would touch kc rows per strip.
INLINE void packBlock(int kc, int width, const float *b, ptrdiff_t ldb, float *workspace) {
    for (int k = 0; k < kc; k++) packRow(k, kc, width, b + (size_t)k * ldb, workspace);
}

/// Packs rows k0 ..< k0 + kc, columns col ..< col + width, of an image's implicit im2col matrix
/// into a block's strips. Each row is gathered into `line` first, run by run along output rows
/// (a run of a stride-1 row inside the image is one copy), then copied as `packBlock` copies.
INLINE void packImageBlock(int kc, int k0, int col, int width, const CKernels_Image *im, float *workspace, float *line) {
    const int taps = im->kh * im->kw;
    int channel = k0 / taps, ky = k0 % taps / im->kw, kx = k0 % im->kw;
    const int oy0 = col / im->outW, ox0 = col % im->outW;
    for (int kk = 0; kk < kc; kk++) {
        const float *plane = im->x + (size_t)channel * im->h * im->w;
        // Output column ox reads input column ox·strideW + shift; columns oxLo ..< oxHi read
        // inside the image.
        const int shift = kx * im->dilW - im->padLeft, rowShift = ky * im->dilH - im->padTop;
        int oxLo = shift >= 0 ? 0 : (-shift + im->strideW - 1) / im->strideW;
        int oxHi = im->w - 1 - shift < 0 ? 0 : (im->w - 1 - shift) / im->strideW + 1;
        if (oxHi > im->outW) oxHi = im->outW;
        if (oxLo > oxHi) oxLo = oxHi;
        int j = 0, oy = oy0, ox = ox0;
        while (j < width) {
            const int run = width - j < im->outW - ox ? width - j : im->outW - ox;
            const int iy = oy * im->strideH + rowShift;
            float *dst = line + j - ox;  // dst[t] holds output column t of this run
            if (iy < 0 || iy >= im->h) {
                for (int t = ox; t < ox + run; t++) dst[t] = 0;
            } else {
                const float *src = plane + (size_t)iy * im->w + shift;
                // ox <= lo <= hi <= ox + run
                const int end = ox + run;
                const int lo = ox > oxLo ? ox : (oxLo < end ? oxLo : end);
                const int hi = end < oxHi ? (end > lo ? end : lo) : (oxHi > lo ? oxHi : lo);
                int t = ox;
                for (; t < lo; t++) dst[t] = 0;
                if (im->strideW == 1) {
                    for (; t < hi; t++) dst[t] = src[t];
                } else if (im->strideW == 2) {
                    // Even lanes of two loads (the stems' and downsampling layers' stride 2). The
                    // second load reaches one float past the last even one: t + 9 <= hi keeps
                    // it inside the image row.
                    for (; t + 9 <= hi; t += 8) {
                        const v8 a = load8(src + 2 * t), b = load8(src + 2 * t + 8);
                        store8(dst + t, __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14));
                    }
                    for (; t < hi; t++) dst[t] = src[2 * t];
                } else {
                    for (; t < hi; t++) dst[t] = src[t * im->strideW];
                }
                for (; t < end; t++) dst[t] = 0;
            }
            j += run;
            ox = 0;
            oy++;
        }
        packRow(kk, kc, width, line, workspace);
        if (++kx == im->kw) {
            kx = 0;
            if (++ky == im->kh) {
                ky = 0;
                channel++;
            }
        }
    }
}

/// Finishes eight columns of C: adds what C already holds unless this is the first block of k,
/// and on the last block adds bias and residual and applies the activation.
INLINE void store8Epilogue(
    float *c, v8 v, int first, int last, const CKernels_Epilogue *e, int kind, v8 bias, const float *residual) {
    if (!first) v += load8(c);
    if (last) {
        v += bias;
        if (residual) v += load8(residual);
        v = activate8k(v, &e->activation, kind);
    }
    store8(c, v);
}

/// `store8Epilogue` for the first `cols` (< NR) columns of one row of a tile.
INLINE void storeRowPartial(
    float *c, const float *acc, int cols, int first, int last, const CKernels_Epilogue *e, float rowBias, const float *columnBias,
    const float *residual) {
    for (int j = 0; j < cols; j++) {
        float v = acc[j];
        if (!first) v += c[j];
        if (last) {
            v += columnBias ? columnBias[j] : rowBias;
            if (residual) v += residual[j];
            v = activate1(v, &e->activation);
        }
        c[j] = v;
    }
}

/// One MR×NR tile of C over kc values of k: the products stay in twelve vector registers, and
/// a whole tile is stored straight from them.
INLINE void tile(
    int kc, const float *a, const float *strip, float *c, ptrdiff_t ldc, int rows, int cols, int first, int last,
    const CKernels_Epilogue *e, int kind, int row0, int col0) {
    v8 acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = splat(0);
    if (cols <= 8) {
        // A strip's last eight lanes hold only padding: half the products (a 7×7 image's
        // 49 columns end in a strip of one).
#pragma clang loop unroll_count(4)
        for (int k = 0; k < kc; k++) {
            const v8 b0 = load8(strip + k * NR);
#pragma clang loop unroll(full)
            for (int r = 0; r < MR; r++) acc[r][0] += b0 * a[k * MR + r];
        }
    } else {
        // Four values of k per iteration: 3–9% faster than one on every product measured
        // (interleaved A/B of both builds in one process, docs/performance.md).
#pragma clang loop unroll_count(4)
        for (int k = 0; k < kc; k++) {
            const v8 b0 = load8(strip + k * NR), b1 = load8(strip + k * NR + 8);
#pragma clang loop unroll(full)
            for (int r = 0; r < MR; r++) {
                const float ar = a[k * MR + r];
                acc[r][0] += b0 * ar;
                acc[r][1] += b1 * ar;
            }
        }
    }
    const float *columnBias = e->bias && e->biasPerColumn ? e->bias + col0 : NULL;
    if (cols == NR) {
        const v8 cb0 = columnBias ? load8(columnBias) : splat(0), cb1 = columnBias ? load8(columnBias + 8) : splat(0);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            if (r < rows) {
                const v8 rb = splat(e->bias && !e->biasPerColumn ? e->bias[row0 + r] : 0);
                const float *residual = e->residual ? e->residual + (row0 + r) * e->residualStride + col0 : NULL;
                store8Epilogue(c + r * ldc, acc[r][0], first, last, e, kind, cb0 + rb, residual);
                store8Epilogue(c + r * ldc + 8, acc[r][1], first, last, e, kind, cb1 + rb, residual ? residual + 8 : NULL);
            }
        }
        return;
    }
    float out[MR][NR];
    for (int r = 0; r < MR; r++) {
        store8(out[r], acc[r][0]);
        store8(out[r] + 8, acc[r][1]);
    }
    for (int r = 0; r < rows; r++) {
        const float rowBias = e->bias && !e->biasPerColumn ? e->bias[row0 + r] : 0;
        const float *residual = e->residual ? e->residual + (row0 + r) * e->residualStride + col0 : NULL;
        storeRowPartial(c + r * ldc, out[r], cols, first, last, e, rowBias, columnBias, residual);
    }
}

/// Blocks of NC columns and KC rows of B are packed once into `workspace` (L2), then every
/// tile of the block is computed in the order STRIP_OUTER_K picks.
INLINE void gemmLoops(
    int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, const CKernels_Image *image, const float *packedB,
    int column0, float *c, ptrdiff_t ldc, const CKernels_Epilogue *e, int kind, float *workspace) {
    const int panels = (m + MR - 1) / MR;
    // Equal blocks of k no longer than KC.
    const int blocks = k > 0 ? (k + KC - 1) / KC : 1;
    const int blockLength = (k + blocks - 1) / blocks;
    // As many whole strips as fit the workspace with the longest block of k.
    int nc = CKernels_workspaceFloats / (blockLength > 0 ? blockLength : 1) / NR * NR;
    if (nc < NR) nc = NR;
    // An image's rows are gathered through a line of nc floats on the stack: at most 16 KiB.
    if (image && nc > 4096) nc = 4096;
    for (int n0 = 0; n0 < n; n0 += nc) {
        const int width = n - n0 < nc ? n - n0 : nc;
        const int strips = (width + NR - 1) / NR;
        for (int block = 0; block < blocks; block++) {
            const int k0 = block * blockLength;
            const int kc = k - k0 < blockLength ? k - k0 : blockLength;
            // Where strip s of this block starts, and the floats between strips: the workspace
            // the block is packed into, or B packed once by `CKernels_packB`.
            const float *strips0 = workspace;
            size_t stripStride = (size_t)kc * NR;
            if (packedB) {
                strips0 = packedB + (size_t)((column0 + n0) / NR) * k * NR + (size_t)k0 * NR;
                stripStride = (size_t)k * NR;
            } else if (image) {
                float line[width];
                packImageBlock(kc, k0, column0 + n0, width, image, workspace, line);
            } else if (!transposedB) {
                packBlock(kc, width, b + (size_t)k0 * ldb + n0, ldb, workspace);
            } else {
                for (int s = 0; s < strips; s++) {
                    const int col = n0 + s * NR, cols = n - col < NR ? n - col : NR;
                    packTransposedStrip(kc, cols, b + col * ldb + k0, ldb, workspace + (size_t)s * kc * NR);
                }
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
                                kc, panel, strips0 + s * stripStride, c + p * MR * ldc + col, ldc, rows, cols, block == 0,
                                block == blocks - 1, e, kind, p * MR, col);
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
                            kc, panel, strips0 + s * stripStride, c + p * MR * ldc + col, ldc, rows, cols, block == 0,
                            block == blocks - 1, e, kind, p * MR, col);
                    }
                }
            }
        }
    }
}

/// `gemmLoops` with the activation's kind a constant for the common kinds (none, ReLU, clip,
/// hard-swish), so the epilogue of each tile carries no dispatch.
INLINE void gemmBody(
    int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, const CKernels_Image *image, const float *packedB,
    int column0, float *c, ptrdiff_t ldc, const CKernels_Epilogue *e, float *workspace) {
    switch (e->activation.kind) {
    case 0: gemmLoops(m, n, k, packedA, b, ldb, transposedB, image, packedB, column0, c, ldc, e, 0, workspace); break;
    case 1: gemmLoops(m, n, k, packedA, b, ldb, transposedB, image, packedB, column0, c, ldc, e, 1, workspace); break;
    case 2: gemmLoops(m, n, k, packedA, b, ldb, transposedB, image, packedB, column0, c, ldc, e, 2, workspace); break;
    case 4: gemmLoops(m, n, k, packedA, b, ldb, transposedB, image, packedB, column0, c, ldc, e, 4, workspace); break;
    default: gemmLoops(m, n, k, packedA, b, ldb, transposedB, image, packedB, column0, c, ldc, e, -1, workspace); break;
    }
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) static void gemmAVX2(
    int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, const CKernels_Image *image, const float *packedB,
    int column0, float *c, ptrdiff_t ldc, const CKernels_Epilogue *e, float *workspace) {
    gemmBody(m, n, k, packedA, b, ldb, transposedB, image, packedB, column0, c, ldc, e, workspace);
}

int CKernels_bestISA(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? CKernels_isaAVX2 : CKernels_isaPortable;
}
#else
int CKernels_bestISA(void) { return CKernels_isaPortable; }
#endif

static void gemmPortable(
    int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, const CKernels_Image *image, const float *packedB,
    int column0, float *c, ptrdiff_t ldc, const CKernels_Epilogue *e, float *workspace) {
    gemmBody(m, n, k, packedA, b, ldb, transposedB, image, packedB, column0, c, ldc, e, workspace);
}

static void gemmDispatch(
    int isa, int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, const CKernels_Image *image,
    const float *packedB, int column0, float *c, ptrdiff_t ldc, const CKernels_Epilogue *epilogue, float *workspace) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__) || defined(__i386__)
    if (isa == CKernels_isaAVX2) {
        gemmAVX2(m, n, k, packedA, b, ldb, transposedB, image, packedB, column0, c, ldc, epilogue, workspace);
        return;
    }
#endif
    gemmPortable(m, n, k, packedA, b, ldb, transposedB, image, packedB, column0, c, ldc, epilogue, workspace);
}

void CKernels_gemm(
    int isa, int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *epilogue, float *workspace) {
    gemmDispatch(isa, m, n, k, packedA, b, ldb, transposedB, NULL, NULL, 0, c, ldc, epilogue, workspace);
}

void CKernels_gemmImage(
    int isa, int m, int n, int k, const float *packedA, const CKernels_Image *image, int column0, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *epilogue, float *workspace) {
    gemmDispatch(isa, m, n, k, packedA, NULL, 0, 0, image, NULL, column0, c, ldc, epilogue, workspace);
}

void CKernels_gemmPackedB(
    int isa, int m, int n, int k, const float *packedA, const float *packedB, int column0, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *epilogue, float *workspace) {
    gemmDispatch(isa, m, n, k, packedA, NULL, 0, 0, NULL, packedB, column0, c, ldc, epilogue, workspace);
}

size_t CKernels_packedBCount(int n, int k) { return (size_t)((n + NR - 1) / NR) * NR * (size_t)k; }

void CKernels_packB(int n, int k, const float *b, ptrdiff_t ldb, int transposed, float *packed) {
    if (!transposed) {
        // One block of all k rows: the strips land k·NR floats apart, as `gemmPackedB` reads them.
        packBlock(k, n, b, ldb, packed);
        return;
    }
    for (int s = 0; s * NR < n; s++) {
        const int col = s * NR, cols = n - col < NR ? n - col : NR;
        packTransposedStrip(k, cols, b + col * ldb, ldb, packed + (size_t)s * k * NR);
    }
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
