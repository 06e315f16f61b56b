/* SPDX-License-Identifier: MIT */
/*
 * Test fixtures for ose-dump: a private segment directory, an instance
 * built with the engine's own table code (engine/tbl.c) and the shm ring
 * API, and a helper that runs the ose-dump binary and captures its output.
 */
#ifndef OSE_TESTS_DUMP_FIXTURE_H
#define OSE_TESTS_DUMP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/tbl.h"
#include "shm/seg.h"

/* Fixed values written over the volatile header fields so the output is
 * byte-stable: pids that cannot exist (above any pid_max), no heartbeats,
 * a fixed creation time. */
#define FX_DEAD_PID 2000000000
#define FX_T0 INT64_C(1795000000000000000) /* 2026-11-18T11:06:40Z */

/* mkdtemp a directory, export it as OSE_SHM_DIR; returns the path
 * (static storage). */
const char *fx_dir_make(void);
/* Removes the directory and everything in it. */
void fx_dir_remove(void);

/* Builds instance `inst`: state segment with known orders, one feed ring
 * with feed statistics, one command ring, the event ring; every volatile
 * field pinned.  Aborts the test on failure. */
void fx_build_golden(const char *inst);

/* Creates an empty state segment for `inst` with a small table, formatted,
 * and leaves it open in *seg (owner) with *t bound to it. */
void fx_state_create(const char *inst, struct ose_seg *seg, struct ose_tbl *t,
		     uint32_t capacity);

/* Fills an order/fill event. */
struct ose_event;
void fx_event(struct ose_event *e, int kind, int venue, const char *account,
	      const char *symbol, const char *oid, const char *cid, int side, int status,
	      const char *price, const char *qty, const char *cum);

/* Runs ose-dump ($OSE_DUMP_BIN) with argv (NULL-terminated, argv[0]
 * ignored), captures stdout (malloc'd, NUL-terminated, into *out) and
 * stderr (into *err if non-NULL).  Returns the exit status (0..255) or -1
 * if it died of a signal. */
int fx_run_dump(char *const argv[], char **out, char **err);

/* Replaces every occurrence of `from` in s (malloc'd) by `to`; returns
 * the new string and frees s. */
char *fx_replace(char *s, const char *from, const char *to);

/* Golden comparison: with OSE_DUMP_GOLDEN_UPDATE=1 writes `text` to the
 * golden file, else compares and reports the first differing line. */
void fx_golden(const char *file, const char *text);

/* Reads a whole file (malloc'd, NUL-terminated); NULL on error. */
char *fx_read_file(const char *path, size_t *len);

#endif
