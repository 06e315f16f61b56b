/* SPDX-License-Identifier: MIT */
/*
 * ose_feed: one venue account's private stream, from socket to ring.
 *
 *	connect -> TLS -> WebSocket upgrade -> adapter session steps
 *	(login, wait for AUTH_OK when asked, subscribe) -> GAP marker -> stream
 *	-> on error / close / idle / max life: backoff, reconnect, repeat
 *
 * One thread, one io_uring (feeds/uring.h), no allocation after start:
 * every buffer (reassembly of max_msg bytes, plaintext, TLS send buffer,
 * event staging) is allocated once in ose_feed_run / ose_feed_replay.
 * The ring is reached through a sink so that this library does not care
 * which ring implementation or test double receives the events; see
 * docs/feed.md for the whole picture.
 */
#ifndef OSE_FEEDS_FEED_H
#define OSE_FEEDS_FEED_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "adapters/adapter.h"
#include "feeds/backoff.h"
#include "feeds/feed_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Events staged per commit; a message with more events than this is
 * parsed straight after a commit with the whole array free. */
#define OSE_FEED_BATCH 64

/*
 * Where events go.  publish() copies ev[0..n) into the ring and makes
 * them visible with one commit, in order.  While the ring is full it waits
 * (never drops), adding the number of full rounds to *stalls.  Returns 0,
 * or a negative errno if the ring is unusable (the feed then stops).
 * tick(), if set, is called about every 100 ms from the loop (segment
 * heartbeat).
 *
 * reserve() and commit(), if both set, let the adapter write each event
 * straight into the ring slot the engine reads (no staging copy):
 * reserve() lends *slots[0..k) with 1 <= k <= want contiguous free slots
 * (fewer where the ring wraps; it waits like publish() while the ring is
 * full) and returns k or a negative errno; the slots stay invisible to the
 * consumer until commit(n) publishes the first n of them, in order, with
 * one commit; a new reserve() replaces an uncommitted one.  The feed still
 * uses publish() for a message with more events than the slots left
 * before the wrap.
 */
struct ose_feed_sink {
	void *ctx;
	int (*publish)(void *ctx, const struct ose_event *ev, uint32_t n, uint64_t *stalls);
	void (*tick)(void *ctx);
	int (*reserve)(void *ctx, uint32_t want, struct ose_event **slots, uint64_t *stalls);
	int (*commit)(void *ctx, uint32_t n);
};

/* Ask for the cache lines of the event at p in writable state ahead of
 * the adapter's stores into it: a ring is far larger than the caches, so
 * each lent slot's first stores would otherwise wait for their lines. */
static inline void ose_feed_prefetch_event(const struct ose_event *p)
{
	for (size_t off = 0; off < sizeof(*p); off += 64) /* x86-64 lines */
		__builtin_prefetch((const char *)p + off, 1, 3);
}

struct ose_url {
	char host[256];
	char hostport[272]; /* Host header value */
	char path[2048];
	uint16_t port;
	int tls; /* wss:// (1) or ws:// (0; tests and benchmarks only) */
};

/* Parse ws[s]://host[:port][/path[?query]].  0 or -EINVAL. */
int ose_url_parse(const char *url, struct ose_url *out);

struct ose_feed_cfg {
	const struct ose_adapter *adapter; /* required */
	const char *account;               /* copied into every event */
	uint32_t feed_id;
	const char *url;
	const char *ca_file;  /* NULL: system CAs */
	int insecure;         /* 1: no certificate/hostname check (tests only) */
	struct ose_session_cfg session; /* credentials for the adapter's builders */

	size_t max_msg;              /* largest message accepted (default 1 MiB) */
	uint32_t connect_timeout_ms; /* TCP + TLS + upgrade + auth (default 10000) */
	uint32_t idle_ms;   /* no byte for this long: dead (default: adapter idle, else 30000) */
	uint32_t probe_ms;  /* no byte for this long: send a WebSocket ping (default idle/3) */
	int64_t app_ping_ms;  /* -1: adapter's ping_interval_ms; 0: none */
	int64_t max_life_ms;  /* -1: adapter's max_conn_life_ms; 0: none */
	uint32_t close_wait_ms; /* wait for the peer's close after ours (default 1000) */
	uint32_t stable_ms;   /* up this long: backoff attempt resets (default 10000) */
	struct ose_backoff_cfg backoff; /* default 100 ms .. 30 s */
	uint64_t jitter_seed; /* 0: from the RNG */
	uint64_t seq_base;    /* first event gets seq_base + 1 (adopted rings) */

	unsigned nbufs;    /* provided buffers (default 64) */
	unsigned buf_size; /* bytes each (default 16384) */
	int busy_poll;     /* 1: never sleep in io_uring_enter */
	int so_busy_poll_us; /* SO_BUSY_POLL on the socket (0: off) */

	/* Test and operator limits: stop after this many disconnects (0: never)
	 * or after run_ms (0: never). */
	uint64_t max_disconnects;
	uint64_t run_ms;

	FILE *record; /* --record: every message appended in replay format */
	struct ose_feed_stats *stats; /* required: shm aux area or private */
	struct ose_feed_sink sink;
	volatile sig_atomic_t *stop; /* set to non-zero to stop (signals) */
};

/* Fill cfg with defaults (zeroes, -1 for the adapter-derived values). */
void ose_feed_cfg_defaults(struct ose_feed_cfg *cfg);

/* Initialise a stats block (shm aux or private) for a new run. */
void ose_feed_stats_init(struct ose_feed_stats *st, enum ose_venue venue, uint32_t feed_id);

/*
 * Run the live session loop until *stop, run_ms or max_disconnects.  DNS
 * resolution, TLS context (CA loading) and every allocation happen first;
 * errors there return a negative errno (-EINVAL bad URL, -ENOENT CA file,
 * -EHOSTUNREACH name did not resolve, or io_uring's error).  Connection
 * failures after that are not errors: they are counted and retried.
 * Returns 0 when stopped.
 */
int ose_feed_run(const struct ose_feed_cfg *cfg);

/*
 * Push every payload of a replay file (feeds/replay.h) through the same
 * adapter -> staging -> sink path, one commit per line.  Session messages
 * are counted as the live session counts them; nothing is sent.  Returns
 * 0 once every payload is committed, or a negative errno (-EIO read error,
 * the sink's error).  Undecodable lines are counted and skipped.
 */
int ose_feed_replay(const struct ose_feed_cfg *cfg, FILE *in);

#ifdef __cplusplus
}
#endif

#endif /* OSE_FEEDS_FEED_H */
