#define _GNU_SOURCE
#include "CProcessSpawn.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <unistd.h>

int switchboard_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                      int stdin_fd, int stdout_fd, int stderr_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) { posix_spawn_file_actions_destroy(&actions); return rc; }

    // dup2 clears FD_CLOEXEC on the target; the originals are closed by closefrom.
    if ((rc = posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0)) != 0) goto out;
    if ((rc = posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1)) != 0) goto out;
    if ((rc = posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2)) != 0) goto out;
    if ((rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) != 0) goto out;

    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    if ((rc = posix_spawnattr_setsigdefault(&attr, &all)) != 0) goto out;
    if ((rc = posix_spawnattr_setsigmask(&attr, &none)) != 0) goto out;
    if ((rc = posix_spawnattr_setpgroup(&attr, 0)) != 0) goto out;
    if ((rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                                  POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK)) != 0) goto out;
    rc = posix_spawn(pid, path, &actions, &attr, argv, envp);
out:
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

int switchboard_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno;
}

int switchboard_set_child_subreaper(int on) {
    return prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) == 0 ? 0 : errno;
}

int switchboard_set_parent_death_signal(int sig) {
    return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0 ? 0 : errno;
}
