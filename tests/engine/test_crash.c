/* SPDX-License-Identifier: MIT */
/*
 * Crash test: a real ose-engine process fed through a feed ring is killed
 * with SIGKILL at random points several times and restarted each time;
 * the final table must equal, order by order, the table built in-process
 * from the same stream applied exactly once.
 *
 * The stream is built so that a record applied twice or skipped shows:
 * fills carry no trade id and the orders no quantity, so the filled
 * quantity is the plain sum of the fills applied.
 *
 * OSE_CRASH_EVENTS (default 100000) and OSE_CRASH_KILLS (default 5) size
 * it; the soak suite runs 1,000,000 events.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/seg.h"
#include "shm/spsc.h"
#include "tests/engine/helpers.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Event i of the stream: a window of 64 live orders, each NEW, three
 * fills, then CANCELED / EXPIRED / FILLED (status only). */
static void make_event(uint64_t i, struct ose_event *e)
{
	/* 64 orders advance one step per round of 64 events */
	uint64_t win = i % 64, round = i / 64;
	uint64_t step = round % 5;
	uint64_t order = (round / 5) * 64 + win;
	char oid[24], sym[16];
	snprintf(oid, sizeof(oid), "%llu", (unsigned long long)order);
	snprintf(sym, sizeof(sym), "S%lluUSDT", (unsigned long long)(order % 40));
	if (step == 0) {
		*e = ev_order(sym, oid, OSE_ST_NEW, "0");
		e->price = D("10.5");
		e->flags |= OSE_EVF_HAS_PRICE;
	} else if (step < 4) {
		*e = ev_fill(sym, oid, step == 1 ? "0.001" : step == 2 ? "0.02" : "0.3", NULL);
		e->fee = D("0.0001");
		e->flags |= OSE_EVF_HAS_FEE;
	} else {
		static const enum ose_status fin[] = {OSE_ST_CANCELED, OSE_ST_EXPIRED, OSE_ST_FILLED,
						      OSE_ST_PARTIALLY_FILLED};
		*e = ev_order(sym, oid, fin[order % 4], "");
	}
	e->account[0] = 0; /* the engine fills it from the ring name */
	e->seq = i + 1;
}

static pid_t start_engine(const char *bin, const char *cfg, const char *logpath)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl(bin, bin, "--config", cfg, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* How many times an engine logged that it is running (one line per start). */
static int count_running(const char *logpath)
{
	FILE *fp = fopen(logpath, "r");
	char line[512];
	int n = 0;

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		n += strstr(line, " running: ") != NULL;
	fclose(fp);
	return n;
}

static void run_crash(uint64_t nev, int kills)
{
	const char *bin = getenv("OSE_ENGINE_BIN");
	if (!bin)
		cr_skip_test("OSE_ENGINE_BIN not set (run through meson test)");
	char dir[] = "/tmp/ose-crash-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	setenv("OSE_SHM_DIR", dir, 1);
	setenv("OSE_JOURNAL_DIR", dir, 1);
	setenv("OSE_WAIT", "sleep", 1);
	char inst[32], cfg[128], logp[128];
	snprintf(inst, sizeof(inst), "cr%d", (int)getpid());
	snprintf(cfg, sizeof(cfg), "%s/engine.ini", dir);
	snprintf(logp, sizeof(logp), "%s/engine.log", dir);
	FILE *f = fopen(cfg, "w");
	cr_assert_not_null(f);
	fprintf(f, "[engine]\ninstance=%s\ncapacity=131072\nexec_bound=500\nbooks=256\n"
		   "fsync=none\nscan_ms=20\njournal_ring=16384\nevents_capacity=4096\n", inst);
	fclose(f);

	char rname[OSE_SEG_NAME_MAX];
	ose_seg_name_feed(rname, sizeof(rname), inst, "binance", "main");
	struct ose_seg rseg;
	struct ose_spsc_prod prod;
	cr_assert_geq(ose_spsc_create(&rseg, rname, OSE_EVENT_SIZE, 8192, 0, 0, 0), 0);
	cr_assert_eq(ose_spsc_prod_init(&prod, &rseg), 0);

	pid_t eng = start_engine(bin, cfg, logp);
	uint64_t next_kill = mono_ms() + 100 + tst_rnd(&rng) % 400;
	int killed = 0, runs_before_last = 0;
	uint64_t i = 0, deadline = mono_ms() + 600000;
	while (i < nev || killed < kills) {
		cr_assert(mono_ms() < deadline, "crash test took too long");
		if (killed < kills && mono_ms() >= next_kill) {
			kill(eng, SIGKILL);
			int st;
			waitpid(eng, &st, 0);
			killed++;
			runs_before_last = count_running(logp);
			eng = start_engine(bin, cfg, logp);
			next_kill = mono_ms() + 50 + tst_rnd(&rng) % 600;
		}
		if (i >= nev) {
			struct timespec ts = {0, 5000000};
			nanosleep(&ts, NULL);
			continue;
		}
		uint32_t n = ose_spsc_reserve(&prod, 256);
		if (!n) {
			struct timespec ts = {0, 200000};
			nanosleep(&ts, NULL);
			continue;
		}
		if (n > nev - i)
			n = (uint32_t)(nev - i);
		for (uint32_t k = 0; k < n; k++)
			make_event(i + k, ose_spsc_prod_slot(&prod, k));
		ose_spsc_commit(&prod, n);
		i += n;
	}
	/* Let the last engine drain the ring, then stop it cleanly. */
	while (__atomic_load_n(&prod.ctl->cons.tail, __ATOMIC_ACQUIRE) != prod.head) {
		cr_assert(mono_ms() < deadline, "engine did not drain the ring");
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	/* The ring may have been drained by the engine killed last, so the
	 * newest one can still be starting: a SIGTERM before it installs its
	 * handler would kill it outright.  Wait for its own "running" line:
	 * every earlier engine is dead, and some died before logging one. */
	while (count_running(logp) <= runs_before_last) {
		cr_assert(mono_ms() < deadline, "restarted engine never reported running");
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	kill(eng, SIGTERM);
	int st;
	waitpid(eng, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "engine exit status %d", st);

	/* Expected: the same stream, applied once, in process. */
	struct ose_tbl X;
	struct ose_tbl_cfg c;
	ose_tbl_cfg_default(&c);
	c.capacity = 131072;
	c.exec_bound = 500;
	c.book_cap = 256;
	size_t sz = ose_tbl_size(&c);
	void *mem = aligned_alloc(4096, (sz + 4095) & ~(size_t)4095);
	cr_assert_eq(ose_tbl_format(&X, mem, sz, &c), 0);
	struct ose_ap_out out;
	for (uint64_t k = 0; k < nev; k++) {
		struct ose_event e;
		make_event(k, &e);
		strcpy(e.account, "main");
		ose_tbl_apply(&X, &e, 0, &out);
	}

	char sname[OSE_SEG_NAME_MAX];
	ose_seg_name_state(sname, sizeof(sname), inst);
	struct ose_seg sseg;
	cr_assert_eq(ose_seg_attach(&sseg, sname, OSE_SEG_STATE, 0), 0);
	struct ose_tbl G;
	cr_assert_eq(ose_tbl_bind(&G, sseg.payload, sseg.payload_size, NULL), 0);
	cr_assert_eq(ose_tbl_check(&G), 0);
	cr_assert_eq(G.st->events_received, nev, "each record consumed exactly once: %llu vs %llu",
		     (unsigned long long)G.st->events_received, (unsigned long long)nev);
	cr_assert_eq(G.st->tracked, X.st->tracked);
	cr_assert_eq(G.st->open, X.st->open);
	cr_assert_eq(G.st->executed_cached, X.st->executed_cached);
	cr_assert_eq(G.st->evicted, X.st->evicted);
	uint64_t compared = 0;
	for (uint32_t s = 0; s < X.hdr->slots_used; s++) {
		const struct ose_slot *x = &X.slots[s];
		if (!x->venue)
			continue;
		uint32_t t = ose_tbl_find_oid(&G, x->venue, "main", x->symbol, x->order_id);
		cr_assert_neq(t, OSE_NIL, "order %s/%s missing", x->symbol, x->order_id);
		const struct ose_slot *y = &G.slots[t];
		cr_assert_eq(x->status, y->status, "order %s status", x->order_id);
		cr_assert(x->filled == y->filled, "order %s filled (applied twice or skipped)",
			  x->order_id);
		cr_assert(x->fee == y->fee && x->price == y->price, "order %s fee/price", x->order_id);
		compared++;
	}
	cr_assert_eq(compared, X.st->tracked);
	cr_log_info("crash test: %llu events, %d kills, %llu orders compared, "
		    "%llu resumes from state, %llu journal rebuilds, %llu ring records skipped",
		    (unsigned long long)nev, killed, (unsigned long long)compared,
		    (unsigned long long)G.st->recoveries_state,
		    (unsigned long long)G.st->recoveries_journal,
		    (unsigned long long)G.st->recovery_skipped);
	/* How each restart recovered (the engine logs one line per start). */
	int resumed = 0, rebuilt = 0;
	FILE *lf = fopen(logp, "r");
	char line[512];
	while (lf && fgets(line, sizeof(line), lf)) {
		resumed += strstr(line, ": resumed (") != NULL;
		rebuilt += strstr(line, ": rebuilt (") != NULL;
	}
	if (lf)
		fclose(lf);
	/* (a start killed before it got that far logs neither) */
	cr_log_info("starts: %d resumed from the state segment, %d rebuilt from the journal",
		    resumed, rebuilt);
	cr_assert_leq(resumed + rebuilt, killed + 1);
	ose_seg_close(&sseg);
	ose_seg_close(&rseg);
	free(mem);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", dir);
}

Test(crash, kill9_restart_exactly_once, .timeout = 900)
{
	const char *n = getenv("OSE_CRASH_EVENTS"), *k = getenv("OSE_CRASH_KILLS");
	run_crash(n ? strtoull(n, NULL, 10) : 100000, k ? atoi(k) : 5);
}
