/* SPDX-License-Identifier: MIT */
/*
 * The in-place sink (feed.h reserve/commit): adapters write events
 * straight into lent ring slots.  Checked here: the real ring never lends
 * past its end, and the feed's staging, driven through ose_feed_replay,
 * delivers every event once, in order, with gap-free seq, both in place and
 * through publish() for a message with more events than the slots left
 * before the wrap.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/feed.h"
#include "feeds/out.h"
#include "shm/spsc.h"

static char shm_dir[] = "/tmp/ose-test-sink-XXXXXX";

static void setup(void)
{
	cr_assert_not_null(mkdtemp(shm_dir));
	setenv("OSE_SHM_DIR", shm_dir, 1);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", shm_dir);
	cr_assert_eq(system(cmd), 0);
}

Test(sink, ring_reserve_stops_at_the_wrap, .init = setup, .fini = teardown)
{
	struct ose_feed_ring ring;
	struct ose_seg cseg;
	struct ose_spsc_cons cons;
	struct ose_event *slots, *first;
	uint64_t stalls = 0;

	cr_assert_eq(ose_feed_ring_open(&ring, "t", OSE_VENUE_BINANCE, "a", 8), 0);
	cr_assert_eq(ose_spsc_attach(&cseg, "ose.t.feed.binance.a", OSE_SEG_F_WRITE), 0);
	cr_assert_eq(ose_spsc_cons_init(&cons, &cseg), 0);

	cr_assert_eq(ose_feed_ring_reserve(&ring, 64, &first, &stalls), 8, "empty ring: all 8");
	for (int i = 0; i < 5; i++)
		first[i].seq = (uint64_t)i + 1;
	cr_assert_eq(ose_feed_ring_commit(&ring, 5), 0);
	cr_assert_eq(ose_spsc_peek(&cons, 64), 5, "only what was committed");
	ose_spsc_release(&cons, 5);

	cr_assert_eq(ose_feed_ring_reserve(&ring, 64, &slots, &stalls), 3, "3 left before the end");
	cr_assert_eq(slots, first + 5, "contiguous after the committed ones");
	for (int i = 0; i < 3; i++)
		slots[i].seq = (uint64_t)i + 6;
	cr_assert_eq(ose_feed_ring_commit(&ring, 3), 0);

	cr_assert_eq(ose_feed_ring_reserve(&ring, 2, &slots, &stalls), 2);
	cr_assert_eq(slots, first, "wrapped to slot 0");
	slots[0].seq = 9;
	cr_assert_eq(ose_feed_ring_commit(&ring, 1), 0);
	cr_assert_eq(ose_spsc_peek(&cons, 64), 4);
	for (uint32_t i = 0; i < 4; i++) {
		const struct ose_event *e = ose_spsc_cons_slot(&cons, i);
		cr_assert_eq(e->seq, i + 6);
	}
	ose_spsc_release(&cons, 4);
	cr_assert_eq(stalls, 0);

	ose_spsc_cons_fini(&cons);
	ose_seg_close(&cseg);
	ose_feed_ring_close(&ring);
}

/* --- the feed's staging against a sink that lends few slots ------------ */

/* "n:K": K events, order ids "<line>.<i>". */
static enum ose_parse_res t_parse(const char *msg, size_t len, int binary,
				  const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	static unsigned line;
	unsigned k;

	(void)binary;
	out->n = 0;
	out->why = "";
	if (len < 3 || memcmp(msg, "n:", 2) != 0) {
		out->err = OSE_PERR_UNKNOWN_MSG;
		return OSE_PARSE_ERROR;
	}
	k = (unsigned)atoi(msg + 2);
	if (k > out->cap) {
		out->err = OSE_PERR_TOO_MANY;
		return OSE_PARSE_ERROR;
	}
	line++;
	for (unsigned i = 0; i < k; i++) {
		struct ose_event *e = &out->ev[i];

		memset(e, 0, sizeof(*e));
		e->kind = OSE_EV_ORDER;
		e->venue = (uint8_t)ctx->venue;
		snprintf(e->order_id, sizeof(e->order_id), "%u.%u", line, i);
	}
	out->n = k;
	return OSE_PARSE_EVENTS;
}

static const struct ose_adapter t_adapter = {
	.venue = OSE_VENUE_BINANCE, .name = "test", .parse = t_parse,
};

/* A ring of 8 slots that the consumer drains at once. */
#define CAP 8
static struct ose_event slots8[CAP];
static uint64_t head;
static uint32_t lent_n;
static struct ose_event got[256];
static uint32_t ngot, publishes, commits;

static int s_reserve(void *ctx, uint32_t want, struct ose_event **slots, uint64_t *stalls)
{
	uint32_t to_end = CAP - (uint32_t)(head % CAP);

	(void)ctx, (void)stalls;
	lent_n = want < to_end ? want : to_end;
	*slots = &slots8[head % CAP];
	return (int)lent_n;
}

static int s_commit(void *ctx, uint32_t n)
{
	(void)ctx;
	cr_assert(n >= 1 && n <= lent_n, "commit %u of %u lent", n, lent_n);
	for (uint32_t i = 0; i < n; i++)
		got[ngot++] = slots8[(head + i) % CAP];
	head += n;
	lent_n = 0;
	commits++;
	return 0;
}

static int s_publish(void *ctx, const struct ose_event *ev, uint32_t n, uint64_t *stalls)
{
	(void)ctx, (void)stalls;
	for (uint32_t i = 0; i < n; i++) {
		slots8[(head + i) % CAP] = ev[i];
		got[ngot++] = ev[i];
	}
	head += n;
	publishes++;
	return 0;
}

Test(sink, replay_in_place_and_across_the_wrap)
{
	/* Ring of 8, one commit per line.  Five single events in place
	 * (head 5); 5 events with 3 slots left before the wrap: publish
	 * (head 10, slot 2); 7 with 6 left: publish (head 17, slot 1); 1 in
	 * place; 8 with 6 left: publish (head 26, slot 2); 2 in place. */
	static const char input[] = "n:1\nn:1\nn:1\nn:1\nn:1\nn:5\nn:7\nn:1\nn:8\nn:2\n";
	static const unsigned per_line[] = { 1, 1, 1, 1, 1, 5, 7, 1, 8, 2 };
	static struct ose_feed_stats st;
	struct ose_feed_cfg cfg;
	FILE *in = fmemopen((void *)input, sizeof(input) - 1, "r");
	uint32_t want = 0;

	cr_assert_not_null(in);
	ose_feed_cfg_defaults(&cfg);
	cfg.adapter = &t_adapter;
	cfg.account = "a";
	cfg.feed_id = 3;
	cfg.stats = &st;
	cfg.sink.publish = s_publish;
	cfg.sink.reserve = s_reserve;
	cfg.sink.commit = s_commit;
	ose_feed_stats_init(&st, OSE_VENUE_BINANCE, 3);
	cr_assert_eq(ose_feed_replay(&cfg, in), 0);
	fclose(in);

	for (unsigned l = 0; l < sizeof(per_line) / sizeof(per_line[0]); l++)
		want += per_line[l];
	cr_assert_eq(ngot, want, "every event once");
	cr_assert_eq(st.events, want);
	cr_assert_eq(st.parse_errors_total, 0, "nothing refused for lack of room");
	cr_assert_eq(publishes, 3, "the messages that did not fit before the wrap were copied");
	cr_assert_eq(commits, 7, "the rest went in place");
	uint32_t k = 0;
	for (unsigned l = 0; l < sizeof(per_line) / sizeof(per_line[0]); l++) {
		for (unsigned i = 0; i < per_line[l]; i++, k++) {
			char id[32];

			snprintf(id, sizeof(id), "%u.%u", l + 1, i);
			cr_assert_str_eq(got[k].order_id, id, "event %u", k);
			cr_assert_eq(got[k].seq, k + 1, "seq gap-free");
			cr_assert_eq(got[k].feed_id, 3);
		}
	}
}
