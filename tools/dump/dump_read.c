/* SPDX-License-Identifier: MIT */
/*
 * dump_read: attach an instance's segments read-only and copy consistent
 * snapshots out of them.  Nothing here writes to shared memory, takes a
 * lock (not even F_GETLK: liveness comes from pid + start time in the
 * headers) or prints.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shm/seqlock.h"
#include "tools/dump/dump.h"

int dump_exit_code(int err)
{
	switch (err) {
	case 0:
		return DUMP_EXIT_OK;
	case -ENOENT:
		return DUMP_EXIT_NOINST;
	case -EACCES:
	case -EPERM:
		return DUMP_EXIT_PERM;
	case OSE_SEG_ENEWER:
	case OSE_SEG_EOLDER:
		return DUMP_EXIT_ABI;
	case OSE_SEG_EMAGIC:
	case OSE_SEG_ETRUNC:
	case OSE_SEG_EKIND:
	case OSE_SEG_ELAYOUT:
		return DUMP_EXIT_CORRUPT;
	case -EINVAL:
	case -ENAMETOOLONG:
		return DUMP_EXIT_USAGE;
	case DUMP_EINIT:
		return DUMP_EXIT_BUSY;
	default:
		return DUMP_EXIT_ERROR;
	}
}

const char *dump_strerror(int err)
{
	if (err == -ENOENT)
		return "no such segment";
	if (err == -EACCES || err == -EPERM)
		return "permission denied";
	if (err == DUMP_EINIT)
		return "state table not initialised yet (its engine is starting): retry";
	return ose_seg_strerror(err);
}

const char *dump_role_name(enum dump_role r)
{
	static const char *const names[] = {
		[DUMP_ROLE_STATE] = "state", [DUMP_ROLE_FEED] = "feed", [DUMP_ROLE_CMD] = "cmd",
		[DUMP_ROLE_EVENTS] = "events", [DUMP_ROLE_OTHER] = "other",
	};
	return (unsigned)r <= DUMP_ROLE_OTHER ? names[r] : "other";
}

/* ---- instance ------------------------------------------------------------- */

struct collect {
	const char *state;   /* "ose.<instance>" */
	size_t slen;
	char (*names)[OSE_SEG_NAME_MAX];
	size_t n, cap;
	int err;
};

static int collect_fn(const char *name, void *arg)
{
	struct collect *c = arg;

	/* "ose.<instance>" itself or "ose.<instance>.<...>", not "ose.<instance>2". */
	if (strncmp(name, c->state, c->slen) != 0 || (name[c->slen] && name[c->slen] != '.'))
		return 0;
	if (strlen(name) >= OSE_SEG_NAME_MAX)
		return 0;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 16;
		void *p = realloc(c->names, ncap * sizeof(*c->names));

		if (!p) {
			c->err = -ENOMEM;
			return 1;
		}
		c->names = p;
		c->cap = ncap;
	}
	strcpy(c->names[c->n++], name);
	return 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct dump_seg *x = a, *y = b;

	if (x->role == DUMP_ROLE_STATE || y->role == DUMP_ROLE_STATE)
		return (int)x->role - (int)y->role;
	return strcmp(x->name, y->name);
}

static enum dump_role role_of(const char *name, size_t slen)
{
	const char *rest = name + slen;

	if (!*rest)
		return DUMP_ROLE_STATE;
	if (!strncmp(rest, ".feed.", 6))
		return DUMP_ROLE_FEED;
	if (!strncmp(rest, ".cmd.", 5))
		return DUMP_ROLE_CMD;
	if (!strcmp(rest, ".events"))
		return DUMP_ROLE_EVENTS;
	return DUMP_ROLE_OTHER;
}

int dump_inst_open(struct dump_inst *inst, const char *name)
{
	char state[OSE_SEG_NAME_MAX];
	struct collect c;
	int r;

	memset(inst, 0, sizeof(*inst));
	inst->state_err = -ENOENT;
	if (strlen(name) >= sizeof(inst->name))
		return -EINVAL;
	if ((r = ose_seg_name_state(state, sizeof(state), name)) < 0)
		return r;
	strcpy(inst->name, name);
	if ((r = ose_seg_dir(inst->dir, sizeof(inst->dir))) < 0)
		return r;

	memset(&c, 0, sizeof(c));
	c.state = state;
	c.slen = strlen(state);
	r = ose_seg_list(state, collect_fn, &c);
	if (r < 0 || c.err < 0) {
		free(c.names);
		return r < 0 ? r : c.err;
	}
	if (c.n == 0) {
		free(c.names);
		return -ENOENT;
	}
	inst->segs = calloc(c.n, sizeof(*inst->segs));
	if (!inst->segs) {
		free(c.names);
		return -ENOMEM;
	}
	inst->nsegs = c.n;
	for (size_t i = 0; i < c.n; i++) {
		struct dump_seg *s = &inst->segs[i];

		strcpy(s->name, c.names[i]);
		s->role = role_of(s->name, c.slen);
		s->seg.fd = -1;
		/* Flags 0: O_RDONLY and PROT_READ, the read-only guarantee. */
		switch (s->role) {
		case DUMP_ROLE_STATE:
			s->err = ose_seg_attach(&s->seg, s->name, OSE_SEG_STATE, 0);
			break;
		case DUMP_ROLE_FEED:
		case DUMP_ROLE_CMD:
			s->err = ose_spsc_attach(&s->seg, s->name, 0);
			break;
		case DUMP_ROLE_EVENTS:
			s->err = ose_bcast_attach(&s->seg, s->name, 0);
			break;
		default:
			s->err = ose_seg_attach(&s->seg, s->name, OSE_SEG_NONE, 0);
			break;
		}
	}
	free(c.names);
	qsort(inst->segs, inst->nsegs, sizeof(*inst->segs), seg_cmp);
	if (inst->segs[0].role == DUMP_ROLE_STATE) {
		inst->state = &inst->segs[0];
		inst->state_err = inst->state->err;
		if (!inst->state_err)
			inst->state_err = dump_state_validate(&inst->state->seg, &inst->sh);
		if (!inst->state->err && inst->state_err == OSE_SEG_EMAGIC &&
		    ose_seg_owner_alive(inst->state->seg.hdr) &&
		    __atomic_load_n(&((const struct ose_state_hdr *)inst->state->seg.payload)->magic,
				    __ATOMIC_ACQUIRE) == 0)
			inst->state_err = DUMP_EINIT;
	}
	return 0;
}

void dump_inst_close(struct dump_inst *inst)
{
	for (size_t i = 0; i < inst->nsegs; i++)
		if (!inst->segs[i].err)
			ose_seg_close(&inst->segs[i].seg);
	free(inst->segs);
	free(inst->orders);
	free(inst->unstable);
	memset(inst, 0, sizeof(*inst));
}

/* ---- state layout ----------------------------------------------------------- */

static int region_ok(uint64_t off, uint64_t n, uint64_t size, uint64_t total)
{
	if (off % OSE_STATE_ALIGN || off > total)
		return 0;
	if (size && n > (total - off) / size)
		return 0;
	return 1;
}

int dump_state_validate(const struct ose_seg *seg, const struct ose_state_hdr **out)
{
	const struct ose_state_hdr *h = seg->payload;

	*out = NULL;
	if (!h || seg->payload_size < sizeof(*h))
		return OSE_SEG_ELAYOUT;
	/* Acquire: pairs with the engine's release store of the magic at the
	 * end of ose_tbl_format; the layout words below are then visible. */
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != OSE_STATE_MAGIC)
		return OSE_SEG_EMAGIC;
	if (h->version > OSE_STATE_VERSION)
		return OSE_SEG_ENEWER;
	if (h->version < OSE_STATE_VERSION)
		return OSE_SEG_EOLDER;
	if (h->hdr_size != sizeof(*h) || h->slot_size != sizeof(struct ose_slot) ||
	    h->book_size != sizeof(struct ose_book) ||
	    h->ring_ent_size != sizeof(struct ose_ring_ent) ||
	    h->stats_size != sizeof(struct ose_stats))
		return OSE_SEG_ELAYOUT;
	uint64_t total = h->total_size;

	if (total > seg->payload_size || total < sizeof(*h))
		return OSE_SEG_ELAYOUT;
	if (!region_ok(h->off_stats, 1, sizeof(struct ose_stats), total) ||
	    !region_ok(h->off_rings, h->ring_cap, sizeof(struct ose_ring_ent), total) ||
	    !region_ok(h->off_books, h->book_cap, sizeof(struct ose_book), total) ||
	    !region_ok(h->off_slots, h->capacity, sizeof(struct ose_slot), total))
		return OSE_SEG_ELAYOUT;
	*out = h;
	return 0;
}

const struct ose_ring_ent *dump_ring_ent_find(const struct dump_inst *inst, const char *name)
{
	if (!inst->sh)
		return NULL;
	const struct ose_ring_ent *e = dump_ring_ents(inst->sh);
	uint64_t n = dump_ld(&inst->sh->rings_used);

	if (n > inst->sh->ring_cap)
		n = inst->sh->ring_cap;
	for (uint64_t i = 0; i < n; i++) {
		char nm[OSE_RING_NAME_MAX];

		/* The name is written once, before rings_used counts the entry. */
		memcpy(nm, e[i].name, sizeof(nm));
		nm[sizeof(nm) - 1] = 0;
		if (!strcmp(nm, name))
			return &e[i];
	}
	return NULL;
}

/* ---- orders ------------------------------------------------------------------ */

int dump_slot_read(const struct ose_state_hdr *h, uint32_t i, struct ose_slot *out,
		   uint32_t tries)
{
	const struct ose_slot *s = &dump_slots(h)[i];
	const uint64_t *src = (const uint64_t *)(const void *)((const char *)s + OSE_SLOT_PAYLOAD_OFF);
	uint64_t *dst = (uint64_t *)(void *)((char *)out + OSE_SLOT_PAYLOAD_OFF);
	int64_t seq;

	memset(out, 0, sizeof(*out));
	/* S3/S4 of shm/seqlock.h: pairs with the engine's slot_publish. */
	seq = ose_seqlock_read(&s->seq, src, dst, OSE_SLOT_PAYLOAD_WORDS, tries);
	if (seq < 0)
		return -EAGAIN;
	out->seq = (uint64_t)seq;
	/* The copied strings come from shm: terminate them whatever they hold. */
	out->account[OSE_ACCOUNT_MAX - 1] = 0;
	out->symbol[OSE_SYMBOL_MAX - 1] = 0;
	out->order_id[OSE_ID_MAX - 1] = 0;
	out->client_id[OSE_ID_MAX - 1] = 0;
	return 0;
}

int dump_filter_match(const struct dump_filter *f, const struct ose_slot *o)
{
	int open = !!(o->oflags & OSE_OF_OPEN);

	if (f->venue && o->venue != f->venue)
		return 0;
	if (f->status_mask && !(o->status < 32 && (f->status_mask & (1u << o->status))))
		return 0;
	if (f->open_only && !f->executed_only && !open)
		return 0;
	if (f->executed_only && !f->open_only && open)
		return 0;
	if (f->symbol[0] && strcmp(f->symbol, o->symbol))
		return 0;
	if (f->account[0] && strcmp(f->account, o->account))
		return 0;
	if (f->order_id[0] && strcmp(f->order_id, o->order_id))
		return 0;
	if (f->client_id[0] && strcmp(f->client_id, o->client_id))
		return 0;
	return 1;
}

static int order_cmp(const void *a, const void *b)
{
	const struct ose_slot *x = &((const struct dump_order *)a)->s;
	const struct ose_slot *y = &((const struct dump_order *)b)->s;
	int c;

	if (x->venue != y->venue)
		return x->venue < y->venue ? -1 : 1;
	if ((c = strcmp(x->account, y->account)))
		return c;
	if ((c = strcmp(x->symbol, y->symbol)))
		return c;
	int xo = !!(x->oflags & OSE_OF_OPEN), yo = !!(y->oflags & OSE_OF_OPEN);

	if (xo != yo)
		return yo - xo; /* open first */
	if (x->created_ns != y->created_ns)
		return x->created_ns < y->created_ns ? -1 : 1;
	if ((c = strcmp(x->order_id, y->order_id)))
		return c;
	return strcmp(x->client_id, y->client_id);
}

int dump_orders_load(struct dump_inst *inst, const struct dump_filter *f)
{
	const struct ose_state_hdr *h = inst->sh;
	size_t cap = 0, ucap = 0;

	free(inst->orders);
	free(inst->unstable);
	inst->orders = NULL;
	inst->unstable = NULL;
	inst->norders = inst->nunstable = 0;
	inst->tracked = 0;
	inst->have_stats = 0;
	if (!h)
		return 0;
	/* Counters first, slots second.  The engine publishes a slot (its
	 * seqlock's release store) before it bumps events_applied (a release
	 * store too), so each counter loaded here with acquire covers only
	 * slots this scan will see: a dump never shows "applied N" next to
	 * fewer than N orders' effects (read the other way round, it could). */
	{
		const uint64_t *src = (const uint64_t *)(const void *)dump_stats(h);
		uint64_t *dst = (uint64_t *)(void *)&inst->stats;

		for (size_t w = 0; w < sizeof(inst->stats) / sizeof(uint64_t); w++)
			dst[w] = __atomic_load_n(&src[w], __ATOMIC_ACQUIRE);
		inst->have_stats = 1;
	}
	/* Slots above the high-water mark were never used: the scan is
	 * O(slots ever used), not O(capacity). */
	uint64_t used = dump_ld(&h->slots_used);

	if (used > h->capacity)
		used = h->capacity;
	for (uint32_t i = 0; i < used; i++) {
		struct ose_slot s;

		if (dump_slot_read(h, i, &s, DUMP_SEQ_TRIES) < 0) {
			if (inst->nunstable == ucap) {
				size_t n = ucap ? 2 * ucap : 16;
				void *p = realloc(inst->unstable, n * sizeof(*inst->unstable));

				if (!p)
					return -ENOMEM;
				inst->unstable = p;
				ucap = n;
			}
			inst->unstable[inst->nunstable++] = i;
			continue;
		}
		if (!(s.oflags & (OSE_OF_OPEN | OSE_OF_EXECUTED)))
			continue; /* free slot */
		inst->tracked++;
		if (!dump_filter_match(f, &s))
			continue;
		if (inst->norders == cap) {
			size_t n = cap ? 2 * cap : 64;
			void *p = realloc(inst->orders, n * sizeof(*inst->orders));

			if (!p)
				return -ENOMEM;
			inst->orders = p;
			cap = n;
		}
		inst->orders[inst->norders].s = s;
		inst->orders[inst->norders].slot = i;
		inst->norders++;
	}
	if (inst->norders)
		qsort(inst->orders, inst->norders, sizeof(*inst->orders), order_cmp);
	return 0;
}

/* ---- ring records --------------------------------------------------------------- */

int dump_spsc_newest(const struct ose_seg *seg, void *buf, size_t len, uint64_t *idx)
{
	const struct ose_spsc_ctl *ctl = ose_spsc_ctl_of(seg);
	uint64_t cap = ctl->info.capacity, mask = ctl->info.mask;
	uint32_t ss = ctl->info.slot_size;

	if (len > ss || (len & 7))
		return -EINVAL;
	/* Acquire: pairs with the producer's store-release of head (R1): the
	 * record below head is fully written. */
	uint64_t head = __atomic_load_n(&ctl->prod.head, __ATOMIC_ACQUIRE);

	if (head == ctl->info.init_index)
		return 0;
	uint64_t n = head - 1;
	const uint64_t *src = (const uint64_t *)(const void *)((const char *)ctl +
							      ctl->info.slots_off + (n & mask) * ss);
	uint64_t *dst = buf;

	/* Relaxed word loads: the producer may be rewriting the slot if it
	 * lapped us; the head check below throws such a copy away. */
	for (size_t i = 0; i < len / 8; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	/* Orders the copy before the re-load of head (a seqlock-style check):
	 * record n's slot is reused only once head reaches n + capacity. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint64_t head2 = __atomic_load_n(&ctl->prod.head, __ATOMIC_RELAXED);

	if (head2 - n >= cap)
		return -EAGAIN;
	*idx = n;
	return 1;
}

int dump_bcast_newest(const struct ose_seg *seg, struct ose_update *u, uint64_t *idx)
{
	struct ose_bcast_reader r;
	uint64_t lost = 0;

	if (ose_bcast_reader_init(&r, seg, OSE_BCAST_FROM_NEWEST) < 0)
		return -EINVAL;
	if (r.rec_size < sizeof(*u))
		return -EINVAL;
	if (r.cursor == 0)
		return 0;
	r.cursor--; /* the reader handle is private: point it at the newest record */
	if (ose_bcast_read(&r, u, sizeof(*u), &lost) != OSE_BCAST_OK)
		return -EAGAIN;
	*idx = r.cursor - 1;
	return 1;
}

/* ---- histograms ------------------------------------------------------------------- */

static uint64_t quantile_target(uint64_t total, unsigned permille)
{
	/* ceil(total * q), at least 1; split to avoid overflow near 2^64. */
	uint64_t t = total / 1000 * permille + (total % 1000 * permille + 999) / 1000;

	return t ? t : 1;
}

uint64_t dump_hist_pct(const uint64_t *hist, unsigned nb, uint64_t max_ns, unsigned permille)
{
	uint64_t total = 0, cum = 0;

	for (unsigned b = 0; b < nb; b++)
		total += dump_ld(&hist[b]);
	if (!total)
		return 0;
	uint64_t want = quantile_target(total, permille);

	for (unsigned b = 0; b < nb; b++) {
		cum += dump_ld(&hist[b]);
		if (cum >= want) {
			uint64_t hi = b + 1 < nb ? ose_lat_bucket_low(b + 1) - 1 : UINT64_MAX;

			return max_ns && hi > max_ns ? max_ns : hi;
		}
	}
	return max_ns;
}

uint64_t dump_hist2_pct(const uint64_t *hist, unsigned nb, unsigned permille)
{
	uint64_t total = 0, cum = 0;

	for (unsigned b = 0; b < nb; b++)
		total += dump_ld(&hist[b]);
	if (!total)
		return 0;
	uint64_t want = quantile_target(total, permille);

	for (unsigned b = 0; b < nb; b++) {
		cum += dump_ld(&hist[b]);
		if (cum >= want)
			return b >= 63 ? UINT64_MAX : (UINT64_C(2) << b) - 1;
	}
	return 0;
}
