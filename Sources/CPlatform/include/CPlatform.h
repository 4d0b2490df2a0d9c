#ifndef CPLATFORM_H
#define CPLATFORM_H
// Linux calls the Swift Glibc module does not export (they need _GNU_SOURCE).
#include <sys/types.h>

/// Pins thread `tid` (0: the caller) to the `count` cores in `cores`; 0 or -errno.
int cplatform_pin_thread(pid_t tid, const int *cores, int count);

/// The cores thread `tid` may run on, written to `cores` (up to `capacity`); the count or -errno.
int cplatform_thread_cores(pid_t tid, int *cores, int capacity);
#endif
