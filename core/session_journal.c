/*
 * session_journal.c: the journal of ended sessions (session_journal.h).
 */
#include "session_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SJ_LINE_MAX (2 + 21 + 2 * ST_USER_MAX + 2)

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Open path for appending, locked; the file the name still points at (a
 * prune may have replaced it while we waited for the lock). */
static int open_locked(const char *path)
{
    int tries;

    for (tries = 0; tries < 8; tries++) {
        struct stat a, b;
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW
                            | O_CLOEXEC, 0600);
        if (fd < 0) {
            return -1;
        }
        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0
            && stat(path, &b) == 0 && a.st_ino == b.st_ino
            && a.st_dev == b.st_dev) {
            return fd;
        }
        close(fd);
    }
    errno = EAGAIN;
    return -1;
}

static int append(const char *path, const char *line, size_t len)
{
    int fd = open_locked(path), rv = -1, saved;

    if (fd < 0) {
        return -1;
    }
    /* One write: a crash leaves the line whole or cut short, and a cut
     * line is skipped at replay. */
    if (write(fd, line, len) == (ssize_t)len && fdatasync(fd) == 0) {
        rv = 0;
    }
    saved = errno;
    close(fd);   /* and so unlocked */
    errno = saved;
    return rv;
}

int sj_end_session(const char *path, const char *id, int64_t now)
{
    char line[SJ_LINE_MAX];
    int n;

    if (!st_id_valid(id)) {
        errno = EINVAL;
        return -1;
    }
    n = snprintf(line, sizeof(line), "E %" PRId64 " %s\n", now, id);
    return append(path, line, (size_t)n);
}

int sj_end_user(const char *path, const char *user, int64_t now)
{
    static const char hex[] = "0123456789abcdef";
    char line[SJ_LINE_MAX];
    size_t i, len = strnlen(user, ST_USER_MAX);
    int n;

    if (len == ST_USER_MAX) {
        errno = EINVAL;
        return -1;
    }
    n = snprintf(line, sizeof(line), "U %" PRId64 " ", now);
    for (i = 0; i < len; i++) {
        line[n++] = hex[(unsigned char)user[i] >> 4];
        line[n++] = hex[(unsigned char)user[i] & 15];
    }
    line[n++] = '\n';
    return append(path, line, (size_t)n);
}

static int unhex(int c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One record: its kind, time and value (the id, or the decoded user
 * name).  0 for a line that is not a whole record. */
static int parse_line(const char *line, char *kind, int64_t *time,
                      char value[ST_USER_MAX])
{
    const char *p;
    char *end;
    size_t n = 0;

    if ((line[0] != 'E' && line[0] != 'U') || line[1] != ' ') {
        return 0;
    }
    *kind = line[0];
    errno = 0;
    *time = strtoll(line + 2, &end, 10);
    if (errno || end == line + 2 || *end != ' ') {
        return 0;
    }
    p = end + 1;
    if (*kind == 'E') {
        if (strlen(p) != ST_ID_LEN + 1 || p[ST_ID_LEN] != '\n') {
            return 0;
        }
        memcpy(value, p, ST_ID_LEN);
        value[ST_ID_LEN] = '\0';
        return st_id_valid(value);
    }
    for (; p[0] != '\n'; p += 2) {
        int hi = unhex(p[0]), lo = hi < 0 ? -1 : unhex(p[1]);
        if (hi < 0 || lo < 0 || n + 1 >= ST_USER_MAX) {
            return 0;
        }
        value[n++] = (char)(hi << 4 | lo);
    }
    value[n] = '\0';
    return p[1] == '\0' && memchr(value, '\0', n) == NULL;
}

static FILE *open_journal(const char *path, char *err, size_t errlen,
                          int *missing)
{
    struct stat st;
    FILE *f;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    *missing = 0;
    if (fd < 0) {
        if (errno == ENOENT) {
            *missing = 1;
            return NULL;
        }
        fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    /* A journal can only end sessions, never make one: refuse only what
     * anyone could have written. */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 022)) {
        fail(err, errlen, "%s is not a regular file, or others may write "
             "it", path);
        close(fd);
        return NULL;
    }
    if ((f = fdopen(fd, "r")) == NULL) {
        close(fd);
        fail(err, errlen, "cannot read %s", path);
    }
    return f;
}

long sj_replay(st_table_t *t, const char *path, char *err, size_t errlen)
{
    char line[SJ_LINE_MAX + 1], value[ST_USER_MAX], kind;
    int64_t time;
    long ended = 0;
    int missing;
    FILE *f = open_journal(path, err, errlen, &missing);

    if (!f) {
        return missing ? 0 : -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (!parse_line(line, &kind, &time, value)) {
            continue;
        }
        if (kind == 'E') {
            ended += st_destroy(t, value) == ST_OK;
        }
        else {
            long n = st_destroy_user_before(t, value, time);
            ended += n > 0 ? n : 0;
        }
    }
    fclose(f);
    return ended;
}

int sj_prune(const char *path, int64_t since, char *err, size_t errlen)
{
    char tmp[4096], line[SJ_LINE_MAX + 1], value[ST_USER_MAX], kind;
    struct stat st;
    int64_t time;
    FILE *in;
    int fd, out, missing, rv = -1;

    if ((fd = open_locked(path)) < 0) {
        return fail(err, errlen, "cannot lock %s: %s", path,
                    strerror(errno));
    }
    if ((in = open_journal(path, err, errlen, &missing)) == NULL) {
        close(fd);
        return missing ? 0 : -1;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);
    out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
               0600);
    if (out < 0) {
        fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        goto done;
    }
    /* The children that append may run as another user than the one who
     * prunes (httpd's parent as root): the new file keeps the owner. */
    if (fstat(fd, &st) == 0 && (st.st_uid != geteuid()
                                || st.st_gid != getegid())) {
        if (fchown(out, st.st_uid, st.st_gid) != 0) {
            fail(err, errlen, "cannot give %s to uid %ld: %s", tmp,
                 (long)st.st_uid, strerror(errno));
            goto done;
        }
    }
    while (fgets(line, sizeof(line), in)) {
        size_t len = strlen(line);
        if (parse_line(line, &kind, &time, value) && time >= since
            && write(out, line, len) != (ssize_t)len) {
            fail(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
            goto done;
        }
    }
    if (fsync(out) != 0 || rename(tmp, path) != 0) {
        fail(err, errlen, "cannot replace %s: %s", path, strerror(errno));
        goto done;
    }
    rv = 0;
done:
    if (out >= 0) {
        close(out);
        if (rv != 0) {
            unlink(tmp);
        }
    }
    fclose(in);
    close(fd);
    return rv;
}
