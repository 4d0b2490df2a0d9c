#ifndef CLIBPFM_SHIM_H
#define CLIBPFM_SHIM_H
// libpfm4 encodes event names; perfmon/perf_event.h brings its own perf_event_attr,
// so <linux/perf_event.h> must not be included as well.
#include <perfmon/pfmlib.h>
#include <perfmon/pfmlib_perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>

// glibc has no perf_event_open wrapper.
static inline int CLibPFM_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu,
                                          int group_fd, unsigned long flags) {
    return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
}

// ioctl request macros are not importable into Swift.
static inline int CLibPFM_ioctl_reset(int fd) { return ioctl(fd, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP); }
static inline int CLibPFM_ioctl_enable(int fd) { return ioctl(fd, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP); }
static inline int CLibPFM_ioctl_disable(int fd) { return ioctl(fd, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP); }
static inline int CLibPFM_errno(void) { return errno; }

// Counter sessions: fds must not leak into helper commands spawned meanwhile (vcgencmd).
static inline int CLibPFM_perf_event_open_cloexec(struct perf_event_attr *attr, pid_t pid, int cpu,
                                                  int group_fd) {
    return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);
}

#endif
