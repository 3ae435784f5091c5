/*
 * session_table.h: the session table, laid out in one block of shared
 * memory by offsets (children may map it at different addresses).
 *
 * Plain C and POSIX threads, no httpd or APR: the unit tests drive it in
 * an anonymous mapping shared by forked processes, as httpd's children do.
 *
 * - Lookup by id is O(1): a hash of chains, linked by slot number.
 * - A second hash of chains by user name makes a user's sessions cost
 *   O(that user's sessions): the per-user cap, destroy and listing.
 * - A doubly linked LRU list, by slot number, gives the eviction order.
 * - One process-shared, robust mutex guards the table; it is held only to
 *   copy a record in or out.  A process that dies holding it leaves the
 *   next locker EOWNERDEAD, which rebuilds every link from the slots
 *   themselves (st_repair) before going on: nothing wedges.
 */
#ifndef SESSION_TABLE_H
#define SESSION_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define ST_ID_LEN    32   /* session ids are 32 base64url characters */
#define ST_USER_MAX  96   /* user name, NUL included */
#define ST_ADDR_MAX  48   /* client address at login, NUL included */
#define ST_REALM_LEN 16   /* who may accept a session: bytes the caller
                             derives (a truncated SHA-256 of the realm) */
#define ST_CAPACITY_MAX (64u * 1024 * 1024)  /* on 64-bit builds */

/* A session as callers see it: a copy, never a pointer into the table. */
typedef struct st_session {
    char     id[ST_ID_LEN + 1];
    char     user[ST_USER_MAX];
    char     remote[ST_ADDR_MAX];
    int64_t  created;       /* microseconds since the epoch */
    int64_t  last_access;   /* microseconds since the epoch */
    uint32_t idle_timeout;  /* seconds, 0 = none */
    uint32_t max_age;       /* seconds, 0 = none */
    unsigned char realm[ST_REALM_LEN];
} st_session_t;

typedef struct st_stats {
    uint64_t creates;
    uint64_t lookups;
    uint64_t hits;
    uint64_t misses;
    uint64_t expired;       /* reclaimed because idle or too old */
    uint64_t evictions;     /* live sessions dropped to make room */
    uint64_t destroys;      /* logouts */
    uint64_t login_failures;
    uint64_t repairs;       /* times a dead lock holder was cleaned up */
    uint32_t capacity;
    uint32_t used;
} st_stats_t;

typedef enum {
    ST_OK = 0,
    ST_NOT_FOUND,
    ST_EXPIRED,     /* found, but idle or too old: removed */
    ST_EXISTS,      /* create: that id is taken */
    ST_FULL,        /* create with refuse_when_full: no free slot */
    ST_INVALID,     /* bad argument: id or user too long, not an id */
    ST_OTHER_REALM, /* lookup: found, but made for another realm; not
                       touched */
    ST_ERROR        /* the lock failed; callers must fail closed */
} st_status_t;

typedef struct st_table_hdr st_table_hdr_t;

/* A process-local handle: pointers derived from the base address. */
typedef struct st_table {
    st_table_hdr_t *hdr;
    uint32_t       *buckets;
    uint32_t       *ubuckets;
    struct st_slot *slots;
} st_table_t;

/* What a create had to do to make room, for the caller's log. */
typedef struct st_create_info {
    int  evicted;                /* 1 if a live session was dropped */
    char evicted_user[ST_USER_MAX];
    int  reclaimed;              /* expired sessions freed on the way */
    int  capped;                 /* the user's own sessions ended to keep
                                    it within max_per_user */
} st_create_info_t;

/* How a create may make room, and who hears of what it ended. */
typedef struct st_create_opts {
    int      refuse_when_full;   /* full: ST_FULL rather than evict */
    uint32_t max_per_user;       /* 0: no cap */
    /* Called, lock held, with the id of each live session the create ends
     * (an eviction, the cap; not expired ones): copy it, nothing more.
     * May be NULL. */
    void   (*ended)(void *ctx, const char *id);
    void    *ended_ctx;
} st_create_opts_t;

/* Bytes of shared memory for capacity sessions; 0 above
 * st_max_capacity(). */
size_t st_table_size(uint32_t capacity);

/* The largest capacity this build can address: ST_CAPACITY_MAX on 64-bit
 * builds, less on 32-bit ones. */
uint32_t st_max_capacity(void);

/* Lay out a new table in mem (st_table_size(capacity) bytes).  seed keys
 * the hash.  Returns 0, or an errno value from the mutex set-up. */
int st_table_init(st_table_t *t, void *mem, size_t size, uint32_t capacity,
                  uint64_t seed);

/* Find the table already laid out in mem (e.g. after a restart).  Returns
 * 0, or -1 when mem does not hold a table of this version and size. */
int st_table_attach(st_table_t *t, void *mem, size_t size);

uint32_t st_table_capacity(const st_table_t *t);

/* Store s (all fields are the caller's: id, times, limits).  When the
 * table is full the least recently used session is evicted, or, with
 * refuse_when_full, ST_FULL is returned and nothing changes.  info may be
 * NULL. */
st_status_t st_create(st_table_t *t, const st_session_t *s, int64_t now,
                      int refuse_when_full, st_create_info_t *info);

/* st_create with every option.  With max_per_user, the user's expired
 * sessions go first, then its least recently used ones until it holds
 * fewer than max_per_user: never another user's (unless the table is
 * still full, when the LRU rule above applies). */
st_status_t st_create_with(st_table_t *t, const st_session_t *s,
                           int64_t now, const st_create_opts_t *opts,
                           st_create_info_t *info);

/* Find id.  With realm (ST_REALM_LEN bytes; NULL accepts any), a session
 * of another realm is ST_OTHER_REALM and left as it is: only a lookup that
 * succeeds may touch a session.  A live session is copied to out (may be
 * NULL) and, with touch, its last access set to now and moved to the head
 * of the LRU list. */
st_status_t st_lookup(st_table_t *t, const char *id,
                      const unsigned char *realm, int64_t now, int touch,
                      st_session_t *out);

/* Start fetching the memory a lookup of id (ST_ID_LEN characters, need not
 * be valid or NUL-terminated) will read, so that the cache misses of a
 * large table overlap other work (the signature check).  A hint only. */
void st_prefetch(st_table_t *t, const char *id);

st_status_t st_destroy(st_table_t *t, const char *id);

/* Destroy every session of user; returns how many, or -1 on lock error.
 * O(that user's sessions). */
long st_destroy_user(st_table_t *t, const char *user);

/* The same for the sessions of user created at or before before (a
 * revocation replayed from the journal spares later logins). */
long st_destroy_user_before(st_table_t *t, const char *user, int64_t before);

/* Call fn on a copy of every live session of user (copied under one hold
 * of the lock, called back without it); fn returns non-zero to stop.
 * Returns the number visited, or -1 on lock error or out of memory. */
long st_foreach_user(st_table_t *t, const char *user, int64_t now,
                     int (*fn)(void *ctx, const st_session_t *s), void *ctx);

/* Count a failed login (kept here so every child sees one number). */
void st_note_login_failure(st_table_t *t);

int st_stats(st_table_t *t, st_stats_t *out);

/* Call fn on a copy of every live session, in slot order, the lock held
 * only to copy each one.  fn returns non-zero to stop.
 * Returns the number visited, or -1 on lock error. */
long st_foreach(st_table_t *t, int64_t now,
                int (*fn)(void *ctx, const st_session_t *s), void *ctx);

/* Walk the whole table and check every invariant: chains, LRU links both
 * ways, counts, free list.  Returns 0, or -1 with a reason in err. */
int st_check(st_table_t *t, char *err, size_t errlen);

/* st_check paced for requests: the walk holds the lock throughout (at 1M
 * sessions every lookup waits behind it), so after a walk of d the next
 * one may start ST_CHECK_PACE * d later: the lock is held by checks at
 * most about 1 / (ST_CHECK_PACE + 1) of the time (checks that arrive at
 * the same moment each run).
 * Returns st_check's answer, or 1 with *retry_after (seconds) and a
 * reason in err when it is not time yet. */
#define ST_CHECK_PACE 20
int st_check_paced(st_table_t *t, char *err, size_t errlen,
                   int64_t *retry_after);

/* 1 if id is ST_ID_LEN base64url characters and a NUL. */
int st_id_valid(const char *id);

/* 1 if the record is past its idle timeout or maximum age at now. */
int st_session_expired(const st_session_t *s, int64_t now);

/* A status's name for logs and diagnostics; clients are told
 * session_store_reason()'s words. */
const char *st_status_reason(st_status_t st);

#endif
