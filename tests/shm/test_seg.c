/* SPDX-License-Identifier: MIT */
/* Segments: names, create/attach, every error path, live-owner refusal,
 * stale takeover and adoption, liveness (shm/seg.h). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "shm/seg.h"
#include "shm/wait.h"
#include "shm_test.h"

/* ASan turns SIGSEGV into an error exit by default; the read-only mapping
 * test needs the real signal.  Harmless in builds without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_segv=0";
}

TestSuite(seg, .init = shm_test_setup, .fini = shm_test_teardown, .timeout = 30);

static void path_of(char *buf, size_t len, const char *name)
{
	cr_assert_gt(ose_seg_path(buf, len, name), 0);
}

Test(seg, dir_and_path)
{
	char b[512];

	cr_assert_eq(ose_seg_dir(b, sizeof(b)), (int)strlen(shm_test_dir));
	cr_assert_str_eq(b, shm_test_dir);
	cr_assert_eq(ose_seg_dir(b, 3), -ENAMETOOLONG);
	unsetenv("OSE_SHM_DIR");
	cr_assert_eq(ose_seg_dir(b, sizeof(b)), 8);
	cr_assert_str_eq(b, "/dev/shm");
	setenv("OSE_SHM_DIR", shm_test_dir, 1);
	cr_assert_gt(ose_seg_path(b, sizeof(b), "ose.x"), 0);
	cr_assert(strstr(b, "/ose.x") != NULL);
	cr_assert_eq(ose_seg_path(b, sizeof(b), ""), -EINVAL);
	cr_assert_eq(ose_seg_path(b, sizeof(b), "a/b"), -EINVAL);
	cr_assert_eq(ose_seg_path(b, sizeof(b), ".hidden"), -EINVAL);
	cr_assert_eq(ose_seg_path(b, 10, "ose.abcdefghijk"), -ENAMETOOLONG);
}

Test(seg, names)
{
	char b[OSE_SEG_NAME_MAX];

	cr_assert_eq(ose_seg_name_state(b, sizeof(b), "prod1"), 9);
	cr_assert_str_eq(b, "ose.prod1");
	cr_assert_gt(ose_seg_name_feed(b, sizeof(b), "prod1", "binance", "acct-7"), 0);
	cr_assert_str_eq(b, "ose.prod1.feed.binance.acct-7");
	cr_assert_gt(ose_seg_name_cmd(b, sizeof(b), "prod1", "mm_1"), 0);
	cr_assert_str_eq(b, "ose.prod1.cmd.mm_1");
	cr_assert_gt(ose_seg_name_events(b, sizeof(b), "prod1"), 0);
	cr_assert_str_eq(b, "ose.prod1.events");
	cr_assert_eq(ose_seg_name_state(b, sizeof(b), "a.b"), -EINVAL);
	cr_assert_eq(ose_seg_name_state(b, sizeof(b), ""), -EINVAL);
	cr_assert_eq(ose_seg_name_state(b, sizeof(b), NULL), -EINVAL);
	cr_assert_eq(ose_seg_name_feed(b, sizeof(b), "p", "bin/ance", "a"), -EINVAL);
	cr_assert_eq(ose_seg_name_cmd(b, sizeof(b), "p", "0123456789012345678901234567890123"),
		     -EINVAL);
	cr_assert_eq(ose_seg_name_events(b, 8, "prod1"), -ENAMETOOLONG);
}

Test(seg, create_attach_roundtrip)
{
	struct ose_seg w, r;
	char path[512];
	struct stat st;

	cr_assert_eq(ose_seg_create(&w, "ose.t", OSE_SEG_STATE, 100, 5000, 0), 0);
	cr_assert(w.owner && w.writable);
	cr_assert_eq(w.aux_size, 128);
	cr_assert_eq(w.payload_size, 5000);
	cr_assert_eq((uintptr_t)w.payload % 128, 0);
	cr_assert_eq(w.hdr->magic, OSE_SEG_MAGIC);
	cr_assert_eq(w.hdr->abi_version, OSE_ABI_VERSION);
	cr_assert_eq(w.hdr->epoch, 1);
	cr_assert_eq(w.hdr->creator_pid, getpid());
	cr_assert(ose_seg_owner_alive(w.hdr));
	cr_assert_str_eq(w.hdr->name, "ose.t");
	path_of(path, sizeof(path), "ose.t");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq((uint64_t)st.st_size, w.hdr->total_size);
	memset(w.aux, 0xab, w.aux_size);
	memcpy(w.payload, "hello", 6);

	cr_assert_eq(ose_seg_attach(&r, "ose.t", OSE_SEG_STATE, 0), 0);
	cr_assert(!r.writable && !r.owner);
	cr_assert_str_eq(r.payload, "hello");
	cr_assert_eq(((unsigned char *)r.aux)[127], 0xab);
	cr_assert_eq(ose_seg_attach(&r, "ose.t", OSE_SEG_NONE, 0), 0); /* any kind */
	ose_seg_close(&r);
	cr_assert_eq(r.fd, -1);
	ose_seg_close(&r); /* twice is fine */
	ose_seg_close(&w);
	cr_assert_eq(ose_seg_unlink("ose.t"), 0);
	cr_assert_eq(ose_seg_unlink("ose.t"), -ENOENT);
}

Test(seg, group_read_mode)
{
	struct ose_seg w;
	char path[512];
	struct stat st;

	cr_assert_eq(ose_seg_create(&w, "ose.g", OSE_SEG_STATE, 0, 64, OSE_SEG_F_GROUP_READ), 0);
	path_of(path, sizeof(path), "ose.g");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640);
	cr_assert(w.hdr->flags & OSE_SEG_HF_GROUP_READ);
	ose_seg_close(&w);
}

Test(seg, missing)
{
	struct ose_seg r;

	cr_assert_eq(ose_seg_attach(&r, "ose.nope", OSE_SEG_NONE, 0), -ENOENT);
	cr_assert_eq(r.fd, -1);
	cr_assert_str_eq(ose_seg_strerror(-ENOENT), "segment does not exist");
}

/* Writes `len` bytes of `hdr` (possibly modified) as segment `name`. */
static void write_file(const char *name, const void *data, size_t len, off_t total)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	if (total)
		cr_assert_eq(ftruncate(fd, total), 0);
	close(fd);
}

/* A valid header image copied from a real segment. */
static struct ose_seg_hdr good_hdr(void)
{
	struct ose_seg w;
	struct ose_seg_hdr h;

	cr_assert_eq(ose_seg_create(&w, "ose.model", OSE_SEG_STATE, 0, 4096, 0), 0);
	h = *w.hdr;
	ose_seg_close(&w);
	return h;
}

Test(seg, wrong_magic_and_garbage)
{
	struct ose_seg r;
	struct ose_seg_hdr h = good_hdr();
	char junk[8192];
	uint64_t s = 42;

	h.magic ^= 1;
	write_file("ose.bad", &h, sizeof(h), 8192);
	cr_assert_eq(ose_seg_attach(&r, "ose.bad", OSE_SEG_NONE, 0), OSE_SEG_EMAGIC);
	cr_assert(strstr(ose_seg_strerror(OSE_SEG_EMAGIC), "magic"));
	/* Random bytes, many times: an error each time, never a crash. */
	for (int i = 0; i < 200; i++) {
		for (size_t j = 0; j < sizeof(junk); j += 8) {
			uint64_t v = shm_test_rand(&s);
			memcpy(junk + j, &v, 8);
		}
		if (i & 1) { /* right magic, garbage after it */
			uint64_t m = OSE_SEG_MAGIC;
			uint32_t abi = OSE_ABI_VERSION;
			memcpy(junk, &m, 8);
			memcpy(junk + 8, &abi, 4);
		}
		write_file("ose.bad", junk, (size_t)(shm_test_rand(&s) % sizeof(junk)), 0);
		cr_assert_lt(ose_seg_attach(&r, "ose.bad", OSE_SEG_NONE, 0), 0);
	}
}

Test(seg, abi_newer_older)
{
	struct ose_seg r;
	struct ose_seg_hdr h = good_hdr();

	h.abi_version = OSE_ABI_VERSION + 1;
	write_file("ose.new", &h, sizeof(h), (off_t)h.total_size);
	cr_assert_eq(ose_seg_attach(&r, "ose.new", OSE_SEG_NONE, 0), OSE_SEG_ENEWER);
	h.abi_version = OSE_ABI_VERSION - 1;
	write_file("ose.old", &h, sizeof(h), (off_t)h.total_size);
	cr_assert_eq(ose_seg_attach(&r, "ose.old", OSE_SEG_NONE, 0), OSE_SEG_EOLDER);
	cr_assert(strstr(ose_seg_strerror(OSE_SEG_ENEWER), "newer"));
	cr_assert(strstr(ose_seg_strerror(OSE_SEG_EOLDER), "older"));
}

Test(seg, truncated)
{
	struct ose_seg r;
	struct ose_seg_hdr h = good_hdr();

	write_file("ose.tr", &h, sizeof(h), (off_t)h.total_size - 4096);
	cr_assert_eq(ose_seg_attach(&r, "ose.tr", OSE_SEG_NONE, 0), OSE_SEG_ETRUNC);
	write_file("ose.tr", &h, 100, 0); /* header cut */
	cr_assert_eq(ose_seg_attach(&r, "ose.tr", OSE_SEG_NONE, 0), OSE_SEG_ETRUNC);
	write_file("ose.tr", &h, 0, 0); /* empty */
	cr_assert_eq(ose_seg_attach(&r, "ose.tr", OSE_SEG_NONE, 0), OSE_SEG_ETRUNC);
	cr_assert(strstr(ose_seg_strerror(OSE_SEG_ETRUNC), "truncated"));
}

Test(seg, wrong_kind_and_layout)
{
	struct ose_seg r;
	struct ose_seg_hdr h = good_hdr();

	write_file("ose.k", &h, sizeof(h), (off_t)h.total_size);
	cr_assert_eq(ose_seg_attach(&r, "ose.k", OSE_SEG_SPSC, 0), OSE_SEG_EKIND);
	cr_assert_eq(ose_seg_attach(&r, "ose.k", OSE_SEG_STATE, 0), 0);
	ose_seg_close(&r);
	h.payload_off = 200; /* not 128-aligned */
	write_file("ose.k", &h, sizeof(h), (off_t)h.total_size);
	cr_assert_eq(ose_seg_attach(&r, "ose.k", OSE_SEG_NONE, 0), OSE_SEG_ELAYOUT);
	h = good_hdr();
	h.payload_size = h.total_size; /* runs past the end */
	write_file("ose.k", &h, sizeof(h), (off_t)h.total_size);
	cr_assert_eq(ose_seg_attach(&r, "ose.k", OSE_SEG_NONE, 0), OSE_SEG_ELAYOUT);
	h = good_hdr();
	h.kind = 77;
	write_file("ose.k", &h, sizeof(h), (off_t)h.total_size);
	cr_assert_eq(ose_seg_attach(&r, "ose.k", OSE_SEG_NONE, 0), OSE_SEG_ELAYOUT);
	h = good_hdr();
	memset(h.name, 'x', sizeof(h.name)); /* no NUL */
	write_file("ose.k", &h, sizeof(h), (off_t)h.total_size);
	cr_assert_eq(ose_seg_attach(&r, "ose.k", OSE_SEG_NONE, 0), OSE_SEG_ELAYOUT);
}

Test(seg, distinct_error_codes)
{
	int codes[] = {-ENOENT, -EACCES, -EBUSY, OSE_SEG_EMAGIC, OSE_SEG_ENEWER, OSE_SEG_EOLDER,
		       OSE_SEG_ETRUNC, OSE_SEG_EKIND, OSE_SEG_ELAYOUT};
	size_t n = sizeof(codes) / sizeof(codes[0]);

	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(codes[i], 0);
		cr_assert_neq(strcmp(ose_seg_strerror(codes[i]), "unknown error"), 0);
		for (size_t j = i + 1; j < n; j++) {
			cr_assert_neq(codes[i], codes[j]);
			cr_assert_str_neq(ose_seg_strerror(codes[i]), ose_seg_strerror(codes[j]));
		}
	}
	cr_assert_str_eq(ose_seg_strerror(0), "ok");
	cr_assert_not_null(ose_seg_strerror(-99999));
}

/* A read-only attachment really is read-only: writing faults. */
Test(seg, readonly_write_faults, .signal = SIGSEGV)
{
	struct ose_seg w, r;

	cr_assert_eq(ose_seg_create(&w, "ose.ro", OSE_SEG_STATE, 0, 64, 0), 0);
	cr_assert_eq(ose_seg_attach(&r, "ose.ro", OSE_SEG_STATE, 0), 0);
	shm_test_teardown(); /* .fini does not run after the signal */
	*(volatile char *)r.payload = 1; /* volatile: make the store happen */
}

Test(seg, permission_denied)
{
	struct ose_seg w;
	pid_t pid;
	int st;

	cr_assert_eq(ose_seg_create(&w, "ose.perm", OSE_SEG_STATE, 0, 64, 0), 0);
	if (getuid() != 0) {
		char path[512];
		struct ose_seg r;

		path_of(path, sizeof(path), "ose.perm");
		cr_assert_eq(chmod(path, 0), 0);
		cr_assert_eq(ose_seg_attach(&r, "ose.perm", OSE_SEG_NONE, 0), -EACCES);
		return;
	}
	/* Root bypasses modes: ask as an unprivileged user instead. */
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ose_seg r;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(77);
		_exit(ose_seg_attach(&r, "ose.perm", OSE_SEG_NONE, 0) == -EACCES ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		cr_skip_test("cannot drop privileges to test -EACCES");
	cr_assert_eq(WEXITSTATUS(st), 0, "unprivileged attach did not get -EACCES");
	ose_seg_close(&w);
}

/* A child creates `name` and waits for a byte on fd, then exits. */
static pid_t child_owner(const char *name, int *wake_fd)
{
	int p[2], q[2];
	pid_t pid;
	char c = 0;

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(pipe(q), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct ose_seg w;
		int r = ose_seg_create(&w, name, OSE_SEG_STATE, 0, 4096, 0);

		if (r == 0)
			memcpy(w.payload, "child", 6);
		c = r == 0 ? 'k' : 'e';
		if (write(q[1], &c, 1) != 1)
			_exit(2);
		if (read(p[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(p[0]);
	close(q[1]);
	cr_assert_eq(read(q[0], &c, 1), 1);
	cr_assert_eq(c, 'k');
	close(q[0]);
	*wake_fd = p[1];
	return pid;
}

Test(seg, live_owner_refused_then_stale_takeover)
{
	struct ose_seg w, r;
	int wake, st;
	pid_t pid = child_owner("ose.live", &wake);
	char c = 'x';

	cr_assert_eq(ose_seg_create(&w, "ose.live", OSE_SEG_STATE, 0, 4096, 0), -EBUSY);
	cr_assert_eq(ose_seg_create(&w, "ose.live", OSE_SEG_STATE, 0, 4096, OSE_SEG_F_ADOPT),
		     -EBUSY);
	cr_assert_eq(ose_seg_attach(&r, "ose.live", OSE_SEG_STATE, 0), 0);
	cr_assert_eq(r.hdr->creator_pid, pid);
	cr_assert(ose_seg_owner_alive(r.hdr));
	cr_assert_eq(ose_seg_lock_held(&r, OSE_SEG_LOCK_OWNER), 1);
	cr_assert_str_eq(r.payload, "child");

	cr_assert_eq(write(wake, &c, 1), 1);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(!ose_seg_owner_alive(r.hdr));
	cr_assert_eq(ose_seg_lock_held(&r, OSE_SEG_LOCK_OWNER), 0);

	/* Stale, no ADOPT: replaced by a fresh, zeroed segment, epoch 2. */
	cr_assert_eq(ose_seg_create(&w, "ose.live", OSE_SEG_STATE, 0, 4096, 0), 0);
	cr_assert_eq(w.hdr->epoch, 2);
	cr_assert_eq(w.hdr->creator_pid, getpid());
	cr_assert_eq(((char *)w.payload)[0], 0);
	/* The old reader learns it must re-attach. */
	cr_assert_eq(ose_seg_superseded(&r), 1);
	ose_seg_close(&r);
	cr_assert_eq(ose_seg_attach(&r, "ose.live", OSE_SEG_STATE, 0), 0);
	cr_assert_eq(ose_seg_superseded(&r), 0);
	ose_seg_close(&r);
	ose_seg_close(&w);
}

Test(seg, stale_adopt_keeps_content)
{
	struct ose_seg w;
	int wake, st;
	pid_t pid = child_owner("ose.ad", &wake);
	char c = 'x';

	cr_assert_eq(write(wake, &c, 1), 1);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	/* Different layout + KEEP: refused, nothing touched. */
	cr_assert_eq(ose_seg_create(&w, "ose.ad", OSE_SEG_STATE, 0, 8192,
				    OSE_SEG_F_ADOPT | OSE_SEG_F_KEEP), -EEXIST);
	cr_assert_eq(ose_seg_create(&w, "ose.ad", OSE_SEG_STATE, 0, 4096, OSE_SEG_F_ADOPT), 1);
	cr_assert_str_eq(w.payload, "child");
	cr_assert_eq(ose_seg_epoch(w.hdr), 2);
	cr_assert_eq(w.hdr->creator_pid, getpid());
	cr_assert(ose_seg_owner_alive(w.hdr));
	ose_seg_close(&w);
	/* Closing leaves it stale for the next owner: adopt again. */
	cr_assert_eq(ose_seg_create(&w, "ose.ad", OSE_SEG_STATE, 0, 4096, OSE_SEG_F_ADOPT), 1);
	cr_assert_eq(w.hdr->epoch, 3);
	ose_seg_close(&w);
	/* Kind mismatch with ADOPT: replaced (not adopted). */
	cr_assert_eq(ose_seg_create(&w, "ose.ad", OSE_SEG_BCAST, 0, 4096, OSE_SEG_F_ADOPT), 0);
	cr_assert_eq(w.hdr->kind, OSE_SEG_BCAST);
	ose_seg_close(&w);
}

/* Many processes race to create the same name: exactly one wins. */
Test(seg, create_race_one_winner)
{
	enum { N = 6 };
	pid_t pids[N];
	int p[2], wins = 0, busy = 0;
	char go = 'g';

	cr_assert_eq(pipe(p), 0);
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		cr_assert_geq(pids[i], 0);
		if (pids[i] == 0) {
			struct ose_seg w;
			char c;
			int r;

			close(p[1]);
			if (read(p[0], &c, 1) < 0)
				_exit(3);
			r = ose_seg_create(&w, "ose.race", OSE_SEG_STATE, 0, 4096, 0);
			usleep(200000); /* hold it while the others try */
			_exit(r == 0 ? 0 : r == -EBUSY ? 1 : 2);
		}
	}
	close(p[0]);
	close(p[1]); /* EOF releases them all at once */
	(void)go;
	for (int i = 0; i < N; i++) {
		int st;

		cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
		cr_assert(WIFEXITED(st));
		wins += WEXITSTATUS(st) == 0;
		busy += WEXITSTATUS(st) == 1;
	}
	cr_assert_eq(wins, 1);
	cr_assert_eq(busy, N - 1);
}

static int count_cb(const char *name, void *arg)
{
	(*(int *)arg)++;
	return strcmp(name, "ose.i1.stop") == 0 ? 99 : 0;
}

Test(seg, list_by_prefix)
{
	struct ose_seg a, b, c, d;
	int n = 0;

	cr_assert_eq(ose_seg_create(&a, "ose.i1", OSE_SEG_STATE, 0, 64, 0), 0);
	cr_assert_eq(ose_seg_create(&b, "ose.i1.events", OSE_SEG_STATE, 0, 64, 0), 0);
	cr_assert_eq(ose_seg_create(&c, "ose.i1.feed.okx.a", OSE_SEG_STATE, 0, 64, 0), 0);
	cr_assert_eq(ose_seg_create(&d, "ose.i2", OSE_SEG_STATE, 0, 64, 0), 0);
	cr_assert_eq(ose_seg_list("ose.i1.", count_cb, &n), 2);
	cr_assert_eq(n, 2);
	n = 0;
	cr_assert_eq(ose_seg_list(NULL, count_cb, &n), 4);
	cr_assert_eq(ose_seg_list("ose.i1.feed.", NULL, NULL), 1);
	ose_seg_close(&c);
	cr_assert_eq(ose_seg_create(&c, "ose.i1.stop", OSE_SEG_STATE, 0, 64, 0), 0);
	n = 0;
	cr_assert_eq(ose_seg_list("ose.i1.s", count_cb, &n), 99);
	ose_seg_close(&a);
	ose_seg_close(&b);
	ose_seg_close(&c);
	ose_seg_close(&d);
	setenv("OSE_SHM_DIR", "/nonexistent-ose-dir", 1);
	cr_assert_eq(ose_seg_list(NULL, NULL, NULL), -ENOENT);
	setenv("OSE_SHM_DIR", shm_test_dir, 1);
}

Test(seg, liveness_and_heartbeat)
{
	struct ose_seg w;
	uint64_t st, now;
	pid_t pid;
	int s;

	cr_assert_eq(ose_proc_start_time(getpid(), &st), 0);
	cr_assert_gt(st, 0);
	cr_assert(ose_proc_alive(getpid(), st));
	cr_assert(ose_proc_alive(getpid(), 0));
	cr_assert(!ose_proc_alive(getpid(), st + 1)); /* recycled pid */
	cr_assert(!ose_proc_alive(0, 0));
	pid = fork();
	if (pid == 0)
		_exit(0);
	while (ose_proc_alive(pid, 0)) /* becomes a zombie: dead */
		usleep(1000);
	waitpid(pid, &s, 0);
	cr_assert_eq(ose_proc_start_time(pid, &st), -ESRCH);

	cr_assert_eq(ose_seg_create(&w, "ose.hb", OSE_SEG_STATE, 0, 64, OSE_SEG_F_MLOCK), 0);
	w.hdr->heartbeat_ns = 0;
	ose_seg_heartbeat(&w);
	now = ose_time_mono_ns();
	cr_assert_lt(ose_seg_heartbeat_age_ns(w.hdr, now), 60ull * 1000000000ull);
	cr_assert_eq(ose_seg_heartbeat_age_ns(w.hdr, 0), 0);
	ose_seg_close(&w);
}

Test(seg, bad_create_args)
{
	struct ose_seg w;

	cr_assert_eq(ose_seg_create(&w, "ose.x", OSE_SEG_NONE, 0, 64, 0), -EINVAL);
	cr_assert_eq(ose_seg_create(&w, "ose.x", (enum ose_seg_kind)9, 0, 64, 0), -EINVAL);
	cr_assert_eq(ose_seg_create(&w, "a/b", OSE_SEG_STATE, 0, 64, 0), -EINVAL);
	cr_assert_eq(ose_seg_create(&w, "ose.x", OSE_SEG_STATE, 0, (size_t)1 << 50, 0), -EINVAL);
	setenv("OSE_SHM_DIR", "/nonexistent-ose-dir", 1);
	cr_assert_eq(ose_seg_create(&w, "ose.x", OSE_SEG_STATE, 0, 64, 0), -ENOENT);
	setenv("OSE_SHM_DIR", shm_test_dir, 1);
}

Test(seg, hugepage_rounding_and_aux_pointers)
{
	struct ose_seg w;

	cr_assert_eq(ose_seg_create(&w, "ose.huge", OSE_SEG_STATE, 1, 3, OSE_SEG_F_HUGEPAGE), 0);
	cr_assert_eq(w.hdr->total_size % (2u << 20), 0);
	cr_assert_eq(w.aux_size, 64);
	cr_assert_eq((char *)w.aux - (char *)w.base, OSE_SEG_HDR_SIZE);
	cr_assert_eq(w.hdr->payload_off, 384); /* 256 + 64 rounded to 128 */
	cr_assert_eq((char *)w.payload - (char *)w.base, 384);
	ose_seg_close(&w);
	cr_assert_eq(ose_seg_create(&w, "ose.noaux", OSE_SEG_STATE, 0, 3, 0), 0);
	cr_assert_null(w.aux);
	cr_assert_eq(w.hdr->payload_off, 256);
	cr_assert_eq(w.hdr->total_size, 4096);
	ose_seg_close(&w);
}

/* The THP mode of anonymous memory on this host: 1 if "always" or
 * "madvise" is selected, 0 if "never" or unknown. */
static int anon_thp_possible(void)
{
	char b[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return 0;
	if (!fgets(b, sizeof(b), f))
		b[0] = 0;
	fclose(f);
	return strstr(b, "[always]") || strstr(b, "[madvise]");
}

Test(seg, huge_bytes_reports_the_page_size)
{
	size_t n = 8u << 20;
	uint8_t *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	/* A mapping refused huge pages reports none. */
	cr_assert_eq(madvise(p, n, MADV_NOHUGEPAGE), 0);
	memset(p, 1, n);
	cr_assert_eq(ose_seg_huge_bytes(p, n), 0);
	munmap(p, n);
	/* A segment (4 KiB pages unless the host enables shmem THP) reports
	 * a count between 0 and its size. */
	struct ose_seg w;
	cr_assert_eq(ose_seg_create(&w, "ose.hb", OSE_SEG_STATE, 0, 4u << 20, OSE_SEG_F_HUGEPAGE), 0);
	long long hb = ose_seg_huge_bytes(w.base, w.size);
	cr_assert_geq(hb, 0);
	cr_assert_leq(hb, (long long)w.size);
	ose_seg_close(&w);
	if (!anon_thp_possible())
		cr_skip_test("anonymous THP disabled on this host");
	/* An aligned, advised, touched anonymous range gets huge pages where
	 * the host allows them; the count must see at least one. */
	p = mmap(NULL, 2 * n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(p, MAP_FAILED);
	uint8_t *a = (uint8_t *)(((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
	cr_assert_eq(madvise(a, n, MADV_HUGEPAGE), 0);
	memset(a, 1, n);
	cr_assert_geq(ose_seg_huge_bytes(a, n), 2 << 20);
	munmap(p, 2 * n);
}

/* 1 if /dev/shm is a tmpfs mounted with huge=advise (tools/ose tune). */
static int devshm_huge_advise(void)
{
	char line[512];
	int yes = 0;
	FILE *f = fopen("/proc/mounts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "tmpfs /dev/shm ", 15))
			yes = strstr(line, "huge=advise") != NULL; /* the last (top) mount */
	fclose(f);
	return yes;
}

/* On a tuned host, a segment asking for huge pages gets them for ALL of
 * its bytes (no page may be allocated before the advice: fallocate or
 * the header's own mapping used to pin the first 2 MiB, or all, to
 * 4 KiB), readers' mappings too, and a segment not asking gets none. */
Test(seg, hugepage_segment_is_huge_on_a_tuned_host)
{
	if (!devshm_huge_advise())
		cr_skip_test("/dev/shm is not huge=advise (tools/ose tune not run)");
	char dir[] = "/dev/shm/ose-seg-test.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	setenv("OSE_SHM_DIR", dir, 1);
	struct ose_seg w, r, s;
	cr_assert_eq(ose_seg_create(&w, "ose.hp", OSE_SEG_STATE, 0, 6u << 20, OSE_SEG_F_HUGEPAGE), 0);
	cr_assert_eq(ose_seg_huge_bytes(w.base, w.size), (long long)w.size);
	cr_assert_eq(w.hdr->magic, OSE_SEG_MAGIC);
	cr_assert_eq(ose_seg_attach(&r, "ose.hp", OSE_SEG_STATE, OSE_SEG_F_HUGEPAGE), 0);
	cr_assert_eq(ose_seg_huge_bytes(r.base, r.size), (long long)r.size);
	cr_assert_eq(ose_seg_create(&s, "ose.sp", OSE_SEG_STATE, 0, 6u << 20, 0), 0);
	cr_assert_eq(ose_seg_huge_bytes(s.base, s.size), 0);
	ose_seg_close(&r);
	ose_seg_close(&w);
	ose_seg_close(&s);
	ose_seg_unlink("ose.hp");
	ose_seg_unlink("ose.sp");
	rmdir(dir);
	setenv("OSE_SHM_DIR", shm_test_dir, 1);
}
