/*
 * login_throttle.c: failed-login counters in shared memory.
 */
#include "login_throttle.h"
#include "robust_mutex.h"
#include "shm_layout.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define LT_MAGIC  0x53494f55u  /* "SIOU": with the lane */
#define LT_PROBE  16           /* slots looked at for one key */

struct lt_entry {
    char     key[LT_KEY_MAX];   /* empty: free */
    int64_t  window_start;      /* microseconds */
    uint32_t failures;
    uint32_t limit;             /* the max it was last counted against */
    uint32_t noticed;           /* refusal logged in this window */
};

struct lt_table_hdr {
    uint32_t        magic;
    uint32_t        nentries;   /* a power of two */
    uint64_t        size;
    uint64_t        seed;
    uint64_t        entries_off;
    pthread_mutex_t lock;
    struct lt_entry lane;       /* LT_LANE's, outside the hash */
};

static size_t hdr_size(void)
{
    return shm_align(sizeof(lt_table_hdr_t));
}

static uint32_t round_pow2(uint32_t n)
{
    return shm_pow2(n, 64, 1u << 30);
}

size_t lt_table_size(uint32_t entries)
{
    return hdr_size() + (size_t)round_pow2(entries) * sizeof(struct lt_entry);
}

int lt_table_init(lt_table_t *t, void *mem, size_t size, uint32_t entries,
                  uint64_t seed)
{
    lt_table_hdr_t *h = mem;
    int rv;

    if (size < lt_table_size(entries)) {
        return EINVAL;
    }
    memset(mem, 0, lt_table_size(entries));
    h->nentries = round_pow2(entries);
    h->size = size;
    h->seed = seed;
    h->entries_off = hdr_size();
    if ((rv = robust_mutex_init(&h->lock)) != 0) {
        return rv;
    }
    h->magic = LT_MAGIC;
    return lt_table_attach(t, mem, size);
}

int lt_table_attach(lt_table_t *t, void *mem, size_t size)
{
    lt_table_hdr_t *h = mem;

    if (size < sizeof(*h) || h->magic != LT_MAGIC || h->size != size) {
        return -1;
    }
    t->hdr = h;
    t->entries = (struct lt_entry *)((char *)mem + h->entries_off);
    return 0;
}

static int lock(lt_table_t *t)
{
    /* Every entry stands alone, so a dead holder leaves at worst one
     * half-written counter: nothing to repair. */
    return robust_mutex_lock(&t->hdr->lock, NULL, NULL);
}

static uint64_t key_hash(uint64_t seed, const char *key)
{
    uint64_t h = shm_fnv1a(seed, key, strlen(key));
    return h ^ (h >> 29);
}

static int window_over(const struct lt_entry *e, uint32_t window, int64_t now)
{
    return now - e->window_start >= (int64_t)window * 1000000;
}

/* Judged by the entry's own limit: user names and addresses share the
 * table with different limits. */
static int throttled(const struct lt_entry *e, uint32_t window, int64_t now)
{
    return e->limit && !window_over(e, window, now)
           && e->failures >= e->limit;
}

/* The entry for key (its first LT_KEY_MAX - 1 bytes), or NULL.  With
 * create, a new entry is made from the best slot of the probe run: free,
 * else one whose window is over, else the oldest that is not throttled;
 * NULL when every slot holds a throttled key. */
static struct lt_entry *find(lt_table_t *t, const char *key, int create,
                             uint32_t window, int64_t now)
{
    uint32_t mask = t->hdr->nentries - 1;
    uint32_t i = (uint32_t)key_hash(t->hdr->seed, key) & mask;
    struct lt_entry *free_slot = NULL, *over = NULL, *oldest = NULL;
    int k;

    if (strcmp(key, LT_LANE) == 0) {
        return &t->hdr->lane;
    }
    for (k = 0; k < LT_PROBE; k++, i = (i + 1) & mask) {
        struct lt_entry *e = &t->entries[i];
        if (!e->key[0]) {
            if (!free_slot) free_slot = e;
        }
        else if (strncmp(e->key, key, LT_KEY_MAX - 1) == 0) {
            return e;
        }
        else if (window_over(e, window, now)) {
            if (!over) over = e;
        }
        else if (!throttled(e, window, now)
                 && (!oldest || e->window_start < oldest->window_start)) {
            oldest = e;
        }
    }
    if (!create) {
        return NULL;
    }
    if (!free_slot) free_slot = over ? over : oldest;
    if (free_slot) {
        memset(free_slot, 0, sizeof(*free_slot));
        strncpy(free_slot->key, key, LT_KEY_MAX - 1);
    }
    return free_slot;
}

/* Count an attempt in e (lock held). */
static void count(struct lt_entry *e, uint32_t max, uint32_t window,
                  int64_t now, lt_verdict_t *out)
{
    if (e->failures == 0 || window_over(e, window, now)) {
        e->window_start = now;
        e->failures = 0;
        e->noticed = 0;
    }
    e->limit = max;
    if (e->failures >= max) {
        out->throttled = 1;
        out->retry_after = (e->window_start + (int64_t)window * 1000000
                            - now + 999999) / 1000000;
        if (out->retry_after < 1) {
            out->retry_after = 1;
        }
        out->first_notice = !e->noticed;
        e->noticed = 1;
    }
    else {
        e->failures++;
    }
}

int lt_attempt(lt_table_t *t, const char *key, uint32_t max, uint32_t window,
               int64_t now, lt_verdict_t *out)
{
    struct lt_entry *e;

    memset(out, 0, sizeof(*out));
    if (max == 0) {
        return 0;
    }
    if (lock(t) != 0) {
        return -1;
    }
    if ((e = find(t, key, 1, window, now)) == NULL) {
        pthread_mutex_unlock(&t->hdr->lock);
        return -1;
    }
    count(e, max, window, now, out);
    pthread_mutex_unlock(&t->hdr->lock);
    return 0;
}

int lt_attempt_first(lt_table_t *t, const char *const *keys, int nkeys,
                     uint32_t max, uint32_t lane_max, uint32_t window,
                     int64_t now, lt_verdict_t *out, int *used)
{
    struct lt_entry *e = NULL;
    int i;

    memset(out, 0, sizeof(*out));
    *used = 0;
    if (max == 0) {
        return 0;
    }
    if (lock(t) != 0) {
        return -1;
    }
    for (i = 0; i < nkeys && !e; i++) {
        e = find(t, keys[i], 1, window, now);
        *used = i;
    }
    if (!e) {
        e = &t->hdr->lane;
        *used = nkeys;
        max = lane_max;
    }
    count(e, max, window, now, out);
    pthread_mutex_unlock(&t->hdr->lock);
    return 0;
}

int lt_attempt_address(lt_table_t *t, const char *addr, const char *block,
                       uint32_t max, uint32_t block_max, uint32_t lane_max,
                       uint32_t window, int64_t now, lt_verdict_t *out,
                       const char *counted[2], const char **refused_by)
{
    const char *keys[2] = { block, addr };
    uint32_t limits[2] = { block_max, max };
    int i, used;

    counted[0] = counted[1] = *refused_by = NULL;
    for (i = 0; i < 2; i++) {
        const char *key;
        if (lt_attempt_first(t, &keys[i], 1, limits[i], lane_max, window,
                             now, out, &used) != 0) {
            return -1;
        }
        key = used == 0 ? keys[i] : LT_LANE;
        if (out->throttled) {
            *refused_by = key;
            return 0;
        }
        if (limits[i]) {
            counted[i] = key;
        }
    }
    return 0;
}

int lt_release(lt_table_t *t, const char *key)
{
    struct lt_entry *e;

    if (lock(t) != 0) {
        return -1;
    }
    e = find(t, key, 0, 0, 0);
    if (e && e->failures > 0) {
        e->failures--;
    }
    pthread_mutex_unlock(&t->hdr->lock);
    return 0;
}

int lt_reset(lt_table_t *t, const char *key)
{
    struct lt_entry *e;

    if (lock(t) != 0) {
        return -1;
    }
    e = find(t, key, 0, 0, 0);
    if (e) {
        memset(e, 0, sizeof(*e));
    }
    pthread_mutex_unlock(&t->hdr->lock);
    return 0;
}
