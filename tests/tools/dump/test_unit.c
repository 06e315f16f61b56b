/* SPDX-License-Identifier: MIT */
/*
 * ose-dump unit tests: golden output (human and JSON) of an instance built
 * by the test with the engine's own table code, the JSON validated against
 * docs/dump.schema.json, filters, --follow/--watch, and the exit codes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/seg.h"
#include "shm/state.h"
#include "tests/tools/dump/fixture.h"

/* Criterion does not run .fini after a skip: clean up first. */
#define SKIP(...)                        \
	do {                             \
		fx_dir_remove();         \
		cr_skip_test(__VA_ARGS__); \
	} while (0)
#include "tools/dump/dump.h"

static const char *dir;

static void setup(void)
{
	dir = fx_dir_make();
}

static void teardown(void)
{
	fx_dir_remove();
}

/* Runs ose-dump with args, expects exit code `want`, returns stdout with
 * the temp directory replaced by $SHM_DIR. */
static char *dump_ok(int want, char *const argv[])
{
	char *out, *err;
	int rc = fx_run_dump(argv, &out, &err);

	cr_assert_eq(rc, want, "ose-dump exit %d, want %d; stderr: %s", rc, want, err);
	free(err);
	return fx_replace(out, dir, "$SHM_DIR");
}

TestSuite(dump, .init = setup, .fini = teardown, .timeout = 60);

Test(dump, golden_human)
{
	fx_build_golden("golden");
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", NULL});

	fx_golden("human.txt", out);
	cr_assert(strstr(out, "engine dead (pid 2000000000)"), "post-mortem marker missing");
	cr_assert(strstr(out, "ose.golden.journal                           internal"), "internal ring");
	free(out);
}

Test(dump, golden_json)
{
	fx_build_golden("golden");
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--json", NULL});

	fx_golden("instance.json", out);
	/* The DESIGN §12 minimum, spelled out (the schema test checks types). */
	cr_assert(strstr(out, "\"engine\":{\"present\":true,\"pid\":2000000000,\"alive\":false,\"epoch\":1"));
	cr_assert(strstr(out, "\"order_id\":\"1234567890123456789012\""), "big ids are strings");
	cr_assert(strstr(out, "\"quantity\":\"100000000000\",\"filled_quantity\":\"12.34567891\""));
	cr_assert(strstr(out, "\"price\":\"0.00000001\""), "exact decimals");
	free(out);
}

Test(dump, golden_order_detail)
{
	fx_build_golden("golden");
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--orders",
					       "--order-id", "28459", NULL});

	fx_golden("order_detail.txt", out);
	/* Its history: NEW, PARTIALLY_FILLED, FILLED in that order. */
	char *a = strstr(out, "  NEW"), *b = strstr(out, "  PARTIALLY_FILLED"), *c = strstr(out, "  FILLED");

	cr_assert(a && b && c && a < b && b < c, "history order: %s", out);
	free(out);
}

Test(dump, filters)
{
	fx_build_golden("golden");
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--orders",
					       "--venue", "binance", "--open", NULL});

	fx_golden("filter_binance_open.txt", out);
	cr_assert(strstr(out, "28457") && strstr(out, "28458"));
	cr_assert_null(strstr(out, "28459"), "executed order shown under --open");
	cr_assert_null(strstr(out, "BTC-USDT"), "other venue shown under --venue");
	free(out);

	out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--json", "--executed",
					 NULL});
	cr_assert(strstr(out, "\"28459\"") && strstr(out, "\"1234567890123456789012\""));
	cr_assert_null(strstr(out, "\"28457\""));
	free(out);

	out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--json", "--status",
					 "PENDING_NEW,CANCELED", NULL});
	cr_assert(strstr(out, "\"strat-000001\"") && strstr(out, "\"okxcid9\""));
	cr_assert_null(strstr(out, "\"web_abc1\""));
	free(out);

	out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--json", "--symbol",
					 "BTC_USDT", "--client-id", "t-gate1", NULL});
	cr_assert(strstr(out, "\"900001\""));
	cr_assert(strstr(out, "\"price\":null"), "a market order has no price");
	free(out);
}

Test(dump, golden_list)
{
	fx_build_golden("golden");
	fx_build_golden("golden2");
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--list", NULL});

	fx_golden("list.txt", out);
	free(out);
	out = dump_ok(0, (char *const[]){"ose-dump", "--list", "--json", NULL});
	fx_golden("list.json", out);
	free(out);
}

Test(dump, follow_from_oldest)
{
	fx_build_golden("golden");
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--follow",
					       "--from-oldest", "--count", "2", NULL});

	fx_golden("follow.txt", out);
	free(out);
	/* Bounded by time when nothing more arrives. */
	out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--follow",
					 "--duration", "0.2", "--json", NULL});
	cr_assert_str_empty(out, "nothing new was published: %s", out);
	free(out);
}

Test(dump, watch_frames)
{
	fx_build_golden("golden");
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--watch", "0.05",
					       "--count", "3", "--stats", NULL});
	int frames = 0;

	for (char *p = out; (p = strstr(p, "\033[H\033[2J")); p++)
		frames++;
	cr_assert_eq(frames, 3);
	free(out);
}

/* ---- schema ------------------------------------------------------------------ */

/* Validates the JSON text with /usr/bin/python3 + jsonschema against the
 * documented schema.  Returns the validator's exit status (0 valid). */
static int validate(const char *json)
{
	const char *schema = getenv("OSE_DUMP_SCHEMA");
	char path[512], cmd[2048];

	cr_assert_not_null(schema, "OSE_DUMP_SCHEMA not set");
	if (access("/usr/bin/python3", X_OK) != 0 ||
	    system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0)
		SKIP("python3-jsonschema not installed (tools/packages.txt lists it)");
	snprintf(path, sizeof(path), "%s/doc.json", dir);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(json, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys,jsonschema\n"
		 "s=json.load(open(sys.argv[1]))\n"
		 "jsonschema.Draft202012Validator.check_schema(s)\n"
		 "jsonschema.validate(json.load(open(sys.argv[2])),s,cls=jsonschema.Draft202012Validator)' '%s' '%s'",
		 schema, path);
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(dump, json_matches_schema)
{
	fx_build_golden("golden");
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--json", NULL});

	cr_assert_eq(validate(out), 0, "instance document does not match docs/dump.schema.json");
	/* The validator can fail: a price as a JSON number is refused. */
	char *bad = fx_replace(strdup(out), "\"price\":\"65000.5\"", "\"price\":65000.5");

	cr_assert_neq(strcmp(bad, out), 0);
	cr_assert_neq(validate(bad), 0, "schema accepted a numeric price");
	free(bad);
	bad = fx_replace(strdup(out), "\"status\":\"FILLED\"", "\"status\":\"DONE\"");
	cr_assert_neq(validate(bad), 0, "schema accepted an unknown status");
	free(bad);
	free(out);

	out = dump_ok(0, (char *const[]){"ose-dump", "--list", "--json", NULL});
	cr_assert_eq(validate(out), 0, "--list document does not match the schema");
	free(out);
}

Test(dump, json_schema_without_state)
{
	/* Rings but no state segment yet (a feed started before the engine). */
	fx_build_golden("golden");
	char path[512];

	snprintf(path, sizeof(path), "%s/ose.golden", dir);
	cr_assert_eq(unlink(path), 0);
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--instance", "golden", "--json", NULL});

	cr_assert(strstr(out, "\"engine\":{\"present\":false,\"pid\":0,\"alive\":false,\"epoch\":0"));
	cr_assert_eq(validate(out), 0);
	free(out);
}

/* ---- exit codes ------------------------------------------------------------------ */

static void expect_exit(int want, const char *what, char *const argv[])
{
	char *out, *err;
	int rc = fx_run_dump(argv, &out, &err);

	cr_assert_eq(rc, want, "%s: exit %d, want %d (stderr: %s)", what, rc, want, err);
	if (want >= 3) {
		/* One line on stderr, nothing on stdout. */
		cr_assert_str_empty(out, "%s: stdout not empty: %s", what, out);
		char *nl = strchr(err, '\n');

		cr_assert(nl && nl[1] == 0, "%s: not one line: '%s'", what, err);
		cr_assert(!strncmp(err, "ose-dump: ", 10), "%s: '%s'", what, err);
	}
	free(out);
	free(err);
}

Test(dump, exit_missing_instance)
{
	expect_exit(DUMP_EXIT_NOINST, "missing", (char *const[]){"ose-dump", "--instance", "nope", NULL});
	expect_exit(DUMP_EXIT_NOINST, "missing json",
		    (char *const[]){"ose-dump", "--instance", "nope", "--json", NULL});
	expect_exit(DUMP_EXIT_NOINST, "missing follow",
		    (char *const[]){"ose-dump", "--instance", "nope", "--follow", "--count", "1", NULL});
}

Test(dump, exit_usage)
{
	expect_exit(DUMP_EXIT_USAGE, "no mode", (char *const[]){"ose-dump", NULL});
	expect_exit(DUMP_EXIT_USAGE, "bad venue",
		    (char *const[]){"ose-dump", "--instance", "x", "--venue", "nasdaq", NULL});
	expect_exit(DUMP_EXIT_USAGE, "bad status",
		    (char *const[]){"ose-dump", "--instance", "x", "--status", "DONE", NULL});
	expect_exit(DUMP_EXIT_USAGE, "bad name", (char *const[]){"ose-dump", "--instance", "a.b", NULL});
	expect_exit(0, "version", (char *const[]){"ose-dump", "--version", NULL});
}

/* Opens a segment file of the fixture read-write to damage it. */
static void *map_file(const char *name, size_t *len, int *fd)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = open(path, O_RDWR);
	cr_assert_geq(*fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(fstat(*fd, &st), 0);
	*len = (size_t)st.st_size;
	void *p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);

	cr_assert_neq(p, MAP_FAILED);
	return p;
}

Test(dump, exit_abi_mismatch)
{
	size_t len;
	int fd;

	fx_build_golden("golden");
	struct ose_seg_hdr *h = map_file("ose.golden", &len, &fd);

	h->abi_version = OSE_ABI_VERSION + 1;
	expect_exit(DUMP_EXIT_ABI, "segment ABI newer",
		    (char *const[]){"ose-dump", "--instance", "golden", NULL});
	h->abi_version = OSE_ABI_VERSION;
	/* The state layout's own version. */
	struct ose_state_hdr *sh = (struct ose_state_hdr *)(void *)((char *)h + h->payload_off);

	sh->version = OSE_STATE_VERSION + 1;
	expect_exit(DUMP_EXIT_ABI, "state layout newer",
		    (char *const[]){"ose-dump", "--instance", "golden", "--json", NULL});
	sh->version = OSE_STATE_VERSION;
	expect_exit(0, "repaired", (char *const[]){"ose-dump", "--instance", "golden", NULL});
	munmap(h, len);
	close(fd);
}

Test(dump, exit_corrupt)
{
	size_t len;
	int fd;

	fx_build_golden("golden");
	struct ose_seg_hdr *h = map_file("ose.golden", &len, &fd);
	struct ose_state_hdr *sh = (struct ose_state_hdr *)(void *)((char *)h + h->payload_off);

	sh->off_slots = sh->total_size; /* slots outside the segment */
	expect_exit(DUMP_EXIT_CORRUPT, "bad offsets",
		    (char *const[]){"ose-dump", "--instance", "golden", NULL});
	munmap(h, len);
	close(fd);

	/* A file that is not a segment at all. */
	char path[512];

	snprintf(path, sizeof(path), "%s/ose.junk", dir);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	for (int i = 0; i < 4096; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	expect_exit(DUMP_EXIT_CORRUPT, "garbage", (char *const[]){"ose-dump", "--instance", "junk", NULL});
	/* --list survives it and says why. */
	char *out = dump_ok(0, (char *const[]){"ose-dump", "--list", NULL});

	cr_assert(strstr(out, "junk"), "%s", out);
	free(out);
}

Test(dump, exit_ring_abi_mismatch_keeps_dumping)
{
	size_t len;
	int fd;

	fx_build_golden("golden");
	struct ose_seg_hdr *h = map_file("ose.golden.cmd.strat1", &len, &fd);

	h->abi_version = OSE_ABI_VERSION + 1;
	char *out, *err;
	int rc = fx_run_dump((char *const[]){"ose-dump", "--instance", "golden", NULL}, &out, &err);

	cr_assert_eq(rc, DUMP_EXIT_ABI, "exit %d", rc);
	cr_assert(strstr(out, "ORDERS"), "the rest is still dumped");
	cr_assert(strstr(err, "ose.golden.cmd.strat1"), "%s", err);
	free(out);
	free(err);
	munmap(h, len);
	close(fd);
}

Test(dump, exit_permission)
{
	char path[512];

	fx_build_golden("golden");
	snprintf(path, sizeof(path), "%s/ose.golden", dir);
	cr_assert_eq(chmod(path, 0600), 0);
	cr_assert_eq(chmod(dir, 0755), 0);

	const char *bin = getenv("OSE_DUMP_BIN");
	int pe[2], st;

	cr_assert_eq(pipe(pe), 0);
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* As root, become nobody so the kernel can refuse; as a normal
		 * user, take the read bit away from ourselves. */
		if (geteuid() == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(77);
		} else if (chmod(path, 0) != 0) {
			_exit(77);
		}
		dup2(pe[1], 2);
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		execl(bin, "ose-dump", "--instance", "golden", (char *)NULL);
		_exit(78);
	}
	close(pe[1]);
	char err[512] = "";
	ssize_t k = read(pe[0], err, sizeof(err) - 1);

	err[k > 0 ? k : 0] = 0;
	close(pe[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		SKIP("cannot drop privileges here");
	if (WEXITSTATUS(st) == 78 || WEXITSTATUS(st) == 126)
		SKIP("the ose-dump binary is not reachable by uid 65534");
	cr_assert_eq(WEXITSTATUS(st), DUMP_EXIT_PERM, "exit %d: %s", WEXITSTATUS(st), err);
	cr_assert(strstr(err, "permission denied"), "%s", err);
}

Test(dump, unstable_slot_reported_not_hung)
{
	struct ose_seg seg;
	struct ose_tbl t;
	struct ose_event e;
	struct ose_ap_out out;

	fx_state_create("torn", &seg, &t, 16);
	for (int i = 0; i < 3; i++) {
		char oid[16];

		snprintf(oid, sizeof(oid), "%d", 100 + i);
		fx_event(&e, OSE_EV_ORDER, OSE_VENUE_BYBIT, "main", "ETHUSDT", oid, "", OSE_SIDE_BUY,
			 OSE_ST_NEW, "1", "1", "0");
		cr_assert_eq(ose_tbl_apply(&t, &e, FX_T0 + i, &out), OSE_AP_APPLIED);
	}
	/* A writer that died between write_begin and write_end. */
	t.slots[1].seq |= 1;
	char *o = dump_ok(0, (char *const[]){"ose-dump", "--instance", "torn", "--json", NULL});

	cr_assert(strstr(o, "\"unstable_slots\":[1]"), "%s", o);
	cr_assert(strstr(o, "\"100\"") && strstr(o, "\"102\"") && !strstr(o, "\"101\""));
	free(o);
	o = dump_ok(0, (char *const[]){"ose-dump", "--instance", "torn", "--orders", NULL});
	cr_assert(strstr(o, "never stabilised"), "%s", o);
	free(o);
	ose_seg_close(&seg);
}

/* ---- library-level checks -------------------------------------------------------- */

Test(dump, percentiles)
{
	uint64_t h[OSE_LAT_BUCKETS] = {0};

	cr_assert_eq(dump_hist_pct(h, OSE_LAT_BUCKETS, 0, 500), 0);
	h[ose_lat_bucket(5)] = 50;   /* exact below 16 */
	h[ose_lat_bucket(1000)] = 49;
	h[ose_lat_bucket(100000)] = 1;
	cr_assert_eq(dump_hist_pct(h, OSE_LAT_BUCKETS, 100000, 500), 5);
	uint64_t p99 = dump_hist_pct(h, OSE_LAT_BUCKETS, 100000, 990);

	cr_assert(p99 >= 1000 && p99 < 1200, "p99 %llu", (unsigned long long)p99);
	cr_assert_eq(dump_hist_pct(h, OSE_LAT_BUCKETS, 100000, 999), 100000, "capped by max");

	uint64_t h2[32] = {0};

	h2[10] = 3; /* [1024, 2048) */
	cr_assert_eq(dump_hist2_pct(h2, 32, 500), 2047);
}
