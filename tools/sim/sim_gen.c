/* SPDX-License-Identifier: MIT */
/*
 * Seeded order lifecycles: the simulator's truth.
 *
 * Every random choice comes from one xoshiro256** stream per venue, seeded
 * by splitmix64 from (--seed, venue), and every choice depends only on the
 * number of steps taken so far, never on time or on the network.  So the
 * same seed gives the same orders, ids, prices, fills and final states on
 * every run, whatever the rate, the bursts or the faults; only the
 * timestamps differ.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "shm/dec.h" /* ose_p10 */
#include "tools/sim/sim.h"

static const char *const venue_names[SIM_VENUES] = {
	"binance", "okx", "bybit", "gate", "coinbase", "mexc",
};

static const char *const status_names[] = {
	"NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED", "REJECTED",
};

const char *sim_venue_name(int venue)
{
	return venue >= 0 && venue < SIM_VENUES ? venue_names[venue] : "?";
}

int sim_venue_from_name(const char *s, size_t len)
{
	for (int v = 0; v < SIM_VENUES; v++)
		if (strlen(venue_names[v]) == len && memcmp(venue_names[v], s, len) == 0)
			return v;
	return -1;
}

const char *sim_status_name(int st)
{
	return st >= 0 && st <= SIM_ST_REJECTED ? status_names[st] : "?";
}

/* splitmix64 expands the seed; xoshiro256** is the stream (Vigna). */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void sim_rng_seed(uint64_t s[4], uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(uint64_t s[4])
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, n) (n > 0); the modulo bias is irrelevant here. */
static uint64_t rnd(struct sim_gen *g, uint64_t n)
{
	return sim_rng_next(g->rng) % n;
}

/* ---- decimals and buffers ---- */

/* "00".."99": two digits per table load when writing integers. */
static const char d2[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
			    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
			    "8081828384858687888990919293949596979899";

/* Write v as exactly `width` digits (leading zeros) at d, two at a time
 * from the right; v < 10^width. */
static void put_digits(char *d, uint64_t v, size_t width)
{
	char *e = d + width;
	while (e - d >= 2) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		e -= 2;
		memcpy(e, d2 + 2 * r, 2);
	}
	if (e > d)
		*d = (char)('0' + v);
}

/* Number of decimal digits of v (1..20): the bit length times log10(2)
 * (1233/4096) guesses it, one compare with a power of ten corrects it. */
static size_t n_digits(uint64_t v)
{
	unsigned t = ((unsigned)(64 - __builtin_clzll(v | 1)) * 1233u) >> 12;
	size_t n = t + 1 - (v < ose_p10[t]);
	return n ? n : 1;
}

size_t sim_u64_put(char *d, uint64_t v)
{
	size_t n = n_digits(v);
	put_digits(d, v, n);
	return n;
}

/* The general form, digit by digit over 128 bits: values that do not fit
 * 64 bits or scales over 19 (never, with the simulator's symbols). */
static size_t dec_wide(char *buf, sim_u128 u, bool neg, int scale, int pad_to)
{
	char tmp[64];
	size_t n = 0, len = 0;

	/* 128-bit division is a libgcc call per digit: peel digits with it
	 * only while the value does not fit 64 bits. */
	while (u >> 64) {
		tmp[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	}
	uint64_t w = (uint64_t)u;
	do {
		tmp[n++] = (char)('0' + (int)(w % 10));
		w /= 10;
	} while (w || n <= (size_t)scale);
	/* tmp holds digits least significant first, at least scale+1 of them. */
	size_t frac_end = 0; /* number of low fraction digits to drop */
	if (pad_to < 0)
		while (frac_end < (size_t)scale && tmp[frac_end] == '0')
			frac_end++;
	if (neg)
		buf[len++] = '-';
	for (size_t i = n; i > (size_t)scale; i--)
		buf[len++] = tmp[i - 1];
	if (frac_end < (size_t)scale) {
		buf[len++] = '.';
		for (size_t i = (size_t)scale; i > frac_end; i--)
			buf[len++] = tmp[i - 1];
	}
	buf[len] = 0;
	return len;
}

/* w / 10^k (k <= 19) and its remainder: constant divisors, so each is a
 * multiply instead of a 64-bit div (tens of cycles, twice per decimal). */
static uint64_t div_p10(uint64_t w, int k, uint64_t *rem)
{
	uint64_t q;
	switch (k) {
#define P10_CASE(n) case n: q = w / ose_p10[n]; break;
	P10_CASE(0) P10_CASE(1) P10_CASE(2) P10_CASE(3) P10_CASE(4) P10_CASE(5) P10_CASE(6)
	P10_CASE(7) P10_CASE(8) P10_CASE(9) P10_CASE(10) P10_CASE(11) P10_CASE(12) P10_CASE(13)
	P10_CASE(14) P10_CASE(15) P10_CASE(16) P10_CASE(17) P10_CASE(18)
#undef P10_CASE
	default: q = w / ose_p10[19]; break;
	}
	*rem = w - q * ose_p10[k];
	return q;
}

size_t sim_dec(char *buf, sim_i128 units, int scale, int pad_to)
{
	bool neg = units < 0;
	sim_u128 u = neg ? -(sim_u128)units : (sim_u128)units;

	if (u == 0 && scale <= 19 && pad_to <= 19) {
		/* Zero (a quarter of the decimals of an update stream: no
		 * fill yet, no last fill) is "0", or "0." and the fraction's
		 * zeros padded to pad_to. */
		size_t z = pad_to < 0 ? 0 : (size_t)(pad_to > scale ? pad_to : scale);
		buf[0] = '0';
		if (!z) {
			buf[1] = 0;
			return 1;
		}
		buf[1] = '.';
		memset(buf + 2, '0', z);
		buf[2 + z] = 0;
		return 2 + z;
	}
	if (u >> 64 || scale > 19 || pad_to > 19) {
		for (; pad_to > scale; scale++) /* widen to pad_to fraction digits */
			u *= 10;
		return dec_wide(buf, u, neg, scale, pad_to);
	}
	/* Fits 64 bits: the integer part, then the fraction as exactly
	 * `scale` digits and the zeros that pad it to pad_to, or less its
	 * trailing zeros in the canonical form (pad_to < 0). */
	uint64_t fr, ip = div_p10((uint64_t)u, scale, &fr);
	size_t len = 0, fl = (size_t)scale, zeros = pad_to > scale ? (size_t)(pad_to - scale) : 0;
	if (neg)
		buf[len++] = '-';
	len += sim_u64_put(buf + len, ip);
	if (pad_to < 0)
		for (; fl && fr % 10 == 0; fl--)
			fr /= 10;
	if (fl + zeros) {
		buf[len++] = '.';
		put_digits(buf + len, fr, fl);
		memset(buf + len + fl, '0', zeros);
		len += fl + zeros;
	}
	buf[len] = 0;
	return len;
}

int sim_buf_reserve(struct sim_buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		abort(); /* the simulator cannot run without memory */
	b->p = p;
	b->cap = cap;
	return 0;
}

void sim_buf_free(struct sim_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void sim_buf_str(struct sim_buf *b, const char *s)
{
	sim_buf_put(b, s, strlen(s));
}

void sim_buf_u64(struct sim_buf *b, uint64_t v)
{
	if (b->len + 21 > b->cap)
		sim_buf_reserve(b, 20);
	b->len += sim_u64_put(b->p + b->len, v);
	b->p[b->len] = 0;
}

void sim_buf_i64(struct sim_buf *b, int64_t v)
{
	if (v < 0) {
		sim_buf_put(b, "-", 1);
		sim_buf_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		sim_buf_u64(b, (uint64_t)v);
	}
}

void sim_buf_fmt(struct sim_buf *b, const char *fmt, ...)
{
	va_list ap;
	sim_buf_reserve(b, 256);
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) { /* did not fit: grow and redo */
		sim_buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void sim_buf_dec(struct sim_buf *b, sim_i128 units, int scale, int pad_to)
{
	if (b->len + 65 > b->cap)
		sim_buf_reserve(b, 64);
	b->len += sim_dec(b->p + b->len, units, scale, pad_to);
}

void sim_buf_jstr(struct sim_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	sim_buf_reserve(b, n * 6);
	/* Plain runs (ids, symbols: all of them in practice) are copied. */
	while (i < n && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
		i++;
	memcpy(b->p + b->len, s, i);
	b->len += i;
	for (; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = (char)ch;
		} else if (ch < 0x20) {
			memcpy(b->p + b->len, "\\u00", 4);
			b->p[b->len + 4] = hex[ch >> 4];
			b->p[b->len + 5] = hex[ch & 15];
			b->len += 6;
		} else {
			b->p[b->len++] = (char)ch;
		}
	}
	b->p[b->len] = 0;
}

/* ---- symbols ---- */

struct sym_proto {
	const char *base;
	int64_t ref_px;
	uint8_t psc, qsc;
	int64_t min_qty, max_qty;
};

/* Realistic ticks and lots; psc + qsc <= 8 so quote values fit 8 places. */
static const struct sym_proto sym_protos[SIM_MAX_SYMBOLS] = {
	{ "BTC", 6500012, 2, 5, 10, 250000 },       /* 65000.12, 0.0001..2.5 */
	{ "ETH", 312345, 2, 4, 10, 500000 },        /* 3123.45 */
	{ "SOL", 14567, 2, 3, 10, 900000 },
	{ "XRP", 6123, 4, 1, 10, 500000 },
	{ "DOGE", 15432, 5, 0, 10, 900000 },
	{ "ADA", 4511, 4, 1, 10, 300000 },
	{ "PEPE", 1234, 8, 0, 100000, 900000000 },  /* 0.00001234 */
	{ "LTC", 8765, 2, 3, 10, 900000 },
	{ "DOT", 71234, 4, 2, 100, 900000 },
	{ "LINK", 14321, 3, 2, 10, 900000 },
	{ "AVAX", 35120, 3, 2, 10, 900000 },
	{ "TRX", 12345, 5, 1, 100, 9000000 },
	{ "ATOM", 81234, 4, 2, 10, 900000 },
	{ "UNI", 91234, 4, 2, 10, 900000 },
	{ "NEAR", 51234, 4, 2, 10, 900000 },
	{ "SHIB", 2345, 9, 0, 1000000, 900000000 }, /* 0.000002345: psc 9 */
};

static void sym_init(struct sim_symbol *s, int venue, const struct sym_proto *p)
{
	const char *quote = venue == SIM_COINBASE ? "USD" : "USDT";
	const char *sep = venue == SIM_OKX || venue == SIM_COINBASE ? "-"
			: venue == SIM_GATE ? "_" : "";
	snprintf(s->name, sizeof(s->name), "%s%s%s", p->base, sep, quote);
	snprintf(s->base, sizeof(s->base), "%s", p->base);
	snprintf(s->quote, sizeof(s->quote), "%s", quote);
	s->ref_px = p->ref_px;
	s->psc = p->psc;
	s->qsc = p->qsc;
	if (s->psc + s->qsc > 8) { /* keep quote values at <= 8 places */
		s->ref_px /= 10;
		s->psc--;
	}
	s->min_qty = p->min_qty;
	s->max_qty = p->max_qty;
}

/* ---- lifecycles ---- */

/* Terminal outcomes each venue's order stream can express (see docs/sim.md):
 * OKX and MEXC have no expired/rejected push states, Gate and Coinbase
 * refuse bad orders at placement (REST) and push nothing (a Coinbase FAILED
 * push would carry no usable order size), Bybit expresses IOC leftovers as
 * cancels. */
static const uint8_t outcomes[SIM_VENUES][4] = {
	[SIM_BINANCE] = { SIM_ST_FILLED, SIM_ST_CANCELED, SIM_ST_EXPIRED, SIM_ST_REJECTED },
	[SIM_OKX] = { SIM_ST_FILLED, SIM_ST_CANCELED, SIM_ST_FILLED, SIM_ST_CANCELED },
	[SIM_BYBIT] = { SIM_ST_FILLED, SIM_ST_CANCELED, SIM_ST_FILLED, SIM_ST_REJECTED },
	[SIM_GATE] = { SIM_ST_FILLED, SIM_ST_CANCELED, SIM_ST_EXPIRED, SIM_ST_FILLED },
	[SIM_COINBASE] = { SIM_ST_FILLED, SIM_ST_CANCELED, SIM_ST_EXPIRED, SIM_ST_FILLED },
	[SIM_MEXC] = { SIM_ST_FILLED, SIM_ST_CANCELED, SIM_ST_FILLED, SIM_ST_CANCELED },
};

/* Id writers (make_ids runs once per order: snprintf there cost more
 * than the rest of a lifecycle step).  Each appends at d and returns the
 * end; `width` is a minimum, zero-padded, like printf's %0Nllu / %0Nllx. */
static char *put_lit(char *d, const char *s)
{
	size_t n = strlen(s);
	memcpy(d, s, n);
	return d + n;
}

static char *put_dec(char *d, uint64_t v, size_t width)
{
	size_t n = n_digits(v);
	if (n < width)
		n = width;
	put_digits(d, v, n);
	return d + n;
}

static char *put_hex(char *d, uint64_t v, size_t width)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 1;
	while (n < 16 && v >> (4 * n))
		n++;
	if (n < width)
		n = width;
	for (size_t i = n; i > 0; i--, v >>= 4)
		d[i - 1] = hex[v & 15];
	return d + n;
}

/* A version 4 UUID text, 36 characters and a NUL. */
static void uuid_from(struct sim_gen *g, char *out)
{
	uint64_t a = sim_rng_next(g->rng), b = sim_rng_next(g->rng);
	char *d = out;
	d = put_hex(d, a >> 32, 8);
	*d++ = '-';
	d = put_hex(d, (a >> 16) & 0xffff, 4);
	d = put_lit(d, "-4");
	d = put_hex(d, a & 0xfff, 3);
	*d++ = '-';
	d = put_hex(d, 0x8000 | ((b >> 48) & 0x3fff), 4);
	*d++ = '-';
	d = put_hex(d, b & 0xffffffffffffULL, 12);
	*d = 0;
}

/* prefix + tag in hex + infix + i in decimal, NUL-terminated: the
 * venues' client ids ("sim%llxc%u"...).  Every id buffer holds 40 bytes,
 * these take at most 5 + 6 + 1 + 10 + 1. */
static void tagged_id(char *out, const char *prefix, uint64_t tag, const char *infix, uint32_t i)
{
	char *d = put_lit(out, prefix);
	d = put_hex(d, tag, 0);
	d = put_lit(d, infix);
	d = put_dec(d, i, 0);
	*d = 0;
}

static void make_ids(struct sim_gen *g, struct sim_order *o, uint64_t seedtag)
{
	uint32_t i = o->idx;
	uint64_t tag = seedtag & 0xffffff;
	switch (g->venue) {
	case SIM_BINANCE: /* int64 ids above 2^32 */
		*put_dec(o->order_id, 8000000000ULL + seedtag % 1000000 * 1000 + i * 7, 0) = 0;
		tagged_id(o->client_id, "sim", tag, "c", i);
		tagged_id(o->cancel_id, "cxl", tag, "c", i);
		break;
	case SIM_OKX: /* 19-digit numeric strings, above 2^53 */
		*put_dec(o->order_id, 2497956918703120384ULL + seedtag % 100000 * 100000 + i * 3, 0) = 0;
		tagged_id(o->client_id, "sim", tag, "o", i);
		break;
	case SIM_BYBIT:
		uuid_from(g, o->order_id);
		tagged_id(o->client_id, "sim-", tag, "-", i);
		break;
	case SIM_GATE:
		*put_dec(o->order_id, 399123456ULL + seedtag % 10000 * 100000 + i, 0) = 0;
		tagged_id(o->client_id, "t-sim", tag, "", i);
		break;
	case SIM_COINBASE:
		uuid_from(g, o->order_id);
		uuid_from(g, o->client_id);
		break;
	default: { /* MEXC: C02__ + 21 digits */
		char *d = put_lit(o->order_id, "C02__");
		d = put_dec(d, 505979017439ULL + seedtag % 1000000, 12);
		*put_dec(d, i, 9) = 0;
		tagged_id(o->client_id, "sim", tag, "m", i);
		break;
	}
	}
}

int sim_gen_init(struct sim_gen *g, int venue, uint64_t seed, uint32_t n_orders,
		 uint32_t n_symbols, uint32_t gate_market_pct)
{
	memset(g, 0, sizeof(*g));
	if (n_symbols < 1 || n_symbols > SIM_MAX_SYMBOLS || venue < 0 || venue >= SIM_VENUES)
		return -1;
	g->venue = (uint8_t)venue;
	g->n_orders = n_orders;
	g->n_symbols = n_symbols;
	g->max_active = 32;
	g->gate_market_pct = venue == SIM_GATE ? gate_market_pct : 0;
	sim_rng_seed(g->rng, seed * 0x100000001b3ULL + (uint64_t)venue + 1);
	g->next_trade = 100000000ULL + (seed % 1000) * 1000000ULL;
	for (uint32_t s = 0; s < n_symbols; s++)
		sym_init(&g->sym[s], venue, &sym_protos[s]);
	/* The orders array is reserved for every order the run may start
	 * (the benchmarks ask for 10^7: 2 GB) and touched one order after the
	 * other: anonymous memory, on huge pages where the kernel gives them
	 * (a page fault per 10,000 orders instead of per 20). */
	g->orders_bytes = (size_t)(n_orders ? n_orders : 1) * sizeof(*g->orders);
	g->orders = mmap(NULL, g->orders_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g->orders == MAP_FAILED)
		g->orders = NULL;
	else if (g->orders_bytes >= (2u << 20))
		(void)madvise(g->orders, g->orders_bytes, MADV_HUGEPAGE); /* best effort */
	g->active = calloc(g->max_active, sizeof(*g->active));
	if (!g->orders || !g->active) {
		sim_gen_free(g);
		return -1;
	}
	return 0;
}

void sim_gen_free(struct sim_gen *g)
{
	if (g->orders)
		munmap(g->orders, g->orders_bytes);
	free(g->active);
	g->orders = NULL;
	g->active = NULL;
}

static void retire(struct sim_gen *g, uint32_t slot)
{
	g->orders[g->active[slot]].terminal = 1;
	g->active[slot] = g->active[--g->n_active];
	g->finished++;
}

static void start_order(struct sim_gen *g, struct sim_step *st, int64_t now_ms)
{
	struct sim_order *o = &g->orders[g->started];
	const struct sim_symbol *s;

	memset(o, 0, sizeof(*o));
	o->idx = g->started++;
	o->venue = g->venue;
	o->sym = (uint8_t)rnd(g, g->n_symbols);
	s = &g->sym[o->sym];
	o->side = (uint8_t)rnd(g, 2);
	o->outcome = outcomes[g->venue][rnd(g, 4)];
	o->price = s->ref_px * (int64_t)(900 + rnd(g, 201)) / 1000;
	if (o->price < 1)
		o->price = 1;
	o->qty = s->min_qty + (int64_t)rnd(g, (uint64_t)(s->max_qty - s->min_qty + 1));
	if (g->gate_market_pct && o->side == 0 && rnd(g, 100) < g->gate_market_pct) {
		/* Gate market buy: amount is quote currency; it fills. */
		o->market = 1;
		o->outcome = SIM_ST_FILLED;
		o->price = 0;
	}
	o->fills_left = (uint8_t)(o->outcome == SIM_ST_FILLED ? 1 + rnd(g, 4)
				 : o->outcome == SIM_ST_REJECTED ? 0 : rnd(g, 3));
	make_ids(g, o, sim_rng_next(g->rng));
	if (o->market) {
		/* quote amount = base qty * fill price, exact at psc+qsc */
		o->qty = o->qty * s->ref_px;
	}
	o->ctime_ms = o->utime_ms = now_ms;
	st->o = o;
	if (o->outcome == SIM_ST_REJECTED) {
		o->status = SIM_ST_REJECTED;
		o->terminal = 1;
		g->finished++;
		st->exec = SIM_X_REJECT;
	} else {
		o->status = SIM_ST_NEW;
		g->active[g->n_active++] = o->idx;
		st->exec = SIM_X_NEW;
	}
}

static void advance(struct sim_gen *g, uint32_t slot, struct sim_step *st, int64_t now_ms)
{
	struct sim_order *o = &g->orders[g->active[slot]];
	const struct sim_symbol *s = &g->sym[o->sym];
	/* Remaining in base units; a Gate market buy's fills are base too:
	 * its quote amount divided by the fill price, exact by construction. */
	int64_t total = o->market ? o->qty / s->ref_px : o->qty;
	int64_t rem = total - o->filled;

	st->o = o;
	o->utime_ms = now_ms;
	if (o->fills_left && o->outcome != SIM_ST_FILLED && rem < 2)
		o->fills_left = 0; /* nothing left to fill partially */
	if (o->fills_left) {
		int64_t q = rem;
		if (o->fills_left > 1 || o->outcome != SIM_ST_FILLED)
			q = rem > 1 ? 1 + (int64_t)rnd(g, (uint64_t)(rem - 1)) : rem;
		if (q >= rem && o->outcome != SIM_ST_FILLED)
			q = rem - 1;
		o->fills_left--;
		o->filled += q;
		o->nfills++;
		st->exec = SIM_X_TRADE;
		st->last_qty = q;
		st->last_px = o->market ? s->ref_px : o->price;
		st->trade_id = g->next_trade++;
		o->quote_filled += (sim_i128)q * st->last_px;
		if (o->filled == total) {
			o->status = SIM_ST_FILLED;
			retire(g, slot);
		} else {
			o->status = SIM_ST_PARTIALLY_FILLED;
		}
		return;
	}
	o->status = o->outcome;
	st->exec = o->outcome == SIM_ST_EXPIRED ? SIM_X_EXPIRE : SIM_X_CANCEL;
	retire(g, slot);
}

int sim_gen_next(struct sim_gen *g, struct sim_step *st, int64_t now_ms)
{
	if (sim_gen_done(g))
		return 0;
	memset(st, 0, sizeof(*st));
	bool can_start = g->started < g->n_orders && g->n_active < g->max_active;
	if (can_start && (g->n_active == 0 || rnd(g, 3) == 0))
		start_order(g, st, now_ms);
	else
		advance(g, (uint32_t)rnd(g, g->n_active), st, now_ms);
	st->status = st->o->status;
	st->filled = st->o->filled;
	st->quote_filled = st->o->quote_filled;
	st->utime_ms = now_ms;
	g->steps++;
	return 1;
}
