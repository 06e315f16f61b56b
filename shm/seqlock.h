/* SPDX-License-Identifier: MIT */
/*
 * ose_seqlock: one writer, any number of readers that never write (they
 * may map the memory PROT_READ), over a payload of N 8-byte words.  The
 * engine's order slots and the broadcast ring's slots use it.
 *
 * This is the C11-correct form (H.-J. Boehm, "Can seqlocks get along with
 * programming language memory models?", 2012): the payload is accessed
 * only through relaxed atomic word loads/stores, so a reader that races a
 * writer reads stale or mixed words but never has a data race (undefined
 * behaviour, and a TSan report); the sequence check then throws the mixed
 * copy away.  Plain memcpy between the sequence loads would be a data race.
 *
 *	writer                                 reader
 *	s = seq (relaxed; sole writer)         s1 = seq            (acquire)  [S3]
 *	seq = s + 1 (relaxed)                  words (relaxed)
 *	fence(release)                 [S1]    fence(acquire)                 [S4]
 *	words (relaxed)                        s2 = seq            (relaxed)
 *	seq = s + 2 (release)          [S2]    ok iff s1 == s2 and s1 even
 *
 * S1 pairs with S4: if the reader's payload loads saw any store made after
 * the odd store, the acquire fence makes the odd (or a later) seq visible
 * to its re-load, so s2 != s1.  S2 pairs with S3: a reader that sees the
 * even s + 2 sees every payload word of that write.
 *
 * The atomics are GCC/Clang __atomic builtins on plain uint64_t (the same
 * operations as C11 <stdatomic.h>, but usable on shared-memory layouts
 * declared as plain integers and from C++).  Words must be 8-byte aligned.
 */
#ifndef OSE_SHM_SEQLOCK_H
#define OSE_SHM_SEQLOCK_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ThreadSanitizer does not model atomic_thread_fence (GCC warns -Wtsan).
 * Under TSan only, the two fences are dropped and the payload words use
 * release stores / acquire loads instead, which give the same guarantees
 * (an acquire load of a word written after the odd seq orders the re-load
 * of seq after it and sees seq odd or newer) at a cost TSan builds do not
 * care about.  Normal builds use the fence form described above.
 */
#if defined(__SANITIZE_THREAD__)
#define OSE_SHM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OSE_SHM_TSAN 1
#endif
#endif
#ifdef OSE_SHM_TSAN
#define OSE_SHM_WORD_STORE __ATOMIC_RELEASE
#define OSE_SHM_WORD_LOAD __ATOMIC_ACQUIRE
#define ose_shm_fence_release() ((void)0)
#define ose_shm_fence_acquire() ((void)0)
#else
#define OSE_SHM_WORD_STORE __ATOMIC_RELAXED
#define OSE_SHM_WORD_LOAD __ATOMIC_RELAXED
#define ose_shm_fence_release() __atomic_thread_fence(__ATOMIC_RELEASE)
#define ose_shm_fence_acquire() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

/* Writer: mark the record as being written (seq becomes odd). */
static inline void ose_seqlock_write_begin(uint64_t *seq)
{
	/* Relaxed is enough: only this thread writes seq. */
	uint64_t s = __atomic_load_n(seq, __ATOMIC_RELAXED);

	__atomic_store_n(seq, s + 1, __ATOMIC_RELAXED);
	/* S1: orders the odd seq before the payload stores that follow;
	 * pairs with the reader's acquire fence at S4. */
	ose_shm_fence_release();
}

/* Writer: publish the record (seq becomes even again). */
static inline void ose_seqlock_write_end(uint64_t *seq)
{
	uint64_t s = __atomic_load_n(seq, __ATOMIC_RELAXED);

	/* S2: release publishes the payload stores; pairs with the reader's
	 * acquire load at S3. */
	__atomic_store_n(seq, s + 1, __ATOMIC_RELEASE);
}

/* Writer: payload stores, between write_begin and write_end.  Unrolled
 * where nwords is a constant (the engine's slot publish, 45 words): as a
 * loop each word cost ~5 instructions. */
static inline void ose_seqlock_store_words(uint64_t *dst, const uint64_t *src, size_t nwords)
{
#pragma GCC unroll 48
	for (size_t i = 0; i < nwords; i++)
		__atomic_store_n(&dst[i], src[i], OSE_SHM_WORD_STORE);
}

/* Writer: the whole update. */
static inline void ose_seqlock_write(uint64_t *seq, uint64_t *dst, const uint64_t *src,
				     size_t nwords)
{
	ose_seqlock_write_begin(seq);
	ose_seqlock_store_words(dst, src, nwords);
	ose_seqlock_write_end(seq);
}

/* Reader: start; returns the sequence to pass to read_retry.  May be odd
 * (a write in progress), in which case read_retry will say "retry". */
static inline uint64_t ose_seqlock_read_begin(const uint64_t *seq)
{
	/* S3: pairs with the writer's release store at S2. */
	return __atomic_load_n(seq, __ATOMIC_ACQUIRE);
}

/* Reader: payload loads into a private buffer. */
static inline void ose_seqlock_load_words(uint64_t *dst, const uint64_t *src, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++)
		dst[i] = __atomic_load_n(&src[i], OSE_SHM_WORD_LOAD);
}

/* Reader: 1 if the copy taken since read_begin returned s is torn or was
 * taken during a write (retry), 0 if it is a consistent snapshot. */
static inline int ose_seqlock_read_retry(const uint64_t *seq, uint64_t s)
{
	/* S4: orders the payload loads before the re-load of seq; pairs with
	 * the writer's release fence at S1. */
	ose_shm_fence_acquire();
	/* Relaxed: the fence above already orders this load after the
	 * payload loads. */
	return (s & 1) || __atomic_load_n(seq, __ATOMIC_RELAXED) != s;
}

/* Reader: one attempt.  Returns 0 and a consistent copy in dst, or
 * -EAGAIN (dst then holds garbage) if a write was in progress or raced. */
static inline int ose_seqlock_try_read(const uint64_t *seq, const uint64_t *src, uint64_t *dst,
				       size_t nwords)
{
	uint64_t s = ose_seqlock_read_begin(seq);

	if (s & 1)
		return -EAGAIN;
	ose_seqlock_load_words(dst, src, nwords);
	return ose_seqlock_read_retry(seq, s) ? -EAGAIN : 0;
}

/* Reader: retries until consistent, at most max_tries times (0 = no bound;
 * the writer holds a slot for a few ns, so it ends).  Returns the sequence
 * value read (even, > 0 once written) or -EAGAIN (as int64) when max_tries
 * ran out. */
static inline int64_t ose_seqlock_read(const uint64_t *seq, const uint64_t *src, uint64_t *dst,
				       size_t nwords, uint32_t max_tries)
{
	for (uint32_t n = 0; max_tries == 0 || n < max_tries; n++) {
		uint64_t s = ose_seqlock_read_begin(seq);

		if (s & 1) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
			continue;
		}
		ose_seqlock_load_words(dst, src, nwords);
		if (!ose_seqlock_read_retry(seq, s))
			return (int64_t)s;
	}
	return -EAGAIN;
}

#ifdef __cplusplus
}
#endif

#endif /* OSE_SHM_SEQLOCK_H */
