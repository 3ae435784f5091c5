/*
 * session_table.c: the shared-memory session table.
 *
 * Layout of the block, all by offset from its start:
 *   st_table_hdr_t | uint32_t buckets[nbuckets] | uint32_t ubuckets[nbuckets]
 *   | st_slot slots[capacity]
 * Every link is a slot number; ST_NIL ends a list.  A used slot is on
 * three lists: its id's chain (buckets), its user's chain (ubuckets, so
 * that a user's sessions cost O(that user's sessions), never a scan) and
 * the LRU list.
 *
 * A slot's state is what st_repair trusts after a death: it is published
 * last, with release semantics, when a slot is filled, and first when it
 * is given back, so that a holder killed at any instruction leaves either
 * a complete session or a free slot, never a stale id marked used.
 */
#include "session_table_impl.h"

#include <errno.h>
#include <stdlib.h>

static uint32_t buckets_for(uint32_t capacity)
{
    return shm_pow2(capacity, 16, 1u << 31);
}

size_t st_table_size(uint32_t capacity)
{
    if (capacity > st_max_capacity()) {
        return 0;
    }
    return shm_align(sizeof(st_table_hdr_t))
         + 2 * shm_align((size_t)buckets_for(capacity) * sizeof(uint32_t))
         + (size_t)capacity * sizeof(struct st_slot);
}

uint32_t st_max_capacity(void)
{
    /* What the address space can hold with room for the rest of the
     * process: half of it on a 32-bit build, where the size would
     * otherwise overflow size_t far below UINT32_MAX sessions. */
    size_t room = SIZE_MAX / 2 - (1u << 20);
    size_t per = sizeof(struct st_slot) + 2 * 2 * sizeof(uint32_t);
    uint64_t n = room / per;
    return n > ST_CAPACITY_MAX ? ST_CAPACITY_MAX : (uint32_t)n;
}

static void set_pointers(st_table_t *t, void *mem)
{
    t->hdr = mem;
    t->buckets = (uint32_t *)((char *)mem + t->hdr->buckets_off);
    t->ubuckets = (uint32_t *)((char *)mem + t->hdr->ubuckets_off);
    t->slots = (struct st_slot *)((char *)mem + t->hdr->slots_off);
}

int st_table_init(st_table_t *t, void *mem, size_t size, uint32_t capacity,
                  uint64_t seed)
{
    st_table_hdr_t *h = mem;
    uint32_t i;
    int rv;

    if (capacity == 0 || st_table_size(capacity) == 0
        || size < st_table_size(capacity)) {
        return EINVAL;
    }
    memset(h, 0, sizeof(*h));
    h->capacity = capacity;
    h->nbuckets = buckets_for(capacity);
    h->size = size;
    h->seed = seed;
    h->buckets_off = shm_align(sizeof(st_table_hdr_t));
    h->ubuckets_off = h->buckets_off
                    + shm_align((size_t)h->nbuckets * sizeof(uint32_t));
    h->slots_off = h->ubuckets_off
                 + shm_align((size_t)h->nbuckets * sizeof(uint32_t));

    if ((rv = robust_mutex_init(&h->lock)) != 0) {
        return rv;
    }
    set_pointers(t, mem);
    for (i = 0; i < h->nbuckets; i++) {
        t->buckets[i] = t->ubuckets[i] = ST_NIL;
    }
    for (i = 0; i < capacity; i++) {
        memset(&t->slots[i], 0, sizeof(t->slots[i]));
        t->slots[i].state = SLOT_FREE;
        t->slots[i].hnext = (i + 1 < capacity) ? i + 1 : ST_NIL;
        t->slots[i].lprev = t->slots[i].lnext = ST_NIL;
        t->slots[i].uprev = t->slots[i].unext = ST_NIL;
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
        || st_table_size(h->capacity) == 0
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

static void user_unlink(st_table_t *t, uint32_t i)
{
    struct st_slot *s = &t->slots[i];

    if (s->uprev != ST_NIL) t->slots[s->uprev].unext = s->unext;
    else *user_bucket(t, s->uhash) = s->unext;
    if (s->unext != ST_NIL) t->slots[s->unext].uprev = s->uprev;
    s->uprev = s->unext = ST_NIL;
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

/* Unlink a used slot from everything and give it back.  Free first: a
 * holder killed after this line has ended the session for good. */
static void slot_release(st_table_t *t, uint32_t i)
{
    struct st_slot *s = &t->slots[i];

    set_slot_state(s, SLOT_FREE);
    chain_unlink(t, i);
    user_unlink(t, i);
    lru_unlink(t, i);
    s->hnext = t->hdr->free_head;
    t->hdr->free_head = i;
    t->hdr->used--;
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

/* ---- operations ---- */

/* A few expired sessions from the tail on each create keep "used" honest
 * without a sweeper process. */
#define RECLAIM_PER_CREATE 4

static void note_ended(const st_create_opts_t *opts, const struct st_slot *s)
{
    if (opts->ended) {
        char id[ST_ID_LEN + 1];
        memcpy(id, s->id, ST_ID_LEN);
        id[ST_ID_LEN] = '\0';
        opts->ended(opts->ended_ctx, id);
    }
}

/* Make room for one more session of user within max: its expired
 * sessions go, then its least recently used ones until it holds fewer
 * than max.  O(that user's sessions) for each one ended. */
static void cap_user(st_table_t *t, const char *user, uint32_t uh,
                     const st_create_opts_t *opts, int64_t now,
                     st_create_info_t *info)
{
    for (;;) {
        uint32_t i, guard, victim = ST_NIL, live = 0, expired = ST_NIL;

        FOR_USER_SLOTS(t, user, uh, i, guard) {
            if (slot_expired(&t->slots[i], now)) {
                expired = i;
                break;
            }
            live++;
            if (victim == ST_NIL
                || t->slots[i].lru_seq < t->slots[victim].lru_seq) {
                victim = i;
            }
        }
        if (expired != ST_NIL) {
            slot_release(t, expired);
            t->hdr->stats.expired++;
            if (info) info->reclaimed++;
            continue;
        }
        if (live < opts->max_per_user || victim == ST_NIL) {
            return;
        }
        note_ended(opts, &t->slots[victim]);
        slot_release(t, victim);
        t->hdr->stats.evictions++;
        if (info) info->capped++;
    }
}

st_status_t st_create(st_table_t *t, const st_session_t *in, int64_t now,
                      int refuse_when_full, st_create_info_t *info)
{
    st_create_opts_t opts;

    memset(&opts, 0, sizeof(opts));
    opts.refuse_when_full = refuse_when_full;
    return st_create_with(t, in, now, &opts, info);
}

st_status_t st_create_with(st_table_t *t, const st_session_t *in,
                           int64_t now, const st_create_opts_t *opts,
                           st_create_info_t *info)
{
    st_table_hdr_t *h = t->hdr;
    struct st_slot *s;
    uint32_t i, hash, uh;
    int k;

    if (info) {
        memset(info, 0, sizeof(*info));
    }
    if (!st_id_valid(in->id) || memchr(in->user, '\0', ST_USER_MAX) == NULL
        || memchr(in->remote, '\0', ST_ADDR_MAX) == NULL) {
        return ST_INVALID;
    }
    hash = id_hash(h->seed, in->id);
    uh = user_hash(h->seed, in->user);
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
    if (opts->max_per_user) {
        cap_user(t, in->user, uh, opts, now, info);
    }
    if (h->free_head == ST_NIL) {
        if (opts->refuse_when_full) {
            table_unlock(t);
            return ST_FULL;
        }
        i = h->lru_tail;
        if (info) {
            info->evicted = 1;
            memcpy(info->evicted_user, t->slots[i].user, ST_USER_MAX);
        }
        note_ended(opts, &t->slots[i]);
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
    s->uhash = uh;
    s->hnext = t->buckets[hash & (h->nbuckets - 1)];
    lru_push_head(t, i);
    /* Used from here on: a death before this line leaves a free slot. */
    set_slot_state(s, SLOT_USED);
    t->buckets[hash & (h->nbuckets - 1)] = i;
    user_link(t, i);
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
    return st_destroy_user_before(t, user, INT64_MAX);
}

long st_destroy_user_before(st_table_t *t, const char *user, int64_t before)
{
    uint32_t uh = user_hash(t->hdr->seed, user), i, guard, next;
    long n = 0;

    if (table_lock(t) != 0) {
        return -1;
    }
    for (i = *user_bucket(t, uh), guard = t->hdr->capacity;
         i != ST_NIL && guard--; i = next) {
        struct st_slot *s = &t->slots[i];
        next = s->unext;
        if (s->uhash == uh && strncmp(s->user, user, ST_USER_MAX) == 0
            && s->created <= before) {
            slot_release(t, i);
            t->hdr->stats.destroys++;
            n++;
        }
    }
    table_unlock(t);
    return n;
}

long st_foreach_user(st_table_t *t, const char *user, int64_t now,
                     int (*fn)(void *ctx, const st_session_t *s), void *ctx)
{
    uint32_t uh = user_hash(t->hdr->seed, user), i, guard;
    st_session_t *copies = NULL;
    long n = 0, cap = 0, k;

    if (table_lock(t) != 0) {
        return -1;
    }
    /* Copied under one hold of the lock, called back without it. */
    FOR_USER_SLOTS(t, user, uh, i, guard) {
        if (slot_expired(&t->slots[i], now)) {
            continue;
        }
        if (n == cap) {
            st_session_t *more;
            cap = cap ? 2 * cap : 16;
            more = realloc(copies, (size_t)cap * sizeof(*copies));
            if (!more) {
                table_unlock(t);
                free(copies);
                return -1;
            }
            copies = more;
        }
        slot_copy_out(&t->slots[i], &copies[n++]);
    }
    table_unlock(t);
    for (k = 0; k < n; k++) {
        if (fn(ctx, &copies[k]) != 0) {
            n = k + 1;
            break;
        }
    }
    free(copies);
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
        live = slot_state(&t->slots[i]) == SLOT_USED
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
