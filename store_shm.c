/*
 * store_shm.c: the embedded store backend, the session table in an
 * anonymous shared memory segment.
 *
 * The segment lives in the process pool, not the configuration pool: httpd
 * clears the configuration pool on every restart, graceful or not, and the
 * modules we replace lose every session there (mod_auth_openidc #657,
 * mod_auth_mellon #95).  Each post_config finds the segment again through
 * the process pool's user data.  A changed SessionStoreCapacity gets a new
 * segment, into which the live sessions are copied.
 */
#include "store_backend.h"

#include "http_log.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "apr_general.h"

APLOG_USE_MODULE(session_store);

#define SHM_USERDATA_KEY "mod_session_store:shm"

typedef struct shm_ctx {
    apr_uint32_t capacity;
    apr_shm_t   *shm;
    st_table_t   table;
} shm_ctx_t;

/* What the process pool keeps between generations. */
typedef struct shm_kept {
    apr_shm_t   *shm;
    apr_uint32_t capacity;
} shm_kept_t;

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

static apr_status_t shm_init(store_backend_t *be, apr_pool_t *pconf,
                             server_rec *s)
{
    shm_ctx_t *ctx = be->ctx;
    apr_pool_t *pproc = s->process->pool;
    shm_kept_t *kept = NULL;
    apr_shm_t *shm;
    apr_uint64_t seed;
    apr_size_t size = st_table_size(ctx->capacity);
    apr_status_t rv;
    int err;

    (void)pconf;
    apr_pool_userdata_get((void **)&kept, SHM_USERDATA_KEY, pproc);
    if (kept && kept->capacity == ctx->capacity) {
        if (st_table_attach(&ctx->table, apr_shm_baseaddr_get(kept->shm),
                            apr_shm_size_get(kept->shm)) == 0) {
            ctx->shm = kept->shm;
            return APR_SUCCESS;
        }
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "session store: kept segment is not a session table; "
                     "starting with an empty store");
    }

    rv = apr_shm_create(&shm, size, NULL, pproc);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     "session store: cannot create %" APR_SIZE_T_FMT
                     " bytes of shared memory for SessionStoreCapacity %u",
                     size, ctx->capacity);
        return rv;
    }
    if ((rv = apr_generate_random_bytes((unsigned char *)&seed,
                                        sizeof(seed))) != APR_SUCCESS) {
        apr_shm_destroy(shm);
        return rv;
    }
    err = st_table_init(&ctx->table, apr_shm_baseaddr_get(shm),
                        apr_shm_size_get(shm), ctx->capacity, seed);
    if (err != 0) {
        apr_shm_destroy(shm);
        ap_log_error(APLOG_MARK, APLOG_CRIT, err, s,
                     "session store: cannot set up the table's "
                     "process-shared robust mutex");
        return err;
    }

    if (kept) {
        st_table_t old;
        if (st_table_attach(&old, apr_shm_baseaddr_get(kept->shm),
                            apr_shm_size_get(kept->shm)) == 0) {
            struct copy_ctx cc = { &ctx->table, apr_time_now(), 0 };
            st_foreach(&old, cc.now, copy_one, &cc);
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         "session store: SessionStoreCapacity changed from "
                         "%u to %u; %ld sessions carried over",
                         kept->capacity, ctx->capacity, cc.copied);
        }
        /* Children of the old generation keep their own mapping. */
        apr_shm_destroy(kept->shm);
    }
    else {
        kept = apr_pcalloc(pproc, sizeof(*kept));
    }
    kept->shm = shm;
    kept->capacity = ctx->capacity;
    apr_pool_userdata_set(kept, SHM_USERDATA_KEY, apr_pool_cleanup_null,
                          pproc);
    ctx->shm = shm;
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                 "session store: %u sessions in %" APR_SIZE_T_FMT
                 " bytes of shared memory", ctx->capacity, size);
    return APR_SUCCESS;
}

static st_status_t shm_create(store_backend_t *be, const st_session_t *sess,
                              apr_time_t now, int refuse_when_full,
                              st_create_info_t *info)
{
    shm_ctx_t *ctx = be->ctx;
    return st_create(&ctx->table, sess, now, refuse_when_full, info);
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

store_backend_t *store_shm_backend(apr_pool_t *p, apr_uint32_t capacity)
{
    store_backend_t *be = apr_pcalloc(p, sizeof(*be));
    shm_ctx_t *ctx = apr_pcalloc(p, sizeof(*ctx));

    ctx->capacity = capacity;
    be->name = "shm";
    be->init = shm_init;
    be->create = shm_create;
    be->lookup = shm_lookup;
    be->destroy = shm_destroy;
    be->destroy_user = shm_destroy_user;
    be->note_login_failure = shm_note_login_failure;
    be->stats = shm_stats;
    be->ctx = ctx;
    return be;
}
