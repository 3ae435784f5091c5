/*
 * session_persist.h: the session table to and from a file, so that
 * sessions outlive a full stop and start of httpd.
 *
 * Plain C with OpenSSL, no httpd.  The file is written to a temporary name
 * beside the target, flushed to disk and renamed, so a reader sees the old
 * file or the new one, never half of one.  Its layout is tied to this
 * build (record size, version) and ends with a SHA-256 digest, so a file
 * that is corrupt, cut short or foreign is refused whole, never half-read.
 * It holds session ids and user names: it is created mode 0600.  The ids
 * alone cannot be replayed: a cookie also needs the secret's signature.
 */
#ifndef SESSION_PERSIST_H
#define SESSION_PERSIST_H

#include <stddef.h>
#include "session_table.h"

typedef struct sp_result {
    long written;    /* save: sessions written */
    long loaded;     /* load: sessions now in the table */
    long expired;    /* load: dropped as expired */
    long skipped;    /* load: not taken (table full, id already there) */
} sp_result_t;

/* Write every live session of t to path.  Returns 0, or -1 with a reason
 * in err. */
int sp_save(st_table_t *t, const char *path, int64_t now, sp_result_t *res,
            char *err, size_t errlen);

/* Check the whole file at path, then add its live sessions to t.  A file
 * that does not exist is not an error (0, nothing loaded).  Returns 0, or
 * -1 with a reason in err and nothing added. */
int sp_load(st_table_t *t, const char *path, int64_t now, sp_result_t *res,
            char *err, size_t errlen);

#endif
