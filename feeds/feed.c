/* SPDX-License-Identifier: MIT */
/*
 * The feed's session loop; see feed.h and docs/feed.md.
 *
 * Every io_uring request carries user_data = (generation << 8) | tag.  The
 * generation is bumped on every teardown, so a completion that belongs to
 * a connection we already dropped is recognised and only its buffer (if
 * any) is given back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/random.h>

#include "feeds/feed.h"
#include "feeds/replay.h"
#include "feeds/tls.h"
#include "feeds/uring.h"
#include "feeds/ws.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define MS (UINT64_C(1000000))

enum tag {
	TAG_CONNECT = 1,
	TAG_RECV = 2,
	TAG_SEND = 3,
	TAG_IGNORE = 4, /* cancels */
};

#define PLAIN_CAP (64 * 1024)
#define TLS_OUT_CAP (64 * 1024)
#define HS_CAP (16 * 1024)
#define SCRATCH_CAP (16 * 1024)
#define MASK_POOL 64

struct feed {
	const struct ose_feed_cfg *cfg;
	const struct ose_adapter *ad;
	struct ose_feed_stats *st;
	struct ose_parse_ctx pctx;

	/* Staging: events parsed since the last commit.  ev points either
	 * at ring slots lent by the sink (reserve/commit: the adapter writes
	 * each event where the engine reads it) or at own[] (publish copies).
	 * ev_cap is how many ev has; 0 means nothing is reserved yet. */
	struct ose_event *ev;
	uint32_t nev, ev_cap;
	uint64_t seq;
	int sink_err; /* the sink failed: the ring is unusable, stop */
	struct ose_event own[OSE_FEED_BATCH];

	/* Connection. */
	struct ose_url url;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct ose_uring u;
	int fd;
	uint64_t gen;
	enum ose_feed_conn_state state;
	struct WOLFSSL_CTX *tls_ctx;
	struct ose_tls tls;
	uint8_t *tls_out; /* TLS ciphertext (or plain bytes for ws://) to send */
	size_t out_len;   /* ws:// only: bytes in tls_out */
	size_t inflight;  /* bytes of tls_out handed to an io_uring send */
	struct ose_ws_dec ws;
	uint8_t *msgbuf;
	uint8_t *plain;
	char *hs;
	size_t hs_len;
	char ws_accept[29];
	uint8_t *scratch;

	/* Session. */
	unsigned step;
	int wait_ack;
	enum ose_feed_disc pending_disc;
	unsigned attempt;
	uint64_t rng_state;
	WC_RNG rng;
	int rng_ok;
	uint32_t mask_pool[MASK_POOL];
	unsigned mask_idx;

	/* Timers (CLOCK_MONOTONIC ns). */
	uint64_t now;
	uint64_t deadline;  /* connect/handshake/auth, close wait, backoff */
	uint64_t last_rx;
	uint64_t probe_sent; /* 0: no probe outstanding */
	uint64_t next_app_ping;
	uint64_t life_end;   /* 0: none */
	uint64_t up_since;
	uint64_t last_tick;
	uint64_t disconnects;
	uint32_t idle_ms, probe_ms;
	uint64_t app_ping_ms, max_life_ms;
	int stopping;
};

static inline uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void lat_add(struct ose_feed_stats *st, enum ose_feed_lat_stage s, int64_t ns)
{
	uint64_t v = ns > 0 ? (uint64_t)ns : 0;

	OSE_FS_SET(st->lat_last_ns[s], v);
	OSE_FS_ADD(st->lat_hist[s][ose_feed_lat_bucket(v)], 1);
}

static void set_state(struct feed *f, enum ose_feed_conn_state s)
{
	f->state = s;
	OSE_FS_SET(f->st->state, (uint32_t)s);
}

/* --- public helpers ----------------------------------------------------- */

void ose_feed_cfg_defaults(struct ose_feed_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_msg = 1u << 20;
	cfg->connect_timeout_ms = 10000;
	cfg->app_ping_ms = -1;
	cfg->max_life_ms = -1;
	cfg->close_wait_ms = 1000;
	cfg->stable_ms = 10000;
	cfg->backoff.base_ms = 100;
	cfg->backoff.max_ms = 30000;
	cfg->nbufs = 64;
	cfg->buf_size = 16384;
}

void ose_feed_stats_init(struct ose_feed_stats *st, enum ose_venue venue, uint32_t feed_id)
{
	memset(st, 0, sizeof(*st));
	st->version = OSE_FEED_STATS_VERSION;
	st->size = sizeof(*st);
	st->venue = (uint32_t)venue;
	st->feed_id = feed_id;
	st->pid = (int32_t)getpid();
	/* Readers check the magic first: publish it after everything else. */
	__atomic_store_n(&st->magic, OSE_FEED_STATS_MAGIC, __ATOMIC_RELEASE);
}

int ose_url_parse(const char *url, struct ose_url *out)
{
	const char *p, *hs, *he, *path;
	size_t hl;
	unsigned long port;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, "wss://", 6) == 0) {
		out->tls = 1;
		p = url + 6;
		port = 443;
	} else if (strncmp(url, "ws://", 5) == 0) {
		p = url + 5;
		port = 80;
	} else {
		return -EINVAL;
	}
	path = p + strcspn(p, "/?");
	hs = p;
	if (*p == '[') { /* [v6]:port */
		he = memchr(p, ']', (size_t)(path - p));
		if (!he)
			return -EINVAL;
		hs = p + 1;
		p = he + 1;
	} else {
		he = p + strcspn(p, ":/?");
		p = he;
	}
	hl = (size_t)(he - hs);
	if (hl == 0 || hl >= sizeof(out->host))
		return -EINVAL;
	memcpy(out->host, hs, hl);
	if (*p == ':') {
		char *end;
		port = strtoul(p + 1, &end, 10);
		if (end != path || port == 0 || port > 65535)
			return -EINVAL;
	} else if (p != path) {
		return -EINVAL;
	}
	out->port = (uint16_t)port;
	if (*path == 0)
		snprintf(out->path, sizeof(out->path), "/");
	else if (*path == '?')
		snprintf(out->path, sizeof(out->path), "/%s", path);
	else if (strlen(path) < sizeof(out->path))
		snprintf(out->path, sizeof(out->path), "%s", path);
	else
		return -EINVAL;
	/* Host header: the authority exactly as written in the URL. */
	{
		const char *auth = url + (out->tls ? 6 : 5);
		size_t al = (size_t)(path - auth);

		if (al >= sizeof(out->hostport))
			return -EINVAL;
		memcpy(out->hostport, auth, al);
		out->hostport[al] = 0;
	}
	return 0;
}

/* --- staging and commit ----------------------------------------------- */

static int commit(struct feed *f)
{
	const struct ose_feed_cfg *cfg = f->cfg;
	uint64_t stalls = 0;
	int r;

	if (!f->nev)
		return 0;
	if (f->ev == f->own)
		r = cfg->sink.publish(cfg->sink.ctx, f->ev, f->nev, &stalls);
	else
		r = cfg->sink.commit(cfg->sink.ctx, f->nev);
	if (r < 0) {
		f->sink_err = r;
		return r;
	}
	/* Only the feed writes these slots, and not before its next
	 * reserve: reading them back after the commit is safe. */
	int64_t t = real_ns();
	for (uint32_t i = 0; i < f->nev; i++) {
		lat_add(f->st, OSE_FEED_LAT_RING, t - f->ev[i].parse_ts_ns);
		lat_add(f->st, OSE_FEED_LAT_TOTAL, t - f->ev[i].recv_ts_ns);
		if (f->ev[i].kind == OSE_EV_GAP)
			OSE_FS_ADD(f->st->gaps, 1);
	}
	OSE_FS_ADD(f->st->events, f->nev);
	if (stalls)
		OSE_FS_ADD(f->st->ring_full_stalls, stalls);
	f->nev = 0;
	f->ev_cap = 0;
	return 0;
}

/* Room for at least one more staged event: commit a full staging, then
 * take ring slots from the sink (waiting while the ring is full, as
 * publish does) or own[].  0 or the sink's negative errno. */
static int stage_room(struct feed *f)
{
	const struct ose_feed_sink *s = &f->cfg->sink;
	uint64_t stalls = 0;
	int r;

	if (f->nev < f->ev_cap)
		return 0;
	if (f->nev && (r = commit(f)) < 0)
		return r;
	if (!s->reserve || !s->commit) {
		f->ev = f->own;
		f->ev_cap = OSE_FEED_BATCH;
		return 0;
	}
	r = s->reserve(s->ctx, OSE_FEED_BATCH, &f->ev, &stalls);
	if (stalls)
		OSE_FS_ADD(f->st->ring_full_stalls, stalls);
	if (r < 0) {
		f->sink_err = r;
		return r;
	}
	f->ev_cap = (uint32_t)r;
	return 0;
}

static int push_gap(struct feed *f, const char *why)
{
	struct ose_event *e;
	int64_t t = real_ns();

	if (stage_room(f) < 0)
		return -EIO;
	e = &f->ev[f->nev++];
	memset(e, 0, sizeof(*e));
	e->kind = OSE_EV_GAP;
	e->venue = (uint8_t)f->ad->venue;
	e->feed_id = f->cfg->feed_id;
	e->seq = ++f->seq;
	e->recv_ts_ns = t;
	e->parse_ts_ns = t;
	/* ose-feed refuses accounts that do not fit (main.c); library callers
	 * must do the same, as the adapters refuse them too. */
	snprintf(e->account, sizeof(e->account), "%s", f->cfg->account ? f->cfg->account : "");
	snprintf(e->reason, sizeof(e->reason), "%s", why);
	return commit(f);
}

/* --- sending ------------------------------------------------------------ */

static uint32_t mask_key(struct feed *f)
{
	if (f->mask_idx == MASK_POOL) {
		/* Refill 64 keys from wolfCrypt's DRBG in one call: sends are
		 * rare (pings, pongs, session steps), so a strong key per frame
		 * costs nothing measurable.  Without an RNG (init failed) fall
		 * back to splitmix64, still fresh per frame. */
		if (!f->rng_ok || wc_RNG_GenerateBlock(&f->rng, (byte *)f->mask_pool,
						       sizeof(f->mask_pool)) != 0) {
			for (unsigned i = 0; i < MASK_POOL; i++)
				f->mask_pool[i] = (uint32_t)ose_backoff_rand(&f->rng_state);
		}
		f->mask_idx = 0;
	}
	return f->mask_pool[f->mask_idx++];
}

static void flush(struct feed *f)
{
	size_t len = f->url.tls ? f->tls.out_len : f->out_len;
	struct io_uring_sqe *sqe;

	if (f->inflight || !len || f->fd < 0)
		return;
	sqe = ose_uring_sqe(&f->u);
	if (!sqe)
		return; /* retried on the next loop turn */
	io_uring_prep_send(sqe, f->fd, f->tls_out, len, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, f->gen << 8 | TAG_SEND);
	f->inflight = len;
}

/* Queue raw bytes (upgrade request or frames) for the peer. 0 or -errno. */
static int send_bytes(struct feed *f, const void *p, size_t len)
{
	int r = 0;

	if (f->url.tls) {
		r = ose_tls_write(&f->tls, p, len);
	} else if (len > TLS_OUT_CAP - f->out_len) {
		r = -ENOSPC;
	} else {
		memcpy(f->tls_out + f->out_len, p, len);
		f->out_len += len;
	}
	if (r == 0)
		flush(f);
	return r;
}

static int send_frame(struct feed *f, enum ose_ws_opcode op, const void *p, size_t len)
{
	ssize_t n = ose_ws_encode(f->scratch, SCRATCH_CAP, op, p, len, mask_key(f));

	if (n < 0)
		return (int)n;
	return send_bytes(f, f->scratch, (size_t)n);
}

/* --- connection lifecycle -------------------------------------------- */

static void teardown(struct feed *f)
{
	if (f->fd >= 0) {
		struct io_uring_sqe *sqe = ose_uring_sqe(&f->u);

		/* A pending multishot recv or connect holds its own reference
		 * to the file, so close() alone would not end it: cancel every
		 * request on the fd, then close. */
		if (sqe) {
			io_uring_prep_cancel_fd(sqe, f->fd, IORING_ASYNC_CANCEL_ALL);
			io_uring_sqe_set_data64(sqe, TAG_IGNORE);
			io_uring_submit(&f->u.ring);
		}
		shutdown(f->fd, SHUT_RDWR);
		close(f->fd);
		f->fd = -1;
	}
	if (f->url.tls)
		ose_tls_close(&f->tls);
	f->gen++;
	f->inflight = 0;
	f->out_len = 0;
	f->hs_len = 0;
	f->wait_ack = 0;
	f->probe_sent = 0;
	ose_ws_dec_reset(&f->ws);
	OSE_FS_SET(f->st->connected, 0);
}

static void disconnect(struct feed *f, enum ose_feed_disc why)
{
	const struct ose_feed_cfg *cfg = f->cfg;
	uint32_t delay;

	teardown(f);
	OSE_FS_ADD(f->st->disconnects[why], 1);
	f->disconnects++;
	if (f->up_since && f->now - f->up_since >= (uint64_t)cfg->stable_ms * MS)
		f->attempt = 0;
	f->up_since = 0;
	delay = ose_backoff_delay_ms(&cfg->backoff, f->attempt, &f->rng_state);
	if (f->attempt < 64)
		f->attempt++;
	f->deadline = f->now + (uint64_t)delay * MS;
	set_state(f, OSE_FEED_ST_BACKOFF);
	if (cfg->max_disconnects && f->disconnects >= cfg->max_disconnects)
		f->stopping = 1;
}

/* Start the closing handshake with code, then wait for the peer's close
 * (or EOF, or close_wait_ms) before tearing down. */
static void start_close(struct feed *f, uint16_t code, const char *reason, enum ose_feed_disc why)
{
	uint8_t fr[OSE_WS_CTRL_MAX + OSE_WS_MAX_HDR];
	ssize_t n = ose_ws_encode_close(fr, sizeof(fr), code, reason, mask_key(f));

	if (n > 0 && send_bytes(f, fr, (size_t)n) == 0)
		OSE_FS_ADD(f->st->closes_sent, 1);
	f->pending_disc = why;
	f->deadline = f->now + (uint64_t)f->cfg->close_wait_ms * MS;
	set_state(f, OSE_FEED_ST_CLOSING);
}

static int start_connect(struct feed *f)
{
	const struct ose_feed_cfg *cfg = f->cfg;
	struct io_uring_sqe *sqe;
	int one = 1;

	f->fd = socket(f->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0)
		return -errno;
	setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (cfg->so_busy_poll_us > 0)
		setsockopt(f->fd, SOL_SOCKET, SO_BUSY_POLL, &cfg->so_busy_poll_us,
			   sizeof(cfg->so_busy_poll_us));
	sqe = ose_uring_sqe(&f->u);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_connect(sqe, f->fd, (struct sockaddr *)&f->addr, f->addrlen);
	io_uring_sqe_set_data64(sqe, f->gen << 8 | TAG_CONNECT);
	OSE_FS_ADD(f->st->connects, 1);
	f->deadline = f->now + (uint64_t)cfg->connect_timeout_ms * MS;
	set_state(f, OSE_FEED_ST_CONNECTING);
	return 0;
}

static void send_upgrade(struct feed *f)
{
	uint8_t nonce[16];
	char key[25];
	ssize_t n;

	if (!f->rng_ok || wc_RNG_GenerateBlock(&f->rng, nonce, sizeof(nonce)) != 0) {
		uint64_t a = ose_backoff_rand(&f->rng_state), b = ose_backoff_rand(&f->rng_state);
		memcpy(nonce, &a, 8);
		memcpy(nonce + 8, &b, 8);
	}
	if (ose_ws_make_key(nonce, key) < 0 || ose_ws_accept_for(key, f->ws_accept) < 0) {
		disconnect(f, OSE_FEED_DISC_HANDSHAKE);
		return;
	}
	n = ose_ws_handshake_request((char *)f->scratch, SCRATCH_CAP, f->url.hostport,
				     f->url.path, key);
	set_state(f, OSE_FEED_ST_UPGRADE);
	if (n < 0 || send_bytes(f, f->scratch, (size_t)n) < 0)
		disconnect(f, OSE_FEED_DISC_IO);
}

/* Send session steps until one needs an ack or none are left. */
static void run_session(struct feed *f)
{
	const struct ose_adapter *ad = f->ad;

	while (!f->wait_ack) {
		int binary = 0, wait_ack = 0;
		int n = ad->session ? ad->session(&f->cfg->session, f->step, (char *)f->plain,
						  PLAIN_CAP, &binary, &wait_ack) : 0;
		if (n < 0) {
			start_close(f, OSE_WS_CLOSE_NORMAL, "session", OSE_FEED_DISC_SESSION);
			return;
		}
		if (n == 0)
			break;
		if (send_frame(f, binary ? OSE_WS_OP_BINARY : OSE_WS_OP_TEXT, f->plain,
			       (size_t)n) < 0) {
			disconnect(f, OSE_FEED_DISC_IO);
			return;
		}
		f->step++;
		f->wait_ack = wait_ack;
	}
	if (f->wait_ack)
		return;
	/* Subscribed: anything may have happened while we were away (or
	 * before we started), so tell the engine to reconcile. */
	set_state(f, OSE_FEED_ST_STREAMING);
	f->up_since = f->now;
	OSE_FS_SET(f->st->connected_since_ns, (uint64_t)real_ns());
	push_gap(f, f->st->sessions > 1 ? "reconnect" : "connect");
}

static void session_open(struct feed *f)
{
	OSE_FS_ADD(f->st->sessions, 1);
	if (f->st->sessions > 1)
		OSE_FS_ADD(f->st->reconnects, 1);
	OSE_FS_SET(f->st->connected, 1);
	f->step = 0;
	f->wait_ack = 0;
	f->next_app_ping = f->app_ping_ms ? f->now + f->app_ping_ms * MS : 0;
	/* Reconnect a little before the venue's limit (95%) so that we pick
	 * the moment, not the venue. */
	f->life_end = f->max_life_ms ? f->now + f->max_life_ms * MS / 20 * 19 : 0;
	f->deadline = f->now + (uint64_t)f->cfg->connect_timeout_ms * MS; /* for AUTH_OK */
	set_state(f, OSE_FEED_ST_SESSION);
	run_session(f);
}

/* --- receiving -------------------------------------------------------- */

static void on_message(struct feed *f, const uint8_t *p, size_t len, int binary, int64_t recv_ts)
{
	const struct ose_feed_cfg *cfg = f->cfg;
	struct ose_parse_out out;
	enum ose_parse_res r;

	OSE_FS_ADD(f->st->messages, 1);
	OSE_FS_SET(f->st->last_msg_ns, (uint64_t)recv_ts);
	if (cfg->record) {
		/* Recording is a capture tool: buffered stdio, off by default. */
		(void)ose_replay_write(cfg->record, p, len, binary, (char *)f->scratch,
				       SCRATCH_CAP);
	}
	/* A full staging would make the adapter parse the whole message
	 * only to say OSE_PERR_TOO_MANY: make room first. */
	if (stage_room(f) < 0)
		return;
	for (int again = 0; again < 3; again++) {
		memset(&out, 0, sizeof(out));
		out.ev = f->ev + f->nev;
		out.cap = f->ev_cap - f->nev;
		out.why = "";
		r = f->ad->parse((const char *)p, len, binary, &f->pctx, &out);
		if (r != OSE_PARSE_ERROR || out.err != OSE_PERR_TOO_MANY)
			break;
		if (f->nev) {
			/* Make room: commit what is staged and parse again. */
			if (commit(f) < 0 || stage_room(f) < 0)
				return;
		} else if (f->ev != f->own) {
			/* More events than the ring slots left before it
			 * wraps: stage this one in own[], publish copies it. */
			f->ev = f->own;
			f->ev_cap = OSE_FEED_BATCH;
		} else {
			break;
		}
	}
	int64_t t = real_ns();
	switch (r) {
	case OSE_PARSE_EVENTS:
		for (uint32_t i = 0; i < out.n && f->nev < f->ev_cap; i++) {
			struct ose_event *e = &f->ev[f->nev++];
			e->feed_id = cfg->feed_id;
			e->seq = ++f->seq;
			e->recv_ts_ns = recv_ts;
			e->parse_ts_ns = t;
		}
		lat_add(f->st, OSE_FEED_LAT_PARSE, t - recv_ts);
		/* The next message's event goes into the next lent slot. */
		if (f->nev < f->ev_cap && f->ev != f->own)
			ose_feed_prefetch_event(f->ev + f->nev);
		return;
	case OSE_PARSE_SESSION:
		if ((unsigned)out.session < OSE_FEED_NSESS)
			OSE_FS_ADD(f->st->session[out.session], 1);
		break;
	default:
		/* The decoder left UTF-8 to a parser that validates every byte
		 * (ose_ws_dec_skip_utf8): a text message it refused may have
		 * been refused for something it met before a bad sequence, so
		 * check here, on the error path only.  Invalid UTF-8 fails the
		 * connection as the decoder would have (RFC 6455 §8.1). */
		if (!binary && f->ws.skip_utf8 &&
		    (out.err == OSE_PERR_UTF8 || !ose_ws_utf8_valid(p, len))) {
			OSE_FS_ADD(f->st->ws_errors[OSE_WS_ERR_UTF8], 1);
			if (f->state == OSE_FEED_ST_REPLAY)
				return;
			OSE_FS_SET(f->st->last_close_code, OSE_WS_CLOSE_INVALID_DATA);
			start_close(f, OSE_WS_CLOSE_INVALID_DATA, ose_ws_err_name(OSE_WS_ERR_UTF8),
				    OSE_FEED_DISC_PROTOCOL);
			return;
		}
		OSE_FS_ADD(f->st->parse_errors_total, 1);
		OSE_FS_ADD(f->st->parse_errors[(unsigned)out.err < OSE_FEED_NPERR ? out.err : 0], 1);
		return;
	}
	if (f->state == OSE_FEED_ST_REPLAY)
		return; /* counted; nothing to answer */
	switch (out.session) {
	case OSE_SESS_AUTH_OK:
		if (f->state == OSE_FEED_ST_SESSION && f->wait_ack) {
			f->wait_ack = 0;
			run_session(f);
		}
		break;
	case OSE_SESS_PING:
		if (f->ad->ping) {
			int n = f->ad->ping(1, (char *)f->plain, PLAIN_CAP);
			if (n > 0)
				send_frame(f, OSE_WS_OP_TEXT, f->plain, (size_t)n);
		}
		break;
	case OSE_SESS_AUTH_FAIL:
	case OSE_SESS_SHUTDOWN:
	case OSE_SESS_EXPIRED:
		if (f->state == OSE_FEED_ST_SESSION || f->state == OSE_FEED_ST_STREAMING)
			start_close(f, OSE_WS_CLOSE_NORMAL, out.session == OSE_SESS_AUTH_FAIL ? "auth failed" : "session ended",
				    OSE_FEED_DISC_SESSION);
		break;
	default:
		break;
	}
}

/* Plaintext from the peer, in order. */
static void on_plain(struct feed *f, const uint8_t *p, size_t len, int64_t recv_ts)
{
	uint64_t gen = f->gen;

	OSE_FS_ADD(f->st->plain_in, len);
	if (f->state == OSE_FEED_ST_UPGRADE) {
		enum ose_ws_hs_err e;
		int status;
		size_t take = len < HS_CAP - f->hs_len ? len : HS_CAP - f->hs_len;
		ssize_t n;

		memcpy(f->hs + f->hs_len, p, take);
		f->hs_len += take;
		n = ose_ws_handshake_response(f->hs, f->hs_len, f->ws_accept, &e, &status);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			OSE_FS_ADD(f->st->hs_errors[e], 1);
			if (e == OSE_WS_HS_STATUS)
				OSE_FS_SET(f->st->last_http_status, status);
			disconnect(f, OSE_FEED_DISC_HANDSHAKE);
			return;
		}
		/* Frames may follow the head in the same read. */
		size_t rest_off = (size_t)n - (f->hs_len - take);
		session_open(f);
		if (gen != f->gen)
			return;
		p += rest_off;
		len -= rest_off;
	}
	if (f->state == OSE_FEED_ST_BACKOFF)
		return;
	if (f->state == OSE_FEED_ST_CLOSING) {
		/* After our close, data is discarded; the peer's close frame
		 * completes the handshake without waiting for its TCP close.
		 * A decoder that failed the connection is not trusted again. */
		while (len && f->ws.err == OSE_WS_ERR_NONE) {
			struct ose_ws_ev ev;
			ssize_t n = ose_ws_decode(&f->ws, p, len, &ev);

			if (n < 0)
				break;
			p += n;
			len -= (size_t)n;
			if (ev.kind == OSE_WS_EV_CLOSE) {
				disconnect(f, f->pending_disc);
				return;
			}
		}
		return;
	}

	while (len) {
		struct ose_ws_ev ev;
		ssize_t n = ose_ws_decode(&f->ws, p, len, &ev);

		if (unlikely(n < 0)) {
			OSE_FS_SET(f->st->frames, f->ws.frames);
			OSE_FS_ADD(f->st->ws_errors[f->ws.err], 1);
			OSE_FS_SET(f->st->last_close_code, f->ws.close_code);
			start_close(f, f->ws.close_code, ose_ws_err_name(f->ws.err),
				    OSE_FEED_DISC_PROTOCOL);
			return;
		}
		p += n;
		len -= (size_t)n;
		switch (ev.kind) {
		case OSE_WS_EV_NONE:
			break;
		case OSE_WS_EV_TEXT:
		case OSE_WS_EV_BINARY:
			on_message(f, ev.payload, ev.len, ev.kind == OSE_WS_EV_BINARY, recv_ts);
			break;
		case OSE_WS_EV_PING:
			OSE_FS_ADD(f->st->pings_recv, 1);
			send_frame(f, OSE_WS_OP_PONG, ev.payload, ev.len);
			break;
		case OSE_WS_EV_PONG:
			OSE_FS_ADD(f->st->pongs_recv, 1);
			break;
		case OSE_WS_EV_CLOSE:
			OSE_FS_ADD(f->st->closes_recv, 1);
			OSE_FS_SET(f->st->last_close_code, ev.close_code);
			/* Echo the code (RFC 6455 §5.5.1); 1005 is not sendable. */
			start_close(f, ev.close_code == OSE_WS_CLOSE_NO_STATUS ?
				    OSE_WS_CLOSE_NORMAL : ev.close_code, NULL,
				    OSE_FEED_DISC_PEER_CLOSE);
			OSE_FS_SET(f->st->frames, f->ws.frames);
			return;
		}
		if (gen != f->gen || f->state == OSE_FEED_ST_CLOSING)
			break;
	}
	OSE_FS_SET(f->st->frames, f->ws.frames);
}

static void on_recv(struct feed *f, const uint8_t *buf, size_t n)
{
	int64_t recv_ts = real_ns();
	uint64_t gen = f->gen;

	OSE_FS_ADD(f->st->bytes_in, n);
	OSE_FS_ADD(f->st->recv_completions, 1);
	f->last_rx = f->now;
	f->probe_sent = 0;
	if (!f->url.tls) {
		on_plain(f, buf, n, recv_ts);
		return;
	}
	ose_tls_input(&f->tls, buf, n);
	if (f->state == OSE_FEED_ST_TLS) {
		int r = ose_tls_handshake(&f->tls);
		flush(f);
		if (r < 0) {
			OSE_FS_SET(f->st->last_tls_err, f->tls.err);
			disconnect(f, OSE_FEED_DISC_TLS);
			return;
		}
		if (r == 0)
			return;
		send_upgrade(f);
		if (gen != f->gen)
			return;
	}
	for (;;) {
		ssize_t r = ose_tls_read(&f->tls, f->plain, PLAIN_CAP);

		if (r == 0)
			break;
		if (r < 0) {
			if (r == -EPIPE) {
				/* close_notify: the peer is done. */
				disconnect(f, f->state == OSE_FEED_ST_CLOSING ? f->pending_disc :
					   OSE_FEED_DISC_EOF);
			} else {
				OSE_FS_SET(f->st->last_tls_err, f->tls.err);
				disconnect(f, f->state == OSE_FEED_ST_CLOSING ? f->pending_disc :
					   OSE_FEED_DISC_TLS);
			}
			return;
		}
		lat_add(f->st, OSE_FEED_LAT_DECRYPT, real_ns() - recv_ts);
		on_plain(f, f->plain, (size_t)r, recv_ts);
		if (gen != f->gen)
			return;
	}
	/* wolfSSL may have queued output (key updates, alerts). */
	flush(f);
}

static void on_connected(struct feed *f)
{
	int r;

	if (ose_uring_prep_recv(&f->u, f->fd, f->gen << 8 | TAG_RECV) < 0) {
		disconnect(f, OSE_FEED_DISC_IO);
		return;
	}
	f->last_rx = f->now;
	if (!f->url.tls) {
		send_upgrade(f);
		return;
	}
	r = ose_tls_open(&f->tls, f->tls_ctx, f->url.host, !f->cfg->insecure, f->tls_out,
			 TLS_OUT_CAP);
	if (r < 0) {
		disconnect(f, OSE_FEED_DISC_TLS);
		return;
	}
	set_state(f, OSE_FEED_ST_TLS);
	r = ose_tls_handshake(&f->tls); /* writes the ClientHello */
	flush(f);
	if (r < 0) {
		OSE_FS_SET(f->st->last_tls_err, f->tls.err);
		disconnect(f, OSE_FEED_DISC_TLS);
	}
}

static void on_cqe(struct feed *f, struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	unsigned tag = ud & 0xff;
	uint64_t gen = ud >> 8;
	int has_buf = (cqe->flags & IORING_CQE_F_BUFFER) != 0;
	unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;

	if (tag == TAG_IGNORE || gen != f->gen) {
		if (has_buf)
			ose_uring_buf_return(&f->u, bid);
		return;
	}
	switch (tag) {
	case TAG_CONNECT:
		if (cqe->res < 0)
			disconnect(f, OSE_FEED_DISC_CONNECT);
		else
			on_connected(f);
		break;
	case TAG_SEND:
		if (cqe->res < 0) {
			disconnect(f, f->state == OSE_FEED_ST_CLOSING ? f->pending_disc :
				   OSE_FEED_DISC_IO);
			break;
		}
		OSE_FS_ADD(f->st->bytes_out, (uint64_t)cqe->res);
		if (f->url.tls) {
			ose_tls_sent(&f->tls, (size_t)cqe->res);
		} else {
			memmove(f->tls_out, f->tls_out + cqe->res, f->out_len - (size_t)cqe->res);
			f->out_len -= (size_t)cqe->res;
		}
		f->inflight = 0;
		flush(f);
		break;
	case TAG_RECV:
		if (cqe->res > 0 && has_buf) {
			on_recv(f, ose_uring_buf(&f->u, bid), (size_t)cqe->res);
			ose_uring_buf_return(&f->u, bid);
			if (gen == f->gen && !(cqe->flags & IORING_CQE_F_MORE) &&
			    ose_uring_prep_recv(&f->u, f->fd, f->gen << 8 | TAG_RECV) < 0)
				disconnect(f, OSE_FEED_DISC_IO);
			break;
		}
		if (has_buf)
			ose_uring_buf_return(&f->u, bid);
		if (cqe->res == -ENOBUFS) {
			/* Every buffer was in use: we are behind; re-arm. */
			OSE_FS_ADD(f->st->buf_ring_empty, 1);
			if (!(cqe->flags & IORING_CQE_F_MORE) &&
			    ose_uring_prep_recv(&f->u, f->fd, f->gen << 8 | TAG_RECV) < 0)
				disconnect(f, OSE_FEED_DISC_IO);
			break;
		}
		if (f->state == OSE_FEED_ST_CLOSING)
			disconnect(f, f->pending_disc);
		else
			disconnect(f, cqe->res == 0 ? OSE_FEED_DISC_EOF : OSE_FEED_DISC_IO);
		break;
	default:
		break;
	}
}

/* Timers: handshake/close deadlines, liveness probe, idle cut, app-level
 * ping, maximum connection life, backoff expiry. */
static void on_timers(struct feed *f)
{
	uint64_t now = f->now;

	switch (f->state) {
	case OSE_FEED_ST_BACKOFF:
		if (now >= f->deadline && !f->stopping && start_connect(f) < 0)
			disconnect(f, OSE_FEED_DISC_CONNECT);
		return;
	case OSE_FEED_ST_CONNECTING:
	case OSE_FEED_ST_TLS:
	case OSE_FEED_ST_UPGRADE:
		if (now >= f->deadline)
			disconnect(f, f->state == OSE_FEED_ST_CONNECTING ? OSE_FEED_DISC_CONNECT :
				   f->state == OSE_FEED_ST_TLS ? OSE_FEED_DISC_TLS :
								  OSE_FEED_DISC_HANDSHAKE);
		return;
	case OSE_FEED_ST_CLOSING:
		if (now >= f->deadline)
			disconnect(f, f->pending_disc);
		return;
	case OSE_FEED_ST_SESSION:
		if (f->wait_ack && now >= f->deadline) {
			start_close(f, OSE_WS_CLOSE_NORMAL, "auth timeout", OSE_FEED_DISC_SESSION);
			return;
		}
		break;
	case OSE_FEED_ST_STREAMING:
		break;
	default:
		return;
	}
	/* Open connection. */
	if (now - f->last_rx >= (uint64_t)f->idle_ms * MS) {
		/* Half-open: nothing at all, not even our probe's pong. */
		disconnect(f, OSE_FEED_DISC_IDLE);
		return;
	}
	if (!f->probe_sent && now - f->last_rx >= (uint64_t)f->probe_ms * MS) {
		uint64_t stamp = now;
		f->probe_sent = now;
		if (send_frame(f, OSE_WS_OP_PING, &stamp, sizeof(stamp)) == 0)
			OSE_FS_ADD(f->st->pings_sent, 1);
	}
	if (f->next_app_ping && now >= f->next_app_ping && f->ad->ping) {
		int n = f->ad->ping(0, (char *)f->plain, PLAIN_CAP);
		if (n > 0 && send_frame(f, OSE_WS_OP_TEXT, f->plain, (size_t)n) == 0)
			OSE_FS_ADD(f->st->app_pings_sent, 1);
		f->next_app_ping = now + f->app_ping_ms * MS;
	}
	if (f->life_end && now >= f->life_end)
		start_close(f, OSE_WS_CLOSE_GOING_AWAY, "max life", OSE_FEED_DISC_LIFE);
}

static uint64_t next_deadline(const struct feed *f)
{
	uint64_t d = f->now + 50 * MS; /* check stop flags at least this often */

	switch (f->state) {
	case OSE_FEED_ST_STREAMING:
	case OSE_FEED_ST_SESSION: {
		uint64_t t = f->last_rx + (uint64_t)(f->probe_sent ? f->idle_ms : f->probe_ms) * MS;
		if (t < d)
			d = t;
		if (f->next_app_ping && f->next_app_ping < d)
			d = f->next_app_ping;
		if (f->life_end && f->life_end < d)
			d = f->life_end;
		if (f->state == OSE_FEED_ST_SESSION && f->wait_ack && f->deadline < d)
			d = f->deadline;
		break;
	}
	default:
		if (f->deadline < d)
			d = f->deadline;
		break;
	}
	return d;
}

/* --- setup ------------------------------------------------------------ */

static int feed_alloc(struct feed *f, const struct ose_feed_cfg *cfg)
{
	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	f->ad = cfg->adapter;
	f->st = cfg->stats;
	f->fd = -1;
	f->pctx.account = cfg->account ? cfg->account : "";
	f->pctx.venue = f->ad->venue;
	f->msgbuf = malloc(cfg->max_msg ? cfg->max_msg : 1);
	f->plain = malloc(PLAIN_CAP);
	f->tls_out = malloc(TLS_OUT_CAP);
	f->hs = malloc(HS_CAP);
	f->scratch = malloc(SCRATCH_CAP);
	if (!f->msgbuf || !f->plain || !f->tls_out || !f->hs || !f->scratch)
		return -ENOMEM;
	ose_ws_dec_init(&f->ws, f->msgbuf, cfg->max_msg);
	/* The venue's parser validates UTF-8 anyway: one pass, not two. */
	ose_ws_dec_skip_utf8(&f->ws, f->ad->validates_utf8);
	f->rng_ok = wc_InitRng(&f->rng) == 0;
	f->rng_state = cfg->jitter_seed;
	if (!f->rng_state && (!f->rng_ok || wc_RNG_GenerateBlock(&f->rng, (byte *)&f->rng_state,
								  sizeof(f->rng_state)) != 0))
		f->rng_state = mono_ns() ^ (uint64_t)getpid() << 32;
	f->mask_idx = MASK_POOL;
	f->seq = cfg->seq_base;
	return 0;
}

static void feed_free(struct feed *f)
{
	if (f->rng_ok)
		wc_FreeRng(&f->rng);
	free(f->msgbuf);
	free(f->plain);
	free(f->tls_out);
	free(f->hs);
	free(f->scratch);
}

static int resolve(struct feed *f)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", f->url.port);
	r = getaddrinfo(f->url.host, port, &hints, &res);
	if (r != 0 || !res)
		return -EHOSTUNREACH;
	/* The first address is used for every (re)connect: DNS is blocking
	 * and stays out of the hot loop (docs/feed.md). */
	memcpy(&f->addr, res->ai_addr, res->ai_addrlen);
	f->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int ose_feed_run(const struct ose_feed_cfg *cfg)
{
	struct feed *f;
	int r;

	if (!cfg->adapter || !cfg->stats || !cfg->sink.publish || !cfg->url)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = feed_alloc(f, cfg);
	if (r < 0)
		goto out;
	r = ose_url_parse(cfg->url, &f->url);
	if (r < 0)
		goto out;
	r = resolve(f);
	if (r < 0)
		goto out;
	if (f->url.tls) {
		f->tls_ctx = ose_tls_ctx_new(cfg->ca_file, !cfg->insecure, &r);
		if (!f->tls_ctx)
			goto out;
	}
	r = ose_uring_init(&f->u, 64, cfg->nbufs ? cfg->nbufs : 64,
			   cfg->buf_size ? cfg->buf_size : 16384);
	if (r < 0)
		goto out;

	f->idle_ms = cfg->idle_ms ? cfg->idle_ms :
		     f->ad->idle_timeout_ms ? f->ad->idle_timeout_ms : 30000;
	f->probe_ms = cfg->probe_ms ? cfg->probe_ms : f->idle_ms / 3 ? f->idle_ms / 3 : 1;
	f->app_ping_ms = cfg->app_ping_ms >= 0 ? (uint64_t)cfg->app_ping_ms :
						  f->ad->ping_interval_ms;
	f->max_life_ms = cfg->max_life_ms >= 0 ? (uint64_t)cfg->max_life_ms :
						  f->ad->max_conn_life_ms;

	f->now = mono_ns();
	uint64_t run_end = cfg->run_ms ? f->now + cfg->run_ms * MS : 0;
	f->deadline = f->now; /* connect right away */
	set_state(f, OSE_FEED_ST_BACKOFF);

	while (!(cfg->stop && *cfg->stop) && !(run_end && f->now >= run_end)) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;

		if (f->stopping && f->state == OSE_FEED_ST_BACKOFF)
			break;
		if (cfg->busy_poll) {
			io_uring_submit_and_get_events(&f->u.ring);
		} else {
			uint64_t d = next_deadline(f);
			uint64_t wait = d > f->now ? d - f->now : 0;
			struct __kernel_timespec ts = {
				.tv_sec = (long long)(wait / 1000000000u),
				.tv_nsec = (long long)(wait % 1000000000u),
			};
			io_uring_submit_and_wait_timeout(&f->u.ring, &cqe, 1, &ts, NULL);
		}
		f->now = mono_ns();
		io_uring_for_each_cqe(&f->u.ring, head, cqe) {
			on_cqe(f, cqe);
			seen++;
		}
		/* Hand the CQ slots back only after the CQEs are processed. */
		io_uring_cq_advance(&f->u.ring, seen);
		/* One commit per batch of recv completions. */
		if (f->sink_err || (f->nev && commit(f) < 0))
			break;
		on_timers(f);
		if (f->sink_err || (f->nev && commit(f) < 0))
			break;
		if (cfg->sink.tick && f->now - f->last_tick >= 100 * MS) {
			f->last_tick = f->now;
			cfg->sink.tick(cfg->sink.ctx);
		}
	}
	/* Polite exit: close 1001 and give the send a moment. */
	if (f->fd >= 0 && (f->state == OSE_FEED_ST_STREAMING || f->state == OSE_FEED_ST_SESSION)) {
		start_close(f, OSE_WS_CLOSE_GOING_AWAY, "shutdown", OSE_FEED_DISC_SESSION);
		uint64_t end = mono_ns() + 200 * MS;
		while (f->inflight && mono_ns() < end) {
			struct io_uring_cqe *cqe;
			struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 20 * 1000000 };
			if (io_uring_submit_and_wait_timeout(&f->u.ring, &cqe, 1, &ts, NULL) == 0) {
				f->now = mono_ns();
				on_cqe(f, cqe);
				io_uring_cqe_seen(&f->u.ring, cqe);
			}
		}
	}
	teardown(f);
	set_state(f, OSE_FEED_ST_DOWN);
	r = 0;
	if (cfg->record)
		fflush(cfg->record);
	ose_uring_exit(&f->u);
out:
	if (f->url.tls)
		ose_tls_close(&f->tls);
	ose_tls_ctx_free(f->tls_ctx);
	feed_free(f);
	free(f);
	return r;
}

int ose_feed_replay(const struct ose_feed_cfg *cfg, FILE *in)
{
	struct feed *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r;

	if (!cfg->adapter || !cfg->stats || !cfg->sink.publish)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = feed_alloc(f, cfg);
	if (r < 0)
		goto out;
	set_state(f, OSE_FEED_ST_REPLAY);
	/* getline grows its buffer to the longest line once; that is setup
	 * cost, not per message. */
	while ((n = getline(&line, &cap, in)) >= 0) {
		const uint8_t *p;
		size_t plen;
		int64_t t = real_ns();

		if (cfg->stop && *cfg->stop)
			break;
		if (n && line[n - 1] == '\n')
			n--;
		int k = ose_replay_parse_line(line, (size_t)n, f->msgbuf, cfg->max_msg, &p, &plen);
		if (k < 0) {
			OSE_FS_ADD(f->st->replay_bad_lines, 1);
			continue;
		}
		if (k == OSE_REPLAY_SKIP)
			continue;
		if (k == OSE_REPLAY_TEXT && !ose_ws_utf8_valid(p, plen)) {
			/* A live text message with this payload would have been
			 * failed by the WebSocket layer; count it the same way. */
			OSE_FS_ADD(f->st->ws_errors[OSE_WS_ERR_UTF8], 1);
			continue;
		}
		OSE_FS_ADD(f->st->replay_lines, 1);
		on_message(f, p, plen, k == OSE_REPLAY_BINARY, t);
		r = commit(f);
		if (r < 0)
			break;
		if (f->sink_err) {
			r = f->sink_err;
			break;
		}
	}
	if (r == 0 && ferror(in))
		r = -EIO;
	if (r == 0)
		r = commit(f);
	if (cfg->record)
		fflush(cfg->record);
	set_state(f, OSE_FEED_ST_DOWN);
out:
	free(line);
	feed_free(f);
	free(f);
	return r;
}
