/*
 * socket_binding.c: Engine.IO sids bound to login sessions, in shared
 * memory.
 */
#include "socket_binding.h"
#include "robust_mutex.h"
#include "shm_layout.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define SB_MAGIC  0x53494f42u  /* "SIOB" */
#define SB_PROBE  16           /* slots looked at for one sid */

struct sb_entry {
    /* sid[0] == 0: free.  Written last when an entry is made and cleared
     * first when it is reused, so that a holder killed half way leaves a
     * free slot, never a sid with another's owner. */
    char       sid[SB_SID_MAX + 1];
    uint8_t    sid_len;
    sb_owner_t owner;
    int64_t    expires;         /* seconds */
    int64_t    used;            /* seconds, for the least recently used */
};

struct sb_table_hdr {
    uint32_t        magic;
    uint32_t        nentries;   /* a power of two */
    uint64_t        size;
    uint64_t        seed;
    uint64_t        entries_off;
    pthread_mutex_t lock;
};

void sb_owner_set(const sb_table_t *t, sb_owner_t *owner,
                  const char *session_id, size_t id_len, const char *user)
{
    memset(owner, 0, sizeof(*owner));
    /* Another key than the one that places sids in the table. */
    owner->session = shm_fnv1a(~t->hdr->seed, session_id, id_len);
    strncpy(owner->user, user, SB_USER_MAX - 1);
}

static size_t hdr_size(void)
{
    return shm_align(sizeof(sb_table_hdr_t));
}

static uint32_t round_pow2(uint32_t n)
{
    return shm_pow2(n, 64, SB_MAX_ENTRIES);
}

size_t sb_table_size(uint32_t entries)
{
    return hdr_size() + (size_t)round_pow2(entries) * sizeof(struct sb_entry);
}

int sb_table_init(sb_table_t *t, void *mem, size_t size, uint32_t entries,
                  uint64_t seed)
{
    sb_table_hdr_t *h = mem;
    int rv;

    if (size < sb_table_size(entries)) {
        return EINVAL;
    }
    memset(mem, 0, sb_table_size(entries));
    h->nentries = round_pow2(entries);
    h->size = size;
    h->seed = seed;
    h->entries_off = hdr_size();
    if ((rv = robust_mutex_init(&h->lock)) != 0) {
        return rv;
    }
    h->magic = SB_MAGIC;
    return sb_table_attach(t, mem, size);
}

int sb_table_attach(sb_table_t *t, void *mem, size_t size)
{
    sb_table_hdr_t *h = mem;

    if (size < sizeof(*h) || h->magic != SB_MAGIC || h->size != size) {
        return -1;
    }
    t->hdr = h;
    t->entries = (struct sb_entry *)((char *)mem + h->entries_off);
    return 0;
}

uint32_t sb_table_entries(const sb_table_t *t)
{
    return t->hdr->nentries;
}

static int lock(sb_table_t *t)
{
    /* Entries stand alone and are published by their first byte: a dead
     * holder leaves nothing to repair. */
    return robust_mutex_lock(&t->hdr->lock, NULL, NULL);
}

static void unlock(sb_table_t *t)
{
    pthread_mutex_unlock(&t->hdr->lock);
}

static int is_free(const struct sb_entry *e)
{
    return __atomic_load_n(&e->sid[0], __ATOMIC_ACQUIRE) == '\0';
}

static int same_sid(const struct sb_entry *e, const char *sid, size_t len)
{
    return e->sid_len == len && memcmp(e->sid, sid, len) == 0;
}

/* The live entry of sid, or NULL; with slot, also the best slot of the
 * run for a new binding: free, else expired, else least recently used. */
static struct sb_entry *find(sb_table_t *t, const char *sid, size_t len,
                             int64_t now, struct sb_entry **slot)
{
    uint32_t mask = t->hdr->nentries - 1;
    uint32_t i = (uint32_t)shm_fnv1a(t->hdr->seed, sid, len) & mask;
    struct sb_entry *free_slot = NULL, *expired = NULL, *oldest = NULL;
    int k;

    for (k = 0; k < SB_PROBE; k++, i = (i + 1) & mask) {
        struct sb_entry *e = &t->entries[i];
        if (is_free(e)) {
            if (!free_slot) free_slot = e;
        }
        else if (e->expires <= now) {
            if (!expired) expired = e;
        }
        else if (same_sid(e, sid, len)) {
            return e;
        }
        else if (!oldest || e->used < oldest->used) {
            oldest = e;
        }
    }
    if (slot) {
        *slot = free_slot ? free_slot : expired ? expired : oldest;
    }
    return NULL;
}

static sb_result_t compare(const struct sb_entry *e, const sb_owner_t *owner)
{
    if (e->owner.session == owner->session) {
        return SB_MATCH;
    }
    return strcmp(e->owner.user, owner->user) == 0 ? SB_OTHER_SESSION
                                                   : SB_OTHER_USER;
}

static void renew(struct sb_entry *e, int64_t now, int64_t ttl)
{
    e->used = now;
    e->expires = now + ttl;
}

sb_result_t sb_bind(sb_table_t *t, const char *sid, size_t sid_len,
                    const sb_owner_t *owner, int64_t now, int64_t ttl)
{
    struct sb_entry *e, *slot = NULL;
    sb_result_t res;

    if (sid_len == 0 || sid_len > SB_SID_MAX
        || memchr(sid, '\0', sid_len) != NULL || lock(t) != 0) {
        return SB_ERROR;
    }
    e = find(t, sid, sid_len, now, &slot);
    if (e) {
        res = compare(e, owner);
        if (res == SB_MATCH) {
            renew(e, now, ttl);
        }
    }
    else {
        /* A run always has a slot to give: SB_PROBE entries, each free,
         * expired or live. */
        __atomic_store_n(&slot->sid[0], '\0', __ATOMIC_RELEASE);
        memset(slot->sid + 1, 0, sizeof(slot->sid) - 1);
        memcpy(slot->sid + 1, sid + 1, sid_len - 1);
        slot->sid_len = (uint8_t)sid_len;
        slot->owner = *owner;
        slot->owner.user[SB_USER_MAX - 1] = '\0';
        renew(slot, now, ttl);
        __atomic_store_n(&slot->sid[0], sid[0], __ATOMIC_RELEASE);
        res = SB_MATCH;
    }
    unlock(t);
    return res;
}

sb_result_t sb_check(sb_table_t *t, const char *sid, size_t sid_len,
                     const sb_owner_t *owner, int64_t now, int64_t ttl)
{
    struct sb_entry *e;
    sb_result_t res = SB_UNKNOWN;

    if (sid_len == 0 || sid_len > SB_SID_MAX) {
        return SB_UNKNOWN;
    }
    if (lock(t) != 0) {
        return SB_ERROR;
    }
    e = find(t, sid, sid_len, now, NULL);
    if (e) {
        res = compare(e, owner);
        if (res == SB_MATCH) {
            renew(e, now, ttl);
        }
    }
    unlock(t);
    return res;
}

long sb_count(sb_table_t *t, int64_t now)
{
    long n = 0;
    uint32_t i;

    if (lock(t) != 0) {
        return -1;
    }
    for (i = 0; i < t->hdr->nentries; i++) {
        if (!is_free(&t->entries[i]) && t->entries[i].expires > now) {
            n++;
        }
    }
    unlock(t);
    return n;
}
