/* SPDX-License-Identifier: MIT */
/*
 * ose_engine: the running engine (rings, hot thread, slow-path thread,
 * journal, recovery).  engine/main.c wraps it in a command line.
 */
#ifndef OSE_ENGINE_ENGINE_H
#define OSE_ENGINE_ENGINE_H

#include <signal.h>
#include <stdint.h>

#include "engine/tbl.h"

enum ose_fsync { OSE_FSYNC_NONE = 0, OSE_FSYNC_BATCH = 1, OSE_FSYNC_ALWAYS = 2 };
enum ose_waitmode { OSE_WAITM_AUTO = 0, OSE_WAITM_SPIN, OSE_WAITM_YIELD, OSE_WAITM_SLEEP };

struct ose_engine_cfg {
	char instance[32];
	int cpu;                    /* -1: not pinned */
	struct ose_tbl_cfg tbl;
	uint32_t stuck_timeout_ms;  /* PENDING_NEW without ack -> stuck (default 5000) */
	enum ose_fsync fsync;       /* default BATCH */
	uint32_t fsync_interval_ms; /* BATCH: at most this long between fsyncs (10) */
	char journal[256];          /* path; "" = default (see ose_engine_cfg_default) */
	int group_read;             /* segments and journal 0640 instead of 0600 */
	enum ose_waitmode wait;
	uint32_t scan_ms;           /* ring discovery period (default 100) */
	uint32_t batch;             /* records per ring per poll (default 64) */
	uint32_t events_capacity;   /* event ring records (power of two, 65536) */
	uint32_t journal_ring;      /* hot -> journal ring records (power of two, 65536) */
	int no_journal;             /* benchmarks only: no journal at all */
};

/* Defaults; the journal defaults to $OSE_JOURNAL_DIR/journal-<instance>.ose,
 * else $OSE_SHM_DIR/..., else /var/tmp/journal-<instance>.ose (resolved
 * when the engine starts if cfg->journal is ""). */
void ose_engine_cfg_default(struct ose_engine_cfg *cfg);

/*
 * Runs the engine until *stop becomes non-zero: recovers (state segment or
 * journal), then polls.  On stop: finishes the batch, drains and fsyncs the
 * journal, marks the state clean and returns 0.  log(msg) receives one
 * line per notable event (startup, rings, refusals); may be NULL.
 * Returns a negative errno when it cannot start (-EBUSY: another engine
 * owns the instance).
 */
int ose_engine_run(const struct ose_engine_cfg *cfg, volatile sig_atomic_t *stop,
		   void (*log)(const char *msg));

#endif /* OSE_ENGINE_ENGINE_H */
