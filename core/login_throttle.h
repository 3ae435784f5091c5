/*
 * login_throttle.h: counts failed logins per key (a user name, a client
 * address) in a fixed window, in shared memory, so that every child
 * refuses the password check once a key has failed too often.
 *
 * Plain C and POSIX threads, like session_table.h: a block of memory laid
 * out by offsets, one process-shared robust mutex held only to read or bump
 * one counter.  The table is a fixed-size open-addressing hash; when a
 * probe run is full, a free or finished entry gives way, else the oldest
 * one that is not throttled; a run full of throttled keys refuses new ones,
 * so that a flood of junk keys cannot wash a throttled one out.  A caller
 * then falls back to a coarser key (lt_attempt_first), and at last to the
 * table's one slow lane, the key LT_LANE, which always has an entry: a
 * flood makes the throttle coarser, never unavailable.
 */
#ifndef LOGIN_THROTTLE_H
#define LOGIN_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define LT_KEY_MAX 108   /* "u:" or "a:" + user name or address, NUL included */
#define LT_LANE    "*"   /* the slow lane: the key of last resort */

typedef struct lt_table_hdr lt_table_hdr_t;

typedef struct lt_table {
    lt_table_hdr_t       *hdr;
    struct lt_entry      *entries;
} lt_table_t;

typedef struct lt_verdict {
    int      throttled;      /* 1: refuse without checking the password */
    int64_t  retry_after;    /* seconds until the window ends */
    int      first_notice;   /* 1 the first time this window is refused:
                                log it then, and not on every attempt */
} lt_verdict_t;

size_t lt_table_size(uint32_t entries);
int lt_table_init(lt_table_t *t, void *mem, size_t size, uint32_t entries,
                  uint64_t seed);
int lt_table_attach(lt_table_t *t, void *mem, size_t size);

/* One login attempt for key, at most max failures in window seconds (0:
 * no limit, nothing counted).  When key is over its limit, *out says so
 * and nothing is counted; otherwise the attempt is counted as a failure
 * up front, in the same locked step, so that parallel attempts cannot all
 * pass the check before any of them is counted.  A login that then
 * succeeds gives the attempt back (lt_release, or lt_reset).  Returns 0,
 * or -1 when the lock fails or no entry can be given to key without
 * dropping a throttled one (callers then refuse: fail closed). */
int lt_attempt(lt_table_t *t, const char *key, uint32_t max, uint32_t window,
               int64_t now, lt_verdict_t *out);

/* lt_attempt for the first of keys[0..nkeys) that can be given an entry,
 * else for LT_LANE with lane_max; *used is the index of the key counted
 * (nkeys: the lane).  Returns 0, or -1 only when the lock fails. */
int lt_attempt_first(lt_table_t *t, const char *const *keys, int nkeys,
                     uint32_t max, uint32_t lane_max, uint32_t window,
                     int64_t now, lt_verdict_t *out, int *used);

/* One login attempt from a client address: counted against its block
 * (the /48 or /24 around it, limit block_max), then, unless the block is
 * over its limit, against the address itself (limit max); each falls
 * back to the slow lane (limit lane_max) when it finds no room.  So a
 * flood from one block throttles the block before it can fill the table
 * with its addresses.  counted[0] and [1] name the keys whose count went
 * up (block, address; LT_LANE; NULL: none), for lt_release; when
 * throttled, *refused_by names the key that refused.  Returns 0, or -1
 * when the lock fails. */
int lt_attempt_address(lt_table_t *t, const char *addr, const char *block,
                       uint32_t max, uint32_t block_max, uint32_t lane_max,
                       uint32_t window, int64_t now, lt_verdict_t *out,
                       const char *counted[2], const char **refused_by);

/* Give back one attempt of key (it was not a failure). */
int lt_release(lt_table_t *t, const char *key);

/* Forget key's failures (a successful login of that user). */
int lt_reset(lt_table_t *t, const char *key);

#endif
