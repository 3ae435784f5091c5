/*
 * login_throttle.h: counts failed logins per key (a user name, a client
 * address) in a fixed window, in shared memory, so that every child
 * refuses the password check once a key has failed too often.
 *
 * Plain C and POSIX threads, like session_table.h: a block of memory laid
 * out by offsets, one process-shared robust mutex held only to read or bump
 * one counter.  The table is a fixed-size open-addressing hash; when a
 * probe run is full the entry whose window started longest ago gives way,
 * so memory stays bounded whatever an attacker sends.
 */
#ifndef LOGIN_THROTTLE_H
#define LOGIN_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define LT_KEY_MAX 112   /* "u:" or "a:" + user name or address, NUL included */

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

/* Would key be refused now, with at most max failures in window seconds?
 * max 0 means no limit.  Returns 0, or -1 when the lock fails (callers
 * then refuse: fail closed). */
int lt_check(lt_table_t *t, const char *key, uint32_t max, uint32_t window,
             int64_t now, lt_verdict_t *out);

/* Count one failure of key (a new window starts when the last one ended). */
int lt_fail(lt_table_t *t, const char *key, uint32_t window, int64_t now);

/* Forget key's failures (a successful login of that user). */
int lt_reset(lt_table_t *t, const char *key);

#endif
