/* SPDX-License-Identifier: MIT */
/*
 * The whole feed on loopback: a C sender (wolfSSL server side, blocking
 * socket, child process) streams 507-byte Binance executionReport messages
 * over TLS 1.3 WebSocket to the real feed loop (ose_feed_run: io_uring,
 * wolfSSL memory I/O, RFC 6455 decoder, the Binance adapter) which commits
 * into a real SPSC ring segment.
 *
 *   feed.throughput          messages/s into the ring (frames batched into
 *                            16 KiB TLS records; the sender encrypts the
 *                            whole stream into memory before it starts and
 *                            then only write()s ciphertext, so what is
 *                            measured is the feed, not the sender's
 *                            snprintf and AES-GCM sharing the two cores)
 *   feed.throughput.cpu      the same messages per CPU-second of the feed
 *                            thread (load-independent capacity estimate)
 *   feed.latency.p50|p99.10k  sender's CLOCK_REALTIME stamp (in the client
 *   feed.latency.p50|p99.100k order id) -> record committed in the ring,
 *                            one TLS record per message, paced at 10k/100k
 *                            messages per second
 *
 * The sink is ose-feed's (adapters write into lent ring slots,
 * ose_feed_ring_reserve/commit; publish for what does not fit before the
 * wrap) and takes the commit timestamp after each commit; a consumer handle
 * in the same thread releases the records so the ring never fills.  Sender, feed and the OS share this machine's
 * cores (and with every other build on it): figures are noisy, quote them
 * with the machine's load.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#define USE_CERT_BUFFERS_2048
#define USE_CERT_BUFFERS_256
#include <wolfssl/certs_test.h>

#include "adapters/adapter.h"
#include "feeds/feed.h"
#include "feeds/out.h"
#include "feeds/ws.h"
#include "shm/spsc.h"

static const char tmpl_a[] =
	"{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1499405658658,"
	"\"s\":\"ETHBTC\",\"c\":\"t";
static const char tmpl_b[] =
	"\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"1.00000000\",\"p\":\"0.10264410\","
	"\"P\":\"0.00000000\",\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"NEW\",\"X\":\"NEW\","
	"\"r\":\"NONE\",\"i\":4293153,\"l\":\"0.00000000\",\"z\":\"0.00000000\",\"L\":\"0.00000000\","
	"\"n\":\"0\",\"N\":null,\"T\":1499405658657,\"t\":-1,\"v\":3,\"I\":8641984,\"w\":true,"
	"\"m\":false,\"M\":false,\"O\":1499405658657,\"Z\":\"0.00000000\",\"Y\":\"0.00000000\","
	"\"Q\":\"0.00000000\",\"W\":1499405658657,\"V\":\"NONE\"}}";

static int64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The frame: built once, then only its 19 stamp digits are rewritten
 * (snprintf per message made the sender, not the feed, the bottleneck). */
static uint8_t frame_tmpl[600];
static size_t frame_len, stamp_off;

static void frame_init(void)
{
	char msg[600];
	int n = snprintf(msg, sizeof(msg), "%s%019d%s", tmpl_a, 0, tmpl_b);

	frame_tmpl[0] = 0x81;
	frame_tmpl[1] = 126;
	frame_tmpl[2] = (uint8_t)(n >> 8);
	frame_tmpl[3] = (uint8_t)n;
	memcpy(frame_tmpl + 4, msg, (size_t)n);
	frame_len = (size_t)n + 4;
	stamp_off = 4 + sizeof(tmpl_a) - 1;
}

/* One server frame carrying the template stamped with now; returns length. */
static size_t make_frame(uint8_t *out)
{
	uint64_t t = (uint64_t)real_ns();

	memcpy(out, frame_tmpl, frame_len);
	for (int i = 18; i >= 0; i--, t /= 10)
		out[stamp_off + (size_t)i] = (uint8_t)('0' + t % 10);
	return frame_len;
}

/* --- sender (child) ----------------------------------------------------- */

/* Ciphertext collected in memory for the throughput phase. */
struct mem {
	uint8_t *b;
	size_t len, cap;
};

static int mem_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct mem *m = ctx;

	(void)ssl;
	if (m->len + (size_t)sz > m->cap)
		return WOLFSSL_CBIO_ERR_GENERAL;
	memcpy(m->b + m->len, buf, (size_t)sz);
	m->len += (size_t)sz;
	return sz;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n > (1u << 20) ? (1u << 20) : n);
		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Spin until the due time.  Sleeping instead (clock_nanosleep, alone or
 * followed by a short spin) was tried: it let the sender share a core
 * with the feed and delayed the feed's wake-ups (10k p50 25-80 us against
 * 8-38 us spinning, load average 12, two runs each). */
static void wait_until(int64_t due)
{
	while (real_ns() < due)
		;
}

static void sender(int ls, long count, long rate)
{
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
	WOLFSSL *ssl;
	char req[4096];
	size_t rl = 0;
	int fd, one = 1;

	wolfSSL_CTX_use_certificate_buffer(ctx, server_cert_der_2048, sizeof_server_cert_der_2048,
					   WOLFSSL_FILETYPE_ASN1);
	wolfSSL_CTX_use_PrivateKey_buffer(ctx, server_key_der_2048, sizeof_server_key_der_2048,
					  WOLFSSL_FILETYPE_ASN1);
	wolfSSL_CTX_set_cipher_list(ctx, "TLS13-AES128-GCM-SHA256");
	fd = accept(ls, NULL, NULL);
	if (fd < 0)
		_exit(1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ssl = wolfSSL_new(ctx);
	wolfSSL_set_fd(ssl, fd);
	if (wolfSSL_accept(ssl) != WOLFSSL_SUCCESS)
		_exit(2);
	while (!memmem(req, rl, "\r\n\r\n", 4)) {
		int n = wolfSSL_read(ssl, req + rl, (int)(sizeof(req) - rl - 1));
		if (n <= 0)
			_exit(3);
		rl += (size_t)n;
	}
	req[rl] = 0;
	char *k = strcasestr(req, "Sec-WebSocket-Key:");
	char key[64] = { 0 }, acc[29], resp[256];
	if (!k || sscanf(k + 18, " %63s", key) != 1 || ose_ws_accept_for(key, acc) < 0)
		_exit(4);
	int n = snprintf(resp, sizeof(resp),
			 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
	wolfSSL_write(ssl, resp, n);

	static uint8_t buf[16384 + 1024];
	static const uint8_t close_frame[] = { 0x88, 0x02, 0x03, 0xe8 };
	if (rate) {
		usleep(50000); /* let the feed settle into streaming */
		int64_t t0 = real_ns();
		for (long i = 0; i < count; i++) {
			wait_until(t0 + (int64_t)((double)i * (1000000000.0 / (double)rate)));
			size_t fl = make_frame(buf);
			if (wolfSSL_write(ssl, buf, (int)fl) != (int)fl)
				_exit(5);
		}
		wolfSSL_write(ssl, close_frame, sizeof(close_frame));
	} else {
		/* Throughput: the whole stream, close frame included, encrypted
		 * into memory first (wolfSSL's send callback pointed at it),
		 * then written to the socket as fast as the kernel takes it. */
		static struct mem m;
		m.cap = (size_t)count * (frame_len + 8) + (1u << 20);
		m.b = malloc(m.cap);
		if (!m.b)
			_exit(6);
		wolfSSL_SSLSetIOSend(ssl, mem_send);
		wolfSSL_SetIOWriteCtx(ssl, &m);
		size_t bl = 0;
		for (long i = 0; i < count; i++) {
			bl += make_frame(buf + bl);
			if (bl > 16384 - 600 || i == count - 1) {
				if (wolfSSL_write(ssl, buf, (int)bl) != (int)bl)
					_exit(5);
				bl = 0;
			}
		}
		wolfSSL_write(ssl, close_frame, sizeof(close_frame));
		usleep(50000);
		int64_t t0 = real_ns();
		if (write_all(fd, m.b, m.len) < 0)
			_exit(7);
		fprintf(stderr, "# sender: %.1f MB of ciphertext written in %.1f ms\n",
			(double)m.len / 1e6, (double)(real_ns() - t0) / 1e6);
		/* Whatever wolfSSL might still send (nothing, normally) lands in
		 * memory and is dropped; reading the feed's close is all that
		 * is left. */
		m.len = 0;
	}
	/* Wait for the feed's close (or EOF) before leaving. */
	(void)wolfSSL_read(ssl, req, sizeof(req));
	wolfSSL_free(ssl);
	close(fd);
	wolfSSL_CTX_free(ctx);
	_exit(0);
}

/* --- feed side ----------------------------------------------------------- */

static const struct ose_adapter *binance;
static int64_t *lat;
static size_t nlat, caplat;
static int64_t first_commit, last_commit;
static uint64_t first_batch; /* order records in the first commit: before the clock */
static uint64_t committed;
static struct ose_feed_ring ring;
static struct ose_seg cseg;
static struct ose_spsc_cons cons;
static int64_t feed_cpu_ns; /* CPU time of the feed thread in the last phase */

static enum ose_parse_res b_parse(const char *msg, size_t len, int binary,
				  const struct ose_parse_ctx *ctx, struct ose_parse_out *out)
{
	enum ose_parse_res r = binance->parse(msg, len, binary, ctx, out);

	/* The sender's stamp rides in the client order id: "t<19 digits>"
	 * (a digit loop: strtoll cost the feed thread ~5% of its instructions,
	 * which is the benchmark's doing, not the feed's). */
	for (uint32_t i = 0; r == OSE_PARSE_EVENTS && i < out->n; i++) {
		const char *c = out->ev[i].client_id;
		int64_t v = 0;
		int k = 1;

		if (c[0] != 't')
			continue;
		for (; k < 20 && c[k] >= '0' && c[k] <= '9'; k++)
			v = v * 10 + (c[k] - '0');
		if (k == 20)
			out->ev[i].send_ts_ns = v;
	}
	return r;
}

static int no_session(const struct ose_session_cfg *cfg, unsigned step, char *buf, size_t cap,
		      int *binary, int *wait_ack)
{
	(void)cfg, (void)step, (void)buf, (void)cap, (void)binary, (void)wait_ack;
	return 0;
}

/* What a commit made visible: take the commit time, count, release. */
static void b_committed(const struct ose_event *ev, uint32_t n)
{
	int64_t t = real_ns();

	for (uint32_t i = 0; i < n; i++) {
		if (ev[i].send_ts_ns && nlat < caplat)
			lat[nlat++] = t - ev[i].send_ts_ns;
		if (ev[i].kind != OSE_EV_ORDER)
			continue;
		/* The clock starts at the first order record, not at the
		 * session's GAP marker: that one is committed while the sender
		 * still sleeps before its first write. */
		if (!committed || first_commit == t) {
			first_commit = t;
			first_batch++;
		}
		committed++;
		last_commit = t;
	}
	/* Be the engine: release what was committed. */
	uint32_t k;
	while ((k = ose_spsc_peek(&cons, 4096)) > 0)
		ose_spsc_release(&cons, k);
}

static int b_publish(void *ctx, const struct ose_event *ev, uint32_t n, uint64_t *stalls)
{
	int r = ose_feed_ring_publish(ctx, ev, n, stalls);

	if (r < 0)
		return r;
	b_committed(ev, n);
	return 0;
}

/* The in-place path ose-feed uses: the adapter writes into ring slots. */
static struct ose_event *lent;

static int b_reserve(void *ctx, uint32_t want, struct ose_event **slots, uint64_t *stalls)
{
	int r = ose_feed_ring_reserve(ctx, want, slots, stalls);

	if (r > 0)
		lent = *slots;
	return r;
}

static int b_commit(void *ctx, uint32_t n)
{
	int r = ose_feed_ring_commit(ctx, n);

	if (r < 0)
		return r;
	/* Read back before the consumer handle below releases them (only
	 * this thread writes slots, so they are still what was committed). */
	b_committed(lent, n);
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* One connection: sender child + feed run until the sender closes. */
static int phase(long count, long rate)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	char url[64];
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	pid = fork();
	if (pid == 0)
		sender(ls, count, rate);
	close(ls);
	snprintf(url, sizeof(url), "wss://127.0.0.1:%u/ws", ntohs(sa.sin_port));

	static struct ose_adapter ad;
	ad = *binance;
	ad.parse = b_parse;
	ad.session = no_session;
	ad.ping_interval_ms = 0;

	struct ose_feed_cfg cfg;
	ose_feed_cfg_defaults(&cfg);
	cfg.adapter = &ad;
	cfg.account = "bench";
	cfg.url = url;
	cfg.insecure = 1; /* the sender uses wolfSSL's test certificate */
	cfg.max_disconnects = 1;
	cfg.run_ms = 60000;
	cfg.idle_ms = 10000;
	/* Under valgrind on a loaded machine the handshake alone can take
	 * longer than the default 10 s. */
	cfg.connect_timeout_ms = 60000;
	cfg.busy_poll = getenv("OSE_BENCH_BUSY") != NULL;
	cfg.stats = ring.stats;
	cfg.sink.ctx = &ring;
	cfg.sink.publish = b_publish;
	cfg.sink.reserve = b_reserve;
	cfg.sink.commit = b_commit;
	nlat = 0;
	first_commit = last_commit = 0;
	first_batch = 0;
	committed = 0;
	struct timespec c0, c1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	int r = ose_feed_run(&cfg);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	feed_cpu_ns = (int64_t)(c1.tv_sec - c0.tv_sec) * 1000000000 + (c1.tv_nsec - c0.tv_nsec);
	int status;
	waitpid(pid, &status, 0);
	if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_loop: feed %d, sender status %d\n", r, status);
		return -1;
	}
	return 0;
}

static void report_lat(const char *tag)
{
	if (nlat < 100) {
		fprintf(stderr, "bench_loop: only %zu samples at %s\n", nlat, tag);
		return;
	}
	qsort(lat, nlat, sizeof(lat[0]), cmp_i64);
	printf("BENCH feed.latency.p50.%s %.0f ns\n", tag, (double)lat[nlat / 2]);
	printf("BENCH feed.latency.p99.%s %.0f ns\n", tag, (double)lat[nlat * 99 / 100]);
	fprintf(stderr, "# %s: %zu samples, min %lld ns, p90 %lld ns, max %lld ns\n", tag, nlat,
		(long long)lat[0], (long long)lat[nlat * 9 / 10], (long long)lat[nlat - 1]);
}

int main(int argc, char **argv)
{
	/* The ring where ose-feed puts it, on tmpfs: in /tmp (ext4 here) every
	 * first write to a page of the MAP_SHARED ring took a write fault and
	 * the pages went to disk writeback, about 270 ns per message that
	 * production (/dev/shm) does not pay. */
	char shm_dir[] = "/dev/shm/ose-bench-loop-XXXXXX", tmp_dir[] = "/tmp/ose-bench-loop-XXXXXX";
	const char *dir;
	long tput_n = argc > 1 ? atol(argv[1]) : 300000;

	binance = ose_adapter_get(OSE_VENUE_BINANCE);
	frame_init();
	dir = mkdtemp(shm_dir);
	if (!dir)
		dir = mkdtemp(tmp_dir); /* no /dev/shm: slower ring, still a result */
	if (!binance || !dir)
		return 1;
	setenv("OSE_SHM_DIR", dir, 1);
	signal(SIGPIPE, SIG_IGN);
	if (ose_feed_ring_open(&ring, "bench", OSE_VENUE_BINANCE, "bench", 65536) < 0 ||
	    ose_spsc_attach(&cseg, "ose.bench.feed.binance.bench", OSE_SEG_F_WRITE) < 0 ||
	    ose_spsc_cons_init(&cons, &cseg) < 0) {
		fprintf(stderr, "bench_loop: ring setup failed\n");
		return 1;
	}
	caplat = 200000;
	lat = calloc(caplat, sizeof(*lat));

	if (phase(tput_n, 0) == 0 && committed > first_batch && last_commit > first_commit) {
		double rate = (double)(committed - first_batch) * 1e9 /
			      (double)(last_commit - first_commit);
		printf("BENCH feed.throughput %.3g msg/s\n", rate);
		/* Messages per CPU-second of the feed thread (connection setup
		 * included): the capacity of one dedicated core, whatever else
		 * this shared machine runs. */
		printf("BENCH feed.throughput.cpu %.3g msg/s\n",
		       (double)committed * 1e9 / (double)feed_cpu_ns);
		fprintf(stderr, "# throughput: %llu messages, %s loop\n",
			(unsigned long long)committed, getenv("OSE_BENCH_BUSY") ? "busy-poll" : "waiting");
	}
	/* `bench_loop N 0`: the throughput phase alone (for profiling). */
	int lat_phases = argc > 2 ? atoi(argv[2]) : 1;
	if (lat_phases && phase(10000, 10000) == 0)
		report_lat("10k");
	if (lat_phases && phase(50000, 100000) == 0)
		report_lat("100k");

	ose_spsc_cons_fini(&cons);
	ose_seg_close(&cseg);
	ose_feed_ring_close(&ring);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
	return 0;
}
