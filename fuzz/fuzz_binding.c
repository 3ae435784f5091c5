/*
 * fuzz_binding.c: the Engine.IO sid bindings (core/socket_binding.c)
 * against a model of which session holds each sid.
 *
 * Input: byte 0 picks the table: bit 0 a roomy one (4096 entries for at
 * most 32 sids: nothing is ever evicted, so the model is exact) or a
 * cramped one (64 entries for up to 256 sids: bindings are evicted, and
 * only the safety rules are checked).  Then operations of 3 bytes: kind
 * (bind, check, or let time pass), sid, owner.
 *
 * Checked: a check passes only for the session the model says holds the
 * sid; a refusal names the right kind (another user, another session);
 * a live binding never changes owner; an expired one is unknown; and in
 * the roomy table every binding the model holds is found.
 */
#include "socket_binding.h"
#include "fuzz_check.h"

#include <sys/mman.h>

#define TTL 100
#define MAX_SIDS 256
#define NOWNERS 6

typedef struct {
    int owner;           /* -1: none */
    int64_t expires;
} model_entry;

/* Owners 0-2 are users u0-u2 with one session each, 3-5 second
 * sessions of the same users. */
static sb_owner_t owner_of(const sb_table_t *t, int o)
{
    sb_owner_t w;
    char session[16], user[8];

    snprintf(session, sizeof(session), "session-%d", o);
    snprintf(user, sizeof(user), "u%d", o % 3);
    sb_owner_set(t, &w, session, strlen(session), user);
    return w;
}

static sb_result_t model_verdict(const model_entry *m, int o, int64_t now)
{
    if (m->owner < 0 || m->expires <= now) {
        return SB_UNKNOWN;
    }
    if (m->owner == o) {
        return SB_MATCH;
    }
    return m->owner % 3 == o % 3 ? SB_OTHER_SESSION : SB_OTHER_USER;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    int roomy = fz_byte(&in) & 1;
    uint32_t entries = roomy ? 4096 : 64;
    int nsids = roomy ? 32 : MAX_SIDS;
    size_t bytes = sb_table_size(entries);
    /* One block for every run, big enough for either table. */
    static void *mem;
    model_entry model[MAX_SIDS];
    sb_table_t t;
    int64_t now = 1;
    int i, ops = 0;

    if (!mem) {
        mem = mmap(NULL, sb_table_size(4096), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        FUZZ_ASSERT(mem != MAP_FAILED, "mmap");
    }
    FUZZ_ASSERT(sb_table_init(&t, mem, bytes, entries, 12345) == 0, "init");
    for (i = 0; i < MAX_SIDS; i++) {
        model[i].owner = -1;
        model[i].expires = 0;
    }
    while (in.n >= 3 && ops++ < 4000) {
        uint8_t kind = fz_byte(&in) % 4;
        int s = fz_byte(&in) % nsids, o = fz_byte(&in) % NOWNERS;
        char sid[16];
        sb_owner_t w = owner_of(&t, o);
        sb_result_t got, want;

        snprintf(sid, sizeof(sid), "sid-%d", s);
        want = model_verdict(&model[s], o, now);
        if (kind == 3) {
            now += 1 + o * 17;
            continue;
        }
        if (kind == 0) {
            got = sb_bind(&t, sid, strlen(sid), &w, now, TTL);
            if (want == SB_UNKNOWN) {
                FUZZ_ASSERT(got == SB_MATCH, "bind of a free %s: %d", sid,
                            (int)got);
            }
            else if (roomy) {
                FUZZ_ASSERT(got == want, "bind of %s by %d: %d, model %d",
                            sid, o, (int)got, (int)want);
            }
            else {
                /* Evicted, then bound anew; or still held. */
                FUZZ_ASSERT(got == want || got == SB_MATCH,
                            "bind of %s by %d: %d, model %d", sid, o,
                            (int)got, (int)want);
            }
            if (got == SB_MATCH) {
                model[s].owner = o;
                model[s].expires = now + TTL;
            }
        }
        else {
            got = sb_check(&t, sid, strlen(sid), &w, now, TTL);
            if (roomy || got != SB_UNKNOWN) {
                FUZZ_ASSERT(got == want, "check of %s by %d: %d, model %d",
                            sid, o, (int)got, (int)want);
            }
            if (got == SB_MATCH) {
                model[s].expires = now + TTL;
            }
            else if (got == SB_UNKNOWN && !roomy) {
                /* Evicted: nobody holds it any more. */
                model[s].owner = -1;
            }
        }
    }
    if (roomy) {
        long live = 0;
        for (i = 0; i < nsids; i++) {
            live += model[i].owner >= 0 && model[i].expires > now;
        }
        FUZZ_ASSERT(sb_count(&t, now) == live, "%ld bindings, model %ld",
                    sb_count(&t, now), live);
    }
    return 0;
}
