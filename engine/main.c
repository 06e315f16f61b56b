/* SPDX-License-Identifier: MIT */
/*
 * ose-engine --instance NAME [--cpu N] [--config FILE] [--version]
 *
 * Configuration: defaults, then the INI file (section [engine]), then the
 * command line.  Keys (docs/engine.md):
 *   instance, cpu, capacity, exec_bound, books, rings, stuck_timeout_ms,
 *   journal, fsync (none|batch|always), fsync_interval_ms,
 *   file_mode (0600|0640), wait (auto|spin|yield|sleep), scan_ms, batch,
 *   events_capacity, journal_ring
 */
#include <errno.h>
#include <ini.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"

#if defined(__has_include)
#if __has_include("ose_config.h")
#include "ose_config.h"
#endif
#endif
#ifndef OSE_VERSION
#define OSE_VERSION "0.1.0-unconfigured"
#endif
#ifndef OSE_CRYPTO_PATH
#define OSE_CRYPTO_PATH "unknown (ose_config.h not generated)"
#endif

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void log_line(const char *msg)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld ose-engine: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, msg);
}

static int parse_u32(const char *v, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(v, &end, 0);
	if (errno || end == v || *end || x > UINT32_MAX)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int set_key(struct ose_engine_cfg *c, const char *k, const char *v)
{
	uint32_t u;
	if (!strcmp(k, "instance")) {
		if (strlen(v) >= sizeof(c->instance))
			return -1;
		snprintf(c->instance, sizeof(c->instance), "%s", v);
		return 0;
	}
	if (!strcmp(k, "journal")) {
		if (strlen(v) >= sizeof(c->journal))
			return -1;
		snprintf(c->journal, sizeof(c->journal), "%s", v);
		return 0;
	}
	if (!strcmp(k, "fsync")) {
		if (!strcmp(v, "none"))
			c->fsync = OSE_FSYNC_NONE;
		else if (!strcmp(v, "batch"))
			c->fsync = OSE_FSYNC_BATCH;
		else if (!strcmp(v, "always"))
			c->fsync = OSE_FSYNC_ALWAYS;
		else
			return -1;
		return 0;
	}
	if (!strcmp(k, "wait")) {
		if (!strcmp(v, "auto"))
			c->wait = OSE_WAITM_AUTO;
		else if (!strcmp(v, "spin"))
			c->wait = OSE_WAITM_SPIN;
		else if (!strcmp(v, "yield"))
			c->wait = OSE_WAITM_YIELD;
		else if (!strcmp(v, "sleep"))
			c->wait = OSE_WAITM_SLEEP;
		else
			return -1;
		return 0;
	}
	if (!strcmp(k, "file_mode")) {
		if (!strcmp(v, "0600") || !strcmp(v, "600"))
			c->group_read = 0;
		else if (!strcmp(v, "0640") || !strcmp(v, "640"))
			c->group_read = 1;
		else
			return -1;
		return 0;
	}
	if (!strcmp(k, "cpu")) {
		if (parse_u32(v, &u) || u > 4096)
			return -1;
		c->cpu = (int)u;
		return 0;
	}
	if (parse_u32(v, &u))
		return -1;
	if (!strcmp(k, "capacity"))
		c->tbl.capacity = u;
	else if (!strcmp(k, "exec_bound"))
		c->tbl.exec_bound = u;
	else if (!strcmp(k, "books"))
		c->tbl.book_cap = u;
	else if (!strcmp(k, "rings"))
		c->tbl.ring_cap = u;
	else if (!strcmp(k, "stuck_timeout_ms"))
		c->stuck_timeout_ms = u;
	else if (!strcmp(k, "fsync_interval_ms"))
		c->fsync_interval_ms = u;
	else if (!strcmp(k, "scan_ms"))
		c->scan_ms = u ? u : 1;
	else if (!strcmp(k, "batch"))
		c->batch = u ? u : 1;
	else if (!strcmp(k, "events_capacity"))
		c->events_capacity = u;
	else if (!strcmp(k, "journal_ring"))
		c->journal_ring = u;
	else
		return -1;
	return 0;
}

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
	if (strcmp(section, "engine") && strcmp(section, ""))
		return 1; /* other tools' sections */
	if (set_key(user, name, value)) {
		fprintf(stderr, "ose-engine: config: bad value for %s: '%s'\n", name, value);
		return 0;
	}
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ose-engine --instance NAME [--cpu N] [--config FILE] [--version]\n");
}

int main(int argc, char **argv)
{
	struct ose_engine_cfg cfg;
	ose_engine_cfg_default(&cfg);
	const char *config = NULL, *instance = NULL, *cpu = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--version")) {
			printf("ose-engine %s (crypto: %s)\n", OSE_VERSION, OSE_CRYPTO_PATH);
			return 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--instance") && i + 1 < argc) {
			instance = argv[++i];
		} else if (!strcmp(a, "--cpu") && i + 1 < argc) {
			cpu = argv[++i];
		} else if (!strcmp(a, "--config") && i + 1 < argc) {
			config = argv[++i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (config) {
		int rc = ini_parse(config, ini_cb, &cfg);
		if (rc) {
			fprintf(stderr, "ose-engine: config %s: %s %d\n", config,
				rc < 0 ? "cannot read" : "error at line", rc);
			return 2;
		}
	}
	if (instance && set_key(&cfg, "instance", instance)) {
		fprintf(stderr, "ose-engine: bad instance name\n");
		return 2;
	}
	if (cpu && set_key(&cfg, "cpu", cpu)) {
		fprintf(stderr, "ose-engine: bad --cpu\n");
		return 2;
	}
	if (!cfg.instance[0]) {
		usage(stderr);
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int rc = ose_engine_run(&cfg, &stop_flag, log_line);
	if (rc) {
		fprintf(stderr, "ose-engine: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
