/* SPDX-License-Identifier: MIT */
/*
 * The feed library against real TLS WebSocket servers on loopback
 * (tests/feeds/ws_server.py): Python's websockets for interoperability,
 * raw TLS sockets for handshake failures and protocol violations.  Each
 * test runs the real session loop (io_uring, wolfSSL, codec, backoff) with
 * a small test adapter and an in-memory sink, until a given number of
 * disconnects: so every failure case also proves that the feed reconnects
 * and keeps counting.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "feeds/feed.h"
#include "feeds/uring.h"
#include "feeds/ws.h"

#define PY "/usr/bin/python3"

/* --- environment ------------------------------------------------------ */

static char certdir[256];

static const char *srcdir(void)
{
	const char *d = getenv("OSE_FEED_TESTDIR");
	return d ? d : "tests/feeds";
}

static void need_env(void)
{
	char cmd[600];

	if (access(PY, X_OK) != 0 || access("/usr/bin/openssl", X_OK) != 0)
		cr_skip_test("needs /usr/bin/python3 and /usr/bin/openssl");
	if (system(PY " -c 'import websockets' 2>/dev/null") != 0)
		cr_skip_test("needs python3-websockets for /usr/bin/python3");
	struct ose_uring u;
	int r = ose_uring_init(&u, 8, 8, 1024);
	if (r == -ENOSYS || r == -EPERM || r == -EINVAL)
		cr_skip_test("io_uring with provided buffer rings unavailable (%d)", r);
	ose_uring_exit(&u);
	snprintf(certdir, sizeof(certdir), "/tmp/ose-feed-test-XXXXXX");
	cr_assert_not_null(mkdtemp(certdir));
	snprintf(cmd, sizeof(cmd), "sh %s/mkcerts.sh %s", srcdir(), certdir);
	cr_assert_eq(system(cmd), 0, "mkcerts failed");
}

static void cleanup_dir(void)
{
	char cmd[600];

	if (certdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", certdir);
		(void)system(cmd);
		certdir[0] = 0;
	}
}

struct srv {
	pid_t pid;
	int port;
	char log[300];
};

/* The server of the running test, so the suite's fini can stop it even
 * when an assertion ended the test early. */
static struct srv *current_srv;

static void srv_start(struct srv *s, const char *mode, const char *cert, const char *tls,
		      const char *messages)
{
	int pfd[2];
	char certp[300], keyp[300], script[300];

	snprintf(certp, sizeof(certp), "%s/%s.pem", certdir, cert);
	snprintf(keyp, sizeof(keyp), "%s/%s.key", certdir, cert);
	snprintf(s->log, sizeof(s->log), "%s/server-%s.log", certdir, mode);
	snprintf(script, sizeof(script), "%s/ws_server.py", srcdir());
	cr_assert_eq(pipe(pfd), 0);
	current_srv = s;
	s->pid = fork();
	cr_assert(s->pid >= 0);
	if (s->pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl(PY, PY, script, "--mode", mode, "--cert", certp, "--key", keyp, "--log",
		      s->log, "--tls", tls, "--messages", messages, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	struct pollfd p = { .fd = pfd[0], .events = POLLIN };
	char line[64] = { 0 };
	size_t n = 0;
	while (n < sizeof(line) - 1 && poll(&p, 1, 10000) == 1) {
		ssize_t r = read(pfd[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	close(pfd[0]);
	cr_assert_eq(sscanf(line, "PORT %d", &s->port), 1, "server did not start: '%s'", line);
}

static void srv_stop(struct srv *s);

static void suite_fini(void)
{
	if (current_srv)
		srv_stop(current_srv);
	cleanup_dir();
}

TestSuite(live, .fini = suite_fini);

static void srv_stop(struct srv *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

/* Occurrences of needle in the server's log. */
static int log_count(const struct srv *s, const char *needle)
{
	FILE *f = fopen(s->log, "r");
	char line[4096];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* log_count, waiting up to 3 s for the server to catch up with the feed
 * (it logs after its side of a close completes). */
static int wait_log(const struct srv *s, const char *needle, int want)
{
	int n = 0;

	for (int i = 0; i < 300 && (n = log_count(s, needle)) < want; i++)
		usleep(10000);
	return n;
}

/* --- test adapter and sink ------------------------------------------ */

static enum ose_parse_res t_parse(const char *msg, size_t len, int binary,
				  const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	struct ose_event *e;

	out->n = 0;
	out->why = "";
#define IS(s) (len == sizeof(s) - 1 && memcmp(msg, s, len) == 0)
	if (!binary) {
		if (IS("auth_ok") || IS("subscribed") || IS("ping") || IS("pong")) {
			out->session = IS("auth_ok") ? OSE_SESS_AUTH_OK :
				       IS("subscribed") ? OSE_SESS_SUBSCRIBED :
				       IS("ping") ? OSE_SESS_PING : OSE_SESS_PONG;
			return OSE_PARSE_SESSION;
		}
		if (len < 3 || memcmp(msg, "ev:", 3) != 0 || len - 3 >= OSE_ID_MAX) {
			out->err = OSE_PERR_UNKNOWN_MSG;
			out->why = "test";
			return OSE_PARSE_ERROR;
		}
	}
#undef IS
	if (out->cap < 1) {
		out->err = OSE_PERR_TOO_MANY;
		return OSE_PARSE_ERROR;
	}
	e = &out->ev[0];
	memset(e, 0, sizeof(*e));
	e->kind = OSE_EV_ORDER;
	e->venue = (uint8_t)ctx->venue;
	snprintf(e->account, sizeof(e->account), "%s", ctx->account);
	if (binary)
		snprintf(e->order_id, sizeof(e->order_id), "bin%zu", len);
	else
		memcpy(e->order_id, msg + 3, len - 3);
	out->n = 1;
	return OSE_PARSE_EVENTS;
}

static int t_session(const struct ose_session_cfg *cfg, unsigned step, char *buf, size_t cap,
		     int *binary, int *wait_ack)
{
	(void)cfg;
	*binary = 0;
	*wait_ack = step == 0;
	if (step > 1)
		return 0;
	return snprintf(buf, cap, "%s", step == 0 ? "login" : "subscribe");
}

static int t_ping(int reply, char *buf, size_t cap)
{
	return snprintf(buf, cap, "%s", reply ? "pong" : "ping");
}

static const struct ose_adapter test_adapter = {
	.venue = OSE_VENUE_BINANCE, .name = "test",
	.parse = t_parse, .session = t_session, .ping = t_ping,
	.ping_interval_ms = 0, .idle_timeout_ms = 30000, .max_conn_life_ms = 0,
};

/* Adapters that say they validate UTF-8 (struct ose_adapter
 * validates_utf8), so the feed leaves text to them: one reports
 * OSE_PERR_UTF8 like the JSON scanner, the other refuses any byte >= 0x80
 * with another reason, like a parser that stopped before the bad
 * sequence (the feed must then check the message itself). */
static enum ose_parse_res t_parse_utf8(const char *msg, size_t len, int binary,
				       const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	if (!binary && !ose_ws_utf8_valid((const uint8_t *)msg, len)) {
		out->n = 0;
		out->err = OSE_PERR_UTF8;
		out->why = "test utf8";
		return OSE_PARSE_ERROR;
	}
	return t_parse(msg, len, binary, ctx, out);
}

static enum ose_parse_res t_parse_ascii(const char *msg, size_t len, int binary,
					const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	for (size_t i = 0; !binary && i < len; i++) {
		if ((uint8_t)msg[i] >= 0x80) {
			out->n = 0;
			out->err = OSE_PERR_SYNTAX;
			out->why = "test ascii";
			return OSE_PARSE_ERROR;
		}
	}
	return t_parse(msg, len, binary, ctx, out);
}

static const struct ose_adapter utf8_adapters[2] = {
	{ .venue = OSE_VENUE_BINANCE, .name = "test-utf8", .parse = t_parse_utf8,
	  .session = t_session, .ping = t_ping, .idle_timeout_ms = 30000, .validates_utf8 = 1 },
	{ .venue = OSE_VENUE_BINANCE, .name = "test-ascii", .parse = t_parse_ascii,
	  .session = t_session, .ping = t_ping, .idle_timeout_ms = 30000, .validates_utf8 = 1 },
};

#define MAXEV 1024
static struct ose_event got[MAXEV];
static uint32_t ngot;

static int t_publish(void *ctx, const struct ose_event *ev, uint32_t n, uint64_t *stalls)
{
	(void)ctx;
	(void)stalls;
	for (uint32_t i = 0; i < n && ngot < MAXEV; i++)
		got[ngot++] = ev[i];
	return 0;
}

static struct ose_feed_stats st;
/* Per-test overrides of the feed configuration. */
static int64_t o_app_ping = 0, o_max_life = 0;
static FILE *o_record;
static const struct ose_adapter *o_adapter; /* NULL: test_adapter */

static void run_feed(const struct srv *s, const char *host, uint64_t disconnects,
		     size_t max_msg, uint32_t idle_ms, uint32_t probe_ms)
{
	struct ose_feed_cfg cfg;
	char url[128], ca[300];

	snprintf(url, sizeof(url), "wss://%s:%d/private?x=1", host, s->port);
	snprintf(ca, sizeof(ca), "%s/ca.pem", certdir);
	ose_feed_cfg_defaults(&cfg);
	cfg.adapter = o_adapter ? o_adapter : &test_adapter;
	cfg.account = "acct1";
	cfg.feed_id = 7;
	cfg.url = url;
	cfg.ca_file = ca;
	cfg.connect_timeout_ms = 3000;
	cfg.close_wait_ms = 500;
	cfg.backoff.base_ms = 20;
	cfg.backoff.max_ms = 100;
	cfg.max_disconnects = disconnects;
	cfg.run_ms = 20000; /* safety net; tests end on disconnects */
	if (max_msg)
		cfg.max_msg = max_msg;
	cfg.idle_ms = idle_ms;
	cfg.probe_ms = probe_ms;
	cfg.app_ping_ms = o_app_ping;
	cfg.max_life_ms = o_max_life;
	cfg.record = o_record;
	cfg.stats = &st;
	cfg.sink.publish = t_publish;
	ngot = 0;
	ose_feed_stats_init(&st, OSE_VENUE_BINANCE, 7);
	cr_assert_eq(ose_feed_run(&cfg), 0);
}

static void check_seq(void)
{
	for (uint32_t i = 0; i < ngot; i++) {
		cr_assert_eq(got[i].seq, i + 1, "seq gap-free per ring");
		cr_assert_eq(got[i].feed_id, 7);
		if (got[i].kind != OSE_EV_GAP) {
			cr_assert(got[i].recv_ts_ns > 0);
			cr_assert(got[i].parse_ts_ns >= got[i].recv_ts_ns);
			cr_assert_str_eq(got[i].account, "acct1");
		}
	}
}

static uint32_t count_id(const char *id)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < ngot; i++)
		n += got[i].kind == OSE_EV_ORDER && strcmp(got[i].order_id, id) == 0;
	return n;
}

static uint32_t count_gaps(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < ngot; i++)
		n += got[i].kind == OSE_EV_GAP;
	return n;
}

/* --- interop ------------------------------------------------------------ */

static void interop(const char *tls)
{
	struct srv s;

	need_env();
	srv_start(&s, "interop", "server", tls, "20");
	o_record = tmpfile();
	cr_assert_not_null(o_record);
	run_feed(&s, "localhost", 2, 0, 0, 0);
	/* The server saw our login/subscribe, pongs with its payload, and
	 * our echo of its close code. */
	int closed = wait_log(&s, "\"ev\": \"closed\", \"code\": 1000", 2);
	srv_stop(&s);
	cr_assert_eq(closed, 2);

	cr_assert_eq(st.sessions, 2);
	cr_assert_eq(st.reconnects, 1);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_PEER_CLOSE], 2, "server closed twice");
	cr_assert_eq(st.pings_recv, 2, "ping interleaved in a fragmented message");
	cr_assert_eq(st.closes_recv, 2);
	cr_assert_eq(st.session[OSE_SESS_AUTH_OK], 2);
	cr_assert_eq(st.session[OSE_SESS_SUBSCRIBED], 2);
	cr_assert_eq(st.parse_errors_total, 0);
	/* Per session: 20 texts, 1 fragmented text, 2 binaries, 1 gap marker. */
	cr_assert_eq(ngot, 48, "got %u events", ngot);
	cr_assert_eq(count_gaps(), 2);
	cr_assert_eq(got[0].kind, OSE_EV_GAP, "gap marker right after subscribe");
	cr_assert_str_eq(got[24].reason, "reconnect");
	cr_assert_eq(count_id("0"), 2);
	cr_assert_eq(count_id("19"), 2);
	cr_assert_eq(count_id("fragmented"), 2);
	cr_assert_eq(count_id("bin4"), 2);
	cr_assert_eq(count_id("bin200000"), 2);
	check_seq();
	cr_assert_eq(log_count(&s, "\"data\": \"login\""), 2);
	cr_assert_eq(log_count(&s, "\"data\": \"subscribe\""), 2);
	cr_assert_eq(log_count(&s, "pong_ok"), 2);
	uint64_t hist = 0;
	for (int b = 0; b < OSE_FEED_LAT_BUCKETS; b++)
		hist += st.lat_hist[OSE_FEED_LAT_TOTAL][b];
	cr_assert_eq(hist, st.events, "every committed event has a latency sample");

	/* --record wrote every message; replaying it gives the same events
	 * (minus the gap markers, which belong to connections). */
	static struct ose_event live[MAXEV];
	uint32_t nlive = 0;
	for (uint32_t i = 0; i < ngot; i++)
		if (got[i].kind != OSE_EV_GAP)
			live[nlive++] = got[i];
	rewind(o_record);
	char line[512];
	int lines = 0, b64 = 0;
	while (fgets(line, sizeof(line), o_record)) {
		lines++;
		b64 += strncmp(line, "b64:", 4) == 0;
		if (!strchr(line, '\n')) /* the 200 KB line */
			while (fgets(line, sizeof(line), o_record) && !strchr(line, '\n'))
				;
	}
	cr_assert_eq(lines, 2 * (2 + 20 + 1 + 2), "auth_ok, subscribed, 20, fragmented, 2 binary");
	cr_assert_eq(b64, 4);
	rewind(o_record);
	struct ose_feed_cfg rc;
	ose_feed_cfg_defaults(&rc);
	rc.adapter = &test_adapter;
	rc.account = "acct1";
	rc.feed_id = 7;
	rc.stats = &st;
	rc.sink.publish = t_publish;
	ngot = 0;
	ose_feed_stats_init(&st, OSE_VENUE_BINANCE, 7);
	cr_assert_eq(ose_feed_replay(&rc, o_record), 0);
	cr_assert_eq(ngot, nlive);
	for (uint32_t i = 0; i < ngot; i++)
		cr_assert_str_eq(got[i].order_id, live[i].order_id);
	cr_assert_eq(st.session[OSE_SESS_AUTH_OK], 2);
	check_seq();
	fclose(o_record);
	o_record = NULL;
	cleanup_dir();
}

Test(live, interop_websockets_tls13, .timeout = 60)
{
	interop("any");
}

Test(live, interop_websockets_tls12, .timeout = 60)
{
	interop("1.2");
}

/* --- certificate checks ------------------------------------------------ */

Test(live, untrusted_certificate_rejected, .timeout = 60)
{
	struct srv s;

	need_env();
	srv_start(&s, "masked", "self", "any", "1");
	run_feed(&s, "localhost", 2, 0, 0, 0);
	srv_stop(&s);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_TLS], 2);
	cr_assert_eq(st.sessions, 0);
	cr_assert_eq(ngot, 0);
	cr_assert_neq(st.last_tls_err, 0);
	cleanup_dir();
}

Test(live, hostname_mismatch_rejected, .timeout = 60)
{
	struct srv s;

	need_env();
	srv_start(&s, "masked", "other", "any", "1");
	run_feed(&s, "localhost", 2, 0, 0, 0);
	srv_stop(&s);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_TLS], 2);
	cr_assert_eq(st.sessions, 0);
	cr_assert_eq(ngot, 0);
	cleanup_dir();
}

/* --- handshake failures ------------------------------------------------ */

struct hs_fail {
	char mode[16];
	enum ose_ws_hs_err err;
	int status;
};

static struct hs_fail hs_fails[] = {
	{ "bad_accept", OSE_WS_HS_ACCEPT, 0 },
	{ "status403", OSE_WS_HS_STATUS, 403 },
	{ "no_upgrade", OSE_WS_HS_STATUS, 200 },
};

ParameterizedTestParameters(live, handshake_failures)
{
	return cr_make_param_array(struct hs_fail, hs_fails, sizeof(hs_fails) / sizeof(hs_fails[0]));
}

ParameterizedTest(struct hs_fail *hf, live, handshake_failures, .timeout = 60)
{
	struct srv s;

	need_env();
	srv_start(&s, hf->mode, "server", "any", "1");
	run_feed(&s, "localhost", 2, 0, 0, 0);
	srv_stop(&s);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_HANDSHAKE], 2);
	cr_assert_eq(st.hs_errors[hf->err], 2, "%s", ose_ws_hs_err_name(hf->err));
	cr_assert_eq(st.connects, 2, "reconnected after the failure");
	cr_assert_eq(st.sessions, 0);
	if (hf->status)
		cr_assert_eq(st.last_http_status, hf->status);
	cr_assert_eq(log_count(&s, "\"extensions\": false"), 2, "no extension offered");
	cleanup_dir();
}

/* --- protocol violations: close code, reconnect ------------------------ */

struct proto_fail {
	char mode[16];
	enum ose_ws_err err;
	int code;
};

static struct proto_fail proto_fails[] = {
	{ "masked", OSE_WS_ERR_MASKED, 1002 },
	{ "rsv", OSE_WS_ERR_RSV, 1002 },
	{ "ctrl_big", OSE_WS_ERR_CTRL_LEN, 1002 },
	{ "bad_opcode", OSE_WS_ERR_OPCODE, 1002 },
	{ "bad_utf8", OSE_WS_ERR_UTF8, 1007 },
	{ "oversize", OSE_WS_ERR_TOO_BIG, 1009 },
};

ParameterizedTestParameters(live, protocol_errors)
{
	return cr_make_param_array(struct proto_fail, proto_fails,
				   sizeof(proto_fails) / sizeof(proto_fails[0]));
}

ParameterizedTest(struct proto_fail *pf, live, protocol_errors, .timeout = 60)
{
	struct srv s;
	char needle[64];

	need_env();
	srv_start(&s, pf->mode, "server", "any", "1");
	run_feed(&s, "localhost", 2, 65536, 0, 0);
	snprintf(needle, sizeof(needle), "\"ev\": \"close\", \"code\": %d", pf->code);
	int closes = wait_log(&s, needle, 2);
	srv_stop(&s);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_PROTOCOL], 2);
	cr_assert_eq(st.ws_errors[pf->err], 2, "%s", ose_ws_err_name(pf->err));
	cr_assert_eq(st.sessions, 2, "reconnected");
	cr_assert_eq(st.last_close_code, pf->code);
	cr_assert_eq(closes, 2, "server received close %d", pf->code);
	cr_assert_eq(log_count(&s, "unmasked_client_frame"), 0);
	/* The good message before the bad frame went through; nothing else. */
	cr_assert_eq(count_id("before"), 2);
	cr_assert_eq(count_gaps(), 2);
	cr_assert_eq(ngot, 4);
	check_seq();
	cleanup_dir();
}

/* Invalid UTF-8 left to the adapter (validates_utf8): the same close
 * 1007, counters and reconnect as when the decoder finds it, whether the
 * adapter names the UTF-8 error or refuses the message for another reason. */
ParameterizedTestParameters(live, utf8_left_to_adapter)
{
	static int which[] = { 0, 1 };

	return cr_make_param_array(int, which, 2);
}

ParameterizedTest(int *which, live, utf8_left_to_adapter, .timeout = 60)
{
	struct srv s;

	need_env();
	srv_start(&s, "bad_utf8", "server", "any", "1");
	o_adapter = &utf8_adapters[*which];
	run_feed(&s, "localhost", 2, 65536, 0, 0);
	o_adapter = NULL;
	int closes = wait_log(&s, "\"ev\": \"close\", \"code\": 1007", 2);
	srv_stop(&s);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_PROTOCOL], 2);
	cr_assert_eq(st.ws_errors[OSE_WS_ERR_UTF8], 2);
	cr_assert_eq(st.parse_errors_total, 0, "counted as UTF-8, not as a parse error");
	cr_assert_eq(st.sessions, 2, "reconnected");
	cr_assert_eq(st.last_close_code, 1007);
	cr_assert_eq(closes, 2, "server received close 1007");
	cr_assert_eq(count_id("before"), 2);
	cr_assert_eq(count_gaps(), 2);
	cr_assert_eq(ngot, 4);
	check_seq();
	cleanup_dir();
}

/* --- the server vanishes mid-frame -------------------------------------- */

Test(live, server_vanishes_mid_frame, .timeout = 60)
{
	struct srv s;

	need_env();
	srv_start(&s, "vanish", "server", "any", "1");
	run_feed(&s, "localhost", 2, 0, 0, 0);
	srv_stop(&s);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_EOF] + st.disconnects[OSE_FEED_DISC_TLS] +
			     st.disconnects[OSE_FEED_DISC_IO], 2);
	cr_assert_eq(st.sessions, 2);
	cr_assert_eq(count_id("before"), 2);
	cr_assert_eq(ngot, 4, "the half frame produced nothing");
	check_seq();
	cleanup_dir();
}

/* --- half-open: no data, no pong --------------------------------------- */

Test(live, half_open_detected, .timeout = 60)
{
	struct srv s;

	need_env();
	srv_start(&s, "silent", "server", "any", "1");
	run_feed(&s, "localhost", 2, 0, 600, 200);
	srv_stop(&s);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_IDLE], 2);
	cr_assert_eq(st.sessions, 2);
	cr_assert(st.pings_sent >= 2, "liveness probes sent");
	cr_assert(log_count(&s, "\"ev\": \"ping\"") >= 2, "server saw the probes");
	cr_assert_eq(count_gaps(), 2);
	cr_assert_eq(st.session[OSE_SESS_PING], 2, "venue-level ping seen");
	cr_assert(log_count(&s, "\"data\": \"pong\"") >= 2, "and answered");
	cleanup_dir();
}

/* --- venue pings and maximum connection life ---------------------------- */

Test(live, app_pings_and_max_life, .timeout = 60)
{
	struct srv s;

	need_env();
	srv_start(&s, "silent", "server", "any", "1");
	o_app_ping = 100;
	o_max_life = 600;
	run_feed(&s, "localhost", 2, 0, 5000, 5000);
	int closes = wait_log(&s, "\"ev\": \"close\", \"code\": 1001", 2);
	srv_stop(&s);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_LIFE], 2);
	cr_assert_eq(closes, 2, "closed with 1001 (going away)");
	cr_assert(st.app_pings_sent >= 6, "app pings %llu", (unsigned long long)st.app_pings_sent);
	cr_assert(log_count(&s, "\"data\": \"ping\"") >= 6);
	cr_assert_eq(st.sessions, 2);
	cr_assert_eq(st.disconnects[OSE_FEED_DISC_IDLE], 0);
	cleanup_dir();
}
