/*
 * fuzz_table_repair.c: a process that dies in the middle of changing the
 * session table must not wedge it or take other sessions with it.
 *
 * The table is changed by one operation (create, touching lookup,
 * destroy, destroy_user), and the memory is then put back into a state
 * part-way between before and after: every 4-byte word the operation
 * changed is taken from one side or the other as the input says (a torn
 * write, in any order, which is more than a real death can do).  A thread
 * then takes the lock and exits holding it, so the next caller gets
 * EOWNERDEAD and st_repair runs through the real path.
 *
 * Checked after each repair: st_check passes; every session the operation
 * did not touch is still there, in its chain (or, when a torn slot came
 * to hold the same id, that id is); the LRU list runs from the
 * most to the least recent access; the repair was counted; and the table
 * keeps working (st_check after every later operation).
 *
 * Input: byte 0: capacity (1 + b % 16); byte 1: hash seed; then
 * operations, opcode byte % 6:
 *   0,1 create  id, user, created/last access, limits
 *   2   lookup with touch (id)
 *   3   destroy (id)        4  clock (fz_clock_step)
 *   5   die: operation byte (0 create, 1 lookup, 2 destroy, 3
 *       destroy_user) and its arguments, then one bit per changed word,
 *       1 = the write happened.
 */
#include "session_table.c"
#include "fuzz_table_common.h"

#include <stddef.h>

FZ_TABLE_IDS_INIT

static void do_create(st_table_t *t, fz_input_t *in, int64_t now)
{
    uint8_t b_id = fz_byte(in), b_time = fz_byte(in), b_lim = fz_byte(in);
    st_session_t s;

    memset(&s, 0, sizeof(s));
    memcpy(s.id, ids[b_id % FZ_NIDS], sizeof(s.id));
    strcpy(s.user, fz_users[(b_id >> 5) % FZ_NUSERS]);
    strcpy(s.remote, fz_remotes[0]);
    s.created = now - (int64_t)(b_time & 15) * SEC;
    s.last_access = s.created + (int64_t)(b_time >> 4) * SEC;
    s.idle_timeout = fz_idle_choices[b_lim & 7];
    s.max_age = fz_max_age_choices[(b_lim >> 3) & 7];
    s.realm[0] = (unsigned char)(b_lim >> 6);
    {
        st_create_opts_t opts;
        memset(&opts, 0, sizeof(opts));
        opts.max_per_user = b_time & 3;   /* 0: no cap */
        (void)st_create_with(t, &s, now, &opts, NULL);
    }
}

static void do_op(st_table_t *t, int which, fz_input_t *in, int64_t now)
{
    switch (which) {
    case 0: do_create(t, in, now); break;
    case 1: (void)st_lookup(t, ids[fz_byte(in) % FZ_NIDS], NULL, now, 1, NULL); break;
    case 2: (void)st_destroy(t, ids[fz_byte(in) % FZ_NIDS]); break;
    default: (void)st_destroy_user(t, fz_users[fz_byte(in) % FZ_NUSERS]); break;
    }
}

static void *die_holding_lock(void *arg)
{
    st_table_t *t = arg;
    int rv = pthread_mutex_lock(&t->hdr->lock);
    FUZZ_ASSERT(rv == 0, "dying thread could not lock: %d", rv);
    return NULL;
}

/* The parts of a slot that are the session, not its links. */
static int same_session(const struct st_slot *a, const struct st_slot *b)
{
    return a->state == SLOT_USED && b->state == SLOT_USED
        && memcmp(a->id, b->id, ST_ID_LEN) == 0
        && memcmp(a->user, b->user, ST_USER_MAX) == 0
        && memcmp(a->remote, b->remote, ST_ADDR_MAX) == 0
        && a->created == b->created && a->last_access == b->last_access
        && a->idle_timeout == b->idle_timeout && a->max_age == b->max_age
        && memcmp(a->realm, b->realm, ST_REALM_LEN) == 0;
}

static void die_mid_operation(st_table_t *t, void *mem, size_t size,
                              fz_input_t *in, int64_t now)
{
    unsigned char *before = malloc(size), *after = malloc(size);
    unsigned char *live = mem, *untouched = calloc(FZ_MAX_CAP, 1);
    size_t lock_start = offsetof(st_table_hdr_t, lock);
    size_t lock_end = lock_start + sizeof(pthread_mutex_t), w;
    const struct st_slot *slots_before, *slots_after;
    uint64_t repairs = t->hdr->stats.repairs;
    uint32_t i, prev;
    int64_t last;
    pthread_t thread;
    st_stats_t stats;
    uint8_t bits = 0;
    int nbits = 0;

    memcpy(before, mem, size);
    do_op(t, fz_byte(in) % 4, in, now);
    memcpy(after, mem, size);

    slots_before = (const struct st_slot *)(before + t->hdr->slots_off);
    slots_after = (const struct st_slot *)(after + t->hdr->slots_off);
    for (i = 0; i < t->hdr->capacity; i++) {
        untouched[i] = same_session(&slots_before[i], &slots_after[i]);
    }

    FUZZ_ASSERT(pthread_create(&thread, NULL, die_holding_lock, t) == 0,
                "pthread_create");
    pthread_join(thread, NULL);

    for (w = 0; w + 4 <= size; w += 4) {
        if (w + 4 > lock_start && w < lock_end) {
            continue;
        }
        if (memcmp(before + w, after + w, 4) == 0) {
            continue;
        }
        if (nbits == 0) {
            bits = fz_byte(in);
            nbits = 8;
        }
        memcpy(live + w, (bits & 1) ? after + w : before + w, 4);
        bits >>= 1;
        nbits--;
    }

    /* The first locker finds the owner dead and repairs. */
    FUZZ_ASSERT(st_stats(t, &stats) == 0, "st_stats after the death failed");
    FUZZ_ASSERT(stats.repairs == repairs + 1, "repairs %llu, expected %llu",
                (unsigned long long)stats.repairs,
                (unsigned long long)repairs + 1);
    fz_table_check(t, "repair");

    for (i = 0; i < t->hdr->capacity; i++) {
        const struct st_slot *s = &t->slots[i];
        uint32_t j, copy = ST_NIL;

        if (!untouched[i]) {
            continue;
        }
        if (s->state == SLOT_USED
            && memcmp(s->id, slots_before[i].id, ST_ID_LEN) == 0
            && chain_find(t, s->id, id_hash(t->hdr->seed, s->id)) == i) {
            continue;
        }
        /* The one way to lose it: a torn slot pieced together the same
         * id (pool ids share characters, and a second tear of the same
         * two ids gives the same piece), and st_repair keeps the copy
         * in the higher slot.  The id must then live on there. */
        for (j = i + 1; j < t->hdr->capacity && copy == ST_NIL; j++) {
            if (!untouched[j] && t->slots[j].state == SLOT_USED
                && memcmp(t->slots[j].id, slots_before[i].id, ST_ID_LEN) == 0
                && chain_find(t, t->slots[j].id,
                              id_hash(t->hdr->seed, t->slots[j].id)) == j) {
                copy = j;
            }
        }
        FUZZ_ASSERT(copy != ST_NIL, "session in slot %u, untouched by the "
                    "operation, lost in the repair", i);
    }
    /* st_check saw the LRU list in falling lru_seq; the sessions the
     * operation left in place are in their order of before. */
    prev = ST_NIL;
    last = INT64_MAX;
    for (i = t->hdr->lru_head; i != ST_NIL; i = t->slots[i].lnext) {
        if (!untouched[i] || t->slots[i].lru_seq != slots_before[i].lru_seq
            || memcmp(t->slots[i].id, slots_before[i].id, ST_ID_LEN) != 0) {
            continue;
        }
        FUZZ_ASSERT((int64_t)t->slots[i].lru_seq < last,
                    "after repair, slot %u follows slot %u in the LRU list, "
                    "against their order before", i, prev);
        last = (int64_t)t->slots[i].lru_seq;
        prev = i;
    }
    free(untouched);
    free(before);
    free(after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    uint32_t capacity = 1 + fz_byte(&in) % FZ_MAX_CAP;
    uint64_t seed = (uint64_t)fz_byte(&in) * 0x9e3779b97f4a7c15ULL;
    int64_t now = FZ_EPOCH;
    int ops = 0;
    st_table_t t;
    size_t tsize;
    void *mem = fz_table_new(&t, capacity, seed, &tsize);

    while (in.n > 0 && ops++ < FZ_MAX_OPS) {
        switch (fz_byte(&in) % 6) {
        case 0: case 1: do_op(&t, 0, &in, now); break;
        case 2: do_op(&t, 1, &in, now); break;
        case 3: do_op(&t, 2, &in, now); break;
        case 4: now = fz_clock_step(now, fz_byte(&in)); break;
        case 5: die_mid_operation(&t, mem, tsize, &in, now); break;
        }
        fz_table_check(&t, "an operation");
    }
    free(mem);
    return 0;
}
