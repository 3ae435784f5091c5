/*
 * session_table_impl.h: the layout of the session table and the small
 * steps its operations (session_table.c) and its repair and check
 * (session_table_check.c) share.  Private to those two files and to the
 * tests and fuzzers that include them.
 */
#ifndef SESSION_TABLE_IMPL_H
#define SESSION_TABLE_IMPL_H

#include "session_table.h"
#include "robust_mutex.h"
#include "shm_layout.h"
#include "syntax.h"

#include <pthread.h>
#include <string.h>

#define ST_MAGIC    0x53494f53u  /* "SIOS" */
#define ST_VERSION  4u
#define ST_NIL      UINT32_MAX

enum { SLOT_FREE = 0, SLOT_USED = 1 };

/* 256 bytes: 1M sessions and both bucket arrays fit in 256 MiB. */
struct st_slot {
    char     id[ST_ID_LEN];         /* not NUL-terminated */
    char     user[ST_USER_MAX];
    char     remote[ST_ADDR_MAX];
    int64_t  created;
    int64_t  last_access;
    uint64_t lru_seq;               /* the LRU list is in falling order of
                                       these: a user's least recently used
                                       session is its smallest */
    uint32_t idle_timeout;
    uint32_t max_age;
    uint32_t hash;
    uint32_t hnext;                 /* next in bucket chain, or free list */
    uint32_t lprev;                 /* LRU: towards the head (newer) */
    uint32_t lnext;                 /* LRU: towards the tail (older) */
    uint32_t uhash;                 /* hash of user */
    uint32_t uprev;                 /* user chain, both ways */
    uint32_t unext;
    uint32_t state;                 /* atomic: published last when a slot
                                       is filled, first when it is freed */
    unsigned char realm[ST_REALM_LEN];
};

_Static_assert(sizeof(struct st_slot) == 256, "a slot is 256 bytes");

struct st_table_hdr {
    uint32_t        magic;
    uint32_t        version;
    uint32_t        capacity;
    uint32_t        nbuckets;       /* a power of two */
    uint64_t        size;
    uint64_t        seed;
    uint64_t        buckets_off;
    uint64_t        ubuckets_off;
    uint64_t        slots_off;
    pthread_mutex_t lock;
    uint32_t        free_head;
    uint32_t        lru_head;       /* most recently used */
    uint32_t        lru_tail;       /* least recently used */
    uint32_t        used;
    uint64_t        lru_clock;      /* the last lru_seq given */
    int64_t         check_not_before; /* st_check_paced (atomic), µs */
    st_stats_t      stats;
};

/* Ids are random and signed: the seeded FNV-1a only has to spread them. */
static inline uint32_t id_hash(uint64_t seed, const char *id)
{
    uint64_t h = shm_fnv1a(seed, id, ST_ID_LEN);
    return (uint32_t)(h ^ (h >> 32));
}

/* User names are chosen by clients, hence the secret seed (another one
 * than the ids'): nobody can aim many names at one chain. */
static inline uint32_t user_hash(uint64_t seed, const char *user)
{
    uint64_t h = shm_fnv1a(seed ^ 0x75736572u /* "user" */, user,
                           strnlen(user, ST_USER_MAX));
    return (uint32_t)(h ^ (h >> 32));
}

static inline uint32_t slot_state(const struct st_slot *s)
{
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
}

/* Release: every store to the slot before it is visible first, so the
 * compiler may not move the state ahead of the copy. */
static inline void set_slot_state(struct st_slot *s, uint32_t state)
{
    __atomic_store_n(&s->state, state, __ATOMIC_RELEASE);
}

/* ST_ID_LEN base64url characters, not necessarily NUL-terminated. */
static inline int id_chars_ok(const char *id)
{
    return sx_is_base64url(id, ST_ID_LEN);
}

static inline int slot_expired(const struct st_slot *s, int64_t now)
{
    if (s->idle_timeout && now - s->last_access
                           > (int64_t)s->idle_timeout * 1000000) {
        return 1;
    }
    if (s->max_age && now - s->created > (int64_t)s->max_age * 1000000) {
        return 1;
    }
    return 0;
}

static inline void lru_push_head(st_table_t *t, uint32_t i)
{
    struct st_slot *s = &t->slots[i];

    s->lru_seq = ++t->hdr->lru_clock;
    s->lprev = ST_NIL;
    s->lnext = t->hdr->lru_head;
    if (s->lnext != ST_NIL) t->slots[s->lnext].lprev = i;
    else t->hdr->lru_tail = i;
    t->hdr->lru_head = i;
}

static inline uint32_t *user_bucket(st_table_t *t, uint32_t uhash)
{
    return &t->ubuckets[uhash & (t->hdr->nbuckets - 1)];
}

static inline void user_link(st_table_t *t, uint32_t i)
{
    struct st_slot *s = &t->slots[i];
    uint32_t *head = user_bucket(t, s->uhash);

    s->uprev = ST_NIL;
    s->unext = *head;
    if (s->unext != ST_NIL) t->slots[s->unext].uprev = i;
    *head = i;
}

/* Walk the used slots of user: the chain of its hash, which other users
 * share only by a hash collision. */
#define FOR_USER_SLOTS(t, user, uh, i, guard)                            \
    for ((i) = *user_bucket((t), (uh)), (guard) = (t)->hdr->capacity;    \
         (i) != ST_NIL && (guard)--; (i) = (t)->slots[i].unext)          \
        if ((t)->slots[i].uhash == (uh)                                  \
            && strncmp((t)->slots[i].user, (user), ST_USER_MAX) == 0)

static inline uint32_t chain_find(st_table_t *t, const char *id, uint32_t hash)
{
    uint32_t i = t->buckets[hash & (t->hdr->nbuckets - 1)];
    uint32_t guard = t->hdr->capacity;

    while (i != ST_NIL && guard--) {
        struct st_slot *s = &t->slots[i];
        if (s->hash == hash && memcmp(s->id, id, ST_ID_LEN) == 0) {
            return i;
        }
        i = s->hnext;
    }
    return ST_NIL;
}

/* Rebuild every link from the slots alone (session_table_check.c): the
 * next locker after a holder died calls it. */
void st_repair(st_table_t *t);

static inline void st_repair_cb(void *t)
{
    st_repair(t);
}

static inline int table_lock(st_table_t *t)
{
    return robust_mutex_lock(&t->hdr->lock, st_repair_cb, t);
}

static inline void table_unlock(st_table_t *t)
{
    pthread_mutex_unlock(&t->hdr->lock);
}

#endif
