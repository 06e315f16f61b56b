/* SPDX-License-Identifier: MIT */
/*
 * ose-feed (the process) against the project's exchange simulator
 * (tools/sim, real TLS on loopback, each venue's dialect and session):
 *  - fault-free: every order the simulator drove reaches the ring, and the
 *    last status the stream carried for it is the simulator's truth;
 *  - with delivery faults (disconnects, 64-byte fragments with pings
 *    between them, malformed messages): the feed reconnects, marks every
 *    session with a gap, counts the malformed messages and keeps seq
 *    gap-free.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "feeds/feed_stats.h"
#include "shm/event.h"
#include "shm/seg.h"
#include "shm/spsc.h"

static char dir[128];
static pid_t sim_pid;
static int sim_port;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ose-feed-sim-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	setenv("OSE_SHM_DIR", dir, 1);
}

static void teardown(void)
{
	char cmd[256];

	if (sim_pid > 0) {
		kill(sim_pid, SIGTERM);
		waitpid(sim_pid, NULL, 0);
		sim_pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
}

static void sim_start(const char *venue, const char *faults)
{
	const char *bin = getenv("OSE_SIM_BIN");
	char cmd[1024];
	int pfd[2];

	if (!bin || access(bin, X_OK) != 0 || access("/usr/bin/openssl", X_OK) != 0)
		cr_skip_test("needs ose-sim and /usr/bin/openssl");
	snprintf(cmd, sizeof(cmd),
		 "exec %s --venue %s --gen-certs %s/certs --seed 7 --orders 40 --symbols 2 "
		 "--rate 400 --account main --truth %s/truth.json --duration 60 %s",
		 bin, venue, dir, dir, faults);
	cr_assert_eq(pipe(pfd), 0);
	sim_pid = fork();
	if (sim_pid == 0) {
		dup2(pfd[1], 1);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		close(pfd[0]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	struct pollfd p = { .fd = pfd[0], .events = POLLIN };
	char line[256] = { 0 };
	size_t n = 0;
	while (n < sizeof(line) - 1 && poll(&p, 1, 20000) == 1) {
		if (read(pfd[0], line + n, 1) <= 0 || line[n] == '\n')
			break;
		n++;
	}
	close(pfd[0]);
	char *pp = strstr(line, "port=");
	cr_assert_not_null(pp, "ose-sim did not start: '%s'", line);
	sim_port = atoi(pp + 5);
}

static int feed(const char *venue, const char *path, const char *extra)
{
	char cmd[2048];
	int r;

	snprintf(cmd, sizeof(cmd),
		 "OSE_API_KEY=k OSE_API_SECRET=s OSE_API_PASSPHRASE=p OSE_LISTEN_KEY=lk "
		 "%s --instance s --venue %s --account main --url 'wss://127.0.0.1:%d%s' "
		 "--ca %s/certs/ca.pem --backoff-base-ms 20 --backoff-max-ms 100 %s "
		 ">%s/feed.out 2>&1",
		 getenv("OSE_FEED_BIN"), venue, sim_port, path, dir, extra, dir);
	r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

#define MAXO 256
struct ord {
	char id[OSE_ID_MAX];
	int status;
};

static int find(struct ord *o, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(o[i].id, id))
			return i;
	return -1;
}

Test(sim, bybit_every_order_reaches_the_ring, .init = setup, .fini = teardown, .timeout = 90)
{
	struct ose_seg seg;
	struct ose_spsc_cons c;
	struct ose_event ev;
	static struct ord seen[MAXO];
	int nseen = 0;
	uint64_t n = 0, gaps = 0;

	sim_start("bybit", "");
	cr_assert_eq(feed("bybit", "/bybit/v5/private", "--run-ms 3000"), 0);
	kill(sim_pid, SIGTERM); /* writes the truth */
	waitpid(sim_pid, NULL, 0);
	sim_pid = 0;

	cr_assert_eq(ose_spsc_attach(&seg, "ose.s.feed.bybit.main", OSE_SEG_F_WRITE), 0);
	cr_assert_eq(ose_spsc_cons_init(&c, &seg), 0);
	while (ose_spsc_pop(&c, &ev, sizeof(ev)) == OSE_SPSC_OK) {
		cr_assert_eq(ev.seq, ++n);
		if (ev.kind == OSE_EV_GAP) {
			gaps++;
			continue;
		}
		if (ev.kind != OSE_EV_ORDER)
			continue;
		int i = find(seen, nseen, ev.order_id);
		if (i < 0) {
			cr_assert(nseen < MAXO);
			i = nseen++;
			snprintf(seen[i].id, sizeof(seen[i].id), "%s", ev.order_id);
		}
		if (ev.status != OSE_ST_NONE)
			seen[i].status = ev.status;
	}
	const struct ose_feed_stats *st = seg.aux;
	cr_assert_eq(gaps, 1);
	cr_assert_eq(st->sessions, 1);
	cr_assert_eq(st->parse_errors_total, 0);
	cr_assert(st->session[OSE_SESS_AUTH_OK] == 1);

	/* Compare with the simulator's truth. */
	char path[256], line[1024];
	int truth = 0, match = 0;
	snprintf(path, sizeof(path), "%s/truth.json", dir);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		char id[64], status[32];
		char *p = strstr(line, "\"order_id\":\""), *q = strstr(line, "\"status\":\"");
		if (!p || !q || sscanf(p + 12, "%63[^\"]", id) != 1 ||
		    sscanf(q + 10, "%31[^\"]", status) != 1)
			continue;
		truth++;
		int i = find(seen, nseen, id);
		cr_assert(i >= 0, "order %s never reached the ring", id);
		cr_assert_str_eq(ose_status_name((enum ose_status)seen[i].status), status,
				 "order %s", id);
		match++;
	}
	fclose(f);
	cr_assert_eq(truth, 40);
	cr_assert_eq(match, truth);
	ose_spsc_cons_fini(&c);
	ose_seg_close(&seg);
}

struct venue_case {
	char venue[16];
	char path[48];
};

static struct venue_case faulty[] = {
	{ "bybit", "/bybit/v5/private" },
	{ "okx", "/okx/ws/v5/private" },
	{ "binance", "/binance/ws-api/v3" },
	{ "mexc", "/mexc/ws?listenKey=lk" },
};

#include <criterion/parameterized.h>

ParameterizedTestParameters(sim, faults)
{
	return cr_make_param_array(struct venue_case, faulty, sizeof(faulty) / sizeof(faulty[0]));
}

ParameterizedTest(struct venue_case *vc, sim, faults, .init = setup, .fini = teardown,
		  .timeout = 90)
{
	struct ose_seg seg;
	struct ose_spsc_cons c;
	struct ose_event ev;
	uint64_t n = 0, gaps = 0, orders = 0;
	char name[128];

	sim_start(vc->venue, "--disconnect-every 60 --fragment 64 --malformed 0.05");
	cr_assert_eq(feed(vc->venue, vc->path, "--run-ms 4000"), 0);
	snprintf(name, sizeof(name), "ose.s.feed.%s.main", vc->venue);
	cr_assert_eq(ose_spsc_attach(&seg, name, OSE_SEG_F_WRITE), 0);
	cr_assert_eq(ose_spsc_cons_init(&c, &seg), 0);
	while (ose_spsc_pop(&c, &ev, sizeof(ev)) == OSE_SPSC_OK) {
		cr_assert_eq(ev.seq, ++n, "seq gap-free across reconnects");
		gaps += ev.kind == OSE_EV_GAP;
		orders += ev.kind == OSE_EV_ORDER || ev.kind == OSE_EV_FILL;
	}
	const struct ose_feed_stats *st = seg.aux;
	cr_assert(st->reconnects >= 1, "%s: reconnected", vc->venue);
	cr_assert_eq(gaps, st->sessions, "one gap marker per session");
	cr_assert(orders > 20, "%s: %llu order events", vc->venue, (unsigned long long)orders);
	cr_assert(st->parse_errors_total > 0, "malformed messages counted");
	cr_assert(st->frames > st->messages, "fragmented delivery");
	cr_assert_eq(st->events, n);
	ose_spsc_cons_fini(&c);
	ose_seg_close(&seg);
}

/* SIGTERM: the feed closes politely, leaves its ring consistent, exits 0. */
Test(sim, sigterm_stops_cleanly, .init = setup, .fini = teardown, .timeout = 60)
{
	char url[128], ca[256];
	struct ose_seg seg;
	pid_t pid;
	int status;

	sim_start("okx", "");
	snprintf(url, sizeof(url), "wss://127.0.0.1:%d/okx/ws/v5/private", sim_port);
	snprintf(ca, sizeof(ca), "%s/certs/ca.pem", dir);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		setenv("OSE_API_KEY", "k", 1);
		setenv("OSE_API_SECRET", "s", 1);
		setenv("OSE_API_PASSPHRASE", "p", 1);
		execl(getenv("OSE_FEED_BIN"), "ose-feed", "--instance", "t", "--venue", "okx",
		      "--account", "main", "--url", url, "--ca", ca, (char *)NULL);
		_exit(127);
	}
	/* Wait until it streams, then stop it. */
	int streaming = 0;
	for (int i = 0; i < 1000 && !streaming; i++) {
		usleep(10000);
		if (ose_seg_attach(&seg, "ose.t.feed.okx.main", OSE_SEG_SPSC, 0) == 0) {
			const struct ose_feed_stats *st = seg.aux;
			streaming = __atomic_load_n(&st->state, __ATOMIC_RELAXED) ==
				    OSE_FEED_ST_STREAMING && st->events > 5;
			ose_seg_close(&seg);
		}
	}
	cr_assert(streaming, "feed reached STREAMING");
	kill(pid, SIGTERM);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_assert_eq(ose_seg_attach(&seg, "ose.t.feed.okx.main", OSE_SEG_SPSC, 0), 0);
	const struct ose_feed_stats *st = seg.aux;
	cr_assert_eq(st->state, OSE_FEED_ST_DOWN);
	cr_assert_eq(st->connected, 0);
	cr_assert_eq(st->closes_sent, 1, "close frame sent on the way out");
	cr_assert_eq(ose_spsc_validate(&seg), 0);
	ose_seg_close(&seg);
}

/* The server goes away entirely (restarts: connection refused for a
 * while), stalls, duplicates: the feed backs off, comes back every time. */
Test(sim, server_restarts, .init = setup, .fini = teardown, .timeout = 90)
{
	struct ose_seg seg;
	struct ose_spsc_cons c;
	struct ose_event ev;
	uint64_t n = 0, gaps = 0;

	sim_start("bybit", "--restart-every 2 --restart-ms 500 --stall-after 100 --dup 0.05 "
			   "--fragment 50");
	cr_assert_eq(feed("bybit", "/bybit/v5/private",
			  "--run-ms 6000 --idle-ms 1500 --probe-ms 500"), 0);
	cr_assert_eq(ose_spsc_attach(&seg, "ose.s.feed.bybit.main", OSE_SEG_F_WRITE), 0);
	cr_assert_eq(ose_spsc_cons_init(&c, &seg), 0);
	while (ose_spsc_pop(&c, &ev, sizeof(ev)) == OSE_SPSC_OK) {
		cr_assert_eq(ev.seq, ++n);
		gaps += ev.kind == OSE_EV_GAP;
	}
	const struct ose_feed_stats *st = seg.aux;
	cr_assert(st->sessions >= 2, "sessions %llu", (unsigned long long)st->sessions);
	cr_assert(st->connects > st->sessions, "some connects were refused during restarts");
	cr_assert(st->disconnects[OSE_FEED_DISC_CONNECT] >= 1);
	cr_assert_eq(gaps, st->sessions);
	cr_assert_eq(st->events, n);
	ose_spsc_cons_fini(&c);
	ose_seg_close(&seg);
}
