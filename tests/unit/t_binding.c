/*
 * t_binding.c: Engine.IO sids bound to sessions (core/socket_binding.c):
 * bind and check, first owner stays, expiry, eviction within a probe run,
 * and many processes binding at once in shared memory.
 */
#include "../../core/socket_binding.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static sb_table_t *table_of_owners;

/* An owner of table_of_owners: a session id and a user. */
static sb_owner_t owner(const char *session, const char *user)
{
    sb_owner_t o;

    sb_owner_set(table_of_owners, &o, session, strlen(session), user);
    return o;
}

static void *shared(size_t size)
{
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return mem == MAP_FAILED ? NULL : mem;
}

static void test_bind_check(void)
{
    size_t size = sb_table_size(64);
    void *mem = shared(size);
    sb_table_t t;
    sb_owner_t alice, alice2, bob;

    ok(mem && sb_table_init(&t, mem, size, 64, 42) == 0, "init");
    table_of_owners = &t;
    alice = owner("session-a", "alice");
    alice2 = owner("session-a2", "alice");
    bob = owner("session-b", "bob");
    is_int(sb_check(&t, "abc", 3, &alice, 100, 600), SB_UNKNOWN,
           "nothing bound yet");
    is_int(sb_bind(&t, "abc", 3, &alice, 100, 600), SB_MATCH, "bind");
    is_int(sb_check(&t, "abc", 3, &alice, 101, 600), SB_MATCH,
           "its session passes");
    is_int(sb_check(&t, "abc", 3, &bob, 101, 600), SB_OTHER_USER,
           "another user is refused");
    is_int(sb_check(&t, "abc", 3, &alice2, 101, 600), SB_OTHER_SESSION,
           "another session of the same user too");
    is_int(sb_check(&t, "ab", 2, &alice, 101, 600), SB_UNKNOWN,
           "a prefix is another sid");
    is_int(sb_check(&t, "abcd", 4, &alice, 101, 600), SB_UNKNOWN,
           "so is a longer one");
    is_int(sb_bind(&t, "abc", 3, &bob, 102, 600), SB_OTHER_USER,
           "a second binding of a live sid is refused");
    is_int(sb_check(&t, "abc", 3, &alice, 103, 600), SB_MATCH,
           "and the first owner stays");
    is_int(sb_bind(&t, "abc", 3, &alice, 104, 600), SB_MATCH,
           "binding again to the same session renews it");
    /* The last use was at 104: alive until 704. */
    is_int(sb_check(&t, "abc", 3, &alice, 703, 600), SB_MATCH,
           "alive until the last use plus the ttl");
    is_int(sb_check(&t, "abc", 3, &alice, 1303, 600), SB_UNKNOWN,
           "then gone");
    is_int(sb_bind(&t, "abc", 3, &bob, 1304, 600), SB_MATCH,
           "an expired sid can be bound again");
    is_int(sb_count(&t, 1304), 1, "one binding alive");
    is_int(sb_bind(&t, "", 0, &bob, 1, 600), SB_ERROR, "an empty sid");
    {
        char longer[SB_SID_MAX + 1];
        memset(longer, 'x', sizeof(longer));
        is_int(sb_bind(&t, longer, SB_SID_MAX + 1, &bob, 1, 600), SB_ERROR,
               "a sid over SB_SID_MAX");
        is_int(sb_bind(&t, longer, SB_SID_MAX, &bob, 1, 600), SB_MATCH,
               "SB_SID_MAX bytes");
        is_int(sb_check(&t, longer, SB_SID_MAX, &bob, 2, 600), SB_MATCH,
               "and found again");
    }
    {
        /* User names are kept cut, for the reason only: the session
         * decides. */
        char name[200];
        sb_owner_t l1, l2;
        memset(name, 'u', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        l1 = owner("s1", name);
        name[150] = 'v';
        l2 = owner("s2", name);
        is_int(sb_bind(&t, "long", 4, &l1, 1, 600), SB_MATCH,
               "a long user name");
        is_int(sb_check(&t, "long", 4, &l2, 2, 600), SB_OTHER_SESSION,
               "names equal in their first bytes: another session");
    }
    munmap(mem, size);
}

/* With more sids than slots, a new binding takes an expired slot first,
 * then the least recently used one; a sid in use stays. */
static void test_eviction(void)
{
    size_t size = sb_table_size(64);
    void *mem = shared(size);
    sb_table_t t;
    sb_owner_t a;
    char sid[16];
    int i, alive = 0;

    ok(mem && sb_table_init(&t, mem, size, 64, 7) == 0, "init");
    table_of_owners = &t;
    a = owner("sa", "a");
    is_int(sb_table_entries(&t), 64, "64 entries");
    is_int(sb_bind(&t, "hot", 3, &a, 0, 1000000), SB_MATCH, "a hot sid");
    for (i = 0; i < 5000; i++) {
        snprintf(sid, sizeof(sid), "s%d", i);
        if (sb_bind(&t, sid, strlen(sid), &a, i + 1, 1000000) != SB_MATCH) {
            break;
        }
        /* Used on every step, so always the most recent of its run. */
        if (sb_check(&t, "hot", 3, &a, i + 1, 1000000) == SB_MATCH) {
            alive++;
        }
    }
    is_int(i, 5000, "every new sid gets a slot");
    is_int(alive, 5000, "the sid in use is never evicted");
    is_int(sb_count(&t, 5001), 64, "the table stays full");
    snprintf(sid, sizeof(sid), "s%d", 4999);
    is_int(sb_check(&t, sid, strlen(sid), &a, 5001, 1000000), SB_MATCH,
           "the newest is there");
    is_int(sb_check(&t, "s0", 2, &a, 5001, 1000000), SB_UNKNOWN,
           "the oldest was evicted");
    munmap(mem, size);
}

/* Processes binding and checking at once through one table. */
static void test_processes(void)
{
    size_t size = sb_table_size(16384);
    void *mem = shared(size);
    sb_table_t t;
    int p, status, bad = 0;

    ok(mem && sb_table_init(&t, mem, size, 16384, 99) == 0, "init");
    for (p = 0; p < 8; p++) {
        if (fork() == 0) {
            sb_table_t c;
            char sid[32], session[16];
            int i, errs = 0;
            sb_owner_t o, other;

            if (sb_table_attach(&c, mem, size) != 0) {
                _exit(2);
            }
            table_of_owners = &c;
            snprintf(session, sizeof(session), "p%d", p);
            o = owner(session, session);
            other = owner("intruder", "intruder");
            for (i = 0; i < 300; i++) {
                snprintf(sid, sizeof(sid), "p%d-%d", p, i);
                errs += sb_bind(&c, sid, strlen(sid), &o, 1, 600) != SB_MATCH;
                errs += sb_check(&c, sid, strlen(sid), &o, 2, 600) != SB_MATCH;
                errs += sb_check(&c, sid, strlen(sid), &other, 2, 600)
                        != SB_OTHER_USER;
            }
            _exit(errs ? 1 : 0);
        }
    }
    for (p = 0; p < 8; p++) {
        wait(&status);
        bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    is_int(bad, 0, "8 processes bind 300 sids each and find them again");
    is_int(sb_count(&t, 3), 2400, "2400 bindings");
    ok(sb_table_attach(&t, mem, size - 1) != 0,
       "attach refuses a block of another size");
    munmap(mem, size);
}

int main(void)
{
    test_bind_check();
    test_eviction();
    test_processes();
    return done_testing();
}
