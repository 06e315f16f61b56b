/* SPDX-License-Identifier: MIT */
/*
 * The object walk (members of an object, EACH arrays), included by
 * scan_impl.h once per build as the general walk and, in the SIMD builds,
 * a second time as the indexed walk (see "The indexed walk" there).  One
 * body, so the two walks make the same grammar checks in the same order
 * and return the same views and error codes; they differ only in how a
 * string's end is found:
 *   WALK_IDX 0: W(x) = F(x); strings are read with F(string) (escapes,
 *               UTF-8 and controls validated on the way);
 *   WALK_IDX 1: W(x) = F(i##x); the message is known clean (no '\\', no
 *               control, no non-ASCII byte) and a string's end is the
 *               next bit of the quote index (json_qcur *cp, kept in a
 *               local copy that lives in registers and is written back
 *               around the calls that move it and on the way out).
 * Internal to adapters/json: include only from scan_impl.h.
 */

#if WALK_IDX
#define QPARAM , struct json_qcur *cp
#define QARG , cp
#define QSAVE() (*cp = lc)
#define QLOAD() (lc = *cp)
#define QSEEK(at) F(qseek)(c, (at))
#define QCUR cp
#else
#define QPARAM
#define QARG
#define QSAVE() ((void)0)
#define QLOAD() ((void)0)
#define QSEEK(at) ((void)0)
#define QCUR NULL
#endif

static SCAN_TARGET int W(members)(const char **pp, const char *end, struct ose_json_keyset *ks,
				  struct ose_json_val *vals, struct ose_json_each *each,
				  unsigned depth QPARAM, const char **why);

/* OSE_JSON_EACH: *pp at '['; every element must be an object, walked
 * with each->ks into each->vals (cleared first; EACH keys in it follow
 * each->inner), then handed to each->fn.  Element objects count depth
 * from 1, as an object walked on its own (ose_json_iter_next_obj). */
static SCAN_TARGET int W(each)(const char **pp, const char *end, struct ose_json_each *each QPARAM,
			       const char **why)
{
	const char *p = F(skip_ws)(*pp + 1, end);
	int rc;

	if (unlikely(p >= end))
		goto truncated;
	if (*p == ']') {
		*pp = p + 1;
		return 0;
	}
	for (;;) {
		if (unlikely(*p != '{')) {
			rc = F(value)(&p, end, 2, NULL, why);
			if (rc)
				return rc;
			*why = "json: array element is not an object";
			return -OSE_PERR_WRONG_TYPE;
		}
		/* ABSENT is 0: one memset clears every view. */
		memset(each->vals, 0, each->ks->n * sizeof(each->vals[0]));
		p++;
		rc = W(members)(&p, end, each->ks, each->vals, each->inner, 1 QARG, why);
		if (rc)
			return rc;
		rc = each->fn(each->arg, each->vals, why);
		if (rc)
			return rc;
		each->count++;
		p = F(skip_ws)(p, end);
		if (unlikely(p >= end))
			goto truncated;
		if (*p == ']') {
			*pp = p + 1;
			return 0;
		}
		if (unlikely(*p != ',')) {
			*why = "json: expected ',' or ']'";
			return -OSE_PERR_SYNTAX;
		}
		p = F(skip_ws)(p + 1, end);
		if (unlikely(p >= end))
			goto truncated;
	}
truncated:
	*why = "json: truncated";
	return -OSE_PERR_TRUNCATED;
}

/* Members of an object: *pp is just past its '{', depth counts that
 * object.  Fills vals for wanted keys (without clearing them first, so
 * DESCEND can share vals). */
static SCAN_TARGET int W(members)(const char **pp, const char *end, struct ose_json_keyset *ks,
				  struct ose_json_val *vals, struct ose_json_each *each,
				  unsigned depth QPARAM, const char **why)
{
	const char *p = F(skip_ws)(*pp, end);
#if WALK_IDX
	struct json_qcur lc = *cp, *c = &lc;
#endif
	int rc;

	if (unlikely(p >= end))
		goto truncated;
	if (*p == '}') {
		*pp = p + 1;
		QSAVE();
		return 0;
	}
	for (;;) {
		const char *k, *vs;
#if !WALK_IDX
		uint8_t kesc = 0;
#endif
		uint8_t vesc = 0;
		int idx;

#if !WALK_IDX
		/* The common member first: "key":<string|integer|literal>
		 * with no whitespace, escapes or non-ASCII.  F(fast_member)
		 * either takes the whole member (and stores its value) or
		 * touches nothing, and the code below re-reads the member
		 * from p; so both give one answer. */
		{
			const char *q = F(fast_member)(p, end, ks, vals);
			if (likely(q != NULL)) {
				p = q;
				if (likely(end - p >= 2 && *p == ',' && p[1] == '"')) {
					p++;
					continue;
				}
				goto sep;
			}
		}
#endif
		if (unlikely(*p != '"')) {
			*why = "json: expected a key";
			return -OSE_PERR_SYNTAX;
		}
#if WALK_IDX
	key:
#endif
		k = ++p;
#if WALK_IDX
		{
			const char *ke = F(qstring)(c, k - 1);
			if (unlikely(!ke)) {
				*why = "json: unterminated string";
				return -OSE_PERR_TRUNCATED;
			}
			/* Clean message: the key's bytes are plain. */
			idx = ke - k == 1 ? (int)ks->one[(unsigned char)*k] - 1
					  : key_find(ks, k, (size_t)(ke - k), end);
			p = ke + 1;
		}
#else
		if (end - p >= 2 && p[1] == '"' && !json_str_special((unsigned char)p[0])) {
			/* One-byte key (Binance): a table lookup. */
			idx = (int)ks->one[(unsigned char)p[0]] - 1;
			p += 2;
		} else {
			rc = F(string)(&p, end, &kesc, why);
			if (unlikely(rc))
				return rc;
			idx = json_key_lookup(ks, k, (size_t)(p - 1 - k), kesc, end);
		}
#endif
		/* ':' then a string, the common case, in one compare. */
		if (likely(end - p >= 2 && json_load16(p) == JSON_PAIR(':', '"'))) {
			vs = ++p;
			goto string;
		}
		if (likely(p < end && *p == ':')) {
			p++;
		} else {
			p = F(skip_ws)(p, end);
			if (unlikely(p >= end))
				goto truncated;
			if (unlikely(*p != ':')) {
				*why = "json: expected ':'";
				return -OSE_PERR_SYNTAX;
			}
			p++;
		}
		if (unlikely(p >= end || (*p != '"' && json_ws[(unsigned char)*p]))) {
			p = F(skip_ws)(p, end);
			if (unlikely(p >= end))
				goto truncated;
		}

		vs = p;
		if (*p == '"') {
			/* Strings are most values: inline. */
		string:;
#if WALK_IDX
			const char *ve = F(qstring)(c, p);
			if (unlikely(!ve)) {
				*why = "json: unterminated string";
				return -OSE_PERR_TRUNCATED;
			}
			p = ve + 1;
#else
			p++;
			rc = F(string)(&p, end, &vesc, why);
			if (unlikely(rc))
				return rc;
#endif
			if (idx >= 0 && vals[idx].type == OSE_JSON_ABSENT) {
				vals[idx].p = vs + 1;
				vals[idx].len = (uint32_t)(p - vs - 2);
				vals[idx].type = OSE_JSON_STRING;
				vals[idx].esc = vesc;
			}
		} else if (*p == '-' || (unsigned char)(*p - '0') < 10 || *p == 't' || *p == 'f' ||
			   *p == 'n') {
			/* A number or a literal: the one-word fast checks, then
			 * the full grammar (and its error) when they decline. */
			int num = *p != 't' && *p != 'f' && *p != 'n';
			const char *ve = num ? F(fast_int)(p, end) : F(fast_literal)(p, end);
			if (unlikely(ve == NULL)) {
				/* Through a copy: p itself stays a register. */
				ve = p;
				rc = num ? json_number(&ve, end, why) : json_literal(&ve, end, why);
				if (unlikely(rc))
					return rc;
			}
			p = ve;
			if (idx >= 0 && vals[idx].type == OSE_JSON_ABSENT) {
				vals[idx].p = vs;
				vals[idx].len = (uint32_t)(p - vs);
				vals[idx].type = num	      ? OSE_JSON_NUMBER
						 : *vs == 't' ? OSE_JSON_TRUE
						 : *vs == 'f' ? OSE_JSON_FALSE
							      : OSE_JSON_NULL;
				vals[idx].esc = 0;
			}
		} else if (idx >= 0 && vals[idx].type == OSE_JSON_ABSENT) {
			uint32_t fl = ks->keys[idx].flags;
			const char *ve = p;
			if ((fl & OSE_JSON_DESCEND) && *p == '{') {
				if (unlikely(depth + 1 > OSE_JSON_MAX_DEPTH)) {
					*why = "json: nesting too deep";
					return -OSE_PERR_TOO_DEEP;
				}
				/* Mark it taken first: an inner key of the same
				 * name must not descend again. */
				vals[idx].type = OSE_JSON_OBJECT;
				ve++;
				QSAVE();
				rc = W(members)(&ve, end, ks, vals, each, depth + 1 QARG, why);
				if (rc)
					return rc;
				QLOAD();
			} else if ((fl & OSE_JSON_EACH) && each && *p == '[') {
				vals[idx].type = OSE_JSON_ARRAY;
				QSAVE();
				rc = W(each)(&ve, end, each QARG, why);
				if (rc)
					return rc;
				QLOAD();
			} else if ((fl & OSE_JSON_LAZY) && (*p == '[' || *p == '{')) {
				/* Through *cp, not &lc: lc's address must not
				 * escape, or it leaves the registers. */
				QSAVE();
				rc = F(extent)(&ve, end, QCUR, why);
				if (rc)
					return rc;
				QLOAD();
				vals[idx].type = *vs == '[' ? OSE_JSON_ARRAY : OSE_JSON_OBJECT;
			} else {
				rc = F(value)(&ve, end, depth, &vals[idx], why);
				if (rc)
					return rc;
				QSEEK(ve);
			}
			p = ve;
			vals[idx].p = vs;
			vals[idx].len = (uint32_t)(p - vs);
			vals[idx].esc = 0;
		} else {
			const char *ve = p;
			rc = F(value)(&ve, end, depth, NULL, why);
			if (unlikely(rc))
				return rc;
			QSEEK(ve);
			p = ve;
		}
#if !WALK_IDX
sep:
#endif
		/* ',' then the next key's quote, the common case, in one compare. */
		if (likely(end - p >= 2 && json_load16(p) == JSON_PAIR(',', '"'))) {
			p++;
#if WALK_IDX
			goto key; /* the quote is checked */
#else
			continue; /* F(fast_member) first */
#endif
		}
		if (likely(p < end && *p == ',')) {
			p++;
		} else {
			p = F(skip_ws)(p, end);
			if (unlikely(p >= end))
				goto truncated;
			if (*p == '}') {
				*pp = p + 1;
				QSAVE();
				return 0;
			}
			if (unlikely(*p != ',')) {
				*why = "json: expected ',' or '}'";
				return -OSE_PERR_SYNTAX;
			}
			p++;
		}
		if (unlikely(p >= end || *p != '"')) {
			p = F(skip_ws)(p, end);
			if (unlikely(p >= end))
				goto truncated;
		}
	}
truncated:
	*why = "json: truncated";
	return -OSE_PERR_TRUNCATED;
}

#undef QPARAM
#undef QARG
#undef QSAVE
#undef QLOAD
#undef QSEEK
#undef QCUR
