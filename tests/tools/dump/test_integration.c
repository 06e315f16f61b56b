/* SPDX-License-Identifier: MIT */
/*
 * ose-dump integration tests: the read-only guarantees, checked from the
 * outside on the real binary.
 *  - a long-running dump (--watch, --follow) has no writable mapping of any
 *    segment and no segment file open for writing (/proc/<pid>/maps and
 *    /proc/<pid>/fdinfo);
 *  - the segment files' bytes are identical before and after every mode;
 *  - a writer applying events with the engine's own table code while dumps
 *    run in a loop ends with a table byte-identical to a reference built
 *    without any dump running;
 *  - post-mortem: the writer SIGKILLed, the dump still prints the table and
 *    marks the engine dead;
 *  - the same against the real ose-engine under load (skipped when it is
 *    not built).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/bcast.h"
#include "shm/event.h"
#include "shm/seg.h"
#include "shm/spsc.h"
#include "shm/state.h"
#include "tests/tools/dump/fixture.h"

/* Criterion does not run .fini after a skip: clean up first. */
#define SKIP(...)                        \
	do {                             \
		fx_dir_remove();         \
		cr_skip_test(__VA_ARGS__); \
	} while (0)

static const char *dir;

/* Every process a test starts, killed at teardown whatever the test's
 * outcome (a failed assertion must not leave an engine spinning). */
static pid_t kids[16];
static int nkids;

static pid_t fork_kid(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* Also dies with the test process (kept across exec). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		return 0;
	}
	if (nkids < (int)(sizeof(kids) / sizeof(kids[0])))
		kids[nkids++] = pid;
	return pid;
}

static void setup(void)
{
	dir = fx_dir_make();
	nkids = 0;
}

static void teardown(void)
{
	for (int i = 0; i < nkids; i++)
		if (kill(kids[i], SIGKILL) == 0)
			waitpid(kids[i], NULL, 0);
	nkids = 0;
	fx_dir_remove();
}

TestSuite(dump_int, .init = setup, .fini = teardown, .timeout = 240);

static void need_bin(void)
{
	if (!getenv("OSE_DUMP_BIN"))
		SKIP("OSE_DUMP_BIN not set (run through meson test)");
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* Starts ose-dump with stdout/stderr to /dev/null; returns its pid. */
static pid_t spawn_dump(char *const argv[])
{
	const char *bin = getenv("OSE_DUMP_BIN");

	cr_assert_not_null(bin);
	pid_t pid = fork_kid();

	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(nul, 2);
		execv(bin, argv);
		_exit(127);
	}
	return pid;
}

/* The distinct segment files a dump was seen holding (mapped, or open),
 * over all the looks at it: --watch maps the segments only while it draws
 * a frame, so one look rarely catches all of them at once. */
struct seen {
	char path[16][256];
	int n;
};

static void seen_add(struct seen *s, const char *path, size_t len)
{
	if (len >= sizeof(s->path[0]))
		len = sizeof(s->path[0]) - 1;
	for (int i = 0; i < s->n; i++)
		if (strlen(s->path[i]) == len && !memcmp(s->path[i], path, len))
			return;
	if (s->n < (int)(sizeof(s->path) / sizeof(s->path[0]))) {
		memcpy(s->path[s->n], path, len);
		s->path[s->n++][len] = '\0';
	}
}

/* Adds the files in the test directory mapped in /proc/pid/maps to *s;
 * fails the test on any writable mapping. */
static void check_maps(pid_t pid, struct seen *s)
{
	char path[64], line[1024];

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *file = strstr(line, dir);

		if (!file)
			continue;
		seen_add(s, file, strcspn(file, "\n"));
		/* "addr-addr perms offset dev inode path": perms like "r--s". */
		char *perms = strchr(line, ' ');

		cr_assert_not_null(perms);
		cr_assert_eq(perms[2], '-', "writable segment mapping in ose-dump: %s", line);
		cr_assert_eq(perms[1], 'r', "%s", line);
	}
	fclose(f);
}

/* Adds the files in the test directory pid holds open to *s; fails the
 * test on any not opened O_RDONLY. */
static void check_fds(pid_t pid, struct seen *s)
{
	char path[64], link[512], target[512];

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);

	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/%d/fd/%s", (int)pid, e->d_name);
		ssize_t k = readlink(link, target, sizeof(target) - 1);

		if (k <= 0)
			continue;
		target[k] = 0;
		if (strncmp(target, dir, strlen(dir)))
			continue;
		snprintf(link, sizeof(link), "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
		FILE *f = fopen(link, "r");
		char line[256];
		unsigned long flags = ~0ul;

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "flags: %lo", &flags) == 1)
				break;
		fclose(f);
		if (flags == ~0ul)
			continue; /* closed meanwhile (--watch re-attaches every frame) */
		seen_add(s, target, strlen(target));
		cr_assert_eq(flags & O_ACCMODE, (unsigned long)O_RDONLY,
			     "ose-dump holds %s open with flags 0%lo", target, flags);
	}
	closedir(d);
}

/* Watches a running dump until it has mapped and opened `want` distinct
 * segments, checking every mapping and fd it holds on each look; then
 * stops it with SIGINT and expects a clean exit. */
static void observe_readonly(pid_t pid, int want)
{
	uint64_t end = mono_ms() + 10000;
	static struct seen maps, fds;

	maps.n = fds.n = 0;
	while (mono_ms() < end) {
		check_maps(pid, &maps);
		check_fds(pid, &fds);
		if (maps.n >= want && fds.n >= want)
			break;
		/* Short: a --watch frame holds its mappings only while it
		 * draws (a fraction of each 0.2 ms refresh). */
		sleep_ms(1);
	}
	cr_assert_geq(maps.n, want, "saw %d segment mappings, want %d", maps.n, want);
	cr_assert_geq(fds.n, want, "saw %d segment fds, want %d", fds.n, want);
	kill(pid, SIGINT);
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ose-dump ended with status 0x%x", st);
}

Test(dump_int, no_writable_mapping_watch)
{
	need_bin();
	fx_build_golden("golden");
	/* A 0.2 ms refresh: at 20 ms the frames' mappings (held only while
	 * a frame is drawn) were caught by no look in 10 s in about one run
	 * in three; --count bounds the dump to ~20-60 s if the test dies. */
	pid_t pid = spawn_dump((char *const[]){"ose-dump", "--instance", "golden", "--watch",
					       "0.0002", "--count", "100000", NULL});

	observe_readonly(pid, 5); /* state, feed, cmd, event and internal ring */
}

Test(dump_int, no_writable_mapping_follow)
{
	need_bin();
	fx_build_golden("golden");
	pid_t pid = spawn_dump((char *const[]){"ose-dump", "--instance", "golden", "--follow",
					       "--duration", "60", NULL});

	observe_readonly(pid, 1);
}

/* ---- bytes untouched -------------------------------------------------------- */

struct snap {
	char name[256];
	char *data;
	size_t len;
};

static int snapshot(struct snap *s, int max)
{
	DIR *d = opendir(dir);
	int n = 0;

	cr_assert_not_null(d);
	for (struct dirent *e; (e = readdir(d)) && n < max;) {
		char path[512];

		if (strncmp(e->d_name, "ose.", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(s[n].name, sizeof(s[n].name), "%s", e->d_name);
		int fd = open(path, O_RDONLY);
		struct stat st;

		cr_assert_geq(fd, 0);
		cr_assert_eq(fstat(fd, &st), 0);
		s[n].len = (size_t)st.st_size;
		s[n].data = malloc(s[n].len);
		cr_assert_eq(pread(fd, s[n].data, s[n].len, 0), (ssize_t)s[n].len);
		close(fd);
		n++;
	}
	closedir(d);
	return n;
}

Test(dump_int, segment_bytes_untouched)
{
	need_bin();
	struct snap a[16], b[16];
	static char *const runs[][12] = {
		{"ose-dump", "--instance", "golden", NULL},
		{"ose-dump", "--instance", "golden", "--json", NULL},
		{"ose-dump", "--list", NULL},
		{"ose-dump", "--list", "--json", NULL},
		{"ose-dump", "--instance", "golden", "--order-id", "28459", NULL},
		{"ose-dump", "--instance", "golden", "--follow", "--from-oldest", "--count", "2", NULL},
		{"ose-dump", "--instance", "golden", "--watch", "0.01", "--count", "3", NULL},
	};

	fx_build_golden("golden");
	int n = snapshot(a, 16);

	cr_assert_eq(n, 5);
	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++)
		cr_assert_eq(fx_run_dump(runs[r], NULL, NULL), 0, "run %zu", r);
	cr_assert_eq(snapshot(b, 16), n);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			if (!strcmp(a[i].name, b[j].name)) {
				cr_assert_eq(a[i].len, b[j].len);
				cr_assert(!memcmp(a[i].data, b[j].data, a[i].len), "%s changed", a[i].name);
			}
	for (int i = 0; i < n; i++) {
		free(a[i].data);
		free(b[i].data);
	}
}

/* ---- a concurrent writer is unaffected ------------------------------------------ */

#define W_ORDERS 500
#define W_ROUNDS 12
#define W_PASSES 12

/* Deterministic event i of pass p (the writer's whole input). */
static void writer_event(struct ose_event *e, int p, int i)
{
	int k = i % W_ORDERS, r = i / W_ORDERS;
	char oid[32], cid[32], sym[16], cum[16];
	int st = r == 0 ? OSE_ST_NEW : r < W_ROUNDS - 1 ? OSE_ST_PARTIALLY_FILLED
		 : (k & 1) ? OSE_ST_CANCELED : OSE_ST_FILLED;

	snprintf(oid, sizeof(oid), "%d-%d", p, k);
	snprintf(cid, sizeof(cid), "c%d-%d", p, k);
	snprintf(sym, sizeof(sym), "SYM%d", k % 4);
	/* Round 5 repeats round 4 (a duplicate); the last round fills all. */
	snprintf(cum, sizeof(cum), "%d", r == W_ROUNDS - 1 && !(k & 1) ? 100 : r == 5 ? 4 : r);
	fx_event(e, OSE_EV_ORDER, OSE_VENUE_BINANCE, "main", sym, oid, cid, k & 1 ? OSE_SIDE_SELL : OSE_SIDE_BUY,
		 st, "1.5", "100", cum);
}

static void writer_run(struct ose_tbl *t, int slow)
{
	struct ose_event e;
	struct ose_ap_out out;
	int64_t now = FX_T0;

	for (int p = 0; p < W_PASSES; p++)
		for (int i = 0; i < W_ORDERS * W_ROUNDS; i++) {
			writer_event(&e, p, i);
			ose_tbl_apply(t, &e, now += 1000, &out);
			if (slow && i % 500 == 0)
				sleep_ms(1); /* stretch the run so dumps overlap it */
		}
}

Test(dump_int, concurrent_writer_unaffected)
{
	need_bin();
	struct ose_seg seg;
	struct ose_tbl t, ref;
	size_t size;

	fx_state_create("load", &seg, &t, 4096);
	size = t.hdr->total_size;
	/* The reference: the same table in private memory, same input, no dump. */
	void *mem = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
	struct ose_tbl_cfg cfg = {t.hdr->capacity, t.hdr->exec_bound, t.hdr->book_cap, t.hdr->ring_cap};

	cr_assert_not_null(mem);
	cr_assert_eq(ose_tbl_format(&ref, mem, size, &cfg), 0);
	writer_run(&ref, 0);

	pid_t w = fork_kid();

	if (w == 0) {
		writer_run(&t, 1);
		_exit(0);
	}
	int runs = 0, st;
	uint64_t end = mono_ms() + 120000;

	for (;;) {
		char *out = NULL;
		int rc = fx_run_dump((char *const[]){"ose-dump", "--instance", "load",
						     runs % 2 ? "--json" : "--orders", NULL}, &out, NULL);

		cr_assert_eq(rc, 0, "dump %d under load exited %d", runs, rc);
		cr_assert(strstr(out, runs % 2 ? "\"orders\":[" : "ORDERS ("));
		free(out);
		runs++;
		if (waitpid(w, &st, WNOHANG) == w)
			break;
		cr_assert(mono_ms() < end, "writer did not finish");
	}
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_geq(runs, 2, "no dump overlapped the writer");
	/* Counters first (a readable message), then every byte of the table. */
	cr_assert_eq(t.st->events_applied, ref.st->events_applied);
	cr_assert_eq(t.st->duplicates, ref.st->duplicates);
	cr_assert_eq(t.st->evicted, ref.st->evicted);
	cr_assert_gt(ref.st->duplicates, 0, "the input has duplicates");
	cr_assert_gt(ref.st->evicted, 0, "the input evicts");
	cr_assert(!memcmp(t.hdr, mem, size), "table differs from the reference after %d dumps", runs);
	free(mem);
	ose_seg_close(&seg);
}

/* ---- post-mortem -------------------------------------------------------------------- */

static int count(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

Test(dump_int, post_mortem_killed_writer)
{
	need_bin();
	int pfd[2];
	char c, want[64];

	cr_assert_eq(pipe(pfd), 0);
	pid_t w = fork_kid();

	if (w == 0) {
		struct ose_seg seg;
		struct ose_tbl t;
		struct ose_event e;
		struct ose_ap_out out;

		fx_state_create("pm", &seg, &t, 256);
		for (int i = 0; i < 40; i++) {
			char oid[16];

			snprintf(oid, sizeof(oid), "%d", 5000 + i);
			fx_event(&e, OSE_EV_ORDER, OSE_VENUE_OKX, "acc", "ETH-USDT", oid, "", OSE_SIDE_BUY,
				 i < 30 ? OSE_ST_NEW : OSE_ST_FILLED, "2500.01", "1", i < 30 ? "0" : "1");
			ose_tbl_apply(&t, &e, FX_T0 + i, &out);
		}
		t.hdr->in_apply = 0;
		ose_seg_heartbeat(&seg);
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	cr_assert_eq(read(pfd[0], &c, 1), 1);
	close(pfd[0]);

	char *live = NULL;

	cr_assert_eq(fx_run_dump((char *const[]){"ose-dump", "--instance", "pm", "--json", NULL}, &live, NULL), 0);
	snprintf(want, sizeof(want), "\"pid\":%d,\"alive\":true", (int)w);
	cr_assert(strstr(live, want), "live engine not seen: %.300s", live);
	cr_assert_eq(count(live, "\"open\":true"), 30);

	kill(w, SIGKILL);
	cr_assert_eq(waitpid(w, NULL, 0), w);

	char *dead = NULL;

	cr_assert_eq(fx_run_dump((char *const[]){"ose-dump", "--instance", "pm", NULL}, &dead, NULL), 0);
	snprintf(want, sizeof(want), "engine dead (pid %d)", (int)w);
	cr_assert(strstr(dead, want), "post-mortem marker missing:\n%s", dead);
	/* 30 open + the 3 newest executed (exec_bound 3 evicted the rest). */
	cr_assert_eq(count(dead, "ETH-USDT"), 33, "the table is still printed:\n%s", dead);
	free(dead);
	cr_assert_eq(fx_run_dump((char *const[]){"ose-dump", "--instance", "pm", "--json", NULL}, &dead, NULL), 0);
	snprintf(want, sizeof(want), "\"pid\":%d,\"alive\":false", (int)w);
	cr_assert(strstr(dead, want));
	cr_assert_eq(count(dead, "\"open\":true"), 30);
	cr_assert_eq(count(dead, "\"executed\":true"), 3);
	free(dead);
	/* --list agrees. */
	cr_assert_eq(fx_run_dump((char *const[]){"ose-dump", "--list", NULL}, &dead, NULL), 0);
	snprintf(want, sizeof(want), "dead (pid %d)", (int)w);
	cr_assert(strstr(dead, want), "%s", dead);
	free(dead);
	free(live);
}

/* ---- the real engine --------------------------------------------------------------- */

/* Value of "key":N in a JSON text (first occurrence), or -1. */
static long long json_num(const char *s, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(s, k);
	return p ? strtoll(p + strlen(k), NULL, 10) : -1;
}

#define E_ORDERS 3000

Test(dump_int, real_engine_under_load_and_post_mortem)
{
	need_bin();
	const char *bin = getenv("OSE_ENGINE_BIN");

	if (!bin || !*bin)
		SKIP("ose-engine is not built");
	char cfg[512], logp[512], rname[OSE_SEG_NAME_MAX];

	setenv("OSE_WAIT", "sleep", 1); /* two shared cores: no busy spin */
	snprintf(cfg, sizeof(cfg), "%s/engine.ini", dir);
	snprintf(logp, sizeof(logp), "%s/engine.log", dir);
	FILE *f = fopen(cfg, "w");

	cr_assert_not_null(f);
	fprintf(f, "[engine]\ninstance=live\ncapacity=8192\nexec_bound=100\nbooks=64\nrings=16\n"
		   "fsync=none\nscan_ms=20\njournal_ring=4096\nevents_capacity=4096\n");
	fclose(f);

	/* The feed ring, written by the test as a feed would. */
	struct ose_seg rseg;
	struct ose_spsc_prod prod;

	ose_seg_name_feed(rname, sizeof(rname), "live", "binance", "main");
	cr_assert_geq(ose_spsc_create(&rseg, rname, OSE_EVENT_SIZE, 1024, 0, 0, 0), 0);
	cr_assert_eq(ose_spsc_prod_init(&prod, &rseg), 0);

	pid_t eng = fork_kid();

	if (eng == 0) {
		int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(bin, bin, "--config", cfg, (char *)NULL);
		_exit(127);
	}
	/* Push every order while dumps run in between batches. */
	struct ose_event e;
	int pushed = 0, dumps = 0;
	uint64_t end = mono_ms() + 120000;

	while (pushed < E_ORDERS) {
		cr_assert(mono_ms() < end, "engine does not consume the ring");
		uint32_t n = ose_spsc_reserve(&prod, 64);

		if (!n) {
			sleep_ms(1);
			continue;
		}
		if (n > (uint32_t)(E_ORDERS - pushed))
			n = (uint32_t)(E_ORDERS - pushed);
		for (uint32_t i = 0; i < n; i++) {
			char oid[16], cid[16], sym[16];
			int k = pushed + (int)i;

			snprintf(oid, sizeof(oid), "%d", 700000 + k);
			snprintf(cid, sizeof(cid), "x%d", k);
			snprintf(sym, sizeof(sym), "S%dUSDT", k % 8);
			fx_event(&e, OSE_EV_ORDER, OSE_VENUE_BINANCE, "", sym, oid, cid, OSE_SIDE_BUY,
				 OSE_ST_NEW, "0.1", "7", "0");
			e.seq = (uint64_t)k + 1;
			memcpy(ose_spsc_prod_slot(&prod, i), &e, sizeof(e));
		}
		ose_spsc_commit(&prod, n);
		pushed += (int)n;
		if (pushed % 512 < 64) {
			char *out = NULL;
			int rc = fx_run_dump((char *const[]){"ose-dump", "--instance", "live",
							     dumps % 2 ? "--json" : "--rings", NULL}, &out, NULL);

			/* The engine may not have created (3) or formatted (7)
			 * its state segment yet. */
			cr_assert(rc == 0 || rc == 3 || rc == 7, "dump exited %d", rc);
			free(out);
			dumps++;
		}
	}
	/* Wait until the engine applied everything, dumping all the while. */
	char *js = NULL;

	for (;;) {
		free(js);
		js = NULL;
		int rc = fx_run_dump((char *const[]){"ose-dump", "--instance", "live", "--json", NULL}, &js, NULL);

		dumps++;
		if (rc == 0 && json_num(js, "events_applied") == E_ORDERS)
			break;
		cr_assert(mono_ms() < end, "engine applied %lld of %d (exit %d)",
			  json_num(js ? js : "", "events_applied"), E_ORDERS, rc);
		sleep_ms(20);
	}
	char want[64];

	snprintf(want, sizeof(want), "\"pid\":%d,\"alive\":true", (int)eng);
	cr_assert(strstr(js, want), "engine not alive in: %.400s", js);
	/* Counters exact: every record received once, applied once, nothing else. */
	cr_assert_eq(json_num(js, "events_received"), E_ORDERS);
	cr_assert_eq(json_num(js, "invalid_events"), 0);
	cr_assert_eq(json_num(js, "duplicates"), 0);
	cr_assert_eq(json_num(js, "open"), E_ORDERS);
	cr_assert_eq(count(js, "\"open\":true"), E_ORDERS, "every open order listed");
	cr_assert_gt(dumps, 3);
	free(js);

	kill(eng, SIGKILL);
	cr_assert_eq(waitpid(eng, NULL, 0), eng);
	char *out = NULL;

	cr_assert_eq(fx_run_dump((char *const[]){"ose-dump", "--instance", "live", "--engine",
						 "--orders", NULL}, &out, NULL), 0);
	snprintf(want, sizeof(want), "engine dead (pid %d)", (int)eng);
	cr_assert(strstr(out, want), "post-mortem marker missing");
	cr_assert_eq(count(out, "USDT "), E_ORDERS, "the whole table is printed after the kill");
	free(out);
	cr_assert_eq(fx_run_dump((char *const[]){"ose-dump", "--instance", "live", "--json", NULL}, &out, NULL), 0);
	snprintf(want, sizeof(want), "\"pid\":%d,\"alive\":false", (int)eng);
	cr_assert(strstr(out, want));
	cr_assert_eq(count(out, "\"open\":true"), E_ORDERS);
	free(out);
	ose_seg_close(&rseg);
}

/* ---- --follow across an engine restart ------------------------------------------- */

static void publish_one(struct ose_bcast_writer *w, const char *oid)
{
	struct ose_update u;

	memset(&u, 0, sizeof(u));
	u.kind = OSE_UPD_ORDER;
	u.venue = OSE_VENUE_MEXC;
	u.status = OSE_ST_NEW;
	u.side = OSE_SIDE_SELL;
	snprintf(u.symbol, sizeof(u.symbol), "BTCUSDT");
	snprintf(u.order_id, sizeof(u.order_id), "%s", oid);
	cr_assert_eq(ose_bcast_publish(w, &u, sizeof(u)), 0);
}

Test(dump_int, follow_survives_ring_recreation)
{
	need_bin();
	struct ose_seg a, b;
	struct ose_bcast_writer w;
	char name[OSE_SEG_NAME_MAX];
	int po[2];

	ose_seg_name_events(name, sizeof(name), "fol");
	cr_assert_eq(ose_bcast_create(&a, name, sizeof(struct ose_update) + 64, 16, 0, 0), 0);
	cr_assert_eq(ose_bcast_writer_init(&w, &a), 0);
	publish_one(&w, "old-1");
	cr_assert_eq(pipe(po), 0);
	pid_t pid = fork_kid();

	if (pid == 0) {
		dup2(po[1], 1);
		close(po[0]);
		execl(getenv("OSE_DUMP_BIN"), "ose-dump", "--instance", "fol", "--follow", "--json",
		      "--count", "2", "--duration", "30", (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	sleep_ms(300);
	publish_one(&w, "old-2");   /* seen on the first ring */
	sleep_ms(100);
	/* The engine "restarts": its ring is replaced by a new file. */
	ose_seg_close(&a);
	cr_assert_eq(ose_bcast_create(&b, name, sizeof(struct ose_update) + 64, 16, 0, 0), 0);
	cr_assert_eq(ose_bcast_writer_init(&w, &b), 0);
	publish_one(&w, "new-1");
	char buf[8192];
	size_t n = 0;
	ssize_t k;

	while (n < sizeof(buf) - 1 && (k = read(po[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = 0;
	close(po[0]);
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x: %s", st, buf);
	char *p1 = strstr(buf, "\"old-2\""), *p2 = strstr(buf, "reattached"), *p3 = strstr(buf, "\"new-1\"");

	cr_assert(p1 && p2 && p3 && p1 < p2 && p2 < p3, "follow output:\n%s", buf);
	cr_assert_null(strstr(buf, "\"old-1\""), "started from the newest record");
	ose_seg_close(&b);
}
