/*
 * shm_layout.h: the arithmetic shared by the tables laid out in one block
 * of shared memory (session_table.c, login_throttle.c): alignment, table
 * sizes, and the seeded FNV-1a hash that spreads keys over them.
 *
 * Plain C, header only: every function is small and on a hot path.
 */
#ifndef SHM_LAYOUT_H
#define SHM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* Parts of a block start on a cache line, so that a hot header and the
 * first entries never share one. */
#define SHM_ALIGN 64

static inline size_t shm_align(size_t n)
{
    return (n + SHM_ALIGN - 1) & ~(size_t)(SHM_ALIGN - 1);
}

/* The smallest power of two >= n, at least min and at most max (both
 * powers of two). */
static inline uint32_t shm_pow2(uint32_t n, uint32_t min, uint32_t max)
{
    uint32_t p = min;
    while (p < n && p < max) {
        p <<= 1;
    }
    return p;
}

/* 64-bit FNV-1a over len bytes, its offset basis mixed with seed.  Keys
 * here are random ids or short names: the hash only has to spread them,
 * and a secret seed per table keeps chains unpredictable to clients. */
static inline uint64_t shm_fnv1a(uint64_t seed, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL ^ seed;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

#endif
