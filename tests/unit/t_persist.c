/*
 * t_persist.c: saving the session table to a file and loading it back.
 */
#include "../../core/session_persist.h"
#include "../../core/session_journal.h"
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEC 1000000LL

static st_table_t new_table(uint32_t cap)
{
    size_t size = st_table_size(cap);
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    st_table_t t;
    st_table_init(&t, mem, size, cap, 1234);
    return t;
}

static st_session_t sess(int n, int64_t now, uint32_t idle)
{
    st_session_t s;
    memset(&s, 0, sizeof(s));
    snprintf(s.id, sizeof(s.id), "%032d", n);
    snprintf(s.user, sizeof(s.user), "user%d", n);
    snprintf(s.remote, sizeof(s.remote), "10.0.0.%d", n);
    s.created = s.last_access = now;
    s.idle_timeout = idle;
    s.max_age = 0;
    return s;
}

static void corrupt_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    pread(fd, &c, 1, at);
    c ^= 0x40;
    pwrite(fd, &c, 1, at);
    close(fd);
}

/* Ends after the last save survive a crash: the journal replayed over
 * the loaded file ends them again. */
static void test_journal(void)
{
    char dir[] = "/tmp/t_journal.XXXXXX", path[256], jpath[256], err[512];
    st_table_t a = new_table(16), b;
    sp_result_t res;
    int64_t now = 1000 * SEC;
    int i;

    ok(mkdtemp(dir) != NULL, "scratch dir for the journal");
    snprintf(path, sizeof(path), "%s/sessions", dir);
    snprintf(jpath, sizeof(jpath), "%s/sessions.ends", dir);
    for (i = 1; i <= 6; i++) {
        st_session_t s = sess(i, now, 1000);
        if (i >= 4) {
            snprintf(s.user, sizeof(s.user), "Mallory\n\"x\"");
        }
        st_create(&a, &s, now, 0, NULL);
    }
    sp_save(&a, path, now + SEC, &res, err, sizeof(err));
    /* After the save: a logout, and a revocation of a user. */
    st_destroy(&a, sess(2, 0, 0).id);
    is_int(sj_end_session(jpath, sess(2, 0, 0).id, now + 2 * SEC), 0,
           "a logout journaled");
    is_int(sj_end_user(jpath, "Mallory\n\"x\"", now + 3 * SEC), 0,
           "a revocation of every session of a user journaled");
    {
        st_session_t later = sess(7, now + 4 * SEC, 1000);
        snprintf(later.user, sizeof(later.user), "Mallory\n\"x\"");
        b = new_table(16);
        st_create(&b, &later, now + 4 * SEC, 0, NULL);
    }
    /* A crash: the file of the save before the ends, plus the journal. */
    sp_load(&b, path, now + 6 * SEC, &res, err, sizeof(err));
    is_int(sj_replay(&b, jpath, err, sizeof(err)), 4,
           "replay ends what the file still held (1 logout, 3 revoked)");
    is_int(st_lookup(&b, sess(2, 0, 0).id, NULL, now + 6 * SEC, 0, NULL),
           ST_NOT_FOUND, "the logged-out session stays ended");
    is_int(st_lookup(&b, sess(5, 0, 0).id, NULL, now + 6 * SEC, 0, NULL),
           ST_NOT_FOUND, "a revoked session stays ended");
    is_int(st_lookup(&b, sess(7, 0, 0).id, NULL, now + 6 * SEC, 0, NULL),
           ST_OK, "a login after the revocation is kept");
    is_int(st_lookup(&b, sess(1, 0, 0).id, NULL, now + 6 * SEC, 0, NULL),
           ST_OK, "other sessions are kept");
    is_int(sj_replay(&b, jpath, err, sizeof(err)), 0, "replaying twice "
           "ends nothing more");
    {
        FILE *f = fopen(jpath, "a");
        fputs("E 12 short\nU x 00\nZ 1 2\nE 99 ", f);
        fclose(f);
        is_int(sj_replay(&b, jpath, err, sizeof(err)), 0,
               "bad and cut-short lines are skipped");
    }
    is_int(sj_prune(jpath, now + 3 * SEC, err, sizeof(err)), 0,
           "prune after a save");
    {
        struct stat st;
        stat(jpath, &st);
        ok(st.st_size > 0 && st.st_size < 200 && (st.st_mode & 0777) == 0600,
           "only the revocation at the save's time is left (%lld bytes)",
           (long long)st.st_size);
    }
    sj_prune(jpath, now + 100 * SEC, err, sizeof(err));
    chmod(jpath, 0622);
    is_int(sj_replay(&b, jpath, err, sizeof(err)), -1,
           "a journal others may write is refused");
    printf("# %s\n", err);
    unlink(jpath);
    is_int(sj_replay(&b, jpath, err, sizeof(err)), 0, "no journal: nothing");
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    char dir[] = "/tmp/t_persist.XXXXXX", path[256], err[512];
    st_table_t a = new_table(16), b, c;
    sp_result_t res;
    st_session_t out;
    struct stat st;
    int64_t now = 1000 * SEC;
    int i;

    ok(mkdtemp(dir) != NULL, "scratch dir");
    snprintf(path, sizeof(path), "%s/sessions", dir);

    is_int(sp_load(&a, path, now, &res, err, sizeof(err)), 0,
           "a missing file is no error");
    is_int(res.loaded, 0, "and loads nothing");

    for (i = 1; i <= 10; i++) {
        st_session_t s = sess(i, now, i <= 3 ? 10 : 1000);
        st_create(&a, &s, now, 0, NULL);
    }
    is_int(sp_save(&a, path, now + 5 * SEC, &res, err, sizeof(err)), 0,
           "save");
    is_int(res.written, 10, "ten written");
    stat(path, &st);
    is_int(st.st_mode & 0777, 0600, "file is 0600");

    b = new_table(16);
    is_int(sp_load(&b, path, now + 20 * SEC, &res, err, sizeof(err)), 0,
           "load into a new table");
    is_int(res.loaded, 7, "seven live sessions loaded");
    is_int(res.expired, 3, "three expired on the way dropped");
    is_int(st_lookup(&b, sess(5, 0, 0).id, NULL, now + 21 * SEC, 0, &out), ST_OK,
           "a loaded session is found");
    is_str(out.user, "user5", "with its user");
    is_str(out.remote, "10.0.0.5", "and its address");
    is_int(out.created, now, "and its creation time");

    c = new_table(4);
    sp_load(&c, path, now + 20 * SEC, &res, err, sizeof(err));
    is_int(res.loaded, 4, "a smaller table takes what fits");
    is_int(res.skipped, 3, "and says what did not");

    /* Corruption anywhere refuses the whole file. */
    corrupt_byte(path, 100);
    b = new_table(16);
    is_int(sp_load(&b, path, now, &res, err, sizeof(err)), -1,
           "a flipped bit in a record is refused");
    printf("# %s\n", err);
    is_int(res.loaded, 0, "and nothing is loaded");
    corrupt_byte(path, 100);
    is_int(sp_load(&b, path, now, &res, err, sizeof(err)), 0,
           "flipped back, it loads");

    chmod(path, 0620);
    c = new_table(16);
    is_int(sp_load(&c, path, now, &res, err, sizeof(err)), -1,
           "a file others may write is refused");
    printf("# %s\n", err);
    chmod(path, 0600);
    {
        char link[300];
        snprintf(link, sizeof(link), "%s/link", dir);
        symlink(path, link);
        is_int(sp_load(&c, link, now, &res, err, sizeof(err)), -1,
               "a symbolic link is not followed");
        printf("# %s\n", err);
        unlink(link);
    }

    truncate(path, 200);
    c = new_table(16);
    is_int(sp_load(&c, path, now, &res, err, sizeof(err)), -1,
           "a file cut short is refused");
    printf("# %s\n", err);
    {
        FILE *f = fopen(path, "w");
        fputs("username=alice\n", f);
        fclose(f);
    }
    is_int(sp_load(&c, path, now, &res, err, sizeof(err)), -1,
           "a foreign file is refused");
    printf("# %s\n", err);
    corrupt_byte(path, 0);
    unlink(path);
    snprintf(path, sizeof(path), "%s/missing-dir/sessions", dir);
    is_int(sp_save(&a, path, now, &res, err, sizeof(err)), -1,
           "a save into a missing directory fails with a reason");
    printf("# %s\n", err);
    rmdir(dir);
    test_journal();
    return done_testing();
}
