/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "v2_util.h"
#include "tests/adapters/stamp_check.h"

char *v2_load(const char *rel, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", OSE_FIXTURE_DIR, rel);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open fixture %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint8_t *v2_unhex(const char *hex, size_t len, size_t *out_len)
{
	uint8_t *out = malloc(len / 2 + 1);
	size_t n = 0;
	int hi = -1;
	cr_assert_not_null(out);
	for (size_t i = 0; i < len; i++) {
		int v = hexval(hex[i]);
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	*out_len = n;
	return out;
}

size_t v2_chomp(const char *p, size_t len)
{
	if (len && p[len - 1] == '\n')
		len--;
	return len;
}

const char *v2_guard_put(struct v2_guard *g, const void *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data_pages = (len + page - 1) / page;
	if (data_pages == 0)
		data_pages = 1;
	g->maplen = (data_pages + 1) * page;
	g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(g->map, MAP_FAILED);
	cr_assert_eq(mprotect(g->map + data_pages * page, page, PROT_NONE), 0);
	uint8_t *dst = g->map + data_pages * page - len;
	if (len)
		memcpy(dst, p, len);
	return (const char *)dst;
}

void v2_guard_free(struct v2_guard *g)
{
	munmap(g->map, g->maplen);
	g->map = NULL;
}

void v2_dec_str(ose_dec v, char *buf)
{
	ose_dec_format(v, buf);
}

char *v2_load_msg(const struct v2_case *c, size_t *len)
{
	size_t n;
	char *raw = v2_load(c->file, &n);
	size_t fl = strlen(c->file);
	if (fl > 4 && strcmp(c->file + fl - 4, ".hex") == 0) {
		char *bin = (char *)v2_unhex(raw, n, len);
		free(raw);
		return bin;
	}
	*len = v2_chomp(raw, n);
	return raw;
}

enum ose_parse_res v2_parse(ose_adapter_parse_fn fn, enum ose_venue venue, const char *msg,
			    size_t len, int binary, struct ose_event *ev, uint32_t cap,
			    struct ose_parse_out *out)
{
	struct ose_parse_ctx ctx = { .account = V2_ACCOUNT, .venue = venue };
	memset(out, 0, sizeof(*out));
	out->ev = ev;
	out->cap = cap;
	out->why = NULL;
	return fn(msg, len, binary, &ctx, out);
}

static void check_dec(const char *name, const char *file, uint32_t i, uint16_t flags,
		      uint16_t flag, ose_dec v, const char *want)
{
	char buf[OSE_DEC_STRMAX];
	if (!want) {
		cr_expect_eq(flags & flag, 0, "%s ev%u: %s should be absent", file, i, name);
		return;
	}
	cr_expect_neq(flags & flag, 0, "%s ev%u: %s flag missing", file, i, name);
	ose_dec_format(v, buf);
	cr_expect_str_eq(buf, want, "%s ev%u: %s = %s, want %s", file, i, name, buf, want);
}

static void check_str(const char *name, const char *file, uint32_t i, const char *got,
		      const char *want)
{
	cr_expect_str_eq(got, want ? want : "", "%s ev%u: %s = '%s', want '%s'", file, i, name,
			 got, want ? want : "");
}

#define V2_CAP 64

static void check_out(const struct v2_case *c, enum ose_venue venue, enum ose_parse_res res,
		      const struct ose_parse_out *out, const struct ose_event *ev)
{
	cr_assert_eq(res, c->res, "%s: result %d, want %d (err %s, why %s)", c->file, res, c->res,
		     ose_parse_err_name(out->err), out->why ? out->why : "(null)");
	cr_assert_not_null(out->why, "%s: why is NULL", c->file);
	if (c->why)
		cr_expect_str_eq(out->why, c->why, "%s: why '%s'", c->file, out->why);
	if (res == OSE_PARSE_ERROR) {
		cr_expect_eq(out->err, c->err, "%s: err %s, want %s (why %s)", c->file,
			     ose_parse_err_name(out->err), ose_parse_err_name(c->err), out->why);
		cr_expect_eq(out->n, 0);
		return;
	}
	if (res == OSE_PARSE_SESSION) {
		cr_expect_eq(out->session, c->sess, "%s: session %s, want %s", c->file,
			     ose_session_kind_name(out->session), ose_session_kind_name(c->sess));
		cr_expect_eq(out->n, 0);
		return;
	}
	cr_assert_eq(out->n, c->n, "%s: %u events, want %u", c->file, out->n, c->n);
	for (uint32_t i = 0; i < c->n; i++) {
		const struct v2_exp_ev *x = &c->ev[i];
		const struct ose_event *e = &ev[i];
		cr_expect_eq(e->kind, x->kind, "%s ev%u kind %u", c->file, i, e->kind);
		cr_expect_eq(e->venue, venue);
		cr_expect_eq(e->status, x->status, "%s ev%u status %s want %s", c->file, i,
			     ose_status_name(e->status), ose_status_name(x->status));
		cr_expect_eq(e->side, x->side, "%s ev%u side %u", c->file, i, e->side);
		cr_expect_eq(e->ord_type, x->ord_type, "%s ev%u ord_type %u", c->file, i, e->ord_type);
		cr_expect_eq(e->tif, x->tif, "%s ev%u tif %u", c->file, i, e->tif);
		cr_expect_eq(e->flags, x->flags, "%s ev%u flags 0x%x want 0x%x", c->file, i, e->flags, x->flags);
		cr_expect_eq(e->exch_ts_ns, x->exch_ts_ns, "%s ev%u exch_ts %lld want %lld", c->file, i,
			     (long long)e->exch_ts_ns, (long long)x->exch_ts_ns);
		cr_expect_eq(e->venue_seq, x->venue_seq, "%s ev%u venue_seq", c->file, i);
		cr_expect_eq(e->feed_id, 0);
		cr_expect_eq(e->seq, 0);
		cr_expect_eq(e->recv_ts_ns, 0);
		/* No fixture carries the simulator's ose_ts stamp. */
		cr_expect_eq(e->send_ts_ns, 0, "%s ev%u send_ts_ns %lld", c->file, i,
			     (long long)e->send_ts_ns);
		check_str("account", c->file, i, e->account, V2_ACCOUNT);
		check_str("symbol", c->file, i, e->symbol, x->symbol);
		check_str("order_id", c->file, i, e->order_id, x->order_id);
		check_str("client_id", c->file, i, e->client_id, x->client_id);
		check_str("trade_id", c->file, i, e->trade_id, x->trade_id);
		check_str("fee_asset", c->file, i, e->fee_asset, x->fee_asset);
		check_dec("price", c->file, i, e->flags, OSE_EVF_HAS_PRICE, e->price, x->price);
		check_dec("qty", c->file, i, e->flags, OSE_EVF_HAS_QTY, e->qty, x->qty);
		check_dec("cum_qty", c->file, i, e->flags, OSE_EVF_HAS_CUM_QTY, e->cum_qty, x->cum_qty);
		check_dec("last_qty", c->file, i, e->flags, OSE_EVF_HAS_LAST, e->last_qty, x->last_qty);
		check_dec("last_px", c->file, i, e->flags, OSE_EVF_HAS_LAST_PX, e->last_px, x->last_px);
		check_dec("fee", c->file, i, e->flags, OSE_EVF_HAS_FEE, e->fee, x->fee);
		check_dec("avg_px", c->file, i, e->flags, OSE_EVF_HAS_AVG_PX, e->avg_px, x->avg_px);
	}
}

void v2_check_case(ose_adapter_parse_fn fn, enum ose_venue venue, const struct v2_case *c)
{
	size_t len;
	char *msg = v2_load_msg(c, &len);
	static struct ose_event ev[V2_CAP];
	struct ose_parse_out out;
	struct v2_guard g;

	enum ose_parse_res res = v2_parse(fn, venue, msg, len, c->binary, ev, V2_CAP, &out);
	check_out(c, venue, res, &out, ev);

	/* Same bytes ending right before a PROT_NONE page. */
	const char *gm = v2_guard_put(&g, msg, len);
	memset(ev, 0xa5, sizeof(ev));
	res = v2_parse(fn, venue, gm, len, c->binary, ev, V2_CAP, &out);
	check_out(c, venue, res, &out, ev);
	v2_guard_free(&g);

	/* Too little room: an error, never a partial batch. */
	if (c->res == OSE_PARSE_EVENTS && c->n > 0) {
		res = v2_parse(fn, venue, msg, len, c->binary, ev, c->n - 1, &out);
		cr_expect_eq(res, OSE_PARSE_ERROR, "%s: cap %u accepted", c->file, c->n - 1);
		cr_expect_eq(out.err, OSE_PERR_TOO_MANY);
		cr_expect_eq(out.n, 0);
	}
	free(msg);
}

static void check_sane(const struct v2_case *c, size_t cut, enum ose_parse_res res,
		       const struct ose_parse_out *out, uint32_t cap)
{
	cr_assert_not_null(out->why, "%s cut %zu: why NULL", c->file, cut);
	if (res == OSE_PARSE_ERROR) {
		cr_assert_eq(out->n, 0, "%s cut %zu: events with an error", c->file, cut);
		cr_assert(out->err > OSE_PERR_NONE && out->err < OSE_PERR_COUNT, "%s cut %zu", c->file, cut);
	} else if (res == OSE_PARSE_EVENTS) {
		cr_assert_leq(out->n, cap);
	} else {
		cr_assert_eq(res, OSE_PARSE_SESSION, "%s cut %zu: result %d", c->file, cut, res);
	}
}

void v2_check_truncations(ose_adapter_parse_fn fn, enum ose_venue venue, const struct v2_case *c)
{
	size_t len;
	char *msg = v2_load_msg(c, &len);
	static struct ose_event ev[V2_CAP];
	struct ose_parse_out out;

	for (size_t cut = 0; cut < len; cut++) {
		struct v2_guard g;
		const char *gm = v2_guard_put(&g, msg, cut);
		enum ose_parse_res res = v2_parse(fn, venue, gm, cut, c->binary, ev, V2_CAP, &out);
		check_sane(c, cut, res, &out, V2_CAP);
		/* A text message cut short is never a complete JSON value. */
		if (!c->binary && cut < len && c->res != OSE_PARSE_ERROR) {
			int trailing_ws = 1;
			for (size_t k = cut; k < len; k++)
				if (msg[k] != ' ' && msg[k] != '\n' && msg[k] != '\r' && msg[k] != '\t')
					trailing_ws = 0;
			if (!trailing_ws)
				cr_assert_eq(res, OSE_PARSE_ERROR, "%s cut %zu accepted", c->file, cut);
		}
		v2_guard_free(&g);
	}
	/* Every single-byte corruption (flip to a few nasty values). */
	static const unsigned char bad[] = { 0x00, 0x80, 0xff, '"', '{', '9' };
	char *copy = malloc(len ? len : 1);
	cr_assert_not_null(copy);
	for (size_t at = 0; at < len; at++) {
		for (size_t b = 0; b < sizeof(bad); b++) {
			struct v2_guard g;
			memcpy(copy, msg, len);
			copy[at] = (char)bad[b];
			const char *gm = v2_guard_put(&g, copy, len);
			enum ose_parse_res res = v2_parse(fn, venue, gm, len, c->binary, ev, V2_CAP, &out);
			check_sane(c, at, res, &out, V2_CAP);
			v2_guard_free(&g);
		}
	}
	free(copy);
	free(msg);
}

char *v2_slow_path_copy(const char *msg, size_t len, size_t *n)
{
	static const char ins[] = "\"type\":\"x\",";
	const char *brace = memchr(msg, '{', len);
	cr_assert(brace);
	size_t at = (size_t)(brace - msg) + 1;
	char *s = malloc(len + sizeof(ins));
	cr_assert(s);
	memcpy(s, msg, at);
	memcpy(s + at, ins, sizeof(ins) - 1);
	memcpy(s + at + sizeof(ins) - 1, msg + at, len - at);
	*n = len + sizeof(ins) - 1;
	s[*n] = '\0';
	return s;
}

void v2_check_json_stamps(ose_adapter_parse_fn fn, enum ose_venue venue,
			  const struct v2_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len, sn;
		char *msg, *slow;
		if (cases[i].res != OSE_PARSE_EVENTS)
			continue;
		msg = v2_load_msg(&cases[i], &len);
		st_check_json_fixture(fn, venue, msg, len, cases[i].n);
		slow = v2_slow_path_copy(msg, len, &sn);
		st_check_json_fixture(fn, venue, slow, sn, cases[i].n);
		free(slow);
		free(msg);
	}
}

void v2_check_json_account(ose_adapter_parse_fn fn, enum ose_venue venue, const struct v2_case *c)
{
	size_t len, sn;
	char *msg = v2_load_msg(c, &len);
	char *slow = v2_slow_path_copy(msg, len, &sn);
	st_check_account(fn, venue, msg, len, 0);
	st_check_account(fn, venue, slow, sn, 0);
	free(slow);
	free(msg);
}
