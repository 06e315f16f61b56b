/* SPDX-License-Identifier: MIT */
/*
 * dump_out: human tables and the --json document.  The JSON layout is a
 * script interface (DESIGN §12): docs/dump.md documents every key and
 * docs/dump.schema.json is checked by the tests; extend it, never rename.
 *
 * Decimals are printed with ose_dec_format (exact, canonical: no exponent,
 * no trailing zeros); no floating point touches a price or a quantity.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/adapter.h"
#include "feeds/feed_stats.h"
#include "feeds/ws.h"
#include "tools/dump/dump.h"

#define BAR_W 20
#define HIST_BAR_W 40

/* ---- small helpers ------------------------------------------------------------ */

static uint64_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Age of a timestamp taken on the same clock; -1 if never set. */
static int64_t age_of(uint64_t ts, uint64_t now)
{
	if (!ts)
		return -1;
	return now > ts ? (int64_t)(now - ts) : 0;
}

/* "never", "850us", "12ms", "3.4s", "5m12s", "2h03m". */
static const char *fmt_age(char *buf, size_t n, int64_t age)
{
	if (age < 0)
		snprintf(buf, n, "never");
	else if (age < 1000000)
		snprintf(buf, n, "%" PRId64 "us", age / 1000);
	else if (age < 1000000000)
		snprintf(buf, n, "%" PRId64 "ms", age / 1000000);
	else if (age < INT64_C(60000000000))
		snprintf(buf, n, "%" PRId64 ".%" PRId64 "s", age / 1000000000,
			 age / 100000000 % 10);
	else if (age < INT64_C(3600000000000))
		snprintf(buf, n, "%" PRId64 "m%02" PRId64 "s", age / INT64_C(60000000000),
			 age / 1000000000 % 60);
	else
		snprintf(buf, n, "%" PRId64 "h%02" PRId64 "m", age / INT64_C(3600000000000),
			 age / INT64_C(60000000000) % 60);
	return buf;
}

/* Nanoseconds as "950ns", "12.3us", "4.5ms". */
static const char *fmt_ns(char *buf, size_t n, uint64_t v)
{
	if (v == UINT64_MAX)
		snprintf(buf, n, "inf");
	else if (v < 1000)
		snprintf(buf, n, "%" PRIu64 "ns", v);
	else if (v < 1000000)
		snprintf(buf, n, "%" PRIu64 ".%" PRIu64 "us", v / 1000, v / 100 % 10);
	else if (v < 1000000000)
		snprintf(buf, n, "%" PRIu64 ".%" PRIu64 "ms", v / 1000000, v / 100000 % 10);
	else
		snprintf(buf, n, "%" PRIu64 ".%" PRIu64 "s", v / 1000000000, v / 100000000 % 10);
	return buf;
}

/* ISO 8601 UTC with nanoseconds, or "-" for 0. */
static const char *fmt_ts(char *buf, size_t n, int64_t ns)
{
	struct tm tm;
	time_t s;

	if (ns <= 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	s = (time_t)(ns / 1000000000);
	gmtime_r(&s, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns % 1000000000);
	return buf;
}

static const char *fmt_dec(char *buf, ose_dec v)
{
	ose_dec_format(v, buf);
	return buf;
}

/* "[#####...............]" for part/whole. */
static const char *fmt_bar(char *buf, uint64_t part, uint64_t whole, int w)
{
	int k = 0;

	if (whole)
		k = (int)((__extension__(unsigned __int128)part * (unsigned)w + whole - 1) / whole);
	if (k > w)
		k = w;
	buf[0] = '[';
	for (int i = 0; i < w; i++)
		buf[1 + i] = i < k ? '#' : '.';
	buf[w + 1] = ']';
	buf[w + 2] = 0;
	return buf;
}

static const char *liveness(char *buf, size_t n, int32_t pid, int alive)
{
	if (pid <= 0)
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "%" PRId32 " %s", pid, alive ? "alive" : "dead");
	return buf;
}

static uint64_t mono_now_cached;
static int64_t real_now_cached;

static void clocks_refresh(void)
{
	mono_now_cached = now_mono();
	real_now_cached = now_real();
}

/* ---- JSON writer ------------------------------------------------------------------ */

struct jw {
	FILE *f;
	int first; /* nothing written yet at this level */
};

/* A JSON string; bytes outside printable ASCII become \u00XX, so the
 * document is valid UTF-8 whatever a segment holds. */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void jkey(struct jw *w, const char *k)
{
	if (!w->first)
		fputc(',', w->f);
	w->first = 0;
	jstr(w->f, k);
	fputc(':', w->f);
}

static void jk_str(struct jw *w, const char *k, const char *v)
{
	jkey(w, k);
	if (v)
		jstr(w->f, v);
	else
		fputs("null", w->f);
}

static void jk_u64(struct jw *w, const char *k, uint64_t v)
{
	jkey(w, k);
	fprintf(w->f, "%" PRIu64, v);
}

static void jk_i64(struct jw *w, const char *k, int64_t v)
{
	jkey(w, k);
	fprintf(w->f, "%" PRId64, v);
}

static void jk_bool(struct jw *w, const char *k, int v)
{
	jkey(w, k);
	fputs(v ? "true" : "false", w->f);
}

/* An age in ns, or null when the timestamp was never set. */
static void jk_age(struct jw *w, const char *k, int64_t age)
{
	jkey(w, k);
	if (age < 0)
		fputs("null", w->f);
	else
		fprintf(w->f, "%" PRId64, age);
}

static void jk_dec(struct jw *w, const char *k, ose_dec v, int present)
{
	char buf[OSE_DEC_STRMAX];

	jkey(w, k);
	if (!present) {
		fputs("null", w->f);
		return;
	}
	ose_dec_format(v, buf);
	jstr(w->f, buf);
}

static void jk_null(struct jw *w, const char *k)
{
	jkey(w, k);
	fputs("null", w->f);
}

static void jopen(struct jw *w, struct jw *inner, const char *k, char brace)
{
	if (k)
		jkey(w, k);
	else if (!w->first)
		fputc(',', w->f);
	w->first = 0;
	fputc(brace, w->f);
	inner->f = w->f;
	inner->first = 1;
}

static void jclose(struct jw *inner, char brace)
{
	fputc(brace, inner->f);
}

/* ---- decoding --------------------------------------------------------------------- */

static const char *ord_type_name(unsigned t)
{
	static const char *const n[] = {"NONE", "LIMIT", "MARKET", "LIMIT_MAKER", "STOP", "OTHER"};
	return t < sizeof(n) / sizeof(n[0]) ? n[t] : "UNKNOWN";
}

static const char *tif_name(unsigned t)
{
	static const char *const n[] = {"NONE", "GTC", "IOC", "FOK", "GTD", "OTHER"};
	return t < sizeof(n) / sizeof(n[0]) ? n[t] : "UNKNOWN";
}

static const char *upd_kind_name(unsigned k)
{
	switch (k) {
	case OSE_UPD_ORDER:
		return "ORDER";
	case OSE_UPD_LOOKUP:
		return "LOOKUP";
	case OSE_UPD_ERROR:
		return "ERROR";
	default:
		return "UNKNOWN";
	}
}

static const char *cmd_kind_name(unsigned k)
{
	switch (k) {
	case OSE_CMD_REGISTER:
		return "REGISTER";
	case OSE_CMD_LOOKUP_OID:
		return "LOOKUP_OID";
	case OSE_CMD_LOOKUP_CID:
		return "LOOKUP_CID";
	default:
		return "UNKNOWN";
	}
}

static const char *ring_state_name(unsigned s)
{
	switch (s) {
	case OSE_RS_FREE:
		return "free";
	case OSE_RS_ACTIVE:
		return "active";
	case OSE_RS_DRAINED:
		return "drained";
	default:
		return "unknown";
	}
}

/* Terminates a fixed array copied from shm in place. */
#define TERM(a) ((a)[sizeof(a) - 1] = 0)

static void event_terminate(struct ose_event *e)
{
	TERM(e->account);
	TERM(e->symbol);
	TERM(e->order_id);
	TERM(e->client_id);
	TERM(e->trade_id);
	TERM(e->fee_asset);
	TERM(e->reason);
}

static void cmd_terminate(struct ose_cmd *c)
{
	TERM(c->account);
	TERM(c->symbol);
	TERM(c->order_id);
	TERM(c->client_id);
}

static void update_terminate(struct ose_update *u)
{
	TERM(u->account);
	TERM(u->symbol);
	TERM(u->order_id);
	TERM(u->client_id);
	TERM(u->reason);
}

static void event_line(FILE *f, struct ose_event *e)
{
	char p[OSE_DEC_STRMAX], q[OSE_DEC_STRMAX], c[OSE_DEC_STRMAX];

	event_terminate(e);
	fprintf(f, "%s seq=%" PRIu64 " %s/%s/%s order=%s client=%s %s %s", ose_event_kind_name(e->kind),
		e->seq, ose_venue_name(e->venue), e->account, e->symbol, e->order_id[0] ? e->order_id : "-",
		e->client_id[0] ? e->client_id : "-", ose_side_name(e->side), ose_status_name(e->status));
	if (e->flags & OSE_EVF_HAS_PRICE)
		fprintf(f, " price=%s", fmt_dec(p, e->price));
	if (e->flags & OSE_EVF_HAS_QTY)
		fprintf(f, " qty=%s", fmt_dec(q, e->qty));
	if (e->flags & OSE_EVF_HAS_CUM_QTY)
		fprintf(f, " filled=%s", fmt_dec(c, e->cum_qty));
	if (e->flags & OSE_EVF_HAS_LAST)
		fprintf(f, " last=%s@%s", fmt_dec(q, e->last_qty), fmt_dec(p, e->last_px));
	if (e->trade_id[0])
		fprintf(f, " trade=%s", e->trade_id);
	if (e->reason[0])
		fprintf(f, " reason=%s", e->reason);
}

static void event_json(struct jw *w, struct ose_event *e)
{
	event_terminate(e);
	jk_str(w, "type", "event");
	jk_str(w, "kind", ose_event_kind_name(e->kind));
	jk_u64(w, "seq", e->seq);
	jk_str(w, "venue", ose_venue_name(e->venue));
	jk_str(w, "account", e->account);
	jk_str(w, "symbol", e->symbol);
	jk_str(w, "order_id", e->order_id);
	jk_str(w, "client_order_id", e->client_id);
	jk_str(w, "side", ose_side_name(e->side));
	jk_str(w, "status", ose_status_name(e->status));
	jk_dec(w, "price", e->price, e->flags & OSE_EVF_HAS_PRICE);
	jk_dec(w, "quantity", e->qty, e->flags & OSE_EVF_HAS_QTY);
	jk_dec(w, "filled_quantity", e->cum_qty, e->flags & OSE_EVF_HAS_CUM_QTY);
	jk_dec(w, "last_quantity", e->last_qty, e->flags & OSE_EVF_HAS_LAST);
	jk_dec(w, "last_price", e->last_px, e->flags & (OSE_EVF_HAS_LAST | OSE_EVF_HAS_LAST_PX));
	jk_str(w, "trade_id", e->trade_id);
	jk_i64(w, "exchange_ts_ns", e->exch_ts_ns);
	jk_i64(w, "recv_ts_ns", e->recv_ts_ns);
	jk_str(w, "reason", e->reason);
}

static void cmd_line(FILE *f, struct ose_cmd *c)
{
	cmd_terminate(c);
	fprintf(f, "%s req=%" PRIu64 " %s/%s/%s order=%s client=%s %s", cmd_kind_name(c->kind),
		c->req_id, ose_venue_name(c->venue), c->account, c->symbol,
		c->order_id[0] ? c->order_id : "-", c->client_id[0] ? c->client_id : "-",
		ose_side_name(c->side));
}

static void cmd_json(struct jw *w, struct ose_cmd *c)
{
	cmd_terminate(c);
	jk_str(w, "type", "command");
	jk_str(w, "kind", cmd_kind_name(c->kind));
	jk_u64(w, "req_id", c->req_id);
	jk_str(w, "venue", ose_venue_name(c->venue));
	jk_str(w, "account", c->account);
	jk_str(w, "symbol", c->symbol);
	jk_str(w, "order_id", c->order_id);
	jk_str(w, "client_order_id", c->client_id);
	jk_str(w, "side", ose_side_name(c->side));
	jk_dec(w, "price", c->price, c->flags & OSE_CMDF_HAS_PRICE);
	jk_dec(w, "quantity", c->qty, c->flags & OSE_CMDF_HAS_QTY);
}

void dump_update_line(FILE *f, const struct ose_update *in, uint64_t idx)
{
	struct ose_update u = *in;
	char ts[48], p[OSE_DEC_STRMAX], q[OSE_DEC_STRMAX], c[OSE_DEC_STRMAX];

	update_terminate(&u);
	fprintf(f, "#%" PRIu64 " %s %s %s/%s/%s order=%s client=%s %s %s->%s price=%s qty=%s filled=%s",
		idx, fmt_ts(ts, sizeof(ts), u.ts_ns), upd_kind_name(u.kind), ose_venue_name(u.venue),
		u.account, u.symbol, u.order_id[0] ? u.order_id : "-",
		u.client_id[0] ? u.client_id : "-", ose_side_name(u.side),
		ose_status_name(u.prev_status), ose_status_name(u.status), fmt_dec(p, u.price),
		fmt_dec(q, u.qty), fmt_dec(c, u.filled));
	if (u.kind == OSE_UPD_LOOKUP)
		fprintf(f, " req=%" PRIu64 "%s%s%s", u.req_id, u.uflags & OSE_UF_FOUND ? " found" : "",
			u.uflags & OSE_UF_EXECUTED ? " executed" : "",
			u.uflags & OSE_UF_NOT_LOCAL ? " not_local" : "");
	if (u.reason[0])
		fprintf(f, " reason=%s", u.reason);
}

static void update_fields(struct jw *w, struct ose_update *u, uint64_t idx)
{
	update_terminate(u);
	jk_str(w, "type", "update");
	jk_u64(w, "index", idx);
	jk_str(w, "kind", upd_kind_name(u->kind));
	jk_u64(w, "prio", u->prio);
	jk_i64(w, "ts_ns", u->ts_ns);
	jk_str(w, "venue", ose_venue_name(u->venue));
	jk_str(w, "account", u->account);
	jk_str(w, "symbol", u->symbol);
	jk_str(w, "order_id", u->order_id);
	jk_str(w, "client_order_id", u->client_id);
	jk_str(w, "side", ose_side_name(u->side));
	jk_str(w, "status", ose_status_name(u->status));
	jk_str(w, "prev_status", ose_status_name(u->prev_status));
	jk_dec(w, "price", u->price, 1);
	jk_dec(w, "quantity", u->qty, 1);
	jk_dec(w, "filled_quantity", u->filled, 1);
	jk_u64(w, "req_id", u->req_id);
	jk_bool(w, "found", u->uflags & OSE_UF_FOUND);
	jk_bool(w, "executed", u->uflags & OSE_UF_EXECUTED);
	jk_bool(w, "not_local", u->uflags & OSE_UF_NOT_LOCAL);
	jk_str(w, "reason", u->reason);
}

void dump_update_json(FILE *f, const struct ose_update *in, uint64_t idx)
{
	struct ose_update u = *in;
	struct jw w = {f, 1};

	fputc('{', f);
	update_fields(&w, &u, idx);
	fputc('}', f);
}

/* ---- per-segment facts ------------------------------------------------------------- */

struct seg_facts {
	int32_t pid;
	int alive;
	uint64_t epoch;
	int64_t hb_age;
	int superseded;
};

static void seg_facts(const struct ose_seg *seg, struct seg_facts *sf)
{
	const struct ose_seg_hdr *h = seg->hdr;

	sf->pid = h->creator_pid;
	sf->alive = sf->pid > 0 && ose_seg_owner_alive(h);
	sf->epoch = __atomic_load_n(&h->epoch, __ATOMIC_RELAXED);
	sf->hb_age = age_of(__atomic_load_n(&h->heartbeat_ns, __ATOMIC_RELAXED), mono_now_cached);
	sf->superseded = !!(__atomic_load_n(&h->flags, __ATOMIC_RELAXED) & OSE_SEG_HF_SUPERSEDED);
}

/* The feed stats in a feed ring's aux area, or NULL if absent/other version. */
static const struct ose_feed_stats *feed_stats_of(const struct dump_seg *s)
{
	const struct ose_feed_stats *fs = s->seg.aux;

	if (s->err || s->role != DUMP_ROLE_FEED || !fs || s->seg.aux_size < sizeof(*fs))
		return NULL;
	/* Acquire: pairs with the feed's release store of the magic at init. */
	if (__atomic_load_n(&fs->magic, __ATOMIC_ACQUIRE) != OSE_FEED_STATS_MAGIC ||
	    fs->version != OSE_FEED_STATS_VERSION || fs->size != sizeof(*fs))
		return NULL;
	return fs;
}

/* "ose.<inst>.feed.<venue>.<account>": venue and account components. */
static void feed_name_parts(const struct dump_inst *inst, const char *name, char *venue,
			    char *account, size_t n)
{
	const char *p = name + 4 + strlen(inst->name) + 6; /* "ose." inst ".feed." */
	const char *dot = strchr(p, '.');

	venue[0] = account[0] = 0;
	if (strlen(name) < 4 + strlen(inst->name) + 6 || !dot)
		return;
	snprintf(venue, n, "%.*s", (int)(dot - p), p);
	snprintf(account, n, "%s", dot + 1);
}

/* ---- human output ----------------------------------------------------------------- */

static void h_engine(FILE *f, const struct dump_inst *inst)
{
	char a[32];

	fprintf(f, "ose-dump: instance %s (segments in %s)\n", inst->name, inst->dir);
	if (!inst->state) {
		fprintf(f, "engine: no state segment (engine never started here)\n");
		return;
	}
	if (inst->state->err) {
		fprintf(f, "engine: state segment unreadable: %s\n", dump_strerror(inst->state->err));
		return;
	}
	struct seg_facts sf;

	seg_facts(&inst->state->seg, &sf);
	if (sf.alive)
		fprintf(f, "engine: alive (pid %" PRId32 ")", sf.pid);
	else
		fprintf(f, "engine: engine dead (pid %" PRId32 ") -- post-mortem view", sf.pid);
	fprintf(f, "  epoch %" PRIu64, sf.epoch);
	if (!inst->sh) {
		fprintf(f, "\nstate: invalid layout: %s\n", dump_strerror(inst->state_err));
		return;
	}
	const struct ose_state_hdr *h = inst->sh;
	int64_t hb = (int64_t)dump_ld((const uint64_t *)&h->heartbeat_ns);

	int64_t age = age_of((uint64_t)hb, (uint64_t)real_now_cached);

	fprintf(f, "  heartbeat %s%s  %s%s\n", fmt_age(a, sizeof(a), age), age < 0 ? "" : " ago",
		dump_ld(&h->clean) ? "clean shutdown" : "running/unclean",
		dump_ld(&h->in_apply) ? " (died inside a batch)" : "");
	fprintf(f, "table: capacity %" PRIu32 "  slots used %" PRIu64 "  books %" PRIu64 "/%" PRIu32
		   "  rings %" PRIu64 "/%" PRIu32 "  executed bound %" PRIu32 "/book\n",
		h->capacity, dump_ld(&h->slots_used), dump_ld(&h->books_used), h->book_cap,
		dump_ld(&h->rings_used), h->ring_cap, h->exec_bound);
	fprintf(f, "applied %" PRIu64 "  journal seq %" PRIu64 "  published %" PRIu64 "\n",
		dump_ld(&h->applied_total), dump_ld(&h->journal_seq), dump_ld(&h->bcast_seq));
}

static void h_segments(FILE *f, const struct dump_inst *inst)
{
	char a[32], l[32];

	fprintf(f, "\nSEGMENTS\n");
	fprintf(f, "%-44s %-6s %-5s %3s %10s %5s %-16s %s\n", "NAME", "ROLE", "KIND", "ABI", "SIZE",
		"EPOCH", "CREATOR", "HEARTBEAT");
	for (size_t i = 0; i < inst->nsegs; i++) {
		const struct dump_seg *s = &inst->segs[i];

		if (s->err) {
			fprintf(f, "%-44s %-6s error: %s\n", s->name, dump_role_name(s->role),
				dump_strerror(s->err));
			continue;
		}
		struct seg_facts sf;
		const struct ose_seg_hdr *h = s->seg.hdr;

		seg_facts(&s->seg, &sf);
		fprintf(f, "%-44s %-6s %-5s %3" PRIu32 " %10" PRIu64 " %5" PRIu64 " %-16s %s%s\n", s->name,
			dump_role_name(s->role), ose_seg_kind_name((enum ose_seg_kind)h->kind),
			h->abi_version, h->total_size, sf.epoch, liveness(l, sizeof(l), sf.pid, sf.alive),
			fmt_age(a, sizeof(a), sf.hb_age), sf.superseded ? " SUPERSEDED" : "");
	}
}

/* The ring kind shown for a segment ("feed", "cmd", "events", or
 * "internal" for another SPSC ring of the instance, e.g. the engine's
 * journal queue), or NULL if it is not a readable ring. */
static const char *ring_kind(const struct dump_seg *s)
{
	if (s->err)
		return NULL;
	switch (s->role) {
	case DUMP_ROLE_FEED:
	case DUMP_ROLE_CMD:
	case DUMP_ROLE_EVENTS:
		return dump_role_name(s->role);
	case DUMP_ROLE_OTHER:
		if (s->seg.kind == OSE_SEG_SPSC && ose_spsc_validate(&s->seg) == 0)
			return "internal";
		return NULL;
	default:
		return NULL;
	}
}

static void h_rings(FILE *f, const struct dump_inst *inst)
{
	char a[32], b[32], l1[64], l2[32], bar[BAR_W + 3];

	fprintf(f, "\nRINGS\n");
	fprintf(f, "%-44s %-6s %8s %12s %12s %8s %-22s %4s %7s %-22s %s\n", "NAME", "KIND", "CAPACITY",
		"HEAD", "TAIL", "LAG", "FILL", "%", "STALLS", "PRODUCER (heartbeat)", "CONSUMER (heartbeat)");
	for (size_t i = 0; i < inst->nsegs; i++) {
		const struct dump_seg *s = &inst->segs[i];

		if (!ring_kind(s))
			continue;
		if (s->role == DUMP_ROLE_EVENTS) {
			const struct ose_bcast_ctl *c = s->seg.payload;
			uint64_t head = ose_bcast_head(c), cap = c->info.capacity;
			uint64_t tail = head > cap ? head - cap : 0;
			int32_t pid = __atomic_load_n(&c->wr.pid, __ATOMIC_RELAXED);
			int alive = pid > 0 && ose_proc_alive(pid, __atomic_load_n(&c->wr.start, __ATOMIC_RELAXED));

			snprintf(l1, sizeof(l1), "%s %s", liveness(l2, sizeof(l2), pid, alive),
				 fmt_age(a, sizeof(a), age_of(__atomic_load_n(&c->wr.heartbeat_ns, __ATOMIC_RELAXED), mono_now_cached)));
			fprintf(f, "%-44s %-6s %8" PRIu64 " %12" PRIu64 " %12" PRIu64 " %8d %-22s %4s %7s %-22s %s\n",
				s->name, "events", cap, head, tail, 0, "(broadcast)", "-", "-", l1,
				"readers: private cursors");
			struct ose_update u;
			uint64_t idx;
			int r = dump_bcast_newest(&s->seg, &u, &idx);

			if (r == 1) {
				fprintf(f, "  newest ");
				dump_update_line(f, &u, idx);
				fputc('\n', f);
			} else if (r < 0) {
				fprintf(f, "  newest: being rewritten, skipped\n");
			}
			continue;
		}
		struct ose_spsc_stats st;

		ose_spsc_stats(&s->seg, &st);
		snprintf(l1, sizeof(l1), "%s %s", liveness(l2, sizeof(l2), st.prod_pid, st.prod_alive),
			 fmt_age(a, sizeof(a), age_of(st.prod_heartbeat_ns, mono_now_cached)));
		char l3[64];

		snprintf(l3, sizeof(l3), "%s %s", liveness(l2, sizeof(l2), st.cons_pid, st.cons_alive),
			 fmt_age(b, sizeof(b), age_of(st.cons_heartbeat_ns, mono_now_cached)));
		fprintf(f, "%-44s %-6s %8" PRIu64 " %12" PRIu64 " %12" PRIu64 " %8" PRIu64 " %-22s %3" PRIu64 "%% %7" PRIu64 " %-22s %s\n",
			s->name, ring_kind(s), st.capacity, st.head, st.tail, st.lag,
			fmt_bar(bar, st.lag, st.capacity, BAR_W),
			st.capacity ? st.lag * 100 / st.capacity : 0, st.full_stalls, l1, l3);
		const struct ose_ring_ent *e = dump_ring_ent_find(inst, s->name);

		if (e)
			fprintf(f, "  engine: %s consumed %" PRIu64 " rejected %" PRIu64 " applied-index %" PRIu64 "\n",
				ring_state_name(__atomic_load_n(&e->state, __ATOMIC_RELAXED)),
				dump_ld(&e->consumed), dump_ld(&e->rejected), dump_ld(&e->applied));
		union {
			struct ose_event ev;
			struct ose_cmd cmd;
		} rec;
		uint64_t idx;
		size_t len = s->role == DUMP_ROLE_FEED ? sizeof(rec.ev) : sizeof(rec.cmd);
		/* Internal rings carry records of their own: not decoded. */
		int r = s->role == DUMP_ROLE_OTHER ? 0 :
			len <= st.slot_size ? dump_spsc_newest(&s->seg, &rec, len, &idx) : -EINVAL;

		if (r == 1) {
			fprintf(f, "  newest #%" PRIu64 ": ", idx);
			if (s->role == DUMP_ROLE_FEED)
				event_line(f, &rec.ev);
			else
				cmd_line(f, &rec.cmd);
			fputc('\n', f);
		} else if (r == -EAGAIN) {
			fprintf(f, "  newest: overwritten while read, skipped\n");
		} else if (r < 0) {
			fprintf(f, "  newest: slot size %" PRIu32 " too small to decode\n", st.slot_size);
		}
	}
}

static void h_feeds(FILE *f, const struct dump_inst *inst)
{
	char a[32], v[64], acc[64], x[32], y[32];
	int any = 0;

	fprintf(f, "\nFEEDS\n");
	for (size_t i = 0; i < inst->nsegs; i++) {
		const struct dump_seg *s = &inst->segs[i];

		if (s->err || s->role != DUMP_ROLE_FEED)
			continue;
		any = 1;
		feed_name_parts(inst, s->name, v, acc, sizeof(v));
		const struct ose_feed_stats *fs = feed_stats_of(s);

		if (!fs) {
			fprintf(f, "%s/%s: no feed statistics in the ring's aux area\n", v, acc);
			continue;
		}
		int64_t last = age_of(OSE_FS_GET(fs->last_msg_ns), (uint64_t)real_now_cached);

		fprintf(f, "%s/%s: %s%s  pid %" PRId32 "  reconnects %" PRIu64 "  last message %s%s\n", v,
			acc, ose_feed_state_name((enum ose_feed_conn_state)OSE_FS_GET(fs->state)),
			OSE_FS_GET(fs->connected) ? " (connected)" : " (not connected)", OSE_FS_GET(fs->pid),
			OSE_FS_GET(fs->reconnects), fmt_age(a, sizeof(a), last), last < 0 ? "" : " ago");
		fprintf(f, "  bytes in %" PRIu64 " out %" PRIu64 "  frames %" PRIu64 "  messages %" PRIu64
			   "  events %" PRIu64 "  gaps %" PRIu64 "  ring-full %" PRIu64 "\n",
			OSE_FS_GET(fs->bytes_in), OSE_FS_GET(fs->bytes_out), OSE_FS_GET(fs->frames),
			OSE_FS_GET(fs->messages), OSE_FS_GET(fs->events), OSE_FS_GET(fs->gaps),
			OSE_FS_GET(fs->ring_full_stalls));
		fprintf(f, "  parse errors %" PRIu64, OSE_FS_GET(fs->parse_errors_total));
		for (unsigned k = 1; k < OSE_PERR_COUNT; k++)
			if (OSE_FS_GET(fs->parse_errors[k]))
				fprintf(f, "  %s=%" PRIu64, ose_parse_err_name((enum ose_parse_err)k),
					OSE_FS_GET(fs->parse_errors[k]));
		fputc('\n', f);
		int d = 0;

		for (unsigned k = 0; k < OSE_FEED_DISC_COUNT; k++)
			if (OSE_FS_GET(fs->disconnects[k]))
				fprintf(f, "%s%s=%" PRIu64, d++ ? "  " : "  disconnects ",
					ose_feed_disc_name((enum ose_feed_disc)k),
					OSE_FS_GET(fs->disconnects[k]));
		if (d)
			fputc('\n', f);
		for (unsigned k = 0; k < OSE_FEED_LAT_COUNT; k++) {
			const uint64_t *hist = fs->lat_hist[k];
			uint64_t n = 0;

			for (unsigned b = 0; b < OSE_FEED_LAT_BUCKETS; b++)
				n += OSE_FS_GET(hist[b]);
			if (!n)
				continue;
			fprintf(f, "  latency %-8s n=%-10" PRIu64 " p50<=%s p99<=%s\n",
				ose_feed_lat_name((enum ose_feed_lat_stage)k), n,
				fmt_ns(x, sizeof(x), dump_hist2_pct(hist, OSE_FEED_LAT_BUCKETS, 500)),
				fmt_ns(y, sizeof(y), dump_hist2_pct(hist, OSE_FEED_LAT_BUCKETS, 990)));
		}
	}
	if (!any)
		fprintf(f, "(no feed rings)\n");
}

/* Name and offset of every scalar counter in struct ose_stats, in layout
 * order: the JSON "stats" object and the human table come from this. */
#define STAT(n) {#n, offsetof(struct ose_stats, n)}
static const struct {
	const char *name;
	size_t off;
} stat_fields[] = {
	STAT(tracked), STAT(open), STAT(executed_cached), STAT(exec_symbols), STAT(filled_total),
	STAT(canceled_total), STAT(expired_total), STAT(rejected_total), STAT(events_received),
	STAT(events_applied), STAT(duplicates), STAT(stale), STAT(invalid_transitions),
	STAT(invalid_events), STAT(table_full), STAT(books_full), STAT(stuck_now), STAT(stuck_total),
	STAT(registered), STAT(pending_acked), STAT(lookups), STAT(lookup_open_hits),
	STAT(lookup_exec_hits), STAT(lookup_miss_queued), STAT(lookup_not_found_local),
	STAT(fills_applied), STAT(fill_dup_trade), STAT(overfill_guard), STAT(late_fills),
	STAT(qty_in_quote), STAT(gaps), STAT(reconcile_venues), STAT(evicted), STAT(bcast_published),
	STAT(journal_records), STAT(journal_bytes), STAT(journal_fsyncs), STAT(journal_errors),
	STAT(rings_attached), STAT(rings_detached), STAT(recoveries_state), STAT(recoveries_journal),
	STAT(recovery_skipped), STAT(lat_count), STAT(lat_sum_ns), STAT(lat_max_ns),
	STAT(f2t_count), STAT(f2t_sum_ns), STAT(f2t_max_ns), STAT(f2t_clock_back),
	STAT(out_of_range),
};
#undef STAT
#define NSTAT (sizeof(stat_fields) / sizeof(stat_fields[0]))

static uint64_t stat_get(const struct ose_stats *st, size_t i)
{
	return dump_ld((const uint64_t *)(const void *)((const char *)st + stat_fields[i].off));
}

static const unsigned pct_pm[] = {500, 900, 990, 999};
static const char *const pct_name[] = {"p50", "p90", "p99", "p99.9"};

/* One latency histogram (shm/state.h buckets) under its title: count,
 * mean, max, percentiles, and with bars each non-empty bucket. */
static void h_lat(FILE *f, const char *title, const uint64_t *hist, uint64_t n, uint64_t sum,
		  uint64_t mx, int bars)
{
	char x[32], y[32], bar[HIST_BAR_W + 3];

	fprintf(f, "\n%s  n=%" PRIu64, title, n);
	if (!n) {
		fprintf(f, "  (no samples)\n");
		return;
	}
	fprintf(f, "  mean %s  max %s\n ", fmt_ns(x, sizeof(x), sum / n), fmt_ns(y, sizeof(y), mx));
	for (unsigned k = 0; k < 4; k++)
		fprintf(f, " %s<=%s", pct_name[k],
			fmt_ns(x, sizeof(x), dump_hist_pct(hist, OSE_LAT_BUCKETS, mx, pct_pm[k])));
	fputc('\n', f);
	if (!bars)
		return;
	uint64_t hmax = 0;

	for (unsigned b = 0; b < OSE_LAT_BUCKETS; b++)
		if (dump_ld(&hist[b]) > hmax)
			hmax = dump_ld(&hist[b]);
	for (unsigned b = 0; b < OSE_LAT_BUCKETS; b++) {
		uint64_t c = dump_ld(&hist[b]);

		if (!c)
			continue;
		fprintf(f, "  %9s .. %-9s %s %" PRIu64 "\n", fmt_ns(x, sizeof(x), ose_lat_bucket_low(b)),
			b + 1 < OSE_LAT_BUCKETS ? fmt_ns(y, sizeof(y), ose_lat_bucket_low(b + 1) - 1) : "inf",
			fmt_bar(bar, c, hmax, HIST_BAR_W), c);
	}
}

static void h_stats(FILE *f, const struct dump_inst *inst)
{
	fprintf(f, "\nSTATISTICS\n");
	if (!inst->sh) {
		fprintf(f, "(no valid state segment)\n");
		return;
	}
	const struct ose_stats *st = dump_inst_stats(inst);

	for (size_t i = 0; i < NSTAT; i++)
		fprintf(f, "  %-24s %14" PRIu64 "%s", stat_fields[i].name, stat_get(st, i),
			i % 3 == 2 || i + 1 == NSTAT ? "\n" : "");
	h_lat(f, "APPLY LATENCY (ring pop -> slot published)", st->lat_hist,
	      dump_ld(&st->lat_count), dump_ld(&st->lat_sum_ns), dump_ld(&st->lat_max_ns), 1);
	h_lat(f, "FRAME TO TABLE (feed socket readable -> slot published)", st->f2t_hist,
	      dump_ld(&st->f2t_count), dump_ld(&st->f2t_sum_ns), dump_ld(&st->f2t_max_ns), 0);
	if (dump_ld(&st->f2t_clock_back))
		fprintf(f, "  (%" PRIu64 " samples left out: the realtime clock stepped back)\n",
			dump_ld(&st->f2t_clock_back));
}

static void h_order_detail(FILE *f, const struct dump_order *d)
{
	const struct ose_slot *o = &d->s;
	char a[OSE_DEC_STRMAX], ts[48];

	fprintf(f, "\nORDER %s/%s/%s %s\n", ose_venue_name(o->venue), o->account, o->symbol,
		o->order_id[0] ? o->order_id : "(no order id yet)");
	fprintf(f, "  client_order_id  %s\n", o->client_id[0] ? o->client_id : "-");
	fprintf(f, "  side %s  type %s  tif %s\n", ose_side_name(o->side), ord_type_name(o->ord_type),
		tif_name(o->tif));
	fprintf(f, "  status %s (%s)%s%s%s%s%s\n", ose_status_name(o->status),
		o->oflags & OSE_OF_OPEN ? "open" : "executed",
		o->oflags & OSE_OF_REGISTERED ? " registered" : "", o->oflags & OSE_OF_STUCK ? " STUCK" : "",
		o->oflags & OSE_OF_LATE_FILL ? " late-fill" : "",
		o->oflags & OSE_OF_QTY_IN_QUOTE ? " qty-in-quote" : "",
		o->oflags & OSE_OF_NOT_FOUND ? " venue-not-found" : "");
	fprintf(f, "  price %s", o->oflags & OSE_OF_HAS_PRICE ? fmt_dec(a, o->price) : "-");
	fprintf(f, "  quantity %s", o->oflags & OSE_OF_HAS_QTY ? fmt_dec(a, o->qty) : "-");
	fprintf(f, "  filled %s", fmt_dec(a, o->filled));
	fprintf(f, "  avg price %s", o->oflags & OSE_OF_HAS_AVG_PX ? fmt_dec(a, o->avg_px) : "-");
	fprintf(f, "  fee %s\n", o->oflags & OSE_OF_HAS_FEE ? fmt_dec(a, o->fee) : "-");
	fprintf(f, "  created  %s\n", fmt_ts(ts, sizeof(ts), o->created_ns));
	fprintf(f, "  updated  %s\n", fmt_ts(ts, sizeof(ts), o->updated_ns));
	fprintf(f, "  exchange %s\n", fmt_ts(ts, sizeof(ts), o->exch_ts_ns));
	fprintf(f, "  venue seq %" PRIu64 "  updates %" PRIu64 "  slot %" PRIu32 "\n", o->venue_seq,
		o->updates, d->slot);
	unsigned n = o->hist_len < OSE_HIST_MAX ? o->hist_len : OSE_HIST_MAX;

	fprintf(f, "  history (%u transitions%s):\n", o->hist_len,
		o->hist_len > OSE_HIST_MAX ? ", oldest dropped" : "");
	for (unsigned k = 0; k < n; k++) {
		/* Oldest kept first: entry (hist_len - 1) % MAX is the newest. */
		unsigned e = (unsigned)(o->hist_len - n + k) % OSE_HIST_MAX;

		fprintf(f, "    %s  %s\n", fmt_ts(ts, sizeof(ts), o->hist_ts[e]),
			ose_status_name(o->hist_st[e]));
	}
}

static void h_orders(FILE *f, const struct dump_inst *inst, const struct dump_opts *opt)
{
	char p[OSE_DEC_STRMAX], q[OSE_DEC_STRMAX], c[OSE_DEC_STRMAX];
	size_t nopen = 0;

	for (size_t i = 0; i < inst->norders; i++)
		nopen += !!(inst->orders[i].s.oflags & OSE_OF_OPEN);
	fprintf(f, "\nORDERS (%zu shown: %zu open, %zu executed; %" PRIu64 " tracked)\n", inst->norders,
		nopen, inst->norders - nopen, inst->tracked);
	if (inst->nunstable) {
		fprintf(f, "WARNING: %zu slot(s) never stabilised (writer died mid-update?):", inst->nunstable);
		for (size_t i = 0; i < inst->nunstable && i < 16; i++)
			fprintf(f, " %" PRIu32, inst->unstable[i]);
		fprintf(f, "%s\n", inst->nunstable > 16 ? " ..." : "");
	}
	if (!inst->sh) {
		fprintf(f, "(no valid state segment)\n");
		return;
	}
	if (opt->detail) {
		for (size_t i = 0; i < inst->norders; i++)
			h_order_detail(f, &inst->orders[i]);
		return;
	}
	fprintf(f, "%-8s %-10s %-14s %-22s %-22s %-4s %-16s %14s %14s %14s %s\n", "VENUE", "ACCOUNT",
		"SYMBOL", "ORDER_ID", "CLIENT_ORDER_ID", "SIDE", "STATUS", "PRICE", "QUANTITY", "FILLED",
		"OPEN");
	for (size_t i = 0; i < inst->norders; i++) {
		const struct ose_slot *o = &inst->orders[i].s;

		fprintf(f, "%-8s %-10s %-14s %-22s %-22s %-4s %-16s %14s %14s %14s %s%s\n",
			ose_venue_name(o->venue), o->account, o->symbol, o->order_id[0] ? o->order_id : "-",
			o->client_id[0] ? o->client_id : "-", ose_side_name(o->side),
			ose_status_name(o->status), o->oflags & OSE_OF_HAS_PRICE ? fmt_dec(p, o->price) : "-",
			o->oflags & OSE_OF_HAS_QTY ? fmt_dec(q, o->qty) : "-", fmt_dec(c, o->filled),
			o->oflags & OSE_OF_OPEN ? "yes" : "no", o->oflags & OSE_OF_STUCK ? " STUCK" : "");
	}
}

void dump_human(FILE *f, const struct dump_inst *inst, const struct dump_opts *o)
{
	clocks_refresh();
	if (o->sections & DUMP_SEC_ENGINE)
		h_engine(f, inst);
	if (o->sections & DUMP_SEC_SEGMENTS)
		h_segments(f, inst);
	if (o->sections & DUMP_SEC_RINGS)
		h_rings(f, inst);
	if (o->sections & DUMP_SEC_FEEDS)
		h_feeds(f, inst);
	if (o->sections & DUMP_SEC_STATS)
		h_stats(f, inst);
	if (o->sections & DUMP_SEC_ORDERS)
		h_orders(f, inst, o);
}

/* ---- JSON output --------------------------------------------------------------------- */

static void j_engine(struct jw *w, const struct dump_inst *inst)
{
	struct jw e;

	jopen(w, &e, "engine", '{');
	jk_bool(&e, "present", inst->sh != NULL);
	if (inst->state && !inst->state->err) {
		struct seg_facts sf;

		seg_facts(&inst->state->seg, &sf);
		jk_i64(&e, "pid", sf.pid);
		jk_bool(&e, "alive", sf.alive);
		jk_u64(&e, "epoch", sf.epoch);
	} else {
		jk_i64(&e, "pid", 0);
		jk_bool(&e, "alive", 0);
		jk_u64(&e, "epoch", 0);
	}
	if (inst->sh) {
		const struct ose_state_hdr *h = inst->sh;
		int64_t hb = (int64_t)dump_ld((const uint64_t *)&h->heartbeat_ns);

		jk_age(&e, "heartbeat_age_ns", age_of((uint64_t)hb, (uint64_t)real_now_cached));
		jk_bool(&e, "clean_shutdown", dump_ld(&h->clean) != 0);
		jk_bool(&e, "in_apply", dump_ld(&h->in_apply) != 0);
		jk_u64(&e, "capacity", h->capacity);
		jk_u64(&e, "exec_bound", h->exec_bound);
		jk_u64(&e, "book_cap", h->book_cap);
		jk_u64(&e, "ring_cap", h->ring_cap);
		jk_u64(&e, "slots_used", dump_ld(&h->slots_used));
		jk_u64(&e, "books_used", dump_ld(&h->books_used));
		jk_u64(&e, "rings_used", dump_ld(&h->rings_used));
		jk_u64(&e, "applied_total", dump_ld(&h->applied_total));
		jk_u64(&e, "journal_seq", dump_ld(&h->journal_seq));
		jk_u64(&e, "bcast_seq", dump_ld(&h->bcast_seq));
		jk_null(&e, "error");
	} else {
		jk_null(&e, "heartbeat_age_ns");
		jk_str(&e, "error", inst->state ? dump_strerror(inst->state_err) : "no state segment");
	}
	jclose(&e, '}');
}

static void j_segments(struct jw *w, const struct dump_inst *inst)
{
	struct jw arr, s;

	jopen(w, &arr, "segments", '[');
	for (size_t i = 0; i < inst->nsegs; i++) {
		const struct dump_seg *d = &inst->segs[i];

		jopen(&arr, &s, NULL, '{');
		jk_str(&s, "name", d->name);
		jk_str(&s, "role", dump_role_name(d->role));
		if (d->err) {
			jk_str(&s, "error", dump_strerror(d->err));
			jk_i64(&s, "exit_code", dump_exit_code(d->err));
			jclose(&s, '}');
			continue;
		}
		const struct ose_seg_hdr *h = d->seg.hdr;
		struct seg_facts sf;

		seg_facts(&d->seg, &sf);
		jk_null(&s, "error");
		jk_str(&s, "kind", ose_seg_kind_name((enum ose_seg_kind)h->kind));
		jk_u64(&s, "abi_version", h->abi_version);
		jk_u64(&s, "total_size", h->total_size);
		jk_u64(&s, "aux_size", h->aux_size);
		jk_u64(&s, "payload_size", h->payload_size);
		jk_i64(&s, "creator_pid", sf.pid);
		jk_bool(&s, "creator_alive", sf.alive);
		jk_u64(&s, "epoch", sf.epoch);
		jk_u64(&s, "created_ns", h->created_ns);
		jk_age(&s, "heartbeat_age_ns", sf.hb_age);
		jk_bool(&s, "superseded", sf.superseded);
		jclose(&s, '}');
	}
	jclose(&arr, ']');
}

static void j_peer(struct jw *w, const char *k, int32_t pid, int alive, uint64_t hb, uint64_t att)
{
	struct jw p;

	jopen(w, &p, k, '{');
	jk_i64(&p, "pid", pid);
	jk_bool(&p, "alive", alive);
	jk_age(&p, "heartbeat_age_ns", age_of(hb, mono_now_cached));
	jk_u64(&p, "attaches", att);
	jclose(&p, '}');
}

static void j_rings(struct jw *w, const struct dump_inst *inst)
{
	struct jw arr, r, x;

	jopen(w, &arr, "rings", '[');
	for (size_t i = 0; i < inst->nsegs; i++) {
		const struct dump_seg *s = &inst->segs[i];

		if (!ring_kind(s))
			continue;
		jopen(&arr, &r, NULL, '{');
		jk_str(&r, "name", s->name);
		jk_str(&r, "kind", ring_kind(s));
		if (s->role == DUMP_ROLE_EVENTS) {
			const struct ose_bcast_ctl *c = s->seg.payload;
			uint64_t head = ose_bcast_head(c), cap = c->info.capacity;
			int32_t pid = __atomic_load_n(&c->wr.pid, __ATOMIC_RELAXED);

			jk_u64(&r, "capacity", cap);
			jk_u64(&r, "head", head);
			jk_u64(&r, "tail", head > cap ? head - cap : 0);
			jk_u64(&r, "lag", 0);
			jk_u64(&r, "slot_size", c->info.slot_size);
			jk_u64(&r, "full_stalls", 0);
			j_peer(&r, "producer", pid,
			       pid > 0 && ose_proc_alive(pid, __atomic_load_n(&c->wr.start, __ATOMIC_RELAXED)),
			       __atomic_load_n(&c->wr.heartbeat_ns, __ATOMIC_RELAXED),
			       __atomic_load_n(&c->wr.attaches, __ATOMIC_RELAXED));
			jk_null(&r, "consumer");
			jk_null(&r, "engine");
			struct ose_update u;
			uint64_t idx;

			if (dump_bcast_newest(&s->seg, &u, &idx) == 1) {
				jopen(&r, &x, "newest", '{');
				update_fields(&x, &u, idx);
				jclose(&x, '}');
			} else {
				jk_null(&r, "newest");
			}
			jclose(&r, '}');
			continue;
		}
		struct ose_spsc_stats st;

		ose_spsc_stats(&s->seg, &st);
		jk_u64(&r, "capacity", st.capacity);
		jk_u64(&r, "head", st.head);
		jk_u64(&r, "tail", st.tail);
		jk_u64(&r, "lag", st.lag);
		jk_u64(&r, "slot_size", st.slot_size);
		jk_u64(&r, "full_stalls", st.full_stalls);
		j_peer(&r, "producer", st.prod_pid, st.prod_alive, st.prod_heartbeat_ns, st.prod_attaches);
		j_peer(&r, "consumer", st.cons_pid, st.cons_alive, st.cons_heartbeat_ns, st.cons_attaches);
		const struct ose_ring_ent *e = dump_ring_ent_find(inst, s->name);

		if (e) {
			jopen(&r, &x, "engine", '{');
			jk_str(&x, "state", ring_state_name(__atomic_load_n(&e->state, __ATOMIC_RELAXED)));
			jk_u64(&x, "consumed", dump_ld(&e->consumed));
			jk_u64(&x, "rejected", dump_ld(&e->rejected));
			jk_u64(&x, "applied_index", dump_ld(&e->applied));
			jclose(&x, '}');
		} else {
			jk_null(&r, "engine");
		}
		union {
			struct ose_event ev;
			struct ose_cmd cmd;
		} rec;
		uint64_t idx;
		size_t len = s->role == DUMP_ROLE_FEED ? sizeof(rec.ev) : sizeof(rec.cmd);

		if (s->role != DUMP_ROLE_OTHER && len <= st.slot_size &&
		    dump_spsc_newest(&s->seg, &rec, len, &idx) == 1) {
			jopen(&r, &x, "newest", '{');
			jk_u64(&x, "index", idx);
			if (s->role == DUMP_ROLE_FEED)
				event_json(&x, &rec.ev);
			else
				cmd_json(&x, &rec.cmd);
			jclose(&x, '}');
		} else {
			jk_null(&r, "newest");
		}
		jclose(&r, '}');
	}
	jclose(&arr, ']');
}

static void j_feeds(struct jw *w, const struct dump_inst *inst)
{
	struct jw arr, o, x, y;
	char v[64], acc[64];

	jopen(w, &arr, "feeds", '[');
	for (size_t i = 0; i < inst->nsegs; i++) {
		const struct dump_seg *s = &inst->segs[i];
		const struct ose_feed_stats *fs = feed_stats_of(s);

		if (s->err || s->role != DUMP_ROLE_FEED)
			continue;
		feed_name_parts(inst, s->name, v, acc, sizeof(v));
		jopen(&arr, &o, NULL, '{');
		jk_str(&o, "name", s->name);
		jk_str(&o, "venue", v);
		jk_str(&o, "account", acc);
		jk_bool(&o, "stats_present", fs != NULL);
		if (!fs) {
			jclose(&o, '}');
			continue;
		}
		jk_str(&o, "state", ose_feed_state_name((enum ose_feed_conn_state)OSE_FS_GET(fs->state)));
		jk_bool(&o, "connected", OSE_FS_GET(fs->connected) != 0);
		jk_i64(&o, "pid", OSE_FS_GET(fs->pid));
		jk_u64(&o, "connects", OSE_FS_GET(fs->connects));
		jk_u64(&o, "sessions", OSE_FS_GET(fs->sessions));
		jk_u64(&o, "reconnects", OSE_FS_GET(fs->reconnects));
		jk_age(&o, "last_msg_age_ns", age_of(OSE_FS_GET(fs->last_msg_ns), (uint64_t)real_now_cached));
		jk_u64(&o, "bytes_in", OSE_FS_GET(fs->bytes_in));
		jk_u64(&o, "bytes_out", OSE_FS_GET(fs->bytes_out));
		jk_u64(&o, "frames", OSE_FS_GET(fs->frames));
		jk_u64(&o, "messages", OSE_FS_GET(fs->messages));
		jk_u64(&o, "events", OSE_FS_GET(fs->events));
		jk_u64(&o, "gaps", OSE_FS_GET(fs->gaps));
		jk_u64(&o, "ring_full_stalls", OSE_FS_GET(fs->ring_full_stalls));
		jk_u64(&o, "parse_errors_total", OSE_FS_GET(fs->parse_errors_total));
		jopen(&o, &x, "parse_errors", '{');
		for (unsigned k = 1; k < OSE_PERR_COUNT; k++)
			jk_u64(&x, ose_parse_err_name((enum ose_parse_err)k), OSE_FS_GET(fs->parse_errors[k]));
		jclose(&x, '}');
		jopen(&o, &x, "disconnects", '{');
		for (unsigned k = 0; k < OSE_FEED_DISC_COUNT; k++)
			jk_u64(&x, ose_feed_disc_name((enum ose_feed_disc)k), OSE_FS_GET(fs->disconnects[k]));
		jclose(&x, '}');
		jopen(&o, &x, "latency", '{');
		for (unsigned k = 0; k < OSE_FEED_LAT_COUNT; k++) {
			const uint64_t *hist = fs->lat_hist[k];
			uint64_t n = 0;

			for (unsigned b = 0; b < OSE_FEED_LAT_BUCKETS; b++)
				n += OSE_FS_GET(hist[b]);
			jopen(&x, &y, ose_feed_lat_name((enum ose_feed_lat_stage)k), '{');
			jk_u64(&y, "count", n);
			jk_u64(&y, "last_ns", OSE_FS_GET(fs->lat_last_ns[k]));
			jk_u64(&y, "p50_ns", dump_hist2_pct(hist, OSE_FEED_LAT_BUCKETS, 500));
			jk_u64(&y, "p99_ns", dump_hist2_pct(hist, OSE_FEED_LAT_BUCKETS, 990));
			jclose(&y, '}');
		}
		jclose(&x, '}');
		jclose(&o, '}');
	}
	jclose(&arr, ']');
}

/* One latency histogram (shm/state.h buckets) as the object k: count,
 * sum, max, mean, percentiles and the non-empty buckets. */
static void j_lat(struct jw *w, const char *k, const uint64_t *hist, uint64_t n, uint64_t sum,
		  uint64_t mx)
{
	struct jw l, arr, b;

	jopen(w, &l, k, '{');
	jk_u64(&l, "count", n);
	jk_u64(&l, "sum_ns", sum);
	jk_u64(&l, "max_ns", mx);
	jk_u64(&l, "mean_ns", n ? sum / n : 0);
	jk_u64(&l, "p50_ns", dump_hist_pct(hist, OSE_LAT_BUCKETS, mx, 500));
	jk_u64(&l, "p90_ns", dump_hist_pct(hist, OSE_LAT_BUCKETS, mx, 900));
	jk_u64(&l, "p99_ns", dump_hist_pct(hist, OSE_LAT_BUCKETS, mx, 990));
	jk_u64(&l, "p999_ns", dump_hist_pct(hist, OSE_LAT_BUCKETS, mx, 999));
	jopen(&l, &arr, "buckets", '[');
	for (unsigned i = 0; i < OSE_LAT_BUCKETS; i++) {
		uint64_t c = dump_ld(&hist[i]);

		if (!c)
			continue;
		jopen(&arr, &b, NULL, '{');
		jk_u64(&b, "low_ns", ose_lat_bucket_low(i));
		if (i + 1 < OSE_LAT_BUCKETS)
			jk_u64(&b, "high_ns", ose_lat_bucket_low(i + 1) - 1);
		else
			jk_null(&b, "high_ns");
		jk_u64(&b, "count", c);
		jclose(&b, '}');
	}
	jclose(&arr, ']');
	jclose(&l, '}');
}

static void j_stats(struct jw *w, const struct dump_inst *inst)
{
	struct jw s;

	jopen(w, &s, "stats", '{');
	if (inst->sh) {
		const struct ose_stats *st = dump_inst_stats(inst);

		for (size_t i = 0; i < NSTAT; i++)
			jk_u64(&s, stat_fields[i].name, stat_get(st, i));
	}
	jclose(&s, '}');
	if (!inst->sh) {
		jk_null(w, "latency");
		jk_null(w, "frame_to_table");
		return;
	}
	const struct ose_stats *st = dump_inst_stats(inst);

	j_lat(w, "latency", st->lat_hist, dump_ld(&st->lat_count), dump_ld(&st->lat_sum_ns),
	      dump_ld(&st->lat_max_ns));
	j_lat(w, "frame_to_table", st->f2t_hist, dump_ld(&st->f2t_count), dump_ld(&st->f2t_sum_ns),
	      dump_ld(&st->f2t_max_ns));
}

static void j_order(struct jw *arr, const struct dump_order *d)
{
	const struct ose_slot *o = &d->s;
	struct jw w, h, e;

	jopen(arr, &w, NULL, '{');
	jk_str(&w, "venue", ose_venue_name(o->venue));
	jk_str(&w, "account", o->account);
	jk_str(&w, "symbol", o->symbol);
	jk_str(&w, "order_id", o->order_id);
	jk_str(&w, "client_order_id", o->client_id);
	jk_str(&w, "side", ose_side_name(o->side));
	jk_str(&w, "status", ose_status_name(o->status));
	jk_dec(&w, "price", o->price, o->oflags & OSE_OF_HAS_PRICE);
	jk_dec(&w, "quantity", o->qty, o->oflags & OSE_OF_HAS_QTY);
	jk_dec(&w, "filled_quantity", o->filled, 1);
	jk_bool(&w, "open", o->oflags & OSE_OF_OPEN);
	jk_bool(&w, "executed", o->oflags & OSE_OF_EXECUTED);
	jk_str(&w, "type", ord_type_name(o->ord_type));
	jk_str(&w, "tif", tif_name(o->tif));
	jk_dec(&w, "avg_price", o->avg_px, o->oflags & OSE_OF_HAS_AVG_PX);
	jk_dec(&w, "fee", o->fee, o->oflags & OSE_OF_HAS_FEE);
	jk_bool(&w, "registered", o->oflags & OSE_OF_REGISTERED);
	jk_bool(&w, "stuck", o->oflags & OSE_OF_STUCK);
	jk_bool(&w, "late_fill", o->oflags & OSE_OF_LATE_FILL);
	jk_bool(&w, "qty_in_quote", o->oflags & OSE_OF_QTY_IN_QUOTE);
	jk_u64(&w, "venue_not_found", o->not_found);
	jk_i64(&w, "created_ns", o->created_ns);
	jk_i64(&w, "updated_ns", o->updated_ns);
	jk_i64(&w, "exchange_ts_ns", o->exch_ts_ns);
	jk_u64(&w, "venue_seq", o->venue_seq);
	jk_u64(&w, "updates", o->updates);
	jk_u64(&w, "slot", d->slot);
	jopen(&w, &h, "history", '[');
	unsigned n = o->hist_len < OSE_HIST_MAX ? o->hist_len : OSE_HIST_MAX;

	for (unsigned k = 0; k < n; k++) {
		unsigned i = (unsigned)(o->hist_len - n + k) % OSE_HIST_MAX;

		jopen(&h, &e, NULL, '{');
		jk_i64(&e, "ts_ns", o->hist_ts[i]);
		jk_str(&e, "status", ose_status_name(o->hist_st[i]));
		jclose(&e, '}');
	}
	jclose(&h, ']');
	jclose(&w, '}');
}

void dump_json(FILE *f, const struct dump_inst *inst, const struct dump_opts *o)
{
	struct jw top = {f, 1}, arr;

	(void)o;
	clocks_refresh();
	fputc('{', f);
	jk_u64(&top, "schema_version", 1);
	jk_str(&top, "instance", inst->name);
	jk_str(&top, "shm_dir", inst->dir);
	j_engine(&top, inst);
	j_segments(&top, inst);
	j_rings(&top, inst);
	j_feeds(&top, inst);
	j_stats(&top, inst);
	jk_u64(&top, "orders_tracked", inst->tracked);
	jopen(&top, &arr, "orders", '[');
	for (size_t i = 0; i < inst->norders; i++)
		j_order(&arr, &inst->orders[i]);
	jclose(&arr, ']');
	jopen(&top, &arr, "unstable_slots", '[');
	for (size_t i = 0; i < inst->nunstable; i++) {
		if (i)
			fputc(',', f);
		fprintf(f, "%" PRIu32, inst->unstable[i]);
	}
	jclose(&arr, ']');
	fputs("}\n", f);
}

/* ---- --list --------------------------------------------------------------------------- */

struct inst_names {
	char (*v)[32];
	size_t n, cap;
	int err;
};

static int list_fn(const char *name, void *arg)
{
	struct inst_names *l = arg;
	const char *p = name + 4, *dot;
	size_t len;

	if (strncmp(name, "ose.", 4))
		return 0;
	dot = strchr(p, '.');
	len = dot ? (size_t)(dot - p) : strlen(p);
	if (!len || len >= sizeof(l->v[0]))
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && !strncmp(l->v[i], p, len))
			return 0;
	if (l->n == l->cap) {
		size_t n = l->cap ? 2 * l->cap : 8;
		void *q = realloc(l->v, n * sizeof(*l->v));

		if (!q) {
			l->err = -ENOMEM;
			return 1;
		}
		l->v = q;
		l->cap = n;
	}
	memcpy(l->v[l->n], p, len);
	l->v[l->n][len] = 0;
	l->n++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int dump_list(FILE *f, int json)
{
	struct inst_names l = {0};
	char dir[256];
	int r = ose_seg_list("ose.", list_fn, &l);

	if (r < 0 || l.err < 0) {
		free(l.v);
		return r < 0 ? r : l.err;
	}
	if ((r = ose_seg_dir(dir, sizeof(dir))) < 0) {
		free(l.v);
		return r;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), name_cmp);
	struct jw top = {f, 1}, arr = {f, 1}, o, e;

	if (json) {
		fputc('{', f);
		jk_u64(&top, "schema_version", 1);
		jk_str(&top, "shm_dir", dir);
		jopen(&top, &arr, "instances", '[');
	} else {
		fprintf(f, "instances in %s\n", dir);
		fprintf(f, "%-32s %-24s %6s %8s %10s\n", "INSTANCE", "ENGINE", "EPOCH", "SEGMENTS",
			"OPEN");
	}
	for (size_t i = 0; i < l.n; i++) {
		struct dump_inst inst;
		int err = dump_inst_open(&inst, l.v[i]);
		struct seg_facts sf = {0};
		int have = !err && inst.state && !inst.state->err;

		if (have)
			seg_facts(&inst.state->seg, &sf);
		uint64_t open = inst.sh ? dump_ld(&dump_stats(inst.sh)->open) : 0;

		if (json) {
			jopen(&arr, &o, NULL, '{');
			jk_str(&o, "name", l.v[i]);
			jk_u64(&o, "segments", err ? 0 : inst.nsegs);
			if (have) {
				jopen(&o, &e, "engine", '{');
				jk_i64(&e, "pid", sf.pid);
				jk_bool(&e, "alive", sf.alive);
				jk_u64(&e, "epoch", sf.epoch);
				jclose(&e, '}');
			} else {
				jk_null(&o, "engine");
			}
			if (inst.sh)
				jk_u64(&o, "open_orders", open);
			else
				jk_null(&o, "open_orders");
			if (err)
				jk_str(&o, "error", dump_strerror(err));
			else if (inst.state_err)
				jk_str(&o, "error", inst.state ? dump_strerror(inst.state_err) : "no state segment");
			else
				jk_null(&o, "error");
			jclose(&o, '}');
		} else {
			char eng[48];

			if (have)
				snprintf(eng, sizeof(eng), "%s (pid %" PRId32 ")", sf.alive ? "alive" : "dead", sf.pid);
			else
				snprintf(eng, sizeof(eng), "%s", err ? dump_strerror(err) :
					 inst.state ? dump_strerror(inst.state_err) : "no state segment");
			fprintf(f, "%-32s %-24s %6" PRIu64 " %8zu ", l.v[i], eng, sf.epoch, err ? 0 : inst.nsegs);
			if (inst.sh)
				fprintf(f, "%10" PRIu64 "\n", open);
			else
				fprintf(f, "%10s\n", "-");
		}
		if (!err)
			dump_inst_close(&inst);
	}
	if (json) {
		jclose(&arr, ']');
		fputs("}\n", f);
	} else if (!l.n) {
		fprintf(f, "(none)\n");
	}
	free(l.v);
	return 0;
}
