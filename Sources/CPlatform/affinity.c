#define _GNU_SOURCE
#include "CPlatform.h"

#include <errno.h>
#include <sched.h>

int cplatform_pin_thread(pid_t tid, const int *cores, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cores[i] < 0 || cores[i] >= CPU_SETSIZE) return -EINVAL;
        CPU_SET(cores[i], &set);
    }
    return sched_setaffinity(tid, sizeof set, &set) == 0 ? 0 : -errno;
}

int cplatform_thread_cores(pid_t tid, int *cores, int capacity) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(tid, sizeof set, &set) != 0) return -errno;
    int n = 0;
    for (int c = 0; c < CPU_SETSIZE && n < capacity; c++) {
        if (CPU_ISSET(c, &set)) cores[n++] = c;
    }
    return n;
}
