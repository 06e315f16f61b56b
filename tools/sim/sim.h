/* SPDX-License-Identifier: MIT */
/*
 * ose-sim: a local exchange simulator (DESIGN §10).  Shared declarations of
 * its modules:
 *   sim_gen.c    seeded order lifecycles (the truth)
 *   sim_fmt.c    each venue's wire dialect for order updates, sessions, REST
 *   sim_pb.c     the protobuf encoder for MEXC push frames
 *   sim_ws.c     RFC 6455 server framing, handshake key, base64
 *   sim_main.c   options, the epoll loop, TLS, HTTP, faults, truth dump
 * Prefix: sim_ for everything.  Decimals are integers with a scale, printed
 * as decimal text; no floating point touches a price or a quantity.
 */
#ifndef OSE_TOOLS_SIM_H
#define OSE_TOOLS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SIM_VENUES 6
#define SIM_MAX_SYMBOLS 16

__extension__ typedef __int128 sim_i128;
__extension__ typedef unsigned __int128 sim_u128;

enum sim_venue {
	SIM_BINANCE = 0,
	SIM_OKX,
	SIM_BYBIT,
	SIM_GATE,
	SIM_COINBASE,
	SIM_MEXC,
};

/* Normalised statuses, DESIGN §5 spellings via sim_status_name(). */
enum sim_status {
	SIM_ST_NEW = 0,
	SIM_ST_PARTIALLY_FILLED,
	SIM_ST_FILLED,
	SIM_ST_CANCELED,
	SIM_ST_EXPIRED,
	SIM_ST_REJECTED,
};

/* What one step of a lifecycle did (the venue's "execution type"). */
enum sim_exec {
	SIM_X_NEW = 0,
	SIM_X_TRADE,
	SIM_X_CANCEL,
	SIM_X_EXPIRE,
	SIM_X_REJECT,
};

struct sim_symbol {
	char name[24];     /* the venue's own spelling: BTCUSDT, BTC-USDT... */
	char base[8];      /* BTC */
	char quote[8];     /* USDT / USD */
	int64_t ref_px;    /* reference price in units of 10^-psc */
	uint8_t psc;       /* price scale (fraction digits) */
	uint8_t qsc;       /* quantity scale */
	int64_t min_qty;   /* quantity range in units of 10^-qsc */
	int64_t max_qty;
};

struct sim_order {
	uint32_t idx;          /* 0.. within its venue */
	uint8_t venue;
	uint8_t sym;
	uint8_t side;          /* 0 buy, 1 sell */
	uint8_t status;        /* enum sim_status */
	uint8_t outcome;       /* planned terminal status */
	uint8_t fills_left;    /* planned fills still to come */
	uint8_t market;        /* Gate market buy: quantity is quote currency */
	uint8_t terminal;
	int64_t price;         /* units of 10^-psc (0 for market) */
	int64_t qty;           /* units of 10^-qsc; for market buys 10^-(psc+qsc) quote */
	int64_t filled;        /* base units of 10^-qsc */
	sim_i128 quote_filled; /* units of 10^-(psc+qsc) */
	int64_t ctime_ms;
	int64_t utime_ms;
	uint32_t nfills;
	char order_id[48];
	char client_id[40];
	char cancel_id[40];    /* Binance: the cancel request's own id */
};

/* One lifecycle step with a snapshot of the order after it: a burst may
 * hold several steps of one order, each formatted as of its own moment. */
struct sim_step {
	struct sim_order *o;
	uint8_t exec;          /* enum sim_exec */
	uint8_t status;        /* status after this step */
	int64_t filled;        /* cumulative base filled after this step */
	sim_i128 quote_filled;
	int64_t last_qty;      /* this step's fill (0 if none) */
	int64_t last_px;
	uint64_t trade_id;     /* 0 if none */
	int64_t utime_ms;
};

struct sim_gen {
	uint8_t venue;
	uint32_t n_orders;     /* to drive */
	uint32_t n_symbols;
	uint32_t started;
	uint32_t finished;
	uint32_t max_active;
	uint32_t gate_market_pct;
	uint64_t rng[4];
	uint64_t next_trade;
	uint64_t steps;        /* steps emitted so far */
	uint32_t *active;      /* indexes of open orders */
	uint32_t n_active;
	struct sim_order *orders; /* n_orders, those < started are real (mmap) */
	size_t orders_bytes;
	struct sim_symbol sym[SIM_MAX_SYMBOLS];
};

/* sim_gen.c */
int sim_gen_init(struct sim_gen *g, int venue, uint64_t seed, uint32_t n_orders,
		 uint32_t n_symbols, uint32_t gate_market_pct);
void sim_gen_free(struct sim_gen *g);
/* Produce the next step into *st.  Returns 1, or 0 when every order is
 * terminal.  CLOCK_REALTIME ms goes into the order's times. */
int sim_gen_next(struct sim_gen *g, struct sim_step *st, int64_t now_ms);
static inline bool sim_gen_done(const struct sim_gen *g)
{
	return g->finished == g->n_orders;
}
uint64_t sim_rng_next(uint64_t s[4]);
void sim_rng_seed(uint64_t s[4], uint64_t seed);

const char *sim_venue_name(int venue);
int sim_venue_from_name(const char *s, size_t len);
const char *sim_status_name(int st);

/* Write units * 10^-scale as decimal text.  pad_to >= scale pads the
 * fraction with zeros to pad_to digits (Binance's "0.10000000"); pad_to
 * < 0 gives the canonical form (no trailing zeros, no '.' for integers).
 * Returns the length; buf needs 48 bytes. */
size_t sim_dec(char *buf, sim_i128 units, int scale, int pad_to);
/* Write v in decimal at d (no NUL); returns its length, 1..20. */
size_t sim_u64_put(char *d, uint64_t v);

/* Growable output buffer. */
struct sim_buf {
	char *p;
	size_t len;
	size_t cap;
};
int sim_buf_reserve(struct sim_buf *b, size_t more);
void sim_buf_free(struct sim_buf *b);
/* Append n bytes (NUL kept after them).  Inline: the formatters append a
 * few dozen literals per message, most of a few bytes. */
static inline void sim_buf_put(struct sim_buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		sim_buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}
void sim_buf_str(struct sim_buf *b, const char *s);
void sim_buf_u64(struct sim_buf *b, uint64_t v);
void sim_buf_i64(struct sim_buf *b, int64_t v);
__attribute__((format(printf, 2, 3)))
void sim_buf_fmt(struct sim_buf *b, const char *fmt, ...);
void sim_buf_dec(struct sim_buf *b, sim_i128 units, int scale, int pad_to);
/* Append s as a JSON string body (escaping " \ and control bytes). */
void sim_buf_jstr(struct sim_buf *b, const char *s, size_t n);

/* sim_ws.c */
void sim_ws_accept_key(const char *key, size_t key_len, char out[29]);
size_t sim_b64_encode(const uint8_t *in, size_t n, char *out);
/* Header of an unmasked server frame; returns its length (<= 10). */
size_t sim_ws_header(uint8_t *h, int fin, int opcode, uint64_t len);
/*
 * Parse one client frame at buf[0..len).  Returns the total frame length
 * and fills the out fields (payload unmasked in place), 0 if more bytes are
 * needed, -1 on a protocol error (unmasked client frame, reserved bits,
 * oversize control frame, payload over max).
 */
long sim_ws_parse(uint8_t *buf, size_t len, size_t max, int *fin, int *opcode,
		  uint8_t **payload, size_t *plen);

/* sim_pb.c: protobuf encoder into a caller buffer (no allocation). */
struct sim_pb {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool overflow;
};
void sim_pb_varint_field(struct sim_pb *pb, uint32_t field, uint64_t v);
void sim_pb_bytes_field(struct sim_pb *pb, uint32_t field, const void *s, size_t n);
void sim_pb_str_field(struct sim_pb *pb, uint32_t field, const char *s);
/* Start a length-delimited sub-message; returns the mark for _end. */
size_t sim_pb_begin(struct sim_pb *pb, uint32_t field);
void sim_pb_end(struct sim_pb *pb, size_t mark);

/* sim_fmt.c: venue dialects. */
struct sim_fmt_ctx {
	int64_t now_ns;        /* CLOCK_REALTIME at formatting */
	bool stamp;            /* add "ose_ts" / protobuf field 99 */
	uint64_t *seq;         /* Coinbase sequence_num of this connection */
	const struct sim_gen *gen;
	bool want_trades;      /* Gate spot.usertrades / Bybit execution / MEXC deals */
};
/* Append the payload(s) for steps[0..n) as separate messages through emit.
 * binary is set for MEXC protobuf frames. */
typedef void (*sim_emit_fn)(void *arg, const char *p, size_t len, bool binary);
void sim_fmt_updates(int venue, const struct sim_fmt_ctx *c, const struct sim_step *st,
		     size_t n, size_t batch, sim_emit_fn emit, void *arg);
/* Order state (REST shape) of one order. */
void sim_fmt_rest_order(int venue, const struct sim_gen *g, const struct sim_order *o,
			struct sim_buf *b);
/* Coinbase snapshot batches (50 orders each) of the open orders. */
void sim_fmt_coinbase_snapshot(const struct sim_fmt_ctx *c, sim_emit_fn emit, void *arg);
/* RFC 3339 UTC time with nanoseconds ("2026-11-22T22:11:27.123456789Z"). */
void sim_fmt_rfc3339(char out[40], int64_t ns);

#endif /* OSE_TOOLS_SIM_H */
