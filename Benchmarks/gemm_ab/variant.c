// One build of Sources/CKernels/Gemm.c under other names, so that two builds (different -D
// flags) link into one program: run.sh compiles this twice, with NAME(x) = va_x and vb_x.
#define CKernels_gemm NAME(gemm)
#define CKernels_gemmImage NAME(gemmImage)
#define CKernels_gemmPackedB NAME(gemmPackedB)
#define CKernels_packB NAME(packB)
#define CKernels_packedBCount NAME(packedBCount)
#define CKernels_packA NAME(packA)
#define CKernels_packedACount NAME(packedACount)
#define CKernels_bestISA NAME(bestISA)
#include "gemm-under-test.c"
