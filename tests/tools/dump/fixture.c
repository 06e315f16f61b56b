/* SPDX-License-Identifier: MIT */
#include "tests/tools/dump/fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "feeds/feed_stats.h"
#include "shm/bcast.h"
#include "shm/cmd.h"
#include "shm/event.h"
#include "shm/spsc.h"
#include "shm/state.h"

static char fx_dir[256];

const char *fx_dir_make(void)
{
	snprintf(fx_dir, sizeof(fx_dir), "/tmp/ose-dump-test.XXXXXX");
	cr_assert_not_null(mkdtemp(fx_dir), "mkdtemp: %s", strerror(errno));
	setenv("OSE_SHM_DIR", fx_dir, 1);
	setenv("OSE_JOURNAL_DIR", fx_dir, 1);
	return fx_dir;
}

static int rm_fn(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void fx_dir_remove(void)
{
	if (fx_dir[0])
		nftw(fx_dir, rm_fn, 16, FTW_DEPTH | FTW_PHYS);
	fx_dir[0] = 0;
}

static ose_dec dec(const char *s)
{
	ose_dec v = 0;

	cr_assert_eq(ose_dec_parse(s, strlen(s), &v), OSE_DEC_OK, "decimal %s", s);
	return v;
}

void fx_event(struct ose_event *e, int kind, int venue, const char *account,
	      const char *symbol, const char *oid, const char *cid, int side, int status,
	      const char *price, const char *qty, const char *cum)
{
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	e->venue = (uint8_t)venue;
	e->status = (uint8_t)status;
	e->side = (uint8_t)side;
	e->ord_type = OSE_OT_LIMIT;
	e->tif = OSE_TIF_GTC;
	snprintf(e->account, sizeof(e->account), "%s", account);
	snprintf(e->symbol, sizeof(e->symbol), "%s", symbol);
	snprintf(e->order_id, sizeof(e->order_id), "%s", oid);
	snprintf(e->client_id, sizeof(e->client_id), "%s", cid);
	if (price) {
		e->price = dec(price);
		e->flags |= OSE_EVF_HAS_PRICE;
	}
	if (qty) {
		e->qty = dec(qty);
		e->flags |= OSE_EVF_HAS_QTY;
	}
	if (cum) {
		e->cum_qty = dec(cum);
		e->flags |= OSE_EVF_HAS_CUM_QTY;
	}
}

void fx_state_create(const char *inst, struct ose_seg *seg, struct ose_tbl *t,
		     uint32_t capacity)
{
	struct ose_tbl_cfg cfg;
	char name[OSE_SEG_NAME_MAX];
	size_t size;
	int r;

	ose_tbl_cfg_default(&cfg);
	cfg.capacity = capacity;
	cfg.exec_bound = 3;
	cfg.book_cap = 16;
	cfg.ring_cap = 8;
	size = ose_tbl_size(&cfg);
	cr_assert_gt(size, 0);
	cr_assert_geq(ose_seg_name_state(name, sizeof(name), inst), 0);
	r = ose_seg_create(seg, name, OSE_SEG_STATE, 0, size, 0);
	cr_assert_eq(r, 0, "create %s: %s", name, ose_seg_strerror(r));
	r = ose_tbl_format(t, seg->payload, seg->payload_size, &cfg);
	cr_assert_eq(r, 0, "format: %d", r);
}

static void apply(struct ose_tbl *t, const struct ose_event *e, int64_t now)
{
	struct ose_ap_out out;
	enum ose_ap r = ose_tbl_apply(t, e, now, &out);

	cr_assert(r == OSE_AP_APPLIED, "apply %s/%s: %s", e->symbol, e->order_id, ose_ap_name(r));
}

static void pin_header(struct ose_seg *seg)
{
	seg->hdr->creator_pid = FX_DEAD_PID;
	seg->hdr->creator_start = 1;
	seg->hdr->heartbeat_ns = 0;
	seg->hdr->created_ns = (uint64_t)FX_T0;
}

/* hist and its count, sum and max (csm: three adjacent words of struct
 * ose_stats) from n (value ns, samples) pairs; the max is the largest value. */
static void fill_hist(uint64_t *hist, uint64_t *csm, const uint64_t (*v)[2], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		hist[ose_lat_bucket(v[i][0])] += v[i][1];
		csm[0] += v[i][1];
		csm[1] += v[i][0] * v[i][1];
		if (v[i][0] > csm[2])
			csm[2] = v[i][0];
	}
}

void fx_build_golden(const char *inst)
{
	struct ose_seg st, feed, cmd, evs;
	struct ose_tbl t;
	struct ose_event e;
	char name[OSE_SEG_NAME_MAX];
	int64_t now = FX_T0;
	int r;

	fx_state_create(inst, &st, &t, 64);

	/* Binance BTCUSDT: one open NEW, one open PARTIALLY_FILLED, one that
	 * went NEW -> PARTIALLY_FILLED -> FILLED (history of three). */
	fx_event(&e, OSE_EV_ORDER, OSE_VENUE_BINANCE, "main", "BTCUSDT", "28457", "web_abc1",
		 OSE_SIDE_BUY, OSE_ST_NEW, "65000.5", "0.00100000", "0");
	e.exch_ts_ns = FX_T0 - 1000000;
	apply(&t, &e, now += 1000000);
	fx_event(&e, OSE_EV_ORDER, OSE_VENUE_BINANCE, "main", "BTCUSDT", "28458", "web_abc2",
		 OSE_SIDE_SELL, OSE_ST_NEW, "66000", "2", "0");
	apply(&t, &e, now += 1000000);
	fx_event(&e, OSE_EV_ORDER, OSE_VENUE_BINANCE, "main", "BTCUSDT", "28458", "web_abc2",
		 OSE_SIDE_SELL, OSE_ST_PARTIALLY_FILLED, "66000", "2", "0.5");
	apply(&t, &e, now += 1000000);
	fx_event(&e, OSE_EV_ORDER, OSE_VENUE_BINANCE, "main", "BTCUSDT", "28459", "web_abc3",
		 OSE_SIDE_BUY, OSE_ST_NEW, "64000", "1", "0");
	apply(&t, &e, now += 1000000);
	fx_event(&e, OSE_EV_ORDER, OSE_VENUE_BINANCE, "main", "BTCUSDT", "28459", "web_abc3",
		 OSE_SIDE_BUY, OSE_ST_PARTIALLY_FILLED, "64000", "1", "0.25");
	apply(&t, &e, now += 1000000);
	fx_event(&e, OSE_EV_ORDER, OSE_VENUE_BINANCE, "main", "BTCUSDT", "28459", "web_abc3",
		 OSE_SIDE_BUY, OSE_ST_FILLED, "64000", "1", "1");
	e.venue_seq = 77;
	e.flags |= OSE_EVF_HAS_SEQ;
	apply(&t, &e, now += 1000000);

	/* OKX: an id beyond 2^53 and a partially filled order then cancelled
	 * (CANCELED with its filled quantity kept). */
	fx_event(&e, OSE_EV_ORDER, OSE_VENUE_OKX, "sub1", "BTC-USDT", "1234567890123456789012",
		 "okxcid9", OSE_SIDE_SELL, OSE_ST_PARTIALLY_FILLED, "0.00000001", "100000000000",
		 "12.34567891");
	apply(&t, &e, now += 1000000);
	fx_event(&e, OSE_EV_ORDER, OSE_VENUE_OKX, "sub1", "BTC-USDT", "1234567890123456789012",
		 "okxcid9", OSE_SIDE_SELL, OSE_ST_CANCELED, "0.00000001", "100000000000",
		 "12.34567891");
	apply(&t, &e, now += 1000000);

	/* Gate: a market order without a price. */
	fx_event(&e, OSE_EV_ORDER, OSE_VENUE_GATE, "main", "BTC_USDT", "900001", "t-gate1",
		 OSE_SIDE_BUY, OSE_ST_NEW, NULL, "3", "0");
	e.ord_type = OSE_OT_MARKET;
	e.tif = OSE_TIF_IOC;
	apply(&t, &e, now += 1000000);

	/* A strategy-registered order with no exchange ack yet. */
	struct ose_cmd c;
	struct ose_ap_out out;

	memset(&c, 0, sizeof(c));
	c.kind = OSE_CMD_REGISTER;
	c.venue = OSE_VENUE_BYBIT;
	c.side = OSE_SIDE_BUY;
	c.ord_type = OSE_OT_LIMIT;
	c.tif = OSE_TIF_GTC;
	c.flags = OSE_CMDF_HAS_PRICE | OSE_CMDF_HAS_QTY;
	snprintf(c.account, sizeof(c.account), "main");
	snprintf(c.symbol, sizeof(c.symbol), "ETHUSDT");
	snprintf(c.client_id, sizeof(c.client_id), "strat-000001");
	c.price = dec("3000.25");
	c.qty = dec("0.1");
	cr_assert_eq(ose_tbl_register(&t, &c, now += 1000000, &out), OSE_AP_APPLIED);

	/* Deterministic latency histograms (the engine fills them at run
	 * time): apply, and frame -> table (feed socket readable -> published). */
	static const uint64_t lat[][2] = {{9, 5}, {100, 50}, {250, 30}, {1000, 10}, {5200, 5}};
	static const uint64_t f2t[][2] = {{9000, 6}, {25000, 3}, {700000, 1}};
	struct ose_stats *s = t.st;

	fill_hist(s->lat_hist, &s->lat_count, lat, sizeof(lat) / sizeof(lat[0]));
	fill_hist(s->f2t_hist, &s->f2t_count, f2t, sizeof(f2t) / sizeof(f2t[0]));
	s->f2t_clock_back = 1;
	s->events_received = 10;

	/* Feed ring with statistics in its aux area: 3 events pushed, 2 consumed. */
	cr_assert_geq(ose_seg_name_feed(name, sizeof(name), inst, "binance", "main"), 0);
	r = ose_spsc_create(&feed, name, OSE_EVENT_SIZE, 8, sizeof(struct ose_feed_stats), 0, 0);
	cr_assert_eq(r, 0, "feed ring: %s", ose_seg_strerror(r));
	struct ose_spsc_prod p;

	cr_assert_eq(ose_spsc_prod_init(&p, &feed), 0);
	for (int i = 0; i < 3; i++) {
		fx_event(&e, OSE_EV_ORDER, OSE_VENUE_BINANCE, "main", "BTCUSDT", "28460", "web_abc4",
			 OSE_SIDE_BUY, i ? OSE_ST_PARTIALLY_FILLED : OSE_ST_NEW, "65001", "1", i ? "0.5" : "0");
		e.seq = (uint64_t)i + 1;
		cr_assert_eq(ose_spsc_push(&p, &e, sizeof(e)), OSE_SPSC_OK);
	}
	struct ose_spsc_ctl *ctl = ose_spsc_ctl_of(&feed);

	ctl->cons.tail = 2;
	ctl->prod.full_stalls = 4;
	ctl->prod.pid = FX_DEAD_PID + 1;
	ctl->prod.start = 1;
	ctl->prod.heartbeat_ns = 0;
	ctl->cons.pid = FX_DEAD_PID;
	ctl->cons.start = 1;
	struct ose_ring_ent *re = ose_tbl_ring(&t, name, 1, OSE_RING_FEED, 0);

	cr_assert_not_null(re);
	re->applied = 2;
	re->consumed = 2;

	struct ose_feed_stats *fs = feed.aux;

	fs->version = OSE_FEED_STATS_VERSION;
	fs->size = sizeof(*fs);
	fs->state = OSE_FEED_ST_STREAMING;
	fs->connected = 1;
	fs->venue = OSE_VENUE_BINANCE;
	fs->pid = FX_DEAD_PID + 1;
	fs->connects = 3;
	fs->sessions = 3;
	fs->reconnects = 2;
	fs->bytes_in = 123456;
	fs->bytes_out = 789;
	fs->frames = 300;
	fs->messages = 290;
	fs->events = 3;
	fs->gaps = 2;
	fs->parse_errors_total = 3;
	fs->parse_errors[OSE_PERR_SYNTAX] = 1;
	fs->parse_errors[OSE_PERR_NUMBER] = 2;
	fs->disconnects[OSE_FEED_DISC_IDLE] = 1;
	fs->disconnects[OSE_FEED_DISC_PEER_CLOSE] = 1;
	fs->lat_hist[OSE_FEED_LAT_TOTAL][ose_feed_lat_bucket(3000)] = 9;
	fs->lat_hist[OSE_FEED_LAT_TOTAL][ose_feed_lat_bucket(40000)] = 1;
	fs->lat_last_ns[OSE_FEED_LAT_TOTAL] = 3000;
	__atomic_store_n(&fs->magic, OSE_FEED_STATS_MAGIC, __ATOMIC_RELEASE);

	/* Command ring: one registration. */
	cr_assert_geq(ose_seg_name_cmd(name, sizeof(name), inst, "strat1"), 0);
	r = ose_spsc_create(&cmd, name, OSE_CMD_SIZE, 4, 0, 0, 0);
	cr_assert_eq(r, 0, "cmd ring: %s", ose_seg_strerror(r));
	cr_assert_eq(ose_spsc_prod_init(&p, &cmd), 0);
	c.req_id = 42;
	cr_assert_eq(ose_spsc_push(&p, &c, sizeof(c)), OSE_SPSC_OK);
	ctl = ose_spsc_ctl_of(&cmd);
	ctl->prod.pid = FX_DEAD_PID + 2;
	ctl->prod.start = 1;
	ctl->prod.heartbeat_ns = 0;

	/* Event ring: two updates. */
	cr_assert_geq(ose_seg_name_events(name, sizeof(name), inst), 0);
	r = ose_bcast_create(&evs, name, sizeof(struct ose_update) + 64, 16, 0, 0);
	cr_assert_eq(r, 0, "event ring: %s", ose_seg_strerror(r));
	struct ose_bcast_writer w;
	struct ose_update u;

	cr_assert_eq(ose_bcast_writer_init(&w, &evs), 0);
	for (int i = 0; i < 2; i++) {
		memset(&u, 0, sizeof(u));
		u.kind = OSE_UPD_ORDER;
		u.prio = i ? OSE_PRIO_FILLED : OSE_PRIO_PLACED;
		u.venue = OSE_VENUE_BINANCE;
		u.status = i ? OSE_ST_FILLED : OSE_ST_NEW;
		u.prev_status = i ? OSE_ST_PARTIALLY_FILLED : OSE_ST_NONE;
		u.side = OSE_SIDE_BUY;
		u.ts_ns = FX_T0 + (i + 1) * 1000;
		snprintf(u.account, sizeof(u.account), "main");
		snprintf(u.symbol, sizeof(u.symbol), "BTCUSDT");
		snprintf(u.order_id, sizeof(u.order_id), "28459");
		snprintf(u.client_id, sizeof(u.client_id), "web_abc3");
		u.price = dec("64000");
		u.qty = dec("1");
		u.filled = dec(i ? "1" : "0");
		cr_assert_eq(ose_bcast_publish(&w, &u, sizeof(u)), 0);
	}
	struct ose_bcast_ctl *bc = evs.payload;

	bc->wr.pid = FX_DEAD_PID;
	bc->wr.start = 1;
	bc->wr.heartbeat_ns = 0;

	/* Another SPSC ring of the instance (like the engine's journal queue):
	 * listed as an internal ring, its records not decoded. */
	struct ose_seg jq;

	r = ose_spsc_create(&jq, "ose.golden.journal", 128, 4, 0, 0, 0);
	cr_assert_eq(r, 0, "internal ring: %s", ose_seg_strerror(r));
	ctl = ose_spsc_ctl_of(&jq);
	ctl->prod.head = 3;
	ctl->cons.tail = 1;
	pin_header(&jq);
	ose_seg_close(&jq);

	/* Pin every volatile field, then let go of the segments: the files stay. */
	t.hdr->heartbeat_ns = 0;
	t.hdr->in_apply = 0; /* a fresh table starts marked mid-apply; the engine clears it */
	t.hdr->engine_pid = FX_DEAD_PID;
	pin_header(&st);
	pin_header(&feed);
	pin_header(&cmd);
	pin_header(&evs);
	ose_seg_close(&st);
	ose_seg_close(&feed);
	ose_seg_close(&cmd);
	ose_seg_close(&evs);
}

/* Reads fd into a growing buffer until EOF. */
static char *slurp_fd(int fd)
{
	size_t n = 0, cap = 4096;
	char *b = malloc(cap);

	cr_assert_not_null(b);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			b = realloc(b, cap);
			cr_assert_not_null(b);
		}
		ssize_t k = read(fd, b + n, cap - n - 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	b[n] = 0;
	return b;
}

int fx_run_dump(char *const argv[], char **out, char **err)
{
	const char *bin = getenv("OSE_DUMP_BIN");
	int po[2], pe[2], st;
	pid_t pid;

	cr_assert_not_null(bin, "OSE_DUMP_BIN not set (run through meson test)");
	cr_assert_eq(pipe(po), 0);
	cr_assert_eq(pipe(pe), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		close(po[1]);
		close(pe[1]);
		execv(bin, argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	/* stderr is short (one line); read stdout fully first, then stderr. */
	char *o = slurp_fd(po[0]);
	char *e = slurp_fd(pe[0]);

	close(po[0]);
	close(pe[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (out)
		*out = o;
	else
		free(o);
	if (err)
		*err = e;
	else
		free(e);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *fx_replace(char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	char *p, *q, *r;

	if (!fl)
		return s;
	for (p = s; (p = strstr(p, from)); p += fl)
		n++;
	r = malloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1);
	cr_assert_not_null(r);
	q = r;
	for (p = s;;) {
		char *m = strstr(p, from);

		if (!m) {
			strcpy(q, p);
			break;
		}
		memcpy(q, p, (size_t)(m - p));
		q += m - p;
		memcpy(q, to, tl);
		q += tl;
		p = m + fl;
	}
	free(s);
	return r;
}

char *fx_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	char *b = slurp_fd(fd);

	close(fd);
	if (len)
		*len = strlen(b);
	return b;
}

void fx_golden(const char *file, const char *text)
{
	const char *dir = getenv("OSE_DUMP_GOLDEN_DIR");
	char path[512];

	cr_assert_not_null(dir, "OSE_DUMP_GOLDEN_DIR not set");
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (getenv("OSE_DUMP_GOLDEN_UPDATE") && !strcmp(getenv("OSE_DUMP_GOLDEN_UPDATE"), "1")) {
		FILE *f = fopen(path, "w");

		cr_assert_not_null(f, "%s: %s", path, strerror(errno));
		fputs(text, f);
		fclose(f);
		return;
	}
	char *want = fx_read_file(path, NULL);

	cr_assert_not_null(want, "golden file %s missing (OSE_DUMP_GOLDEN_UPDATE=1 writes it)", path);
	if (strcmp(want, text)) {
		/* Report the first differing line, both versions. */
		const char *a = want, *b = text;
		int line = 1;

		while (*a && *a == *b) {
			if (*a == '\n')
				line++;
			a++;
			b++;
		}
		while (a > want && a[-1] != '\n')
			a--;
		while (b > text && b[-1] != '\n')
			b--;
		cr_assert_fail("%s differs at line %d:\n want: %.*s\n  got: %.*s", file, line,
			       (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
	}
	free(want);
}
