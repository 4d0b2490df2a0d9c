#ifndef CKERNELS_H
#define CKERNELS_H
#include <stddef.h>

// Hand-written GEMM micro-kernels for the runtime's convolutions and dense layers, each built
// twice: for AVX2+FMA (x86-64, chosen at run time) and portably (GCC vector extensions, which
// lower to NEON on aarch64 and SSE on older x86). Nothing here allocates or keeps state.

/// Instruction sets a kernel can run with. `CKernels_isaAVX2` is valid only where
/// `CKernels_bestISA()` returns it.
enum {
    CKernels_isaPortable = 0,
    CKernels_isaAVX2 = 1,
};

/// Rows of C one micro-kernel call computes, and so rows of one packed A panel.
enum { CKernels_panelRows = 6 };

/// Floats of workspace one `CKernels_gemm` call needs (each concurrent call its own): packed
/// blocks of B, 128 KiB, so they stay in L2.
enum { CKernels_workspaceFloats = 32768 };

/// The fastest instruction set this CPU supports (checked with cpuid, no ifunc).
int CKernels_bestISA(void);

/// A fused activation; `kind` takes ModelPlan's `FusedActivation` raw values
/// (0 none, 1 relu, 2 clip, 3 leakyRelu, 4 hardSwish, 5 hardSigmoid, 6 sigmoid).
typedef struct {
    int kind;
    float min, max, alpha, beta;
} CKernels_Activation;

/// Applied to every element of C as it is stored: c = activation(sum + bias + residual).
typedef struct {
    /// One value per row of C (convolutions) or per column (dense layers); may be NULL.
    const float *bias;
    int biasPerColumn;
    /// Added before the activation, with row stride `residualStride`; may be NULL.
    const float *residual;
    ptrdiff_t residualStride;
    CKernels_Activation activation;
} CKernels_Epilogue;

/// Floats `CKernels_packB` writes for a k×n matrix: whole strips of 16 columns.
size_t CKernels_packedBCount(int n, int k);

/// Packs B (k×n row-major with row stride ldb, or with `transposed` stored n×k) into strips:
/// strip s holds, for each k in order, columns 16s..16s+15 (columns past n are zero). For a
/// constant B (a dense layer's weights), packed once at load.
void CKernels_packB(int n, int k, const float *b, ptrdiff_t ldb, int transposed, float *packed);

/// `CKernels_gemm` with B packed by `CKernels_packB`, columns `column0` ..< `column0 + n`;
/// `column0` must be a multiple of 16. No packing per call.
void CKernels_gemmPackedB(
    int isa, int m, int n, int k, const float *packedA, const float *packedB, int column0, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *epilogue, float *workspace);

/// Floats `CKernels_packA` writes for an m×k matrix: whole panels of `CKernels_panelRows` rows.
size_t CKernels_packedACount(int m, int k);

/// Packs row-major A (row stride `lda`) into panels: panel p holds, for each k in order, the
/// values of rows 6p..6p+5 (rows past m are zero).
void CKernels_packA(int m, int k, const float *a, ptrdiff_t lda, float *packed);

/// A convolution's input image read as the B of a GEMM, without writing the im2col matrix:
/// row r = (channel·kh + ky)·kw + kx, column j = oy·outW + ox, and
/// B[r][j] = x[channel][oy·strideH − padTop + ky·dilH][ox·strideW − padLeft + kx·dilW], zero
/// outside the h×w plane. Each block of B is gathered straight into the kernel's packed strips.
typedef struct {
    const float *x;
    int h, w, kh, kw, outW;
    int strideH, strideW, padTop, padLeft, dilH, dilW;
} CKernels_Image;

/// C[m×n] (row stride ldc) = epilogue(A · B) with A packed by `CKernels_packA` and B row-major
/// k×n (row stride ldb), or, with `transposedB`, B stored as n×k (row stride ldb). Every element
/// of C is one sum over k in increasing order, however the caller splits m and n.
void CKernels_gemm(
    int isa, int m, int n, int k, const float *packedA, const float *b, ptrdiff_t ldb, int transposedB, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *epilogue, float *workspace);

/// `CKernels_gemm` with B the columns `column0` ..< `column0 + n` of `image` (implicit im2col).
/// The sums are the same, in the same order, as over an explicit im2col matrix.
void CKernels_gemmImage(
    int isa, int m, int n, int k, const float *packedA, const CKernels_Image *image, int column0, float *c, ptrdiff_t ldc,
    const CKernels_Epilogue *epilogue, float *workspace);

/// One output plane of a depthwise convolution from its zero-padded input plane:
/// dst[oy·outW + ox] = activation(bias + Σ_t src[oy·rowStep + ox + offsets[t]] · weights[t]).
/// `src` must be readable for eight lanes from every output column group (the padded plane is
/// as wide as the output rounded up to eight); the last group of a row may write into the next
/// row, which is written after it, but nothing past the plane.
void CKernels_depthwisePlane(
    int isa, const float *src, ptrdiff_t rowStep, const ptrdiff_t *offsets, int taps, const float *weights, float bias,
    const CKernels_Activation *activation, float *dst, int outH, int outW);

/// A depthwise convolution's geometry for `CKernels_depthwise8` (pads at the start of each
/// axis; the end pads follow from the output size).
typedef struct {
    int h, w, kh, kw, strideH, strideW, padTop, padLeft, dilH, dilW, outH, outW;
} CKernels_Window;

/// Floats of scratch one `CKernels_depthwise8` call needs: the interleaved padded block and
/// the interleaved outputs.
size_t CKernels_depthwise8ScratchFloats(const CKernels_Window *window);

/// Eight channels of a depthwise convolution, one channel per lane: inputs[c] is lane c's input
/// plane and outputs[c] its output plane (NULL: an unused lane), weights8 holds tap t's weight
/// for lane c at 8·t + c and bias8 each lane's bias; out = activation(bias + Σ taps).
void CKernels_depthwise8(
    int isa, const float *const *inputs, const float *weights8, const float *bias8, const CKernels_Activation *activation,
    float *const *outputs, const CKernels_Window *window, float *scratch);

/// y = GELU(x) = x/2 · (1 + erf(x/√2)) for n floats (y may equal x); erf as `CKernels_erf`.
void CKernels_gelu(int isa, const float *x, float *y, int n);

/// y = erf(x) for n floats (y may equal x): Abramowitz & Stegun 7.1.26, absolute error < 4e-7.
void CKernels_erf(int isa, const float *x, float *y, int n);

/// Softmax of one contiguous row of n floats: y = exp(x − max) / Σ exp(x − max) (y may equal x).
void CKernels_softmaxRow(int isa, const float *x, float *y, int n);

/// Splits `2·pairs` floats into even and odd positions: even[j] = src[2j], odd[j] = src[2j + 1]
/// (a stride-2 depthwise convolution's padded rows). Baseline build: shuffles on any CPU.
void CKernels_deinterleave(const float *src, int pairs, float *even, float *odd);

#endif
