/* SPDX-License-Identifier: MIT */
/*
 * ose_feed_stats: a feed's connection state and counters, published in
 * the aux area of its ring segment (shm/seg.h) so that ose-dump and tests
 * read them without talking to the feed.  This is a shared-memory layout:
 * fixed widths, no pointers, fixed array sizes (static asserts below),
 * version bumped on any change.
 *
 * Concurrency: the feed thread is the only writer.  Every field is a
 * naturally aligned 32/64-bit integer written with a relaxed atomic store
 * (OSE_FS_SET/OSE_FS_ADD); a reader loads each field with a relaxed
 * atomic load and gets a value that was current at some instant, but two
 * fields are not a consistent snapshot of each other.  That is enough for
 * counters; nothing here is used for synchronisation.
 *
 * Latency histograms: bucket i counts samples in [2^i, 2^(i+1)) ns
 * (bucket 0 also holds 0 ns), i < OSE_FEED_LAT_BUCKETS; the last bucket
 * holds everything above.  Stages (all from the same CLOCK_REALTIME):
 *   DECRYPT  recv completion reaped -> plaintext out of wolfSSL
 *   PARSE    plaintext available    -> adapter returned (per message)
 *   RING     adapter returned       -> batch committed to the ring (per event)
 *   TOTAL    recv completion reaped -> committed to the ring (per event)
 */
#ifndef OSE_FEEDS_FEED_STATS_H
#define OSE_FEEDS_FEED_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "feeds/ws.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OSE_FEED_STATS_MAGIC UINT64_C(0x3154535344454546) /* "FEEDSTS1" */
#define OSE_FEED_STATS_VERSION 1u

#define OSE_FEED_NPERR 16 /* >= OSE_PERR_COUNT */
#define OSE_FEED_NSESS 16 /* >= OSE_SESS_COUNT */
#define OSE_FEED_NWSERR 16 /* >= OSE_WS_ERR_COUNT */
#define OSE_FEED_NHSERR 8 /* >= OSE_WS_HS_COUNT */
#define OSE_FEED_LAT_BUCKETS 32

enum ose_feed_conn_state {
	OSE_FEED_ST_DOWN = 0,    /* not started / stopped */
	OSE_FEED_ST_CONNECTING,  /* TCP connect in flight */
	OSE_FEED_ST_TLS,         /* TLS handshake */
	OSE_FEED_ST_UPGRADE,     /* WebSocket opening handshake */
	OSE_FEED_ST_SESSION,     /* adapter login/subscribe steps */
	OSE_FEED_ST_STREAMING,   /* subscribed, events flowing */
	OSE_FEED_ST_CLOSING,     /* close sent, waiting for the peer's */
	OSE_FEED_ST_BACKOFF,     /* waiting before the next attempt */
	OSE_FEED_ST_REPLAY,      /* --replay: reading a file */
	OSE_FEED_ST_COUNT
};

enum ose_feed_lat_stage {
	OSE_FEED_LAT_DECRYPT = 0,
	OSE_FEED_LAT_PARSE,
	OSE_FEED_LAT_RING,
	OSE_FEED_LAT_TOTAL,
	OSE_FEED_LAT_COUNT
};

/* Why a connection ended (count per reason in disconnects[]). */
enum ose_feed_disc {
	OSE_FEED_DISC_CONNECT = 0, /* TCP connect failed or timed out */
	OSE_FEED_DISC_TLS,         /* TLS handshake/record failure (incl. cert) */
	OSE_FEED_DISC_HANDSHAKE,   /* WebSocket upgrade refused or invalid */
	OSE_FEED_DISC_PROTOCOL,    /* we failed the connection (ws_errors says why) */
	OSE_FEED_DISC_PEER_CLOSE,  /* the server sent a close frame */
	OSE_FEED_DISC_EOF,         /* TCP EOF / reset without a close frame */
	OSE_FEED_DISC_IDLE,        /* half-open: no data, no pong within the timeout */
	OSE_FEED_DISC_LIFE,        /* the venue's maximum connection life */
	OSE_FEED_DISC_SESSION,     /* venue shutdown notice / expiry / auth failure */
	OSE_FEED_DISC_IO,          /* send/recv error */
	OSE_FEED_DISC_COUNT
};
#define OSE_FEED_NDISC 16

struct ose_feed_stats {
	/* Line 0: identity and state. */
	uint64_t magic;     /* OSE_FEED_STATS_MAGIC, stored last at init (release) */
	uint32_t version;   /* OSE_FEED_STATS_VERSION */
	uint32_t size;      /* sizeof(struct ose_feed_stats) */
	uint32_t state;     /* enum ose_feed_conn_state */
	uint32_t connected; /* 1 while a WebSocket is open */
	uint32_t venue;     /* enum ose_venue */
	uint32_t feed_id;   /* written into every event */
	int32_t pid;
	uint32_t _pad0;
	uint64_t _rsv0[3];

	/* Counters (monotonic). */
	uint64_t connects;        /* TCP connects attempted */
	uint64_t sessions;        /* WebSocket sessions established */
	uint64_t reconnects;      /* sessions after the first */
	uint64_t last_msg_ns;     /* CLOCK_REALTIME of the last message */
	uint64_t connected_since_ns;
	uint64_t bytes_in;        /* ciphertext bytes received */
	uint64_t bytes_out;       /* ciphertext bytes sent */
	uint64_t plain_in;        /* plaintext bytes out of TLS */
	uint64_t frames;          /* WebSocket frames received (data and control) */
	uint64_t messages;        /* complete data messages */
	uint64_t events;          /* events committed to the ring */
	uint64_t gaps;            /* OSE_EV_GAP markers committed */
	uint64_t parse_errors_total;
	uint64_t ring_full_stalls;/* times the ring was full when committing */
	uint64_t pings_sent;      /* WebSocket pings we sent (liveness probe) */
	uint64_t pongs_recv;
	uint64_t pings_recv;      /* server pings, each answered with a pong */
	uint64_t app_pings_sent;  /* venue-level pings (adapter ping builder) */
	uint64_t closes_recv;
	uint64_t closes_sent;
	uint64_t recv_completions;
	uint64_t buf_ring_empty;  /* recv ended with -ENOBUFS (re-armed) */
	uint64_t replay_lines;    /* --replay payloads pushed */
	uint64_t replay_bad_lines;/* --replay lines that did not decode */
	uint64_t _rsv1[8];

	uint64_t parse_errors[OSE_FEED_NPERR]; /* by enum ose_parse_err */
	uint64_t session[OSE_FEED_NSESS];      /* session messages by kind */
	uint64_t ws_errors[OSE_FEED_NWSERR];   /* by enum ose_ws_err */
	uint64_t hs_errors[OSE_FEED_NHSERR];   /* by enum ose_ws_hs_err */
	uint64_t disconnects[OSE_FEED_NDISC];  /* by enum ose_feed_disc */
	int64_t last_close_code;  /* last close code received (or sent when we failed) */
	int64_t last_http_status; /* last non-101 handshake status */
	int64_t last_tls_err;     /* last wolfSSL error code */
	uint64_t _rsv2[5];

	uint64_t lat_last_ns[OSE_FEED_LAT_COUNT];
	uint64_t _rsv3[8 - OSE_FEED_LAT_COUNT];
	uint64_t lat_hist[OSE_FEED_LAT_COUNT][OSE_FEED_LAT_BUCKETS];
};

_Static_assert(OSE_PERR_COUNT <= OSE_FEED_NPERR, "parse error table too small");
_Static_assert(OSE_SESS_COUNT <= OSE_FEED_NSESS, "session table too small");
_Static_assert(OSE_WS_ERR_COUNT <= OSE_FEED_NWSERR, "ws error table too small");
_Static_assert(OSE_WS_HS_COUNT <= OSE_FEED_NHSERR, "handshake error table too small");
_Static_assert(OSE_FEED_DISC_COUNT <= OSE_FEED_NDISC, "disconnect table too small");
_Static_assert(sizeof(struct ose_feed_stats) % 64 == 0, "stats size is a cache-line multiple");
_Static_assert(offsetof(struct ose_feed_stats, connects) == 64, "stats layout is ABI");

/* Single-writer updates (see the concurrency note above). */
#define OSE_FS_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define OSE_FS_ADD(field, n) __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)
#define OSE_FS_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* Histogram bucket of a latency in ns. */
static inline unsigned ose_feed_lat_bucket(uint64_t ns)
{
	unsigned b = ns ? 63u - (unsigned)__builtin_clzll(ns) : 0u;
	return b < OSE_FEED_LAT_BUCKETS ? b : OSE_FEED_LAT_BUCKETS - 1;
}

const char *ose_feed_state_name(enum ose_feed_conn_state s);
const char *ose_feed_disc_name(enum ose_feed_disc d);
const char *ose_feed_lat_name(enum ose_feed_lat_stage s);

#ifdef __cplusplus
}
#endif

#endif /* OSE_FEEDS_FEED_STATS_H */
