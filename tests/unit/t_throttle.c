/*
 * t_throttle.c: the failed-login counters.
 */
/* Includes the unit itself, to reach the lock. */
#include "../../login_throttle.c"
#include "tap.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEC 1000000LL

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

    lt_check(&t, "u:alice", 3, 300, now, &v);
    ok(!v.throttled, "a new key is not throttled");
    for (i = 0; i < 2; i++) {
        lt_fail(&t, "u:alice", 300, now + i * SEC);
    }
    lt_check(&t, "u:alice", 3, 300, now + 2 * SEC, &v);
    ok(!v.throttled, "two failures of three allowed");
    lt_fail(&t2, "u:alice", 300, now + 3 * SEC);
    lt_check(&t, "u:alice", 3, 300, now + 4 * SEC, &v);
    ok(v.throttled, "the third failure (through another handle) throttles");
    is_int(v.retry_after, 296, "Retry-After counts to the end of the window");
    ok(v.first_notice, "the first refusal is to be logged");
    lt_check(&t, "u:alice", 3, 300, now + 5 * SEC, &v);
    ok(v.throttled && !v.first_notice, "later refusals are not logged again");
    lt_check(&t, "u:bob", 3, 300, now + 5 * SEC, &v);
    ok(!v.throttled, "other keys are free");
    lt_check(&t, "u:alice", 0, 300, now + 5 * SEC, &v);
    ok(!v.throttled, "a limit of 0 means off");
    lt_check(&t, "u:alice", 3, 300, now + 300 * SEC, &v);
    ok(!v.throttled, "free again when the window is over");
    lt_fail(&t, "u:alice", 300, now + 301 * SEC);
    lt_check(&t, "u:alice", 3, 300, now + 301 * SEC, &v);
    ok(!v.throttled, "a failure after the window starts a new one");

    for (i = 0; i < 3; i++) {
        lt_fail(&t, "u:carol", 300, now);
    }
    lt_reset(&t, "u:carol");
    lt_check(&t, "u:carol", 3, 300, now, &v);
    ok(!v.throttled, "reset forgets the failures");

    /* Far more keys than entries: memory stays bounded, nothing breaks,
     * and the newest keys are still counted. */
    for (i = 0; i < 5000; i++) {
        char key[32];
        snprintf(key, sizeof(key), "a:10.0.%d.%d", i / 256, i % 256);
        lt_fail(&t, key, 300, now + i);
        lt_fail(&t, key, 300, now + i);
    }
    lt_check(&t, "a:10.0.19.135", 2, 300, now + 5000, &v);
    ok(v.throttled, "the newest key survives a flood of others");

    {
        char longkey[300];
        memset(longkey, 'k', sizeof(longkey) - 1);
        longkey[sizeof(longkey) - 1] = '\0';
        lt_fail(&t, longkey, 300, now);
        lt_check(&t, longkey, 1, 300, now, &v);
        ok(v.throttled, "an over-long key is cut to its first %d bytes and "
           "still counted", LT_KEY_MAX - 1);
    }

    /* A holder killed with the lock: the next caller goes on. */
    {
        pid_t pid = fork();
        if (pid == 0) {
            lt_fail(&t, "u:dave", 300, now);
            pthread_mutex_lock(&t.hdr->lock);
            _exit(0);
        }
        waitpid(pid, NULL, 0);
        ok(lt_fail(&t, "u:dave", 300, now) == 0,
           "usable after a child died holding the lock");
        lt_check(&t, "u:dave", 2, 300, now, &v);
        ok(v.throttled, "both failures counted across processes");
    }
    munmap(mem, size);
    return done_testing();
}
