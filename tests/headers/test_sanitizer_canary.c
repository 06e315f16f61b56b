// SPDX-License-Identifier: MIT
/*
 * Proves the sanitizer setups are live, not just configured: in an ASan+UBSan
 * build a child process that overflows a heap buffer, and one that overflows a
 * signed int, must be stopped by the sanitizer (halt_on_error=1 from the
 * 'asan' test setup); in a TSan build a child with a plain data race must be
 * stopped by TSan.  The parent also runs a correctly synchronised
 * release/acquire handoff between two threads, which must stay silent.
 *
 * Plain C, not Criterion: Criterion cannot start under TSan (its issue #274),
 * and this test belongs to suite 'tsan' as well.  Exit 0 pass, 1 fail.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ose_config.h"

static volatile int racy;
static int payload;
static atomic_int ready;

static void *race_writer(void *arg)
{
	(void)arg;
	/* Unsynchronised on purpose: TSan must flag it.  A loop, so the two
	 * threads' accesses overlap in time (one store each can be missed). */
	for (int i = 0; i < 100000; i++)
		racy++;
	return NULL;
}

static void *handoff_writer(void *arg)
{
	(void)arg;
	payload = 42;
	/* Pairs with the acquire load in main: publishes payload. */
	atomic_store_explicit(&ready, 1, memory_order_release);
	return NULL;
}

/* Runs fn in a child; returns its exit status (or 128+signal). */
static int in_child(void (*fn)(void))
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* The sanitizer's report is expected: keep the log readable. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		fn();
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void do_heap_overflow(void)
{
	char *volatile p = malloc(8);
	volatile char c = p[8]; /* one past the end */
	(void)c;
	free(p);
}

static void do_signed_overflow(void)
{
	volatile int x = INT_MAX;
	volatile int y = x + 1; /* UB: UBSan must stop here */
	(void)y;
}

static void do_race(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, race_writer, NULL) != 0)
		_exit(4);
	for (int i = 0; i < 100000; i++)
		racy++;
	pthread_join(t, NULL);
}

int main(void)
{
	int fails = 0, rc;
	pthread_t t;

	/* Children first: a fork after this process started threads leaves
	 * TSan's child unable to start its own. */
	if (strstr(OSE_SANITIZE, "address") != NULL) {
		rc = in_child(do_heap_overflow);
		printf("asan canary: child exit %d (want non-zero)\n", rc);
		fails += rc == 0;
	}
	if (strstr(OSE_SANITIZE, "undefined") != NULL) {
		rc = in_child(do_signed_overflow);
		printf("ubsan canary: child exit %d (want non-zero)\n", rc);
		fails += rc == 0;
	}
	if (strstr(OSE_SANITIZE, "thread") != NULL) {
		rc = in_child(do_race);
		printf("tsan canary: child exit %d (want non-zero)\n", rc);
		fails += rc == 0;
	}
	if (pthread_create(&t, NULL, handoff_writer, NULL) != 0)
		return 1;
	/* Pairs with the release store in handoff_writer. */
	while (atomic_load_explicit(&ready, memory_order_acquire) == 0)
		;
	if (payload != 42) {
		fprintf(stderr, "handoff: payload %d, want 42\n", payload);
		fails++;
	}
	pthread_join(t, NULL);

	printf("sanitize=%s: %s\n", OSE_SANITIZE, fails ? "FAIL" : "ok");
	return fails ? 1 : 0;
}
