/*
 * socket_binding.h: which login session opened each Engine.IO socket, in
 * shared memory, so that every child of httpd refuses a sid presented by
 * anyone else.
 *
 * Plain C and POSIX threads, like login_throttle.h: a block of memory
 * laid out by offsets, one process-shared robust mutex held only to read
 * or write one entry.  A fixed-size open-addressing hash: a sid's entry is
 * in a run of SB_PROBE slots from its hash; a new binding takes a free or
 * expired slot of the run, else the one used least recently (its socket,
 * if still open, is refused at its next request and its client connects
 * again).
 */
#ifndef SOCKET_BINDING_H
#define SOCKET_BINDING_H

#include <stddef.h>
#include <stdint.h>

#define SB_SID_MAX      64      /* = EIO_SID_MAX */
#define SB_USER_MAX     48      /* user name kept, NUL included (for the
                                   refusal's reason only) */
#define SB_MAX_ENTRIES  (1 << 22)

typedef struct sb_table_hdr sb_table_hdr_t;

typedef struct sb_table {
    sb_table_hdr_t       *hdr;
    struct sb_entry      *entries;
} sb_table_t;

/* Who opened a socket: the session decides, by a 64-bit hash of its id
 * keyed with the table's secret seed (ids are random, so no one can pick
 * one whose hash is another's); the user name, cut to SB_USER_MAX - 1
 * bytes, only tells the two refusals apart. */
typedef struct sb_owner {
    uint64_t session;
    char user[SB_USER_MAX];
} sb_owner_t;

/* The owner for a session of t: its id (any length) and its user. */
void sb_owner_set(const sb_table_t *t, sb_owner_t *owner,
                  const char *session_id, size_t id_len, const char *user);

typedef enum {
    SB_MATCH = 0,       /* bound to this owner (bind: now, or before) */
    SB_OTHER_SESSION,   /* bound to another session of the same user */
    SB_OTHER_USER,      /* bound to another user */
    SB_UNKNOWN,         /* no binding (never made, expired, or evicted) */
    SB_ERROR            /* the lock failed, or the sid is not bindable */
} sb_result_t;

size_t sb_table_size(uint32_t entries);
int sb_table_init(sb_table_t *t, void *mem, size_t size, uint32_t entries,
                  uint64_t seed);
int sb_table_attach(sb_table_t *t, void *mem, size_t size);
uint32_t sb_table_entries(const sb_table_t *t);

/* Bind sid (1 to SB_SID_MAX bytes) to owner until now + ttl (both in
 * seconds).  A live binding of the sid is never replaced: the first owner
 * stays (SB_MATCH when it is this one, its expiry renewed; SB_OTHER_* when
 * not). */
sb_result_t sb_bind(sb_table_t *t, const char *sid, size_t sid_len,
                    const sb_owner_t *owner, int64_t now, int64_t ttl);

/* Is sid bound to owner?  On SB_MATCH the binding lives until now + ttl. */
sb_result_t sb_check(sb_table_t *t, const char *sid, size_t sid_len,
                     const sb_owner_t *owner, int64_t now, int64_t ttl);

/* Bindings alive at now (walks the table under the lock): for tests. */
long sb_count(sb_table_t *t, int64_t now);

#endif
