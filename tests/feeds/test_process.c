/* SPDX-License-Identifier: MIT */
/*
 * The ose-feed process: --replay into its ring segment (checked through
 * the shm consumer API, as the engine reads it), seq continuity across a
 * restart (adopted ring), stats in the aux area, --version, and the
 * credentials-file permission check.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "feeds/feed_stats.h"
#include "shm/event.h"
#include "shm/seg.h"
#include "shm/spsc.h"

static char shmdir[128];

static const char *feed_bin(void)
{
	const char *b = getenv("OSE_FEED_BIN");
	return b ? b : "feeds/ose-feed";
}

static const char *fixture(void)
{
	static char p[512];
	const char *d = getenv("OSE_FEED_TESTDIR");
	snprintf(p, sizeof(p), "%s/fixtures/binance.replay", d ? d : "tests/feeds");
	return p;
}

static void setup(void)
{
	snprintf(shmdir, sizeof(shmdir), "/tmp/ose-feed-proc-XXXXXX");
	cr_assert_not_null(mkdtemp(shmdir));
	setenv("OSE_SHM_DIR", shmdir, 1);
}

static void teardown(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", shmdir);
	(void)system(cmd);
}

/* Run ose-feed with args; returns the exit status. */
static int run(const char *args, const char *out_file)
{
	char cmd[2048];
	int r;

	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>&1", feed_bin(), args,
		 out_file ? out_file : "/dev/null");
	r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

Test(process, replay_into_ring, .init = setup, .fini = teardown, .timeout = 60)
{
	char args[1024];
	struct ose_seg seg;
	struct ose_spsc_cons c;
	struct ose_event ev;
	uint64_t n = 0, orders = 0, balances = 0;

	snprintf(args, sizeof(args), "--instance tp --venue binance --account acc1 --replay %s",
		 fixture());
	cr_assert_eq(run(args, NULL), 0);

	cr_assert_eq(ose_spsc_attach(&seg, "ose.tp.feed.binance.acc1", OSE_SEG_F_WRITE), 0);
	cr_assert_eq(ose_spsc_cons_init(&c, &seg), 0);
	while (ose_spsc_pop(&c, &ev, sizeof(ev)) == OSE_SPSC_OK) {
		n++;
		cr_assert_eq(ev.seq, n, "gap-free sequence");
		cr_assert_eq(ev.venue, OSE_VENUE_BINANCE);
		cr_assert_str_eq(ev.account, "acc1");
		cr_assert(ev.recv_ts_ns > 0 && ev.parse_ts_ns >= ev.recv_ts_ns);
		cr_assert_neq(ev.kind, OSE_EV_GAP, "replay emits no gap marker");
		orders += ev.kind == OSE_EV_ORDER || ev.kind == OSE_EV_FILL;
		balances += ev.kind == OSE_EV_BALANCE;
	}
	cr_assert(orders >= 4, "four executionReports, got %llu", (unsigned long long)orders);
	cr_assert(balances >= 1);

	/* Stats in the aux area. */
	const struct ose_feed_stats *st = seg.aux;
	cr_assert(seg.aux_size >= sizeof(*st));
	cr_assert_eq(st->magic, OSE_FEED_STATS_MAGIC);
	cr_assert_eq(st->version, OSE_FEED_STATS_VERSION);
	cr_assert_eq(st->events, n);
	cr_assert_eq(st->replay_lines, 8);
	cr_assert_eq(st->replay_bad_lines, 1);
	cr_assert_eq(st->parse_errors[OSE_PERR_TRUNCATED] + st->parse_errors[OSE_PERR_SYNTAX], 1);
	cr_assert_eq(st->session[OSE_SESS_SUBSCRIBED], 1, "ack consumed as the live session would");
	cr_assert_eq(st->state, OSE_FEED_ST_DOWN);
	uint32_t feed_id = st->feed_id;

	/* A second run adopts the ring: records keep their sequence. */
	cr_assert_eq(run(args, NULL), 0);
	uint64_t first = n;
	while (ose_spsc_pop(&c, &ev, sizeof(ev)) == OSE_SPSC_OK) {
		n++;
		cr_assert_eq(ev.seq, n, "seq continues across feed restarts");
		cr_assert_eq(ev.feed_id, feed_id);
	}
	cr_assert_eq(n, 2 * first);
	ose_spsc_cons_fini(&c);
	ose_seg_close(&seg);
}

Test(process, version, .init = setup, .fini = teardown)
{
	char out[256], line[256];
	FILE *f;
	int crypto = 0;

	snprintf(out, sizeof(out), "%s/version.txt", shmdir);
	cr_assert_eq(run("--version", out), 0);
	f = fopen(out, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		crypto += strncmp(line, "crypto: wolfSSL", 15) == 0;
	fclose(f);
	cr_assert_eq(crypto, 1);
}

Test(process, credentials_must_be_private, .init = setup, .fini = teardown)
{
	char path[256], args[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/creds", shmdir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("api_key = k\napi_secret = s3cr3t-value\n", f);
	fclose(f);
	chmod(path, 0644);
	snprintf(args, sizeof(args),
		 "--instance tc --venue binance --account a --credentials %s --replay %s", path,
		 fixture());
	snprintf(path + strlen(path), 16, ".out");
	cr_assert_eq(run(args, path), 2, "group/world-readable credentials refused");
	f = fopen(path, "r");
	char buf[4096] = { 0 };
	fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	cr_assert_null(strstr(buf, "s3cr3t"), "secrets are never printed");
	path[strlen(path) - 4] = 0;
	chmod(path, 0600);
	cr_assert_eq(run(args, NULL), 0);
}

Test(process, usage_errors, .init = setup, .fini = teardown)
{
	cr_assert_eq(run("--instance x --venue nowhere --account a --replay /dev/null", NULL), 2);
	cr_assert_eq(run("--instance x --venue okx --account a", NULL), 2);
	cr_assert_eq(run("--instance x --venue okx --account a --replay /nonexistent", NULL), 1);
	/* An account that would not fit the event's field is refused up front,
	 * never truncated; 15 bytes is the longest that fits. */
	cr_assert_eq(run("--instance x --venue binance --account 0123456789abcdef --replay /dev/null",
			 NULL), 2);
	cr_assert_eq(run("--instance x --venue binance --account 0123456789abcde --replay /dev/null",
			 NULL), 0);
}

/* A tiny ring and a slow consumer: the feed waits, counts the stalls and
 * drops nothing. */
Test(process, ring_full_waits_never_drops, .init = setup, .fini = teardown, .timeout = 60)
{
	char cap[16];
	pid_t pid;
	struct ose_seg seg;
	struct ose_spsc_cons c;
	struct ose_event ev;
	uint64_t n = 0;
	int status = -1, attached = 0;

	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		snprintf(cap, sizeof(cap), "2");
		execl(feed_bin(), feed_bin(), "--instance", "tf", "--venue", "binance", "--account",
		      "a", "--ring-capacity", cap, "--drain-ms", "0", "--replay", fixture(),
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && !attached; i++) {
		attached = ose_spsc_attach(&seg, "ose.tf.feed.binance.a", OSE_SEG_F_WRITE) == 0;
		if (!attached)
			usleep(10000);
	}
	cr_assert(attached);
	cr_assert_eq(ose_spsc_cons_init(&c, &seg), 0);
	usleep(200000); /* let the feed fill the ring and wait */
	for (int idle = 0; idle < 300;) {
		if (ose_spsc_pop(&c, &ev, sizeof(ev)) == OSE_SPSC_OK) {
			n++;
			cr_assert_eq(ev.seq, n);
			idle = 0;
			usleep(20000); /* slow consumer */
			continue;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			while (ose_spsc_pop(&c, &ev, sizeof(ev)) == OSE_SPSC_OK)
				cr_assert_eq(ev.seq, ++n);
			break;
		}
		idle++;
		usleep(10000);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "feed exit %d", status);
	const struct ose_feed_stats *st = seg.aux;
	cr_assert_eq(st->events, n, "everything committed was consumed");
	cr_assert(n >= 5);
	cr_assert(st->ring_full_stalls > 0, "the full ring was noticed");
	ose_spsc_cons_fini(&c);
	ose_seg_close(&seg);
}

Test(process, ini_config, .init = setup, .fini = teardown, .timeout = 60)
{
	char ini[256], args[1024];
	FILE *f;
	struct ose_seg seg;

	snprintf(ini, sizeof(ini), "%s/ose.ini", shmdir);
	f = fopen(ini, "w");
	cr_assert_not_null(f);
	fprintf(f, "[engine]\ninstance = fromini\n[feed]\ndrain_ms = 0\n"
		   "[feed.binance.acc9]\nring-capacity = 64\n[feed.okx.other]\nring_capacity = 3\n"
		   "[sim]\nanything = 1\n");
	fclose(f);
	snprintf(args, sizeof(args), "--config %s --venue binance --account acc9 --replay %s", ini,
		 fixture());
	cr_assert_eq(run(args, NULL), 0);
	cr_assert_eq(ose_spsc_attach(&seg, "ose.fromini.feed.binance.acc9", 0), 0,
		     "instance from [engine]");
	cr_assert_eq(ose_spsc_ctl_of(&seg)->info.capacity, 64, "[feed.binance.acc9] applied");
	ose_seg_close(&seg);

	f = fopen(ini, "a");
	fprintf(f, "[feed]\nno_such_key = 1\n");
	fclose(f);
	cr_assert_eq(run(args, NULL), 2, "unknown keys are refused");
}
