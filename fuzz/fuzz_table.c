/*
 * fuzz_table.c: the session table driven by a byte-coded sequence of
 * operations, against a model of what each one must do.
 *
 * Input: byte 0: capacity (1 + b % 16); byte 1: bit 0 refuse when full,
 * the rest seeds the hash; then operations, one opcode byte each
 * (op % 10) followed by its argument bytes:
 *   0,1 create  id (bit 7: an invalid id), user/remote/realm, created and
 *               last access before now, idle timeout and maximum age, and
 *               a cap of sessions per user (0-3, 0: none)
 *   2,3 lookup  id (bit 7: invalid), bit 6: touch; then bit 2: look up
 *               for realm (bits 0-1) rather than any realm
 *   4   destroy id (bit 7: invalid)
 *   5   destroy every session of a user
 *   6   move the clock (fz_clock_step)
 *   7   compare the statistics
 *   8   st_foreach, stopping after b % 8 sessions (0: never)
 *   9   count a login failure, then st_prefetch 32 input bytes as an id
 * st_check runs after every operation; any inconsistency, or any answer
 * the model does not expect, aborts.
 *
 * The model is a list in LRU order, newest first, with the documented
 * rules: create refuses a taken id (expired or not), then frees up to
 * four expired sessions from the old end; with a cap, frees every expired
 * session of the user, then ends the user's least recently used ones
 * until it holds fewer than the cap; then evicts the least recently
 * used (created or looked up with touch) or refuses; lookup removes an
 * expired session and leaves one of another realm untouched; destroy and destroy_user remove whatever matches,
 * expired or not.
 */
#include "fuzz_table_common.h"

typedef struct m_sess {
    int id, user, remote;
    int64_t created, last_access;
    uint32_t idle_timeout, max_age;
    int realm;                 /* index into realms[] */
} m_sess_t;

typedef struct model {
    m_sess_t s[FZ_MAX_CAP];    /* s[0] most recently used */
    int n;
    uint32_t capacity;
    st_stats_t stats;
} model_t;

FZ_TABLE_IDS_INIT

static int m_expired(const m_sess_t *s, int64_t now)
{
    return (s->idle_timeout
            && now - s->last_access > (int64_t)s->idle_timeout * SEC)
        || (s->max_age && now - s->created > (int64_t)s->max_age * SEC);
}

static int m_find(const model_t *m, int id)
{
    int i;
    for (i = 0; i < m->n; i++) {
        if (m->s[i].id == id) {
            return i;
        }
    }
    return -1;
}

static void m_remove(model_t *m, int i)
{
    memmove(&m->s[i], &m->s[i + 1], (size_t)(m->n - i - 1) * sizeof(m->s[0]));
    m->n--;
}

static void m_push_head(model_t *m, const m_sess_t *s)
{
    memmove(&m->s[1], &m->s[0], (size_t)m->n * sizeof(m->s[0]));
    m->s[0] = *s;
    m->n++;
}

/* Four realms; the last two differ only in their last byte. */
static const unsigned char realms[4][ST_REALM_LEN] = {
    { 0 },
    { 1 },
    { 0x9e, 0x37, 0x79, 0xb9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
    { 0x9e, 0x37, 0x79, 0xb9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13 },
};

static void check_copy(const st_session_t *got, const m_sess_t *want,
                       int64_t now)
{
    FUZZ_ASSERT(strcmp(got->id, ids[want->id]) == 0
                && strcmp(got->user, fz_users[want->user]) == 0
                && strcmp(got->remote, fz_remotes[want->remote]) == 0
                && got->created == want->created
                && got->last_access == want->last_access
                && got->idle_timeout == want->idle_timeout
                && got->max_age == want->max_age
                && memcmp(got->realm, realms[want->realm], ST_REALM_LEN) == 0,
                "copy of session %d (%s) differs from the model", want->id,
                ids[want->id]);
    FUZZ_ASSERT(st_session_expired(got, now) == m_expired(want, now),
                "st_session_expired disagrees for %s", got->id);
}

static void check_stats(st_table_t *t, const model_t *m)
{
    st_stats_t got;
    const st_stats_t *w = &m->stats;

    FUZZ_ASSERT(st_stats(t, &got) == 0, "st_stats failed");
    FUZZ_ASSERT(got.creates == w->creates && got.lookups == w->lookups
                && got.hits == w->hits && got.misses == w->misses
                && got.expired == w->expired && got.evictions == w->evictions
                && got.destroys == w->destroys
                && got.login_failures == w->login_failures
                && got.repairs == 0 && got.capacity == m->capacity
                && got.used == (uint32_t)m->n,
                "stats: creates %llu/%llu lookups %llu/%llu hits %llu/%llu "
                "misses %llu/%llu expired %llu/%llu evictions %llu/%llu "
                "destroys %llu/%llu used %u/%d (table/model)",
                (unsigned long long)got.creates,
                (unsigned long long)w->creates,
                (unsigned long long)got.lookups,
                (unsigned long long)w->lookups,
                (unsigned long long)got.hits, (unsigned long long)w->hits,
                (unsigned long long)got.misses, (unsigned long long)w->misses,
                (unsigned long long)got.expired,
                (unsigned long long)w->expired,
                (unsigned long long)got.evictions,
                (unsigned long long)w->evictions,
                (unsigned long long)got.destroys,
                (unsigned long long)w->destroys, got.used, m->n);
}

typedef struct visit {
    const model_t *m;
    int64_t now;
    int seen[FZ_NIDS];
    int count, stop_after;
} visit_t;

static int on_session(void *ctx, const st_session_t *s)
{
    visit_t *v = ctx;
    int k, i = -1;

    for (k = 0; k < FZ_NIDS && i < 0; k++) {
        if (strcmp(s->id, ids[k]) == 0) {
            i = m_find(v->m, k);
        }
    }
    FUZZ_ASSERT(i >= 0, "foreach visited %s, not in the model", s->id);
    FUZZ_ASSERT(!v->seen[v->m->s[i].id], "foreach visited %s twice", s->id);
    FUZZ_ASSERT(!m_expired(&v->m->s[i], v->now),
                "foreach visited expired %s", s->id);
    check_copy(s, &v->m->s[i], v->now);
    v->seen[v->m->s[i].id] = 1;
    v->count++;
    return v->stop_after && v->count == v->stop_after;
}

static void check_foreach(st_table_t *t, const model_t *m, int64_t now,
                          int stop_after)
{
    visit_t v;
    long n;
    int i, live = 0;

    memset(&v, 0, sizeof(v));
    v.m = m;
    v.now = now;
    v.stop_after = stop_after;
    n = st_foreach(t, now, on_session, &v);
    for (i = 0; i < m->n; i++) {
        live += !m_expired(&m->s[i], now);
    }
    if (stop_after && stop_after < live) {
        live = stop_after;
    }
    FUZZ_ASSERT(n == v.count && n == live,
                "foreach returned %ld, visited %d, model has %d live", n,
                v.count, live);
}


static void op_create(st_table_t *t, model_t *m, fz_input_t *in, int64_t now,
                      int refuse)
{
    uint8_t b_id = fz_byte(in), b_who = fz_byte(in), b_time = fz_byte(in);
    uint8_t b_lim = fz_byte(in);
    st_session_t s;
    st_create_info_t info;
    st_create_opts_t opts;
    m_sess_t ms;
    st_status_t st;
    int reclaimed = 0, evicted = -1, capped = 0, i, live;

    memset(&s, 0, sizeof(s));
    memset(&ms, 0, sizeof(ms));
    ms.id = b_id % FZ_NIDS;
    ms.user = b_who % FZ_NUSERS;
    ms.remote = (b_who >> 7) & 1;
    ms.realm = (b_who >> 5) & 3;
    ms.created = now - (int64_t)(b_time & 15) * SEC;
    ms.last_access = ms.created + (int64_t)(b_time >> 4) * SEC;
    ms.idle_timeout = fz_idle_choices[b_lim & 7];
    ms.max_age = fz_max_age_choices[(b_lim >> 3) & 7];
    if (b_id & 0x80) {
        fz_make_bad_id(b_id % FZ_NIDS, s.id);
    }
    else {
        memcpy(s.id, ids[ms.id], sizeof(s.id));
    }
    strcpy(s.user, fz_users[ms.user]);
    strcpy(s.remote, fz_remotes[ms.remote]);
    s.created = ms.created;
    s.last_access = ms.last_access;
    s.idle_timeout = ms.idle_timeout;
    s.max_age = ms.max_age;
    memcpy(s.realm, realms[ms.realm], ST_REALM_LEN);

    memset(&opts, 0, sizeof(opts));
    opts.refuse_when_full = refuse;
    opts.max_per_user = b_lim >> 6;
    st = st_create_with(t, &s, now, &opts, &info);
    if (b_id & 0x80) {
        FUZZ_ASSERT(st == ST_INVALID, "create with a bad id: %s",
                    st_status_reason(st));
        return;
    }
    if (m_find(m, ms.id) >= 0) {
        FUZZ_ASSERT(st == ST_EXISTS, "create of taken %s: %s", s.id,
                    st_status_reason(st));
        return;
    }
    while (reclaimed < 4 && m->n > 0 && m_expired(&m->s[m->n - 1], now)) {
        m_remove(m, m->n - 1);
        m->stats.expired++;
        reclaimed++;
    }
    if (opts.max_per_user) {
        for (i = m->n - 1; i >= 0; i--) {
            if (m->s[i].user == ms.user && m_expired(&m->s[i], now)) {
                m_remove(m, i);
                m->stats.expired++;
                reclaimed++;
            }
        }
        for (i = 0, live = 0; i < m->n; i++) {
            live += m->s[i].user == ms.user;
        }
        for (i = m->n - 1; i >= 0 && live >= (int)opts.max_per_user; i--) {
            if (m->s[i].user == ms.user) {
                m_remove(m, i);
                m->stats.evictions++;
                capped++;
                live--;
            }
        }
    }
    if ((uint32_t)m->n == m->capacity) {
        if (refuse) {
            FUZZ_ASSERT(st == ST_FULL && info.reclaimed == reclaimed
                        && info.capped == capped,
                        "create in a full table: %s, reclaimed %d of %d",
                        st_status_reason(st), info.reclaimed, reclaimed);
            return;
        }
        evicted = m->s[m->n - 1].user;
        m_remove(m, m->n - 1);
        m->stats.evictions++;
    }
    FUZZ_ASSERT(st == ST_OK, "create of %s: %s", s.id, st_status_reason(st));
    FUZZ_ASSERT(info.capped == capped, "create info: capped %d (model %d)",
                info.capped, capped);
    FUZZ_ASSERT(info.reclaimed == reclaimed && info.evicted == (evicted >= 0)
                && (evicted < 0
                    || strcmp(info.evicted_user, fz_users[evicted]) == 0),
                "create info: reclaimed %d (model %d), evicted %d '%s' "
                "(model %d)", info.reclaimed, reclaimed, info.evicted,
                info.evicted_user, evicted >= 0);
    m_push_head(m, &ms);
    m->stats.creates++;
}

static void op_lookup(st_table_t *t, model_t *m, fz_input_t *in, int64_t now)
{
    uint8_t b = fz_byte(in), r = fz_byte(in);
    int touch = (b >> 6) & 1, i;
    char bad[ST_ID_LEN + 2];
    st_session_t out;
    st_status_t st;

    if (b & 0x80) {
        fz_make_bad_id(b % FZ_NIDS, bad);
        st = st_lookup(t, bad, NULL, now, touch, &out);
        FUZZ_ASSERT(st == ST_INVALID, "lookup of a bad id: %s",
                    st_status_reason(st));
        return;
    }
    memset(&out, 0, sizeof(out));
    st = st_lookup(t, ids[b % FZ_NIDS], (r & 4) ? realms[r & 3] : NULL, now,
                   touch, (b & 0x20) ? NULL : &out);
    m->stats.lookups++;
    i = m_find(m, b % FZ_NIDS);
    if (i < 0) {
        m->stats.misses++;
        FUZZ_ASSERT(st == ST_NOT_FOUND, "lookup of absent %s: %s",
                    ids[b % FZ_NIDS], st_status_reason(st));
        return;
    }
    if (m_expired(&m->s[i], now)) {
        m_remove(m, i);
        m->stats.expired++;
        m->stats.misses++;
        FUZZ_ASSERT(st == ST_EXPIRED, "lookup of expired %s: %s",
                    ids[b % FZ_NIDS], st_status_reason(st));
        return;
    }
    if ((r & 4) && m->s[i].realm != (r & 3)) {
        /* Another realm's session: refused, and not touched. */
        m->stats.misses++;
        FUZZ_ASSERT(st == ST_OTHER_REALM, "lookup of %s from another realm: "
                    "%s", ids[b % FZ_NIDS], st_status_reason(st));
        return;
    }
    FUZZ_ASSERT(st == ST_OK, "lookup of live %s: %s", ids[b % FZ_NIDS],
                st_status_reason(st));
    m->stats.hits++;
    if (touch) {
        m_sess_t s = m->s[i];
        s.last_access = now;
        m_remove(m, i);
        m_push_head(m, &s);
        i = 0;
    }
    if (!(b & 0x20)) {
        check_copy(&out, &m->s[i], now);
    }
}

static void op_destroy(st_table_t *t, model_t *m, fz_input_t *in)
{
    uint8_t b = fz_byte(in);
    char bad[ST_ID_LEN + 2];
    st_status_t st;
    int i;

    if (b & 0x80) {
        fz_make_bad_id(b % FZ_NIDS, bad);
        st = st_destroy(t, bad);
        FUZZ_ASSERT(st == ST_INVALID, "destroy of a bad id: %s",
                    st_status_reason(st));
        return;
    }
    st = st_destroy(t, ids[b % FZ_NIDS]);
    i = m_find(m, b % FZ_NIDS);
    FUZZ_ASSERT(st == (i < 0 ? ST_NOT_FOUND : ST_OK), "destroy of %s: %s",
                ids[b % FZ_NIDS], st_status_reason(st));
    if (i >= 0) {
        m_remove(m, i);
        m->stats.destroys++;
    }
}

static int count_user_session(void *ctx, const st_session_t *s)
{
    (void)s;
    (*(long *)ctx)++;
    return 0;
}

static void op_destroy_user(st_table_t *t, model_t *m, fz_input_t *in,
                            int64_t now)
{
    int user = fz_byte(in) % FZ_NUSERS, i;
    long live = 0, visited = 0, n, want = 0;

    for (i = 0; i < m->n; i++) {
        live += m->s[i].user == user && !m_expired(&m->s[i], now);
    }
    n = st_foreach_user(t, fz_users[user], now, count_user_session, &visited);
    FUZZ_ASSERT(n == live && visited == live, "foreach_user '%s': %ld "
                "(visited %ld), model %ld live", fz_users[user], n, visited,
                live);
    n = st_destroy_user(t, fz_users[user]);

    for (i = m->n - 1; i >= 0; i--) {
        if (m->s[i].user == user) {
            m_remove(m, i);
            want++;
        }
    }
    m->stats.destroys += (uint64_t)want;
    FUZZ_ASSERT(n == want, "destroy_user '%s': %ld, model %ld",
                fz_users[user], n, want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    uint32_t capacity = 1 + fz_byte(&in) % FZ_MAX_CAP;
    uint8_t flags = fz_byte(&in);
    int refuse = flags & 1, ops = 0;
    int64_t now = FZ_EPOCH;
    static const char *const op_names[10] = {
        "create", "create", "lookup", "lookup", "destroy", "destroy_user",
        "clock", "stats", "foreach", "login failure"
    };
    st_table_t t;
    model_t m;
    size_t tsize;
    void *mem = fz_table_new(&t, capacity, (uint64_t)flags * 0x9e3779b97f4a7c15ULL,
                             &tsize);

    memset(&m, 0, sizeof(m));
    m.capacity = capacity;
    while (in.n > 0 && ops++ < FZ_MAX_OPS) {
        uint8_t op = fz_byte(&in) % 10;
        switch (op) {
        case 0: case 1: op_create(&t, &m, &in, now, refuse); break;
        case 2: case 3: op_lookup(&t, &m, &in, now); break;
        case 4: op_destroy(&t, &m, &in); break;
        case 5: op_destroy_user(&t, &m, &in, now); break;
        case 6: now = fz_clock_step(now, fz_byte(&in)); break;
        case 7: check_stats(&t, &m); break;
        case 8: check_foreach(&t, &m, now, fz_byte(&in) % 8); break;
        case 9: {
            char any[ST_ID_LEN];
            size_t k;
            st_note_login_failure(&t);
            m.stats.login_failures++;
            for (k = 0; k < sizeof(any); k++) {
                any[k] = (char)fz_byte(&in);
            }
            st_prefetch(&t, any);
            break;
        }
        }
        fz_table_check(&t, op_names[op]);
        FUZZ_ASSERT(st_table_capacity(&t) == capacity, "capacity changed");
    }
    check_stats(&t, &m);
    check_foreach(&t, &m, now, 0);
    free(mem);
    return 0;
}
