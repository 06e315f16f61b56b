/* SPDX-License-Identifier: MIT */
/*
 * A small process harness for integration and end-to-end tests: spawn a
 * program with arguments and extra environment, its stdout and stderr going
 * to a log file; wait for a readiness line in that log or for a file to
 * appear; signal it (SIGTERM, SIGKILL, SIGUSR1...); collect its exit
 * status with a time limit; make and remove temporary directories; find a
 * free loopback port.
 *
 * Every wait is bounded by a timeout in milliseconds.  Children run in their
 * own process group and get SIGKILL if the test process dies
 * (PR_SET_PDEATHSIG), so a crashed test leaves no process behind.
 * Functions return 0 or a negative errno (-ETIMEDOUT when a wait ran out);
 * none prints.
 */
#ifndef OSE_TESTS_E2E_HARNESS_H
#define OSE_TESTS_E2E_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ose_h_proc {
	pid_t pid;          /* 0 once reaped */
	int status;         /* wait status, valid when exited */
	bool exited;
	char log[4096];     /* stdout + stderr of the child */
};

/*
 * Start argv[0] (a path; PATH is not searched) with argv and the current
 * environment plus env_extra ("NAME=value" strings, NULL-terminated, may be
 * NULL).  Output goes to log_path (created or truncated).  Returns 0 or
 * -errno (an exec failure shows as exit status 127).
 */
int ose_h_spawn(struct ose_h_proc *p, const char *const argv[], const char *const env_extra[],
		const char *log_path);

/*
 * Wait until the child's log holds a line starting with prefix; copy that
 * line (without the newline, NUL-terminated, truncated to cap) into line
 * if line is not NULL.  Returns 0, -ETIMEDOUT, or -ECHILD if the child
 * exited first.
 */
int ose_h_wait_line(struct ose_h_proc *p, const char *prefix, char *line, size_t cap,
		    int timeout_ms);

/*
 * Wait until the child's log contains needle anywhere (for programs whose
 * lines start with a timestamp).  Returns 0, -ETIMEDOUT, or -ECHILD if the
 * child exited without writing it.
 */
int ose_h_wait_text(struct ose_h_proc *p, const char *needle, int timeout_ms);

/* Wait until path exists and is not empty.  Returns 0 or -ETIMEDOUT. */
int ose_h_wait_file(const char *path, int timeout_ms);

/* Send sig to the child (not its group).  Returns 0 or -errno. */
int ose_h_signal(struct ose_h_proc *p, int sig);

/*
 * Wait for the child to exit and store its wait status in p->status (and
 * *status if not NULL).  Returns 0 or -ETIMEDOUT (the child keeps running).
 */
int ose_h_wait_exit(struct ose_h_proc *p, int timeout_ms, int *status);

/* SIGTERM, wait up to grace_ms, then SIGKILL to the group and reap.
 * Returns the wait status, or -errno. */
int ose_h_stop(struct ose_h_proc *p, int grace_ms);

/* Spawn, wait for exit within timeout_ms (SIGKILL after it) and return
 * the exit code (0..255), 128+signal for a signal, or -errno. */
int ose_h_run(const char *const argv[], const char *log_path, int timeout_ms);

/* Make a fresh directory /tmp/ose-<tag>-XXXXXX into out.  Returns 0/-errno. */
int ose_h_tmpdir(char *out, size_t cap, const char *tag);

/* Remove dir and everything under it (no symlinks followed). */
int ose_h_rmtree(const char *dir);

/* A loopback TCP port that was free a moment ago (bind to port 0), or -errno. */
int ose_h_free_port(void);

/* Try a TCP connect to 127.0.0.1:port.  Returns 0, or -errno
 * (-ECONNREFUSED when nothing listens). */
int ose_h_tcp_probe(int port);

/* Read a whole file into a malloc'd NUL-terminated buffer (caller frees).
 * Returns NULL on error; *len gets the size when len is not NULL. */
char *ose_h_slurp(const char *path, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* OSE_TESTS_E2E_HARNESS_H */
