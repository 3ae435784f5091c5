/*
 * t_table.c: the shared-memory session table.
 *
 * Includes session_table.c itself so that a test can take the lock and
 * leave the table half-changed, the way a child killed mid-operation would.
 */
#include "../../core/session_table.c"
#include "tap.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEC 1000000LL

static void make_id(char *id, unsigned n)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int k;
    for (k = 0; k < ST_ID_LEN; k++) {
        id[k] = a[((n >> ((k % 5) * 6)) & 63) ^ ((k * 7) & 63)];
    }
    id[ST_ID_LEN] = '\0';
}

static st_session_t sess(unsigned n, const char *user, int64_t now)
{
    st_session_t s;
    memset(&s, 0, sizeof(s));
    make_id(s.id, n);
    snprintf(s.user, sizeof(s.user), "%s", user);
    snprintf(s.remote, sizeof(s.remote), "127.0.0.1");
    s.created = s.last_access = now;
    s.idle_timeout = 1800;
    s.max_age = 86400;
    return s;
}

static void *shared_block(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static int table_ok(st_table_t *t, const char *what)
{
    char err[200];
    int rv = st_check(t, err, sizeof(err));
    if (!ok(rv == 0, "consistent: %s", what)) {
        printf("#   %s\n", err);
    }
    return rv == 0;
}

static int count_one(void *ctx, const st_session_t *s)
{
    (void)s;
    (*(long *)ctx)++;
    return 0;
}

static void test_basics(void)
{
    size_t size = st_table_size(8);
    void *mem = shared_block(size);
    st_table_t t, t2;
    st_session_t s, out;
    st_stats_t stats;
    char id[ST_ID_LEN + 1];
    int64_t now = 1000 * SEC;

    ok(st_table_init(&t, mem, size, 8, 42) == 0, "init");
    ok(st_table_attach(&t2, mem, size) == 0, "attach finds it again");
    ok(st_table_attach(&t2, mem, size - 1) != 0, "attach checks the size");
    table_ok(&t, "empty");

    s = sess(1, "alice", now);
    is_int(st_create(&t, &s, now, 0, NULL), ST_OK, "create");
    is_int(st_create(&t, &s, now, 0, NULL), ST_EXISTS, "same id again");
    is_int(st_lookup(&t2, s.id, NULL, now + SEC, 1, &out), ST_OK,
           "lookup through a second handle");
    is_str(out.user, "alice", "user copied out");
    is_str(out.remote, "127.0.0.1", "remote copied out");
    is_int(out.last_access, now + SEC, "touched");
    make_id(id, 2);
    is_int(st_lookup(&t, id, NULL, now, 1, NULL), ST_NOT_FOUND, "unknown id");
    is_int(st_lookup(&t, "short", NULL, now, 1, NULL), ST_INVALID, "not an id");

    s = sess(3, "bob", now);
    memset(s.user, 'x', sizeof(s.user));
    is_int(st_create(&t, &s, now, 0, NULL), ST_INVALID,
           "unterminated user refused");

    is_int(st_destroy(&t, out.id), ST_OK, "destroy");
    is_int(st_lookup(&t, out.id, NULL, now, 1, NULL), ST_NOT_FOUND, "gone");
    is_int(st_destroy(&t, out.id), ST_NOT_FOUND, "destroy twice");
    st_stats(&t, &stats);
    is_int(stats.used, 0, "none used");
    is_int(stats.hits, 1, "one hit");
    is_int(stats.misses, 2, "two misses");
    is_int(stats.destroys, 1, "one destroy");
    table_ok(&t, "after basics");
    munmap(mem, size);
}

/* Only a lookup that succeeds may touch a session: a request from a realm
 * where it is not valid must not keep it alive. */
static void test_realm(void)
{
    size_t size = st_table_size(4);
    void *mem = shared_block(size);
    st_table_t t;
    st_session_t s, out;
    unsigned char mine[ST_REALM_LEN], other[ST_REALM_LEN];
    int64_t now = 7000 * SEC;

    memset(mine, 0xab, sizeof(mine));
    memcpy(other, mine, sizeof(other));
    other[ST_REALM_LEN - 1] ^= 1;
    st_table_init(&t, mem, size, 4, 3);
    s = sess(1, "carol", now);
    memcpy(s.realm, mine, ST_REALM_LEN);
    s.idle_timeout = 10;
    st_create(&t, &s, now, 0, NULL);
    is_int(st_lookup(&t, s.id, other, now + 5 * SEC, 1, &out),
           ST_OTHER_REALM, "another realm (last byte differs) is refused");
    is_int(st_lookup(&t, s.id, mine, now + 6 * SEC, 0, &out), ST_OK,
           "its own realm finds it");
    is_int(out.last_access, now, "the refused lookup did not touch it");
    ok(memcmp(out.realm, mine, ST_REALM_LEN) == 0, "realm copied out");
    is_int(st_lookup(&t, s.id, other, now + 9 * SEC, 1, &out),
           ST_OTHER_REALM, "refused again");
    is_int(st_lookup(&t, s.id, mine, now + 11 * SEC, 1, &out), ST_EXPIRED,
           "so it expired on its own idle time");
    table_ok(&t, "after realm lookups");
    munmap(mem, size);
}

static void test_expiry(void)
{
    size_t size = st_table_size(4);
    void *mem = shared_block(size);
    st_table_t t;
    st_session_t s, out;
    int64_t now = 5000 * SEC;

    st_table_init(&t, mem, size, 4, 1);
    s = sess(1, "idle", now);
    s.idle_timeout = 10;
    st_create(&t, &s, now, 0, NULL);
    is_int(st_lookup(&t, s.id, NULL, now + 9 * SEC, 1, &out), ST_OK,
           "alive before the idle timeout");
    is_int(st_lookup(&t, s.id, NULL, now + 18 * SEC, 1, &out), ST_OK,
           "a touch pushes the idle timeout back");
    is_int(st_lookup(&t, s.id, NULL, now + 29 * SEC, 1, &out), ST_EXPIRED,
           "expired when idle too long");
    is_int(st_lookup(&t, s.id, NULL, now + 29 * SEC, 1, &out), ST_NOT_FOUND,
           "and removed");

    s = sess(2, "old", now);
    s.idle_timeout = 0;
    s.max_age = 100;
    st_create(&t, &s, now, 0, NULL);
    is_int(st_lookup(&t, s.id, NULL, now + 100 * SEC, 1, &out), ST_OK,
           "alive at max age");
    is_int(st_lookup(&t, s.id, NULL, now + 101 * SEC, 1, &out), ST_EXPIRED,
           "expired past max age, however often touched");
    ok(st_session_expired(&s, now + 101 * SEC), "st_session_expired agrees");

    /* Expired sessions at the LRU tail are reclaimed by creates. */
    {
        st_stats_t st;
        st_create_info_t info;
        unsigned i;
        for (i = 10; i < 13; i++) {
            s = sess(i, "x", now);
            s.idle_timeout = 1;
            st_create(&t, &s, now, 0, NULL);
        }
        s = sess(20, "y", now + 60 * SEC);
        st_create(&t, &s, now + 60 * SEC, 0, &info);
        is_int(info.reclaimed, 3, "three expired reclaimed by a create");
        ok(!info.evicted, "nothing live evicted");
        st_stats(&t, &st);
        is_int(st.used, 1, "one left");
    }
    table_ok(&t, "after expiry");
    munmap(mem, size);
}

static void test_lru(void)
{
    size_t size = st_table_size(3);
    void *mem = shared_block(size);
    st_table_t t;
    st_session_t s[5];
    st_create_info_t info;
    st_stats_t st;
    int64_t now = 100 * SEC;
    unsigned i;

    st_table_init(&t, mem, size, 3, 7);
    for (i = 0; i < 3; i++) {
        char user[16];
        snprintf(user, sizeof(user), "u%u", i);
        s[i] = sess(i, user, now + i);
        is_int(st_create(&t, &s[i], now + i, 0, &info), ST_OK, "fill %u", i);
    }
    /* u0 used again: u1 is now the least recently used. */
    st_lookup(&t, s[0].id, NULL, now + 10, 1, NULL);
    s[3] = sess(3, "u3", now + 11);
    is_int(st_create(&t, &s[3], now + 11, 1, &info), ST_FULL,
           "refuse when full");
    is_int(st_create(&t, &s[3], now + 11, 0, &info), ST_OK, "evict when full");
    ok(info.evicted, "reports an eviction");
    is_str(info.evicted_user, "u1", "the least recently used went");
    is_int(st_lookup(&t, s[1].id, NULL, now + 12, 1, NULL), ST_NOT_FOUND,
           "u1 is gone");
    is_int(st_lookup(&t, s[0].id, NULL, now + 12, 1, NULL), ST_OK, "u0 stays");
    s[4] = sess(4, "u4", now + 13);
    st_create(&t, &s[4], now + 13, 0, &info);
    is_str(info.evicted_user, "u2", "then u2");
    st_stats(&t, &st);
    is_int(st.evictions, 2, "two evictions counted");
    is_int(st.used, 3, "still full");
    table_ok(&t, "after evictions");

    /* Sessions used long ago do not outlive one created just now: the
     * order is by last use, not by whether a session was ever used. */
    st_lookup(&t, s[0].id, NULL, now + 20, 1, NULL);
    st_lookup(&t, s[3].id, NULL, now + 21, 1, NULL);
    {
        st_session_t s5 = sess(5, "u5", now + 23);
        st_create(&t, &s5, now + 23, 0, &info);
        is_str(info.evicted_user, "u4", "the least recently used goes");
        st_lookup(&t, s[0].id, NULL, now + 24, 1, NULL);
        s5 = sess(6, "u6", now + 25);
        st_create(&t, &s5, now + 25, 0, &info);
        is_str(info.evicted_user, "u3", "then the next least recently used");
    }
    table_ok(&t, "after strict LRU evictions");
    {
        /* A prefetch is only a hint: for any id, known or not. */
        st_session_t probe = sess(0, "", 0);
        st_prefetch(&t, probe.id);
        st_prefetch(&t, "not-an-id-not-an-id-not-an-id-xx");
        is_int(st_lookup(&t, probe.id, NULL, now + 24, 0, NULL), ST_OK,
               "prefetch changes nothing");
    }
    munmap(mem, size);
}

static void test_destroy_user(void)
{
    size_t size = st_table_size(64);
    void *mem = shared_block(size);
    st_table_t t;
    int64_t now = 100 * SEC;
    unsigned i;
    long n;

    st_table_init(&t, mem, size, 64, 9);
    for (i = 0; i < 30; i++) {
        st_session_t s = sess(i, i % 3 == 0 ? "carol" : "dave", now);
        st_create(&t, &s, now, 0, NULL);
    }
    {
        long count = 0;
        is_int(st_foreach_user(&t, "carol", now, count_one, &count), 10,
               "foreach_user finds carol's ten");
        is_int(count, 10, "and calls back once each");
    }
    n = st_destroy_user(&t, "carol");
    is_int(n, 10, "destroy every session of one user");
    is_int(st_foreach_user(&t, "dave", now, count_one, &(long){0}), 20,
           "dave's twenty stay");
    is_int(st_destroy_user(&t, "nobody"), 0, "nobody has none");
    table_ok(&t, "after destroy by user");
    munmap(mem, size);
}

/* SessionStoreMaxPerUser: a login beyond the cap ends that user's least
 * recently used session, never another user's, even in a full table. */
static void test_max_per_user(void)
{
    size_t size = st_table_size(8);
    void *mem = shared_block(size);
    st_table_t t;
    st_create_opts_t opts;
    st_create_info_t info;
    st_session_t s, out;
    int64_t now = 100 * SEC;
    unsigned i;

    memset(&opts, 0, sizeof(opts));
    opts.max_per_user = 3;
    st_table_init(&t, mem, size, 8, 21);
    for (i = 0; i < 5; i++) {
        s = sess(100 + i, "bob", now);
        st_create(&t, &s, now, 0, NULL);
    }
    for (i = 0; i < 3; i++) {
        s = sess(i, "alice", now + 1 + i);
        is_int(st_create_with(&t, &s, now + 1 + i, &opts, &info), ST_OK,
               "alice's session %u", i + 1);
        ok(!info.capped && !info.evicted, "nothing ended for it");
    }
    /* alice's first session is used again: her second is now her least
     * recently used, though bob's are older still. */
    st_lookup(&t, sess(0, "", 0).id, NULL, now + 10, 1, NULL);
    s = sess(3, "alice", now + 11);
    is_int(st_create_with(&t, &s, now + 11, &opts, &info), ST_OK,
           "a fourth login of alice");
    is_int(info.capped, 1, "ended one of her own sessions");
    ok(!info.evicted, "and no one else's");
    is_int(st_lookup(&t, sess(1, "", 0).id, NULL, now + 12, 0, NULL),
           ST_NOT_FOUND, "her least recently used one");
    is_int(st_lookup(&t, sess(0, "", 0).id, NULL, now + 12, 0, &out), ST_OK,
           "her recently used first one stays");
    for (i = 0; i < 5; i++) {
        is_int(st_lookup(&t, sess(100 + i, "", 0).id, NULL, now + 12, 0,
                         NULL), ST_OK, "bob's session %u stays", i + 1);
    }
    /* Sixty more logins of alice in this full table: bob keeps all five. */
    for (i = 10; i < 70; i++) {
        s = sess(i, "alice", now + 20 + i);
        st_create_with(&t, &s, now + 20 + i, &opts, &info);
    }
    is_int(st_foreach_user(&t, "bob", now + 100, count_one,
                           &(long){0}), 5, "bob still has five sessions");
    is_int(st_foreach_user(&t, "alice", now + 100, count_one,
                           &(long){0}), 3, "alice holds her three");
    table_ok(&t, "after capped logins");

    /* Her expired sessions go before a live one. */
    s = sess(200, "carol", now);
    s.idle_timeout = 5;
    st_create_with(&t, &s, now, &opts, &info);
    for (i = 201; i < 203; i++) {
        s = sess(i, "carol", now + 100 * SEC);
        st_create_with(&t, &s, now + 100 * SEC, &opts, &info);
    }
    s = sess(203, "carol", now + 100 * SEC);
    st_create_with(&t, &s, now + 100 * SEC, &opts, &info);
    ok(!info.capped, "an expired session of hers made the room");
    is_int(st_foreach_user(&t, "carol", now + 100 * SEC, count_one,
                           &(long){0}), 3, "three live for carol");

    /* A lower cap after a restart ends as many as needed at once. */
    opts.max_per_user = 1;
    s = sess(300, "alice", now + 200 * SEC);
    st_create_with(&t, &s, now + 200 * SEC, &opts, &info);
    is_int(info.capped, 3, "cap lowered to 1: her three others end");
    opts.max_per_user = 0;
    for (i = 301; i < 320; i++) {
        s = sess(i, "dave", now + 300 * SEC);
        st_create_with(&t, &s, now + 300 * SEC, &opts, &info);
    }
    is_int(st_foreach_user(&t, "dave", now + 300 * SEC, count_one,
                           &(long){0}), 8, "no cap: the table's LRU rule "
           "alone");
    table_ok(&t, "after cap changes");
    munmap(mem, size);
}

/* Ended sessions are reported by id, for the persist journal. */
static void note_id(void *ctx, const char *id)
{
    strcpy(ctx, id);
}

static void test_ended_ids(void)
{
    size_t size = st_table_size(2);
    void *mem = shared_block(size);
    st_table_t t;
    st_create_opts_t opts;
    st_session_t s;
    char ended[ST_ID_LEN + 1] = "";
    int64_t now = 100 * SEC;

    memset(&opts, 0, sizeof(opts));
    opts.ended = note_id;
    opts.ended_ctx = ended;
    st_table_init(&t, mem, size, 2, 4);
    s = sess(1, "a", now);
    st_create_with(&t, &s, now, &opts, NULL);
    s = sess(2, "b", now + 1);
    st_create_with(&t, &s, now + 1, &opts, NULL);
    is_str(ended, "", "no session ended yet");
    s = sess(3, "c", now + 2);
    st_create_with(&t, &s, now + 2, &opts, NULL);
    is_str(ended, sess(1, "", 0).id, "the evicted id is reported");
    munmap(mem, size);
}

static void test_foreach(void)
{
    size_t size = st_table_size(16);
    void *mem = shared_block(size);
    st_table_t t;
    int64_t now = 100 * SEC;
    long count = 0;
    unsigned i;

    st_table_init(&t, mem, size, 16, 3);
    for (i = 0; i < 10; i++) {
        st_session_t s = sess(i, "eve", now);
        s.idle_timeout = i < 4 ? 1 : 1000;
        st_create(&t, &s, now, 0, NULL);
    }
    is_int(st_foreach(&t, now + 5 * SEC, count_one, &count), 6,
           "foreach skips expired sessions");
    is_int(count, 6, "and calls back once each");
    munmap(mem, size);
}

/* A dead lock holder: the next locker repairs the table and goes on. */
static void test_owner_dead(void)
{
    size_t size = st_table_size(32);
    void *mem = shared_block(size);
    st_table_t t;
    int64_t now = 100 * SEC;
    st_stats_t st;
    unsigned i;
    pid_t pid;
    int status;

    st_table_init(&t, mem, size, 32, 5);
    for (i = 0; i < 20; i++) {
        st_session_t s = sess(i, "frank", now + i);
        st_create(&t, &s, now + i, 0, NULL);
    }
    pid = fork();
    if (pid == 0) {
        /* Take the lock and break links half-way, then die. */
        pthread_mutex_lock(&t.hdr->lock);
        t.slots[t.hdr->lru_head].lnext = 7;
        t.hdr->used = 3;
        t.buckets[0] = 5;
        t.hdr->free_head = 2;
        make_id(t.slots[25].id, 999);
        t.slots[25].state = SLOT_USED;   /* a create cut short */
        t.slots[25].id[3] = '!';
        _exit(0);
    }
    waitpid(pid, &status, 0);
    {
        st_session_t out;
        st_session_t probe = sess(11, "frank", now);
        is_int(st_lookup(&t, probe.id, NULL, now + 100, 1, &out), ST_OK,
               "lookup after the owner died");
    }
    st_stats(&t, &st);
    is_int(st.repairs, 1, "one repair");
    is_int(st.used, 20, "all twenty sessions kept");
    table_ok(&t, "after repair");
    {
        st_session_t s = sess(500, "grace", now + 200);
        is_int(st_create(&t, &s, now + 200, 0, NULL), ST_OK,
               "create after repair");
    }
    table_ok(&t, "after create");
    munmap(mem, size);
}

/* Many processes at once, then a kill storm.  Every field of session n
 * is derived from n, so a slot pieced together from two sessions (a
 * state published before the copy, or a release that leaves a freed slot
 * marked used) shows. */
static st_session_t storm_sess(unsigned n, int64_t now)
{
    char user[16];
    st_session_t s;

    snprintf(user, sizeof(user), "w%u", n % 10);
    s = sess(n, user, now);
    snprintf(s.remote, sizeof(s.remote), "10.0.%u.%u", n / 256, n % 256);
    memset(s.realm, (int)(n & 0xff), sizeof(s.realm));
    return s;
}

/* The n of an id made by make_id (its first five characters). */
static unsigned id_number(const char *id)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned n = 0;
    int k;
    for (k = 0; k < 5; k++) {
        unsigned v = (unsigned)(strchr(a, id[k]) - a) ^ ((unsigned)(k * 7) & 63);
        n |= v << (k * 6);
    }
    return n;
}

static int storm_sess_whole(void *ctx, const st_session_t *got)
{
    st_session_t want = storm_sess(id_number(got->id), got->created);
    int whole = strcmp(got->id, want.id) == 0
                && strcmp(got->user, want.user) == 0
                && strcmp(got->remote, want.remote) == 0
                && memcmp(got->realm, want.realm, ST_REALM_LEN) == 0;
    if (!whole) {
        (*(long *)ctx)++;
        printf("#   torn slot: id %s user %s remote %s\n", got->id, got->user,
               got->remote);
    }
    return 0;
}

static void worker(st_table_t *t, unsigned seed, int rounds)
{
    int64_t now = 100 * SEC;
    st_create_opts_t opts;
    int i;

    memset(&opts, 0, sizeof(opts));
    opts.max_per_user = 40;
    srand(seed);
    for (i = 0; i < rounds; i++) {
        unsigned n = (unsigned)rand() % 3000;
        st_session_t s = storm_sess(n, now + i);
        switch (rand() % 5) {
        case 0:
        case 1:
            st_create_with(t, &s, now + i, &opts, NULL);
            break;
        case 4:
            if (rand() % 50 == 0) {
                st_destroy_user(t, s.user);
            }
            break;
        case 2:
            st_lookup(t, s.id, NULL, now + i, 1, NULL);
            break;
        default:
            st_destroy(t, s.id);
        }
    }
}

static void test_concurrency(void)
{
    enum { PROCS = 8, CAP = 1000 };
    size_t size = st_table_size(CAP);
    void *mem = shared_block(size);
    st_table_t t;
    st_stats_t st;
    pid_t pids[PROCS];
    int i, clean = 1, round;

    st_table_init(&t, mem, size, CAP, 11);
    for (i = 0; i < PROCS; i++) {
        if ((pids[i] = fork()) == 0) {
            worker(&t, (unsigned)i + 1, 20000);
            _exit(0);
        }
    }
    for (i = 0; i < PROCS; i++) {
        int status;
        waitpid(pids[i], &status, 0);
        clean = clean && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    ok(clean, "%d processes hammered the table and exited cleanly", PROCS);
    st_stats(&t, &st);
    ok(st.creates > 0 && st.lookups > 0, "they did work (%llu creates, "
       "%llu lookups)", (unsigned long long)st.creates,
       (unsigned long long)st.lookups);
    table_ok(&t, "after concurrent work");

    /* Kill storm: SIGKILL workers at random moments, many times. */
    for (round = 0; round < 30; round++) {
        for (i = 0; i < 4; i++) {
            if ((pids[i] = fork()) == 0) {
                worker(&t, (unsigned)(round * 10 + i), 1 << 30);
                _exit(0);
            }
        }
        {
            struct timespec ts = { 0, (long)(1 + round % 5) * 1000000L };
            nanosleep(&ts, NULL);
        }
        for (i = 0; i < 4; i++) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], NULL, 0);
        }
    }
    ok(1, "120 workers killed with SIGKILL mid-work");
    table_ok(&t, "after the kill storm");
    {
        long torn = 0;
        st_foreach(&t, 100 * SEC, storm_sess_whole, &torn);
        is_int(torn, 0, "no session pieced together from two");
    }
    {
        st_session_t s = sess(77777, "after", 200 * SEC);
        st_destroy(&t, s.id);
        is_int(st_create(&t, &s, 200 * SEC, 0, NULL), ST_OK,
               "the table still takes sessions");
    }
    st_stats(&t, &st);
    printf("# lock repairs during the storm: %llu\n",
           (unsigned long long)st.repairs);
    munmap(mem, size);
}

/* ?check is paced: after a walk of d, none for ST_CHECK_PACE * d. */
static void test_check_paced(void)
{
    enum { CAP = 100000 };
    size_t size = st_table_size(CAP);
    void *mem = shared_block(size);
    st_table_t t;
    char err[200];
    int64_t retry = -1;
    unsigned i;

    st_table_init(&t, mem, size, CAP, 8);
    for (i = 0; i < CAP / 2; i++) {
        st_session_t s = sess(i, i % 2 ? "p" : "q", 100 * SEC);
        st_create(&t, &s, 100 * SEC, 0, NULL);
    }
    is_int(st_check_paced(&t, err, sizeof(err), &retry), 0,
           "the first check runs");
    is_int(st_check_paced(&t, err, sizeof(err), &retry), 1,
           "one right after it is not run");
    ok(retry >= 1, "and says when to come back (%lld s): %s",
       (long long)retry, err);
    t.hdr->check_not_before = 0;
    is_int(st_check_paced(&t, err, sizeof(err), &retry), 0,
           "once the pause is over, it runs again");
    munmap(mem, size);
}

static void test_sizes(void)
{
    size_t per = st_table_size(1000000) / 1000000;
    ok(st_table_size(1000000) <= 256u * 1024 * 1024,
       "1M sessions fit in 256 MiB (%zu bytes, %zu a session)",
       st_table_size(1000000), per);
    ok(st_table_init(&(st_table_t){0}, shared_block(64), 64, 0, 0) != 0,
       "capacity 0 refused");
    ok(st_max_capacity() <= ST_CAPACITY_MAX
       && (sizeof(size_t) > 4 ? st_max_capacity() == ST_CAPACITY_MAX
                              : st_max_capacity() < 8000000),
       "capacity capped by what the platform addresses (%u)",
       st_max_capacity());
    ok(st_table_size(st_max_capacity()) != 0
       && (st_max_capacity() == UINT32_MAX
           || st_table_size(st_max_capacity() + 1) == 0),
       "no size_t overflow at the cap, none above it");
}

int main(void)
{
    test_basics();
    test_expiry();
    test_realm();
    test_lru();
    test_destroy_user();
    test_max_per_user();
    test_ended_ids();
    test_foreach();
    test_owner_dead();
    test_concurrency();
    test_check_paced();
    test_sizes();
    return done_testing();
}
