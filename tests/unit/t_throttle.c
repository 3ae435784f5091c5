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
    return done_testing();
}
