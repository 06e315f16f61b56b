/* SPDX-License-Identifier: MIT */
/*
 * e2e_stages: the per-stage latency of every event an engine applied, from
 * its journal (engine/jrnl.h).  Each journaled feed event carries the
 * simulator's send stamp (send_ts_ns, from ose_ts), the feed's
 * recv_ts_ns (recv completion reaped) and parse_ts_ns (adapter returned,
 * before the ring commit), and the record carries the engine clock it was
 * applied with (`now`, taken at the start of the hot loop's poll turn).
 * All are CLOCK_REALTIME on one machine.  Stages:
 *   wire   send -> recv    simulator TLS encrypt, kernel loopback, wakeup
 *   feed   recv -> parse   decrypt, WebSocket decode, adapter parse
 *   ring   parse -> now    ring commit, engine pick-up (a turn that started
 *                          before the commit makes this slightly negative)
 *   total  send -> now     simulator send -> engine applies
 * Also e2e.rate: stamped events applied per second over the span of their
 * engine clocks (first to last).
 * Usage: e2e_stages JOURNAL [TAG]   prints BENCH lines (ns), TAG appended.
 * With E2E_STAGES_WINDOWS=MS it also prints, per MS of engine clock, the
 * count and the p99 and max of each stage ("# window" lines): where in the
 * run a tail comes from (start-up, one stall, or all along).
 * Exit 0, 1 on an unreadable journal, 77 when no event carries a stamp.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jrnl.h"

struct col {
	int64_t *v;
	size_t n, cap;
};

static int push(struct col *c, int64_t x)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		int64_t *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = x;
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void report(const char *stage, struct col *c, const char *tag)
{
	if (!c->n)
		return;
	qsort(c->v, c->n, sizeof(*c->v), cmp64);
	static const struct {
		const char *name;
		double q;
	} qs[] = { { "p50", 0.5 }, { "p99", 0.99 }, { "p999", 0.999 } };
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t k = (size_t)((double)c->n * qs[i].q);
		if (k >= c->n)
			k = c->n - 1;
		printf("BENCH e2e.stage.%s.%s%s %lld ns\n", stage, qs[i].name, tag, (long long)c->v[k]);
	}
	printf("BENCH e2e.stage.%s.max%s %lld ns\n", stage, tag, (long long)c->v[c->n - 1]);
}

/* "# window" line of one stretch of the run: its start (ms from the first
 * event), count, and p99/max of each stage in us; empties the columns. */
static void window_line(int64_t start_ms, struct col *c)
{
	static const char *const names[4] = { "wire", "feed", "ring", "total" };
	printf("# window %6lld ms n %6zu", (long long)start_ms, c[0].n);
	for (int i = 0; i < 4; i++) {
		if (!c[i].n)
			continue;
		qsort(c[i].v, c[i].n, sizeof(*c[i].v), cmp64);
		size_t k = (size_t)((double)c[i].n * 0.99);
		printf("  %s p99 %lld max %lld", names[i], (long long)c[i].v[k < c[i].n ? k : c[i].n - 1] / 1000,
		       (long long)c[i].v[c[i].n - 1] / 1000);
		c[i].n = 0;
	}
	printf(" us\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: e2e_stages JOURNAL [TAG]\n");
		return 2;
	}
	char tag[64] = "";
	if (argc > 2)
		snprintf(tag, sizeof(tag), ".%s", argv[2]);
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	static struct ose_jrec r;
	struct col wire = { 0 }, feed = { 0 }, ring = { 0 }, total = { 0 }, win[4] = { { 0 } };
	const char *wenv = getenv("E2E_STAGES_WINDOWS");
	int64_t win_ns = wenv ? atoll(wenv) * 1000000 : 0, win_start = 0;
	size_t recs = 0, stamped = 0;
	int64_t first = 0, last = 0;
	while (fread(&r, sizeof(r), 1, f) == 1) {
		recs++;
		if (!ose_jrec_ok(&r) || r.type != OSE_JREC_EVENT)
			continue;
		const struct ose_event *e = &r.u.ev;
		if (!e->send_ts_ns || !e->recv_ts_ns || !e->parse_ts_ns)
			continue;
		if (!stamped++ || r.now < first)
			first = r.now;
		if (r.now > last)
			last = r.now;
		if (push(&wire, e->recv_ts_ns - e->send_ts_ns) || push(&feed, e->parse_ts_ns - e->recv_ts_ns) ||
		    push(&ring, r.now - e->parse_ts_ns) || push(&total, r.now - e->send_ts_ns)) {
			fprintf(stderr, "e2e_stages: out of memory\n");
			return 1;
		}
		if (win_ns > 0) {
			if (stamped == 1)
				win_start = r.now;
			if (r.now >= win_start + win_ns) {
				window_line((win_start - first) / 1000000, win);
				win_start += (r.now - win_start) / win_ns * win_ns;
			}
			if (push(&win[0], wire.v[wire.n - 1]) || push(&win[1], feed.v[feed.n - 1]) ||
			    push(&win[2], ring.v[ring.n - 1]) || push(&win[3], total.v[total.n - 1]))
				return 1;
		}
	}
	fclose(f);
	if (win_ns > 0 && win[0].n)
		window_line((win_start - first) / 1000000, win);
	for (int i = 0; i < 4; i++)
		free(win[i].v);
	printf("# e2e_stages: %zu journal records, %zu events with a simulator stamp\n", recs, stamped);
	if (!stamped)
		return 77;
	if (last > first)
		printf("BENCH e2e.rate%s %.4g ev/s\n", tag, (double)(stamped - 1) * 1e9 / (double)(last - first));
	report("wire", &wire, tag);
	report("feed", &feed, tag);
	report("ring", &ring, tag);
	report("total", &total, tag);
	free(wire.v);
	free(feed.v);
	free(ring.v);
	free(total.v);
	return 0;
}
