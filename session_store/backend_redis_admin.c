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

/* The live sessions of each of n users, read in two round trips however
 * many they are: counts[i] is users[i]'s, and fn (may be NULL) gets each
 * session until it returns non-zero.  Index entries of sessions that are
 * gone, or no longer the user's, are dropped on the way (a third round
 * trip).  0, or -1 when Redis failed. */
static int walk_users(rd_ctx_t *ctx, apr_pool_t *p, const char **users,
                      int n, apr_time_t now, ss_session_fn fn, void *fctx,
                      long *counts)
{
    rd_cmd_t *cmds;
    redisReply **r, **v;
    const char **ids;
    int *owner, total = 0, i, k = 0, m = 0, stop = 0;
    size_t j;

    cmds = apr_pcalloc(p, sizeof(*cmds) * (apr_size_t)(n ? n : 1));
    r = apr_pcalloc(p, sizeof(*r) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        counts[i] = 0;
        rd_cmd(&cmds[i], "ZRANGE", rd_user_index(p, ctx, users[i]), "0",
               "-1", NULL);
    }
    if (n && rd_run(ctx, n, cmds, r) != 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        total += r[i]->type == REDIS_REPLY_ARRAY ? (int)r[i]->elements : 0;
    }
    ids = apr_pcalloc(p, sizeof(*ids) * (apr_size_t)(total ? total : 1));
    owner = apr_pcalloc(p, sizeof(*owner) * (apr_size_t)(total ? total : 1));
    for (i = 0; i < n; i++) {
        for (j = 0; r[i]->type == REDIS_REPLY_ARRAY && j < r[i]->elements;
             j++) {
            const redisReply *e = r[i]->element[j];
            if (rd_is_string(e) && sc_sid_valid(e->str, e->len)) {
                ids[k] = apr_pstrmemdup(p, e->str, e->len);
                owner[k++] = i;
            }
        }
    }
    rd_free(n, r);
    total = k;
    cmds = apr_pcalloc(p, sizeof(*cmds) * (apr_size_t)(2 * total + 1));
    v = apr_pcalloc(p, sizeof(*v) * (apr_size_t)(2 * total + 1));
    for (k = 0; k < total; k++) {
        rd_cmd(&cmds[2 * k], "GETRANGE", rd_key(p, ctx, ids[k]), "0",
               apr_itoa(p, SJ_VALUE_MAX), NULL);
        rd_cmd(&cmds[2 * k + 1], "PTTL", rd_key(p, ctx, ids[k]), NULL);
    }
    if (total && rd_run(ctx, 2 * total, cmds, v) != 0) {
        return -1;
    }
    for (k = 0; k < total; k++) {
        const char *user = users[owner[k]];
        apr_int64_t pttl = rd_integer_of(v[2 * k + 1], -2), ttl_ms;
        sj_session_t s;
        st_session_t out;

        if (pttl == -2 || rd_read_value(ctx, ids[k], v[2 * k], &s) != SJ_OK
            || strcmp(s.user, user) != 0
            || (ttl_ms = sj_ttl_ms(&s, ctx->default_idle, now)) < 0) {
            rd_cmd(&cmds[m++], "ZREM", rd_user_index(p, ctx, user), ids[k],
                   NULL);
            continue;
        }
        counts[owner[k]]++;
        if (fn && !stop) {
            rd_fill(ids[k], &s, ttl_ms, pttl, NULL, now, &out);
            stop = fn(fctx, &out);
        }
    }
    rd_free(2 * total, v);
    if (m && rd_run(ctx, m, cmds, v) == 0) {
        rd_free(m, v);
    }
    return 0;
}

long rd_list_user(ss_store_t *st, const char *user, apr_time_t now,
                  ss_session_fn fn, void *fctx)
{
    apr_pool_t *p = rd_op_pool();
    long n;

    if (walk_users(st->inst, p, &user, 1, now, fn, fctx, &n) != 0) {
        n = -1;
    }
    apr_pool_destroy(p);
    return n;
}

/* Users in byte order from the users set (ZRANGEBYLEX), counted all at
 * once; users left with no session are dropped from the set. */
long rd_list_users(ss_store_t *st, apr_time_t now, const char *cursor,
                   int limit, apr_pool_t *p, ss_user_fn fn, void *fctx,
                   const char **next)
{
    rd_ctx_t *ctx = st->inst;
    apr_pool_t *tmp = rd_op_pool();
    const char **users;
    rd_cmd_t cmd, *zrem;
    redisReply *r, **zr;
    long listed = 0, *counts;
    int n = 0, i, m = 0;
    size_t j;

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
    users = apr_pcalloc(tmp, sizeof(*users) * (apr_size_t)limit);
    for (j = 0; r->type == REDIS_REPLY_ARRAY && j < r->elements; j++) {
        const redisReply *e = r->element[j];

        if (j == (size_t)limit) {
            /* One more than the page: the page's last name is the
             * cursor of the next. */
            *next = n ? users[n - 1] : NULL;
            break;
        }
        if (rd_is_string(e) && !memchr(e->str, '\0', e->len)) {
            users[n++] = apr_pstrmemdup(p, e->str, e->len);
        }
    }
    freeReplyObject(r);
    counts = apr_pcalloc(tmp, sizeof(*counts) * (apr_size_t)(n ? n : 1));
    if (walk_users(ctx, tmp, users, n, now, NULL, NULL, counts) != 0) {
        *next = NULL;
        apr_pool_destroy(tmp);
        return -1;
    }
    zrem = apr_pcalloc(tmp, sizeof(*zrem) * (apr_size_t)(n ? n : 1));
    zr = apr_pcalloc(tmp, sizeof(*zr) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        if (counts[i]) {
            fn(fctx, users[i], counts[i]);
            listed++;
        }
        else {
            rd_cmd(&zrem[m++], "ZREM", rd_users_key(tmp, ctx), users[i],
                   NULL);
        }
    }
    if (m && rd_run(ctx, m, zrem, zr) == 0) {
        rd_free(m, zr);
    }
    apr_pool_destroy(tmp);
    return listed;
}
