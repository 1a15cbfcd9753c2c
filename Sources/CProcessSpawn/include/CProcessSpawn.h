#ifndef SWITCHBOARD_CPROCESSSPAWN_H
#define SWITCHBOARD_CPROCESSSPAWN_H
#include <sys/types.h>

/// Spawns `path` with `argv`/`envp` so that the child has exactly three open
/// descriptors: stdin_fd as 0, stdout_fd as 1, stderr_fd as 2. Every other
/// descriptor is closed in the child (NIO's epoll fd is not CLOEXEC), and all
/// signal dispositions are reset to default (NIO ignores SIGPIPE, which
/// would survive exec). The child gets its own process group so that a
/// terminal's Ctrl-C reaches the orchestrator only; the orchestrator stops
/// its children itself. Returns 0 and sets *pid, or an errno value.
int switchboard_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                      int stdin_fd, int stdout_fd, int stderr_fd);

/// pipe2(O_CLOEXEC). Returns 0 or an errno value.
int switchboard_pipe(int fds[2]);

/// prctl(PR_SET_CHILD_SUBREAPER, on): orphaned descendants are re-parented
/// to the caller (used by tests to reap and inspect the workers of a killed
/// orchestrator). Returns 0 or an errno value.
int switchboard_set_child_subreaper(int on);

/// prctl(PR_SET_PDEATHSIG, sig) for the calling process. Returns 0 or errno.
int switchboard_set_parent_death_signal(int sig);
#endif
