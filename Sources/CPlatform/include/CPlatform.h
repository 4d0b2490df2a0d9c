#ifndef CPLATFORM_H
#define CPLATFORM_H
// Linux calls the Swift Glibc module does not export (they need _GNU_SOURCE).
#include <sys/types.h>

/// Pins thread `tid` (0: the caller) to the `count` cores in `cores`; 0 or -errno.
int cplatform_pin_thread(pid_t tid, const int *cores, int count);

/// The cores thread `tid` may run on, written to `cores` (up to `capacity`); the count or -errno.
int cplatform_thread_cores(pid_t tid, int *cores, int capacity);

/// Fixes glibc malloc's mmap and trim thresholds at `bytes` (which also turns off their dynamic
/// growth), so every block of at least `bytes` is its own mapping, returned to the kernel when
/// freed. 0 on success, -1 when this C library has no mallopt (the thresholds stay dynamic).
int cplatform_malloc_fix_thresholds(int bytes);

/// Returns free heap memory to the kernel (malloc_trim); 1 when some was released, 0 when none
/// was or the C library has no malloc_trim.
int cplatform_malloc_release(void);

/// Starts `argv[0]` (looked up on PATH when it has no slash) with `envp`, its stdin, stdout and
/// stderr on the given descriptors, in its own process group, killed with SIGKILL when the
/// thread that started it dies (PR_SET_PDEATHSIG): a program the agent runs never outlives an
/// agent killed by the host. The child's pid, or -errno (ENOENT, EACCES...) when it did not start.
/// Whether child `pid` has exited, leaving it unreaped (waitid WNOWAIT), so its process group
/// id cannot be reused before the caller kills what is left in the group and reaps it.
/// `block`: wait for it. 1: exited; 0: still running (only without `block`); -errno on error.
int cplatform_child_exited(pid_t pid, int block);

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start. 0 or -errno.
int cplatform_pipe_cloexec(int fds[2]);

pid_t cplatform_spawn(char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd);
#endif
