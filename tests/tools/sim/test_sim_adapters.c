/* SPDX-License-Identifier: MIT */
/*
 * Interop: the project's own venue adapters read what ose-sim sends.
 * ose-sim records every venue's push stream (--record-dir, DESIGN §12
 * replay format); each line goes through ose_adapter_get(venue)->parse;
 * the order events are reduced to final states (cumulative quantity only
 * grows, terminal beats open) and sim_client.py compares them with the
 * truth, field by field.  A failure here means the simulator and an
 * adapter disagree about a venue's format: one of them is wrong.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "shm/dec.h"
#include "shm/event.h"
#include "tests/e2e/harness.h"

struct ord {
	char order_id[OSE_ID_MAX], client_id[OSE_ID_MAX], symbol[OSE_SYMBOL_MAX];
	int status, side;
	ose_dec price, qty, cum;
	int has_price, has_qty;
};

static int rank(int st)
{
	return st == OSE_ST_NEW ? 0 : st == OSE_ST_PARTIALLY_FILLED ? 1 : 2;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static size_t b64dec(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

ParameterizedTestParameters(sim_adapters, replay_matches_truth)
{
	static int idx[] = { OSE_VENUE_BINANCE, OSE_VENUE_OKX, OSE_VENUE_BYBIT,
			     OSE_VENUE_GATE, OSE_VENUE_COINBASE, OSE_VENUE_MEXC };
	return cr_make_param_array(int, idx, sizeof(idx) / sizeof(idx[0]));
}

ParameterizedTest(int *vp, sim_adapters, replay_matches_truth, .timeout = 60)
{
	enum ose_venue v = (enum ose_venue)*vp;
	const char *name = ose_venue_name(v);
	const char *bin = getenv("OSE_SIM"), *script = getenv("SIM_CLIENT");
	if (!bin || !script)
		cr_skip_test("OSE_SIM / SIM_CLIENT not set (run through meson test)");
	if (access("/usr/bin/openssl", X_OK) != 0 || access("/usr/bin/python3", X_OK) != 0)
		cr_skip_test("needs /usr/bin/openssl and /usr/bin/python3");
	const struct ose_adapter *ad = ose_adapter_get(v);
	cr_assert_not_null(ad);
	cr_assert_not_null(ad->parse);

	char dir[256], log[320], certs[320], rec[320], truth[320], path[400], state[400];
	cr_assert_eq(ose_h_tmpdir(dir, sizeof(dir), "simad"), 0);
	snprintf(log, sizeof(log), "%s/sim.log", dir);
	snprintf(certs, sizeof(certs), "%s/certs", dir);
	snprintf(rec, sizeof(rec), "%s/rec", dir);
	snprintf(truth, sizeof(truth), "%s/truth.json", dir);
	const char *argv[] = { bin, "--venue", name, "--gen-certs", certs, "--seed", "31", "--orders", "80",
			       "--symbols", "8", "--rate", "50000", "--burst", "100", "--batch", "3",
			       "--no-wait", "--record-dir", rec, "--truth", truth, NULL };
	struct ose_h_proc sim;
	cr_assert_eq(ose_h_spawn(&sim, argv, NULL, log), 0);
	cr_assert_eq(ose_h_wait_line(&sim, "ose-sim done", NULL, 0, 20000), 0);
	int st = ose_h_stop(&sim, 10000);
	cr_assert(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	snprintf(path, sizeof(path), "%s/%s.replay", rec, name);
	char *text = ose_h_slurp(path, NULL);
	cr_assert_not_null(text);
	static struct ose_event ev[64];
	static struct ord ords[256];
	static unsigned char bbuf[8192];
	size_t nords = 0, lines = 0, errors = 0, stamped = 0, order_evs = 0;
	struct ose_parse_ctx ctx = { .account = "sim", .venue = v };
	for (char *s = text; *s; ) {
		char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (len && s[0] != '#') {
			const char *msg = s;
			size_t mlen = len;
			int binary = 0;
			if (len > 4 && memcmp(s, "b64:", 4) == 0) {
				cr_assert_lt(len, sizeof(bbuf));
				mlen = b64dec(s + 4, len - 4, bbuf);
				msg = (const char *)bbuf;
				binary = 1;
			}
			lines++;
			struct ose_parse_out out = { .ev = ev, .cap = 64 };
			enum ose_parse_res r = ad->parse(msg, mlen, binary, &ctx, &out);
			if (r == OSE_PARSE_ERROR) {
				if (errors++ < 3)
					cr_log_error("%s line %zu: %s (%s): %.*s", name, lines,
						     ose_parse_err_name(out.err), out.why, (int)(len < 200 ? len : 200), s);
			} else if (r == OSE_PARSE_EVENTS) {
				for (uint32_t i = 0; i < out.n; i++) {
					struct ose_event *e = &ev[i];
					if (e->kind != OSE_EV_ORDER)
						continue;
					order_evs++;
					stamped += e->send_ts_ns != 0;
					size_t k = 0;
					while (k < nords && strcmp(ords[k].order_id, e->order_id) != 0)
						k++;
					if (k == nords) {
						cr_assert_lt(nords, 256);
						memset(&ords[k], 0, sizeof(ords[k]));
						snprintf(ords[k].order_id, OSE_ID_MAX, "%s", e->order_id);
						ords[k].status = -1;
						nords++;
					}
					struct ord *o = &ords[k];
					if (e->client_id[0])
						snprintf(o->client_id, OSE_ID_MAX, "%s", e->client_id);
					if (e->symbol[0])
						snprintf(o->symbol, OSE_SYMBOL_MAX, "%s", e->symbol);
					if (e->side)
						o->side = e->side;
					if (e->flags & OSE_EVF_HAS_PRICE) {
						o->price = e->price;
						o->has_price = 1;
					}
					if (e->flags & OSE_EVF_HAS_QTY) {
						o->qty = e->qty;
						o->has_qty = 1;
					}
					if ((e->flags & OSE_EVF_HAS_CUM_QTY) && e->cum_qty > o->cum)
						o->cum = e->cum_qty;
					if (e->status != OSE_ST_NONE &&
					    (o->status < 0 || rank(e->status) >= rank(o->status)))
						o->status = e->status;
				}
			}
		}
		s += len + (nl ? 1 : 0);
	}
	free(text);
	cr_expect_eq(errors, 0, "%zu of %zu %s messages refused by the adapter", errors, lines, name);
	cr_assert_gt(order_evs, 0);

	/* the reduced state in sim_client.py's state format */
	snprintf(state, sizeof(state), "%s/state.json", dir);
	FILE *f = fopen(state, "w");
	cr_assert_not_null(f);
	fputs("{\"orders\":[", f);
	for (size_t k = 0; k < nords; k++) {
		char p[OSE_DEC_STRMAX], q[OSE_DEC_STRMAX], c[OSE_DEC_STRMAX];
		struct ord *o = &ords[k];
		ose_dec_format(o->has_price ? o->price : 0, p);
		ose_dec_format(o->qty, q);
		ose_dec_format(o->cum, c);
		fprintf(f, "%s{\"venue\":\"%s\",\"symbol\":\"%s\",\"order_id\":\"%s\",\"client_order_id\":\"%s\","
			"\"side\":\"%s\",\"status\":\"%s\",\"price\":\"%s\",\"quantity\":\"%s\",\"filled_quantity\":\"%s\"}",
			k ? "," : "", name, o->symbol, o->order_id, o->client_id,
			ose_side_name((enum ose_side)o->side), o->status < 0 ? "NONE" : ose_status_name((enum ose_status)o->status),
			p, q, c);
	}
	fputs("]}\n", f);
	fclose(f);
	snprintf(log, sizeof(log), "%s/check.log", dir);
	const char *chk[] = { "/usr/bin/python3", script, "check", "--truth", truth, "--state", state,
			      "--venue", name, NULL };
	int rc = ose_h_run(chk, log, 30000);
	if (rc != 0) {
		char *l = ose_h_slurp(log, NULL);
		cr_expect_eq(rc, 0, "%s adapter vs ose-sim truth:\n%s", name, l ? l : "");
		free(l);
	}
	cr_log_info("%s: %zu messages, %zu order events, %zu carry the ose_ts stamp", name, lines,
		    order_evs, stamped);
	ose_h_rmtree(dir);
}
