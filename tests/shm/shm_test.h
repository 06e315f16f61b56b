/* SPDX-License-Identifier: MIT */
/* Test helpers: every test gets a private segment directory through
 * $OSE_SHM_DIR (Criterion runs each test in its own process). */
#ifndef OSE_TEST_SHM_TEST_H
#define OSE_TEST_SHM_TEST_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char shm_test_dir[256];

static inline void shm_test_setup(void)
{
	snprintf(shm_test_dir, sizeof(shm_test_dir), "/tmp/ose-shm-test.XXXXXX");
	if (!mkdtemp(shm_test_dir))
		abort();
	/* Traversable by others so the permission test's unprivileged child
	 * reaches the file's own mode check. */
	chmod(shm_test_dir, 0711);
	setenv("OSE_SHM_DIR", shm_test_dir, 1);
}

static inline void shm_test_teardown(void)
{
	DIR *d = opendir(shm_test_dir);
	struct dirent *e;
	char p[600];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", shm_test_dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(shm_test_dir);
}

/* Small deterministic PRNG (xorshift64*), so failures reproduce. */
static inline uint64_t shm_test_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(2685821657736338717);
}

/* Record body for sequence n: word i = mix(n, i); last word checksum. */
static inline uint64_t shm_test_word(uint64_t n, unsigned i)
{
	uint64_t x = n * UINT64_C(0x9E3779B97F4A7C15) + i * UINT64_C(0xBF58476D1CE4E5B9);

	x ^= x >> 31;
	return x * UINT64_C(0x94D049BB133111EB);
}

static inline void shm_test_fill(uint64_t *w, unsigned nwords, uint64_t tag, uint64_t n)
{
	uint64_t sum = 0;

	w[0] = tag;
	w[1] = n;
	for (unsigned i = 2; i + 1 < nwords; i++)
		w[i] = shm_test_word(n ^ tag, i);
	for (unsigned i = 0; i + 1 < nwords; i++)
		sum = (sum ^ w[i]) * UINT64_C(0x100000001B3);
	w[nwords - 1] = sum;
}

/* 1 if the record is intact (body and checksum match its tag and n). */
static inline int shm_test_check(const uint64_t *w, unsigned nwords)
{
	uint64_t sum = 0;

	for (unsigned i = 2; i + 1 < nwords; i++)
		if (w[i] != shm_test_word(w[1] ^ w[0], i))
			return 0;
	for (unsigned i = 0; i + 1 < nwords; i++)
		sum = (sum ^ w[i]) * UINT64_C(0x100000001B3);
	return w[nwords - 1] == sum;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SHM_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SHM_TEST_SANITIZED 1
#endif
#endif
#ifndef SHM_TEST_SANITIZED
#define SHM_TEST_SANITIZED 0
#endif

#endif
