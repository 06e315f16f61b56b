/* SPDX-License-Identifier: MIT */
/*
 * Plain-C (no Criterion: it cannot start under TSan) stress of libose
 * against a concurrent engine-side writer, for the -Db_sanitize=thread
 * build: every snapshot consistent (string, prepared-key and brief calls), no open order ever missed while index
 * entries move under eviction, and TSan reports no race.  Exit 0 pass,
 * 1 fail.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ose/ose.h"
#include "shm/seg.h"
#include "tests/engine/helpers.h"

#define NHOT 32
static struct ose_tbl T;
static int stop;

static void *writer(void *arg)
{
	(void)arg;
	char oid[24], b1[32], b2[32];
	for (uint64_t k = 1; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE) && k < 2000000; k++) {
		snprintf(oid, sizeof(oid), "hot%d", (int)(k % NHOT));
		snprintf(b1, sizeof(b1), "%llu", (unsigned long long)k);
		snprintf(b2, sizeof(b2), "%llu", (unsigned long long)(k + 1000000));
		struct ose_event e = ev_order("HOTUSDT", oid, OSE_ST_PARTIALLY_FILLED, "");
		ev_px_qty(&e, b1, b2);
		struct ose_ap_out out;
		ose_tbl_apply(&T, &e, (int64_t)k, &out);
		snprintf(oid, sizeof(oid), "x%llu", (unsigned long long)k);
		e = ev_order("HOTUSDT", oid, OSE_ST_FILLED, "1");
		ose_tbl_apply(&T, &e, (int64_t)k, &out);
	}
	return NULL;
}

int main(void)
{
	char dir[] = "/tmp/ose-tsan-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	setenv("OSE_SHM_DIR", dir, 1);
	char inst[32], name[OSE_SEG_NAME_MAX];
	snprintf(inst, sizeof(inst), "ts%d", (int)getpid());
	ose_seg_name_state(name, sizeof(name), inst);
	struct ose_tbl_cfg c;
	ose_tbl_cfg_default(&c);
	c.capacity = 4096;
	c.exec_bound = 50;
	c.book_cap = 16;
	struct ose_seg seg;
	if (ose_seg_create(&seg, name, OSE_SEG_STATE, 0, ose_tbl_size(&c), 0) < 0 ||
	    ose_tbl_format(&T, seg.payload, seg.payload_size, &c))
		return 1;
	tbl_seed_hot(&T, NHOT);
	char oid[24];
	ose_t *h;
	if (ose_open(inst, &h))
		return 1;
	pthread_t w;
	pthread_create(&w, NULL, writer, NULL);
	int fail = 0;
	uint64_t reads = 0;
	static struct ose_order list[NHOT + 4];
	static struct ose_key keys[NHOT], kq[NHOT];
	for (int i = 0; i < NHOT; i++) {
		snprintf(oid, sizeof(oid), "hot%d", i);
		if (ose_key_order(&keys[i], OSE_VENUE_BINANCE, NULL, "HOTUSDT", oid) ||
		    ose_key_order(&kq[i], OSE_VENUE_BINANCE, NULL, "HOTUSDT", oid) ||
		    ose_key_hint(&kq[i], 0))
			return 1;
	}
	for (int it = 0; it < 100000 && !fail; it++) {
		snprintf(oid, sizeof(oid), "hot%d", it % NHOT);
		struct ose_order o;
		int rc = ose_find_order(h, OSE_VENUE_BINANCE, NULL, "HOTUSDT", oid, &o);
		if (rc == -EAGAIN)
			continue;
		if (rc || o.qty - o.price != D("1000000") || strcmp(o.order_id, oid)) {
			fprintf(stderr, "FAIL: rc %d or torn snapshot at %d\n", rc, it);
			fail = 1;
		}
		/* Prepared key (hinted after the first find): the full copy,
		 * and the brief, whose qty and updated_ns move together (event
		 * k: qty k + 1e6 at time k; the seed: qty 1e6 at time 1). */
		rc = ose_find_key(h, &keys[it % NHOT], &o);
		if (rc && rc != -EAGAIN) {
			fprintf(stderr, "FAIL: key rc %d at %d\n", rc, it);
			fail = 1;
		} else if (!rc && (o.qty - o.price != D("1000000") || strcmp(o.order_id, oid))) {
			fprintf(stderr, "FAIL: torn key snapshot at %d\n", it);
			fail = 1;
		}
		struct ose_brief b;
		rc = ose_find_brief(h, &keys[it % NHOT], &b);
		if (rc && rc != -EAGAIN) {
			fprintf(stderr, "FAIL: brief rc %d at %d\n", rc, it);
			fail = 1;
		} else if (!rc && b.qty != (ose_dec)(b.updated_ns + 1000000) * D("1") &&
			   !(b.updated_ns == 1 && b.qty == D("1000000"))) {
			fprintf(stderr, "FAIL: torn brief at %d\n", it);
			fail = 1;
		}
		/* The same with the hint off (the index probe every time, the
		 * benchmark's headline path). */
		rc = ose_find_brief(h, &kq[it % NHOT], &b);
		if (rc && rc != -EAGAIN) {
			fprintf(stderr, "FAIL: unhinted brief rc %d at %d\n", rc, it);
			fail = 1;
		} else if (!rc && ((b.qty != (ose_dec)(b.updated_ns + 1000000) * D("1") &&
				    !(b.updated_ns == 1 && b.qty == D("1000000"))) ||
				   b.remaining != b.qty - b.filled || kq[it % NHOT].hint)) {
			fprintf(stderr, "FAIL: torn unhinted brief at %d\n", it);
			fail = 1;
		}
		reads++;
		if (it % 32 == 0) {
			int n = ose_open_orders(h, OSE_VENUE_BINANCE, "HOTUSDT", list, NHOT + 4);
			if (n != -EAGAIN && n != NHOT) {
				fprintf(stderr, "FAIL: open list has %d\n", n);
				fail = 1;
			}
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(w, NULL);
	if (ose_tbl_check(&T)) {
		fprintf(stderr, "FAIL: invariants\n");
		fail = 1;
	}
	printf("tsan_reader: %llu consistent reads\n", (unsigned long long)reads);
	ose_close(h);
	ose_seg_close(&seg);
	ose_seg_unlink(name);
	rmdir(dir);
	return fail;
}
