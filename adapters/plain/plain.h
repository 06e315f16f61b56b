/* SPDX-License-Identifier: MIT */
/*
 * ose_plain: a fast path for "plain" JSON messages, in front of the full
 * scanner (adapters/json/json.h).  Internal to adapters/ (used by the Gate
 * and Coinbase parsers; venue-agnostic).
 *
 * Plain means what venues actually send on their private streams: one
 * compact line of printable ASCII with no backslash anywhere (no escapes,
 * no UTF-8, no tabs or newlines; spaces are allowed between tokens), at
 * most 64 KiB.  In such a message a string ends at the next '"', found
 * 16 bytes at a time (SSE2; a scalar twin elsewhere) with the same
 * compare that declines a backslash, control or non-ASCII byte, and the
 * grammar between strings is a few scalar compares.
 *
 * Key order: venues write an object's keys in a fixed order.  A key set
 * may list it (OSE_PLAIN_KEYSET_ORDER: every key the venue sends, wanted
 * or not, in its order), and a second order where a venue has two (the
 * documentation's and the wire's); the walk then expects the key after
 * the last one it met: first in the list that matched last, then in the
 * other, then the one after the expected key (the venue left one out),
 * and checks each expectation with one or two 16-byte compares of
 * "key": (no hash, no search for the key's end: that search is a chain
 * of dependent loads).  A key out of order, missing or unknown costs a
 * hash lookup and re-synchronises both expectations; the result never
 * depends on the order lists.
 *
 * Same output as the scanner: ose_plain_obj_get_each() fills the same
 * struct ose_json_val views, from key arrays shared with the scanner's
 * key sets (so an adapter keeps one set of indices and one normaliser),
 * first occurrence of a key wins, and OSE_JSON_EACH arrays hand each
 * element to a callback in the same pass.  Unlike the scanner it also
 * follows OSE_JSON_EACH keys inside elements (each->inner: Coinbase's
 * events[].orders[]), so nested arrays are walked once.
 *
 * Everything it accepts is valid JSON and is validated as it goes
 * (grammar, numbers, literals, nesting; strings are valid by the plain
 * check).  Anything else - escapes, non-ASCII, control bytes, nesting
 * deeper than OSE_PLAIN_MAX_DEPTH, syntax errors, a callback refusing -
 * returns -1 and the caller starts over with the full scanner, which
 * handles the general case and names the error.  So this path decides
 * nothing on its own about bad input; it only has to agree with the
 * scanner on what it accepts (tests/adapters/v2/test_plain.c checks
 * both directions on fixtures and mutated messages).
 *
 * Padding contract: none.  Only p[0..len) is read: a 16-byte load happens
 * only where all 16 bytes lie inside it.
 *
 * Thread safety: key sets are indexed on first use under a lock and are
 * read-only afterwards; everything else is pure.
 */
#ifndef OSE_ADAPTERS_PLAIN_PLAIN_H
#define OSE_ADAPTERS_PLAIN_PLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/json/json.h"

/* Most keys one plain key set may hold. */
#define OSE_PLAIN_KEYS_MAX 32
/* Most names an order list may hold, and their longest (bytes). */
#define OSE_PLAIN_ORDER_MAX 48
#define OSE_PLAIN_ORDER_KEYLEN 29
/* Deeper nesting is declined (the scanner then applies its own limit). */
#define OSE_PLAIN_MAX_DEPTH 32

/*
 * A key set over an array of struct ose_json_key (the same arrays the
 * scanner's key sets use; only the OSE_JSON_EACH flag means anything
 * here, other flags read as 0).  Declare static, initialise with
 * OSE_PLAIN_KEYSET(array).  The fields after n are private.
 */
struct ose_plain_keyset {
	const struct ose_json_key *keys;
	uint32_t n; /* <= OSE_PLAIN_KEYS_MAX */
	/* NULL, or the venue's key orders: NULL-terminated lists of at most
	 * OSE_PLAIN_ORDER_MAX names of at most OSE_PLAIN_ORDER_KEYLEN bytes
	 * (a list beyond either limit makes the set unusable: every message
	 * is declined).  order2 is only read when order is set. */
	const char *const *order, *const *order2;
	int ready;  /* private */
	uint64_t mult; /* hash multiplier: chosen so no two keys share a bucket */
	uint32_t nent, nord;
	uint8_t bucket[256];
	uint8_t next[OSE_PLAIN_KEYS_MAX + 2 * OSE_PLAIN_ORDER_MAX];
	/* The wanted keys, then the order lists' other names. */
	struct {
		uint64_t word; /* first 8 key bytes, zero-padded */
		uint64_t tail; /* last 8 key bytes (keys of 9..16), else 0 */
		const char *name;
		uint32_t len;
		int8_t idx;  /* index in keys, or -1 (a name nobody wants) */
		int8_t pos;  /* its entry in ord[] from order, or -1 */
		int8_t pos2; /* its entry in ord[] from order2, or -1 */
	} ent[OSE_PLAIN_KEYS_MAX + 2 * OSE_PLAIN_ORDER_MAX];
	/* order's names, an entry that never matches, order2's names and
	 * another such entry.  Each as the bytes "name": (32, zero-padded),
	 * their length and one bit per byte of it, its index in keys or -1,
	 * and the entry of the other list expected after this name there
	 * (that list's never-matching entry if the name is not in it). */
	struct ose_plain_ord {
		char pat[32];
		uint32_t mask, len;
		int32_t idx;
		uint32_t bit; /* 1 << idx, or 0 (idx -1) */
		const struct ose_plain_ord *other;
	} ord[2 * (OSE_PLAIN_ORDER_MAX + 1) + 1]; /* + a never-matching pad: c + 1 */
};
#define OSE_PLAIN_KEYSET(arr) { .keys = (arr), .n = sizeof(arr) / sizeof((arr)[0]) }
#define OSE_PLAIN_KEYSET_ORDER(arr, ord_list) \
	{ .keys = (arr), .n = sizeof(arr) / sizeof((arr)[0]), .order = (ord_list) }
#define OSE_PLAIN_KEYSET_ORDER2(arr, ord_list, ord_list2)                                  \
	{ .keys = (arr), .n = sizeof(arr) / sizeof((arr)[0]), .order = (ord_list),         \
	  .order2 = (ord_list2) }

/*
 * What to do with the elements of an OSE_JSON_EACH array (every element
 * must be an object).  When the array starts, pick(arg) (if set) chooses
 * the element key set, else ks is used; NULL declines the message.  Each
 * element is walked with that set into vals (ks->n entries; big enough
 * for any set pick returns) and then fn(arg, vals, why) runs: 0 goes on,
 * anything else declines.  OSE_JSON_EACH keys inside an element follow
 * inner (NULL: they are plain values).  count is not kept: the caller's
 * fn counts what it produced.  While pick and fn run, the vals of the
 * objects that enclose the array hold the keys met before it, the rest
 * absent (Gate's pick reads the channel).
 */
struct ose_plain_each {
	struct ose_plain_keyset *ks;
	struct ose_plain_keyset *(*pick)(void *arg);
	struct ose_json_val *vals;
	int (*fn)(void *arg, const struct ose_json_val *vals, const char **why);
	void *arg;
	const struct ose_plain_each *inner;
};

/*
 * Walk the plain JSON object in p[0..len) (spaces may surround it,
 * nothing else may follow) and fill vals[i] for each key ks->keys[i]
 * found at the top level (views exactly as ose_json_obj_get gives them;
 * esc is always 0), handing OSE_JSON_EACH arrays to each (NULL: they are
 * plain values).
 * Returns 0, or -1 when the message is not plain, not valid, or a
 * callback declined: whatever the callbacks produced is then void, and
 * the caller starts over with the full scanner.
 */
int ose_plain_obj_get_each(const char *p, size_t len, struct ose_plain_keyset *ks,
			   struct ose_json_val *vals, const struct ose_plain_each *each);

/* Indexes ks now rather than at its first use: about 0.5 M instructions
 * for Bybit's 70 names, which the first message would otherwise wait for
 * (adapters prepare all theirs before a feed connects, struct
 * ose_adapter.prepare).  Idempotent and thread-safe; no-fail (a set too
 * big to index is marked unusable, as at first use). */
void ose_plain_keyset_prepare(struct ose_plain_keyset *ks);
/* How many key sets this process has indexed (tests: none may be left
 * for a message to index once its adapter is prepared). */
uint64_t ose_plain_keyset_builds(void);

/* Tests: 1 makes the block classifier use its scalar twin, 0 the vector
 * path where there is one.  Not for production use (not synchronised). */
void ose_plain_force_scalar(int on);

#endif /* OSE_ADAPTERS_PLAIN_PLAIN_H */
