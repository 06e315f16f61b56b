/* SPDX-License-Identifier: MIT */
/*
 * ose-feed: one venue account's private stream into its ring.
 *
 *	ose-feed --instance NAME --venue V --account A --url wss://... [options]
 *	ose-feed --instance NAME --venue V --account A --replay FILE
 *
 * Exit status: 0 stopped cleanly (signal, --run-ms, --max-disconnects) or
 * replay fully committed; 1 runtime failure (ring, URL, DNS, CA, io_uring);
 * 2 usage or credentials error.  See docs/feed.md.
 */
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/version.h>

#if defined(__has_include)
#if __has_include("ose_config.h")
#include "ose_config.h"
#endif
#endif

#include "adapters/adapter.h"
#include "feeds/feed.h"
#include "feeds/out.h"
#include "shm/wait.h"

#ifndef OSE_VERSION
#define OSE_VERSION OSE_FEED_FALLBACK_VERSION
#endif
#ifndef OSE_CRYPTO_PATH
/* The build engineer's ose_config.h says which wolfSSL the build chose;
 * without it, report what the headers we compiled against say. */
#ifdef WOLFSSL_AESNI
#define OSE_CRYPTO_PATH "wolfssl " LIBWOLFSSL_VERSION_STRING " (AES-NI)"
#else
#define OSE_CRYPTO_PATH "wolfssl " LIBWOLFSSL_VERSION_STRING " (system, no AES-NI)"
#endif
#endif

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ose-feed --instance NAME --venue VENUE --account ACCOUNT\n"
		"                (--url wss://HOST[:PORT]/PATH | --replay FILE)\n"
		"                [--ca FILE] [--cpu N] [--credentials FILE] [--record FILE]\n"
		"                [--busy-poll] [--so-busy-poll US] [--max-msg BYTES]\n"
		"                [--ring-capacity N] [--connect-timeout-ms MS] [--idle-ms MS]\n"
		"                [--probe-ms MS] [--app-ping-ms MS] [--max-life-ms MS]\n"
		"                [--backoff-base-ms MS] [--backoff-max-ms MS] [--close-wait-ms MS]\n"
		"                [--stable-ms MS] [--max-disconnects N] [--run-ms MS]\n"
		"                [--drain-ms MS] [--insecure] [--config FILE] [--version]\n"
		"venues: binance okx bybit gate coinbase mexc\n"
		"config: INI, sections [feed] and [feed.VENUE.ACCOUNT], keys = option names;\n"
		"  [engine] instance is used when --instance is absent; argv wins.\n"
		"credentials: file of key=value lines (api_key, api_secret, passphrase,\n"
		"  listen_key), mode 0600 or stricter; or $OSE_API_KEY, $OSE_API_SECRET,\n"
		"  $OSE_API_PASSPHRASE, $OSE_LISTEN_KEY.\n");
}

/* Secrets live here for the life of the process and are never printed. */
static char cred_key[256], cred_secret[512], cred_pass[256], cred_listen[256];

static void set_cred(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v);
}

static int load_credentials(const char *path)
{
	struct stat sb;
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "ose-feed: credentials %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) != 0 || (sb.st_mode & 077) || sb.st_uid != geteuid()) {
		fprintf(stderr, "ose-feed: credentials %s must be owned by this user and "
				"readable by nobody else (chmod 600)\n", path);
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq, *v, *e;

		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#' || line[0] == ';' || line[0] == '[')
			continue;
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		for (e = eq; e > line && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = 0;
		for (v = eq + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (!strcmp(line, "api_key"))
			set_cred(cred_key, sizeof(cred_key), v);
		else if (!strcmp(line, "api_secret"))
			set_cred(cred_secret, sizeof(cred_secret), v);
		else if (!strcmp(line, "passphrase"))
			set_cred(cred_pass, sizeof(cred_pass), v);
		else if (!strcmp(line, "listen_key"))
			set_cred(cred_listen, sizeof(cred_listen), v);
	}
	/* Do not leave a copy of the last secret line on the stack. */
	memset(line, 0, sizeof(line));
	fclose(f);
	return 0;
}

static void env_cred(char *dst, size_t cap, const char *name)
{
	const char *v = getenv(name);

	if (v && *v && !*dst)
		set_cred(dst, cap, v);
}

static void print_summary(const struct ose_feed_stats *st)
{
	fprintf(stderr,
		"ose-feed: stats sessions=%llu reconnects=%llu connects=%llu bytes_in=%llu "
		"frames=%llu messages=%llu events=%llu gaps=%llu parse_errors=%llu "
		"pings_recv=%llu pongs_recv=%llu pings_sent=%llu closes_recv=%llu "
		"closes_sent=%llu replay_lines=%llu replay_bad_lines=%llu ring_full_stalls=%llu",
		(unsigned long long)st->sessions, (unsigned long long)st->reconnects,
		(unsigned long long)st->connects, (unsigned long long)st->bytes_in,
		(unsigned long long)st->frames, (unsigned long long)st->messages,
		(unsigned long long)st->events, (unsigned long long)st->gaps,
		(unsigned long long)st->parse_errors_total, (unsigned long long)st->pings_recv,
		(unsigned long long)st->pongs_recv, (unsigned long long)st->pings_sent,
		(unsigned long long)st->closes_recv, (unsigned long long)st->closes_sent,
		(unsigned long long)st->replay_lines, (unsigned long long)st->replay_bad_lines,
		(unsigned long long)st->ring_full_stalls);
	for (int i = 0; i < OSE_FEED_DISC_COUNT; i++)
		if (st->disconnects[i])
			fprintf(stderr, " disc.%s=%llu", ose_feed_disc_name((enum ose_feed_disc)i),
				(unsigned long long)st->disconnects[i]);
	for (int i = 1; i < OSE_WS_ERR_COUNT; i++)
		if (st->ws_errors[i])
			fprintf(stderr, " ws.%s=%llu", ose_ws_err_name((enum ose_ws_err)i),
				(unsigned long long)st->ws_errors[i]);
	for (int i = 1; i < OSE_WS_HS_COUNT; i++)
		if (st->hs_errors[i])
			fprintf(stderr, " hs.%s=%llu", ose_ws_hs_err_name((enum ose_ws_hs_err)i),
				(unsigned long long)st->hs_errors[i]);
	for (int i = 1; i < OSE_PERR_COUNT; i++)
		if (st->parse_errors[i])
			fprintf(stderr, " perr.%s=%llu", ose_parse_err_name((enum ose_parse_err)i),
				(unsigned long long)st->parse_errors[i]);
	for (int i = 1; i < OSE_SESS_COUNT; i++)
		if (st->session[i])
			fprintf(stderr, " sess.%s=%llu",
				ose_session_kind_name((enum ose_session_kind)i),
				(unsigned long long)st->session[i]);
	fprintf(stderr, "\n");
}

enum {
	OPT_CA = 256, OPT_CPU, OPT_CRED, OPT_REPLAY, OPT_RECORD, OPT_VERSION, OPT_BUSY,
	OPT_SOBUSY, OPT_MAXMSG, OPT_RINGCAP, OPT_CONNTO, OPT_IDLE, OPT_PROBE, OPT_APPPING,
	OPT_LIFE, OPT_BBASE, OPT_BMAX, OPT_CLOSEWAIT, OPT_STABLE, OPT_MAXDISC, OPT_RUNMS,
	OPT_DRAIN, OPT_INSECURE, OPT_CONFIG,
};

static int num(const char *s, unsigned long long *out)
{
	char *e;

	errno = 0;
	*out = strtoull(s, &e, 10);
	return errno || !*s || *e ? -1 : 0;
}

static const struct option opts[] = {
	{ "instance", required_argument, 0, 'i' },
	{ "venue", required_argument, 0, 'v' },
	{ "account", required_argument, 0, 'a' },
	{ "url", required_argument, 0, 'u' },
	{ "config", required_argument, 0, OPT_CONFIG },
	{ "ca", required_argument, 0, OPT_CA },
	{ "cpu", required_argument, 0, OPT_CPU },
	{ "credentials", required_argument, 0, OPT_CRED },
	{ "replay", required_argument, 0, OPT_REPLAY },
	{ "record", required_argument, 0, OPT_RECORD },
	{ "version", no_argument, 0, OPT_VERSION },
	{ "busy-poll", no_argument, 0, OPT_BUSY },
	{ "so-busy-poll", required_argument, 0, OPT_SOBUSY },
	{ "max-msg", required_argument, 0, OPT_MAXMSG },
	{ "ring-capacity", required_argument, 0, OPT_RINGCAP },
	{ "connect-timeout-ms", required_argument, 0, OPT_CONNTO },
	{ "idle-ms", required_argument, 0, OPT_IDLE },
	{ "probe-ms", required_argument, 0, OPT_PROBE },
	{ "app-ping-ms", required_argument, 0, OPT_APPPING },
	{ "max-life-ms", required_argument, 0, OPT_LIFE },
	{ "backoff-base-ms", required_argument, 0, OPT_BBASE },
	{ "backoff-max-ms", required_argument, 0, OPT_BMAX },
	{ "close-wait-ms", required_argument, 0, OPT_CLOSEWAIT },
	{ "stable-ms", required_argument, 0, OPT_STABLE },
	{ "max-disconnects", required_argument, 0, OPT_MAXDISC },
	{ "run-ms", required_argument, 0, OPT_RUNMS },
	{ "drain-ms", required_argument, 0, OPT_DRAIN },
	{ "insecure", no_argument, 0, OPT_INSECURE },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

/* Everything the options set; filled from the INI file, then argv. */
struct settings {
	const char *instance, *venue_name, *account, *cred, *replay, *record;
	unsigned long long ring_cap, drain_ms;
	int cpu;
	struct ose_feed_cfg cfg;
};

/* Apply option `code` with value val (NULL for flags).  val must outlive
 * the settings (argv, or an arena copy of an INI value).  0, or -1 if bad. */
static int set_opt(struct settings *st, int code, const char *val)
{
	struct ose_feed_cfg *cfg = &st->cfg;
	unsigned long long v = 0;

	switch (code) {
	case 'i': st->instance = val; return 0;
	case 'v': st->venue_name = val; return 0;
	case 'a': st->account = val; return 0;
	case 'u': cfg->url = val; return 0;
	case OPT_CA: cfg->ca_file = val; return 0;
	case OPT_CRED: st->cred = val; return 0;
	case OPT_REPLAY: st->replay = val; return 0;
	case OPT_RECORD: st->record = val; return 0;
	case OPT_CONFIG: return 0; /* read before everything else */
	case OPT_BUSY:
	case OPT_INSECURE: {
		/* Flags; in an INI file: 1/0, true/false, yes/no. */
		int on = !val || !strcmp(val, "1") || !strcasecmp(val, "true") ||
			 !strcasecmp(val, "yes");
		if (val && !on && strcmp(val, "0") && strcasecmp(val, "false") &&
		    strcasecmp(val, "no"))
			return -1;
		if (code == OPT_BUSY)
			cfg->busy_poll = on;
		else
			cfg->insecure = on;
		return 0;
	}
	default:
		break;
	}
	if (!val || num(val, &v) < 0)
		return -1;
	switch (code) {
	case OPT_CPU: st->cpu = (int)v; break;
	case OPT_SOBUSY: cfg->so_busy_poll_us = (int)v; break;
	case OPT_MAXMSG: cfg->max_msg = (size_t)v; break;
	case OPT_RINGCAP: st->ring_cap = v; break;
	case OPT_CONNTO: cfg->connect_timeout_ms = (uint32_t)v; break;
	case OPT_IDLE: cfg->idle_ms = (uint32_t)v; break;
	case OPT_PROBE: cfg->probe_ms = (uint32_t)v; break;
	case OPT_APPPING: cfg->app_ping_ms = (int64_t)v; break;
	case OPT_LIFE: cfg->max_life_ms = (int64_t)v; break;
	case OPT_BBASE: cfg->backoff.base_ms = (uint32_t)v; break;
	case OPT_BMAX: cfg->backoff.max_ms = (uint32_t)v; break;
	case OPT_CLOSEWAIT: cfg->close_wait_ms = (uint32_t)v; break;
	case OPT_STABLE: cfg->stable_ms = (uint32_t)v; break;
	case OPT_MAXDISC: cfg->max_disconnects = v; break;
	case OPT_RUNMS: cfg->run_ms = v; break;
	case OPT_DRAIN: st->drain_ms = v; break;
	default: return -1;
	}
	return 0;
}

/* INI values must outlive parsing: copied into a static arena (no
 * allocation to track, nothing to free).  NULL when it is full. */
static const char *keep(const char *v)
{
	static char arena[16384];
	static size_t used;
	size_t l = strlen(v) + 1;

	if (l > sizeof(arena) - used)
		return NULL;
	memcpy(arena + used, v, l);
	used += l;
	return arena + used - l;
}

/* INI: [feed] applies to every feed, [feed.<venue>.<account>] to one;
 * keys are the long option names ('-' or '_'); [engine] instance is used
 * when --instance is not given.  Other sections belong to other tools. */
struct ini_ctx {
	struct settings *st;
	char own[128];
	int bad;
};

static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *ic = user;
	char key[64];
	size_t i;

	if (!strcmp(section, "engine")) {
		if (!strcmp(name, "instance") && !ic->st->instance)
			ic->st->instance = keep(value);
		return 1;
	}
	if (strcmp(section, "feed") && strcmp(section, ic->own))
		return 1;
	for (i = 0; name[i] && i < sizeof(key) - 1; i++)
		key[i] = name[i] == '_' ? '-' : name[i];
	key[i] = 0;
	for (const struct option *o = opts; o->name; o++) {
		if (strcmp(o->name, key) || o->val == OPT_VERSION || o->val == 'h' ||
		    o->val == OPT_CONFIG)
			continue;
		const char *v = keep(value);
		if (!v || set_opt(ic->st, o->val, v) < 0) {
			/* Never echo the value: it may be a path to secrets. */
			fprintf(stderr, "ose-feed: config [%s]: bad value for %s\n", section, name);
			ic->bad = 1;
			return 0;
		}
		return 1;
	}
	fprintf(stderr, "ose-feed: config [%s]: unknown key %s\n", section, name);
	ic->bad = 1;
	return 0;
}

/* The value of --name in argv (either "--name V" or "--name=V"), or NULL. */
static const char *pre_scan(int argc, char **argv, const char *name)
{
	size_t l = strlen(name);

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) || strncmp(argv[i] + 2, name, l))
			continue;
		if (argv[i][2 + l] == '=')
			return argv[i] + 3 + l;
		if (argv[i][2 + l] == 0 && i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct settings S;
	struct ose_feed_cfg *cfgp = &S.cfg;
	const char *config = pre_scan(argc, argv, "config");
	int c, li;
	struct ose_feed_ring ring;
	FILE *rec = NULL, *rin = NULL;
	int r;

	ose_feed_cfg_defaults(cfgp);
	S.cpu = -1;
	S.drain_ms = 2000;
	if (config) {
		struct ini_ctx ic = { .st = &S };
		const char *v = pre_scan(argc, argv, "venue"), *a = pre_scan(argc, argv, "account");

		snprintf(ic.own, sizeof(ic.own), "feed.%s.%s", v ? v : "", a ? a : "");
		r = ini_parse(config, ini_cb, &ic);
		if (r < 0) {
			fprintf(stderr, "ose-feed: config %s: cannot read\n", config);
			return 2;
		}
		if (r > 0 || ic.bad) {
			fprintf(stderr, "ose-feed: config %s: error at line %d\n", config, r);
			return 2;
		}
	}
	while ((c = getopt_long(argc, argv, "i:v:a:u:h", opts, &li)) != -1) {
		if (c == OPT_VERSION) {
			printf("ose-feed %s\ncrypto: %s\n", OSE_VERSION, OSE_CRYPTO_PATH);
			return 0;
		}
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == '?' || set_opt(&S, c, optarg) < 0) {
			usage(stderr);
			return 2;
		}
	}
	const char *instance = S.instance, *venue_name = S.venue_name, *account = S.account;
	const char *cred = S.cred, *replay = S.replay, *record = S.record;
	unsigned long long ring_cap = S.ring_cap, drain_ms = S.drain_ms;
	int cpu = S.cpu;
	struct ose_feed_cfg cfg = S.cfg;

	if (!instance || !venue_name || !account || (!cfg.url == !replay) || optind != argc) {
		usage(stderr);
		return 2;
	}
	/* Every event carries the account in a fixed field; refuse a name
	 * that would not fit rather than truncating it into every record. */
	if (strlen(account) >= OSE_ACCOUNT_MAX) {
		fprintf(stderr, "ose-feed: account '%s' is longer than %d bytes\n", account,
			OSE_ACCOUNT_MAX - 1);
		return 2;
	}
	enum ose_venue venue = ose_venue_from_name(venue_name);
	cfg.adapter = ose_adapter_get(venue);
	if (!cfg.adapter) {
		fprintf(stderr, "ose-feed: unknown venue '%s'\n", venue_name);
		return 2;
	}
	if (cred && load_credentials(cred) < 0)
		return 2;
	env_cred(cred_key, sizeof(cred_key), "OSE_API_KEY");
	env_cred(cred_secret, sizeof(cred_secret), "OSE_API_SECRET");
	env_cred(cred_pass, sizeof(cred_pass), "OSE_API_PASSPHRASE");
	env_cred(cred_listen, sizeof(cred_listen), "OSE_LISTEN_KEY");
	cfg.session.api_key = cred_key[0] ? cred_key : NULL;
	cfg.session.api_secret = cred_secret[0] ? cred_secret : NULL;
	cfg.session.passphrase = cred_pass[0] ? cred_pass : NULL;
	cfg.session.listen_key = cred_listen[0] ? cred_listen : NULL;
	cfg.account = account;

	if (cpu >= 0 && (r = ose_pin_cpu(cpu)) < 0) {
		fprintf(stderr, "ose-feed: cannot pin to cpu %d: %s\n", cpu, strerror(-r));
		return 1;
	}
	if (record) {
		rec = fopen(record, "a");
		if (!rec) {
			fprintf(stderr, "ose-feed: record %s: %s\n", record, strerror(errno));
			return 1;
		}
		cfg.record = rec;
	}
	if (replay) {
		rin = strcmp(replay, "-") ? fopen(replay, "r") : stdin;
		if (!rin) {
			fprintf(stderr, "ose-feed: replay %s: %s\n", replay, strerror(errno));
			return 1;
		}
	}
	r = ose_feed_ring_open(&ring, instance, venue, account, ring_cap);
	if (r < 0) {
		fprintf(stderr, "ose-feed: ring for %s/%s/%s: %s\n", instance, venue_name, account,
			ose_seg_strerror(r));
		return 1;
	}
	ring.stop = &stop_flag;
	cfg.stats = ring.stats;
	cfg.feed_id = ring.feed_id;
	cfg.seq_base = ring.last_seq;
	cfg.sink.ctx = &ring;
	cfg.sink.publish = ose_feed_ring_publish;
	cfg.sink.tick = ose_feed_ring_tick;
	cfg.stop = &stop_flag;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (replay) {
		r = ose_feed_replay(&cfg, rin);
		if (rin != stdin)
			fclose(rin);
		if (r == 0 && drain_ms) {
			/* Committed is the contract; if an engine is attached, give
			 * it a moment to consume so a following check sees it. */
			(void)ose_feed_ring_drain(&ring, drain_ms);
		}
	} else {
		r = ose_feed_run(&cfg);
	}
	print_summary(ring.stats);
	if (r < 0)
		fprintf(stderr, "ose-feed: %s\n", strerror(-r));
	if (rec)
		fclose(rec);
	ose_feed_ring_close(&ring);
	memset(cred_secret, 0, sizeof(cred_secret));
	return r < 0 ? 1 : 0;
}
