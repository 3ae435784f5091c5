/*
 * session_persist.c: the session table to and from a file.
 *
 * Layout: header | count records (st_session_t) | SHA-256 digest of the
 * header followed by the SHA-256 of the records.
 */
#include "session_persist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#define SP_MAGIC   "SIOSESS"
#define SP_VERSION 3u

struct sp_header {
    char     magic[8];
    uint32_t version;
    uint32_t record_size;
    uint64_t count;
    int64_t  written_at;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void final_digest(const struct sp_header *h,
                         const unsigned char records_md[32],
                         unsigned char out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n;
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, h, sizeof(*h));
    EVP_DigestUpdate(ctx, records_md, 32);
    EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
}

/* Records go out in batches: a million sessions are not a million
 * system calls in the parent process. */
#define SAVE_BATCH 256

struct save_ctx {
    int          fd;
    EVP_MD_CTX  *md;
    uint64_t     count;
    int          failed;
    size_t       queued;
    st_session_t batch[SAVE_BATCH];
};

static int save_flush(struct save_ctx *sc)
{
    size_t bytes = sc->queued * sizeof(st_session_t);

    if (bytes && write_all(sc->fd, sc->batch, bytes) != 0) {
        sc->failed = errno ? errno : EIO;
        return -1;
    }
    if (bytes) {
        EVP_DigestUpdate(sc->md, sc->batch, bytes);
    }
    sc->count += sc->queued;
    sc->queued = 0;
    return 0;
}

static int save_one(void *c, const st_session_t *s)
{
    struct save_ctx *sc = c;
    st_session_t *rec = &sc->batch[sc->queued++];

    /* Copied into a zeroed record so that padding carries nothing. */
    memset(rec, 0, sizeof(*rec));
    memcpy(rec->id, s->id, sizeof(rec->id));
    memcpy(rec->user, s->user, sizeof(rec->user));
    memcpy(rec->remote, s->remote, sizeof(rec->remote));
    rec->created = s->created;
    rec->last_access = s->last_access;
    rec->idle_timeout = s->idle_timeout;
    rec->max_age = s->max_age;
    memcpy(rec->realm, s->realm, ST_REALM_LEN);
    if (sc->queued == SAVE_BATCH && save_flush(sc) != 0) {
        return 1;
    }
    return 0;
}

int sp_save(st_table_t *t, const char *path, int64_t now, sp_result_t *res,
            char *err, size_t errlen)
{
    char tmp[4096];
    struct sp_header h;
    struct save_ctx *sc;
    unsigned char rmd[32], fmd[32];
    unsigned int n;
    int rv = -1;

    memset(res, 0, sizeof(*res));
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
                         (long)getpid()) >= sizeof(tmp)) {
        return fail(err, errlen, "path too long");
    }
    if ((sc = calloc(1, sizeof(*sc))) == NULL) {
        return fail(err, errlen, "out of memory");
    }
    /* Written by root: never through a link someone planted, never into a
     * file that already exists (a stale one of ours is removed first). */
    unlink(tmp);
    sc->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (sc->fd < 0) {
        fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        free(sc);
        return -1;
    }
    sc->md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sc->md, EVP_sha256(), NULL);

    memset(&h, 0, sizeof(h));
    memcpy(h.magic, SP_MAGIC, sizeof(SP_MAGIC));
    h.version = SP_VERSION;
    h.record_size = sizeof(st_session_t);
    h.written_at = now;
    /* The count is known only at the end: the header is written twice. */
    if (write_all(sc->fd, &h, sizeof(h)) != 0) {
        fail(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (st_foreach(t, now, save_one, sc) < 0) {
        fail(err, errlen, "cannot lock the session table");
        goto out;
    }
    if (!sc->failed) {
        save_flush(sc);
    }
    if (sc->failed) {
        fail(err, errlen, "cannot write %s: %s", tmp, strerror(sc->failed));
        goto out;
    }
    EVP_DigestFinal_ex(sc->md, rmd, &n);
    h.count = sc->count;
    final_digest(&h, rmd, fmd);
    if (write_all(sc->fd, fmd, sizeof(fmd)) != 0
        || pwrite(sc->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)
        || fsync(sc->fd) != 0) {
        fail(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(sc->fd) != 0) {
        sc->fd = -1;
        fail(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    sc->fd = -1;
    if (rename(tmp, path) != 0) {
        fail(err, errlen, "cannot rename %s to %s: %s", tmp, path,
             strerror(errno));
        goto out;
    }
    res->written = (long)sc->count;
    rv = 0;
out:
    if (sc->fd >= 0) {
        close(sc->fd);
    }
    if (rv != 0) {
        unlink(tmp);
    }
    EVP_MD_CTX_free(sc->md);
    free(sc);
    return rv;
}

static int record_ok(const st_session_t *s)
{
    return st_id_valid(s->id)
           && memchr(s->user, '\0', sizeof(s->user)) != NULL && s->user[0]
           && memchr(s->remote, '\0', sizeof(s->remote)) != NULL;
}

int sp_load(st_table_t *t, const char *path, int64_t now, sp_result_t *res,
            char *err, size_t errlen)
{
    struct sp_header h;
    struct stat st;
    unsigned char rmd[32], fmd[32], want[32];
    unsigned int n;
    EVP_MD_CTX *md = NULL;
    st_session_t rec;
    uint64_t i;
    int fd, pass, rv = -1;

    memset(res, 0, sizeof(*res));
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return 0;
        }
        return fail(err, errlen, "cannot open: %s", strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fail(err, errlen, "not a regular file");
        goto out;
    }
    /* Whoever can write it can make sessions: only its owner (the user
     * httpd starts as, who writes it) may. */
    if ((st.st_mode & 022) || st.st_uid != geteuid()) {
        fail(err, errlen, "writable by others or not owned by the user "
             "httpd starts as (mode %o, owner %ld)", st.st_mode & 0777,
             (long)st.st_uid);
        goto out;
    }
    if (read_all(fd, &h, sizeof(h)) != 0
        || memcmp(h.magic, SP_MAGIC, sizeof(SP_MAGIC)) != 0) {
        fail(err, errlen, "not a session file of mod_session_store");
        goto out;
    }
    if (h.version != SP_VERSION || h.record_size != sizeof(st_session_t)) {
        fail(err, errlen, "written by another version (format %u, record "
             "%u bytes; this one reads format %u, %zu bytes)", h.version,
             h.record_size, SP_VERSION, sizeof(st_session_t));
        goto out;
    }
    if (h.count > (uint64_t)(st.st_size) / sizeof(st_session_t)
        || (uint64_t)st.st_size != sizeof(h) + h.count * sizeof(rec) + 32) {
        fail(err, errlen, "cut short or padded: %lld bytes for %llu sessions",
             (long long)st.st_size, (unsigned long long)h.count);
        goto out;
    }
    md = EVP_MD_CTX_new();
    /* Pass 0 checks everything; pass 1 adds.  Nothing is added from a
     * file that fails any check. */
    for (pass = 0; pass < 2; pass++) {
        if (lseek(fd, (off_t)sizeof(h), SEEK_SET) < 0) {
            fail(err, errlen, "cannot seek: %s", strerror(errno));
            goto out;
        }
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        for (i = 0; i < h.count; i++) {
            if (read_all(fd, &rec, sizeof(rec)) != 0) {
                fail(err, errlen, "cannot read record %llu",
                     (unsigned long long)i);
                goto out;
            }
            if (pass == 0) {
                EVP_DigestUpdate(md, &rec, sizeof(rec));
                if (!record_ok(&rec)) {
                    fail(err, errlen, "record %llu is not a session",
                         (unsigned long long)i);
                    goto out;
                }
                continue;
            }
            if (st_session_expired(&rec, now)) {
                res->expired++;
            }
            else if (st_create(t, &rec, now, 1, NULL) == ST_OK) {
                res->loaded++;
            }
            else {
                res->skipped++;
            }
        }
        if (pass == 0) {
            EVP_DigestFinal_ex(md, rmd, &n);
            final_digest(&h, rmd, want);
            if (read_all(fd, fmd, sizeof(fmd)) != 0
                || memcmp(fmd, want, sizeof(want)) != 0) {
                fail(err, errlen, "checksum mismatch: the file is corrupt");
                goto out;
            }
        }
    }
    rv = 0;
out:
    EVP_MD_CTX_free(md);
    close(fd);
    return rv;
}
