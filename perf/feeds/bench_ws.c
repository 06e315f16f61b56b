/* SPDX-License-Identifier: MIT */
/*
 * ws.decode: ns per 500-byte text frame through ose_ws_decode (header,
 * zero-copy payload, UTF-8 validation), whole TLS-record-sized inputs.
 * ws.decode.chunked: the same stream cut into 1448-byte pieces (TCP MSS),
 * so frames straddle inputs and take the copying path.
 * ws.decode.skip_utf8: whole inputs with the UTF-8 check left to the
 * caller (ose_ws_dec_skip_utf8), as the feed runs for venues whose parser
 * validates every byte.
 * Anchor, same run: ws.decode.memcpy, a memcpy of the same bytes (the
 * floor for touching every byte once).  ws.utf8.500: the UTF-8 check
 * alone, SSE2 path against its scalar twin (.scalar).  Medians of 51 rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feeds/ws.h"

#define NFR 4096
#define PL 500

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static volatile size_t sink;

int main(void)
{
	static uint8_t stream[NFR * (PL + 4)], copy[NFR * (PL + 4)], msg[1 << 16];
	size_t len = 0;
	enum { ROUNDS = 51 };
	double dec[ROUNDS], chunked[ROUNDS], skip[ROUNDS], mc[ROUNDS];
	char payload[PL];

	/* A plausible executionReport-sized ASCII JSON payload. */
	for (int i = 0; i < PL; i++)
		payload[i] = "{\"e\":\"executionReport\",\"s\":\"BTCUSDT\",\"q\":\"0.001\"}"[i % 48];
	for (int i = 0; i < NFR; i++) {
		stream[len++] = 0x81;
		stream[len++] = 126;
		stream[len++] = PL >> 8;
		stream[len++] = PL & 0xff;
		memcpy(stream + len, payload, PL);
		len += PL;
	}
	for (int r = 0; r < ROUNDS; r++) {
		for (int mode = 0; mode < 3; mode++) {
			struct ose_ws_dec d;
			size_t chunk = mode == 1 ? 1448 : 16384, frames = 0;
			uint64_t t0 = now_ns();

			ose_ws_dec_init(&d, msg, sizeof(msg));
			ose_ws_dec_skip_utf8(&d, mode == 2);
			for (size_t off = 0; off < len;) {
				size_t n = len - off < chunk ? len - off : chunk;
				size_t pos = 0;
				while (pos < n) {
					struct ose_ws_ev ev;
					ssize_t k = ose_ws_decode(&d, stream + off + pos, n - pos, &ev);
					if (k < 0)
						return 1;
					pos += (size_t)k;
					if (ev.kind == OSE_WS_EV_TEXT) {
						frames++;
						sink += ev.len;
					}
				}
				off += n;
			}
			if (frames != NFR)
				return 1;
			(mode == 2 ? skip : mode ? chunked : dec)[r] = (double)(now_ns() - t0) / NFR;
		}
		uint64_t t0 = now_ns();
		memcpy(copy, stream, len);
		sink += copy[len / 2];
		mc[r] = (double)(now_ns() - t0) / NFR;
	}
	qsort(dec, ROUNDS, sizeof(double), cmp_d);
	qsort(chunked, ROUNDS, sizeof(double), cmp_d);
	qsort(skip, ROUNDS, sizeof(double), cmp_d);
	qsort(mc, ROUNDS, sizeof(double), cmp_d);
	/* UTF-8 check alone: SSE2 path vs its scalar twin, same payloads. */
	double u8[ROUNDS], u8s[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		for (int mode = 0; mode < 2; mode++) {
			uint64_t t0 = now_ns();
			size_t ok = 0;
			for (int i = 0; i < NFR; i++) {
				const uint8_t *p = stream + (size_t)i * (PL + 4) + 4;
				ok += mode ? ose_ws_utf8_valid_scalar(p, PL) : ose_ws_utf8_valid(p, PL);
			}
			if (ok != NFR)
				return 1;
			(mode ? u8s : u8)[r] = (double)(now_ns() - t0) / NFR;
		}
	}
	qsort(u8, ROUNDS, sizeof(double), cmp_d);
	qsort(u8s, ROUNDS, sizeof(double), cmp_d);
	printf("BENCH ws.decode %.1f ns\n", dec[ROUNDS / 2]);
	printf("BENCH ws.decode.memcpy %.1f ns\n", mc[ROUNDS / 2]);
	printf("BENCH ws.decode.chunked %.1f ns\n", chunked[ROUNDS / 2]);
	/* The feed's mode for venues whose parser validates UTF-8 itself. */
	printf("BENCH ws.decode.skip_utf8 %.1f ns\n", skip[ROUNDS / 2]);
	printf("BENCH ws.decode.chunked.memcpy %.1f ns\n", mc[ROUNDS / 2]);
	printf("BENCH ws.utf8.500 %.1f ns\n", u8[ROUNDS / 2]);
	printf("BENCH ws.utf8.500.scalar %.1f ns\n", u8s[ROUNDS / 2]);
	return 0;
}
