/*
 * session_store/backend_shm.c: the embedded store engine, the session
 * table in an anonymous shared memory segment, optionally saved to a file.
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
 * loads it.  Every session that ends before the next save (a logout, a
 * revocation, an eviction) is appended at once to a journal beside it
 * (core/session_journal.c), which the load replays: after a crash, an
 * ended session stays ended.
 */
#include "internal.h"
#include "shm_segment.h"
#include "session_persist.h"
#include "session_journal.h"
#include "user_page.h"
#include "unixd.h"

#include "http_core.h"
#include "http_log.h"
#include "apr_strings.h"
#include "apr_general.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

APLOG_USE_MODULE(session_store);

#define SHM_KEY     "mod_session_store:sessions"

/* In the configuration pool: one generation's view of the store. */
typedef struct shm_ctx {
    apr_uint32_t capacity;
    const char  *persist_file;      /* NULL: none */
    const char  *journal;           /* persist_file ".ends", or NULL */
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
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, ctx->s,
                     "SessionStorePersistFile %s not written (%s): %s",
                     ctx->persist_file, why, err);
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, ctx->s, "%ld "
                 "sessions written to %s (%s)", res.written,
                 ctx->persist_file, why);
    /* The ends journaled before this save began are in the file now. */
    if (sj_prune(ctx->journal, ctx->last_save, err, sizeof(err)) != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, ctx->s, "journal of ended "
                     "sessions not pruned: %s", err);
    }
}

/* Make an end durable: a crash before the next save must not bring the
 * session back.  Called without the table's lock. */
static void journal_session(shm_ctx_t *ctx, const char *id)
{
    if (ctx->journal
        && sj_end_session(ctx->journal, id, apr_time_now()) != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, errno, ctx->s, "cannot append "
                     "to the journal of ended sessions %s; a crash before "
                     "the next save would bring a session back",
                     ctx->journal);
    }
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

/* The journal exists from the start, owned by the user the children run
 * as (they append to it; the parent, maybe root, prunes and replays). */
static void journal_prepare(shm_ctx_t *ctx, server_rec *s)
{
    int fd = open(ctx->journal, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW
                                | O_CLOEXEC, 0600);

    if (fd < 0 || (geteuid() == 0
                   && fchown(fd, ap_unixd_config.user_id, -1) != 0)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, errno, s, "cannot prepare the "
                     "journal of ended sessions %s; logouts will not "
                     "survive a crash", ctx->journal);
    }
    if (fd >= 0) {
        close(fd);
    }
}

static void load_file(shm_ctx_t *ctx, server_rec *s)
{
    sp_result_t res;
    char err[512];
    long ended;

    if (sp_load(&ctx->table, ctx->persist_file, apr_time_now(), &res, err,
                sizeof(err)) != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "SessionStorePersistFile %s refused: %s; starting with "
                     "an empty store (the file is left as it is and will "
                     "be replaced at the next save)", ctx->persist_file, err);
        return;
    }
    ended = sj_replay(&ctx->table, ctx->journal, err, sizeof(err));
    if (ended < 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "journal of ended "
                     "sessions refused: %s", err);
    }
    if (res.loaded || res.expired || res.skipped) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, "%ld "
                     "sessions loaded from %s (%ld expired, %ld did not fit "
                     "SessionStoreCapacity, %ld ended after the save it "
                     "holds)", res.loaded - (ended > 0 ? ended : 0),
                     ctx->persist_file, res.expired, res.skipped,
                     ended > 0 ? ended : 0);
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

static apr_status_t shm_init(ss_store_t *st, apr_pool_t *pconf,
                             server_rec *s)
{
    shm_ctx_t *ctx = st->inst;
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
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot "
                     "create %" APR_SIZE_T_FMT " bytes of shared memory for "
                     "SessionStoreCapacity %u", size, ctx->capacity);
        return rv;
    }
    if ((rv = apr_generate_random_bytes((unsigned char *)&seed,
                                        sizeof(seed))) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "no random seed for "
                     "the session table's hash");
        return rv;
    }
    err = st_table_init(&ctx->table, apr_shm_baseaddr_get(shm), size,
                        ctx->capacity, seed);
    if (err != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, err, s, "cannot "
                     "set up the table's process-shared robust mutex");
        return err;
    }

    if (old) {
        st_table_t old_table;
        if (st_table_attach(&old_table, apr_shm_baseaddr_get(old),
                            apr_shm_size_get(old)) == 0) {
            struct copy_ctx cc = { &ctx->table, apr_time_now(), 0 };
            st_foreach(&old_table, cc.now, copy_one, &cc);
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
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
    if (ctx->journal) {
        journal_prepare(ctx, s);
    }
    setup_persistence(ctx, pconf);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "%u sessions "
                 "in %" APR_SIZE_T_FMT " bytes of shared memory",
                 ctx->capacity, size);
    return APR_SUCCESS;
}

static void shm_maintain(ss_store_t *st, apr_time_t now)
{
    shm_ctx_t *ctx = st->inst;

    if (ctx->persist_file && ctx->persist_interval
        && now - ctx->last_save >= apr_time_from_sec(ctx->persist_interval)) {
        save_now(ctx, "interval");
    }
}

/* The ids a create ended, copied under the table's lock, journaled
 * after it. */
typedef struct ended_ids {
    char (*ids)[ST_ID_LEN + 1];
    int n, cap;
} ended_ids;

static void note_ended(void *c, const char *id)
{
    ended_ids *e = c;

    if (e->n == e->cap) {
        int cap = e->cap ? 2 * e->cap : 4;
        void *more = realloc(e->ids, (size_t)cap * sizeof(*e->ids));
        if (!more) {
            return;   /* only the journal misses it */
        }
        e->ids = more;
        e->cap = cap;
    }
    memcpy(e->ids[e->n++], id, ST_ID_LEN + 1);
}

static st_status_t shm_create(ss_store_t *st, const st_session_t *sess,
                              apr_time_t now,
                              const ss_create_policy_t *policy,
                              st_create_info_t *info)
{
    shm_ctx_t *ctx = st->inst;
    st_create_opts_t opts;
    ended_ids ended = { NULL, 0, 0 };
    st_status_t rv;
    int i;

    memset(&opts, 0, sizeof(opts));
    opts.refuse_when_full = policy->refuse_when_full;
    opts.max_per_user = policy->max_per_user;
    if (ctx->journal) {
        opts.ended = note_ended;
        opts.ended_ctx = &ended;
    }
    rv = st_create_with(&ctx->table, sess, now, &opts, info);
    for (i = 0; i < ended.n; i++) {
        journal_session(ctx, ended.ids[i]);
    }
    free(ended.ids);
    return rv;
}

static void shm_prefetch(ss_store_t *st, const char *id)
{
    st_prefetch(&((shm_ctx_t *)st->inst)->table, id);
}

static st_status_t shm_lookup(ss_store_t *st, const char *id,
                              const unsigned char *realm, apr_time_t now,
                              int touch, st_session_t *out)
{
    return st_lookup(&((shm_ctx_t *)st->inst)->table, id, realm, now, touch,
                     out);
}

static st_status_t shm_destroy(ss_store_t *st, const char *id)
{
    shm_ctx_t *ctx = st->inst;
    st_status_t rv = st_destroy(&ctx->table, id);

    if (rv == ST_OK) {
        journal_session(ctx, id);
    }
    return rv;
}

static long shm_destroy_user(ss_store_t *st, const char *user)
{
    shm_ctx_t *ctx = st->inst;
    long n = st_destroy_user(&ctx->table, user);

    if (n > 0 && ctx->journal
        && sj_end_user(ctx->journal, user, apr_time_now()) != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, errno, ctx->s, "cannot append "
                     "to the journal of ended sessions %s; a crash before "
                     "the next save would bring %ld sessions back",
                     ctx->journal, n);
    }
    return n;
}

/* ---- what the admin handler asks.  A user's sessions come from the
 * table's per-user index; finding a handle, or listing every user, walks
 * the table (the lock held only to copy each slot): both are rare. ---- */

typedef struct handle_search {
    const char *handle;
    char id[ST_ID_LEN + 1];
    char user[ST_USER_MAX];
    int found;
} handle_search;

static int match_handle(void *c, const st_session_t *s)
{
    handle_search *hs = c;
    char h[SC_HANDLE_LEN + 1];

    sc_session_handle(s->id, ST_ID_LEN, h);
    if (strcmp(h, hs->handle) == 0) {
        memcpy(hs->id, s->id, sizeof(hs->id));
        memcpy(hs->user, s->user, sizeof(hs->user));
        hs->found = 1;
        return 1;
    }
    return 0;
}

static st_status_t shm_destroy_handle(ss_store_t *st, const char *handle,
                                      char user[ST_USER_MAX])
{
    st_table_t *t = &((shm_ctx_t *)st->inst)->table;
    handle_search hs;
    st_status_t rv;

    memset(&hs, 0, sizeof(hs));
    hs.handle = handle;
    if (st_foreach(t, apr_time_now(), match_handle, &hs) < 0) {
        return ST_ERROR;
    }
    rv = hs.found ? shm_destroy(st, hs.id) : ST_NOT_FOUND;
    if (rv == ST_OK && user) {
        memcpy(user, hs.user, ST_USER_MAX);
    }
    return rv;
}

static long shm_list_user(ss_store_t *st, const char *user, apr_time_t now,
                          ss_session_fn fn, void *ctx)
{
    return st_foreach_user(&((shm_ctx_t *)st->inst)->table, user, now, fn,
                           ctx);
}

static int count_user(void *c, const st_session_t *s)
{
    up_add(c, s->user);
    return 0;
}

/* A walk of the whole table, keeping only the page (user_page.c): at a
 * million sessions, memory for limit names, not for every one. */
static long shm_list_users(ss_store_t *st, apr_time_t now, const char *cursor,
                           int limit, apr_pool_t *p, ss_user_fn fn, void *ctx,
                           const char **next)
{
    up_page_t page;
    int i;

    *next = NULL;
    if (limit < 1) {
        return 0;
    }
    up_init(&page, apr_palloc(p, sizeof(up_entry_t) * ((apr_size_t)limit + 1)),
            limit, cursor);
    if (st_foreach(&((shm_ctx_t *)st->inst)->table, now, count_user,
                   &page) < 0) {
        return -1;
    }
    for (i = 0; i < up_count(&page); i++) {
        fn(ctx, page.entries[i].user, page.entries[i].sessions);
    }
    *next = up_next(&page);
    return i;
}

static void shm_note_login_failure(ss_store_t *st)
{
    st_note_login_failure(&((shm_ctx_t *)st->inst)->table);
}

static int shm_stats(ss_store_t *st, st_stats_t *out)
{
    return st_stats(&((shm_ctx_t *)st->inst)->table, out);
}

static int shm_check(ss_store_t *st, char *err, apr_size_t errlen)
{
    int64_t retry;

    return st_check_paced(&((shm_ctx_t *)st->inst)->table, err, errlen,
                          &retry);
}

static const char *shm_instance(void **inst, const ss_module_conf *mc,
                                apr_pool_t *pconf)
{
    shm_ctx_t *ctx = apr_pcalloc(pconf, sizeof(*ctx));

    ctx->capacity = mc->capacity;
    ctx->persist_file = mc->persist_file;
    ctx->journal = mc->persist_file
                   ? apr_pstrcat(pconf, mc->persist_file, ".ends", NULL)
                   : NULL;
    ctx->persist_interval = mc->persist_interval;
    *inst = ctx;
    return NULL;
}

const ss_backend_t ss_backend_shm = {
    "shm",
    shm_instance,
    shm_init,
    NULL,                 /* child_init: the children inherit the mapping */
    shm_create,
    shm_prefetch,
    shm_lookup,
    shm_destroy,
    shm_destroy_user,
    shm_destroy_handle,
    shm_list_user,
    shm_list_users,
    shm_note_login_failure,
    shm_stats,
    shm_check,
    shm_maintain
};
