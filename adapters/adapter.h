/* SPDX-License-Identifier: MIT */
/*
 * Venue adapters: pure functions from one WebSocket message payload to 0..n
 * normalised events (shm/event.h) plus session information, and builders
 * for the messages a session sends (login, subscribe, app-level ping).
 * No I/O, no allocation, no global state: the feed owns every buffer.
 *
 * Contract of ose_adapter_parse_fn:
 *   - msg[0..len) is one complete WebSocket message (text or binary).
 *     The parser never reads outside it (no padding is assumed).
 *   - It writes at most out->cap events into out->ev and sets out->n.
 *     Events are either all valid or none are reported: on error out->n is
 *     0 and no half-filled event escapes.
 *   - Returns OSE_PARSE_EVENTS (out->n >= 0 events; 0 is legal, e.g. a
 *     balance-free account update the venue sends empty), OSE_PARSE_SESSION
 *     (out->session says what: ack, pong, error, shutdown notice...), or
 *     OSE_PARSE_ERROR with out->err and out->why set.
 *   - Account, receive timestamp, feed id and sequence are the feed's to
 *     fill: the adapter copies ctx->account into each event and leaves
 *     feed_id/seq/recv_ts_ns for the caller.
 */
#ifndef OSE_ADAPTERS_ADAPTER_H
#define OSE_ADAPTERS_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "shm/event.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ose_parse_res {
	OSE_PARSE_EVENTS = 0,
	OSE_PARSE_SESSION = 1,
	OSE_PARSE_ERROR = -1,
};

/* Why a message was refused; the feed counts each reason separately. */
enum ose_parse_err {
	OSE_PERR_NONE = 0,
	OSE_PERR_SYNTAX,         /* not well-formed JSON / protobuf */
	OSE_PERR_TRUNCATED,      /* ends inside a value */
	OSE_PERR_TOO_DEEP,       /* nesting beyond the scanner's limit */
	OSE_PERR_MISSING_FIELD,  /* a required field is absent */
	OSE_PERR_WRONG_TYPE,     /* e.g. an object where a number belongs */
	OSE_PERR_NUMBER,         /* a decimal that does not fit (see dec.h) */
	OSE_PERR_TIMESTAMP,      /* a timestamp in no known format */
	OSE_PERR_TOO_LONG,       /* an id or symbol longer than its field */
	OSE_PERR_UNKNOWN_STATUS, /* a status outside the venue's table */
	OSE_PERR_TOO_MANY,       /* more events than out->cap */
	OSE_PERR_UNKNOWN_MSG,    /* well-formed but not a message we know */
	OSE_PERR_UTF8,           /* invalid UTF-8 in a text message */
	OSE_PERR_COUNT
};

/* Session messages: what the feed's session loop must react to. */
enum ose_session_kind {
	OSE_SESS_NONE = 0,
	OSE_SESS_AUTH_OK,     /* login/auth accepted */
	OSE_SESS_AUTH_FAIL,   /* login/auth refused: do not retry hot */
	OSE_SESS_SUBSCRIBED,  /* subscribe acknowledged */
	OSE_SESS_PONG,        /* app-level pong */
	OSE_SESS_PING,        /* app-level ping from the venue: answer it */
	OSE_SESS_ERROR,       /* venue error message (why holds the text) */
	OSE_SESS_SHUTDOWN,    /* announced disconnect: reconnect soon */
	OSE_SESS_EXPIRED,     /* listen key / session expired: re-auth */
	OSE_SESS_OTHER,       /* known but needing no action (info, heartbeat) */
	OSE_SESS_COUNT
};

struct ose_parse_ctx {
	const char *account; /* copied into every event (NUL-terminated) */
	enum ose_venue venue;
};

struct ose_parse_out {
	struct ose_event *ev; /* caller's array */
	uint32_t cap;         /* its length */
	uint32_t n;           /* events written */
	enum ose_session_kind session;
	enum ose_parse_err err;
	/* Static string naming the field or condition, e.g. "executionReport.z";
	 * never NULL after a call; never points into msg. */
	const char *why;
};

typedef enum ose_parse_res (*ose_adapter_parse_fn)(const char *msg, size_t len, int binary,
						   const struct ose_parse_ctx *ctx,
						   struct ose_parse_out *out);

/* Credentials and subscription parameters for session builders. */
struct ose_session_cfg {
	const char *api_key;
	const char *api_secret;  /* HMAC secret, or base64 Ed25519 seed */
	const char *passphrase;  /* OKX */
	const char *listen_key;  /* MEXC (in the URL) */
	int64_t now_ms;          /* wall clock for signatures, ms */
	uint64_t req_id;         /* request id where the venue wants one */
};

/*
 * Build the step-th message to send after the WebSocket opens (login,
 * then subscribe, ...).  Returns the length written into buf (< cap),
 * 0 when there are no more steps, or a negative errno (-ENOSPC if cap is
 * too small, -EINVAL for missing credentials).  *binary is set to 1 for a
 * binary frame.  *wait_ack is set to 1 when the feed must see
 * OSE_SESS_AUTH_OK before sending step+1.
 */
typedef int (*ose_adapter_session_fn)(const struct ose_session_cfg *cfg, unsigned step,
				      char *buf, size_t cap, int *binary, int *wait_ack);

/* Build the venue's app-level ping (or the reply to its ping when
 * reply != 0).  Returns length, 0 if the venue uses WebSocket pings only,
 * or a negative errno. */
typedef int (*ose_adapter_ping_fn)(int reply, char *buf, size_t cap);

struct ose_adapter {
	enum ose_venue venue;
	const char *name;              /* DESIGN §12 spelling */
	ose_adapter_parse_fn parse;
	/* Builds every key set index parse() would otherwise build at its
	 * first use of it (0.1-0.3 ms for Bybit's, on the first live
	 * message).  ose-feed calls it before it connects; idempotent,
	 * thread-safe, no-fail; parse() is correct without it. */
	void (*prepare)(void);
	ose_adapter_session_fn session;
	ose_adapter_ping_fn ping;
	uint32_t ping_interval_ms;     /* 0: no app-level ping needed */
	uint32_t idle_timeout_ms;      /* venue drops us after this much silence */
	uint32_t max_conn_life_ms;     /* forced reconnect before this (0: none) */
	/* 1: parse() validates every byte of a text message, UTF-8 included,
	 * and returns OSE_PARSE_EVENTS or OSE_PARSE_SESSION only for valid
	 * UTF-8 (else OSE_PARSE_ERROR, with OSE_PERR_UTF8 when that is what it
	 * found).  The feed then skips its own UTF-8 pass over text messages
	 * and checks only messages the parser refused (docs/feed.md). */
	uint8_t validates_utf8;
};

/* The adapter for a venue, or NULL. */
const struct ose_adapter *ose_adapter_get(enum ose_venue venue);

/* Human-readable reason names for counters and logs; never NULL. */
const char *ose_parse_err_name(enum ose_parse_err err);
const char *ose_session_kind_name(enum ose_session_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* OSE_ADAPTERS_ADAPTER_H */
