/* SPDX-License-Identifier: MIT */
/*
 * ose-sim integration tests: the real ose-sim process over real TLS on
 * loopback, read by an independent client (sim_client.py: Python's
 * websockets + ssl with the test CA, venue parsers written from the
 * reference formats).  What each test proves:
 *   - per venue: TLS + WebSocket handshake, login/auth, subscribe acks,
 *     app-level and RFC 6455 pings answered, every update parses in the
 *     venue's own format (protobuf for MEXC) and carries ose_ts, and the
 *     reduced stream equals the truth file exactly; REST get-order agrees;
 *   - same seed, same truth; another seed, another truth;
 *   - duplicates and reordering leave the truth reproducible;
 *   - disconnect-every-N closes after exactly N updates;
 *   - stall-after-N leaves a silent, pong-less, open connection;
 *   - malformed frames (bad JSON, truncated) arrive and nothing is lost;
 *     invalid UTF-8 makes an RFC 6455 client fail the connection (1007);
 *   - fragmented messages with an interleaved ping reassemble;
 *   - a server restart refuses connections for its down time;
 *   - SIGUSR1 writes the truth while running; --record-dir writes one
 *     replay line per payload (b64: for MEXC's binary frames).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/e2e/harness.h"

#define PY "/usr/bin/python3"

static const char *const venues[] = { "binance", "okx", "bybit", "gate", "coinbase", "mexc" };

struct simrun {
	char dir[256];
	char truth[320], portf[320], log[320], certs[320], ca[400];
	struct ose_h_proc sim;
	int port;
};

/* The run a failed assertion may leave behind; .fini cleans it up. */
static struct simrun *current;

static const char *env_or_skip(const char *name)
{
	const char *v = getenv(name);
	if (!v || access(v, R_OK) != 0)
		cr_skip_test("%s not set or unreadable (run through meson test)", name);
	return v;
}

static void need_python(void)
{
	const char *argv[] = { PY, "-c", "import websockets, ssl", NULL };
	char d[256];
	cr_assert_eq(ose_h_tmpdir(d, sizeof(d), "simpy"), 0);
	char log[320];
	snprintf(log, sizeof(log), "%s/py.log", d);
	int rc = ose_h_run(argv, log, 20000);
	ose_h_rmtree(d);
	if (rc != 0)
		cr_skip_test("/usr/bin/python3 with websockets is not installed");
	if (access("/usr/bin/openssl", X_OK) != 0)
		cr_skip_test("/usr/bin/openssl is not installed");
}

/* Start ose-sim on venues with extra arguments (NULL-terminated). */
static void sim_start(struct simrun *r, const char *venue_list, const char *const extra[])
{
	const char *bin = env_or_skip("OSE_SIM");
	need_python();
	memset(r, 0, sizeof(*r));
	cr_assert_eq(ose_h_tmpdir(r->dir, sizeof(r->dir), "sim"), 0);
	current = r;
	snprintf(r->truth, sizeof(r->truth), "%s/truth.json", r->dir);
	snprintf(r->portf, sizeof(r->portf), "%s/port", r->dir);
	snprintf(r->log, sizeof(r->log), "%s/sim.log", r->dir);
	snprintf(r->certs, sizeof(r->certs), "%s/certs", r->dir);
	const char *argv[64] = { bin, "--venue", venue_list, "--gen-certs", r->certs, "--port", "0",
				 "--port-file", r->portf, "--truth", r->truth };
	size_t n = 11;
	for (size_t i = 0; extra && extra[i] && n < 63; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	cr_assert_eq(ose_h_spawn(&r->sim, argv, NULL, r->log), 0);
	char line[512];
	int rc = ose_h_wait_line(&r->sim, "ose-sim ready ", line, sizeof(line), 20000);
	if (rc) {
		char *l = ose_h_slurp(r->log, NULL);
		cr_assert_fail("ose-sim not ready (%d): %s", rc, l ? l : "");
	}
	cr_assert_eq(sscanf(line, "ose-sim ready port=%d ca=%399s", &r->port, r->ca), 2, "line: %s", line);
	cr_assert_gt(r->port, 0);
	cr_assert_eq(ose_h_wait_file(r->portf, 1000), 0);
}

static void sim_stop(struct simrun *r)
{
	int st = ose_h_stop(&r->sim, 10000);
	cr_assert(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "ose-sim exit status %d", st);
	cr_assert_eq(ose_h_wait_file(r->truth, 100), 0, "no truth file");
}

static void sim_cleanup(struct simrun *r)
{
	if (r->sim.pid && !r->sim.exited)
		ose_h_stop(&r->sim, 2000);
	if (r->dir[0])
		ose_h_rmtree(r->dir);
	r->dir[0] = 0;
	current = NULL;
}

static void fini(void)
{
	if (current)
		sim_cleanup(current);
}

/* Run the client; argv tail after "sim_client.py".  Fails with its log. */
static void client(struct simrun *r, const char *tag, const char *const args[])
{
	const char *script = env_or_skip("SIM_CLIENT");
	const char *argv[40] = { PY, script };
	size_t n = 2;
	for (size_t i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	char log[400];
	snprintf(log, sizeof(log), "%s/client-%s.log", r->dir, tag);
	int rc = ose_h_run(argv, log, 45000);
	if (rc != 0) {
		char *l = ose_h_slurp(log, NULL);
		cr_assert_fail("sim_client %s %s: rc=%d\n%s", args[0], tag, rc, l ? l : "");
		free(l);
	}
}

/* Start a stream client in the background (for several venues at once). */
static void client_bg(struct simrun *r, struct ose_h_proc *p, const char *venue, const char *state,
		      const char *extra)
{
	const char *script = env_or_skip("SIM_CLIENT");
	char port[16], log[400];
	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(log, sizeof(log), "%s.log", state);
	const char *argv[] = { PY, script, "stream", "--venue", venue, "--port", port, "--ca", r->ca,
			       "--out", state, "--idle", "1.0", extra, NULL };
	cr_assert_eq(ose_h_spawn(p, argv, NULL, log), 0);
}

static void client_bg_wait(struct simrun *r, struct ose_h_proc *p, const char *state)
{
	int st = -1;
	int rc = ose_h_wait_exit(p, 45000, &st);
	(void)r;
	if (rc || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		ose_h_stop(p, 100);
		char log[420];
		snprintf(log, sizeof(log), "%s.log", state);
		char *l = ose_h_slurp(log, NULL);
		cr_assert_fail("stream client %s failed (%d/%d): %s", state, rc, st, l ? l : "");
		free(l);
	}
}

static void state_path(struct simrun *r, const char *venue, char *out, size_t cap)
{
	snprintf(out, cap, "%s/state-%s.json", r->dir, venue);
}

static void stream(struct simrun *r, const char *venue, const char *extra)
{
	char port[16], state[400];
	snprintf(port, sizeof(port), "%d", r->port);
	state_path(r, venue, state, sizeof(state));
	const char *args[] = { "stream", "--venue", venue, "--port", port, "--ca", r->ca, "--out", state,
			       "--idle", "1.0", extra, NULL };
	client(r, venue, args);
}

/* ------------------------------------------------------------------ */

ParameterizedTestParameters(sim, venue_stream_matches_truth)
{
	static int idx[] = { 0, 1, 2, 3, 4, 5 };
	return cr_make_param_array(int, idx, sizeof(idx) / sizeof(idx[0]));
}

ParameterizedTest(int *vi, sim, venue_stream_matches_truth, .fini = fini, .timeout = 90)
{
	const char *v = venues[*vi];
	struct simrun r;
	const char *extra[] = { "--seed", "7", "--orders", "40", "--symbols", "6", "--rate", "3000",
				"--burst", "8", "--batch", "3", "--ping-interval", "0.3",
				"--api-key", "simkey", "--api-secret", "simsecret", NULL };
	sim_start(&r, v, extra);
	/* Coinbase: stay long enough for the 1 s heartbeats to show */
	stream(&r, v, *vi == 4 ? "--idle=2.5" : "--trades");
	char port[16], state[400];
	snprintf(port, sizeof(port), "%d", r.port);
	const char *rest[] = { "rest", "--venue", v, "--port", port, "--ca", r.ca, "--truth", r.truth, NULL };
	/* REST answers from the live simulator; the truth is its SIGUSR1 dump. */
	cr_assert_eq(ose_h_signal(&r.sim, SIGUSR1), 0);
	cr_assert_eq(ose_h_wait_file(r.truth, 5000), 0);
	client(&r, "rest", rest);
	sim_stop(&r);
	state_path(&r, v, state, sizeof(state));
	bool trades = *vi == 2 || *vi == 3 || *vi == 5; /* bybit, gate, mexc */
	const char *chk[] = { "check", "--truth", r.truth, "--state", state, "--venue", v, "--clean",
			      "--stamped", trades ? "--min-trades" : NULL, "1", NULL };
	client(&r, "check", chk);
	if (*vi == 4) {
		const char *ses[] = { "session", "--state", state, "--min-heartbeats", "1", NULL };
		client(&r, "heartbeats", ses);
	}
	sim_cleanup(&r);
}

static void truth_run(uint64_t seed, char **out)
{
	struct simrun r;
	char s[32];
	snprintf(s, sizeof(s), "%llu", (unsigned long long)seed);
	const char *extra[] = { "--seed", s, "--orders", "60", "--symbols", "8", "--rate", "20000",
				"--burst", "50", "--no-wait", NULL };
	sim_start(&r, "all", extra);
	cr_assert_eq(ose_h_wait_line(&r.sim, "ose-sim done", NULL, 0, 20000), 0);
	sim_stop(&r);
	*out = ose_h_slurp(r.truth, NULL);
	cr_assert_not_null(*out);
	sim_cleanup(&r);
}

Test(sim, same_seed_same_truth, .fini = fini, .timeout = 60)
{
	char *a, *b, *c;
	truth_run(1234, &a);
	truth_run(1234, &b);
	truth_run(1235, &c);
	cr_assert(strstr(a, "\"done\":true"), "generator did not finish");
	cr_assert(strstr(a, "\"venue\":\"mexc\"") && strstr(a, "\"status\":\"FILLED\""));
	cr_assert_str_eq(a, b, "same seed gave a different truth");
	cr_assert_str_neq(a, c, "another seed gave the same truth");
	free(a);
	free(b);
	free(c);
}

Test(sim, duplicates_and_reorder_keep_truth, .fini = fini, .timeout = 90)
{
	struct simrun r;
	const char *extra[] = { "--seed", "11", "--orders", "40", "--symbols", "5", "--rate", "4000",
				"--burst", "16", "--batch", "2", "--dup", "0.3", "--reorder", "6", NULL };
	sim_start(&r, "all", extra);
	struct ose_h_proc cl[6];
	char states[6][400];
	for (int i = 0; i < 6; i++) {
		state_path(&r, venues[i], states[i], sizeof(states[i]));
		client_bg(&r, &cl[i], venues[i], states[i], "--trades");
	}
	for (int i = 0; i < 6; i++)
		client_bg_wait(&r, &cl[i], states[i]);
	sim_stop(&r);
	for (int i = 0; i < 6; i++) {
		const char *chk[] = { "check", "--truth", r.truth, "--state", states[i], "--venue", venues[i],
				      "--min-dups", "1", NULL };
		client(&r, venues[i], chk);
	}
	sim_cleanup(&r);
}

Test(sim, disconnect_every_n, .fini = fini, .timeout = 60)
{
	struct simrun r;
	const char *extra[] = { "--seed", "3", "--orders", "60", "--rate", "2000", "--burst", "4",
				"--disconnect-every", "25", NULL };
	sim_start(&r, "binance", extra);
	stream(&r, "binance", NULL);
	char state[400];
	state_path(&r, "binance", state, sizeof(state));
	const char *ses[] = { "session", "--state", state, "--closed-after", "25", NULL };
	client(&r, "session", ses);
	sim_stop(&r);
	sim_cleanup(&r);
}

Test(sim, stall_is_half_open, .fini = fini, .timeout = 60)
{
	struct simrun r;
	const char *extra[] = { "--seed", "3", "--orders", "60", "--rate", "2000", "--burst", "4",
				"--stall-after", "12", NULL };
	sim_start(&r, "bybit", extra);
	stream(&r, "bybit", NULL);
	char state[400];
	state_path(&r, "bybit", state, sizeof(state));
	const char *ses[] = { "session", "--state", state, "--stalled-after", "12", NULL };
	client(&r, "session", ses);
	sim_stop(&r);
	sim_cleanup(&r);
}

Test(sim, malformed_frames_lose_nothing, .fini = fini, .timeout = 90)
{
	struct simrun r;
	const char *extra[] = { "--seed", "5", "--orders", "40", "--rate", "3000", "--burst", "8",
				"--batch", "2", "--malformed", "0.25", "--malformed-kinds", "json,trunc", NULL };
	sim_start(&r, "binance,gate,mexc", extra);
	static const char *const vs[] = { "binance", "gate", "mexc" };
	struct ose_h_proc cl[3];
	char states[3][400];
	for (int i = 0; i < 3; i++) {
		state_path(&r, vs[i], states[i], sizeof(states[i]));
		client_bg(&r, &cl[i], vs[i], states[i], NULL);
	}
	for (int i = 0; i < 3; i++)
		client_bg_wait(&r, &cl[i], states[i]);
	sim_stop(&r);
	for (int i = 0; i < 3; i++) {
		const char *chk[] = { "check", "--truth", r.truth, "--state", states[i], "--venue", vs[i],
				      "--min-malformed", "1", NULL };
		client(&r, vs[i], chk);
	}
	sim_cleanup(&r);
}

Test(sim, invalid_utf8_fails_the_connection, .fini = fini, .timeout = 60)
{
	struct simrun r;
	const char *extra[] = { "--seed", "5", "--orders", "40", "--rate", "2000", "--burst", "4",
				"--malformed", "0.5", "--malformed-kinds", "utf8", NULL };
	sim_start(&r, "okx", extra);
	stream(&r, "okx", NULL);
	char state[400];
	state_path(&r, "okx", state, sizeof(state));
	const char *ses[] = { "session", "--state", state, "--close-code", "1007", NULL };
	client(&r, "session", ses);
	sim_stop(&r);
	sim_cleanup(&r);
}

Test(sim, fragmented_messages, .fini = fini, .timeout = 60)
{
	struct simrun r;
	const char *extra[] = { "--seed", "8", "--orders", "30", "--rate", "3000", "--burst", "8",
				"--batch", "3", "--fragment", "40", NULL };
	sim_start(&r, "gate,mexc", extra);
	struct ose_h_proc cl[2];
	char states[2][400];
	static const char *const vs[] = { "gate", "mexc" };
	for (int i = 0; i < 2; i++) {
		state_path(&r, vs[i], states[i], sizeof(states[i]));
		client_bg(&r, &cl[i], vs[i], states[i], NULL);
	}
	for (int i = 0; i < 2; i++)
		client_bg_wait(&r, &cl[i], states[i]);
	sim_stop(&r);
	for (int i = 0; i < 2; i++) {
		const char *chk[] = { "check", "--truth", r.truth, "--state", states[i], "--venue", vs[i],
				      "--clean", NULL };
		client(&r, vs[i], chk);
	}
	sim_cleanup(&r);
}

Test(sim, restart_refuses_then_listens, .fini = fini, .timeout = 60)
{
	struct simrun r;
	const char *extra[] = { "--seed", "1", "--restart-ms", "700", NULL };
	sim_start(&r, "binance", extra);
	cr_assert_eq(ose_h_tcp_probe(r.port), 0);
	cr_assert_eq(ose_h_signal(&r.sim, SIGUSR2), 0);
	cr_assert_eq(ose_h_wait_line(&r.sim, "ose-sim: restart: down", NULL, 0, 5000), 0);
	cr_assert_eq(ose_h_tcp_probe(r.port), -ECONNREFUSED);
	cr_assert_eq(ose_h_wait_line(&r.sim, "ose-sim: restart: listening", NULL, 0, 5000), 0);
	cr_assert_eq(ose_h_tcp_probe(r.port), 0);
	sim_stop(&r);
	sim_cleanup(&r);
}

static size_t count_lines(const char *text, const char *prefix, size_t *other)
{
	size_t n = 0, pl = strlen(prefix);
	*other = 0;
	for (const char *s = text; *s; ) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (len && s[0] != '#') {
			if (len >= pl && memcmp(s, prefix, pl) == 0)
				n++;
			else
				(*other)++;
		}
		s += len + (nl ? 1 : 0);
	}
	return n;
}

Test(sim, record_dir_and_sigusr1, .fini = fini, .timeout = 60)
{
	struct simrun r;
	char rec[400];
	const char *extra[] = { "--seed", "21", "--orders", "50", "--rate", "20000", "--burst", "50",
				"--no-wait", "--record-dir", NULL, NULL };
	char d[256];
	cr_assert_eq(ose_h_tmpdir(d, sizeof(d), "simrec"), 0);
	snprintf(rec, sizeof(rec), "%s/rec", d);
	extra[10] = rec;
	sim_start(&r, "binance,mexc", extra);
	cr_assert_eq(ose_h_wait_line(&r.sim, "ose-sim done", NULL, 0, 20000), 0);
	cr_assert_eq(ose_h_signal(&r.sim, SIGUSR1), 0);
	cr_assert_eq(ose_h_wait_file(r.truth, 5000), 0, "SIGUSR1 wrote no truth");
	cr_assert_eq(ose_h_signal(&r.sim, 0), 0, "ose-sim exited on SIGUSR1");
	sim_stop(&r);
	char p[500];
	size_t other;
	snprintf(p, sizeof(p), "%s/mexc.replay", rec);
	char *m = ose_h_slurp(p, NULL);
	cr_assert_not_null(m);
	cr_assert_gt(count_lines(m, "b64:", &other), 50);
	cr_assert_eq(other, 0, "a MEXC replay line is not b64:");
	snprintf(p, sizeof(p), "%s/binance.replay", rec);
	char *b = ose_h_slurp(p, NULL);
	cr_assert_not_null(b);
	size_t nb = count_lines(b, "{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\"", &other);
	cr_assert_eq(other, 0);
	char *t = ose_h_slurp(r.truth, NULL);
	char want[64];
	snprintf(want, sizeof(want), "\"binance\":%zu", nb);
	cr_assert(strstr(t, want), "binance replay has %zu lines; truth: %.200s", nb, strstr(t, "\"sim\""));
	free(m);
	free(b);
	free(t);
	sim_cleanup(&r);
	ose_h_rmtree(d);
}

/* --late-file: every message the generator made is in the pacer's
 * lateness summary once (the count equals the truth's step count), and
 * the quantiles are ordered.  No timing is asserted: how late a loaded
 * machine runs the pacer is what the file reports, not what it checks.
 * With --spin the pacer never sleeps (spin_wait): the same messages go
 * out, and the CPU it spent waiting is reported (spin_cpu_ns > 0; 0
 * without --spin). */
static void late_file_run(bool spin)
{
	struct simrun r;
	char late[400], d[256];
	cr_assert_eq(ose_h_tmpdir(d, sizeof(d), "simlate"), 0);
	snprintf(late, sizeof(late), "%s/late.json", d);
	const char *extra[] = { "--seed", "22", "--orders", "80", "--rate", "20000", "--burst", "20",
				"--no-wait", "--late-file", late, spin ? "--spin" : NULL, NULL };
	sim_start(&r, "binance", extra);
	cr_assert_eq(ose_h_wait_line(&r.sim, "ose-sim done", NULL, 0, 20000), 0);
	sim_stop(&r);
	char *l = ose_h_slurp(late, NULL);
	cr_assert_not_null(l, "no late file");
	unsigned long long n, o100, o1, p50, p99, p999;
	long long mx, spin_ns;
	cr_assert_eq(sscanf(l, "{\"messages\":%llu,\"over_100us\":%llu,\"over_1ms\":%llu,\"p50_ns\":%llu,"
			       "\"p99_ns\":%llu,\"p999_ns\":%llu,\"max_ns\":%lld,\"spin_cpu_ns\":%lld}",
			    &n, &o100, &o1, &p50, &p99, &p999, &mx, &spin_ns), 8, "late file: %s", l);
	char *t = ose_h_slurp(r.truth, NULL);
	cr_assert_not_null(t);
	char want[64];
	snprintf(want, sizeof(want), "\"binance\":%llu", n);
	const char *tail = strstr(t, "],\"sim\":");
	cr_assert(n > 80 && tail && strstr(tail, want), "late file counts %llu messages; truth: %.300s", n,
		  tail ? tail : t);
	cr_assert(o1 <= o100 && o100 <= n, "%s", l);
	cr_assert(p50 <= p99 && p99 <= p999 && p50 > 0 && mx >= 0, "%s", l);
	if (spin)
		cr_assert_gt(spin_ns, 0, "--spin reports no CPU spent waiting: %s", l);
	else
		cr_assert_eq(spin_ns, 0, "a sleeping pacer reports spin time: %s", l);
	free(l);
	free(t);
	sim_cleanup(&r);
	ose_h_rmtree(d);
}

Test(sim, late_file_counts_every_message, .fini = fini, .timeout = 60)
{
	late_file_run(false);
}

/* The same with --spin: every generated message is still counted once,
 * and the spin time is reported. */
Test(sim, spin_paces_the_same_stream, .fini = fini, .timeout = 60)
{
	late_file_run(true);
}

/* With credentials configured, a login signed with another secret fails
 * and streams nothing (Binance, OKX, Bybit, Gate: the HMAC venues). */
Test(sim, bad_signature_refused, .fini = fini, .timeout = 60)
{
	struct simrun r;
	const char *extra[] = { "--seed", "2", "--orders", "10", "--api-key", "simkey",
				"--api-secret", "simsecret", NULL };
	static const char *const vs[] = { "binance", "okx", "bybit", "gate" };
	sim_start(&r, "binance,okx,bybit,gate", extra);
	struct ose_h_proc cl[4];
	char states[4][400];
	for (int i = 0; i < 4; i++) {
		state_path(&r, vs[i], states[i], sizeof(states[i]));
		client_bg(&r, &cl[i], vs[i], states[i], "--secret=wrong");
	}
	for (int i = 0; i < 4; i++)
		client_bg_wait(&r, &cl[i], states[i]);
	for (int i = 0; i < 4; i++) {
		const char *ses[] = { "session", "--state", states[i], "--auth-fail", NULL };
		client(&r, vs[i], ses);
	}
	sim_stop(&r);
	sim_cleanup(&r);
}

/* Coinbase sends the open orders on subscribe: a client that joins
 * mid-stream gets a snapshot, and what it then holds agrees with the truth
 * for every order it saw. */
Test(sim, coinbase_snapshot_for_late_joiner, .fini = fini, .timeout = 60)
{
	struct simrun r;
	const char *extra[] = { "--seed", "9", "--orders", "60", "--rate", "40", "--burst", "1", NULL };
	sim_start(&r, "coinbase", extra);
	struct ose_h_proc a, b;
	char sa[400], sb[400];
	snprintf(sa, sizeof(sa), "%s/state-early.json", r.dir);
	snprintf(sb, sizeof(sb), "%s/state-late.json", r.dir);
	client_bg(&r, &a, "coinbase", sa, NULL);
	/* the stream starts with the first subscriber (about 5 s of steps at
	 * this rate); join 1.2 s after the first client started */
	usleep(1200 * 1000);
	client_bg(&r, &b, "coinbase", sb, NULL);
	client_bg_wait(&r, &a, sa);
	client_bg_wait(&r, &b, sb);
	sim_stop(&r);
	const char *ca[] = { "check", "--truth", r.truth, "--state", sa, "--venue", "coinbase", "--clean", NULL };
	client(&r, "early", ca);
	const char *cb[] = { "check", "--truth", r.truth, "--state", sb, "--venue", "coinbase", "--subset",
			     "--min-snapshot", "1", NULL };
	client(&r, "late", cb);
	sim_cleanup(&r);
}

/* Hostile input on every venue's WebSocket and on the HTTP/TLS port: the
 * simulator answers or drops it, keeps serving, and exits cleanly. */
Test(sim, bad_input_never_crashes, .fini = fini, .timeout = 60)
{
	struct simrun r;
	const char *extra[] = { "--seed", "4", "--orders", "20", NULL };
	sim_start(&r, "all", extra);
	char port[16];
	snprintf(port, sizeof(port), "%d", r.port);
	const char *args[] = { "garbage", "--port", port, "--ca", r.ca, NULL };
	client(&r, "garbage", args);
	cr_assert_eq(ose_h_signal(&r.sim, 0), 0, "ose-sim died on bad input");
	sim_stop(&r);
	sim_cleanup(&r);
}

/* --max-conn-life: the venue's forced reconnect arrives as close 1001. */
Test(sim, max_connection_life, .fini = fini, .timeout = 60)
{
	struct simrun r;
	const char *extra[] = { "--seed", "6", "--orders", "10", "--max-conn-life", "1", NULL };
	sim_start(&r, "mexc", extra);
	stream(&r, "mexc", "--idle=4");
	char state[400];
	state_path(&r, "mexc", state, sizeof(state));
	const char *ses[] = { "session", "--state", state, "--close-code", "1001", NULL };
	client(&r, "session", ses);
	sim_stop(&r);
	sim_cleanup(&r);
}
