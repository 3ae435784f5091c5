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

/* How a create may make room. */
typedef struct ss_create_policy {
    int refuse_when_full;             /* full store: refuse, not evict */
    apr_uint32_t max_per_user;        /* sessions one user may hold; the
                                         user's least recently used one
                                         ends first; 0: no cap */
} ss_create_policy_t;

/* A callback for each session of a walk: a copy; non-zero stops. */
typedef int (*ss_session_fn)(void *ctx, const st_session_t *s);
/* A callback for each user of a listing, with its live sessions. */
typedef void (*ss_user_fn)(void *ctx, const char *user, long sessions);

struct ss_backend {
    const char *name;
    /* Make an instance for the global settings in mc, from the
     * configuration pool.  Returns NULL, or an error message. */
    const char *(*create)(void **inst, const struct ss_module_conf *mc,
                          apr_pool_t *pconf);
    /* Set the store up in post_config (s: the main server), in the
     * parent.  Logs what went wrong itself, with the detail only it
     * knows; returns an APR status. */
    apr_status_t (*init)(ss_store_t *st, apr_pool_t *pconf, server_rec *s);
    /* In each child before it serves (connections of its own); may be
     * NULL. */
    void (*child_init)(ss_store_t *st, apr_pool_t *pchild, server_rec *s);
    /* Store sess under its id (all fields are the caller's).  info may be
     * NULL. */
    st_status_t (*create_session)(ss_store_t *st, const st_session_t *sess,
                                  apr_time_t now,
                                  const ss_create_policy_t *policy,
                                  st_create_info_t *info);
    /* Start fetching what a lookup of id will read (a hint; may be NULL):
     * called before the signature check, to overlap with it. */
    void (*prefetch)(ss_store_t *st, const char *id);
    /* Find id for realm (ST_REALM_LEN bytes; NULL: any).  ST_OTHER_REALM
     * leaves the session as it was: only a successful lookup touches. */
    st_status_t (*lookup)(ss_store_t *st, const char *id,
                          const unsigned char *realm, apr_time_t now,
                          int touch, st_session_t *out);
    st_status_t (*destroy)(ss_store_t *st, const char *id);
    /* Every session of user; how many, or -1. */
    long (*destroy_user)(ss_store_t *st, const char *user);
    /* End the session whose handle (sc_session_handle of its id) is
     * handle: ST_OK (its user copied to user, unless NULL),
     * ST_NOT_FOUND or ST_ERROR. */
    st_status_t (*destroy_handle)(ss_store_t *st, const char *handle,
                                  char user[ST_USER_MAX]);
    /* Every live session of user to fn; how many, or -1. */
    long (*list_user)(ss_store_t *st, const char *user, apr_time_t now,
                      ss_session_fn fn, void *ctx);
    /* Users with live sessions, in byte order of their names, at most
     * limit of them after the name cursor (NULL: from the first); *next
     * is the cursor of the next page, from p, or NULL after the last.
     * Returns how many were listed, or -1. */
    long (*list_users)(ss_store_t *st, apr_time_t now, const char *cursor,
                       int limit, apr_pool_t *p, ss_user_fn fn, void *ctx,
                       const char **next);
    void (*note_login_failure)(ss_store_t *st);
    int (*stats)(ss_store_t *st, st_stats_t *out);
    /* Walk the store and check its invariants: 0, or -1 with a reason
     * (may be NULL).  An engine whose walk blocks the store may pace it:
     * 1 then, the walk not run, and the reason ends "next in N s". */
    int (*check)(ss_store_t *st, char *err, apr_size_t errlen);
    /* Periodic work, about once a second in the parent process (the
     * monitor hook); may be NULL. */
    void (*maintain)(ss_store_t *st, apr_time_t now);
};

/* The embedded default: the table in anonymous shared memory, kept in the
 * process pool so that it outlives every graceful and plain restart, and
 * saved to SessionStorePersistFile if there is one. */
extern const ss_backend_t ss_backend_shm;

#ifdef SS_HAVE_REDIS
/* SessionStoreBackend redis (backend_redis*.c): sessions in Redis as
 * connect-redis keeps them, shared by every server that uses it. */
extern const ss_backend_t ss_backend_redis;
#endif

#endif
