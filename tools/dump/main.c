/* SPDX-License-Identifier: MIT */
/*
 * ose-dump: the operators' read-only view of an ose instance (issue 7,
 * DESIGN §10/§12; docs/dump.md is the manual).  Safe to run at any moment on
 * a production box: every segment is opened O_RDONLY and mapped PROT_READ,
 * no lock is taken and nothing in shared memory is written, so the engine's
 * counters cannot change because of it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/dump/dump.h"

#ifndef OSE_DUMP_VERSION
#define OSE_DUMP_VERSION "unknown"
#endif

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void usage(FILE *f)
{
	fputs("usage: ose-dump --list [--json]\n"
	      "       ose-dump --instance NAME [--json] [sections] [filters] [--detail]\n"
	      "       ose-dump --instance NAME --watch SECONDS [--count N] [...]\n"
	      "       ose-dump --instance NAME --follow [--from-oldest] [--count N] [--duration S] [--json]\n"
	      "       ose-dump --version\n"
	      "sections (default: all): --engine --segments --rings --feeds --stats --orders\n"
	      "filters: --venue V --symbol S --account A --status S1,S2 --open --executed\n"
	      "         --order-id ID --client-id ID (these two print matching orders in full)\n"
	      "exit codes: 0 ok, 1 error, 2 usage, 3 no such instance, 4 permission denied,\n"
	      "            5 ABI/version mismatch, 6 corrupt segment, 7 engine still starting\n"
	      "            (see docs/dump.md)\n",
	      f);
}

enum {
	OPT_LIST = 256, OPT_JSON, OPT_WATCH, OPT_FOLLOW, OPT_COUNT, OPT_DURATION, OPT_OLDEST,
	OPT_VENUE, OPT_SYMBOL, OPT_ACCOUNT, OPT_STATUS, OPT_OPEN, OPT_EXECUTED, OPT_OID, OPT_CID,
	OPT_DETAIL, OPT_VERSION, OPT_S_ENGINE, OPT_S_SEGMENTS, OPT_S_RINGS, OPT_S_FEEDS,
	OPT_S_STATS, OPT_S_ORDERS,
};

static const struct option long_opts[] = {
	{"list", no_argument, NULL, OPT_LIST},
	{"instance", required_argument, NULL, 'i'},
	{"json", no_argument, NULL, OPT_JSON},
	{"watch", required_argument, NULL, OPT_WATCH},
	{"follow", no_argument, NULL, OPT_FOLLOW},
	{"count", required_argument, NULL, OPT_COUNT},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"from-oldest", no_argument, NULL, OPT_OLDEST},
	{"venue", required_argument, NULL, OPT_VENUE},
	{"symbol", required_argument, NULL, OPT_SYMBOL},
	{"account", required_argument, NULL, OPT_ACCOUNT},
	{"status", required_argument, NULL, OPT_STATUS},
	{"open", no_argument, NULL, OPT_OPEN},
	{"executed", no_argument, NULL, OPT_EXECUTED},
	{"order-id", required_argument, NULL, OPT_OID},
	{"client-id", required_argument, NULL, OPT_CID},
	{"detail", no_argument, NULL, OPT_DETAIL},
	{"engine", no_argument, NULL, OPT_S_ENGINE},
	{"segments", no_argument, NULL, OPT_S_SEGMENTS},
	{"rings", no_argument, NULL, OPT_S_RINGS},
	{"feeds", no_argument, NULL, OPT_S_FEEDS},
	{"stats", no_argument, NULL, OPT_S_STATS},
	{"orders", no_argument, NULL, OPT_S_ORDERS},
	{"version", no_argument, NULL, OPT_VERSION},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct cli {
	int list, json, follow, oldest;
	const char *instance;
	double watch;        /* seconds between frames; 0 = no watch */
	double duration;     /* --follow/--watch time bound; 0 = none */
	long long count;     /* frames (--watch) or records (--follow); 0 = no bound */
	struct dump_filter filt;
	struct dump_opts out;
};

/* Copies arg into a fixed field; 0 or -1 if it does not fit. */
static int setstr(char *dst, size_t n, const char *arg)
{
	if (strlen(arg) >= n)
		return -1;
	strcpy(dst, arg);
	return 0;
}

static int parse_status(struct dump_filter *f, const char *arg)
{
	char buf[256], *save = NULL;

	if (setstr(buf, sizeof(buf), arg) < 0)
		return -1;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum ose_status s = ose_status_from_name(t);

		if (s == OSE_ST_NONE)
			return -1;
		f->status_mask |= 1u << s;
	}
	return f->status_mask ? 0 : -1;
}

static int parse_num(const char *arg, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v > 0) || v > 86400.0 * 365)
		return -1;
	*out = v;
	return 0;
}

static int parse_cli(int argc, char **argv, struct cli *c)
{
	int opt, li = 0;
	char *end;

	memset(c, 0, sizeof(*c));
	while ((opt = getopt_long(argc, argv, "i:h", long_opts, &li)) != -1) {
		switch (opt) {
		case OPT_LIST:
			c->list = 1;
			break;
		case 'i':
			c->instance = optarg;
			break;
		case OPT_JSON:
			c->json = 1;
			break;
		case OPT_WATCH:
			if (parse_num(optarg, &c->watch) < 0)
				goto bad;
			break;
		case OPT_FOLLOW:
			c->follow = 1;
			break;
		case OPT_COUNT:
			errno = 0;
			c->count = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || c->count <= 0)
				goto bad;
			break;
		case OPT_DURATION:
			if (parse_num(optarg, &c->duration) < 0)
				goto bad;
			break;
		case OPT_OLDEST:
			c->oldest = 1;
			break;
		case OPT_VENUE:
			c->filt.venue = (uint8_t)ose_venue_from_name(optarg);
			if (c->filt.venue == OSE_VENUE_NONE)
				goto bad;
			break;
		case OPT_SYMBOL:
			if (setstr(c->filt.symbol, sizeof(c->filt.symbol), optarg) < 0)
				goto bad;
			break;
		case OPT_ACCOUNT:
			if (setstr(c->filt.account, sizeof(c->filt.account), optarg) < 0)
				goto bad;
			break;
		case OPT_STATUS:
			if (parse_status(&c->filt, optarg) < 0)
				goto bad;
			break;
		case OPT_OPEN:
			c->filt.open_only = 1;
			break;
		case OPT_EXECUTED:
			c->filt.executed_only = 1;
			break;
		case OPT_OID:
			if (setstr(c->filt.order_id, sizeof(c->filt.order_id), optarg) < 0)
				goto bad;
			c->out.detail = 1;
			break;
		case OPT_CID:
			if (setstr(c->filt.client_id, sizeof(c->filt.client_id), optarg) < 0)
				goto bad;
			c->out.detail = 1;
			break;
		case OPT_DETAIL:
			c->out.detail = 1;
			break;
		case OPT_S_ENGINE:
			c->out.sections |= DUMP_SEC_ENGINE;
			break;
		case OPT_S_SEGMENTS:
			c->out.sections |= DUMP_SEC_SEGMENTS;
			break;
		case OPT_S_RINGS:
			c->out.sections |= DUMP_SEC_RINGS;
			break;
		case OPT_S_FEEDS:
			c->out.sections |= DUMP_SEC_FEEDS;
			break;
		case OPT_S_STATS:
			c->out.sections |= DUMP_SEC_STATS;
			break;
		case OPT_S_ORDERS:
			c->out.sections |= DUMP_SEC_ORDERS;
			break;
		case OPT_VERSION:
			printf("ose-dump %s (state layout %u, segment ABI %u)\n", OSE_DUMP_VERSION,
			       OSE_STATE_VERSION, OSE_ABI_VERSION);
			exit(DUMP_EXIT_OK);
		case 'h':
			usage(stdout);
			exit(DUMP_EXIT_OK);
		default:
			goto bad_quiet;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ose-dump: unexpected argument '%s'\n", argv[optind]);
		goto bad_quiet;
	}
	if (c->list == !!c->instance) {
		fprintf(stderr, "ose-dump: give exactly one of --list or --instance NAME\n");
		goto bad_quiet;
	}
	if (c->follow && c->watch > 0) {
		fprintf(stderr, "ose-dump: --follow and --watch do not combine\n");
		goto bad_quiet;
	}
	if (!c->out.sections)
		c->out.sections = DUMP_SEC_ALL;
	return 0;
bad:
	fprintf(stderr, "ose-dump: bad value '%s' for --%s\n", optarg, long_opts[li].name);
bad_quiet:
	usage(stderr);
	return -1;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	/* Interrupted by a signal: fine, the loop checks g_stop. */
	nanosleep(&ts, NULL);
}

/* Opens the instance and checks the state segment.  Returns 0 or an exit
 * code after printing the one-line error. */
static int open_checked(const struct cli *c, struct dump_inst *inst)
{
	int r = dump_inst_open(inst, c->instance);

	if (r == -ENOENT) {
		char dir[256] = "?";

		ose_seg_dir(dir, sizeof(dir));
		fprintf(stderr, "ose-dump: no such instance '%s' (no segment ose.%s* in %s)\n",
			c->instance, c->instance, dir);
		return DUMP_EXIT_NOINST;
	}
	if (r < 0) {
		fprintf(stderr, "ose-dump: instance '%s': %s\n", c->instance, dump_strerror(r));
		return dump_exit_code(r) ? dump_exit_code(r) : DUMP_EXIT_ERROR;
	}
	if (inst->state && inst->state_err) {
		fprintf(stderr, "ose-dump: %s: %s\n", inst->state->name, dump_strerror(inst->state_err));
		r = dump_exit_code(inst->state_err);
		dump_inst_close(inst);
		return r ? r : DUMP_EXIT_ERROR;
	}
	return 0;
}

/* Exit code for the segments other than the state one that could not be
 * read (the dump itself goes on around them); warns once per segment. */
static int other_segment_errors(const struct dump_inst *inst, int warn)
{
	int code = 0;

	for (size_t i = 0; i < inst->nsegs; i++) {
		const struct dump_seg *s = &inst->segs[i];

		if (!s->err || s == inst->state)
			continue;
		if (warn)
			fprintf(stderr, "ose-dump: %s: %s\n", s->name, dump_strerror(s->err));
		if (!code)
			code = dump_exit_code(s->err) ? dump_exit_code(s->err) : DUMP_EXIT_ERROR;
	}
	return code;
}

/* The slot scan is the only part whose cost grows with the table: skip it
 * when no order is printed (JSON always lists them). */
static int wants_orders(const struct cli *c)
{
	return c->json || (c->out.sections & DUMP_SEC_ORDERS);
}

static int run_once(const struct cli *c)
{
	struct dump_inst inst;
	int r = open_checked(c, &inst);

	if (r)
		return r;
	if (wants_orders(c) && dump_orders_load(&inst, &c->filt) < 0) {
		fprintf(stderr, "ose-dump: out of memory\n");
		dump_inst_close(&inst);
		return DUMP_EXIT_ERROR;
	}
	if (c->json)
		dump_json(stdout, &inst, &c->out);
	else
		dump_human(stdout, &inst, &c->out);
	r = other_segment_errors(&inst, 1);
	dump_inst_close(&inst);
	if (fflush(stdout) != 0)
		return DUMP_EXIT_ERROR;
	return r;
}

static int run_watch(const struct cli *c)
{
	double t0 = mono_s();
	int r = 0;

	for (long long frame = 0; !g_stop; frame++) {
		struct dump_inst inst;
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (!m)
			return DUMP_EXIT_ERROR;
		/* Re-attach every frame: rings come and go, the engine restarts.
		 * A missing instance or an engine still starting is a frame
		 * that says so, not the end of the watch. */
		r = open_checked(c, &inst);
		if (r == DUMP_EXIT_NOINST || r == DUMP_EXIT_BUSY) {
			if (!c->json)
				fprintf(m, "\033[H\033[2J(instance %s: %s; waiting)\n", c->instance,
					r == DUMP_EXIT_NOINST ? "no segment yet" : "engine starting");
			fclose(m);
			fwrite(buf, 1, len, stdout);
			free(buf);
			fflush(stdout);
			if ((c->count && frame + 1 >= c->count) ||
			    (c->duration > 0 && mono_s() - t0 >= c->duration))
				break;
			sleep_s(c->watch);
			continue;
		}
		if (r) {
			fclose(m);
			free(buf);
			return r;
		}
		if (wants_orders(c) && dump_orders_load(&inst, &c->filt) < 0) {
			dump_inst_close(&inst);
			fclose(m);
			free(buf);
			return DUMP_EXIT_ERROR;
		}
		if (c->json) {
			dump_json(m, &inst, &c->out);
		} else {
			/* Clear and home, like top: one write per frame, no flicker. */
			fputs("\033[H\033[2J", m);
			dump_human(m, &inst, &c->out);
			fprintf(m, "\n(refresh every %gs; Ctrl-C to stop)\n", c->watch);
		}
		r = other_segment_errors(&inst, frame == 0);
		dump_inst_close(&inst);
		fclose(m);
		fwrite(buf, 1, len, stdout);
		free(buf);
		if (fflush(stdout) != 0)
			return DUMP_EXIT_ERROR;
		if (c->count && frame + 1 >= c->count)
			break;
		if (c->duration > 0 && mono_s() - t0 >= c->duration)
			break;
		sleep_s(c->watch);
	}
	return r;
}

static int update_match(const struct dump_filter *f, const struct ose_update *u)
{
	if (f->venue && u->venue != f->venue)
		return 0;
	if (f->symbol[0] && strncmp(f->symbol, u->symbol, sizeof(u->symbol)))
		return 0;
	if (f->account[0] && strncmp(f->account, u->account, sizeof(u->account)))
		return 0;
	if (f->order_id[0] && strncmp(f->order_id, u->order_id, sizeof(u->order_id)))
		return 0;
	if (f->client_id[0] && strncmp(f->client_id, u->client_id, sizeof(u->client_id)))
		return 0;
	if (f->status_mask && !(u->status < 32 && (f->status_mask & (1u << u->status))))
		return 0;
	return 1;
}

static int run_follow(const struct cli *c)
{
	char name[OSE_SEG_NAME_MAX];
	struct ose_seg seg, nseg;
	struct ose_bcast_reader rd, nrd;
	struct ose_update u;
	long long shown = 0;
	double t0 = mono_s(), last_check = t0;
	int r;

	if ((r = ose_seg_name_events(name, sizeof(name), c->instance)) < 0) {
		fprintf(stderr, "ose-dump: bad instance name '%s'\n", c->instance);
		return DUMP_EXIT_USAGE;
	}
	if ((r = ose_bcast_attach(&seg, name, 0)) < 0) {
		if (r == -ENOENT)
			fprintf(stderr, "ose-dump: no event ring %s (no such instance, or its engine never started)\n",
				name);
		else
			fprintf(stderr, "ose-dump: %s: %s\n", name, dump_strerror(r));
		return dump_exit_code(r) ? dump_exit_code(r) : DUMP_EXIT_ERROR;
	}
	if (ose_bcast_reader_init(&rd, &seg, c->oldest ? OSE_BCAST_FROM_OLDEST : OSE_BCAST_FROM_NEWEST) < 0 ||
	    rd.rec_size < sizeof(u)) {
		fprintf(stderr, "ose-dump: %s: record size %u too small for an update\n", name, rd.rec_size);
		ose_seg_close(&seg);
		return DUMP_EXIT_CORRUPT;
	}
	while (!g_stop && (!c->count || shown < c->count)) {
		uint64_t lost = 0, idx = rd.cursor;
		enum ose_bcast_res res = ose_bcast_read(&rd, &u, sizeof(u), &lost);

		if (res == OSE_BCAST_OK) {
			if (!update_match(&c->filt, &u))
				continue;
			if (c->json)
				dump_update_json(stdout, &u, idx);
			else
				dump_update_line(stdout, &u, idx);
			fputc('\n', stdout);
			shown++;
			continue;
		}
		if (res == OSE_BCAST_OVERRUN) {
			if (c->json)
				printf("{\"type\":\"overrun\",\"lost\":%llu}\n", (unsigned long long)lost);
			else
				printf("# overrun: %llu records lost (the writer lapped this reader)\n",
				       (unsigned long long)lost);
			continue;
		}
		fflush(stdout);
		if (c->duration > 0 && mono_s() - t0 >= c->duration)
			break;
		/* Idle: twice a second, check whether a restarted engine
		 * replaced the ring file (one stat); follow the new one. */
		if (mono_s() - last_check >= 0.5) {
			last_check = mono_s();
			if (ose_seg_superseded(&seg) == 1 &&
			    ose_bcast_attach(&nseg, name, 0) == 0) {
				if (ose_bcast_reader_init(&nrd, &nseg, OSE_BCAST_FROM_OLDEST) == 0 &&
				    nrd.rec_size >= sizeof(u)) {
					ose_seg_close(&seg);
					seg = nseg;
					rd = nrd;
					if (c->json)
						printf("{\"type\":\"reattached\"}\n");
					else
						printf("# event ring re-created (engine restarted): following the new one\n");
				} else {
					/* Not usable: keep reading the old mapping. */
					ose_seg_close(&nseg);
				}
			}
		}
		sleep_s(0.001);
	}
	ose_seg_close(&seg);
	return fflush(stdout) ? DUMP_EXIT_ERROR : DUMP_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli c;
	struct sigaction sa;

	if (parse_cli(argc, argv, &c) < 0)
		return DUMP_EXIT_USAGE;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_DFL);

	if (c.list) {
		int r = dump_list(stdout, c.json);

		if (r < 0) {
			char dir[256] = "?";

			ose_seg_dir(dir, sizeof(dir));
			fprintf(stderr, "ose-dump: cannot read %s: %s\n", dir, dump_strerror(r));
			return r == -ENOENT ? DUMP_EXIT_NOINST : dump_exit_code(r);
		}
		return fflush(stdout) ? DUMP_EXIT_ERROR : DUMP_EXIT_OK;
	}
	if (c.follow)
		return run_follow(&c);
	if (c.watch > 0)
		return run_watch(&c);
	return run_once(&c);
}
