/*
 * session_table_check.c: the session table's repair after a lock holder
 * died, and the check of every invariant (tests, fuzzers, and
 * session-store-status?check).
 */
#include "session_table_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* ---- repair after a lock holder died ---- */

struct lru_key {
    uint64_t lru_seq;
    uint32_t slot;
};

static int lru_key_newest_first(const void *a, const void *b)
{
    uint64_t x = ((const struct lru_key *)a)->lru_seq;
    uint64_t y = ((const struct lru_key *)b)->lru_seq;
    return (x < y) - (x > y);
}

/* Rebuild chains, LRU and free list from the slots alone.  A slot counts
 * as used only when marked so (published last, see above) and holding a
 * well-formed id; the LRU order is each slot's lru_seq, so it comes back
 * exactly as it was. */
void st_repair(st_table_t *t)
{
    st_table_hdr_t *h = t->hdr;
    struct lru_key *order = malloc((size_t)h->capacity * sizeof(*order));
    uint32_t i, n = 0;

    for (i = 0; i < h->nbuckets; i++) {
        t->buckets[i] = t->ubuckets[i] = ST_NIL;
    }
    h->free_head = ST_NIL;
    h->lru_head = h->lru_tail = ST_NIL;
    h->used = 0;

    for (i = h->capacity; i-- > 0;) {
        struct st_slot *s = &t->slots[i];
        int ok = slot_state(s) == SLOT_USED && id_chars_ok(s->id);

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
        s->uhash = user_hash(h->seed, s->user);
        user_link(t, i);
        h->used++;
        if (s->lru_seq > h->lru_clock) {
            h->lru_clock = s->lru_seq;
        }
        if (order) {
            order[n].lru_seq = s->lru_seq;
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

int st_check(st_table_t *t, char *err, size_t errlen)
{
    st_table_hdr_t *h = t->hdr;
    uint32_t i, n, b, prev, used = 0, in_chains = 0, nfree = 0;
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
    for (i = h->lru_head; i != ST_NIL && t->slots[i].lnext != ST_NIL;
         i = t->slots[i].lnext) {
        if (t->slots[i].lru_seq <= t->slots[t->slots[i].lnext].lru_seq
            || t->slots[i].lru_seq > h->lru_clock)
            FAIL("LRU order broken at slot %u", i);
    }
    n = 0;
    for (b = 0; b < h->nbuckets; b++) {
        prev = ST_NIL;
        for (i = t->ubuckets[b]; i != ST_NIL; i = t->slots[i].unext) {
            const struct st_slot *s = &t->slots[i];
            if (i >= h->capacity || ++n > used)
                FAIL("user chains run past %u", used);
            if (seen[i] != 2) FAIL("slot %u in a user chain: not used, or "
                                   "twice", i);
            seen[i] = 4;
            if (s->uprev != prev) FAIL("user chain back link broken at %u", i);
            if ((s->uhash & (h->nbuckets - 1)) != b
                || s->uhash != user_hash(h->seed, s->user))
                FAIL("slot %u in the wrong user chain", i);
            prev = i;
        }
    }
    if (n != used) FAIL("%u slots in user chains, %u used", n, used);
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

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int st_check_paced(st_table_t *t, char *err, size_t errlen,
                   int64_t *retry_after)
{
    int64_t start = now_us(), nb, end;
    int rv;

    nb = __atomic_load_n(&t->hdr->check_not_before, __ATOMIC_ACQUIRE);
    if (start < nb) {
        *retry_after = (nb - start + 999999) / 1000000;
        snprintf(err, errlen, "the last check was too recent; next in %lld s",
                 (long long)*retry_after);
        return 1;
    }
    rv = st_check(t, err, errlen);
    end = now_us();
    __atomic_store_n(&t->hdr->check_not_before,
                     end + ST_CHECK_PACE * (end > start ? end - start : 0),
                     __ATOMIC_RELEASE);
    return rv;
}
