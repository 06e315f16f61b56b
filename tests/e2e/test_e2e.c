/* SPDX-License-Identifier: MIT */
/*
 * End to end: the real processes (ose-sim, ose-engine, one ose-feed per
 * venue, ose-dump) over real TLS on loopback, in a private OSE_SHM_DIR with
 * an instance name per test.  When the run ends, `ose-dump --json` is
 * compared with the simulator's truth by e2e_check.py: every order's
 * status, price, quantity and filled quantity must be equal as exact
 * decimals.  Where messages are lost on the wire (disconnects, a server
 * restart, a killed feed) the check is told what the simulator sent
 * (--record-dir) and what each feed received (--record): orders named in no
 * lost message must still match exactly, the others must never be ahead of
 * the truth, and every such venue must be flagged for reconcile.
 *
 * Scenarios: each venue alone; all six at once; duplicates + reordering;
 * malformed frames (counted, nothing lost); disconnects every N messages;
 * a server restart; kill -9 of a feed and of the engine mid-stream, each
 * restarted.  One check per run that idle processes do not spin a core on
 * this shared machine (the engine's and feeds' automatic wait strategy).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/e2e/harness.h"

#define NV 6
static const char *const venues[NV] = { "binance", "okx", "bybit", "gate", "coinbase", "mexc" };
static const char *const paths[NV] = { "/binance/ws-api/v3", "/okx/ws/v5/private", "/bybit/v5/private",
				       "/gate/ws/v4/", "/coinbase/", "/mexc/ws?listenKey=lk" };
/* A base64 Ed25519 seed (Coinbase JWTs are signed for real); the HMAC
 * venues take any secret when the simulator runs without credentials. */
static const char *const cred_env[] = { "OSE_API_KEY=e2ekey",
					"OSE_API_SECRET=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
					"OSE_API_PASSPHRASE=pp", "OSE_LISTEN_KEY=lk", NULL };

struct run {
	char dir[256], inst[32];
	char truth[320], certs[320], ini[320], sent[320], dump[320];
	int port;
	unsigned vmask;
	struct ose_h_proc sim, eng, feed[NV];
};

static struct run R; /* one per test process (Criterion forks per test) */

static const char *env_or_skip(const char *name)
{
	const char *v = getenv(name);
	if (!v || access(v, R_OK) != 0)
		cr_skip_test("%s not set or unreadable (run through meson test)", name);
	return v;
}

static void fail_with_log(const char *what, const char *log)
{
	char *l = ose_h_slurp(log, NULL);
	size_t n = l ? strlen(l) : 0;
	cr_assert_fail("%s; log %s:\n%s", what, log, l ? (n > 3000 ? l + n - 3000 : l) : "(none)");
}

static void run_init(struct run *r, const char *tag)
{
	memset(r, 0, sizeof(*r));
	if (access("/usr/bin/openssl", X_OK) != 0)
		cr_skip_test("/usr/bin/openssl is needed for the test CA");
	cr_assert_eq(ose_h_tmpdir(r->dir, sizeof(r->dir), "e2e"), 0);
	snprintf(r->inst, sizeof(r->inst), "e2e%s%d", tag, (int)getpid() % 100000);
	snprintf(r->truth, sizeof(r->truth), "%s/truth.json", r->dir);
	snprintf(r->certs, sizeof(r->certs), "%s/certs", r->dir);
	snprintf(r->ini, sizeof(r->ini), "%s/ose.ini", r->dir);
	snprintf(r->sent, sizeof(r->sent), "%s/sent", r->dir);
	snprintf(r->dump, sizeof(r->dump), "%s/dump.json", r->dir);
	setenv("OSE_SHM_DIR", r->dir, 1);
	setenv("OSE_JOURNAL_DIR", r->dir, 1);
	/* A table sized for tests: the default 1M slots is ~500 MB to fault in. */
	FILE *f = fopen(r->ini, "w");
	cr_assert_not_null(f);
	fprintf(f, "[engine]\ninstance = %s\ncapacity = 65536\nbooks = 1024\nfsync = none\n", r->inst);
	fclose(f);
}

static void run_fini(void)
{
	struct run *r = &R;
	for (int v = 0; v < NV; v++)
		if (r->feed[v].pid && !r->feed[v].exited)
			ose_h_stop(&r->feed[v], 2000);
	if (r->eng.pid && !r->eng.exited)
		ose_h_stop(&r->eng, 3000);
	if (r->sim.pid && !r->sim.exited)
		ose_h_stop(&r->sim, 3000);
	if (r->dir[0] && !getenv("OSE_E2E_KEEP"))
		ose_h_rmtree(r->dir);
}

/* Venue list "a,b" -> mask. */
static unsigned vmask_of(const char *list)
{
	unsigned m = 0;
	for (int v = 0; v < NV; v++) {
		const char *p = strstr(list, venues[v]);
		if (p)
			m |= 1u << v;
	}
	return m;
}

/* Soak variants (suite 'soak') run the same scenarios with E2E_SCALE times
 * the orders: a count argument after "--orders" or "--min-orders" is scaled. */
static const char *scaled(const char *opt, const char *val, char *buf, size_t cap)
{
	const char *e = getenv("E2E_SCALE");
	long k = e ? strtol(e, NULL, 10) : 1;
	if (k <= 1 || (strcmp(opt, "--orders") != 0 && strcmp(opt, "--min-orders") != 0))
		return val;
	snprintf(buf, cap, "%ld", strtol(val, NULL, 10) * k);
	return buf;
}

static void sim_start(struct run *r, const char *vlist, const char *const extra[])
{
	const char *bin = env_or_skip("OSE_SIM");
	char log[320];
	snprintf(log, sizeof(log), "%s/sim.log", r->dir);
	const char *argv[64] = { bin, "--venue", vlist, "--gen-certs", r->certs, "--port", "0",
				 "--truth", r->truth, "--record-dir", r->sent, "--account", "main" };
	size_t n = 13;
	char sc[32];
	for (size_t i = 0; extra && extra[i] && n < 63; i++)
		argv[n++] = i ? scaled(extra[i - 1], extra[i], sc, sizeof(sc)) : extra[i];
	argv[n] = NULL;
	r->vmask = vmask_of(vlist);
	cr_assert_eq(ose_h_spawn(&r->sim, argv, NULL, log), 0);
	char line[512], ca[400];
	if (ose_h_wait_line(&r->sim, "ose-sim ready ", line, sizeof(line), 30000))
		fail_with_log("ose-sim not ready", log);
	cr_assert_eq(sscanf(line, "ose-sim ready port=%d ca=%399s", &r->port, ca), 2, "line: %s", line);
}

static void engine_start(struct run *r, int epoch)
{
	const char *bin = env_or_skip("OSE_ENGINE");
	char log[320];
	snprintf(log, sizeof(log), "%s/engine.%d.log", r->dir, epoch);
	const char *argv[] = { bin, "--config", r->ini, NULL };
	cr_assert_eq(ose_h_spawn(&r->eng, argv, NULL, log), 0);
	if (ose_h_wait_text(&r->eng, " running", 60000))
		fail_with_log("ose-engine did not start", log);
}

static void feed_start(struct run *r, int v, int epoch)
{
	const char *bin = env_or_skip("OSE_FEED");
	char log[320], url[256], rec[320];
	snprintf(log, sizeof(log), "%s/feed-%s.%d.log", r->dir, venues[v], epoch);
	snprintf(url, sizeof(url), "wss://127.0.0.1:%d%s", r->port, paths[v]);
	snprintf(rec, sizeof(rec), "%s/%s.recv", r->dir, venues[v]);
	const char *argv[] = { bin, "--instance", r->inst, "--venue", venues[v], "--account", "main",
			       "--url", url, "--ca", r->certs[0] ? "" : "", "--record", rec,
			       "--backoff-base-ms", "20", "--backoff-max-ms", "200", NULL };
	char ca[340];
	snprintf(ca, sizeof(ca), "%s/ca.pem", r->certs);
	argv[10] = ca;
	cr_assert_eq(ose_h_spawn(&r->feed[v], argv, cred_env, log), 0);
}

static void feeds_start(struct run *r)
{
	for (int v = 0; v < NV; v++)
		if (r->vmask & (1u << v))
			feed_start(r, v, 0);
}

static void wait_sim_done(struct run *r, int timeout_ms)
{
	if (ose_h_wait_line(&r->sim, "ose-sim done", NULL, 0, timeout_ms)) {
		char log[320];
		snprintf(log, sizeof(log), "%s/sim.log", r->dir);
		fail_with_log("ose-sim did not finish its lifecycles", log);
	}
}

/* ose-dump --json into path; returns its exit code. */
static int dump_to(struct run *r, const char *path)
{
	const char *bin = env_or_skip("OSE_DUMP");
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "'%s' --instance %s --json > '%s' 2>>'%s/dump.err'", bin, r->inst, path,
		 r->dir);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Every SPSC ring's lag (feed rings, journal queue) is 0 in a dump. */
static bool all_drained(const char *path)
{
	char *s = ose_h_slurp(path, NULL);
	bool ok = s != NULL && strstr(s, "\"rings\"") != NULL;
	for (char *p = s; ok && (p = strstr(p, "\"lag\":")) != NULL; p += 6)
		if (strtoll(p + 6, NULL, 10) != 0)
			ok = false;
	free(s);
	return ok;
}

static int count_of(const char *path, const char *needle)
{
	char *s = ose_h_slurp(path, NULL);
	int n = 0;
	for (char *p = s; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(s);
	return n;
}

/* Wait (bounded) until every started feed is streaming, so that a fault
 * injected next lands mid-stream rather than before the first session. */
static void wait_streaming(struct run *r)
{
	int want = __builtin_popcount(r->vmask);
	char tmp[340];
	snprintf(tmp, sizeof(tmp), "%s/streaming.json", r->dir);
	for (int i = 0; i < 300; i++) { /* 30 s */
		if (dump_to(r, tmp) == 0 && count_of(tmp, "\"state\":\"streaming\"") >= want)
			return;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	/* Say why: the feeds' section of the last dump (state, disconnects). */
	char *d = ose_h_slurp(tmp, NULL);
	char *a = d ? strstr(d, "\"feeds\":[") : NULL, *b = a ? strstr(a, "\"stats\":") : NULL;
	if (b)
		*b = 0;
	cr_assert_fail("the feeds did not all reach streaming within 30 s: %.3000s", a ? a : "(no dump)");
}

/* utime + stime of pid in clock ticks, or -1. */
static long long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may hold spaces */
	unsigned long long ut, st;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* Sleep ms milliseconds. */
static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/*
 * End of a run: the simulator has finished, give the feeds a moment to read
 * the last bytes, stop them (SIGTERM: clean close), wait until the engine
 * has drained every ring, dump, then stop the simulator (truth) and engine.
 */
static void finish(struct run *r)
{
	struct timespec ts = { 0, 400 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	for (int v = 0; v < NV; v++)
		if (r->feed[v].pid && !r->feed[v].exited) {
			int st = ose_h_stop(&r->feed[v], 5000);
			cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "ose-feed %s exit status %d",
				  venues[v], st);
		}
	char tmp[340];
	snprintf(tmp, sizeof(tmp), "%s.tmp", r->dump);
	bool ok = false;
	for (int i = 0; i < 200 && !ok; i++) { /* bounded: 20 s */
		ok = dump_to(r, tmp) == 0 && all_drained(tmp);
		if (!ok) {
			ts.tv_nsec = 100 * 1000 * 1000;
			nanosleep(&ts, NULL);
		}
	}
	cr_assert(ok, "the engine did not drain its rings within 20 s");
	cr_assert_eq(rename(tmp, r->dump), 0);
	int st = ose_h_stop(&r->sim, 10000);
	cr_assert(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "ose-sim exit status %d", st);
	cr_assert_eq(ose_h_wait_file(r->truth, 1000), 0, "no truth file");
	st = ose_h_stop(&r->eng, 10000);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "ose-engine exit status %d", st);
}

/* Run e2e_check.py with extra arguments; 77 from it becomes a skip. */
static void check(struct run *r, const char *const extra[])
{
	const char *script = env_or_skip("E2E_CHECK");
	char log[320];
	snprintf(log, sizeof(log), "%s/check.log", r->dir);
	const char *argv[40] = { "/usr/bin/python3", script, "--truth", r->truth, "--dump", r->dump };
	size_t n = 6;
	char sc[32];
	for (size_t i = 0; extra && extra[i] && n < 39; i++)
		argv[n++] = i ? scaled(extra[i - 1], extra[i], sc, sizeof(sc)) : extra[i];
	argv[n] = NULL;
	int rc = ose_h_run(argv, log, 60000);
	char *out = ose_h_slurp(log, NULL);
	cr_log_info("%s", out ? out : "");
	if (rc == 77)
		cr_skip_test("only a known bug's mismatches (see the check output): %s", out ? out : "");
	cr_assert_eq(rc, 0, "table differs from the truth:\n%s", out ? out : "(no output)");
	free(out);
}

/* A scenario's start: fresh run, the simulator serving vlist with sim_args,
 * the engine, one feed per venue. */
static void start_run(struct run *r, const char *tag, const char *vlist, const char *const sim_args[])
{
	run_init(r, tag);
	sim_start(r, vlist, sim_args);
	engine_start(r, 0);
	feeds_start(r);
}

/* A scenario's end: the simulator done (timeout_ms), everything stopped
 * and dumped, the table checked against the truth with check_args. */
static void end_run(struct run *r, int timeout_ms, const char *const check_args[])
{
	wait_sim_done(r, timeout_ms);
	finish(r);
	check(r, check_args);
}

/* ---------------------------------------------------------------- tests */

struct vcase {
	int v;
};

ParameterizedTestParameters(e2e, venue_alone)
{
	static struct vcase cases[NV] = { { 0 }, { 1 }, { 2 }, { 3 }, { 4 }, { 5 } };
	return cr_make_param_array(struct vcase, cases, NV);
}

/* Each venue alone, no fault: the table equals the truth exactly. */
ParameterizedTest(struct vcase *c, e2e, venue_alone, .fini = run_fini, .timeout = 120)
{
	struct run *r = &R;
	const char *sim_args[] = { "--seed", "11", "--orders", "60", "--symbols", "3", "--rate", "600",
				   "--batch", "3", NULL };
	start_run(r, venues[c->v], venues[c->v], sim_args);
	const char *args[] = { "--venues", venues[c->v], "--min-orders", "60", "--expect-gaps-min", "1",
			       "--expect-parse-errors", "0", "--f2t-every-event", NULL };
	end_run(r, 60000, args);
}

#define ALL "binance,okx,bybit,gate,coinbase,mexc"

/* All six at once, one feed each, into one engine. */
Test(e2e, all_six_venues, .fini = run_fini, .timeout = 150)
{
	struct run *r = &R;
	const char *sim_args[] = { "--seed", "12", "--orders", "50", "--symbols", "4", "--rate", "400",
				   "--batch", "2", NULL };
	start_run(r, "all", ALL, sim_args);
	wait_sim_done(r, 90000);

	/* Eight busy processes on two cores: with nothing to do, the engine and
	 * the feeds must have chosen a yielding/sleeping wait on their own (not
	 * pinned, no spare core).  A spinning one burns ~100% of a core on a
	 * quiet machine; the bound is loose because a loaded machine gives a
	 * spinner less, so this catches spinning only when there is room to. */
	nap_ms(500);
	long long t0[NV + 1], hz = sysconf(_SC_CLK_TCK);
	pid_t pids[NV + 1];
	for (int v = 0; v < NV; v++)
		pids[v] = r->feed[v].pid;
	pids[NV] = r->eng.pid;
	for (int i = 0; i <= NV; i++)
		t0[i] = cpu_ticks(pids[i]);
	nap_ms(2000);
	for (int i = 0; i <= NV; i++) {
		long long pct = (cpu_ticks(pids[i]) - t0[i]) * 100 / (2 * hz);
		cr_log_info("idle CPU %s: %lld%% of a core", i == NV ? "engine" : venues[i], pct);
		cr_expect_lt(pct, 60, "%s uses %lld%% of a core while idle: spinning?", i == NV ? "engine" : venues[i],
			     pct);
	}
	finish(r);
	const char *args[] = { "--min-orders", "300", "--expect-gaps-min", "6", "--gaps-match-feeds",
			       "--expect-parse-errors", "0", "--f2t-every-event", NULL };
	check(r, args);
}

/* Duplicates (p = 0.25) and reordering in windows of 8: the lifecycle rules
 * converge on the truth exactly. */
Test(e2e, duplicates_and_reordering, .fini = run_fini, .timeout = 150)
{
	struct run *r = &R;
	const char *sim_args[] = { "--seed", "13", "--orders", "50", "--symbols", "3", "--rate", "400",
				   "--burst", "8", "--dup", "0.25", "--reorder", "8", NULL };
	start_run(r, "dup", ALL, sim_args);
	const char *args[] = { "--min-orders", "300", "--expect-parse-errors", "0", NULL };
	end_run(r, 90000, args);
}

/* Malformed frames (bad JSON, truncated messages) before 10% of the real
 * ones: each counted as a parse error, no real message lost. */
Test(e2e, malformed_frames_counted_nothing_lost, .fini = run_fini, .timeout = 150)
{
	struct run *r = &R;
	const char *sim_args[] = { "--seed", "14", "--orders", "50", "--symbols", "3", "--rate", "400",
				   "--malformed", "0.1", NULL };
	start_run(r, "bad", ALL, sim_args);
	const char *args[] = { "--min-orders", "300", "--expect-parse-errors", "truth", NULL };
	end_run(r, 90000, args);
}

/* Connection dropped (no close frame) after every 40 order messages: the
 * feeds reconnect; what was lost is only what the simulator sent into a
 * dead connection, and the gap is flagged for reconcile. */
Test(e2e, disconnects_flag_gap, .fini = run_fini, .timeout = 150)
{
	struct run *r = &R;
	const char *sim_args[] = { "--seed", "15", "--orders", "50", "--symbols", "3", "--rate", "100",
				   "--disconnect-every", "40", NULL };
	start_run(r, "disc", ALL, sim_args);
	const char *args[] = { "--min-orders", "300", "--sent-dir", r->sent, "--recv-dir", r->dir,
			       "--expect-gaps-min", "12", "--gaps-match-feeds", NULL };
	end_run(r, 90000, args);
}

/* A server restart (SIGUSR2: announcements, every connection cut, 500 ms
 * refused) in the middle of the stream. */
Test(e2e, server_restart, .fini = run_fini, .timeout = 150)
{
	struct run *r = &R;
	const char *sim_args[] = { "--seed", "16", "--orders", "80", "--symbols", "3", "--rate", "150",
				   "--restart-ms", "500", NULL };
	start_run(r, "rst", ALL, sim_args);
	wait_streaming(r);
	nap_ms(300);
	cr_assert_eq(ose_h_signal(&r->sim, SIGUSR2), 0);
	cr_assert_eq(ose_h_wait_text(&r->sim, "restart: listening again", 20000), 0);
	const char *args[] = { "--min-orders", "400", "--sent-dir", r->sent, "--recv-dir", r->dir,
			       "--expect-gaps-min", "12", "--gaps-match-feeds", NULL };
	end_run(r, 90000, args);
}

/* kill -9 two feeds mid-stream (Bybit, and Coinbase whose re-subscribe
 * brings a snapshot of the open orders) and start them again: they adopt
 * their rings (seq continues) and every record committed before the kill is
 * applied exactly once. */
Test(e2e, kill9_feed_and_restart, .fini = run_fini, .timeout = 150)
{
	struct run *r = &R;
	const char *sim_args[] = { "--seed", "17", "--orders", "80", "--symbols", "3", "--rate", "150",
				   NULL };
	start_run(r, "kf", "bybit,coinbase", sim_args);
	wait_streaming(r);
	nap_ms(400);
	for (int v = 2; v <= 4; v += 2) {
		cr_assert_eq(ose_h_signal(&r->feed[v], SIGKILL), 0);
		ose_h_wait_exit(&r->feed[v], 5000, NULL);
		feed_start(r, v, 1);
	}
	const char *args[] = { "--min-orders", "160", "--sent-dir", r->sent, "--recv-dir", r->dir,
			       "--expect-gaps-min", "4", NULL };
	end_run(r, 90000, args);
}

/* kill -9 the engine mid-stream and start it again: the feeds keep writing
 * into their rings meanwhile (nothing is lost on the wire), the new engine
 * resumes from the state segment or rebuilds from the journal, and the
 * table equals the truth exactly. */
Test(e2e, kill9_engine_and_restart, .fini = run_fini, .timeout = 150)
{
	struct run *r = &R;
	const char *sim_args[] = { "--seed", "18", "--orders", "80", "--symbols", "3", "--rate", "150",
				   NULL };
	start_run(r, "ke", "binance,okx,gate", sim_args);
	wait_streaming(r);
	nap_ms(400);
	cr_assert_eq(ose_h_signal(&r->eng, SIGKILL), 0);
	cr_assert_eq(ose_h_wait_exit(&r->eng, 5000, NULL), 0);
	nap_ms(300);
	engine_start(r, 1);
	const char *args[] = { "--min-orders", "240", "--expect-gaps-min", "3", "--expect-parse-errors", "0",
			       NULL };
	end_run(r, 90000, args);
}
