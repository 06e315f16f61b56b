/* SPDX-License-Identifier: MIT */
/*
 * ose-sim throughput and send-to-receive latency over TLS on loopback.
 *
 * Starts ose-sim for one venue at an offered rate, connects with a minimal
 * wolfSSL + RFC 6455 client (blocking reads, no parsing beyond the ose_ts
 * stamp), subscribes, and for a fixed time counts messages and the latency
 * from the simulator's CLOCK_REALTIME stamp to receipt.  The offered rate is
 * printed as the comparison line: the simulator keeps up when the received
 * rate matches it.
 *
 *   bench_sim [venue] [rate] [burst] [seconds]   (defaults binance 100000 100 3)
 *
 * Output (DESIGN §12): BENCH sim.<venue>.<rate>.recv_rate <v> msg/s, then
 * BENCH sim.<venue>.<rate>.offered <v> msg/s, and latency p50/p99/p999/max in ns.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tests/e2e/harness.h"

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU time (user + system) a process has used, in ns, from /proc. */
static int64_t proc_cpu_ns(pid_t pid)
{
	char path[64], b[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(b, 1, sizeof(b) - 1, f);
	fclose(f);
	b[n] = 0;
	char *p = strrchr(b, ')');
	unsigned long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (int64_t)((ut + st) * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int ws_send_text(WOLFSSL *ssl, const char *s)
{
	uint8_t f[1024];
	size_t n = strlen(s);
	if (n > 1000)
		return -1;
	f[0] = 0x81;
	f[1] = (uint8_t)(0x80 | (n < 126 ? n : 126));
	size_t h = 2;
	if (n >= 126) {
		f[2] = (uint8_t)(n >> 8);
		f[3] = (uint8_t)n;
		h = 4;
	}
	memcpy(f + h, "\x11\x22\x33\x44", 4);
	for (size_t i = 0; i < n; i++)
		f[h + 4 + i] = (uint8_t)s[i] ^ f[h + (i & 3)];
	return wolfSSL_write(ssl, f, (int)(h + 4 + n)) > 0 ? 0 : -1;
}

static const char *sub_msg(const char *v)
{
	if (!strcmp(v, "binance"))
		return "{\"id\":1,\"method\":\"userDataStream.subscribe.signature\",\"params\":{\"apiKey\":\"k\",\"timestamp\":1,\"signature\":\"s\"}}";
	if (!strcmp(v, "bybit"))
		return "{\"op\":\"auth\",\"args\":[\"k\",1,\"s\"]}";
	if (!strcmp(v, "gate"))
		return "{\"time\":1,\"channel\":\"spot.orders\",\"event\":\"subscribe\",\"payload\":[\"!all\"],\"auth\":{\"method\":\"api_key\",\"KEY\":\"k\",\"SIGN\":\"s\"}}";
	if (!strcmp(v, "coinbase"))
		return "{\"type\":\"subscribe\",\"channel\":\"user\",\"jwt\":\"a.b.c\"}";
	if (!strcmp(v, "mexc"))
		return "{\"method\":\"SUBSCRIPTION\",\"params\":[\"spot@private.orders.v3.api.pb\"]}";
	return "{\"op\":\"login\",\"args\":[{\"apiKey\":\"k\",\"passphrase\":\"p\",\"timestamp\":\"1\",\"sign\":\"s\"}]}";
}

static const char *sub_msg2(const char *v)
{
	if (!strcmp(v, "bybit"))
		return "{\"op\":\"subscribe\",\"args\":[\"order\"]}";
	if (!strcmp(v, "okx"))
		return "{\"op\":\"subscribe\",\"args\":[{\"channel\":\"orders\",\"instType\":\"SPOT\"}]}";
	return NULL;
}

/* ose_ts of a message: JSON key, or MEXC protobuf field 99 (varint, last). */
static int64_t stamp_of(const uint8_t *p, size_t n, int op)
{
	if (op == 1) {
		const char *k = memmem(p, n, "\"ose_ts\":", 9);
		if (!k)
			return 0;
		return strtoll(k + 9, NULL, 10);
	}
	/* scan for tag 99 wire type 0: 0x98 0x06 */
	for (size_t i = n > 16 ? n - 16 : 0; i + 2 < n; i++) {
		if (p[i] == 0x98 && p[i + 1] == 0x06) {
			uint64_t v = 0;
			int sh = 0;
			for (size_t j = i + 2; j < n && sh < 64; j++, sh += 7) {
				v |= (uint64_t)(p[j] & 0x7f) << sh;
				if (!(p[j] & 0x80))
					return (int64_t)v;
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *venue = argc > 1 ? argv[1] : "binance";
	const char *rate = argc > 2 ? argv[2] : "100000";
	const char *burst = argc > 3 ? argv[3] : "100";
	double secs = argc > 4 ? atof(argv[4]) : 3.0;
	const char *bin = getenv("OSE_SIM");
	if (!bin) {
		fprintf(stderr, "OSE_SIM not set\n");
		return 77;
	}
	char dir[256], log[400], certs[400], orders[32];
	if (ose_h_tmpdir(dir, sizeof(dir), "simbench"))
		return 1;
	snprintf(log, sizeof(log), "%s/sim.log", dir);
	snprintf(certs, sizeof(certs), "%s/certs", dir);
	snprintf(orders, sizeof(orders), "%.0f", atof(rate) * (secs + 2) / 3);
	const char *sargv[] = { bin, "--venue", venue, "--gen-certs", certs, "--port", "0", "--seed", "1",
				"--orders", orders, "--symbols", "8", "--rate", rate, "--burst", burst,
				"--ping-interval", "0", NULL };
	struct ose_h_proc sim;
	char line[512], ca[400];
	int port = 0;
	if (ose_h_spawn(&sim, sargv, NULL, log) ||
	    ose_h_wait_line(&sim, "ose-sim ready ", line, sizeof(line), 20000) ||
	    sscanf(line, "ose-sim ready port=%d ca=%399s", &port, ca) != 2) {
		fprintf(stderr, "ose-sim did not start\n");
		return 1;
	}
	wolfSSL_Init();
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	wolfSSL_CTX_load_verify_locations(ctx, ca, NULL);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 1;
	WOLFSSL *ssl = wolfSSL_new(ctx);
	wolfSSL_set_fd(ssl, fd);
	wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, "localhost", 9);
	wolfSSL_check_domain_name(ssl, "localhost");
	if (wolfSSL_connect(ssl) != WOLFSSL_SUCCESS) {
		fprintf(stderr, "TLS handshake failed\n");
		return 1;
	}
	char req[512];
	int rl = snprintf(req, sizeof(req),
			  "GET /%s/ws%s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
			  venue, strcmp(venue, "mexc") ? "" : "?listenKey=bench");
	wolfSSL_write(ssl, req, rl);
	static uint8_t buf[1 << 22];
	size_t have = 0;
	for (;;) { /* the 101 response */
		int r = wolfSSL_read(ssl, buf + have, (int)(sizeof(buf) - have));
		if (r <= 0)
			return 1;
		have += (size_t)r;
		uint8_t *e = memmem(buf, have, "\r\n\r\n", 4);
		if (e) {
			size_t hl = (size_t)(e + 4 - buf);
			if (!memmem(buf, hl, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28)) {
				fprintf(stderr, "bad Sec-WebSocket-Accept\n");
				return 1;
			}
			memmove(buf, buf + hl, have - hl);
			have -= hl;
			break;
		}
	}
	ws_send_text(ssl, sub_msg(venue));
	if (sub_msg2(venue))
		ws_send_text(ssl, sub_msg2(venue));
	size_t lat_cap = (size_t)(atof(rate) * secs * 1.5) + 1024, nlat = 0;
	int64_t *lat = malloc(lat_cap * sizeof(*lat));
	uint64_t msgs = 0, bytes = 0;
	int64_t t0 = 0, t_end = 0, cpu0 = 0, cpu1 = 0;
	int64_t deadline = now_ns() + (int64_t)((secs + 10) * 1e9);
	while (now_ns() < deadline) {
		int r = wolfSSL_read(ssl, buf + have, (int)(sizeof(buf) - have));
		if (r <= 0)
			break;
		have += (size_t)r;
		int64_t t = now_ns();
		size_t off = 0;
		while (have - off >= 2) {
			uint8_t *f = buf + off;
			uint64_t n = f[1] & 127;
			size_t hl = 2;
			if (n == 126) {
				if (have - off < 4)
					break;
				n = (uint64_t)f[2] << 8 | f[3];
				hl = 4;
			} else if (n == 127) {
				if (have - off < 10)
					break;
				n = 0;
				for (int i = 0; i < 8; i++)
					n = n << 8 | f[2 + i];
				hl = 10;
			}
			if (have - off < hl + n)
				break;
			int op = f[0] & 15;
			int64_t ts = (op == 1 || op == 2) ? stamp_of(f + hl, (size_t)n, op) : 0;
			if (ts) {
				if (!t0) {
					cpu0 = proc_cpu_ns(sim.pid);
					t0 = t; /* measure from the first update */
					t_end = t0 + (int64_t)(secs * 1e9);
				}
				if (t <= t_end) {
					msgs++;
					bytes += n;
					if (nlat < lat_cap)
						lat[nlat++] = t - ts;
				}
			}
			off += hl + (size_t)n;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		if (t0 && t > t_end)
			break;
	}
	cpu1 = proc_cpu_ns(sim.pid);
	ose_h_stop(&sim, 5000);
	ose_h_rmtree(dir);
	if (!nlat) {
		fprintf(stderr, "no stamped messages received\n");
		return 1;
	}
	qsort(lat, nlat, sizeof(*lat), cmp_i64);
	double r = (double)msgs / secs;
	char name[96];
	snprintf(name, sizeof(name), "sim.%s.%s", venue, rate);
	printf("BENCH %s.recv_rate %.4g msg/s\n", name, r);
	printf("BENCH %s.offered %s msg/s\n", name, rate);
	printf("BENCH %s.recv_bytes %.4g B/s\n", name, (double)bytes / secs);
	/* CPU the simulator spent per delivered message: its capacity on a
	 * free core is about 1e9 / this, whatever the load on the machine. */
	if (cpu0 >= 0 && cpu1 > cpu0)
		printf("BENCH %s.sim_cpu_per_msg %.0f ns\n", name, (double)(cpu1 - cpu0) / (double)msgs);
	printf("BENCH %s.latency.p50 %lld ns\n", name, (long long)lat[nlat / 2]);
	printf("BENCH %s.latency.p99 %lld ns\n", name, (long long)lat[nlat * 99 / 100]);
	printf("BENCH %s.latency.p999 %lld ns\n", name, (long long)lat[nlat * 999 / 1000]);
	printf("BENCH %s.latency.max %lld ns\n", name, (long long)lat[nlat - 1]);
	free(lat);
	wolfSSL_free(ssl);
	wolfSSL_CTX_free(ctx);
	close(fd);
	return 0;
}
