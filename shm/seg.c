/* SPDX-License-Identifier: MIT */
/*
 * Segment files: naming, create/adopt/replace under the owner lock,
 * validated attach, liveness.  See seg.h for the rules and docs/shm.md for
 * the byte layout.
 */
#include "shm/seg.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shm/wait.h"

#define SEG_PAGE 4096u
#define SEG_HUGE (2u << 20)
#define SEG_SIZE_MAX (UINT64_C(1) << 40) /* sanity bound for a header's sizes */
#define SEG_RETRIES 16

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void seg_reset(struct ose_seg *seg)
{
	memset(seg, 0, sizeof(*seg));
	seg->fd = -1;
}

/* ---- names -------------------------------------------------------------- */

int ose_seg_dir(char *buf, size_t len)
{
	const char *d = getenv("OSE_SHM_DIR");
	size_t n;

	if (!d || !*d)
		d = "/dev/shm";
	n = strlen(d);
	if (n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(buf, d, n + 1);
	return (int)n;
}

static int name_ok(const char *name)
{
	size_t n;

	if (!name || !*name || name[0] == '.' || strchr(name, '/'))
		return -EINVAL;
	n = strlen(name);
	if (n >= OSE_SEG_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int ose_seg_path(char *buf, size_t len, const char *name)
{
	char dir[256];
	int r = name_ok(name), n;

	if (r < 0)
		return r;
	if ((r = ose_seg_dir(dir, sizeof(dir))) < 0)
		return r;
	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

static int comp_ok(const char *c)
{
	size_t n = 0;

	if (!c)
		return 0;
	for (; c[n]; n++) {
		char ch = c[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
		if (n >= 31)
			return 0;
	}
	return n > 0;
}

static int name_fmt(char *buf, size_t len, int n)
{
	if (n < 0 || (size_t)n >= len || n >= OSE_SEG_NAME_MAX)
		return -ENAMETOOLONG;
	return n;
}

int ose_seg_name_state(char *buf, size_t len, const char *instance)
{
	if (!comp_ok(instance))
		return -EINVAL;
	return name_fmt(buf, len, snprintf(buf, len, "ose.%s", instance));
}

int ose_seg_name_feed(char *buf, size_t len, const char *instance, const char *venue,
		      const char *account)
{
	if (!comp_ok(instance) || !comp_ok(venue) || !comp_ok(account))
		return -EINVAL;
	return name_fmt(buf, len,
			snprintf(buf, len, "ose.%s.feed.%s.%s", instance, venue, account));
}

int ose_seg_name_cmd(char *buf, size_t len, const char *instance, const char *strategy)
{
	if (!comp_ok(instance) || !comp_ok(strategy))
		return -EINVAL;
	return name_fmt(buf, len, snprintf(buf, len, "ose.%s.cmd.%s", instance, strategy));
}

int ose_seg_name_events(char *buf, size_t len, const char *instance)
{
	if (!comp_ok(instance))
		return -EINVAL;
	return name_fmt(buf, len, snprintf(buf, len, "ose.%s.events", instance));
}

int ose_seg_list(const char *prefix, int (*fn)(const char *name, void *arg), void *arg)
{
	char dir[256];
	DIR *d;
	struct dirent *e;
	int r, count = 0;
	size_t plen;

	if ((r = ose_seg_dir(dir, sizeof(dir))) < 0)
		return r;
	if (!prefix || !*prefix)
		prefix = "ose.";
	plen = strlen(prefix);
	if (!(d = opendir(dir)))
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, plen) != 0)
			continue;
		count++;
		if (fn && (r = fn(e->d_name, arg)) != 0) {
			closedir(d);
			return r;
		}
	}
	closedir(d);
	return count;
}

/* ---- liveness ----------------------------------------------------------- */

int ose_proc_start_time(pid_t pid, uint64_t *out)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd, field;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = 0;
	/* comm may contain spaces and parentheses: fields start after the
	 * last ')'.  Field 3 is the state, field 22 the start time. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -ESRCH;
	p += 2;
	if (*p == 'Z' || *p == 'X' || *p == 'x')
		return -ESRCH; /* dead, waiting to be reaped */
	for (field = 3; field < 22 && *p; p++)
		if (*p == ' ')
			field++;
	if (field != 22)
		return -ESRCH;
	if (out)
		*out = strtoull(p, NULL, 10);
	return 0;
}

int ose_proc_alive(pid_t pid, uint64_t start)
{
	uint64_t st;

	if (ose_proc_start_time(pid, &st) < 0)
		return 0;
	return start == 0 || st == start;
}

int ose_seg_owner_alive(const struct ose_seg_hdr *h)
{
	return ose_proc_alive(h->creator_pid, h->creator_start);
}

void ose_seg_heartbeat(struct ose_seg *seg)
{
	/* Relaxed: a clock reading, no data is published with it. */
	__atomic_store_n(&seg->hdr->heartbeat_ns, ose_time_mono_ns(), __ATOMIC_RELAXED);
}

uint64_t ose_seg_heartbeat_age_ns(const struct ose_seg_hdr *h, uint64_t now_ns)
{
	uint64_t hb = __atomic_load_n(&h->heartbeat_ns, __ATOMIC_RELAXED);

	return now_ns > hb ? now_ns - hb : 0;
}

/* ---- role locks ---------------------------------------------------------- */

static int lock_fd(int fd, unsigned which, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = which;
	fl.l_len = 1;
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			return -EBUSY;
		if (errno == EBADF)
			return -EACCES; /* fd not open for writing */
		return -errno;
	}
	return 0;
}

int ose_seg_lock(struct ose_seg *seg, unsigned which)
{
	if (seg->fd < 0)
		return -EINVAL;
	return lock_fd(seg->fd, which, F_WRLCK);
}

void ose_seg_unlock(struct ose_seg *seg, unsigned which)
{
	if (seg->fd >= 0)
		(void)lock_fd(seg->fd, which, F_UNLCK);
}

int ose_seg_lock_held(const struct ose_seg *seg, unsigned which)
{
	struct flock fl;

	if (seg->fd < 0)
		return -EINVAL;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = which;
	fl.l_len = 1;
	if (fcntl(seg->fd, F_OFD_GETLK, &fl) < 0)
		return -errno;
	return fl.l_type != F_UNLCK;
}

/* ---- validation ---------------------------------------------------------- */

int ose_seg_validate(const struct ose_seg_hdr *h, size_t avail, enum ose_seg_kind kind)
{
	if (avail < sizeof(h->magic))
		return OSE_SEG_ETRUNC;
	if (h->magic != OSE_SEG_MAGIC)
		return OSE_SEG_EMAGIC;
	if (avail < OSE_SEG_HDR_SIZE)
		return OSE_SEG_ETRUNC;
	if (h->abi_version > OSE_ABI_VERSION)
		return OSE_SEG_ENEWER;
	if (h->abi_version < OSE_ABI_VERSION)
		return OSE_SEG_EOLDER;
	if (h->kind == OSE_SEG_NONE || h->kind >= OSE_SEG_KIND_COUNT)
		return OSE_SEG_ELAYOUT;
	if (kind != OSE_SEG_NONE && h->kind != (uint32_t)kind)
		return OSE_SEG_EKIND;
	if (h->aux_off != OSE_SEG_HDR_SIZE || (h->aux_size & (OSE_CACHELINE - 1)) ||
	    h->aux_size > SEG_SIZE_MAX || h->payload_off & (OSE_SEG_PAYLOAD_ALIGN - 1) ||
	    h->payload_off < h->aux_off + h->aux_size || h->payload_size > SEG_SIZE_MAX ||
	    h->total_size > SEG_SIZE_MAX || h->payload_off + h->payload_size > h->total_size)
		return OSE_SEG_ELAYOUT;
	if (!memchr(h->name, 0, sizeof(h->name)))
		return OSE_SEG_ELAYOUT;
	return 0;
}

/* ---- mapping -------------------------------------------------------------- */

/* Fault in every page of a fresh mapping, as MAP_POPULATE would have, so
 * the hot path never takes a first-touch fault.  MADV_POPULATE_* (Linux
 * 5.14) does it in one call; older kernels get one load per page (a read
 * fault maps the shared page for reading; the first write then costs a
 * minor fault, which is what MAP_POPULATE on a shared mapping leaves too). */
static int seg_populate(void *p, size_t size, int writable)
{
#ifdef MADV_POPULATE_WRITE
	if (!madvise(p, size, writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ))
		return 0;
	if (errno != EINVAL) /* EINVAL: kernel before 5.14; else no memory */
		return -errno;
#endif
	long pg = sysconf(_SC_PAGESIZE);
	for (size_t off = 0; off < size; off += (size_t)(pg > 0 ? pg : 4096))
		(void)*(volatile const uint8_t *)((const uint8_t *)p + off);
	return 0;
}

/* Maps size bytes of fd, advised and populated as flags ask.  Returns the
 * address or MAP_FAILED (errno set). */
static void *seg_mmap(int fd, size_t size, int writable, unsigned flags)
{
	/* Shmem THP is decided when a page is first faulted, so a segment that
	 * wants huge pages is advised before it is populated: MAP_POPULATE
	 * would fault every 4 KiB page before the advice could apply. */
	int huge = (flags & OSE_SEG_F_HUGEPAGE) != 0;
	void *p = mmap(NULL, size, PROT_READ | (writable ? PROT_WRITE : 0),
		       MAP_SHARED | (huge ? 0 : MAP_POPULATE), fd, 0);

	if (p == MAP_FAILED)
		return p;
	if (huge) {
		int r;

		(void)madvise(p, size, MADV_HUGEPAGE); /* best effort */
		/* A failed populate (tmpfs full: -EFAULT, or -ENOMEM) is the
		 * SIGBUS a later first touch would take: refuse it now. */
		if ((r = seg_populate(p, size, writable)) < 0) {
			munmap(p, size);
			errno = r == -EFAULT ? ENOSPC : -r;
			return MAP_FAILED;
		}
	}
	if (flags & OSE_SEG_F_MLOCK)
		(void)mlock(p, size); /* best effort: RLIMIT_MEMLOCK may say no */
	return p;
}

/* Fills seg from a mapping p of fd whose header is complete. */
static void seg_set(struct ose_seg *seg, void *p, int fd, size_t size, int writable)
{
	seg->base = p;
	seg->size = size;
	seg->hdr = (struct ose_seg_hdr *)p;
	seg->fd = fd;
	seg->writable = writable;
	seg->aux_size = seg->hdr->aux_size;
	seg->aux = seg->aux_size ? (uint8_t *)p + seg->hdr->aux_off : NULL;
	seg->payload = (uint8_t *)p + seg->hdr->payload_off;
	seg->payload_size = seg->hdr->payload_size;
	seg->kind = (enum ose_seg_kind)seg->hdr->kind;
	memcpy(seg->name, seg->hdr->name, sizeof(seg->name));
	seg->name[sizeof(seg->name) - 1] = 0;
}

static int seg_map(struct ose_seg *seg, int fd, size_t size, int writable, unsigned flags)
{
	void *p = seg_mmap(fd, size, writable, flags);

	if (p == MAP_FAILED)
		return -errno;
	seg_set(seg, p, fd, size, writable);
	return 0;
}

long long ose_seg_huge_bytes(const void *addr, size_t len)
{
	/* smaps lists each mapping as "start-end perms ..." followed by
	 * "Name:   N kB" lines; sum the huge-page lines of the mappings that
	 * overlap the range. */
	static const char *const keys[] = { "AnonHugePages:", "ShmemPmdMapped:",
					    "FilePmdMapped:", "Shared_Hugetlb:",
					    "Private_Hugetlb:" };
	uintptr_t lo = (uintptr_t)addr, hi = lo + len;
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[256];
	long long total = 0;
	int in = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		unsigned long long kb;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2) { /* a mapping's first line */
			in = a < hi && b > lo;
			continue;
		}
		if (!in)
			continue;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t kl = strlen(keys[i]);
			if (!strncmp(line, keys[i], kl) && sscanf(line + kl, "%llu", &kb) == 1)
				total += (long long)kb * 1024;
		}
	}
	fclose(f);
	return total;
}

void ose_seg_close(struct ose_seg *seg)
{
	if (!seg)
		return;
	if (seg->base && seg->size)
		munmap(seg->base, seg->size);
	if (seg->fd >= 0)
		close(seg->fd); /* drops our OFD locks */
	seg_reset(seg);
}

int ose_seg_unlink(const char *name)
{
	char path[512];
	int r = ose_seg_path(path, sizeof(path), name);

	if (r < 0)
		return r;
	return unlink(path) < 0 ? -errno : 0;
}

int ose_seg_attach(struct ose_seg *seg, const char *name, enum ose_seg_kind kind, unsigned flags)
{
	char path[512];
	struct ose_seg_hdr h;
	struct stat st;
	ssize_t got;
	int fd, r, wr = !!(flags & OSE_SEG_F_WRITE);

	seg_reset(seg);
	if ((r = ose_seg_path(path, sizeof(path), name)) < 0)
		return r;
	fd = open(path, (wr ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto err;
	}
	memset(&h, 0, sizeof(h));
	got = pread(fd, &h, sizeof(h), 0);
	if (got < 0) {
		r = -errno;
		goto err;
	}
	if ((r = ose_seg_validate(&h, (size_t)got, kind)) < 0)
		goto err;
	if (h.total_size > (uint64_t)st.st_size) {
		r = OSE_SEG_ETRUNC;
		goto err;
	}
	if ((r = seg_map(seg, fd, h.total_size, wr, flags)) < 0)
		goto err;
	return 0;
err:
	close(fd);
	seg_reset(seg);
	return r;
}

int ose_seg_superseded(const struct ose_seg *seg)
{
	char path[512];
	struct stat a, b;
	int r;

	if (seg->fd < 0 || !seg->hdr)
		return -EINVAL;
	if (__atomic_load_n(&seg->hdr->flags, __ATOMIC_RELAXED) & OSE_SEG_HF_SUPERSEDED)
		return 1;
	if ((r = ose_seg_path(path, sizeof(path), seg->name)) < 0)
		return r;
	if (fstat(seg->fd, &a) < 0)
		return -errno;
	if (stat(path, &b) < 0)
		return -errno;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/* ---- create --------------------------------------------------------------- */

struct seg_layout {
	uint64_t aux_size, payload_off, payload_size, total_size;
};

static void self_identity(int32_t *pid, uint64_t *start)
{
	uint64_t st = 0;

	*pid = (int32_t)getpid();
	(void)ose_proc_start_time(getpid(), &st);
	*start = st;
}

/*
 * Builds a complete segment in a hidden temp file, locked, then makes it
 * visible as `path` with link(2) (fresh: fails with EEXIST if someone beat
 * us) or rename(2) (replace: we hold the old file's owner lock).  On
 * success seg is mapped and owns the new file.
 */
static int seg_build(struct ose_seg *seg, const char *path, const char *name,
		     enum ose_seg_kind kind, const struct seg_layout *lo, unsigned flags,
		     uint64_t epoch, int replace, ose_seg_init_fn init, void *arg)
{
	static unsigned tmp_counter;
	char tmp[600], dir[256];
	struct ose_seg_hdr *h;
	struct timespec now;
	mode_t mode = (flags & OSE_SEG_F_GROUP_READ) ? 0640 : 0600;
	int huge = (flags & OSE_SEG_F_HUGEPAGE) != 0;
	int fd, r;

	if ((r = ose_seg_dir(dir, sizeof(dir))) < 0)
		return r;
	r = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%d.%u", dir, name, (int)getpid(),
		     __atomic_fetch_add(&tmp_counter, 1, __ATOMIC_RELAXED));
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* umask may have removed bits we asked for (group read). */
	if (fchmod(fd, mode) < 0 || (r = lock_fd(fd, OSE_SEG_LOCK_OWNER, F_WRLCK)) < 0) {
		r = r < 0 ? r : -errno;
		goto err_fd;
	}
	if (huge) {
		/* No page may be allocated before the mapping is advised (the
		 * kernel picks a page's size when it allocates it, and
		 * fallocate or a header-only mapping would pick 4 KiB): size
		 * the file, map, advise and populate it whole, then write the
		 * header through that mapping.  The populate reserves the
		 * pages: a full /dev/shm is -ENOSPC from seg_mmap, as from the
		 * fallocate below. */
		if (ftruncate(fd, (off_t)lo->total_size) < 0) {
			r = -errno;
			goto err_fd;
		}
		h = seg_mmap(fd, lo->total_size, 1, flags);
	} else {
		/* Reserve the pages now: a full /dev/shm is -ENOSPC here
		 * rather than SIGBUS on first touch later. */
		r = posix_fallocate(fd, 0, (off_t)lo->total_size);
		if (r == EOPNOTSUPP || r == EINVAL)
			r = ftruncate(fd, (off_t)lo->total_size) < 0 ? errno : 0;
		if (r) {
			r = -r;
			goto err_fd;
		}
		h = mmap(NULL, OSE_SEG_HDR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	if (h == MAP_FAILED) {
		r = -errno;
		goto err_fd;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	h->abi_version = OSE_ABI_VERSION;
	h->kind = (uint32_t)kind;
	h->total_size = lo->total_size;
	h->aux_off = OSE_SEG_HDR_SIZE;
	h->aux_size = lo->aux_size;
	h->payload_off = lo->payload_off;
	h->payload_size = lo->payload_size;
	self_identity(&h->creator_pid, &h->creator_start);
	h->flags = (flags & OSE_SEG_F_GROUP_READ) ? OSE_SEG_HF_GROUP_READ : 0;
	h->heartbeat_ns = ose_time_mono_ns();
	h->epoch = epoch;
	h->created_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	snprintf(h->name, sizeof(h->name), "%s", name);
	/* The magic goes last: a header with the magic is complete.  The
	 * file is not visible under its name yet, so this ordering only
	 * matters to someone scanning temp files; it costs nothing. */
	__atomic_store_n(&h->magic, OSE_SEG_MAGIC, __ATOMIC_RELEASE);
	if (huge) {
		seg_set(seg, h, fd, lo->total_size, 1);
	} else {
		munmap(h, OSE_SEG_HDR_SIZE);
		if ((r = seg_map(seg, fd, lo->total_size, 1, flags)) < 0)
			goto err_fd;
	}
	seg->owner = 1;
	if (init && (r = init(seg, arg)) < 0)
		goto err_map;
	if (replace) {
		if (rename(tmp, path) < 0) {
			r = -errno;
			goto err_map;
		}
	} else {
		if (link(tmp, path) < 0) {
			r = -errno; /* -EEXIST: another creator won */
			goto err_map;
		}
		unlink(tmp);
	}
	return 0;
err_map:
	munmap(seg->base, seg->size);
err_fd:
	close(fd);
	unlink(tmp);
	seg_reset(seg);
	return r;
}

static void mark_superseded(int fd)
{
	struct ose_seg_hdr *h = mmap(NULL, OSE_SEG_HDR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (h == MAP_FAILED)
		return;
	/* Relaxed: a hint to old readers; ose_seg_superseded also stats. */
	__atomic_fetch_or(&h->flags, OSE_SEG_HF_SUPERSEDED, __ATOMIC_RELAXED);
	munmap(h, OSE_SEG_HDR_SIZE);
}

int ose_seg_create_init(struct ose_seg *seg, const char *name, enum ose_seg_kind kind,
			size_t aux_size, size_t payload_size, unsigned flags,
			ose_seg_init_fn init, void *arg)
{
	char path[512];
	struct seg_layout lo;
	int r;

	seg_reset(seg);
	if (kind <= OSE_SEG_NONE || kind >= OSE_SEG_KIND_COUNT)
		return -EINVAL;
	if ((r = ose_seg_path(path, sizeof(path), name)) < 0)
		return r;
	if (aux_size > SEG_SIZE_MAX || payload_size > SEG_SIZE_MAX)
		return -EINVAL;
	lo.aux_size = round_up(aux_size, OSE_CACHELINE);
	lo.payload_off = round_up(OSE_SEG_HDR_SIZE + lo.aux_size, OSE_SEG_PAYLOAD_ALIGN);
	lo.payload_size = payload_size;
	lo.total_size = round_up(lo.payload_off + payload_size,
				 (flags & OSE_SEG_F_HUGEPAGE) ? SEG_HUGE : SEG_PAGE);

	for (int attempt = 0; attempt < SEG_RETRIES; attempt++) {
		struct ose_seg_hdr h;
		struct stat a, b;
		ssize_t got;
		uint64_t epoch = 1;
		int v, fd = open(path, O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			if (errno != ENOENT)
				return -errno;
			r = seg_build(seg, path, name, kind, &lo, flags, 1, 0, init, arg);
			if (r == -EEXIST)
				continue; /* lost the race to another creator: look again */
			return r;
		}
		/* Existing file: its owner holds byte 0 while alive. */
		if ((r = lock_fd(fd, OSE_SEG_LOCK_OWNER, F_WRLCK)) < 0) {
			close(fd);
			return r; /* -EBUSY: live owner */
		}
		/* We own this inode now, but it may have been replaced between
		 * our open and our lock: only the file at `path` counts. */
		if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_ino != b.st_ino ||
		    a.st_dev != b.st_dev) {
			close(fd);
			continue;
		}
		memset(&h, 0, sizeof(h));
		got = pread(fd, &h, sizeof(h), 0);
		v = ose_seg_validate(&h, got > 0 ? (size_t)got : 0, kind);
		if (v == 0 && h.total_size > (uint64_t)a.st_size)
			v = OSE_SEG_ETRUNC;
		if (v == 0 && (flags & OSE_SEG_F_ADOPT) && h.aux_size == lo.aux_size &&
		    h.payload_size == lo.payload_size) {
			if ((r = seg_map(seg, fd, h.total_size, 1, flags)) < 0) {
				close(fd);
				seg_reset(seg);
				return r;
			}
			seg->owner = 1;
			self_identity(&seg->hdr->creator_pid, &seg->hdr->creator_start);
			__atomic_store_n(&seg->hdr->heartbeat_ns, ose_time_mono_ns(), __ATOMIC_RELAXED);
			/* Release: readers that see the new epoch see the new owner
			 * identity stored above. */
			__atomic_fetch_add(&seg->hdr->epoch, 1, __ATOMIC_RELEASE);
			return 1;
		}
		if ((flags & OSE_SEG_F_ADOPT) && (flags & OSE_SEG_F_KEEP)) {
			close(fd);
			return -EEXIST;
		}
		if (v == 0)
			epoch = h.epoch + 1;
		r = seg_build(seg, path, name, kind, &lo, flags, epoch, 1, init, arg);
		if (r == 0 && v == 0)
			mark_superseded(fd);
		close(fd); /* after the rename: see the inode check above */
		return r;
	}
	return -EBUSY; /* the name kept changing under us */
}

int ose_seg_create(struct ose_seg *seg, const char *name, enum ose_seg_kind kind,
		   size_t aux_size, size_t payload_size, unsigned flags)
{
	return ose_seg_create_init(seg, name, kind, aux_size, payload_size, flags, NULL, NULL);
}

/* ---- messages ------------------------------------------------------------- */

const char *ose_seg_kind_name(enum ose_seg_kind k)
{
	switch (k) {
	case OSE_SEG_NONE: return "none";
	case OSE_SEG_STATE: return "state";
	case OSE_SEG_SPSC: return "spsc";
	case OSE_SEG_BCAST: return "bcast";
	default: return "unknown";
	}
}

const char *ose_seg_strerror(int err)
{
	if (err >= 0)
		return "ok";
	switch (err) {
	case -ENOENT: return "segment does not exist";
	case -EACCES: return "permission denied on segment";
	case -EBUSY: return "segment is held by a live owner (or consumer)";
	case OSE_SEG_EMAGIC: return "not an ose segment (bad magic)";
	case OSE_SEG_ENEWER: return "segment written by a newer ose ABI version";
	case OSE_SEG_EOLDER: return "segment written by an older ose ABI version";
	case OSE_SEG_ETRUNC: return "segment file is truncated";
	case OSE_SEG_EKIND: return "segment is of another kind";
	case OSE_SEG_ELAYOUT: return "segment header or layout is inconsistent (corrupt)";
	case -EINVAL: return "invalid argument or segment name";
	case -ENAMETOOLONG: return "segment name or path too long";
	case -EEXIST: return "a segment with another layout exists";
	case -ENOSPC: return "no space left for the segment";
	case -ENOMEM: return "out of memory mapping the segment";
	case -ETIMEDOUT: return "timed out";
	default: {
		const char *s = strerrordesc_np(-err);

		return s ? s : "unknown error";
	}
	}
}
