/*
 * session_store/backend.h: the operations a session store engine provides.
 *
 * mod_session_store reaches its sessions only through this table, as httpd
 * reaches a small-object cache through ap_socache_provider_t: each engine
 * is one file with one static const table of operations, and its state
 * lives in the instance the table's create makes.  Times are apr_time_t
 * (microseconds).  Every operation fails closed: ST_ERROR (or -1) when the
 * store cannot answer, never a guess.
 */
#ifndef SESSION_STORE_BACKEND_H
#define SESSION_STORE_BACKEND_H

#include "httpd.h"
#include "session_table.h"

typedef struct ss_backend ss_backend_t;
struct ss_module_conf;

/* A store: an engine and its instance. */
typedef struct ss_store {
    const ss_backend_t *be;
    void *inst;
} ss_store_t;

struct ss_backend {
    const char *name;
    /* Make an instance for the global settings in mc, from the
     * configuration pool.  Returns NULL, or an error message. */
    const char *(*create)(void **inst, const struct ss_module_conf *mc,
                          apr_pool_t *pconf);
    /* Set the store up in post_config (s: the main server).  Logs what
     * went wrong itself, with the detail only it knows; returns an APR
     * status. */
    apr_status_t (*init)(ss_store_t *st, apr_pool_t *pconf, server_rec *s);
    st_status_t (*create_session)(ss_store_t *st, const st_session_t *sess,
                                  apr_time_t now, int refuse_when_full,
                                  st_create_info_t *info);
    /* Start fetching what a lookup of id will read (a hint; may be NULL):
     * called before the signature check, to overlap with it. */
    void (*prefetch)(ss_store_t *st, const char *id);
    st_status_t (*lookup)(ss_store_t *st, const char *id, apr_time_t now,
                          int touch, st_session_t *out);
    st_status_t (*destroy)(ss_store_t *st, const char *id);
    /* Every session of user; how many, or -1. */
    long (*destroy_user)(ss_store_t *st, const char *user);
    void (*note_login_failure)(ss_store_t *st);
    int (*stats)(ss_store_t *st, st_stats_t *out);
    /* Walk the store and check its invariants: 0, or -1 with a reason
     * (may be NULL). */
    int (*check)(ss_store_t *st, char *err, apr_size_t errlen);
    /* Periodic work, about once a second in the parent process (the
     * monitor hook); may be NULL. */
    void (*maintain)(ss_store_t *st, apr_time_t now);
};

/* The embedded default: the table in anonymous shared memory, kept in the
 * process pool so that it outlives every graceful and plain restart, and
 * saved to SessionStorePersistFile if there is one. */
extern const ss_backend_t ss_backend_shm;

#endif
