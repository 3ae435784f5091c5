/*
 * t_throttle.c: the failed-login counters.
 */
/* Includes the unit itself, to reach the lock. */
#include "../../core/login_throttle.c"
#include "tap.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEC 1000000LL

static int attempt(lt_table_t *t, const char *key, uint32_t max,
                   int64_t now, lt_verdict_t *v)
{
    return lt_attempt(t, key, max, 300, now, v);
}

/* Address floods (issue #10): the 503 they caused, and what takes its
 * place now. */
static void test_flood(void)
{
    size_t size = lt_table_size(1024);
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0), *mem2;
    lt_table_t t, t2;
    lt_verdict_t v;
    const char *counted[2], *by;
    int64_t now = 5000 * SEC;
    int i, k, passed = 0, refused = 0;

    /* One /52: 4096 /64s, three failures each, as the review did.  Their
     * /48 is throttled after 16 x 3 failures, before they fill anything. */
    lt_table_init(&t, mem, size, 1024, 7);
    for (i = 0; i < 4096; i++) {
        char exact[64];
        snprintf(exact, sizeof(exact), "a:2001:db8:0:%x::/64", i);
        for (k = 0; k < 3; k++) {
            refused += lt_attempt_address(&t, exact, "a:2001:db8::/48", 3,
                                          48, 30, 300, now, &v,
                                          counted, &by) != 0;
        }
    }
    is_int(refused, 0, "a /52 flood: never unavailable");
    ok(v.throttled && by && !strcmp(by, "a:2001:db8::/48") && !counted[0],
       "the flood's /48 is throttled (and the refusal not counted)");
    for (i = 0; i < 1000; i++) {
        char exact[64], block[64];
        snprintf(exact, sizeof(exact), "a:10.%d.%d.1", i / 250, i % 250);
        snprintf(block, sizeof(block), "a:10.%d.%d.0/24", i / 250, i % 250);
        lt_attempt_address(&t, exact, block, 3, 48, 30, 300, now, &v,
                           counted, &by);
        passed += !v.throttled && counted[1] && !strcmp(counted[1], exact);
    }
    is_int(passed, 1000, "then 1000 other clients are each counted under "
           "their own address and let through");

    /* Thousands of /48s (or a bigger table): whatever finds no room goes
     * to the slow lane, counted and throttled there, never refused for
     * want of an entry (plain lt_attempt's -1, which was the 503). */
    size = lt_table_size(64);
    mem2 = mmap(NULL, size, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    lt_table_init(&t2, mem2, size, 64, 9);
    refused = 0;
    for (i = 0; i < 2000; i++) {
        char exact[64], block[64];
        snprintf(exact, sizeof(exact), "a:2001:%x::/64", i);
        snprintf(block, sizeof(block), "a:2001:%x::/48", i);
        for (k = 0; k < 3; k++) {
            refused += lt_attempt(&t2, exact, 3, 300, now, &v) != 0;
            lt_attempt_address(&t2, exact, block, 3, 48, 30, 300, now, &v,
                               counted, &by);
        }
    }
    ok(refused > 0, "plain lt_attempt finds no room (%d times): the table "
       "is full of throttled keys", refused);
    is_int(lt_attempt_address(&t2, "a:192.0.2.7", "a:192.0.2.0/24", 3, 48,
                              30, 300, now, &v, counted, &by), 0,
           "a new client is still counted");
    ok(by && !strcmp(by, LT_LANE), "in the slow lane");
    ok(v.throttled && v.retry_after >= 1 && v.retry_after <= 300,
       "which the flood has throttled: 429 with Retry-After, not 503");
    {
        lt_verdict_t w;
        int used, through = 0;
        lt_reset(&t2, LT_LANE);
        for (i = 0; i < 60; i++) {
            lt_attempt_first(&t2, NULL, 0, 3, 30, 300, now, &w, &used);
            through += !w.throttled;
        }
        ok(used == 0 && through == 30,
           "the lane lets its own limit through per window (%d)", through);
    }
    munmap(mem, lt_table_size(1024));
    munmap(mem2, size);
}

int main(void)
{
    size_t size = lt_table_size(64);
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    lt_table_t t, t2;
    lt_verdict_t v;
    int64_t now = 1000 * SEC;
    int i;

    ok(lt_table_init(&t, mem, size, 64, 99) == 0, "init");
    ok(lt_table_attach(&t2, mem, size) == 0, "attach");
    ok(lt_table_attach(&t2, mem, size + 1) != 0, "attach checks the size");

    for (i = 0; i < 3; i++) {
        attempt(i == 2 ? &t2 : &t, "u:alice", 3, now + i * SEC, &v);
        ok(!v.throttled, "attempt %d of 3 may go on", i + 1);
    }
    attempt(&t, "u:alice", 3, now + 4 * SEC, &v);
    ok(v.throttled, "the fourth is refused (one counted through another "
       "handle)");
    is_int(v.retry_after, 296, "Retry-After counts to the end of the window");
    ok(v.first_notice, "the first refusal is to be logged");
    attempt(&t, "u:alice", 3, now + 5 * SEC, &v);
    ok(v.throttled && !v.first_notice, "later refusals are not logged again");
    attempt(&t, "u:bob", 3, now + 5 * SEC, &v);
    ok(!v.throttled, "other keys are free");
    for (i = 0; i < 10; i++) {
        attempt(&t, "u:nolimit", 0, now, &v);
    }
    ok(!v.throttled, "a limit of 0 means off");
    ok(find(&t, "u:nolimit", 0, 0, 0) == NULL, "and counts nothing");
    attempt(&t, "u:alice", 3, now + 300 * SEC, &v);
    ok(!v.throttled, "free again when the window is over");

    /* Successful logins give their attempt back. */
    for (i = 0; i < 3; i++) {
        attempt(&t, "a:10.1.1.1", 3, now, &v);
        lt_release(&t, "a:10.1.1.1");
    }
    attempt(&t, "a:10.1.1.1", 3, now, &v);
    ok(!v.throttled, "released attempts do not count");
    for (i = 0; i < 3; i++) {
        attempt(&t, "u:carol", 3, now, &v);
    }
    lt_reset(&t, "u:carol");
    attempt(&t, "u:carol", 3, now, &v);
    ok(!v.throttled, "reset forgets the failures");
    lt_release(&t, "u:nobody");
    ok(1, "releasing an unknown key is harmless");

    /* A flood of junk keys does not wash a throttled key out. */
    for (i = 0; i < 3; i++) {
        attempt(&t, "u:victim", 3, now, &v);
    }
    for (i = 0; i < 5000; i++) {
        char key[32];
        snprintf(key, sizeof(key), "u:junk%d", i);
        attempt(&t, key, 3, now + i, &v);
    }
    attempt(&t, "u:victim", 3, now + 6000, &v);
    ok(v.throttled, "the throttled key survives 5000 others");

    {
        char longkey[300];
        memset(longkey, 'k', sizeof(longkey) - 1);
        longkey[sizeof(longkey) - 1] = '\0';
        attempt(&t, longkey, 1, now, &v);
        attempt(&t, longkey, 1, now, &v);
        ok(v.throttled, "an over-long key is cut to its first %d bytes and "
           "still counted", LT_KEY_MAX - 1);
    }

    /* Parallel attempts: exactly max pass, however many processes try at
     * once (a check and a later count would let them all through). */
    {
        enum { PROCS = 8, TRIES = 50, MAX = 20 };
        pid_t pids[PROCS];
        int passed = 0, p, status;
        int *counts = mmap(NULL, sizeof(int) * PROCS, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        for (p = 0; p < PROCS; p++) {
            if ((pids[p] = fork()) == 0) {
                int k, mine = 0;
                for (k = 0; k < TRIES; k++) {
                    lt_verdict_t w;
                    if (lt_attempt(&t, "u:raced", MAX, 300, now, &w) == 0
                        && !w.throttled) {
                        mine++;
                    }
                }
                counts[p] = mine;
                _exit(0);
            }
        }
        for (p = 0; p < PROCS; p++) {
            waitpid(pids[p], &status, 0);
            passed += counts[p];
        }
        is_int(passed, MAX, "%d processes x %d attempts: exactly %d passed",
               PROCS, TRIES, MAX);
    }

    /* A holder killed with the lock: the next caller goes on. */
    {
        pid_t pid = fork();
        if (pid == 0) {
            attempt(&t, "u:dave", 2, now, &v);
            pthread_mutex_lock(&t.hdr->lock);
            _exit(0);
        }
        waitpid(pid, NULL, 0);
        ok(attempt(&t, "u:dave", 2, now, &v) == 0 && !v.throttled,
           "usable after a child died holding the lock");
        attempt(&t, "u:dave", 2, now, &v);
        ok(v.throttled, "both attempts counted across processes");
    }
    munmap(mem, size);
    test_flood();
    return done_testing();
}
