/* SPDX-License-Identifier: MIT */
/*
 * ose_seg: named shared-memory segments (DESIGN §3).
 *
 * A segment is a file in a directory (default /dev/shm, or $OSE_SHM_DIR
 * when set: tests use a private temp dir).  It is mapped whole and laid
 * out as
 *
 *	[ header, 256 B ][ aux area, caller-sized ][ payload ]
 *	0                256                        payload_off (128-aligned)
 *
 * Every byte is addressed by offset from the mapping; nothing in a
 * segment is a pointer.  The header byte layout is fixed (static asserts
 * below, table in docs/shm.md).  The aux area is the owner's to use for
 * whatever it wants other processes to see (a feed's connection state and
 * counters, the engine's statistics); the payload holds the ring or the
 * state table.
 *
 * Naming (component characters: [A-Za-z0-9_-], no dots; dots separate):
 *	state segment	ose.<instance>
 *	feed ring	ose.<instance>.feed.<venue>.<account>
 *	command ring	ose.<instance>.cmd.<strategy>
 *	event ring	ose.<instance>.events
 * ose_seg_name_*() build these; ose_seg_list() enumerates an instance's
 * segments by prefix ("ose.<instance>." plus the state "ose.<instance>").
 *
 * Ownership and takeover.  One process owns (writes) a segment.  It holds
 * an open-file-description lock (F_OFD_SETLK, write lock on byte 0 of the
 * file) for as long as it has the segment open; the kernel drops the lock
 * when the process dies, even under kill -9, so "lock is free" is the
 * race-free test for "owner is gone" that create/takeover use.  Creation
 * goes through a hidden temp file that is fully initialised (magic written
 * last) and locked before link(2) (fresh) or rename(2) (replacing a stale
 * one) makes it visible, so a reader never sees a half-built segment and
 * two creators never both win: the loser's link fails with EEXIST, or its
 * lock attempt on the same inode fails, and it reports -EBUSY.  The header
 * also records the owner's pid and process start time (field 22 of
 * /proc/<pid>/stat) so read-only processes and ose-dump can tell whether
 * the owner is alive without touching the lock, and a recycled pid is not
 * mistaken for the owner.
 *
 * Return values: functions return 0 (or a documented non-negative value)
 * on success and a negative errno on failure; ose_seg_strerror() turns any
 * of them into a message.  Nothing here prints.
 */
#ifndef OSE_SHM_SEG_H
#define OSE_SHM_SEG_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#define OSE_SHM_STATIC_ASSERT static_assert
#else
#define OSE_SHM_STATIC_ASSERT _Static_assert
#endif

/* Bumped whenever any shared layout changes: the segment header, the ring
 * control blocks, struct ose_event (shm/event.h) or the state table.  A
 * reader refuses a segment of another version (OSE_SEG_ENEWER/EOLDER). */
#define OSE_ABI_VERSION 1u

/* "OSE_SHM1" as bytes in memory (little-endian).  Written last, with
 * release order, when a segment is built. */
#define OSE_SEG_MAGIC UINT64_C(0x314d48535f45534f)

#define OSE_CACHELINE 64
#define OSE_SEG_HDR_SIZE 256
#define OSE_SEG_NAME_MAX 128 /* bytes including NUL */
#define OSE_SEG_PAYLOAD_ALIGN 128

/* Errors specific to segments (negative errno values, all distinct). */
#define OSE_SEG_EMAGIC (-EBADMSG)          /* not an ose segment (bad magic) */
#define OSE_SEG_ENEWER (-EPROTONOSUPPORT)  /* written by a newer ABI */
#define OSE_SEG_EOLDER (-EPROTO)           /* written by an older ABI */
#define OSE_SEG_ETRUNC (-ENODATA)          /* file shorter than its header says */
#define OSE_SEG_EKIND (-EMEDIUMTYPE)       /* a segment of another kind */
#define OSE_SEG_ELAYOUT (-EUCLEAN)         /* header fields inconsistent (corrupt) */
/* Also returned: -ENOENT (missing), -EACCES (permission), -EBUSY (a live
 * owner holds it), -EINVAL (bad argument or name), -ENAMETOOLONG,
 * -ENOSPC/-ENOMEM (no room), -EEXIST (ADOPT refused: layout differs and
 * OSE_SEG_F_KEEP was asked). */

enum ose_seg_kind {
	OSE_SEG_NONE = 0,
	OSE_SEG_STATE = 1, /* engine state table (shm/state.h) */
	OSE_SEG_SPSC = 2,  /* one SPSC ring (shm/spsc.h) */
	OSE_SEG_BCAST = 3, /* one broadcast ring (shm/bcast.h) */
	OSE_SEG_KIND_COUNT
};

/* Flags for ose_seg_create / ose_seg_attach. */
#define OSE_SEG_F_GROUP_READ (1u << 0) /* create: mode 0640 instead of 0600 */
#define OSE_SEG_F_ADOPT (1u << 1)      /* create: keep a stale segment's content */
#define OSE_SEG_F_WRITE (1u << 2)      /* attach: map read-write (ring peers) */
#define OSE_SEG_F_MLOCK (1u << 3)      /* mlock the mapping (best effort) */
#define OSE_SEG_F_HUGEPAGE (1u << 4)   /* madvise(MADV_HUGEPAGE) (best effort) */
#define OSE_SEG_F_KEEP (1u << 5)       /* create+ADOPT: fail -EEXIST rather than
					* replace a stale segment whose layout
					* differs */

/* Header flag bits (ose_seg_hdr.flags). */
#define OSE_SEG_HF_GROUP_READ (1u << 0)
#define OSE_SEG_HF_SUPERSEDED (1u << 1) /* replaced by a new file: re-attach */

/*
 * The segment header, at offset 0 of every segment; 256 bytes, 4 lines.
 * Fields below "written once" are set before the magic is published and
 * never change, except creator_pid/creator_start/epoch on adoption, which
 * happen while the adopter holds the owner lock.  heartbeat_ns, epoch and
 * flags are read and written with __atomic builtins (the C11 atomics of
 * GCC/Clang on plain integers, so this header also compiles as C++).
 */
struct ose_seg_hdr {
	uint64_t magic;         /*  0: OSE_SEG_MAGIC, stored last (release) */
	uint32_t abi_version;   /*  8: OSE_ABI_VERSION of the creator */
	uint32_t kind;          /* 12: enum ose_seg_kind */
	uint64_t total_size;    /* 16: bytes mapped = file size */
	uint64_t aux_off;       /* 24: = OSE_SEG_HDR_SIZE */
	uint64_t aux_size;      /* 32: as asked by the creator, rounded to 64 */
	uint64_t payload_off;   /* 40: 128-aligned */
	uint64_t payload_size;  /* 48: as asked by the creator */
	int32_t creator_pid;    /* 56: owner pid (updated on adoption) */
	uint32_t flags;         /* 60: OSE_SEG_HF_* (atomic) */
	uint64_t creator_start; /* 64: owner start time, clock ticks after boot */
	uint64_t heartbeat_ns;  /* 72: CLOCK_MONOTONIC, owner refreshes (atomic) */
	uint64_t epoch;         /* 80: 1 at first creation, +1 per takeover (atomic) */
	uint64_t created_ns;    /* 88: CLOCK_REALTIME at (re)creation */
	uint8_t _rsv[32];       /* 96: zero */
	char name[OSE_SEG_NAME_MAX]; /* 128: segment name, NUL-terminated */
};

OSE_SHM_STATIC_ASSERT(sizeof(struct ose_seg_hdr) == OSE_SEG_HDR_SIZE, "segment header is ABI");
OSE_SHM_STATIC_ASSERT(offsetof(struct ose_seg_hdr, heartbeat_ns) == 72, "segment header is ABI");
OSE_SHM_STATIC_ASSERT(offsetof(struct ose_seg_hdr, name) == 128, "segment header is ABI");

/*
 * A process's handle on a mapped segment.  Filled by ose_seg_create or
 * ose_seg_attach, released by ose_seg_close; the pointers are valid until
 * then.  The struct itself is process-private (never put it in shm).
 */
struct ose_seg {
	void *base;             /* mapping start (the header) */
	size_t size;            /* mapping length */
	struct ose_seg_hdr *hdr;/* == base */
	void *aux;              /* aux area (aux_size bytes), NULL if none */
	size_t aux_size;
	void *payload;          /* payload area */
	size_t payload_size;
	int fd;                 /* -1 when closed */
	int writable;           /* mapped PROT_WRITE */
	int owner;              /* holds the owner lock (created/adopted it) */
	enum ose_seg_kind kind;
	char name[OSE_SEG_NAME_MAX];
};

/* --- names and paths --------------------------------------------------- */

/* Copies the segment directory ($OSE_SHM_DIR, else "/dev/shm") into buf.
 * Returns its length, or -ENAMETOOLONG if it does not fit in len. */
int ose_seg_dir(char *buf, size_t len);

/* "<dir>/<name>" into buf.  Returns the length, -EINVAL if name is empty,
 * contains '/' or starts with '.', -ENAMETOOLONG if it does not fit. */
int ose_seg_path(char *buf, size_t len, const char *name);

/* Name builders (see naming above).  Each component must be 1..31
 * characters of [A-Za-z0-9_-].  Return the name length, -EINVAL for a
 * bad component, -ENAMETOOLONG if the result exceeds len or
 * OSE_SEG_NAME_MAX - 1. */
int ose_seg_name_state(char *buf, size_t len, const char *instance);
int ose_seg_name_feed(char *buf, size_t len, const char *instance,
		      const char *venue, const char *account);
int ose_seg_name_cmd(char *buf, size_t len, const char *instance, const char *strategy);
int ose_seg_name_events(char *buf, size_t len, const char *instance);

/* Calls fn(name, arg) for each segment in the directory whose name starts
 * with prefix (NULL or "" = all "ose." segments), in directory order;
 * hidden (temp) files are skipped.  Stops early and returns fn's value if
 * it returns non-zero; otherwise returns the number of names visited, or a
 * negative errno if the directory cannot be read. */
int ose_seg_list(const char *prefix, int (*fn)(const char *name, void *arg), void *arg);

/* --- create, attach, close ---------------------------------------------- */

/*
 * Creates segment `name` of `kind` with an aux area of aux_size bytes and
 * a payload of payload_size bytes (both may be 0), maps it read-write,
 * pre-faults it and takes the owner lock.  The payload and aux are zeroed
 * on a fresh creation; the caller then initialises its payload (the rings'
 * create functions do it).
 *
 * If the name exists:
 *  - owner alive (lock held)             -> -EBUSY, nothing touched;
 *  - owner dead, OSE_SEG_F_ADOPT, same kind, aux_size and payload_size,
 *    valid header                        -> adopted: content kept, owner
 *    pid/start updated, epoch + 1;
 *  - otherwise owner dead                -> replaced by a fresh segment
 *    (old one marked OSE_SEG_HF_SUPERSEDED, new epoch = old + 1), unless
 *    OSE_SEG_F_KEEP is set, then -EEXIST.
 *
 * Returns 0 (fresh), 1 (adopted) or a negative errno; on failure *seg is
 * left closed (fd -1).  Flags: OSE_SEG_F_GROUP_READ, ADOPT, KEEP, MLOCK,
 * HUGEPAGE.
 */
int ose_seg_create(struct ose_seg *seg, const char *name, enum ose_seg_kind kind,
		   size_t aux_size, size_t payload_size, unsigned flags);

/*
 * ose_seg_create, with init(seg, arg) called on a fresh segment after it
 * is mapped and zeroed but before it becomes visible under its name, so
 * no other process ever sees an uninitialised payload (the rings use it).
 * Not called on adoption.  A negative return from init aborts the creation
 * and is returned.  init may be NULL.
 */
typedef int (*ose_seg_init_fn)(struct ose_seg *seg, void *arg);
int ose_seg_create_init(struct ose_seg *seg, const char *name, enum ose_seg_kind kind,
			size_t aux_size, size_t payload_size, unsigned flags,
			ose_seg_init_fn init, void *arg);

/*
 * Attaches an existing segment.  Maps PROT_READ unless OSE_SEG_F_WRITE;
 * validates magic, ABI version, size and, if kind != OSE_SEG_NONE, kind,
 * before returning.  A garbage file gives an error, never a crash.
 * Returns 0 or: -ENOENT, -EACCES, OSE_SEG_EMAGIC, OSE_SEG_ENEWER,
 * OSE_SEG_EOLDER, OSE_SEG_ETRUNC, OSE_SEG_EKIND, OSE_SEG_ELAYOUT.
 */
int ose_seg_attach(struct ose_seg *seg, const char *name, enum ose_seg_kind kind,
		   unsigned flags);

/* Unmaps, closes and (if owner) drops the owner lock.  The file stays;
 * the next creator finds it stale.  Safe on a closed or zeroed handle. */
void ose_seg_close(struct ose_seg *seg);

/* Removes the file (the mappings of processes that have it stay valid).
 * Returns 0 or a negative errno. */
int ose_seg_unlink(const char *name);

/*
 * How much of the mappings overlapping [addr, addr + len) the kernel backs
 * with huge pages right now, in bytes: shmem and file THP mapped by PMD,
 * anonymous THP and hugetlbfs pages, as /proc/self/smaps counts them (per
 * mapping, so a mapping larger than the range counts whole).  For
 * reports and benchmarks that must say which page size they ran on; it
 * reads procfs, so never call it on a hot path.  Returns the byte count
 * (0: all 4 KiB pages) or a negative errno (-ENOENT: no procfs).
 */
long long ose_seg_huge_bytes(const void *addr, size_t len);

/* Validates a header image of `avail` bytes (e.g. read with pread) as
 * ose_seg_attach does.  Returns 0 or one of the OSE_SEG_E* codes. */
int ose_seg_validate(const struct ose_seg_hdr *h, size_t avail, enum ose_seg_kind kind);

/* 1 if the file now at the segment's path is another inode than the one
 * mapped, or the mapped one was marked superseded: re-attach.  0 if
 * still current, negative errno (-ENOENT if removed).  One stat(2). */
int ose_seg_superseded(const struct ose_seg *seg);

/* Role locks: OFD write locks on one byte of the file, held by a process
 * for a role and dropped by the kernel when it dies.  Byte 0 is the owner
 * (taken by ose_seg_create), byte 1 the ring consumer (ose_spsc_cons_init).
 * Need a writable fd (created, or attached with OSE_SEG_F_WRITE). */
#define OSE_SEG_LOCK_OWNER 0u
#define OSE_SEG_LOCK_PEER 1u

/* Takes role lock `which` without waiting.  Returns 0, -EBUSY if another
 * open file description holds it, -EACCES if the fd is read-only. */
int ose_seg_lock(struct ose_seg *seg, unsigned which);
void ose_seg_unlock(struct ose_seg *seg, unsigned which);

/* 1 if another open file description holds role lock `which`, 0 if free,
 * negative errno.  Works on a read-only attachment. */
int ose_seg_lock_held(const struct ose_seg *seg, unsigned which);

/* --- liveness ---------------------------------------------------------- */

/* Start time (field 22 of /proc/<pid>/stat, clock ticks after boot) of a
 * process; 0 and *out set, or -ESRCH if it does not exist or is a zombie. */
int ose_proc_start_time(pid_t pid, uint64_t *out);

/* 1 if process pid exists, is not a zombie, and started at `start`
 * (start 0 = do not check), else 0. */
int ose_proc_alive(pid_t pid, uint64_t start);

/* Owner liveness from the header: ose_proc_alive(creator_pid, creator_start). */
int ose_seg_owner_alive(const struct ose_seg_hdr *h);

/* The segment's epoch (E1: load-acquire, pairs with the release increment
 * on adoption, so the owner identity read after it is the new one).  A
 * reader that caches derived state re-reads it when the epoch changes. */
static inline uint64_t ose_seg_epoch(const struct ose_seg_hdr *h)
{
	return __atomic_load_n(&h->epoch, __ATOMIC_ACQUIRE);
}

/* Owner side: store the current CLOCK_MONOTONIC time in heartbeat_ns. */
void ose_seg_heartbeat(struct ose_seg *seg);

/* now_ns - heartbeat_ns (0 if the heartbeat is in the future). */
uint64_t ose_seg_heartbeat_age_ns(const struct ose_seg_hdr *h, uint64_t now_ns);

/* Message for any value these functions return ("ok" for >= 0); never NULL. */
const char *ose_seg_strerror(int err);

/* Name of a kind: "state", "spsc", "bcast", "none"/"unknown". */
const char *ose_seg_kind_name(enum ose_seg_kind k);

#ifdef __cplusplus
}
#endif

#endif /* OSE_SHM_SEG_H */
