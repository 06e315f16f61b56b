/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the WebSocket frame decoder (and the handshake
 * response parser and UTF-8 validator it relies on).  The first input
 * byte picks the chunk size the rest is fed in, so frames straddle inputs
 * the way TLS records and TCP segments split them.  Built only with
 * -Dfuzz=enabled and clang.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/ws.h"

#define MAXMSG 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[MAXMSG];
	struct ose_ws_dec d;
	size_t chunk;
	int skip;

	if (size < 1)
		return 0;
	/* First byte: input chunk size, and whether text UTF-8 is left to
	 * the caller (the feed's mode for validating parsers). */
	chunk = (size_t)(data[0] >> 1) + 1;
	skip = data[0] & 1;
	data++;
	size--;

	ose_ws_dec_init(&d, msg, MAXMSG);
	ose_ws_dec_skip_utf8(&d, skip);
	for (size_t off = 0; off < size;) {
		size_t n = size - off < chunk ? size - off : chunk;
		/* A private copy so an over-read past n is caught by ASan. */
		uint8_t *in = malloc(n ? n : 1);
		size_t pos = 0;

		memcpy(in, data + off, n);
		while (pos < n) {
			struct ose_ws_ev ev;
			ssize_t r = ose_ws_decode(&d, in + pos, n - pos, &ev);

			if (r < 0) {
				if (d.close_code != 1002 && d.close_code != 1007 && d.close_code != 1009)
					abort();
				/* With skip, 1007 can only come from a close reason. */
				if (skip && d.err == OSE_WS_ERR_UTF8 && d.op != OSE_WS_OP_CLOSE)
					abort();
				ose_ws_dec_reset(&d);
				break;
			}
			if ((size_t)r > n - pos)
				abort();
			if (r == 0 && ev.kind == OSE_WS_EV_NONE)
				abort(); /* no progress */
			pos += (size_t)r;
			if (!skip && ev.kind == OSE_WS_EV_TEXT && !ose_ws_utf8_valid(ev.payload, ev.len))
				abort();
			if ((ev.kind == OSE_WS_EV_TEXT || ev.kind == OSE_WS_EV_BINARY) && ev.len > MAXMSG)
				abort();
			if ((ev.kind == OSE_WS_EV_PING || ev.kind == OSE_WS_EV_PONG) && ev.len > 125)
				abort();
		}
		free(in);
		off += n;
	}

	/* The SIMD UTF-8 path agrees with its scalar twin. */
	if (ose_ws_utf8_valid(data, size) != ose_ws_utf8_valid_scalar(data, size))
		abort();

	/* The same bytes as a handshake response. */
	char *hs = malloc(size ? size : 1);
	enum ose_ws_hs_err e;
	int st;
	memcpy(hs, data, size);
	(void)ose_ws_handshake_response(hs, size, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", &e, &st);
	free(hs);
	return 0;
}
