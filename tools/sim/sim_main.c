/* SPDX-License-Identifier: MIT */
/*
 * ose-sim main: options, one epoll loop on one thread, TLS (wolfSSL server
 * side, non-blocking, on the socket fd), HTTP/1.1 for the WebSocket upgrade
 * and the REST endpoints, the venue sessions, delivery faults and the
 * truth dump.  See docs/sim.md for the command line and the semantics.
 *
 * Flow of an order update: a timerfd fires every burst/rate seconds; for
 * each venue whose generator runs, `burst` lifecycle steps are drawn
 * (sim_gen.c), written once to the record file, then formatted per
 * subscribed connection (Coinbase's sequence_num is per connection) and
 * queued through the fault layer into the connection's plaintext output
 * buffer.  Each connection's buffer is then encrypted in 16 KiB TLS records,
 * so a burst of small messages costs few records and few syscalls.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "adapters/sign/sign.h"
#include "tools/sim/sim.h"

#define SIM_VERSION "0.1.0"
#define MAX_MSG (1u << 20)          /* largest client message accepted */
#define MAX_OUT (64u << 20)         /* a client this far behind is cut */
#define MAX_REORDER 64

enum conn_state { C_TLS, C_HTTP, C_WS };

struct conn {
	int fd;
	WOLFSSL *ssl;
	enum conn_state st;
	int venue;                  /* -1 until the path names one */
	bool ws_closing;            /* close frame sent / abrupt close pending */
	bool close_after_flush;
	bool dead;
	bool authed, subscribed, want_trades, want_hb, stalled;
	uint8_t *in;
	size_t in_len, in_cap;
	struct sim_buf out;
	size_t out_off;
	bool want_write;
	struct sim_buf msg;         /* fragmented message being reassembled */
	int msg_op;
	bool in_frag;
	uint64_t seq;               /* Coinbase sequence_num */
	uint64_t sent;              /* order-update messages sent */
	uint64_t hb;
	int64_t t_open, t_rx, t_tx, t_ping, t_pong, t_hb;
	uint32_t r_n;               /* reorder window: held payloads */
	uint32_t r_off[MAX_REORDER], r_len[MAX_REORDER];
	bool r_bin[MAX_REORDER];
	struct sim_buf rbuf;
	char conn_id[20];
	struct conn *next;
};

struct opts {
	uint32_t venues;            /* bitmask of enabled venues */
	int port;
	const char *port_file, *cert, *key, *gen_certs, *truth, *record_dir, *account;
	const char *api_key, *api_secret; /* both set: signatures are verified */
	uint64_t seed;
	uint32_t orders, symbols, burst, batch, gate_market_pct;
	double rate;
	double duration;
	bool no_wait, stamp;
	/* faults */
	uint64_t disconnect_every, stall_after;
	double p_dup, p_malformed;
	uint32_t reorder, fragment;
	uint32_t malformed_kinds;   /* bit 0 json, 1 trunc, 2 utf8 */
	double restart_every;
	uint32_t restart_ms;
	double ping_interval, idle_cutoff; /* idle_cutoff < 0: venue default */
	double max_life;            /* close 1001 after this many seconds (0: never) */
};

static struct sim {
	struct opts o;
	int ep, lfd, tfd, sfd;
	WOLFSSL_CTX *ctx;
	struct sim_gen gen[SIM_VENUES];
	bool running[SIM_VENUES];
	uint64_t rec_seq[SIM_VENUES];
	FILE *rec[SIM_VENUES];
	struct conn *conns;
	uint64_t frng[4];           /* fault decisions */
	char ca_path[4096];
	int64_t t_start, t_restart_next, t_relisten;
	bool down, done_said, stop;
	struct sim_step *steps;
	size_t steps_cap;
	uint64_t n_conns, n_dup, n_malformed, n_disc, n_slow;
	uint32_t mexc_key_ctr;
} S;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double frand(void)
{
	return (double)(sim_rng_next(S.frng) >> 11) * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------------------ */
/* output                                                             */

static void ep_mod(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | (c->want_write ? EPOLLOUT : 0), .data.ptr = c };
	epoll_ctl(S.ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_kill(struct conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(S.ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ssl)
		wolfSSL_free(c->ssl);
	c->ssl = NULL;
	close(c->fd);
	c->fd = -1;
}

/* Encrypt and send what is queued.  Returns 0, or -1 if the conn died. */
static int conn_flush(struct conn *c)
{
	if (c->dead)
		return -1;
	if (c->st == C_TLS)
		return 0;
	while (c->out_off < c->out.len) {
		size_t n = c->out.len - c->out_off;
		if (n > 16384)
			n = 16384;
		int r = wolfSSL_write(c->ssl, c->out.p + c->out_off, (int)n);
		if (r > 0) {
			c->out_off += (size_t)r;
			continue;
		}
		int e = wolfSSL_get_error(c->ssl, r);
		if (e == WOLFSSL_ERROR_WANT_WRITE || e == WOLFSSL_ERROR_WANT_READ) {
			if (!c->want_write) {
				c->want_write = true;
				ep_mod(c);
			}
			return 0;
		}
		conn_kill(c);
		return -1;
	}
	c->out.len = c->out_off = 0;
	if (c->want_write) {
		c->want_write = false;
		ep_mod(c);
	}
	if (c->close_after_flush) {
		conn_kill(c);
		return -1;
	}
	return 0;
}

static void ws_frame(struct conn *c, int opcode, const void *p, size_t n)
{
	uint8_t h[10];
	size_t hl = sim_ws_header(h, 1, opcode, n);
	sim_buf_put(&c->out, h, hl);
	sim_buf_put(&c->out, p, n);
}

/* A data message, fragmented when --fragment asks, with a ping between the
 * first and second fragment (control frames may interleave, RFC 6455 5.4). */
static void ws_data(struct conn *c, const char *p, size_t n, bool binary)
{
	int op = binary ? 2 : 1;
	uint32_t fr = S.o.fragment;
	if (!fr || n <= fr) {
		ws_frame(c, op, p, n);
	} else {
		size_t off = 0;
		int first = 1;
		while (off < n) {
			size_t k = n - off > fr ? fr : n - off;
			uint8_t h[10];
			size_t hl = sim_ws_header(h, off + k == n, first ? op : 0, k);
			sim_buf_put(&c->out, h, hl);
			sim_buf_put(&c->out, p + off, k);
			if (first)
				ws_frame(c, 9, "frag", 4);
			first = 0;
			off += k;
		}
	}
	c->t_tx = now_ns();
}

static void ws_text(struct conn *c, const char *s, size_t n)
{
	if (!c->stalled)
		ws_frame(c, 1, s, n);
}

/* ------------------------------------------------------------------ */
/* faults and delivery of order updates                               */

static void send_malformed(struct conn *c, const char *p, size_t n, bool binary)
{
	uint32_t kinds[3], nk = 0;
	for (uint32_t k = 0; k < 3; k++)
		if (S.o.malformed_kinds & (1u << k))
			kinds[nk++] = k;
	if (!nk)
		return;
	uint32_t k = kinds[sim_rng_next(S.frng) % nk];
	char tmp[4096];
	size_t m = n < sizeof(tmp) - 8 ? n : sizeof(tmp) - 8;
	S.n_malformed++;
	switch (k) {
	case 0: /* bad JSON: the first ':' becomes ';' (always a text frame) */
		memcpy(tmp, p, m);
		if (binary) {
			memcpy(tmp, "{\"id\":0;\"code\":0}", 17);
			m = 17;
		} else {
			char *colon = memchr(tmp, ':', m);
			if (colon)
				*colon = ';';
		}
		ws_data(c, tmp, m, false);
		break;
	case 1: /* truncated: the first half of the real message */
		ws_data(c, p, n / 2, binary);
		break;
	default: /* invalid UTF-8 inside the first string of a text frame */
		if (binary) {
			memcpy(tmp, "{\"msg\":\"\xc3\x28\"}", 13);
			m = 13;
		} else {
			const char *q = memchr(p, '"', m);
			size_t at = q ? (size_t)(q - p) + 1 : 0;
			memcpy(tmp, p, at);
			memcpy(tmp + at, "\xc3\x28", 2);
			memcpy(tmp + at + 2, p + at, m - at);
			m += 2;
		}
		ws_data(c, tmp, m, false);
		break;
	}
}

static void deliver_now(struct conn *c, const char *p, size_t n, bool binary)
{
	ws_data(c, p, n, binary);
	if (S.o.p_dup > 0 && frand() < S.o.p_dup) {
		ws_data(c, p, n, binary);
		S.n_dup++;
	}
}

static void reorder_flush(struct conn *c)
{
	/* Fisher-Yates over the held window, then send in that order. */
	for (uint32_t i = c->r_n; i > 1; i--) {
		uint32_t j = (uint32_t)(sim_rng_next(S.frng) % i);
		uint32_t o = c->r_off[i - 1], l = c->r_len[i - 1];
		bool b = c->r_bin[i - 1];
		c->r_off[i - 1] = c->r_off[j];
		c->r_len[i - 1] = c->r_len[j];
		c->r_bin[i - 1] = c->r_bin[j];
		c->r_off[j] = o;
		c->r_len[j] = l;
		c->r_bin[j] = b;
	}
	for (uint32_t i = 0; i < c->r_n; i++)
		deliver_now(c, c->rbuf.p + c->r_off[i], c->r_len[i], c->r_bin[i]);
	c->r_n = 0;
	c->rbuf.len = 0;
}

/* sim_emit_fn for one connection: every order-update payload goes here. */
static void conn_emit(void *arg, const char *p, size_t n, bool binary)
{
	struct conn *c = arg;
	if (c->dead || c->stalled || c->close_after_flush)
		return;
	if (S.o.p_malformed > 0 && frand() < S.o.p_malformed)
		send_malformed(c, p, n, binary);
	if (S.o.reorder > 1) {
		c->r_off[c->r_n] = (uint32_t)c->rbuf.len;
		c->r_len[c->r_n] = (uint32_t)n;
		c->r_bin[c->r_n] = binary;
		sim_buf_put(&c->rbuf, p, n);
		if (++c->r_n == S.o.reorder || c->r_n == MAX_REORDER)
			reorder_flush(c);
	} else {
		deliver_now(c, p, n, binary);
	}
	c->sent++;
	if (S.o.disconnect_every && c->sent % S.o.disconnect_every == 0) {
		if (c->r_n)
			reorder_flush(c);
		c->close_after_flush = true; /* abrupt: no close frame */
		S.n_disc++;
	}
	if (S.o.stall_after && c->sent == S.o.stall_after) {
		if (c->r_n)
			reorder_flush(c);
		c->stalled = true; /* half-open: silent, no pongs, TCP stays up */
	}
}

static void record_emit(void *arg, const char *p, size_t n, bool binary)
{
	FILE *f = arg;
	if (binary) {
		char *t = malloc(n * 4 / 3 + 8);
		if (!t)
			return;
		size_t k = sim_b64_encode((const uint8_t *)p, n, t);
		fputs("b64:", f);
		fwrite(t, 1, k, f);
		free(t);
	} else {
		fwrite(p, 1, n, f);
	}
	fputc('\n', f);
}

/* ------------------------------------------------------------------ */
/* the generator tick                                                 */

static void venue_start(int v)
{
	if (!S.running[v]) {
		S.running[v] = true;
	}
}

static void tick(uint64_t expirations)
{
	uint64_t want = expirations * S.o.burst;
	if (want > 65536)
		want = 65536; /* catch up gradually after a stall */
	if (S.steps_cap < want) {
		free(S.steps);
		S.steps = calloc(want, sizeof(*S.steps));
		S.steps_cap = S.steps ? want : 0;
		if (!S.steps)
			return;
	}
	for (int v = 0; v < SIM_VENUES; v++) {
		if (!(S.o.venues & (1u << v)) || !S.running[v] || sim_gen_done(&S.gen[v]))
			continue;
		int64_t t = now_ns();
		size_t n = 0;
		while (n < want && sim_gen_next(&S.gen[v], &S.steps[n], t / 1000000))
			n++;
		if (!n)
			continue;
		struct sim_fmt_ctx fc = { .now_ns = t, .stamp = S.o.stamp, .gen = &S.gen[v] };
		if (S.rec[v]) {
			fc.seq = &S.rec_seq[v];
			fc.want_trades = true;
			sim_fmt_updates(v, &fc, S.steps, n, S.o.batch, record_emit, S.rec[v]);
		}
		for (struct conn *c = S.conns; c; c = c->next) {
			if (c->dead || c->venue != v || !c->subscribed || c->stalled)
				continue;
			fc.now_ns = now_ns();
			fc.seq = &c->seq;
			fc.want_trades = c->want_trades;
			sim_fmt_updates(v, &fc, S.steps, n, S.o.batch, conn_emit, c);
			if (c->r_n)
				reorder_flush(c);
		}
	}
}

/* ------------------------------------------------------------------ */
/* tiny JSON field reader for client requests                          */

/* Find "key": at any depth; return the value span (strings without
 * quotes).  Naive by design: client requests are small and any error only
 * leads to an error reply. */
static bool jget(const char *m, size_t n, const char *key, const char **vs, size_t *vl)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl + 2 < n; i++) {
		if (m[i] != '"' || memcmp(m + i + 1, key, kl) != 0 || m[i + 1 + kl] != '"')
			continue;
		size_t j = i + kl + 2;
		while (j < n && (m[j] == ' ' || m[j] == '\t'))
			j++;
		if (j >= n || m[j] != ':')
			continue;
		j++;
		while (j < n && (m[j] == ' ' || m[j] == '\t' || m[j] == '\n' || m[j] == '\r'))
			j++;
		if (j >= n)
			return false;
		if (m[j] == '"') {
			size_t k = j + 1;
			while (k < n && m[k] != '"') {
				if (m[k] == '\\')
					k++;
				k++;
			}
			if (k >= n)
				return false;
			*vs = m + j + 1;
			*vl = k - j - 1;
			return true;
		}
		size_t k = j;
		int depth = 0;
		while (k < n) {
			char ch = m[k];
			if (ch == '[' || ch == '{')
				depth++;
			else if (ch == ']' || ch == '}') {
				if (depth == 0)
					break;
				depth--;
				if (depth == 0) {
					k++;
					break;
				}
			} else if (ch == ',' && depth == 0)
				break;
			k++;
		}
		*vs = m + j;
		*vl = k - j;
		return true;
	}
	return false;
}

static bool jhas(const char *m, size_t n, const char *key)
{
	const char *v;
	size_t l;
	return jget(m, n, key, &v, &l) && l > 0 && !(l == 4 && memcmp(v, "null", 4) == 0);
}

static bool jeq(const char *m, size_t n, const char *key, const char *want)
{
	const char *v;
	size_t l;
	return jget(m, n, key, &v, &l) && l == strlen(want) && memcmp(v, want, l) == 0;
}

static bool span_has(const char *m, size_t n, const char *needle)
{
	return memmem(m, n, needle, strlen(needle)) != NULL;
}

/* ------------------------------------------------------------------ */
/* venue sessions                                                      */

static void reply(struct conn *c, struct sim_buf *b)
{
	ws_text(c, b->p, b->len);
	b->len = 0;
}

/* ---- signature checks (adapters/sign/) ----
 * With --api-key and --api-secret the simulator verifies what the venue
 * verifies: Binance HMAC-SHA256 hex over the sorted params, OKX base64
 * HMAC-SHA256 of ts+"GET/users/self/verify", Bybit hex HMAC-SHA256 of
 * "GET/realtime"+expires, Gate hex HMAC-SHA512 of
 * "channel=..&event=..&time=..", MEXC/Binance REST HMAC-SHA256 hex of the
 * query string.  Without them any signature is accepted (only presence is
 * checked), so clients with made-up credentials still work.
 * TODO: Ed25519 (Binance session.logon) and Coinbase JWTs need the
 * client's public key; they are checked for shape only. */
static bool verifying(void)
{
	return S.o.api_key && S.o.api_secret;
}

static bool span_eq(const char *a, size_t al, const char *b)
{
	return al == strlen(b) && memcmp(a, b, al) == 0;
}

static bool sig_ok(int kind, const char *msg, size_t ml, const char *sig, size_t sl)
{
	char want[160];
	int n;
	if (!verifying())
		return sl > 0;
	const char *k = S.o.api_secret;
	if (kind == 256)
		n = ose_sign_hmac_sha256_hex(k, strlen(k), msg, ml, want, sizeof(want));
	else if (kind == 512)
		n = ose_sign_hmac_sha512_hex(k, strlen(k), msg, ml, want, sizeof(want));
	else
		n = ose_sign_hmac_sha256_b64(k, strlen(k), msg, ml, want, sizeof(want));
	if (n <= 0 || (size_t)n != sl)
		return false;
	/* hex may come in either case (Binance says so); base64 is exact */
	return kind == 64 ? memcmp(want, sig, sl) == 0 : strncasecmp(want, sig, sl) == 0;
}

static bool key_ok(const char *k, size_t kl)
{
	return verifying() ? span_eq(k, kl, S.o.api_key) : kl > 0;
}

static void session_binance(struct conn *c, const char *m, size_t n, struct sim_buf *b)
{
	const char *id = "null", *meth;
	size_t idl = 4, ml;
	int64_t ms = now_ns() / 1000000;
	const char *v;
	size_t vl;
	if (jget(m, n, "id", &v, &vl)) {
		/* echo the id as sent: a string id keeps its quotes */
		id = v;
		idl = vl;
		if (v > m && v[-1] == '"') {
			id = v - 1;
			idl = vl + 2;
		}
	}
	if (!jget(m, n, "method", &meth, &ml)) {
		sim_buf_str(b, "{\"id\":");
		sim_buf_put(b, id, idl);
		sim_buf_str(b, ",\"status\":400,\"error\":{\"code\":-1100,\"msg\":\"Malformed request.\"}}");
		reply(c, b);
		return;
	}
	sim_buf_str(b, "{\"id\":");
	sim_buf_put(b, id, idl);
	bool signed_ok = jhas(m, n, "apiKey") && jhas(m, n, "timestamp") && jhas(m, n, "signature");
	if (ml == strlen("userDataStream.subscribe.signature") &&
	    memcmp(meth, "userDataStream.subscribe.signature", ml) == 0) {
		const char *ak = "", *ts = "", *rw = "", *sg = "";
		size_t akl = 0, tsl = 0, rwl = 0, sgl = 0;
		char payload[512];
		int pl = 0;
		if (signed_ok) {
			jget(m, n, "apiKey", &ak, &akl);
			jget(m, n, "timestamp", &ts, &tsl);
			jget(m, n, "signature", &sg, &sgl);
			/* every param but signature, sorted by name, k=v joined by & */
			if (jget(m, n, "recvWindow", &rw, &rwl))
				pl = snprintf(payload, sizeof(payload), "apiKey=%.*s&recvWindow=%.*s&timestamp=%.*s",
					      (int)akl, ak, (int)rwl, rw, (int)tsl, ts);
			else
				pl = snprintf(payload, sizeof(payload), "apiKey=%.*s&timestamp=%.*s",
					      (int)akl, ak, (int)tsl, ts);
		}
		if (!signed_ok) {
			sim_buf_str(b, ",\"status\":400,\"error\":{\"code\":-1102,\"msg\":\"Mandatory parameter 'signature' was not sent, was empty/null, or malformed.\"}}");
		} else if (!key_ok(ak, akl)) {
			sim_buf_str(b, ",\"status\":401,\"error\":{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action.\"}}");
		} else if (pl <= 0 || (size_t)pl >= sizeof(payload) || !sig_ok(256, payload, (size_t)pl, sg, sgl)) {
			sim_buf_str(b, ",\"status\":400,\"error\":{\"code\":-1022,\"msg\":\"Signature for this request is not valid.\"}}");
		} else {
			c->authed = c->subscribed = true;
			sim_buf_str(b, ",\"status\":200,\"result\":{\"subscriptionId\":0}}");
		}
	} else if (ml == 13 && memcmp(meth, "session.logon", 13) == 0) {
		if (!signed_ok) {
			sim_buf_str(b, ",\"status\":400,\"error\":{\"code\":-1022,\"msg\":\"Signature for this request is not valid.\"}}");
		} else {
			c->authed = true;
			jget(m, n, "apiKey", &v, &vl);
			sim_buf_str(b, ",\"status\":200,\"result\":{\"apiKey\":\"");
			sim_buf_jstr(b, v, vl);
			sim_buf_fmt(b, "\",\"authorizedSince\":%" PRId64 ",\"connectedSince\":%" PRId64
				    ",\"returnRateLimits\":false,\"serverTime\":%" PRId64 ",\"userDataStream\":false}}",
				    ms, c->t_open / 1000000, ms);
		}
	} else if (ml == 24 && memcmp(meth, "userDataStream.subscribe", 24) == 0) {
		if (!c->authed) {
			sim_buf_str(b, ",\"status\":401,\"error\":{\"code\":-1002,\"msg\":\"You are not authorized to execute this request.\"}}");
		} else {
			c->subscribed = true;
			sim_buf_str(b, ",\"status\":200,\"result\":{\"subscriptionId\":0}}");
		}
	} else if (ml == 4 && memcmp(meth, "ping", 4) == 0) {
		sim_buf_str(b, ",\"status\":200,\"result\":{}}");
	} else {
		sim_buf_str(b, ",\"status\":400,\"error\":{\"code\":-1100,\"msg\":\"Unknown method.\"}}");
	}
	reply(c, b);
}

static void session_okx(struct conn *c, const char *m, size_t n, struct sim_buf *b)
{
	if (n == 4 && memcmp(m, "ping", 4) == 0) {
		ws_text(c, "pong", 4);
		return;
	}
	const char *args;
	size_t al;
	if (jeq(m, n, "op", "login")) {
		const char *ak = "", *ts = "", *sg = "";
		size_t akl = 0, tsl = 0, sgl = 0;
		char pre[128];
		int pl = -1;
		if (jhas(m, n, "apiKey") && jhas(m, n, "sign") && jhas(m, n, "timestamp") &&
		    jhas(m, n, "passphrase")) {
			jget(m, n, "apiKey", &ak, &akl);
			jget(m, n, "timestamp", &ts, &tsl);
			jget(m, n, "sign", &sg, &sgl);
			pl = snprintf(pre, sizeof(pre), "%.*sGET/users/self/verify", (int)(tsl < 40 ? tsl : 40), ts);
		}
		if (pl > 0 && key_ok(ak, akl) && sig_ok(64, pre, (size_t)pl, sg, sgl)) {
			c->authed = true;
			sim_buf_fmt(b, "{\"event\":\"login\",\"code\":\"0\",\"msg\":\"\",\"connId\":\"%s\"}", c->conn_id);
		} else {
			sim_buf_fmt(b, "{\"event\":\"error\",\"code\":\"60009\",\"msg\":\"Login failed.\",\"connId\":\"%s\"}", c->conn_id);
		}
	} else if (jeq(m, n, "op", "subscribe") && jget(m, n, "args", &args, &al)) {
		if (!c->authed) {
			sim_buf_fmt(b, "{\"event\":\"error\",\"code\":\"60011\",\"msg\":\"Please log in\",\"connId\":\"%s\"}", c->conn_id);
		} else if (!span_has(args, al, "\"orders\"")) {
			sim_buf_fmt(b, "{\"event\":\"error\",\"code\":\"60018\",\"msg\":\"Wrong URL or channel doesn't exist.\",\"connId\":\"%s\"}", c->conn_id);
		} else {
			c->subscribed = true;
			/* echo the first arg object */
			const char *o = memchr(args, '{', al), *e = o ? memchr(o, '}', al - (size_t)(o - args)) : NULL;
			sim_buf_str(b, "{");
			const char *id;
			size_t idl;
			if (jget(m, n, "id", &id, &idl)) {
				sim_buf_str(b, "\"id\":\"");
				sim_buf_jstr(b, id, idl);
				sim_buf_str(b, "\",");
			}
			sim_buf_str(b, "\"event\":\"subscribe\",\"arg\":");
			if (o && e)
				sim_buf_put(b, o, (size_t)(e - o) + 1);
			else
				sim_buf_str(b, "{\"channel\":\"orders\",\"instType\":\"ANY\"}");
			sim_buf_fmt(b, ",\"connId\":\"%s\"}", c->conn_id);
		}
	} else {
		sim_buf_fmt(b, "{\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request\",\"connId\":\"%s\"}", c->conn_id);
	}
	reply(c, b);
}

static void put_req_id(struct sim_buf *b, const char *m, size_t n)
{
	const char *v;
	size_t vl;
	if (jget(m, n, "req_id", &v, &vl)) {
		sim_buf_str(b, "\"req_id\":\"");
		sim_buf_jstr(b, v, vl);
		sim_buf_str(b, "\",");
	}
}

static void session_bybit(struct conn *c, const char *m, size_t n, struct sim_buf *b)
{
	const char *args;
	size_t al;
	bool has_args = jget(m, n, "args", &args, &al);
	sim_buf_str(b, "{");
	if (jeq(m, n, "op", "ping")) {
		put_req_id(b, m, n);
		sim_buf_fmt(b, "\"op\":\"pong\",\"args\":[\"%" PRId64 "\"],\"conn_id\":\"%s\"}",
			    now_ns() / 1000000, c->conn_id);
	} else if (jeq(m, n, "op", "auth")) {
		/* args: [key, expires, sig], expires a number or a string */
		const char *el[3] = { 0 };
		size_t ell[3] = { 0 };
		int ne = 0;
		for (size_t i = 0; has_args && i < al && ne <= 3; ) {
			while (i < al && (args[i] == '[' || args[i] == ' ' || args[i] == ','))
				i++;
			if (i >= al || args[i] == ']')
				break;
			size_t j = i;
			if (args[i] == '"') {
				j = i + 1;
				while (j < al && args[j] != '"')
					j++;
				if (ne < 3) {
					el[ne] = args + i + 1;
					ell[ne] = j - i - 1;
				}
				j++;
			} else {
				while (j < al && args[j] != ',' && args[j] != ']' && args[j] != ' ')
					j++;
				if (ne < 3) {
					el[ne] = args + i;
					ell[ne] = j - i;
				}
			}
			ne++;
			i = j;
		}
		char pre[64];
		int pl = ne == 3 ? snprintf(pre, sizeof(pre), "GET/realtime%.*s", (int)(ell[1] < 24 ? ell[1] : 24), el[1]) : -1;
		put_req_id(b, m, n);
		if (pl > 0 && key_ok(el[0], ell[0]) && ell[1] && sig_ok(256, pre, (size_t)pl, el[2], ell[2])) {
			c->authed = true;
			sim_buf_fmt(b, "\"success\":true,\"ret_msg\":\"\",\"op\":\"auth\",\"conn_id\":\"%s\"}", c->conn_id);
		} else {
			sim_buf_fmt(b, "\"success\":false,\"ret_msg\":\"Params Error\",\"op\":\"auth\",\"conn_id\":\"%s\"}", c->conn_id);
		}
	} else if (jeq(m, n, "op", "subscribe") && has_args) {
		put_req_id(b, m, n);
		if (!c->authed) {
			sim_buf_fmt(b, "\"success\":false,\"ret_msg\":\"Request not authorized\",\"conn_id\":\"%s\",\"op\":\"subscribe\"}", c->conn_id);
		} else {
			if (span_has(args, al, "\"order"))
				c->subscribed = true;
			if (span_has(args, al, "\"execution"))
				c->want_trades = true;
			sim_buf_fmt(b, "\"success\":true,\"ret_msg\":\"\",\"conn_id\":\"%s\",\"op\":\"subscribe\"}", c->conn_id);
		}
	} else {
		sim_buf_fmt(b, "\"success\":false,\"ret_msg\":\"error:handler not found\",\"conn_id\":\"%s\",\"op\":\"\"}", c->conn_id);
	}
	reply(c, b);
}

static void session_gate(struct conn *c, const char *m, size_t n, struct sim_buf *b)
{
	int64_t ms = now_ns() / 1000000;
	const char *ch, *id;
	size_t chl, idl;
	sim_buf_fmt(b, "{\"time\":%" PRId64 ",\"time_ms\":%" PRId64 ",", ms / 1000, ms);
	if (jget(m, n, "id", &id, &idl)) {
		sim_buf_str(b, "\"id\":");
		sim_buf_put(b, id, idl);
		sim_buf_str(b, ",");
	}
	if (!jget(m, n, "channel", &ch, &chl)) {
		sim_buf_str(b, "\"channel\":\"\",\"event\":\"\",\"error\":{\"code\":1,\"message\":\"invalid argument\"},\"result\":null}");
	} else if (chl == 9 && memcmp(ch, "spot.ping", 9) == 0) {
		sim_buf_str(b, "\"channel\":\"spot.pong\",\"event\":\"\",\"result\":null}");
	} else if (jeq(m, n, "event", "subscribe") &&
		   ((chl == 11 && memcmp(ch, "spot.orders", 11) == 0) ||
		    (chl == 15 && memcmp(ch, "spot.usertrades", 15) == 0))) {
		sim_buf_str(b, "\"channel\":\"");
		sim_buf_put(b, ch, chl);
		sim_buf_str(b, "\",\"event\":\"subscribe\",");
		const char *ak = "", *tm = "", *sg = "";
		size_t akl = 0, tml = 0, sgl = 0;
		char pre[128];
		int pl = -1;
		if (jhas(m, n, "KEY") && jhas(m, n, "SIGN") && jhas(m, n, "time")) {
			jget(m, n, "KEY", &ak, &akl);
			jget(m, n, "SIGN", &sg, &sgl);
			jget(m, n, "time", &tm, &tml);
			pl = snprintf(pre, sizeof(pre), "channel=%.*s&event=subscribe&time=%.*s", (int)chl, ch,
				      (int)(tml < 24 ? tml : 24), tm);
		}
		if (pl > 0 && (size_t)pl < sizeof(pre) && key_ok(ak, akl) && sig_ok(512, pre, (size_t)pl, sg, sgl)) {
			c->authed = true;
			if (chl == 11)
				c->subscribed = true;
			else
				c->want_trades = true;
			sim_buf_str(b, "\"error\":null,\"result\":{\"status\":\"success\"}}");
		} else {
			sim_buf_str(b, "\"error\":{\"code\":4,\"message\":\"Authentication required\"},\"result\":null}");
		}
	} else {
		sim_buf_str(b, "\"channel\":\"");
		sim_buf_put(b, ch, chl);
		sim_buf_str(b, "\",\"event\":\"\",\"error\":{\"code\":2,\"message\":\"unknown channel\"},\"result\":null}");
	}
	reply(c, b);
}

static void coinbase_emit_session(void *arg, const char *p, size_t n, bool binary)
{
	(void)binary;
	ws_text(arg, p, n);
}

static void session_coinbase(struct conn *c, const char *m, size_t n, struct sim_buf *b)
{
	char t[40];
	if (!jeq(m, n, "type", "subscribe")) {
		sim_buf_str(b, "{\"type\":\"error\",\"message\":\"Failure to subscribe\"}");
		reply(c, b);
		return;
	}
	bool user = jeq(m, n, "channel", "user"), hb = jeq(m, n, "channel", "heartbeats");
	if (!user && !hb) {
		sim_buf_str(b, "{\"type\":\"error\",\"message\":\"Failure to subscribe\"}");
		reply(c, b);
		return;
	}
	if (user && !jhas(m, n, "jwt")) {
		sim_buf_str(b, "{\"type\":\"error\",\"message\":\"authentication failure\"}");
		reply(c, b);
		return;
	}
	if (user) {
		c->authed = true;
	} else {
		c->want_hb = true;
		c->t_hb = now_ns();
	}
	sim_fmt_rfc3339(t, now_ns());
	sim_buf_fmt(b, "{\"channel\":\"subscriptions\",\"client_id\":\"\",\"timestamp\":\"%s\",\"sequence_num\":%" PRIu64
		    ",\"events\":[{\"subscriptions\":{", t, c->seq++);
	if (c->authed)
		sim_buf_str(b, "\"user\":[\"sim-user\"]");
	if (c->want_hb)
		sim_buf_str(b, c->authed ? ",\"heartbeats\":[\"heartbeats\"]" : "\"heartbeats\":[\"heartbeats\"]");
	sim_buf_str(b, "}}]}");
	reply(c, b);
	if (user && !c->subscribed) {
		/* Trap 19: Coinbase sends the open orders on subscribe. */
		struct sim_fmt_ctx fc = { .now_ns = now_ns(), .stamp = S.o.stamp, .seq = &c->seq,
					  .gen = &S.gen[SIM_COINBASE] };
		if (!c->stalled)
			sim_fmt_coinbase_snapshot(&fc, coinbase_emit_session, c);
		c->subscribed = true;
	}
}

static void session_mexc(struct conn *c, const char *m, size_t n, struct sim_buf *b)
{
	const char *p;
	size_t pl;
	if (jeq(m, n, "method", "PING") || jeq(m, n, "method", "ping")) {
		sim_buf_str(b, "{\"id\":0,\"code\":0,\"msg\":\"PONG\"}");
		reply(c, b);
		return;
	}
	if (!jeq(m, n, "method", "SUBSCRIPTION") || !jget(m, n, "params", &p, &pl)) {
		sim_buf_str(b, "{\"id\":0,\"code\":0,\"msg\":\"msg format invalid\"}");
		reply(c, b);
		return;
	}
	/* one ack per topic, as MEXC does */
	for (size_t i = 0; i < pl; i++) {
		if (p[i] != '"')
			continue;
		size_t j = i + 1;
		while (j < pl && p[j] != '"')
			j++;
		const char *tp = p + i + 1;
		size_t tl = j - i - 1;
		i = j;
		bool orders = tl == 29 && memcmp(tp, "spot@private.orders.v3.api.pb", 29) == 0;
		bool deals = tl == 28 && memcmp(tp, "spot@private.deals.v3.api.pb", 28) == 0;
		if (orders || deals) {
			c->authed = true;
			if (orders)
				c->subscribed = true;
			else
				c->want_trades = true;
			sim_buf_str(b, "{\"id\":0,\"code\":0,\"msg\":\"");
			sim_buf_put(b, tp, tl);
			sim_buf_str(b, "\"}");
		} else {
			/* Trap 21: retired JSON topics: code 0, "Blocked!" */
			sim_buf_str(b, "{\"id\":0,\"code\":0,\"msg\":\"Not Subscribed successfully! [");
			sim_buf_jstr(b, tp, tl);
			sim_buf_str(b, "].  Reason\xef\xbc\x9a Blocked! \"}");
		}
		reply(c, b);
	}
}

static void on_message(struct conn *c, const char *m, size_t n, int op)
{
	static struct sim_buf b;
	bool was = c->subscribed;
	b.len = 0;
	if (c->stalled)
		return;
	if (op == 2) {
		sim_buf_str(&b, "{\"error\":\"binary requests are not supported\"}");
		reply(c, &b);
		return;
	}
	switch (c->venue) {
	case SIM_BINANCE: session_binance(c, m, n, &b); break;
	case SIM_OKX: session_okx(c, m, n, &b); break;
	case SIM_BYBIT: session_bybit(c, m, n, &b); break;
	case SIM_GATE: session_gate(c, m, n, &b); break;
	case SIM_COINBASE: session_coinbase(c, m, n, &b); break;
	default: session_mexc(c, m, n, &b); break;
	}
	if (!was && c->subscribed)
		venue_start(c->venue);
}

/* ------------------------------------------------------------------ */
/* HTTP: upgrade and REST                                              */

struct http_req {
	char method[8];
	const char *path;   /* without the query */
	size_t path_len;
	const char *query;  /* after '?', may be empty */
	size_t query_len;
	const char *hdr;
	size_t hdr_len;
	size_t body_len;
};

static bool header(const struct http_req *r, const char *name, const char **v, size_t *vl)
{
	size_t nl = strlen(name);
	const char *p = r->hdr, *end = r->hdr + r->hdr_len;
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *s = p + nl + 1;
			while (s < eol && (*s == ' ' || *s == '\t'))
				s++;
			const char *e = eol;
			while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*v = s;
			*vl = (size_t)(e - s);
			return true;
		}
		p = eol + 2;
	}
	return false;
}

static bool qparam(const struct http_req *r, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = r->query, *end = r->query + r->query_len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		if (!amp)
			amp = end;
		if ((size_t)(amp - p) > nl && p[nl] == '=' && memcmp(p, name, nl) == 0) {
			size_t l = (size_t)(amp - p) - nl - 1;
			if (l >= cap)
				l = cap - 1;
			memcpy(out, p + nl + 1, l);
			out[l] = 0;
			return l > 0;
		}
		p = amp + 1;
	}
	return false;
}

static void http_reply(struct conn *c, int code, const char *body, size_t n)
{
	const char *reason = code == 200 ? "OK" : code == 400 ? "Bad Request"
			   : code == 401 ? "Unauthorized" : code == 404 ? "Not Found"
			   : "Error";
	char h[256];
	int hl = snprintf(h, sizeof(h),
			  "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			  "Connection: keep-alive\r\n\r\n", code, reason, n);
	sim_buf_put(&c->out, h, (size_t)hl);
	sim_buf_put(&c->out, body, n);
}

static bool path_is(const char *p, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(p, want, n) == 0;
}

static const struct sim_order *find_order(const struct sim_gen *g, const char *id, const char *cid)
{
	for (uint32_t i = 0; i < g->started; i++) {
		const struct sim_order *o = &g->orders[i];
		if ((id && strcmp(o->order_id, id) == 0) || (cid && strcmp(o->client_id, cid) == 0))
			return o;
	}
	return NULL;
}

static void list_open(struct sim_buf *b, const struct sim_gen *g, int v, const char *sym)
{
	int k = 0;
	for (uint32_t i = 0; i < g->started; i++) {
		const struct sim_order *o = &g->orders[i];
		if (o->terminal || (o->status != SIM_ST_NEW && o->status != SIM_ST_PARTIALLY_FILLED))
			continue;
		if (sym && strcmp(g->sym[o->sym].name, sym) != 0)
			continue;
		if (k++)
			sim_buf_str(b, ",");
		sim_fmt_rest_order(v, g, o, b);
	}
}

static const char *api_key_header[SIM_VENUES] = {
	"X-MBX-APIKEY", "OK-ACCESS-KEY", "X-BAPI-API-KEY", "KEY", "Authorization", "X-MEXC-APIKEY",
};

static void rest(struct conn *c, const struct http_req *r)
{
	static struct sim_buf b;
	char id[96], cid[96], sym[48];
	const char *p = r->path;
	size_t pl = r->path_len;
	int v = -1;
	b.len = 0;
	if (pl > 1) {
		const char *sl = memchr(p + 1, '/', pl - 1);
		size_t vl = sl ? (size_t)(sl - p - 1) : pl - 1;
		v = sim_venue_from_name(p + 1, vl);
		p += 1 + vl;
		pl -= 1 + vl;
	}
	if (v < 0 || !(S.o.venues & (1u << v))) {
		http_reply(c, 404, "{\"error\":\"unknown venue\"}", 25);
		return;
	}
	const struct sim_gen *g = &S.gen[v];
	const char *hv;
	size_t hl;
	if (!header(r, api_key_header[v], &hv, &hl) || !hl) {
		static const char *const unauth[SIM_VENUES] = {
			"{\"code\":-2014,\"msg\":\"API-key format invalid.\"}",
			"{\"code\":\"50103\",\"data\":[],\"msg\":\"Request header OK-ACCESS-KEY cannot be empty.\"}",
			"{\"retCode\":10003,\"retMsg\":\"API key is invalid.\",\"result\":{},\"retExtInfo\":{},\"time\":0}",
			"{\"label\":\"MISSING_REQUIRED_HEADER\",\"message\":\"Missing required header: KEY\"}",
			"{\"error\":\"UNAUTHENTICATED\",\"code\":16,\"message\":\"unauthenticated\",\"details\":[]}",
			"{\"code\":700001,\"msg\":\"API-key format invalid.\"}",
		};
		http_reply(c, 401, unauth[v], strlen(unauth[v]));
		return;
	}
	if (verifying() && !span_eq(hv, hl, S.o.api_key) && v != SIM_COINBASE) {
		http_reply(c, 401, "{\"code\":-2015,\"msg\":\"Invalid API-key.\"}", 42);
		return;
	}
	if (verifying() && (v == SIM_BINANCE || v == SIM_MEXC)) {
		/* HMAC-SHA256 hex of the query string before &signature= */
		const char *sp = memmem(r->query, r->query_len, "signature=", 10);
		size_t ml = sp ? (size_t)(sp - r->query) : 0;
		if (ml && r->query[ml - 1] == '&')
			ml--;
		if (!sp || !sig_ok(256, r->query, ml, sp + 10, r->query_len - (size_t)(sp + 10 - r->query))) {
			static const char bad[] = "{\"code\":-1022,\"msg\":\"Signature for this request is not valid.\"}";
			http_reply(c, 400, bad, sizeof(bad) - 1);
			return;
		}
	}
	bool has_id = false, has_cid = false, has_sym = false;
	int code = 200;
	switch (v) {
	case SIM_BINANCE:
	case SIM_MEXC:
		has_sym = qparam(r, "symbol", sym, sizeof(sym));
		if (v == SIM_MEXC && path_is(p, pl, "/api/v3/userDataStream")) {
			sim_buf_fmt(&b, "{\"listenKey\":\"simlk%08x%08x\"}", ++S.mexc_key_ctr,
				    (unsigned)(S.o.seed & 0xffffffff));
		} else if (path_is(p, pl, "/api/v3/order")) {
			has_id = qparam(r, "orderId", id, sizeof(id));
			has_cid = qparam(r, "origClientOrderId", cid, sizeof(cid));
			const struct sim_order *o = find_order(g, has_id ? id : NULL, has_cid ? cid : NULL);
			if (o) {
				sim_fmt_rest_order(v, g, o, &b);
			} else {
				code = 400;
				sim_buf_str(&b, "{\"code\":-2013,\"msg\":\"Order does not exist.\"}");
			}
		} else if (path_is(p, pl, "/api/v3/openOrders")) {
			sim_buf_str(&b, "[");
			list_open(&b, g, v, has_sym ? sym : NULL);
			sim_buf_str(&b, "]");
		} else {
			code = 404;
		}
		break;
	case SIM_OKX:
		if (path_is(p, pl, "/api/v5/trade/order")) {
			has_id = qparam(r, "ordId", id, sizeof(id));
			has_cid = qparam(r, "clOrdId", cid, sizeof(cid));
			const struct sim_order *o = find_order(g, has_id ? id : NULL, has_cid ? cid : NULL);
			if (o) {
				sim_buf_str(&b, "{\"code\":\"0\",\"data\":[");
				sim_fmt_rest_order(v, g, o, &b);
				sim_buf_str(&b, "],\"msg\":\"\"}");
			} else {
				sim_buf_str(&b, "{\"code\":\"51603\",\"data\":[],\"msg\":\"Order does not exist\"}");
			}
		} else if (path_is(p, pl, "/api/v5/trade/orders-pending")) {
			has_sym = qparam(r, "instId", sym, sizeof(sym));
			sim_buf_str(&b, "{\"code\":\"0\",\"data\":[");
			list_open(&b, g, v, has_sym ? sym : NULL);
			sim_buf_str(&b, "],\"msg\":\"\"}");
		} else {
			code = 404;
		}
		break;
	case SIM_BYBIT:
		if (path_is(p, pl, "/v5/order/realtime")) {
			has_id = qparam(r, "orderId", id, sizeof(id));
			has_cid = qparam(r, "orderLinkId", cid, sizeof(cid));
			has_sym = qparam(r, "symbol", sym, sizeof(sym));
			sim_buf_str(&b, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"list\":[");
			if (has_id || has_cid) {
				const struct sim_order *o = find_order(g, has_id ? id : NULL, has_cid ? cid : NULL);
				if (o)
					sim_fmt_rest_order(v, g, o, &b);
			} else {
				list_open(&b, g, v, has_sym ? sym : NULL);
			}
			sim_buf_fmt(&b, "],\"nextPageCursor\":\"\",\"category\":\"spot\"},\"retExtInfo\":{},\"time\":%" PRId64 "}",
				    now_ns() / 1000000);
		} else {
			code = 404;
		}
		break;
	case SIM_GATE:
		has_sym = qparam(r, "currency_pair", sym, sizeof(sym));
		if (pl > 21 && memcmp(p, "/api/v4/spot/orders/", 20) == 0) {
			size_t il = pl - 20 < sizeof(id) - 1 ? pl - 20 : sizeof(id) - 1;
			memcpy(id, p + 20, il);
			id[il] = 0;
			const struct sim_order *o = find_order(g, id, id);
			if (o && !(o->terminal && strcmp(o->client_id, id) == 0 && strcmp(o->order_id, id) != 0)) {
				sim_fmt_rest_order(v, g, o, &b);
			} else {
				code = 404;
				sim_buf_str(&b, "{\"label\":\"ORDER_NOT_FOUND\",\"message\":\"Order not found\"}");
			}
		} else if (path_is(p, pl, "/api/v4/spot/orders")) {
			sim_buf_str(&b, "[");
			list_open(&b, g, v, has_sym ? sym : NULL);
			sim_buf_str(&b, "]");
		} else if (path_is(p, pl, "/api/v4/spot/open_orders")) {
			sim_buf_str(&b, "[");
			int k = 0;
			for (uint32_t s = 0; s < g->n_symbols; s++) {
				size_t mark = b.len;
				if (k)
					sim_buf_str(&b, ",");
				sim_buf_fmt(&b, "{\"currency_pair\":\"%s\",\"total\":0,\"orders\":[", g->sym[s].name);
				size_t body = b.len;
				list_open(&b, g, v, g->sym[s].name);
				if (b.len == body) {
					b.len = mark; /* no open orders on this pair */
					continue;
				}
				sim_buf_str(&b, "]}");
				k++;
			}
			sim_buf_str(&b, "]");
		} else {
			code = 404;
		}
		break;
	case SIM_COINBASE: {
		static const char pre[] = "/api/v3/brokerage/orders/historical/";
		size_t prl = sizeof(pre) - 1;
		if (path_is(p, pl, "/api/v3/brokerage/orders/historical/batch")) {
			sim_buf_str(&b, "{\"orders\":[");
			int k = 0;
			for (uint32_t i = 0; i < g->started; i++) {
				const struct sim_order *o = &g->orders[i];
				if (o->terminal)
					continue;
				if (k++)
					sim_buf_str(&b, ",");
				sim_fmt_rest_order(v, g, o, &b);
			}
			sim_buf_str(&b, "],\"sequence\":\"0\",\"has_next\":false,\"cursor\":\"\"}");
		} else if (pl > prl && memcmp(p, pre, prl) == 0) {
			size_t il = pl - prl < sizeof(id) - 1 ? pl - prl : sizeof(id) - 1;
			memcpy(id, p + prl, il);
			id[il] = 0;
			const struct sim_order *o = find_order(g, id, NULL);
			if (o) {
				sim_buf_str(&b, "{\"order\":");
				sim_fmt_rest_order(v, g, o, &b);
				sim_buf_str(&b, "}");
			} else {
				code = 404;
				sim_buf_str(&b, "{\"error\":\"NOT_FOUND\",\"code\":5,\"message\":\"order with this orderID was not found\",\"details\":[]}");
			}
		} else {
			code = 404;
		}
		break;
	}
	}
	if (code == 404 && !b.len)
		sim_buf_str(&b, "{\"error\":\"no such endpoint\"}");
	http_reply(c, code, b.p, b.len);
}

static void ws_upgrade(struct conn *c, const struct http_req *r)
{
	const char *key, *v;
	size_t kl, vl;
	int venue = -1;
	if (r->path_len > 1) {
		const char *sl = memchr(r->path + 1, '/', r->path_len - 1);
		size_t nl = sl ? (size_t)(sl - r->path - 1) : r->path_len - 1;
		venue = sim_venue_from_name(r->path + 1, nl);
	}
	if (venue < 0 || !(S.o.venues & (1u << venue)) || !header(r, "Sec-WebSocket-Key", &key, &kl) ||
	    !header(r, "Sec-WebSocket-Version", &v, &vl) || vl != 2 || memcmp(v, "13", 2) != 0) {
		http_reply(c, 400, "{\"error\":\"bad websocket upgrade\"}", 33);
		c->close_after_flush = true;
		return;
	}
	if (venue == SIM_MEXC) {
		char lk[128];
		if (!qparam(r, "listenKey", lk, sizeof(lk))) {
			http_reply(c, 401, "{\"code\":700002,\"msg\":\"listenKey required\"}", 42);
			c->close_after_flush = true;
			return;
		}
	}
	char acc[29];
	sim_ws_accept_key(key, kl, acc);
	sim_buf_fmt(&c->out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
	c->st = C_WS;
	c->venue = venue;
	c->t_rx = c->t_tx = c->t_ping = c->t_pong = now_ns();
}

/* Consume complete HTTP requests from c->in.  Returns bytes consumed. */
static size_t http_input(struct conn *c)
{
	size_t used = 0;
	while (c->st == C_HTTP && !c->close_after_flush) {
		char *b = (char *)c->in + used;
		size_t n = c->in_len - used;
		char *end = memmem(b, n, "\r\n\r\n", 4);
		if (!end) {
			if (n > 16384) {
				http_reply(c, 400, "{\"error\":\"header too large\"}", 28);
				c->close_after_flush = true;
			}
			break;
		}
		struct http_req r;
		memset(&r, 0, sizeof(r));
		char *sp1 = memchr(b, ' ', (size_t)(end - b));
		char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
		char *eol = memmem(b, (size_t)(end - b) + 2, "\r\n", 2);
		if (!sp1 || !sp2 || (size_t)(sp1 - b) >= sizeof(r.method) || !eol) {
			http_reply(c, 400, "{\"error\":\"bad request\"}", 23);
			c->close_after_flush = true;
			break;
		}
		memcpy(r.method, b, (size_t)(sp1 - b));
		r.path = sp1 + 1;
		r.path_len = (size_t)(sp2 - sp1 - 1);
		const char *qm = memchr(r.path, '?', r.path_len);
		if (qm) {
			r.query = qm + 1;
			r.query_len = r.path_len - (size_t)(qm - r.path) - 1;
			r.path_len = (size_t)(qm - r.path);
		} else {
			r.query = r.path + r.path_len;
		}
		r.hdr = eol + 2;
		r.hdr_len = (size_t)(end + 2 - r.hdr);
		const char *v;
		size_t vl;
		if (header(&r, "Content-Length", &v, &vl))
			r.body_len = (size_t)strtoul(v, NULL, 10);
		size_t total = (size_t)(end + 4 - b) + r.body_len;
		if (total > n)
			break; /* body not complete yet */
		if (header(&r, "Upgrade", &v, &vl) && vl == 9 && strncasecmp(v, "websocket", 9) == 0)
			ws_upgrade(c, &r);
		else
			rest(c, &r);
		used += total;
	}
	return used;
}

/* ------------------------------------------------------------------ */
/* WebSocket input                                                     */

/* Consume complete frames from c->in + start.  Returns bytes consumed. */
static size_t ws_input(struct conn *c, size_t start)
{
	size_t used = start;
	while (!c->dead && !c->close_after_flush) {
		int fin, op;
		uint8_t *pl;
		size_t n;
		long r = sim_ws_parse(c->in + used, c->in_len - used, MAX_MSG, &fin, &op, &pl, &n);
		if (r == 0)
			break;
		if (r < 0) { /* protocol error: 1002 and close */
			ws_frame(c, 8, "\x03\xea", 2);
			c->close_after_flush = true;
			break;
		}
		used += (size_t)r;
		c->t_rx = now_ns();
		switch (op) {
		case 9: /* ping: pong with the same payload, unless half-open */
			if (!c->stalled)
				ws_frame(c, 10, pl, n);
			break;
		case 10:
			c->t_pong = now_ns();
			break;
		case 8:
			if (!c->stalled)
				ws_frame(c, 8, pl, n >= 2 ? 2 : 0);
			c->close_after_flush = true;
			break;
		case 0:
			if (!c->in_frag || c->msg.len + n > MAX_MSG) {
				ws_frame(c, 8, "\x03\xea", 2);
				c->close_after_flush = true;
				break;
			}
			sim_buf_put(&c->msg, pl, n);
			if (fin) {
				c->in_frag = false;
				on_message(c, c->msg.p, c->msg.len, c->msg_op);
				c->msg.len = 0;
			}
			break;
		case 1:
		case 2:
			if (c->in_frag) {
				ws_frame(c, 8, "\x03\xea", 2);
				c->close_after_flush = true;
				break;
			}
			if (fin) {
				on_message(c, (const char *)pl, n, op);
			} else {
				c->in_frag = true;
				c->msg_op = op;
				c->msg.len = 0;
				sim_buf_put(&c->msg, pl, n);
			}
			break;
		default:
			ws_frame(c, 8, "\x03\xea", 2);
			c->close_after_flush = true;
			break;
		}
	}
	return used - start;
}

static void conn_readable(struct conn *c)
{
	if (c->st == C_TLS) {
		int r = wolfSSL_accept(c->ssl);
		if (r != WOLFSSL_SUCCESS) {
			int e = wolfSSL_get_error(c->ssl, r);
			if (e != WOLFSSL_ERROR_WANT_READ && e != WOLFSSL_ERROR_WANT_WRITE)
				conn_kill(c);
			return;
		}
		c->st = C_HTTP;
	}
	for (;;) {
		if (c->in_cap - c->in_len < 16384) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 65536;
			if (cap > MAX_MSG * 2 + 65536) {
				conn_kill(c);
				return;
			}
			uint8_t *p = realloc(c->in, cap);
			if (!p) {
				conn_kill(c);
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		int r = wolfSSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));
		if (r <= 0) {
			int e = wolfSSL_get_error(c->ssl, r);
			if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
				break;
			conn_kill(c);
			return;
		}
		c->in_len += (size_t)r;
		size_t used = c->st == C_HTTP ? http_input(c) : 0;
		if (c->st == C_WS && !c->dead)
			used += ws_input(c, used);
		if (c->dead)
			return;
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
	}
	conn_flush(c);
}

/* ------------------------------------------------------------------ */
/* listening, housekeeping, restart                                    */

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &S.lfd };
	epoll_ctl(S.ep, EPOLL_CTL_ADD, fd, &ev);
	return fd;
}

static void accept_all(void)
{
	for (;;) {
		int fd = accept4(S.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->venue = -1;
		c->t_open = c->t_rx = c->t_tx = now_ns();
		snprintf(c->conn_id, sizeof(c->conn_id), "sim%06llx", (unsigned long long)++S.n_conns);
		c->ssl = wolfSSL_new(S.ctx);
		if (!c->ssl || wolfSSL_set_fd(c->ssl, fd) != WOLFSSL_SUCCESS) {
			if (c->ssl)
				wolfSSL_free(c->ssl);
			close(fd);
			free(c);
			continue;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		epoll_ctl(S.ep, EPOLL_CTL_ADD, fd, &ev);
		c->next = S.conns;
		S.conns = c;
	}
}

static void reap(void)
{
	struct conn **pp = &S.conns;
	while (*pp) {
		struct conn *c = *pp;
		if (c->dead) {
			*pp = c->next;
			free(c->in);
			sim_buf_free(&c->out);
			sim_buf_free(&c->msg);
			sim_buf_free(&c->rbuf);
			free(c);
		} else {
			pp = &c->next;
		}
	}
}

/* Idle cutoffs (seconds) when --idle-cutoff is not given: OKX 30, MEXC 60,
 * Coinbase 90, Bybit 600; Binance and Gate rely on WS ping/pong. */
static const double idle_default[SIM_VENUES] = { 0, 30, 600, 0, 90, 60 };

static void housekeeping(int64_t t)
{
	for (struct conn *c = S.conns; c; c = c->next) {
		if (c->dead || c->st != C_WS || c->stalled)
			continue;
		double idle = S.o.idle_cutoff >= 0 ? S.o.idle_cutoff : idle_default[c->venue];
		int64_t last = c->t_rx > c->t_tx ? c->t_rx : c->t_tx;
		if (idle > 0 && t - last > (int64_t)(idle * 1e9)) {
			conn_kill(c);
			continue;
		}
		/* Forced reconnect (Binance and MEXC do it at 24 h): a close
		 * frame 1001 "going away", then the socket is closed. */
		if (S.o.max_life > 0 && !c->close_after_flush && t - c->t_open > (int64_t)(S.o.max_life * 1e9)) {
			ws_frame(c, 8, "\x03\xe9", 2);
			c->close_after_flush = true;
			continue;
		}
		/* MEXC: no valid subscription within 30 s; Coinbase: 5 s. */
		if (!c->subscribed && ((c->venue == SIM_MEXC && t - c->t_open > 30000000000LL) ||
				       (c->venue == SIM_COINBASE && t - c->t_open > 5000000000LL))) {
			conn_kill(c);
			continue;
		}
		if (S.o.ping_interval > 0 && t - c->t_ping > (int64_t)(S.o.ping_interval * 1e9)) {
			char p[24];
			int n = snprintf(p, sizeof(p), "%" PRId64, t / 1000000);
			ws_frame(c, 9, p, (size_t)n);
			c->t_ping = t;
			/* Binance: no pong within a minute of pings closes it. */
			if (t - c->t_pong > (int64_t)(60e9 > 3 * S.o.ping_interval * 1e9 ? 60e9
						     : 3 * S.o.ping_interval * 1e9)) {
				conn_kill(c);
				continue;
			}
		}
		if (c->venue == SIM_COINBASE && c->want_hb && t - c->t_hb >= 1000000000LL) {
			char ts[40];
			struct sim_buf b = { 0 };
			sim_fmt_rfc3339(ts, t);
			sim_buf_fmt(&b, "{\"channel\":\"heartbeats\",\"client_id\":\"\",\"timestamp\":\"%s\",\"sequence_num\":%"
				    PRIu64 ",\"events\":[{\"current_time\":\"%s\",\"heartbeat_counter\":%" PRIu64 "}]}",
				    ts, c->seq++, ts, ++c->hb);
			ws_text(c, b.p, b.len);
			sim_buf_free(&b);
			c->t_hb = t;
		}
	}
}

/* The venue's announced-disconnect message (trap 24), best effort before a
 * restart: Binance serverShutdown, OKX notice, Gate upgrade.  The others
 * announce nothing. */
static void send_shutdown_notice(struct conn *c, int64_t t)
{
	struct sim_buf b = { 0 };
	switch (c->venue) {
	case SIM_BINANCE:
		sim_buf_fmt(&b, "{\"subscriptionId\":0,\"event\":{\"e\":\"serverShutdown\",\"E\":%" PRId64 "}}",
			    t / 1000000);
		break;
	case SIM_OKX:
		sim_buf_fmt(&b, "{\"event\":\"notice\",\"code\":\"64008\",\"msg\":\"The connection will soon be closed "
			    "for a service upgrade. Please reconnect.\",\"connId\":\"%s\"}", c->conn_id);
		break;
	case SIM_GATE:
		sim_buf_str(&b, "{\"type\":\"upgrade\",\"msg\":\"The connection will soon be closed for a service upgrade. "
			    "Please reconnect.\"}");
		break;
	default:
		return;
	}
	ws_text(c, b.p, b.len);
	sim_buf_free(&b);
}

static void go_down(int64_t t)
{
	for (struct conn *c = S.conns; c; c = c->next) {
		if (!c->dead && c->st == C_WS && c->subscribed) {
			send_shutdown_notice(c, t);
			conn_flush(c);
		}
		conn_kill(c);
	}
	if (S.lfd >= 0) {
		epoll_ctl(S.ep, EPOLL_CTL_DEL, S.lfd, NULL);
		close(S.lfd);
		S.lfd = -1;
	}
	S.down = true;
	S.t_relisten = t + (int64_t)S.o.restart_ms * 1000000;
	fprintf(stderr, "ose-sim: restart: down for %u ms\n", S.o.restart_ms);
}

static void come_up(void)
{
	int fd = listen_on(S.o.port);
	if (fd < 0) {
		S.t_relisten = now_ns() + 100000000; /* port busy: retry in 100 ms */
		return;
	}
	S.lfd = fd;
	S.down = false;
	fprintf(stderr, "ose-sim: restart: listening again\n");
}

/* ------------------------------------------------------------------ */
/* truth                                                               */

static int write_truth(void)
{
	if (!S.o.truth)
		return 0;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", S.o.truth);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -errno;
	struct sim_buf b = { 0 };
	sim_buf_str(&b, "{\"orders\":[");
	int k = 0;
	for (int v = 0; v < SIM_VENUES; v++) {
		if (!(S.o.venues & (1u << v)))
			continue;
		const struct sim_gen *g = &S.gen[v];
		for (uint32_t i = 0; i < g->started; i++) {
			const struct sim_order *o = &g->orders[i];
			const struct sim_symbol *s = &g->sym[o->sym];
			if (k++)
				sim_buf_str(&b, ",");
			sim_buf_fmt(&b, "\n{\"venue\":\"%s\",\"account\":\"", sim_venue_name(v));
			sim_buf_jstr(&b, S.o.account, strlen(S.o.account));
			sim_buf_fmt(&b, "\",\"symbol\":\"%s\",\"order_id\":\"%s\",\"client_order_id\":\"%s\","
				    "\"side\":\"%s\",\"status\":\"%s\",\"price\":\"", s->name, o->order_id,
				    o->client_id, o->side ? "SELL" : "BUY", sim_status_name(o->status));
			sim_buf_dec(&b, o->price, s->psc, -1);
			sim_buf_str(&b, "\",\"quantity\":\"");
			sim_buf_dec(&b, o->qty, o->market ? s->psc + s->qsc : s->qsc, -1);
			sim_buf_str(&b, "\",\"filled_quantity\":\"");
			/* Gate market buys: quote currency, as amount - left says */
			if (o->market)
				sim_buf_dec(&b, o->quote_filled, s->psc + s->qsc, -1);
			else
				sim_buf_dec(&b, o->filled, s->qsc, -1);
			sim_buf_str(&b, "\"}");
		}
	}
	sim_buf_str(&b, "\n],\"sim\":{\"seed\":");
	sim_buf_u64(&b, S.o.seed);
	sim_buf_str(&b, ",\"steps\":{");
	k = 0;
	for (int v = 0; v < SIM_VENUES; v++) {
		if (!(S.o.venues & (1u << v)))
			continue;
		sim_buf_fmt(&b, "%s\"%s\":%" PRIu64, k++ ? "," : "", sim_venue_name(v), S.gen[v].steps);
	}
	sim_buf_fmt(&b, "},\"done\":%s,\"duplicates\":%" PRIu64 ",\"malformed\":%" PRIu64
		    ",\"disconnects\":%" PRIu64 "}}\n",
		    S.done_said ? "true" : "false", S.n_dup, S.n_malformed, S.n_disc);
	bool ok = fwrite(b.p, 1, b.len, f) == b.len;
	sim_buf_free(&b);
	if (fclose(f) != 0 || !ok)
		return -EIO;
	if (rename(tmp, S.o.truth) < 0)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* certificates                                                        */

static int run(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int dn = open("/dev/null", O_WRONLY);
		if (dn >= 0) {
			dup2(dn, 1);
			dup2(dn, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* A throw-away CA and a localhost/127.0.0.1 server certificate (P-256),
 * made with the openssl CLI; kept and reused if DIR already has them. */
static int gen_certs(const char *dir, char *cert, char *key, size_t cap)
{
	char ca[4096], cakey[4096], csr[4096], ext[4096];
	mkdir(dir, 0700);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cakey, sizeof(cakey), "%s/ca.key", dir);
	snprintf(csr, sizeof(csr), "%s/server.csr", dir);
	snprintf(ext, sizeof(ext), "%s/server.ext", dir);
	snprintf(cert, cap, "%s/server.pem", dir);
	snprintf(key, cap, "%s/server.key", dir);
	if (!realpath(ca, S.ca_path))
		snprintf(S.ca_path, sizeof(S.ca_path), "%s", ca);
	if (access(ca, R_OK) == 0 && access(cert, R_OK) == 0 && access(key, R_OK) == 0)
		return 0;
	FILE *f = fopen(ext, "w");
	if (!f)
		return -errno;
	fputs("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
	      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
	      "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n", f);
	fclose(f);
	char *const a1[] = { "/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
			     "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", cakey, "-out", ca,
			     "-days", "30", "-subj", "/CN=ose-sim test CA", "-addext",
			     "basicConstraints=critical,CA:TRUE", "-addext",
			     "keyUsage=critical,keyCertSign,cRLSign", NULL };
	char *const a2[] = { "/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt",
			     "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr,
			     "-subj", "/CN=localhost", NULL };
	char *const a3[] = { "/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", cakey,
			     "-CAcreateserial", "-out", cert, "-days", "30", "-extfile", ext, NULL };
	if (run(a1) || run(a2) || run(a3))
		return -1;
	if (!realpath(ca, S.ca_path))
		snprintf(S.ca_path, sizeof(S.ca_path), "%s", ca);
	return 0;
}

/* ------------------------------------------------------------------ */
/* options                                                             */

static void usage(FILE *f)
{
	fputs("usage: ose-sim --venue V[,V...] [--port N | --port-file FILE]\n"
	      "               [--cert FILE --key FILE | --gen-certs DIR] --seed S --orders N\n"
	      "               --symbols M --rate EV_PER_S --burst B [--batch K] [--duration S]\n"
	      "               [--truth FILE] [--record-dir DIR] [--account NAME] [--no-wait]\n"
	      "               [--no-stamp] [--gate-market-pct P] [--ping-interval S]\n"
	      "               [--idle-cutoff S] [--max-conn-life S] [--api-key K --api-secret S]\n"
	      "  faults: [--disconnect-every N] [--stall-after N] [--dup P] [--reorder W]\n"
	      "          [--malformed P] [--malformed-kinds json,trunc,utf8] [--fragment BYTES]\n"
	      "          [--restart-every S] [--restart-ms T]\n"
	      "  venues: binance okx bybit gate coinbase mexc (or all); see docs/sim.md\n", f);
}

static int parse_venues(const char *s, uint32_t *mask)
{
	*mask = 0;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 3 && memcmp(s, "all", 3) == 0) {
			*mask = (1u << SIM_VENUES) - 1;
		} else {
			int v = sim_venue_from_name(s, n);
			if (v < 0)
				return -1;
			*mask |= 1u << v;
		}
		s += n + (e ? 1 : 0);
	}
	return *mask ? 0 : -1;
}

static int parse_opts(int argc, char **argv)
{
	enum { O_VENUE = 256, O_PORT, O_PORTF, O_CERT, O_KEY, O_GEN, O_SEED, O_ORDERS, O_SYMS,
	       O_RATE, O_BURST, O_BATCH, O_DUR, O_TRUTH, O_REC, O_ACCT, O_NOWAIT, O_NOSTAMP,
	       O_GMP, O_PING, O_IDLE, O_DISC, O_STALL, O_DUP, O_REORD, O_MAL, O_MALK, O_FRAG,
	       O_RSE, O_RMS, O_VER, O_HELP, O_AKEY, O_ASEC, O_LIFE };
	static const struct option lo[] = {
		{ "venue", 1, 0, O_VENUE }, { "port", 1, 0, O_PORT }, { "port-file", 1, 0, O_PORTF },
		{ "cert", 1, 0, O_CERT }, { "key", 1, 0, O_KEY }, { "gen-certs", 1, 0, O_GEN },
		{ "seed", 1, 0, O_SEED }, { "orders", 1, 0, O_ORDERS }, { "symbols", 1, 0, O_SYMS },
		{ "rate", 1, 0, O_RATE }, { "burst", 1, 0, O_BURST }, { "batch", 1, 0, O_BATCH },
		{ "duration", 1, 0, O_DUR }, { "truth", 1, 0, O_TRUTH }, { "record-dir", 1, 0, O_REC },
		{ "account", 1, 0, O_ACCT }, { "no-wait", 0, 0, O_NOWAIT }, { "no-stamp", 0, 0, O_NOSTAMP },
		{ "gate-market-pct", 1, 0, O_GMP }, { "ping-interval", 1, 0, O_PING },
		{ "idle-cutoff", 1, 0, O_IDLE }, { "disconnect-every", 1, 0, O_DISC },
		{ "stall-after", 1, 0, O_STALL }, { "dup", 1, 0, O_DUP }, { "reorder", 1, 0, O_REORD },
		{ "malformed", 1, 0, O_MAL }, { "malformed-kinds", 1, 0, O_MALK },
		{ "fragment", 1, 0, O_FRAG }, { "restart-every", 1, 0, O_RSE },
		{ "restart-ms", 1, 0, O_RMS }, { "version", 0, 0, O_VER }, { "help", 0, 0, O_HELP },
		{ "api-key", 1, 0, O_AKEY }, { "api-secret", 1, 0, O_ASEC },
		{ "max-conn-life", 1, 0, O_LIFE },
		{ 0, 0, 0, 0 },
	};
	struct opts *o = &S.o;
	o->orders = 100;
	o->symbols = 4;
	o->rate = 1000;
	o->burst = 1;
	o->batch = 1;
	o->account = "sim";
	o->stamp = true;
	o->gate_market_pct = 10;
	o->ping_interval = 20;
	o->idle_cutoff = -1;
	o->malformed_kinds = 3;
	o->restart_ms = 1000;
	o->api_secret = getenv("OSE_SIM_API_SECRET");
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		char *e = NULL;
		switch (ch) {
		case O_VENUE:
			if (parse_venues(optarg, &o->venues)) {
				fprintf(stderr, "ose-sim: bad --venue '%s'\n", optarg);
				return -1;
			}
			break;
		case O_PORT: o->port = atoi(optarg); break;
		case O_PORTF: o->port_file = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_GEN: o->gen_certs = optarg; break;
		case O_SEED: o->seed = strtoull(optarg, &e, 0); break;
		case O_ORDERS: o->orders = (uint32_t)strtoul(optarg, &e, 0); break;
		case O_SYMS: o->symbols = (uint32_t)strtoul(optarg, &e, 0); break;
		case O_RATE: o->rate = strtod(optarg, &e); break;
		case O_BURST: o->burst = (uint32_t)strtoul(optarg, &e, 0); break;
		case O_BATCH: o->batch = (uint32_t)strtoul(optarg, &e, 0); break;
		case O_DUR: o->duration = strtod(optarg, &e); break;
		case O_TRUTH: o->truth = optarg; break;
		case O_REC: o->record_dir = optarg; break;
		case O_ACCT: o->account = optarg; break;
		case O_NOWAIT: o->no_wait = true; break;
		case O_NOSTAMP: o->stamp = false; break;
		case O_GMP: o->gate_market_pct = (uint32_t)strtoul(optarg, &e, 0); break;
		case O_PING: o->ping_interval = strtod(optarg, &e); break;
		case O_IDLE: o->idle_cutoff = strtod(optarg, &e); break;
		case O_DISC: o->disconnect_every = strtoull(optarg, &e, 0); break;
		case O_STALL: o->stall_after = strtoull(optarg, &e, 0); break;
		case O_DUP: o->p_dup = strtod(optarg, &e); break;
		case O_REORD: o->reorder = (uint32_t)strtoul(optarg, &e, 0); break;
		case O_MAL: o->p_malformed = strtod(optarg, &e); break;
		case O_MALK:
			o->malformed_kinds = (strstr(optarg, "json") ? 1u : 0) |
					     (strstr(optarg, "trunc") ? 2u : 0) |
					     (strstr(optarg, "utf8") ? 4u : 0);
			break;
		case O_FRAG: o->fragment = (uint32_t)strtoul(optarg, &e, 0); break;
		case O_RSE: o->restart_every = strtod(optarg, &e); break;
		case O_RMS: o->restart_ms = (uint32_t)strtoul(optarg, &e, 0); break;
		case O_AKEY: o->api_key = optarg; break;
		case O_LIFE: o->max_life = strtod(optarg, &e); break;
		case O_ASEC: o->api_secret = optarg; break;
		case O_VER:
			printf("ose-sim %s (wolfSSL %s)\n", SIM_VERSION, wolfSSL_lib_version());
			exit(0);
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
		if (e && *e) {
			fprintf(stderr, "ose-sim: bad number '%s'\n", optarg);
			return -1;
		}
	}
	if (!o->venues || !(o->cert || o->gen_certs) || (o->cert && !o->key) || o->rate <= 0 ||
	    !o->burst || o->symbols < 1 || o->symbols > SIM_MAX_SYMBOLS || o->reorder > MAX_REORDER ||
	    o->p_dup < 0 || o->p_dup > 1 || o->p_malformed < 0 || o->p_malformed > 1 ||
	    o->gate_market_pct > 100) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static void on_signal(void)
{
	struct signalfd_siginfo si;
	while (read(S.sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			if (write_truth() < 0)
				fprintf(stderr, "ose-sim: cannot write truth %s\n", S.o.truth);
		} else if (si.ssi_signo == SIGUSR2) {
			if (!S.down)
				go_down(now_ns());
		} else {
			S.stop = true;
		}
	}
}

int main(int argc, char **argv)
{
	char cert[4096], key[4096];
	S.lfd = S.tfd = S.sfd = S.ep = -1;
	if (parse_opts(argc, argv))
		return 2;
	sim_rng_seed(S.frng, S.o.seed ^ 0xfa017fa017ULL);
	for (int v = 0; v < SIM_VENUES; v++) {
		if (!(S.o.venues & (1u << v)))
			continue;
		if (sim_gen_init(&S.gen[v], v, S.o.seed, S.o.orders, S.o.symbols, S.o.gate_market_pct)) {
			fprintf(stderr, "ose-sim: out of memory\n");
			return 1;
		}
		S.running[v] = S.o.no_wait;
	}
	if (S.o.gen_certs) {
		if (gen_certs(S.o.gen_certs, cert, key, sizeof(cert))) {
			fprintf(stderr, "ose-sim: cannot generate certificates in %s (needs /usr/bin/openssl)\n",
				S.o.gen_certs);
			return 1;
		}
	} else {
		snprintf(cert, sizeof(cert), "%s", S.o.cert);
		snprintf(key, sizeof(key), "%s", S.o.key);
		snprintf(S.ca_path, sizeof(S.ca_path), "-");
	}
	if (S.o.record_dir) {
		mkdir(S.o.record_dir, 0755);
		for (int v = 0; v < SIM_VENUES; v++) {
			if (!(S.o.venues & (1u << v)))
				continue;
			char p[4200];
			snprintf(p, sizeof(p), "%s/%s.replay", S.o.record_dir, sim_venue_name(v));
			S.rec[v] = fopen(p, "w");
			if (!S.rec[v]) {
				fprintf(stderr, "ose-sim: cannot write %s\n", p);
				return 1;
			}
			fprintf(S.rec[v], "# ose-sim %s venue=%s seed=%" PRIu64 "\n", SIM_VERSION,
				sim_venue_name(v), S.o.seed);
		}
	}

	wolfSSL_Init();
	S.ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
	if (!S.ctx || wolfSSL_CTX_use_certificate_chain_file(S.ctx, cert) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_file(S.ctx, key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
		fprintf(stderr, "ose-sim: cannot load certificate %s / key %s\n", cert, key);
		return 1;
	}

	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGUSR1);
	sigaddset(&ss, SIGUSR2);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	S.ep = epoll_create1(EPOLL_CLOEXEC);
	S.sfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	S.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (S.ep < 0 || S.sfd < 0 || S.tfd < 0) {
		perror("ose-sim: setup");
		return 1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &S.sfd };
	epoll_ctl(S.ep, EPOLL_CTL_ADD, S.sfd, &ev);
	ev.data.ptr = &S.tfd;
	epoll_ctl(S.ep, EPOLL_CTL_ADD, S.tfd, &ev);

	S.lfd = listen_on(S.o.port);
	if (S.lfd < 0) {
		fprintf(stderr, "ose-sim: cannot listen on 127.0.0.1:%d: %s\n", S.o.port, strerror(-S.lfd));
		return 1;
	}
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	getsockname(S.lfd, (struct sockaddr *)&a, &al);
	S.o.port = ntohs(a.sin_port);

	/* tick period: burst / rate seconds, at least 10 us */
	double per = (double)S.o.burst / S.o.rate;
	if (per < 1e-5)
		per = 1e-5;
	struct itimerspec its = { 0 };
	its.it_interval.tv_sec = (time_t)per;
	its.it_interval.tv_nsec = (long)((per - (double)(time_t)per) * 1e9);
	its.it_value = its.it_interval;
	timerfd_settime(S.tfd, 0, &its, NULL);

	if (S.o.port_file) {
		char tmp[4200];
		snprintf(tmp, sizeof(tmp), "%s.tmp", S.o.port_file);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", S.o.port) < 0 || fclose(f) != 0 || rename(tmp, S.o.port_file) < 0) {
			fprintf(stderr, "ose-sim: cannot write %s\n", S.o.port_file);
			return 1;
		}
	}
	printf("ose-sim ready port=%d ca=%s\n", S.o.port, S.ca_path);
	fflush(stdout);

	S.t_start = now_ns();
	S.t_restart_next = S.o.restart_every > 0 ? S.t_start + (int64_t)(S.o.restart_every * 1e9) : 0;
	int64_t t_house = 0;
	while (!S.stop) {
		struct epoll_event evs[64];
		int n = epoll_wait(S.ep, evs, 64, 20);
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &S.lfd) {
				accept_all();
			} else if (p == &S.sfd) {
				on_signal();
			} else if (p == &S.tfd) {
				uint64_t x;
				if (read(S.tfd, &x, sizeof(x)) == sizeof(x))
					tick(x);
			} else {
				struct conn *c = p;
				if (c->dead)
					continue;
				if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
					conn_kill(c);
					continue;
				}
				if (evs[i].events & EPOLLOUT)
					conn_flush(c);
				if (!c->dead && (evs[i].events & EPOLLIN))
					conn_readable(c);
			}
		}
		int64_t t = now_ns();
		if (t - t_house > 100000000) {
			housekeeping(t);
			t_house = t;
		}
		for (struct conn *c = S.conns; c; c = c->next)
			if (!c->dead && c->out.len > c->out_off) {
				if (c->out.len - c->out_off > MAX_OUT) {
					S.n_slow++;
					conn_kill(c); /* a consumer this slow is cut, as venues do */
					continue;
				}
				conn_flush(c);
			} else if (!c->dead && c->close_after_flush) {
				conn_flush(c);
			}
		reap();
		if (!S.done_said) {
			bool all = true;
			for (int v = 0; v < SIM_VENUES; v++)
				if ((S.o.venues & (1u << v)) && !sim_gen_done(&S.gen[v]))
					all = false;
			if (all) {
				S.done_said = true;
				uint64_t steps = 0;
				for (int v = 0; v < SIM_VENUES; v++)
					steps += S.gen[v].steps;
				for (int v = 0; v < SIM_VENUES; v++)
					if (S.rec[v])
						fflush(S.rec[v]);
				printf("ose-sim done steps=%" PRIu64 "\n", steps);
				fflush(stdout);
			}
		}
		if (S.t_restart_next && !S.down && t >= S.t_restart_next) {
			go_down(t);
			S.t_restart_next = t + (int64_t)(S.o.restart_every * 1e9);
		}
		if (S.down && t >= S.t_relisten)
			come_up();
		if (S.o.duration > 0 && t - S.t_start > (int64_t)(S.o.duration * 1e9))
			S.stop = true;
	}
	int rc = write_truth();
	if (rc < 0)
		fprintf(stderr, "ose-sim: cannot write truth %s: %s\n", S.o.truth, strerror(-rc));
	for (struct conn *c = S.conns; c; c = c->next)
		conn_kill(c);
	reap();
	for (int v = 0; v < SIM_VENUES; v++) {
		if (S.rec[v])
			fclose(S.rec[v]);
		sim_gen_free(&S.gen[v]);
	}
	free(S.steps);
	wolfSSL_CTX_free(S.ctx);
	wolfSSL_Cleanup();
	return rc < 0 ? 1 : 0;
}
