/* SPDX-License-Identifier: MIT */
/*
 * ose-inject --instance NAME --venue V --account A [--capacity N] [--drain] FILE
 * ose-inject --instance NAME --strategy S [--capacity N] [--drain] FILE
 *
 * Pushes normalised events (or, with --strategy, commands) read from FILE
 * ("-" = stdin; format in tools/inject/evtext.h and docs/engine.md) into
 * the feed ring ose.<instance>.feed.<venue>.<account> (or the command ring
 * ose.<instance>.cmd.<strategy>), creating or re-adopting it.  A full ring
 * waits; nothing is dropped.  --drain waits (up to 60 s) until the engine
 * consumed everything before exiting.  Exit: 0 ok, 1 a line was bad (its
 * number and reason on stderr; nothing after it is pushed), 2 usage,
 * 3 ring error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm/seg.h"
#include "shm/spsc.h"
#include "shm/wait.h"
#include "tools/inject/evtext.h"

static void usage(void)
{
	fprintf(stderr, "usage: ose-inject --instance NAME (--venue V --account A | --strategy S)"
			" [--capacity N] [--drain] FILE\n");
}

int main(int argc, char **argv)
{
	const char *inst = NULL, *venue = NULL, *account = NULL, *strategy = NULL, *file = NULL;
	uint64_t capacity = 65536;
	int drain = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--instance") && i + 1 < argc)
			inst = argv[++i];
		else if (!strcmp(argv[i], "--venue") && i + 1 < argc)
			venue = argv[++i];
		else if (!strcmp(argv[i], "--account") && i + 1 < argc)
			account = argv[++i];
		else if (!strcmp(argv[i], "--strategy") && i + 1 < argc)
			strategy = argv[++i];
		else if (!strcmp(argv[i], "--capacity") && i + 1 < argc)
			capacity = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--drain"))
			drain = 1;
		else if (argv[i][0] == '-' && argv[i][1]) {
			usage();
			return 2;
		} else
			file = argv[i];
	}
	if (!inst || !file || (!strategy && (!venue || !account)) || (strategy && venue)) {
		usage();
		return 2;
	}
	uint8_t vid = 0;
	if (venue && (vid = (uint8_t)ose_venue_from_name(venue)) == OSE_VENUE_NONE) {
		fprintf(stderr, "ose-inject: unknown venue '%s'\n", venue);
		return 2;
	}
	char name[OSE_SEG_NAME_MAX];
	int rc = strategy ? ose_seg_name_cmd(name, sizeof(name), inst, strategy)
			  : ose_seg_name_feed(name, sizeof(name), inst, venue, account);
	if (rc < 0) {
		fprintf(stderr, "ose-inject: bad name: %s\n", ose_seg_strerror(rc));
		return 2;
	}
	FILE *in = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!in) {
		fprintf(stderr, "ose-inject: %s: %s\n", file, strerror(errno));
		return 2;
	}
	struct ose_seg seg;
	uint32_t slot = strategy ? OSE_CMD_SIZE : OSE_EVENT_SIZE;
	rc = ose_spsc_create(&seg, name, slot, capacity, 0, OSE_SEG_F_ADOPT, 0);
	struct ose_spsc_prod prod;
	if (rc < 0 || (rc = ose_spsc_prod_init(&prod, &seg))) {
		fprintf(stderr, "ose-inject: ring %s: %s\n", name, ose_seg_strerror(rc));
		return 3;
	}
	struct ose_wait w;
	struct ose_wait_cfg wc = {100, 20, 10000, 1000000};
	ose_wait_init(&w, &wc);
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0, pushed = 0;
	int status = 0;
	static struct ose_event ev;
	static struct ose_cmd cmd;
	uint64_t seq = prod.head;
	while (getline(&line, &cap, in) > 0) {
		lineno++;
		char err[160];
		enum ose_evtext_res r = ose_evtext_parse(line, &ev, &cmd, err, sizeof(err));
		if (r == OSE_EVTEXT_SKIP)
			continue;
		if (r == OSE_EVTEXT_ERR || (strategy && r != OSE_EVTEXT_CMD) ||
		    (!strategy && r != OSE_EVTEXT_EVENT)) {
			fprintf(stderr, "ose-inject: %s:%lu: %s\n", file, lineno,
				r == OSE_EVTEXT_ERR ? err
				: strategy	    ? "an event line on a command ring"
						    : "a command line on a feed ring (use --strategy)");
			status = 1;
			break;
		}
		const void *rec;
		if (r == OSE_EVTEXT_EVENT) {
			if (!ev.venue)
				ev.venue = vid;
			if (!ev.account[0])
				snprintf(ev.account, sizeof(ev.account), "%s", account);
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ev.recv_ts_ns = ev.parse_ts_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			ev.seq = ++seq;
			rec = &ev;
		} else {
			rec = &cmd;
		}
		rc = ose_spsc_push_wait(&prod, rec, slot, &w, 0);
		if (rc) {
			fprintf(stderr, "ose-inject: push: %s\n", strerror(-rc));
			status = 3;
			break;
		}
		/* The engine may sleep on this ring (shm/wait.h doorbell). */
		ose_spsc_doorbell(&prod);
		ose_wait_reset(&w);
		pushed++;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	if (drain) {
		uint64_t deadline = ose_time_mono_ns() + 60ull * 1000000000u;
		while (__atomic_load_n(&prod.ctl->cons.tail, __ATOMIC_ACQUIRE) != prod.head &&
		       ose_time_mono_ns() < deadline) {
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
		if (__atomic_load_n(&prod.ctl->cons.tail, __ATOMIC_ACQUIRE) != prod.head) {
			fprintf(stderr, "ose-inject: engine did not drain %s in 60 s\n", name);
			if (!status)
				status = 3;
		}
	}
	fprintf(stderr, "ose-inject: %lu records pushed to %s\n", pushed, name);
	ose_seg_close(&seg);
	return status;
}
