/* SPDX-License-Identifier: MIT */
/* The process harness of harness.h.  Polling with short sleeps keeps it
 * simple; every loop is bounded by its caller's timeout. */
#include "tests/e2e/harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

int ose_h_spawn(struct ose_h_proc *p, const char *const argv[], const char *const env_extra[],
		const char *log_path)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->log, sizeof(p->log), "%s", log_path);
	int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(126); /* the parent died before prctl took effect */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(fd, 1);
		dup2(fd, 2);
		int dn = open("/dev/null", O_RDONLY);
		if (dn >= 0)
			dup2(dn, 0);
		for (size_t i = 0; env_extra && env_extra[i]; i++)
			putenv((char *)env_extra[i]);
		execve(argv[0], (char *const *)argv, environ);
		_exit(127);
	}
	close(fd);
	p->pid = pid;
	return 0;
}

static int reap(struct ose_h_proc *p, int flags)
{
	if (p->exited)
		return 1;
	if (p->pid <= 0)
		return -ECHILD;
	int st;
	pid_t r = waitpid(p->pid, &st, flags);
	if (r == p->pid) {
		p->status = st;
		p->exited = true;
		return 1;
	}
	if (r < 0)
		return -errno;
	return 0;
}

char *ose_h_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	while (b) {
		size_t r = fread(b + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
		if (cap - n - 1 == 0) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!b)
		return NULL;
	b[n] = 0;
	if (len)
		*len = n;
	return b;
}

static bool find_line(const char *log, const char *prefix, char *line, size_t cap)
{
	char *b = ose_h_slurp(log, NULL);
	if (!b)
		return false;
	size_t pl = strlen(prefix);
	bool found = false;
	for (char *s = b; s && *s; ) {
		char *nl = strchr(s, '\n');
		if (!nl)
			break; /* only complete lines count */
		if ((size_t)(nl - s) >= pl && memcmp(s, prefix, pl) == 0) {
			if (line && cap) {
				size_t n = (size_t)(nl - s) < cap - 1 ? (size_t)(nl - s) : cap - 1;
				memcpy(line, s, n);
				line[n] = 0;
			}
			found = true;
			break;
		}
		s = nl + 1;
	}
	free(b);
	return found;
}

int ose_h_wait_line(struct ose_h_proc *p, const char *prefix, char *line, size_t cap,
		    int timeout_ms)
{
	long long end = mono_ms() + timeout_ms;
	for (;;) {
		if (find_line(p->log, prefix, line, cap))
			return 0;
		if (reap(p, WNOHANG) == 1)
			return find_line(p->log, prefix, line, cap) ? 0 : -ECHILD;
		if (mono_ms() >= end)
			return -ETIMEDOUT;
		nap();
	}
}

static bool log_has(const char *path, const char *needle)
{
	char *s = ose_h_slurp(path, NULL);
	bool r = s && strstr(s, needle);
	free(s);
	return r;
}

int ose_h_wait_text(struct ose_h_proc *p, const char *needle, int timeout_ms)
{
	long long end = mono_ms() + timeout_ms;
	for (;;) {
		if (log_has(p->log, needle))
			return 0;
		if (reap(p, WNOHANG) == 1)
			return log_has(p->log, needle) ? 0 : -ECHILD;
		if (mono_ms() >= end)
			return -ETIMEDOUT;
		nap();
	}
}

int ose_h_wait_file(const char *path, int timeout_ms)
{
	long long end = mono_ms() + timeout_ms;
	for (;;) {
		struct stat st;
		if (stat(path, &st) == 0 && st.st_size > 0)
			return 0;
		if (mono_ms() >= end)
			return -ETIMEDOUT;
		nap();
	}
}

int ose_h_signal(struct ose_h_proc *p, int sig)
{
	if (p->exited || p->pid <= 0)
		return -ESRCH;
	return kill(p->pid, sig) < 0 ? -errno : 0;
}

int ose_h_wait_exit(struct ose_h_proc *p, int timeout_ms, int *status)
{
	long long end = mono_ms() + timeout_ms;
	for (;;) {
		int r = reap(p, WNOHANG);
		if (r == 1) {
			if (status)
				*status = p->status;
			return 0;
		}
		if (r < 0)
			return r;
		if (mono_ms() >= end)
			return -ETIMEDOUT;
		nap();
	}
}

int ose_h_stop(struct ose_h_proc *p, int grace_ms)
{
	if (!p->exited && p->pid > 0) {
		kill(p->pid, SIGTERM);
		if (ose_h_wait_exit(p, grace_ms, NULL) < 0) {
			kill(-p->pid, SIGKILL);
			kill(p->pid, SIGKILL);
			int r = ose_h_wait_exit(p, 5000, NULL);
			if (r < 0)
				return r;
		}
	}
	/* the group may hold grandchildren */
	if (p->pid > 0)
		kill(-p->pid, SIGKILL);
	return p->exited ? p->status : -ECHILD;
}

int ose_h_run(const char *const argv[], const char *log_path, int timeout_ms)
{
	struct ose_h_proc p;
	int r = ose_h_spawn(&p, argv, NULL, log_path);
	if (r < 0)
		return r;
	if (ose_h_wait_exit(&p, timeout_ms, NULL) < 0) {
		kill(-p.pid, SIGKILL);
		kill(p.pid, SIGKILL);
		ose_h_wait_exit(&p, 5000, NULL);
		return -ETIMEDOUT;
	}
	if (WIFEXITED(p.status))
		return WEXITSTATUS(p.status);
	return 128 + WTERMSIG(p.status);
}

int ose_h_tmpdir(char *out, size_t cap, const char *tag)
{
	if ((size_t)snprintf(out, cap, "/tmp/ose-%s-XXXXXX", tag) >= cap)
		return -ENAMETOOLONG;
	return mkdtemp(out) ? 0 : -errno;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

int ose_h_rmtree(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 ? -errno : 0;
}

int ose_h_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	close(fd);
	return ntohs(a.sin_port);
}

int ose_h_tcp_probe(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int r = connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ? -errno : 0;
	close(fd);
	return r;
}
