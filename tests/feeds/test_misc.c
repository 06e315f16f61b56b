/* SPDX-License-Identifier: MIT */
/* Backoff schedule (as a function, no wall time), replay line format, URL parsing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/backoff.h"
#include "feeds/feed.h"
#include "feeds/replay.h"

Test(backoff, bounded_and_exponential)
{
	struct ose_backoff_cfg cfg = { .base_ms = 100, .max_ms = 30000 };
	uint64_t rng = 42;

	cr_assert_eq(ose_backoff_cap_ms(&cfg, 0), 100);
	cr_assert_eq(ose_backoff_cap_ms(&cfg, 1), 200);
	cr_assert_eq(ose_backoff_cap_ms(&cfg, 8), 25600);
	cr_assert_eq(ose_backoff_cap_ms(&cfg, 9), 30000);
	cr_assert_eq(ose_backoff_cap_ms(&cfg, 1000), 30000, "no overflow for huge attempts");
	for (unsigned a = 0; a < 200; a++) {
		uint32_t cap = ose_backoff_cap_ms(&cfg, a);
		for (int k = 0; k < 50; k++) {
			uint32_t d = ose_backoff_delay_ms(&cfg, a, &rng);
			cr_assert(d >= cap / 2 && d <= cap, "attempt %u delay %u cap %u", a, d, cap);
			cr_assert(d <= cfg.max_ms && d >= cfg.base_ms / 2);
		}
	}
}

Test(backoff, jittered)
{
	struct ose_backoff_cfg cfg = { .base_ms = 1000, .max_ms = 60000 };
	uint64_t rng = 7;
	uint32_t lo = UINT32_MAX, hi = 0;
	int distinct = 0;
	uint32_t prev = 0;

	/* At the ceiling, delays spread over [30000, 60000]. */
	for (int k = 0; k < 2000; k++) {
		uint32_t d = ose_backoff_delay_ms(&cfg, 20, &rng);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		distinct += d != prev;
		prev = d;
	}
	cr_assert(lo < 33000 && hi > 57000, "spread %u..%u", lo, hi);
	cr_assert(distinct > 1900);
	/* Two feeds with different seeds do not move in lock-step. */
	uint64_t a = 1, b = 2;
	int same = 0;
	for (int k = 0; k < 100; k++)
		same += ose_backoff_delay_ms(&cfg, 5, &a) == ose_backoff_delay_ms(&cfg, 5, &b);
	cr_assert(same < 5);
	/* Same seed: same schedule (the function is pure). */
	a = b = 99;
	for (int k = 0; k < 100; k++)
		cr_assert_eq(ose_backoff_delay_ms(&cfg, (unsigned)k, &a),
			     ose_backoff_delay_ms(&cfg, (unsigned)k, &b));
}

Test(backoff, degenerate_config)
{
	struct ose_backoff_cfg cfg = { .base_ms = 0, .max_ms = 0 };
	uint64_t rng = 1;

	for (unsigned a = 0; a < 40; a++)
		cr_assert(ose_backoff_delay_ms(&cfg, a, &rng) <= 1);
}

Test(replay, parse_lines)
{
	uint8_t buf[64];
	const uint8_t *p;
	size_t n;

	cr_assert_eq(ose_replay_parse_line("", 0, buf, sizeof(buf), &p, &n), OSE_REPLAY_SKIP);
	cr_assert_eq(ose_replay_parse_line("\r", 1, buf, sizeof(buf), &p, &n), OSE_REPLAY_SKIP);
	cr_assert_eq(ose_replay_parse_line("# x", 3, buf, sizeof(buf), &p, &n), OSE_REPLAY_SKIP);
	cr_assert_eq(ose_replay_parse_line("{\"a\":1}\r", 8, buf, sizeof(buf), &p, &n),
		     OSE_REPLAY_TEXT);
	cr_assert_eq(n, 7);
	cr_assert_eq(memcmp(p, "{\"a\":1}", 7), 0);
	cr_assert_eq(ose_replay_parse_line("b64:AAEC/w==", 12, buf, sizeof(buf), &p, &n),
		     OSE_REPLAY_BINARY);
	cr_assert_eq(n, 4);
	cr_assert_eq(memcmp(p, "\x00\x01\x02\xff", 4), 0);
	cr_assert_eq(ose_replay_parse_line("b64:!!!!", 8, buf, sizeof(buf), &p, &n), -EINVAL);
	cr_assert_eq(ose_replay_parse_line("b64:AAE", 7, buf, sizeof(buf), &p, &n), -EINVAL);
	cr_assert_eq(ose_replay_parse_line("b64:AAECAAECAAECAAEC", 20, buf, 4, &p, &n), -ENOSPC);
}

Test(replay, format_roundtrip)
{
	char line[256];
	uint8_t buf[256];
	const uint8_t *p;
	size_t n;
	struct {
		const char *s;
		size_t len;
		int binary;
		int expect_kind;
	} cases[] = {
		{ "{\"e\":\"executionReport\"}", 24, 0, OSE_REPLAY_TEXT },
		{ "\x0a\x12\x00\xff", 4, 1, OSE_REPLAY_BINARY },
		{ "", 0, 1, OSE_REPLAY_BINARY },
		{ "two\nlines", 9, 0, OSE_REPLAY_BINARY }, /* would break the line format */
		{ "#hash", 5, 0, OSE_REPLAY_BINARY },
		{ "b64:lookalike", 13, 0, OSE_REPLAY_BINARY },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ssize_t l = ose_replay_format(line, sizeof(line), (const uint8_t *)cases[i].s,
					      cases[i].len, cases[i].binary);
		cr_assert(l > 0);
		cr_assert_eq(line[l - 1], '\n');
		cr_assert_null(memchr(line, '\n', (size_t)l - 1));
		int k = ose_replay_parse_line(line, (size_t)l - 1, buf, sizeof(buf), &p, &n);
		cr_assert_eq(k, cases[i].expect_kind, "case %zu", i);
		cr_assert_eq(n, cases[i].len);
		cr_assert_eq(memcmp(p, cases[i].s, n), 0);
	}
	cr_assert_eq(ose_replay_format(line, 4, (const uint8_t *)"hello", 5, 0), -ENOSPC);
}

Test(url, parse)
{
	struct ose_url u;

	cr_assert_eq(ose_url_parse("wss://stream.bybit.com/v5/private", &u), 0);
	cr_assert_str_eq(u.host, "stream.bybit.com");
	cr_assert_eq(u.port, 443);
	cr_assert_eq(u.tls, 1);
	cr_assert_str_eq(u.path, "/v5/private");
	cr_assert_str_eq(u.hostport, "stream.bybit.com");
	cr_assert_eq(ose_url_parse("wss://ws.okx.com:8443/ws/v5/private", &u), 0);
	cr_assert_eq(u.port, 8443);
	cr_assert_str_eq(u.hostport, "ws.okx.com:8443");
	cr_assert_eq(ose_url_parse("wss://wbs-api.mexc.com/ws?listenKey=abc", &u), 0);
	cr_assert_str_eq(u.path, "/ws?listenKey=abc");
	cr_assert_eq(ose_url_parse("wss://h?x=1", &u), 0);
	cr_assert_str_eq(u.path, "/?x=1");
	cr_assert_eq(ose_url_parse("ws://127.0.0.1:9000", &u), 0);
	cr_assert_eq(u.tls, 0);
	cr_assert_str_eq(u.path, "/");
	cr_assert_eq(ose_url_parse("wss://[::1]:9443/x", &u), 0);
	cr_assert_str_eq(u.host, "::1");
	cr_assert_eq(u.port, 9443);
	cr_assert_eq(ose_url_parse("https://x/", &u), -EINVAL);
	cr_assert_eq(ose_url_parse("wss://:443/", &u), -EINVAL);
	cr_assert_eq(ose_url_parse("wss://h:99999/", &u), -EINVAL);
	cr_assert_eq(ose_url_parse("wss://h:12x/", &u), -EINVAL);
}

Test(replay, write_any_size)
{
	static uint8_t big[100001], back[100001];
	char scratch[64];
	FILE *f = tmpfile();
	char *line = NULL;
	size_t cap = 0;
	const uint8_t *p;
	size_t n;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + 7);
	cr_assert_eq(ose_replay_write(f, big, sizeof(big), 1, scratch, sizeof(scratch)), 0);
	cr_assert_eq(ose_replay_write(f, (const uint8_t *)"{\"a\":1}", 7, 0, scratch, sizeof(scratch)), 0);
	rewind(f);
	ssize_t l = getline(&line, &cap, f);
	cr_assert(l > 4);
	cr_assert_eq(ose_replay_parse_line(line, (size_t)l - 1, back, sizeof(back), &p, &n),
		     OSE_REPLAY_BINARY);
	cr_assert_eq(n, sizeof(big));
	cr_assert_eq(memcmp(p, big, n), 0);
	l = getline(&line, &cap, f);
	cr_assert_eq(l, 8);
	cr_assert_eq(ose_replay_parse_line(line, 7, back, sizeof(back), &p, &n), OSE_REPLAY_TEXT);
	free(line);
	fclose(f);
}
