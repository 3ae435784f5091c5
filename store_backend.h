/*
 * store_backend.h: the operations a session store backend provides.
 *
 * mod_session_store talks to its store only through this table, so that a
 * backend on another engine (socache: Redis, memcached) is one more file.
 * Times are apr_time_t (microseconds).  Every operation must fail closed:
 * ST_ERROR when the store cannot answer, never a guess.
 */
#ifndef STORE_BACKEND_H
#define STORE_BACKEND_H

#include "httpd.h"
#include "session_table.h"

typedef struct store_backend store_backend_t;

struct store_backend {
    const char *name;
    /* Set the store up in post_config; pconf is the configuration pool,
     * s the main server.  Returns an APR status, logged by the caller. */
    apr_status_t (*init)(store_backend_t *be, apr_pool_t *pconf,
                         server_rec *s);
    st_status_t (*create)(store_backend_t *be, const st_session_t *sess,
                          apr_time_t now, int refuse_when_full,
                          st_create_info_t *info);
    /* Start fetching what a lookup of id will read (a hint; may be
     * NULL): called before the signature check, to overlap with it. */
    void (*prefetch)(store_backend_t *be, const char *id);
    st_status_t (*lookup)(store_backend_t *be, const char *id,
                          apr_time_t now, int touch, st_session_t *out);
    st_status_t (*destroy)(store_backend_t *be, const char *id);
    long (*destroy_user)(store_backend_t *be, const char *user);
    void (*note_login_failure)(store_backend_t *be);
    int (*stats)(store_backend_t *be, st_stats_t *out);
    /* Walk the store and check its invariants: 0, or -1 with a reason. */
    int (*check)(store_backend_t *be, char *err, apr_size_t errlen);
    /* Periodic work, called about once a second in the parent process
     * (the monitor hook); may be NULL. */
    void (*maintain)(store_backend_t *be, apr_time_t now);
    void *ctx;   /* the backend's own state */
};

/* The embedded default: the table in anonymous shared memory, kept in the
 * process pool so that it outlives every graceful and plain restart, and
 * with persist_file (may be NULL) saved every persist_interval seconds
 * (0: only at exit) and loaded when httpd starts. */
store_backend_t *store_shm_backend(apr_pool_t *p, apr_uint32_t capacity,
                                   const char *persist_file,
                                   apr_uint32_t persist_interval);

#endif
