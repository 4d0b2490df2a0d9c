// Two builds of the packed GEMM, A and B, interleaved call by call on the same data: the only
// way this shared VM resolves differences of a few percent (two whole-network runs a minute
// apart differ by tens of percent; two builds of the same code here agree within about 1%).
//   harness M N K [ROUNDS]   prints each build's median and best GFLOP/s and B's median time / A's
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "CKernels.h"

typedef void (*gemm_fn)(int, int, int, int, const float *, const float *, ptrdiff_t, int, float *, ptrdiff_t, const CKernels_Epilogue *, float *);
void va_gemm(int, int, int, int, const float *, const float *, ptrdiff_t, int, float *, ptrdiff_t, const CKernels_Epilogue *, float *);
void vb_gemm(int, int, int, int, const float *, const float *, ptrdiff_t, int, float *, ptrdiff_t, const CKernels_Epilogue *, float *);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int ascending(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: harness M N K [ROUNDS]\n");
        return 64;
    }
    const int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
    int rounds = argc > 4 ? atoi(argv[4]) : 40;
    if (m <= 0 || n <= 0 || k <= 0 || rounds <= 0 || rounds > 1000) {
        fprintf(stderr, "harness: M, N, K must be positive and ROUNDS within 1...1000\n");
        return 64;
    }
    float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n), *c = malloc(sizeof(float) * (size_t)m * n);
    float *packed = malloc(sizeof(float) * CKernels_packedACount(m, k)), *workspace = malloc(sizeof(float) * CKernels_workspaceFloats);
    double *times[2] = {malloc(sizeof(double) * rounds), malloc(sizeof(double) * rounds)};
    if (!a || !b || !c || !packed || !workspace || !times[0] || !times[1]) {
        fprintf(stderr, "harness: out of memory\n");
        return 71;
    }
    for (size_t i = 0; i < (size_t)m * k; i++) a[i] = 0.001f * (float)(i % 7);
    for (size_t i = 0; i < (size_t)k * n; i++) b[i] = 0.002f * (float)(i % 5);
    CKernels_packA(m, k, a, k, packed);
    const CKernels_Epilogue epilogue = {0};
    const int isa = CKernels_bestISA();
    const gemm_fn builds[2] = {va_gemm, vb_gemm};
    for (int r = 0; r < rounds; r++) {
        for (int v = 0; v < 2; v++) {
            const double t0 = now();
            builds[v](isa, m, n, k, packed, b, n, 0, c, n, &epilogue, workspace);
            times[v][r] = now() - t0;
        }
    }
    const double flop = 2.0 * m * n * k;
    double median[2], best[2];
    for (int v = 0; v < 2; v++) {
        qsort(times[v], (size_t)rounds, sizeof(double), ascending);
        median[v] = times[v][rounds / 2];
        best[v] = times[v][0];
    }
    printf("m%d n%d k%d: A %.1f/%.1f  B %.1f/%.1f GFLOP/s (median/best)  B/A time median %.3f\n", m, n, k, flop / median[0] / 1e9,
        flop / best[0] / 1e9, flop / median[1] / 1e9, flop / best[1] / 1e9, median[1] / median[0]);
    return 0;
}
