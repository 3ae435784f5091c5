/*
 * session_store/backend_redis_admin.c: the Redis store's operations for
 * operators (backend.h): end all of a user's sessions, end one by its
 * handle, list a user's sessions and the users, page by page.
 *
 * They go through the per-user indexes (backend_redis.c lists the keys),
 * which are hints: a session counts only while its key exists and its
 * value still names the user.  Dead entries are dropped on the way.
 */
#include "backend_redis.h"
#include "syntax.h"

#include "apr_strings.h"

long rd_destroy_user(ss_store_t *st, const char *user)
{
    rd_ctx_t *ctx = st->inst;
    apr_pool_t *p = rd_op_pool();
    const char **ids;
    redisReply **values, **r;
    rd_cmd_t *cmds;
    sj_session_t s;
    long ended = 0;
    int n, i, m = 0;

    n = rd_index_members(ctx, p, user, &ids);
    /* Only sessions that are still the user's: an index is a hint. */
    if (n < 0 || rd_each_id(ctx, p, "GETRANGE", ids, n, 1, &values) != 0) {
        apr_pool_destroy(p);
        return -1;
    }
    cmds = apr_pcalloc(p, sizeof(*cmds) * (apr_size_t)(3 * n + 1));
    r = apr_pcalloc(p, sizeof(*r) * (apr_size_t)(3 * n + 1));
    for (i = 0; i < n; i++) {
        if (rd_is_string(values[i])
            && sj_decode(values[i]->str, values[i]->len, &ctx->user_path, &s,
                         NULL) == SJ_OK && !strcmp(s.user, user)) {
            rd_cmd(&cmds[m++], "DEL", rd_key(p, ctx, ids[i]), NULL);
            rd_cmd(&cmds[m++], "DEL", rd_handle_key(p, ctx, ids[i]), NULL);
        }
        rd_cmd(&cmds[m++], "ZREM", rd_user_index(p, ctx, user), ids[i], NULL);
    }
    rd_free(n, values);
    if (m && rd_run(ctx, m, cmds, r) != 0) {
        apr_pool_destroy(p);
        return -1;
    }
    for (i = 0; i < m; i++) {
        if (!strcmp(cmds[i].argv[0], "DEL")
            && strncmp(cmds[i].argv[1], ctx->index_prefix,
                       strlen(ctx->index_prefix))) {
            ended += rd_integer_of(r[i], 0) == 1;
        }
    }
    rd_free(m, r);
    RD_ADD(ctx, destroys, (apr_uint64_t)ended);
    apr_pool_destroy(p);
    return ended;
}

st_status_t rd_destroy_handle(ss_store_t *st, const char *handle,
                              char user[ST_USER_MAX])
{
    rd_ctx_t *ctx = st->inst;
    apr_pool_t *p;
    rd_cmd_t cmd;
    redisReply *r;
    st_status_t result = ST_NOT_FOUND;

    if (!handle || strlen(handle) != SC_HANDLE_LEN
        || !sx_is_base64url(handle, SC_HANDLE_LEN)) {
        return ST_NOT_FOUND;
    }
    p = rd_op_pool();
    rd_cmd(&cmd, "GET", apr_pstrcat(p, ctx->index_prefix, "handle:", handle,
                                    NULL), NULL);
    if (rd_run(ctx, 1, &cmd, &r) != 0) {
        apr_pool_destroy(p);
        return ST_ERROR;
    }
    if (rd_is_string(r) && sc_sid_valid(r->str, r->len)) {
        char id[SC_SID_LEN + 1];
        char h[SC_HANDLE_LEN + 1];
        memcpy(id, r->str, SC_SID_LEN);
        id[SC_SID_LEN] = '\0';
        /* The key names its id; the handle must be that id's. */
        sc_session_handle(id, SC_SID_LEN, h);
        if (!strcmp(h, handle)) {
            result = rd_destroy_as(st, id, user);
        }
    }
    freeReplyObject(r);
    apr_pool_destroy(p);
    return result;
}

/* The live sessions of one user, read in two round trips; fn may be NULL
 * (only counting).  Dead index entries are dropped. */
static long walk_user(rd_ctx_t *ctx, apr_pool_t *p, const char *user,
                      apr_time_t now, ss_session_fn fn, void *fctx)
{
    const char **ids;
    redisReply **values, **ttls, **r;
    rd_cmd_t *cmds;
    long found = 0;
    int n, i, m = 0, stop = 0;

    n = rd_index_members(ctx, p, user, &ids);
    if (n < 0 || rd_each_id(ctx, p, "GETRANGE", ids, n, 1, &values) != 0) {
        return -1;
    }
    if (rd_each_id(ctx, p, "PTTL", ids, n, 0, &ttls) != 0) {
        rd_free(n, values);
        return -1;
    }
    cmds = apr_pcalloc(p, sizeof(*cmds) * (apr_size_t)(n ? n : 1));
    r = apr_pcalloc(p, sizeof(*r) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        apr_int64_t pttl = rd_integer_of(ttls[i], -2), ttl_ms;
        sj_session_t s;
        st_session_t out;

        if (pttl == -2 || rd_read_value(ctx, ids[i], values[i], &s) != SJ_OK
            || strcmp(s.user, user) != 0
            || (ttl_ms = sj_ttl_ms(&s, ctx->default_idle, now)) < 0) {
            rd_cmd(&cmds[m++], "ZREM", rd_user_index(p, ctx, user), ids[i],
                   NULL);
            continue;
        }
        found++;
        if (fn && !stop) {
            rd_fill(ids[i], &s, ttl_ms, pttl, NULL, now, &out);
            stop = fn(fctx, &out);
        }
    }
    rd_free(n, values);
    rd_free(n, ttls);
    if (m && rd_run(ctx, m, cmds, r) == 0) {
        rd_free(m, r);
    }
    return found;
}

long rd_list_user(ss_store_t *st, const char *user, apr_time_t now,
                  ss_session_fn fn, void *fctx)
{
    apr_pool_t *p = rd_op_pool();
    long n = walk_user(st->inst, p, user, now, fn, fctx);

    apr_pool_destroy(p);
    return n;
}

/* Users in byte order from the users set (ZRANGEBYLEX), each counted;
 * users left with no session are dropped from the set. */
long rd_list_users(ss_store_t *st, apr_time_t now, const char *cursor,
                   int limit, apr_pool_t *p, ss_user_fn fn, void *fctx,
                   const char **next)
{
    rd_ctx_t *ctx = st->inst;
    apr_pool_t *tmp = rd_op_pool();
    rd_cmd_t cmd;
    redisReply *r;
    long listed = 0;
    size_t i;

    *next = NULL;
    if (limit < 1) {
        apr_pool_destroy(tmp);
        return 0;
    }
    rd_cmd(&cmd, "ZRANGEBYLEX", rd_users_key(tmp, ctx),
           cursor ? apr_pstrcat(tmp, "(", cursor, NULL) : "-", "+", "LIMIT",
           "0", apr_itoa(tmp, limit + 1), NULL);
    if (rd_run(ctx, 1, &cmd, &r) != 0) {
        apr_pool_destroy(tmp);
        return -1;
    }
    for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *e = r->element[i];
        const char *user;
        long count;

        if (!rd_is_string(e) || memchr(e->str, '\0', e->len)) {
            continue;
        }
        if ((long)i == limit) {
            break;
        }
        user = apr_pstrmemdup(p, e->str, e->len);
        if ((count = walk_user(ctx, tmp, user, now, NULL, NULL)) < 0) {
            listed = -1;
            break;
        }
        if (count == 0) {
            redisReply *z;
            rd_cmd(&cmd, "ZREM", rd_users_key(tmp, ctx), user, NULL);
            if (rd_run(ctx, 1, &cmd, &z) == 0) {
                freeReplyObject(z);
            }
        }
        else {
            fn(fctx, user, count);
            listed++;
        }
        *next = user;
    }
    if (listed >= 0 && r->type == REDIS_REPLY_ARRAY
        && r->elements <= (size_t)limit) {
        *next = NULL;
    }
    freeReplyObject(r);
    apr_pool_destroy(tmp);
    return listed;
}
