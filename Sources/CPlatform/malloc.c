#include "CPlatform.h"

#if defined(__GLIBC__)
#include <malloc.h>

int cplatform_malloc_fix_thresholds(int bytes) {
    if (mallopt(M_MMAP_THRESHOLD, bytes) != 1) return -1;
    return mallopt(M_TRIM_THRESHOLD, bytes) == 1 ? 0 : -1;
}

int cplatform_malloc_release(void) { return malloc_trim(0); }
#else
int cplatform_malloc_fix_thresholds(int bytes) {
    (void)bytes;
    return -1;
}

int cplatform_malloc_release(void) { return 0; }
#endif
