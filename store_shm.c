/*
 * store_shm.c: the embedded store backend, the session table in an
 * anonymous shared memory segment, optionally saved to a file.
 *
 * The segment lives in the process pool, not the configuration pool: httpd
 * clears the configuration pool on every restart, graceful or not, and the
 * modules we replace lose every session there (mod_auth_openidc #657,
 * mod_auth_mellon #95).  Each post_config finds the segment again through
 * the process pool's user data.  A changed SessionStoreCapacity gets a new
 * segment, into which the live sessions are copied.
 *
 * With a persist file, the parent process (never a child) writes the table
 * from its monitor hook every interval and once more at the end of each
 * generation (restart or exit), and the first generation of a new parent
 * loads it.
 */
#include "store_backend.h"
#include "shm_segment.h"
#include "session_persist.h"

#include "http_core.h"
#include "http_log.h"
#include "apr_strings.h"
#include "apr_general.h"

#include <unistd.h>

APLOG_USE_MODULE(session_store);

#define SHM_KEY     "mod_session_store:sessions"

/* In the configuration pool: one generation's view of the store. */
typedef struct shm_ctx {
    apr_uint32_t capacity;
    const char  *persist_file;      /* NULL: none */
    apr_uint32_t persist_interval;  /* seconds, 0: only at exit */
    st_table_t   table;
    server_rec  *s;
    pid_t        parent;            /* the process that may save */
    apr_time_t   last_save;
} shm_ctx_t;

static void save_now(shm_ctx_t *ctx, const char *why)
{
    sp_result_t res;
    char err[512];

    if (!ctx->persist_file || getpid() != ctx->parent) {
        return;
    }
    ctx->last_save = apr_time_now();
    if (sp_save(&ctx->table, ctx->persist_file, ctx->last_save, &res, err,
                sizeof(err)) != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, ctx->s, "session store: "
                     "SessionStorePersistFile %s not written (%s): %s",
                     ctx->persist_file, why, err);
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, ctx->s, "session store: %ld "
                 "sessions written to %s (%s)", res.written,
                 ctx->persist_file, why);
}

/* A pre-cleanup of the configuration pool: it runs when a generation
 * ends (a restart, or the parent's exit, when that pool is destroyed
 * before the process pool and so while the segment is still mapped), and
 * before mod_so unloads this module, so no pointer into it outlives it. */
static apr_status_t save_at_generation_end(void *data)
{
    save_now(data, "restart or shutdown");
    return APR_SUCCESS;
}

struct copy_ctx {
    st_table_t *to;
    apr_time_t  now;
    long        copied;
};

static int copy_one(void *c, const st_session_t *s)
{
    struct copy_ctx *cc = c;
    if (st_create(cc->to, s, cc->now, 1, NULL) == ST_OK) {
        cc->copied++;
    }
    return 0;
}

static void load_file(shm_ctx_t *ctx, server_rec *s)
{
    sp_result_t res;
    char err[512];

    if (sp_load(&ctx->table, ctx->persist_file, apr_time_now(), &res, err,
                sizeof(err)) != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "session store: "
                     "SessionStorePersistFile %s refused: %s; starting with "
                     "an empty store (the file is left as it is and will "
                     "be replaced at the next save)", ctx->persist_file, err);
        return;
    }
    if (res.loaded || res.expired || res.skipped) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "session store: %ld "
                     "sessions loaded from %s (%ld expired, %ld did not fit "
                     "SessionStoreCapacity)", res.loaded, ctx->persist_file,
                     res.expired, res.skipped);
    }
}

static void setup_persistence(shm_ctx_t *ctx, apr_pool_t *pconf)
{
    /* post_config runs only in the parent, and after httpd detaches (it
     * forks between the first configuration pass and the second). */
    ctx->parent = getpid();
    ctx->last_save = apr_time_now();
    /* Not after the preflight pass that only checks the configuration:
     * the table then holds just what was loaded. */
    if (ctx->persist_file
        && ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        apr_pool_pre_cleanup_register(pconf, ctx, save_at_generation_end);
    }
}

static apr_status_t shm_init(store_backend_t *be, apr_pool_t *pconf,
                             server_rec *s)
{
    shm_ctx_t *ctx = be->ctx;
    apr_shm_t *shm, *old;
    apr_size_t size = st_table_size(ctx->capacity);
    apr_uint64_t seed;
    apr_status_t rv;
    int err;

    ctx->s = s;
    old = shm_segment_find(s, SHM_KEY);
    if (old && apr_shm_size_get(old) == size
        && st_table_attach(&ctx->table, apr_shm_baseaddr_get(old),
                           size) == 0) {
        setup_persistence(ctx, pconf);
        return APR_SUCCESS;
    }

    if ((rv = shm_segment_create(s, SHM_KEY, size, &shm)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "session store: cannot "
                     "create %" APR_SIZE_T_FMT " bytes of shared memory for "
                     "SessionStoreCapacity %u", size, ctx->capacity);
        return rv;
    }
    if ((rv = apr_generate_random_bytes((unsigned char *)&seed,
                                        sizeof(seed))) != APR_SUCCESS) {
        return rv;
    }
    err = st_table_init(&ctx->table, apr_shm_baseaddr_get(shm), size,
                        ctx->capacity, seed);
    if (err != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, err, s, "session store: cannot "
                     "set up the table's process-shared robust mutex");
        return err;
    }

    if (old) {
        st_table_t old_table;
        if (st_table_attach(&old_table, apr_shm_baseaddr_get(old),
                            apr_shm_size_get(old)) == 0) {
            struct copy_ctx cc = { &ctx->table, apr_time_now(), 0 };
            st_foreach(&old_table, cc.now, copy_one, &cc);
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "session store: "
                         "SessionStoreCapacity changed from %u to %u; %ld "
                         "sessions carried over",
                         st_table_capacity(&old_table), ctx->capacity,
                         cc.copied);
        }
        /* Children of the old generation keep their own mapping. */
        apr_shm_destroy(old);
    }
    else if (ctx->persist_file) {
        load_file(ctx, s);
    }
    setup_persistence(ctx, pconf);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "session store: %u sessions "
                 "in %" APR_SIZE_T_FMT " bytes of shared memory",
                 ctx->capacity, size);
    return APR_SUCCESS;
}

static void shm_maintain(store_backend_t *be, apr_time_t now)
{
    shm_ctx_t *ctx = be->ctx;

    if (ctx->persist_file && ctx->persist_interval
        && now - ctx->last_save >= apr_time_from_sec(ctx->persist_interval)) {
        save_now(ctx, "interval");
    }
}

static st_status_t shm_create(store_backend_t *be, const st_session_t *sess,
                              apr_time_t now, int refuse_when_full,
                              st_create_info_t *info)
{
    shm_ctx_t *ctx = be->ctx;
    return st_create(&ctx->table, sess, now, refuse_when_full, info);
}

static void shm_prefetch(store_backend_t *be, const char *id)
{
    shm_ctx_t *ctx = be->ctx;
    st_prefetch(&ctx->table, id);
}

static st_status_t shm_lookup(store_backend_t *be, const char *id,
                              apr_time_t now, int touch, st_session_t *out)
{
    shm_ctx_t *ctx = be->ctx;
    return st_lookup(&ctx->table, id, now, touch, out);
}

static st_status_t shm_destroy(store_backend_t *be, const char *id)
{
    shm_ctx_t *ctx = be->ctx;
    return st_destroy(&ctx->table, id);
}

static long shm_destroy_user(store_backend_t *be, const char *user)
{
    shm_ctx_t *ctx = be->ctx;
    return st_destroy_user(&ctx->table, user);
}

static void shm_note_login_failure(store_backend_t *be)
{
    shm_ctx_t *ctx = be->ctx;
    st_note_login_failure(&ctx->table);
}

static int shm_stats(store_backend_t *be, st_stats_t *out)
{
    shm_ctx_t *ctx = be->ctx;
    return st_stats(&ctx->table, out);
}

static int shm_check(store_backend_t *be, char *err, apr_size_t errlen)
{
    shm_ctx_t *ctx = be->ctx;
    return st_check(&ctx->table, err, errlen);
}

store_backend_t *store_shm_backend(apr_pool_t *p, apr_uint32_t capacity,
                                   const char *persist_file,
                                   apr_uint32_t persist_interval)
{
    store_backend_t *be = apr_pcalloc(p, sizeof(*be));
    shm_ctx_t *ctx = apr_pcalloc(p, sizeof(*ctx));

    ctx->capacity = capacity;
    ctx->persist_file = persist_file;
    ctx->persist_interval = persist_interval;
    be->name = "shm";
    be->init = shm_init;
    be->create = shm_create;
    be->prefetch = shm_prefetch;
    be->lookup = shm_lookup;
    be->destroy = shm_destroy;
    be->destroy_user = shm_destroy_user;
    be->note_login_failure = shm_note_login_failure;
    be->stats = shm_stats;
    be->check = shm_check;
    be->maintain = shm_maintain;
    be->ctx = ctx;
    return be;
}
