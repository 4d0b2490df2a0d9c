#define _GNU_SOURCE
#include "CPlatform.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

// vfork, as glibc's posix_spawn does (a fork would copy the agent's page tables: 2-3 ms for
// each run of a program timed by invocation), then only async-signal-safe calls in the child,
// with every signal blocked until its dispositions are back to default. A close-on-exec pipe
// reports an exec failure's errno to the parent, so "no such program" is an error here, not a
// status 127 later.
pid_t cplatform_spawn(char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -errno;
    pid_t parent = getpid();
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = vfork();
    if (pid < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &previous, NULL);
        close(report[0]);
        close(report[1]);
        return -e;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        setpgid(0, 0);
        for (int sig = 1; sig < NSIG; sig++) {
            if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if ((in_fd != 0 && dup2(in_fd, 0) < 0) || (out_fd != 1 && dup2(out_fd, 1) < 0) || (err_fd != 2 && dup2(err_fd, 2) < 0)) {
            int e = errno;
            (void)!write(report[1], &e, sizeof e);
            _exit(127);
        }
        // The descriptors were close-on-exec in the parent; the dup2 copies are not.
        execvpe(argv[0], argv, envp);
        int e = errno;
        (void)!write(report[1], &e, sizeof e);
        _exit(127);
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(report[1]);
    int e = 0;
    ssize_t n;
    do { n = read(report[0], &e, sizeof e); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == sizeof e) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return -e;
    }
    return pid;
}

int cplatform_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno; }

int cplatform_child_exited(pid_t pid, int block) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int rc;
    do { rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG)); } while (rc < 0 && errno == EINTR);
    if (rc < 0) return -errno;
    return info.si_pid == pid ? 1 : 0;
}
