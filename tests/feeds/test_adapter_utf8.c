/* SPDX-License-Identifier: MIT */
/*
 * The feed skips its own UTF-8 pass for adapters that set validates_utf8
 * (docs/feed.md, "WebSocket state machine").  That is only sound if such an
 * adapter never accepts a text message that is not UTF-8, so this checks
 * the claim against the adapters' own fixtures: every fixture, as stored
 * and compacted (the form fast paths such as Binance's take), with an
 * invalid sequence written over each position in turn (a stray
 * continuation-less lead byte, 0xff, an overlong, a surrogate, a code point
 * above U+10FFFF), must come back OSE_PARSE_ERROR whenever the result is
 * not UTF-8 any more.  An adapter change that accepts such a message
 * before the scanner has seen every byte fails here.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "feeds/ws.h"
#include "perf/adapters/bench_util.h"

#define MAXLEN 16384

static const char *const bad_seqs[] = {
	"\xc3", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
};

static size_t load(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	cr_assert_not_null(fp, "%s", path);
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	cr_assert(n > 0 && n < cap, "%s", path);
	return n;
}

/* Every corrupted version of msg[0..len) that is not UTF-8 is refused;
 * returns how many such versions were tried. */
static unsigned check_message(const struct ose_adapter *ad, const char *name, const char *msg,
			      size_t len)
{
	static char buf[MAXLEN];
	static struct ose_event ev[64];
	struct ose_parse_ctx ctx = { .account = "acct", .venue = ad->venue };
	unsigned tried = 0;

	for (size_t b = 0; b < sizeof(bad_seqs) / sizeof(bad_seqs[0]); b++) {
		size_t sl = strlen(bad_seqs[b]);

		for (size_t i = 0; i + sl <= len; i++) {
			struct ose_parse_out out = { .ev = ev, .cap = 64 };
			enum ose_parse_res r;

			memcpy(buf, msg, len);
			memcpy(buf + i, bad_seqs[b], sl);
			if (ose_ws_utf8_valid((const uint8_t *)buf, len))
				continue;
			tried++;
			r = ad->parse(buf, len, 0, &ctx, &out);
			cr_assert_eq(r, OSE_PARSE_ERROR,
				     "%s %s: invalid UTF-8 (sequence %zu at %zu) accepted as %d",
				     ad->name, name, b, i, (int)r);
			cr_assert_eq(out.n, 0);
		}
	}
	return tried;
}

Test(adapter_utf8, validating_adapters_refuse_invalid_utf8, .timeout = 120)
{
	const char *root = getenv("OSE_FIXTURES");
	static char msg[MAXLEN];
	unsigned venues = 0;

	cr_assert_not_null(root, "OSE_FIXTURES not set (run through meson test)");
	for (int v = 0; v < OSE_VENUE_COUNT; v++) {
		const struct ose_adapter *ad = ose_adapter_get((enum ose_venue)v);
		char dir[512];
		struct dirent *de;
		DIR *d;
		unsigned files = 0, tried = 0;

		if (!ad || !ad->validates_utf8)
			continue;
		venues++;
		snprintf(dir, sizeof(dir), "%s/%s", root, ad->name);
		d = opendir(dir);
		cr_assert_not_null(d, "no fixtures for %s", ad->name);
		while ((de = readdir(d))) {
			char path[1024];
			size_t n = strlen(de->d_name);

			if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			n = load(path, msg, sizeof(msg));
			tried += check_message(ad, de->d_name, msg, n);
			/* Compacted: the form one-pass fast paths take. */
			tried += check_message(ad, de->d_name, msg, bench_minify(msg, n));
			files++;
		}
		closedir(d);
		cr_assert(files > 0 && tried > 1000, "%s: %u fixtures, %u corruptions", ad->name,
			  files, tried);
		/* The venues' bare text heartbeats, too. */
		check_message(ad, "ping", "ping", 4);
		check_message(ad, "pong", "pong", 4);
	}
	cr_assert(venues >= 1, "no adapter claims validates_utf8");
}
