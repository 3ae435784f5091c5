/*
 * fuzz_throttle.c: the failed-login counters of login_throttle.c, keyed by
 * what the client sends (its user name, its address).
 *
 * Input: byte 0: bit 0 picks the mode, bits 1-2 the window (1, 5, 30 or
 * 300 s); byte 1: the limit for "u:" keys (1 + b % 4, or 0 = off with bit
 * 7) and for "a:" keys (1 + (b >> 2) % 8); then operations, opcode % 5:
 *   0,1 lt_attempt (key)     2 lt_release (key)     3 lt_reset (key)
 *   4   move the clock (fz_clock_step of fuzz_table_common.h)
 * A key is one byte: an index into the key pool of the mode.
 *
 * Mode 0, twelve keys: no probe run can fill up, so nothing is ever
 * evicted and every answer must be exactly the documented one (a model
 * of each key's window, count, limit and notice).
 * Mode 1, 256 keys in a 64-entry table (opcode 1: lt_attempt_first with
 * the slow lane, which must never fail): entries are taken from each other
 * all the time, and the promise checked is the one that matters: a key
 * refused as throttled stays refused (or, failing closed, unavailable)
 * for the time it was told to wait, unless it was released or reset;
 * retry_after is within 1 s .. the window (more only once the clock has
 * been stepped back).
 * Both: no key is held by two entries at once.
 */
#include "login_throttle.c"
#include "fuzz_table_common.h"

#define NKEYS_EXACT 12
#define NKEYS_MANY  256

static const char *const exact_keys[NKEYS_EXACT] = {
    "u:alice", "u:bob", "u:", "u:carol@example.com", "u:a b\t%c",
    "u:uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu",
    "a:127.0.0.1", "a:10.0.0.2", "a:2001:db8:1:2::/64", "a:::1",
    "a:ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
    /* Longer than an entry holds: only its first LT_KEY_MAX - 1 bytes
     * count, the same for every call. */
    "u:0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
};

static char many_keys[NKEYS_MANY][16];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int i;
    (void)argc;
    (void)argv;
    for (i = 0; i < NKEYS_MANY; i++) {
        snprintf(many_keys[i], sizeof(many_keys[i]), "%c:k%d",
                 i % 3 ? 'u' : 'a', i);
    }
    return 0;
}

typedef struct m_key {
    int64_t window_start;
    uint32_t failures, limit;
    int noticed;
    int64_t throttled_until;   /* mode 1: must stay refused before this */
} m_key_t;

/* Entries holding key (its first LT_KEY_MAX - 1 bytes). */
static int holders(lt_table_t *t, const char *key)
{
    uint32_t i;
    int n = 0;

    for (i = 0; i < t->hdr->nentries; i++) {
        n += t->entries[i].key[0]
             && strncmp(t->entries[i].key, key, LT_KEY_MAX - 1) == 0;
    }
    return n;
}

static void check_no_duplicates(lt_table_t *t)
{
    uint32_t i;

    for (i = 0; i < t->hdr->nentries; i++) {
        FUZZ_ASSERT(memchr(t->entries[i].key, '\0', LT_KEY_MAX) != NULL,
                    "entry %u: key not NUL-terminated", i);
        FUZZ_ASSERT(!t->entries[i].key[0]
                    || holders(t, t->entries[i].key) == 1,
                    "key '%s' held by more than one entry",
                    t->entries[i].key);
    }
}

/* The documented answer for one attempt, applied to the model. */
static void model_attempt(m_key_t *m, uint32_t max, uint32_t window,
                          int64_t now, lt_verdict_t *want)
{
    memset(want, 0, sizeof(*want));
    if (max == 0) {
        return;
    }
    if (m->failures == 0 || now - m->window_start >= (int64_t)window * SEC) {
        m->window_start = now;
        m->failures = 0;
        m->noticed = 0;
    }
    m->limit = max;
    if (m->failures >= max) {
        int64_t left = m->window_start + (int64_t)window * SEC - now;
        want->throttled = 1;
        want->retry_after = (left + SEC - 1) / SEC;
        if (want->retry_after < 1) {
            want->retry_after = 1;
        }
        want->first_notice = !m->noticed;
        m->noticed = 1;
    }
    else {
        m->failures++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t windows[4] = { 1, 5, 30, 300 };
    fz_input_t in = { data, size };
    uint8_t mode_b = fz_byte(&in), max_b = fz_byte(&in);
    int exact = !(mode_b & 1), ops = 0, stepped_back = 0;
    int nkeys = exact ? NKEYS_EXACT : NKEYS_MANY;
    uint32_t window = windows[(mode_b >> 1) & 3];
    uint32_t max_user = (max_b & 0x80) ? 0 : 1 + max_b % 4;
    uint32_t max_addr = 1 + (max_b >> 2) % 8;
    int64_t now = FZ_EPOCH;
    m_key_t model[NKEYS_MANY];
    size_t tsize = lt_table_size(64);
    void *mem = aligned_alloc(64, (tsize + 63) & ~(size_t)63);
    lt_table_t t;

    FUZZ_ASSERT(mem && lt_table_init(&t, mem, tsize, 64, mode_b) == 0,
                "lt_table_init");
    memset(model, 0, sizeof(model));
    while (in.n > 0 && ops++ < FZ_MAX_OPS) {
        uint8_t op = fz_byte(&in) % 5;
        int k = op < 4 ? fz_byte(&in) % nkeys : 0;
        const char *key = exact ? exact_keys[k] : many_keys[k];
        uint32_t max = key[0] == 'u' ? max_user : max_addr;
        m_key_t *m = &model[k];
        lt_verdict_t got, want;
        int rv;

        switch (op) {
        case 0: case 1:
            if (!exact && op == 1) {
                /* With the slow lane to fall back on, never unavailable;
                 * what the lane counts makes no promise for the key. */
                int used;
                rv = lt_attempt_first(&t, &key, 1, max, max * 10, window,
                                      now, &got, &used);
                FUZZ_ASSERT(rv == 0, "lt_attempt_first failed for '%s'", key);
                if (used == 1) {
                    break;
                }
            }
            else {
                rv = lt_attempt(&t, key, max, window, now, &got);
            }
            if (exact) {
                model_attempt(m, max, window, now, &want);
                FUZZ_ASSERT(rv == 0 && got.throttled == want.throttled
                            && got.retry_after == want.retry_after
                            && got.first_notice == want.first_notice,
                            "attempt '%s' (limit %u, window %u s): rv %d "
                            "throttled %d retry %lld notice %d, model "
                            "throttled %d retry %lld notice %d", key, max,
                            window, rv, got.throttled,
                            (long long)got.retry_after, got.first_notice,
                            want.throttled, (long long)want.retry_after,
                            want.first_notice);
                break;
            }
            FUZZ_ASSERT(rv == -1 || now >= m->throttled_until
                        || got.throttled,
                        "'%s' was refused until %lld s from start, let "
                        "through at %lld s", key,
                        (long long)(m->throttled_until - FZ_EPOCH) / SEC,
                        (long long)(now - FZ_EPOCH) / SEC);
            if (rv == 0 && got.throttled) {
                FUZZ_ASSERT(got.retry_after >= 1
                            && (stepped_back
                                || got.retry_after <= (int64_t)window),
                            "retry_after %lld with a %u s window",
                            (long long)got.retry_after, window);
                if (now + (got.retry_after - 1) * SEC > m->throttled_until) {
                    m->throttled_until = now + (got.retry_after - 1) * SEC;
                }
            }
            FUZZ_ASSERT(rv == 0 || max != 0, "attempt without a limit "
                        "failed");
            break;
        case 2:
            FUZZ_ASSERT(lt_release(&t, key) == 0, "lt_release failed");
            if (m->failures > 0) {
                m->failures--;
            }
            m->throttled_until = 0;
            break;
        case 3:
            FUZZ_ASSERT(lt_reset(&t, key) == 0, "lt_reset failed");
            memset(m, 0, sizeof(*m));
            break;
        default: {
            int64_t then = now;
            now = fz_clock_step(now, fz_byte(&in));
            if (now < then) {
                /* "Refused for R more seconds" is about elapsed time; a
                 * wall clock stepped back makes no such promise. */
                int i;
                stepped_back = 1;
                for (i = 0; i < NKEYS_MANY; i++) {
                    model[i].throttled_until = 0;
                }
            }
            break;
        }
        }
        FUZZ_ASSERT(holders(&t, key) <= 1, "key '%s' held by %d entries",
                    key, holders(&t, key));
    }
    check_no_duplicates(&t);
    free(mem);
    return 0;
}
