/*
 * session_table.c: the shared-memory session table.
 *
 * Layout of the block, all by offset from its start:
 *   st_table_hdr_t | uint32_t buckets[nbuckets] | st_slot slots[capacity]
 * Every link is a slot number; ST_NIL ends a list.
 */
#include "session_table.h"
#include "robust_mutex.h"
#include "shm_layout.h"
#include "syntax.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST_MAGIC    0x53494f53u  /* "SIOS" */
#define ST_VERSION  3u
#define ST_NIL      UINT32_MAX

enum { SLOT_FREE = 0, SLOT_USED = 1 };

struct st_slot {
    char     id[ST_ID_LEN];         /* not NUL-terminated */
    char     user[ST_USER_MAX];
    char     remote[ST_ADDR_MAX];
    int64_t  created;
    int64_t  last_access;
    uint32_t idle_timeout;
    uint32_t max_age;
    uint32_t hash;
    uint32_t hnext;                 /* next in bucket chain, or free list */
    uint32_t lprev;                 /* LRU: towards the head (newer) */
    uint32_t lnext;                 /* LRU: towards the tail (older) */
    uint32_t state;
    unsigned char realm[ST_REALM_LEN];
};

struct st_table_hdr {
    uint32_t        magic;
    uint32_t        version;
    uint32_t        capacity;
    uint32_t        nbuckets;       /* a power of two */
    uint64_t        size;
    uint64_t        seed;
    uint64_t        buckets_off;
    uint64_t        slots_off;
    pthread_mutex_t lock;
    uint32_t        free_head;
    uint32_t        lru_head;       /* most recently used */
    uint32_t        lru_tail;       /* least recently used */
    uint32_t        used;
    st_stats_t      stats;
};

static uint32_t buckets_for(uint32_t capacity)
{
    return shm_pow2(capacity, 16, 1u << 31);
}

size_t st_table_size(uint32_t capacity)
{
    return shm_align(sizeof(st_table_hdr_t))
         + shm_align((size_t)buckets_for(capacity) * sizeof(uint32_t))
         + (size_t)capacity * sizeof(struct st_slot);
}

static void set_pointers(st_table_t *t, void *mem)
{
    t->hdr = mem;
    t->buckets = (uint32_t *)((char *)mem + t->hdr->buckets_off);
    t->slots = (struct st_slot *)((char *)mem + t->hdr->slots_off);
}

/* Ids are random and signed: the seeded FNV-1a only has to spread them. */
static uint32_t id_hash(uint64_t seed, const char *id)
{
    uint64_t h = shm_fnv1a(seed, id, ST_ID_LEN);
    return (uint32_t)(h ^ (h >> 32));
}

int st_table_init(st_table_t *t, void *mem, size_t size, uint32_t capacity,
                  uint64_t seed)
{
    st_table_hdr_t *h = mem;
    uint32_t i;
    int rv;

    if (capacity == 0 || size < st_table_size(capacity)) {
        return EINVAL;
    }
    memset(h, 0, sizeof(*h));
    h->capacity = capacity;
    h->nbuckets = buckets_for(capacity);
    h->size = size;
    h->seed = seed;
    h->buckets_off = shm_align(sizeof(st_table_hdr_t));
    h->slots_off = h->buckets_off
                 + shm_align((size_t)h->nbuckets * sizeof(uint32_t));

    if ((rv = robust_mutex_init(&h->lock)) != 0) {
        return rv;
    }
    set_pointers(t, mem);
    for (i = 0; i < h->nbuckets; i++) {
        t->buckets[i] = ST_NIL;
    }
    for (i = 0; i < capacity; i++) {
        memset(&t->slots[i], 0, sizeof(t->slots[i]));
        t->slots[i].state = SLOT_FREE;
        t->slots[i].hnext = (i + 1 < capacity) ? i + 1 : ST_NIL;
        t->slots[i].lprev = t->slots[i].lnext = ST_NIL;
    }
    h->free_head = 0;
    h->lru_head = h->lru_tail = ST_NIL;
    h->stats.capacity = capacity;
    /* Written last: a block is a table only once all of it is. */
    h->version = ST_VERSION;
    h->magic = ST_MAGIC;
    return 0;
}

int st_table_attach(st_table_t *t, void *mem, size_t size)
{
    st_table_hdr_t *h = mem;

    if (size < sizeof(*h) || h->magic != ST_MAGIC
        || h->version != ST_VERSION || h->size != size
        || size < st_table_size(h->capacity)) {
        return -1;
    }
    set_pointers(t, mem);
    return 0;
}

uint32_t st_table_capacity(const st_table_t *t)
{
    return t->hdr->capacity;
}

/* ST_ID_LEN base64url characters, not necessarily NUL-terminated. */
static int id_chars_ok(const char *id)
{
    return sx_is_base64url(id, ST_ID_LEN);
}

int st_id_valid(const char *id)
{
    /* strnlen first: a caller's string may end (NUL) before ST_ID_LEN. */
    return strnlen(id, ST_ID_LEN + 1) == ST_ID_LEN && id_chars_ok(id);
}

/* ---- links (lock held) ---- */

static void lru_unlink(st_table_t *t, uint32_t i)
{
    struct st_slot *s = &t->slots[i];

    if (s->lprev != ST_NIL) t->slots[s->lprev].lnext = s->lnext;
    else t->hdr->lru_head = s->lnext;
    if (s->lnext != ST_NIL) t->slots[s->lnext].lprev = s->lprev;
    else t->hdr->lru_tail = s->lprev;
    s->lprev = s->lnext = ST_NIL;
}

static void lru_push_head(st_table_t *t, uint32_t i)
{
    struct st_slot *s = &t->slots[i];

    s->lprev = ST_NIL;
    s->lnext = t->hdr->lru_head;
    if (s->lnext != ST_NIL) t->slots[s->lnext].lprev = i;
    else t->hdr->lru_tail = i;
    t->hdr->lru_head = i;
}

static void chain_unlink(st_table_t *t, uint32_t i)
{
    uint32_t *link = &t->buckets[t->slots[i].hash & (t->hdr->nbuckets - 1)];
    uint32_t guard = t->hdr->capacity;

    while (*link != ST_NIL && guard--) {
        if (*link == i) {
            *link = t->slots[i].hnext;
            return;
        }
        link = &t->slots[*link].hnext;
    }
}

static uint32_t chain_find(st_table_t *t, const char *id, uint32_t hash)
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

/* Unlink a used slot from everything and give it back. */
static void slot_release(st_table_t *t, uint32_t i)
{
    struct st_slot *s = &t->slots[i];

    chain_unlink(t, i);
    lru_unlink(t, i);
    s->state = SLOT_FREE;
    s->hnext = t->hdr->free_head;
    t->hdr->free_head = i;
    t->hdr->used--;
}

static int slot_expired(const struct st_slot *s, int64_t now)
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

int st_session_expired(const st_session_t *s, int64_t now)
{
    struct st_slot tmp;
    tmp.idle_timeout = s->idle_timeout;
    tmp.max_age = s->max_age;
    tmp.created = s->created;
    tmp.last_access = s->last_access;
    return slot_expired(&tmp, now);
}

static void slot_copy_out(const struct st_slot *s, st_session_t *out)
{
    memcpy(out->id, s->id, ST_ID_LEN);
    out->id[ST_ID_LEN] = '\0';
    memcpy(out->user, s->user, ST_USER_MAX);
    out->user[ST_USER_MAX - 1] = '\0';
    memcpy(out->remote, s->remote, ST_ADDR_MAX);
    out->remote[ST_ADDR_MAX - 1] = '\0';
    out->created = s->created;
    out->last_access = s->last_access;
    out->idle_timeout = s->idle_timeout;
    out->max_age = s->max_age;
    memcpy(out->realm, s->realm, ST_REALM_LEN);
}

/* ---- repair after a lock holder died ---- */

struct lru_key {
    int64_t  last_access;
    uint32_t slot;
};

static int lru_key_newest_first(const void *a, const void *b)
{
    int64_t x = ((const struct lru_key *)a)->last_access;
    int64_t y = ((const struct lru_key *)b)->last_access;
    return (x < y) - (x > y);
}

/* Rebuild chains, LRU and free list from the slots alone.  A slot counts
 * as used only when marked so and holding a well-formed id, since the
 * dead process may have been half-way through filling it. */
static void st_repair(st_table_t *t)
{
    st_table_hdr_t *h = t->hdr;
    struct lru_key *order = malloc((size_t)h->capacity * sizeof(*order));
    uint32_t i, n = 0;

    for (i = 0; i < h->nbuckets; i++) {
        t->buckets[i] = ST_NIL;
    }
    h->free_head = ST_NIL;
    h->lru_head = h->lru_tail = ST_NIL;
    h->used = 0;

    for (i = h->capacity; i-- > 0;) {
        struct st_slot *s = &t->slots[i];
        int ok = s->state == SLOT_USED && id_chars_ok(s->id);

        s->lprev = s->lnext = ST_NIL;
        if (ok && chain_find(t, s->id, id_hash(h->seed, s->id)) != ST_NIL) {
            ok = 0;   /* a duplicate id from a create cut short */
        }
        if (!ok) {
            s->state = SLOT_FREE;
            s->hnext = h->free_head;
            h->free_head = i;
            continue;
        }
        s->user[ST_USER_MAX - 1] = '\0';
        s->remote[ST_ADDR_MAX - 1] = '\0';
        s->hash = id_hash(h->seed, s->id);
        s->hnext = t->buckets[s->hash & (h->nbuckets - 1)];
        t->buckets[s->hash & (h->nbuckets - 1)] = i;
        h->used++;
        if (order) {
            order[n].last_access = s->last_access;
            order[n++].slot = i;
        }
        else {
            lru_push_head(t, i);
        }
    }
    if (order) {
        /* Most recent first, then pushed to the tail one by one. */
        qsort(order, n, sizeof(*order), lru_key_newest_first);
        for (i = 0; i < n; i++) {
            uint32_t j = order[i].slot;
            t->slots[j].lprev = h->lru_tail;
            t->slots[j].lnext = ST_NIL;
            if (h->lru_tail != ST_NIL) t->slots[h->lru_tail].lnext = j;
            else h->lru_head = j;
            h->lru_tail = j;
        }
        free(order);
    }
    h->stats.repairs++;
}

static void repair_cb(void *t)
{
    st_repair(t);
}

static int table_lock(st_table_t *t)
{
    return robust_mutex_lock(&t->hdr->lock, repair_cb, t);
}

static void table_unlock(st_table_t *t)
{
    pthread_mutex_unlock(&t->hdr->lock);
}

/* ---- operations ---- */

/* A few expired sessions from the tail on each create keep "used" honest
 * without a sweeper process. */
#define RECLAIM_PER_CREATE 4

st_status_t st_create(st_table_t *t, const st_session_t *in, int64_t now,
                      int refuse_when_full, st_create_info_t *info)
{
    st_table_hdr_t *h = t->hdr;
    struct st_slot *s;
    uint32_t i, hash;
    int k;

    if (info) {
        memset(info, 0, sizeof(*info));
    }
    if (!st_id_valid(in->id) || memchr(in->user, '\0', ST_USER_MAX) == NULL
        || memchr(in->remote, '\0', ST_ADDR_MAX) == NULL) {
        return ST_INVALID;
    }
    hash = id_hash(h->seed, in->id);
    if (table_lock(t) != 0) {
        return ST_ERROR;
    }
    if (chain_find(t, in->id, hash) != ST_NIL) {
        table_unlock(t);
        return ST_EXISTS;
    }
    for (k = 0; k < RECLAIM_PER_CREATE && h->lru_tail != ST_NIL
                && slot_expired(&t->slots[h->lru_tail], now); k++) {
        slot_release(t, h->lru_tail);
        h->stats.expired++;
        if (info) info->reclaimed++;
    }
    if (h->free_head == ST_NIL) {
        if (refuse_when_full) {
            table_unlock(t);
            return ST_FULL;
        }
        i = h->lru_tail;
        if (info) {
            info->evicted = 1;
            memcpy(info->evicted_user, t->slots[i].user, ST_USER_MAX);
        }
        slot_release(t, i);
        h->stats.evictions++;
    }
    i = h->free_head;
    s = &t->slots[i];
    h->free_head = s->hnext;

    memcpy(s->id, in->id, ST_ID_LEN);
    memcpy(s->user, in->user, ST_USER_MAX);
    memcpy(s->remote, in->remote, ST_ADDR_MAX);
    s->created = in->created;
    s->last_access = in->last_access;
    s->idle_timeout = in->idle_timeout;
    s->max_age = in->max_age;
    memcpy(s->realm, in->realm, ST_REALM_LEN);
    s->hash = hash;
    s->state = SLOT_USED;

    s->hnext = t->buckets[hash & (h->nbuckets - 1)];
    t->buckets[hash & (h->nbuckets - 1)] = i;
    lru_push_head(t, i);
    h->used++;
    h->stats.creates++;
    table_unlock(t);
    return ST_OK;
}

st_status_t st_lookup(st_table_t *t, const char *id,
                      const unsigned char *realm, int64_t now, int touch,
                      st_session_t *out)
{
    st_table_hdr_t *h = t->hdr;
    uint32_t i, hash;

    if (!st_id_valid(id)) {
        return ST_INVALID;
    }
    hash = id_hash(h->seed, id);
    if (table_lock(t) != 0) {
        return ST_ERROR;
    }
    h->stats.lookups++;
    i = chain_find(t, id, hash);
    if (i == ST_NIL) {
        h->stats.misses++;
        table_unlock(t);
        return ST_NOT_FOUND;
    }
    if (slot_expired(&t->slots[i], now)) {
        slot_release(t, i);
        h->stats.expired++;
        h->stats.misses++;
        table_unlock(t);
        return ST_EXPIRED;
    }
    if (realm && memcmp(t->slots[i].realm, realm, ST_REALM_LEN) != 0) {
        h->stats.misses++;
        table_unlock(t);
        return ST_OTHER_REALM;
    }
    if (touch) {
        t->slots[i].last_access = now;
    }
    /* Strict LRU costs two more slot writes (the neighbours), each a cache
     * miss in a large table; a lazier order (second chance) would let a
     * session used long ago outlive one created a second ago.  Their
     * fetches are started here and overlap the copy. */
    if (touch && h->lru_head != i) {
        struct st_slot *s = &t->slots[i];
        if (s->lprev != ST_NIL) {
            __builtin_prefetch(&t->slots[s->lprev].lnext, 1);
        }
        if (s->lnext != ST_NIL) {
            __builtin_prefetch(&t->slots[s->lnext].lprev, 1);
        }
    }
    if (out) {
        slot_copy_out(&t->slots[i], out);
    }
    if (touch && h->lru_head != i) {
        lru_unlink(t, i);
        lru_push_head(t, i);
    }
    h->stats.hits++;
    table_unlock(t);
    return ST_OK;
}

void st_prefetch(st_table_t *t, const char *id)
{
    uint32_t hash = id_hash(t->hdr->seed, id);
    /* Read without the lock on purpose: the value only aims a prefetch,
     * and st_lookup reads it again under the lock. */
    uint32_t i = __atomic_load_n(&t->buckets[hash & (t->hdr->nbuckets - 1)],
                                 __ATOMIC_RELAXED);

    if (i < t->hdr->capacity) {
        __builtin_prefetch(&t->slots[i]);
    }
}

st_status_t st_destroy(st_table_t *t, const char *id)
{
    uint32_t i, hash;

    if (!st_id_valid(id)) {
        return ST_INVALID;
    }
    hash = id_hash(t->hdr->seed, id);
    if (table_lock(t) != 0) {
        return ST_ERROR;
    }
    i = chain_find(t, id, hash);
    if (i == ST_NIL) {
        table_unlock(t);
        return ST_NOT_FOUND;
    }
    slot_release(t, i);
    t->hdr->stats.destroys++;
    table_unlock(t);
    return ST_OK;
}

long st_destroy_user(st_table_t *t, const char *user)
{
    uint32_t i;
    long n = 0;

    if (table_lock(t) != 0) {
        return -1;
    }
    /* A full scan: logging a user out everywhere is rare, and a second
     * index by user would cost every login and 8 bytes a session. */
    for (i = 0; i < t->hdr->capacity; i++) {
        struct st_slot *s = &t->slots[i];
        if (s->state == SLOT_USED
            && strncmp(s->user, user, ST_USER_MAX) == 0) {
            slot_release(t, i);
            t->hdr->stats.destroys++;
            n++;
        }
    }
    table_unlock(t);
    return n;
}

void st_note_login_failure(st_table_t *t)
{
    if (table_lock(t) == 0) {
        t->hdr->stats.login_failures++;
        table_unlock(t);
    }
}

int st_stats(st_table_t *t, st_stats_t *out)
{
    if (table_lock(t) != 0) {
        return -1;
    }
    *out = t->hdr->stats;
    out->capacity = t->hdr->capacity;
    out->used = t->hdr->used;
    table_unlock(t);
    return 0;
}

long st_foreach(st_table_t *t, int64_t now,
                int (*fn)(void *ctx, const st_session_t *s), void *ctx)
{
    uint32_t i;
    long n = 0;

    /* By slot number rather than by LRU link, so that the lock can be
     * dropped between records while others change the list. */
    for (i = 0; i < t->hdr->capacity; i++) {
        st_session_t copy;
        int live;

        if (table_lock(t) != 0) {
            return -1;
        }
        live = t->slots[i].state == SLOT_USED
               && !slot_expired(&t->slots[i], now);
        if (live) {
            slot_copy_out(&t->slots[i], &copy);
        }
        table_unlock(t);
        if (live) {
            n++;
            if (fn(ctx, &copy) != 0) {
                break;
            }
        }
    }
    return n;
}

int st_check(st_table_t *t, char *err, size_t errlen)
{
    st_table_hdr_t *h = t->hdr;
    uint32_t i, n, prev, used = 0, in_chains = 0, nfree = 0;
    unsigned char *seen;
    int rv = -1;

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)
    if (table_lock(t) != 0) {
        snprintf(err, errlen, "lock failed");
        return -1;
    }
    seen = calloc(h->capacity, 1);
    if (seen == NULL) {
        table_unlock(t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (i = 0; i < h->capacity; i++) {
        if (t->slots[i].state == SLOT_USED) used++;
        else if (t->slots[i].state != SLOT_FREE)
            FAIL("slot %u has state %u", i, t->slots[i].state);
    }
    if (used != h->used)
        FAIL("%u slots used, header says %u", used, h->used);
    for (n = 0; n < h->nbuckets; n++) {
        for (i = t->buckets[n]; i != ST_NIL; i = t->slots[i].hnext) {
            if (i >= h->capacity) FAIL("chain %u points at %u", n, i);
            if (seen[i]) FAIL("slot %u reached twice through chains", i);
            seen[i] = 1;
            if (t->slots[i].state != SLOT_USED)
                FAIL("free slot %u in chain %u", i, n);
            if ((t->slots[i].hash & (h->nbuckets - 1)) != n
                || t->slots[i].hash != id_hash(h->seed, t->slots[i].id))
                FAIL("slot %u in the wrong chain", i);
            in_chains++;
        }
    }
    if (in_chains != used)
        FAIL("%u slots in chains, %u used", in_chains, used);
    prev = ST_NIL;
    n = 0;
    for (i = h->lru_head; i != ST_NIL; i = t->slots[i].lnext) {
        if (i >= h->capacity || ++n > used) FAIL("LRU list runs past %u", used);
        if (t->slots[i].lprev != prev) FAIL("LRU back link broken at %u", i);
        if (seen[i] != 1) FAIL("slot %u in LRU but not in a chain", i);
        seen[i] = 2;
        prev = i;
    }
    if (n != used || h->lru_tail != prev)
        FAIL("LRU holds %u of %u, tail %u", n, used, h->lru_tail);
    for (i = h->free_head; i != ST_NIL; i = t->slots[i].hnext) {
        if (i >= h->capacity || ++nfree > h->capacity - used)
            FAIL("free list runs past %u", h->capacity - used);
        if (t->slots[i].state != SLOT_FREE || seen[i])
            FAIL("slot %u on the free list is in use", i);
        seen[i] = 3;
    }
    if (nfree != h->capacity - used)
        FAIL("free list holds %u, expected %u", nfree, h->capacity - used);
    rv = 0;
out:
    free(seen);
    table_unlock(t);
    return rv;
#undef FAIL
}

const char *st_status_reason(st_status_t st)
{
    switch (st) {
    case ST_OK:        return "ok";
    case ST_NOT_FOUND: return "not found";
    case ST_EXPIRED:   return "expired";
    case ST_EXISTS:    return "id taken";
    case ST_FULL:      return "full";
    case ST_INVALID:   return "invalid id, user or address";
    case ST_OTHER_REALM: return "another realm's";
    case ST_ERROR:     return "lock failed";
    }
    return "unknown";
}
