/*
 * session_store/backend_redis.c: the store on Redis, shared by every
 * httpd (and every express app with connect-redis) that uses the same
 * Redis and prefix.
 *
 * Keys (the README's "Redis" section lists them, with the ACL):
 *   <prefix><sid>                  the session, as connect-redis stores it
 *                                  (core/session_json.c), TTL = what is
 *                                  left of its life
 *   sessidx:<prefix>user:<name>    sorted set: the user's session ids,
 *                                  scored by last use (ms)
 *   sessidx:<prefix>users          sorted set: user names (score 0, so
 *                                  ZRANGEBYLEX pages them in byte order)
 *   sessidx:<prefix>handle:<h>     the id whose handle is h (admin revoke)
 * httpd's keys never start with the session prefix: connect-redis SCANs
 * "<prefix>*" as its own.
 *
 * A lookup is one round trip (GETRANGE, so a huge value is never read
 * whole, and PTTL) and writes nothing; the idle time slides (PEXPIRE, with
 * the index) only on a lookup that succeeds, and at most every couple of
 * seconds per session.  Expiry is Redis's: nothing is swept.
 */
#include "backend_redis.h"
#include "shm_segment.h"
#include "syntax.h"

#include "http_log.h"
#include "apr_strings.h"

APLOG_USE_MODULE(session_store);

#define SHM_KEY "mod_session_store:redis"
/* Index keys outlive the sessions they list by this much. */
#define INDEX_SLACK_MS (60 * 1000)

/* A session whose TTL is this close to a full idle period is not touched
 * again: a lookup stays a read, and a session ends at most this much
 * before its idle time is up. */
static apr_int64_t touch_slack(apr_int64_t ttl_ms)
{
    return ttl_ms / 30 < 2000 ? ttl_ms / 30 : 2000;
}

const char *rd_key(apr_pool_t *p, rd_ctx_t *ctx, const char *id)
{
    return apr_pstrcat(p, ctx->prefix, id, NULL);
}

const char *rd_user_index(apr_pool_t *p, rd_ctx_t *ctx, const char *user)
{
    return apr_pstrcat(p, ctx->index_prefix, "user:", user, NULL);
}

const char *rd_users_key(apr_pool_t *p, rd_ctx_t *ctx)
{
    return apr_pstrcat(p, ctx->index_prefix, "users", NULL);
}

const char *rd_handle_key(apr_pool_t *p, rd_ctx_t *ctx, const char *id)
{
    char h[SC_HANDLE_LEN + 1];

    sc_session_handle(id, strlen(id), h);
    return apr_pstrcat(p, ctx->index_prefix, "handle:", h, NULL);
}

/* A pool for one operation's keys and commands. */
apr_pool_t *rd_op_pool(void)
{
    apr_pool_t *p = NULL;
    apr_pool_create(&p, NULL);
    return p;
}

/* The commands that put id in user's index (and refresh the index's own
 * life): appended to cmds from *n. */
static void index_cmds(apr_pool_t *p, rd_ctx_t *ctx, const char *id,
                       const char *user, apr_int64_t ttl_ms,
                       apr_time_t now, rd_cmd_t *cmds, int *n)
{
    const char *idx = rd_user_index(p, ctx, user);
    apr_int64_t keep = ttl_ms > 0 ? ttl_ms : (apr_int64_t)SS_MAX_LIFETIME
                                             * 1000;

    if (keep < (apr_int64_t)ctx->default_idle * 1000) {
        keep = (apr_int64_t)ctx->default_idle * 1000;
    }
    rd_cmd(&cmds[(*n)++], "ZADD", idx,
           apr_psprintf(p, "%" APR_INT64_T_FMT, now / 1000), id, NULL);
    rd_cmd(&cmds[(*n)++], "PEXPIRE", idx,
           apr_psprintf(p, "%" APR_INT64_T_FMT, keep + INDEX_SLACK_MS), NULL);
    rd_cmd(&cmds[(*n)++], "ZADD", rd_users_key(p, ctx), "0", user, NULL);
    rd_cmd(&cmds[(*n)++], "SET", rd_handle_key(p, ctx, id), id, "PX",
           apr_psprintf(p, "%" APR_INT64_T_FMT, keep + INDEX_SLACK_MS), NULL);
}

/* ---- reading sessions ---- */

/* What a stored value holds, for id: SJ_* with s filled on SJ_OK; the
 * unusable ones logged (by handle: the id never reaches a log). */
sj_status_t rd_read_value(rd_ctx_t *ctx, const char *id,
                          const redisReply *value, sj_session_t *s)
{
    const char *why;
    sj_status_t st;

    if (!rd_is_string(value)) {
        why = value && value->type == REDIS_REPLY_ERROR ? value->str
                                                        : "not a string";
        st = SJ_BAD_JSON;
    }
    else {
        st = sj_decode(value->str, value->len, &ctx->user_path, s, &why);
    }
    if (st == SJ_BAD_JSON || st == SJ_BAD_USER || st == SJ_TOO_LARGE) {
        char h[SC_HANDLE_LEN + 1];
        sc_session_handle(id, strlen(id), h);
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, ctx->s, "session %s "
                     "(handle) in Redis is refused: %s: %s%s", h,
                     sj_status_reason(st), why,
                     st == SJ_BAD_USER ? " (SessionStoreRedisUserPath)" : "");
    }
    return st;
}

/* The session as callers see it. */
void rd_fill(const char *id, const sj_session_t *s, apr_int64_t ttl_ms,
             apr_int64_t pttl, const unsigned char *realm, apr_time_t now,
             st_session_t *out)
{
    apr_int64_t idle_used = ttl_ms > 0 && pttl >= 0 && pttl <= ttl_ms
                            ? ttl_ms - pttl : 0;

    memset(out, 0, sizeof(*out));
    apr_cpystrn(out->id, id, sizeof(out->id));
    memcpy(out->user, s->user, sizeof(out->user));
    memcpy(out->remote, s->remote, sizeof(out->remote));
    out->last_access = now - idle_used * 1000;
    if (s->own) {
        out->created = s->created;
        out->idle_timeout = s->idle_timeout;
        out->max_age = s->max_age;
        memcpy(out->realm, s->realm, ST_REALM_LEN);
    }
    else {
        /* Another application's: its lifetime is its own. */
        out->created = out->last_access;
        out->idle_timeout = (apr_uint32_t)(ttl_ms / 1000);
        if (realm) {
            memcpy(out->realm, realm, ST_REALM_LEN);
        }
    }
}

static apr_uint64_t id_hash(const char *id)
{
    apr_uint64_t h = 14695981039346656037ULL;

    for (; *id; id++) {
        h = (h ^ (unsigned char)*id) * 1099511628211ULL;
    }
    return h ? h : 1;
}

st_status_t rd_lookup(ss_store_t *st, const char *id,
                      const unsigned char *realm, apr_time_t now,
                      int touch, st_session_t *out)
{
    rd_ctx_t *ctx = st->inst;
    apr_pool_t *p;
    rd_cmd_t cmds[6];
    redisReply *r[6];
    sj_session_t s;
    apr_int64_t ttl_ms, pttl;
    apr_uint64_t h = 0;
    st_status_t result;
    int n = 0;

    if (!id || !sc_sid_valid(id, strlen(id))) {
        return ST_INVALID;
    }
    p = rd_op_pool();
    RD_COUNT(ctx, lookups);
    rd_cmd(&cmds[0], "GETRANGE", rd_key(p, ctx, id), "0",
           apr_itoa(p, SJ_VALUE_MAX), NULL);
    rd_cmd(&cmds[1], "PTTL", rd_key(p, ctx, id), NULL);
    if (rd_run(ctx, 2, cmds, r) != 0) {
        apr_pool_destroy(p);
        return ST_ERROR;
    }
    pttl = rd_integer_of(r[1], -2);
    if (pttl == -2) {
        result = ST_NOT_FOUND;
    }
    else if (rd_read_value(ctx, id, r[0], &s) != SJ_OK) {
        result = ST_NOT_FOUND;
    }
    else if (s.own ? (realm && memcmp(s.realm, realm, ST_REALM_LEN) != 0)
                   : ctx->conf->refuse_foreign) {
        /* Left as it is; the caller logs the user. */
        if (!s.own) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, ctx->s, "a session "
                         "another application wrote is refused "
                         "(SessionStoreRedisForeign refuse)");
        }
        rd_fill(id, &s, 0, -1, NULL, now, out);
        result = ST_OTHER_REALM;
    }
    else if ((ttl_ms = sj_ttl_ms(&s, ctx->default_idle, now)) < 0) {
        rd_free(2, r);
        rd_cmd(&cmds[0], "DEL", rd_key(p, ctx, id), NULL);
        rd_cmd(&cmds[1], "ZREM", rd_user_index(p, ctx, s.user), id, NULL);
        result = rd_run(ctx, 2, cmds, r) == 0 ? ST_EXPIRED : ST_ERROR;
        if (result == ST_EXPIRED) {
            RD_COUNT(ctx, expired);
        }
    }
    else {
        rd_fill(id, &s, ttl_ms, pttl, realm, now, out);
        result = ST_OK;
        if (touch && ttl_ms > 0 && pttl >= 0
            && ttl_ms - pttl >= touch_slack(ttl_ms)) {
            rd_cmd(&cmds[n++], "PEXPIRE", rd_key(p, ctx, id),
                   apr_psprintf(p, "%" APR_INT64_T_FMT, ttl_ms), NULL);
            out->last_access = now;
        }
        /* Another application's session joins the indexes (revoke, list)
         * the first time this child sees it, then with each touch. */
        if (!s.own) {
            h = id_hash(id);
            if (__atomic_load_n(&ctx->indexed[h & 255], __ATOMIC_RELAXED)
                == h) {
                h = 0;      /* indexed already */
            }
        }
        if (n || h) {
            index_cmds(p, ctx, id, s.user, ttl_ms, now, cmds, &n);
        }
        if (n) {
            rd_free(2, r);
            if (rd_run(ctx, n, cmds, r) != 0) {
                result = ST_ERROR;
                n = 0;
            }
            else if (h) {
                __atomic_store_n(&ctx->indexed[h & 255], h, __ATOMIC_RELAXED);
            }
        }
    }
    rd_free(n > 2 ? n : 2, r);
    if (result == ST_OK) {
        RD_COUNT(ctx, hits);
    }
    else if (result == ST_NOT_FOUND || result == ST_OTHER_REALM) {
        RD_COUNT(ctx, misses);
    }
    apr_pool_destroy(p);
    return result;
}

/* ---- creating and ending sessions ---- */

/* A user's index, oldest first: the ids (from p), how many (-1: Redis
 * failed). */
int rd_index_members(rd_ctx_t *ctx, apr_pool_t *p, const char *user,
                     const char ***ids)
{
    rd_cmd_t cmd;
    redisReply *r;
    size_t i;
    int n = 0;

    rd_cmd(&cmd, "ZRANGE", rd_user_index(p, ctx, user), "0", "-1", NULL);
    if (rd_run(ctx, 1, &cmd, &r) != 0) {
        return -1;
    }
    *ids = apr_pcalloc(p, sizeof(**ids) * (r->type == REDIS_REPLY_ARRAY
                                           ? r->elements + 1 : 1));
    for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (rd_is_string(e) && sc_sid_valid(e->str, e->len)) {
            (*ids)[n++] = apr_pstrmemdup(p, e->str, e->len);
        }
    }
    freeReplyObject(r);
    return n;
}

/* The same command for each of ids (one round trip); replies from p.
 * 0 or -1. */
int rd_each_id(rd_ctx_t *ctx, apr_pool_t *p, const char *verb,
               const char **ids, int n, int with_range,
               redisReply ***replies)
{
    rd_cmd_t *cmds = apr_pcalloc(p, sizeof(*cmds) * (apr_size_t)(n ? n : 1));
    int i;

    *replies = apr_pcalloc(p, sizeof(**replies) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        if (with_range) {
            rd_cmd(&cmds[i], verb, rd_key(p, ctx, ids[i]), "0",
                   apr_itoa(p, SJ_VALUE_MAX), NULL);
        }
        else {
            rd_cmd(&cmds[i], verb, rd_key(p, ctx, ids[i]), NULL);
        }
    }
    return n ? rd_run(ctx, n, cmds, *replies) : 0;
}

/* SessionStoreMaxPerUser: end the user's least recently used sessions
 * (never the one just made) until max are left; drop ended ones from the
 * index.  Returns how many were ended, or -1. */
static long enforce_cap(rd_ctx_t *ctx, apr_pool_t *p, const char *user,
                        const char *fresh, apr_uint32_t max)
{
    const char **ids, *idx = rd_user_index(p, ctx, user);
    redisReply **exists;
    rd_cmd_t *cmds;
    redisReply **r;
    int n = rd_index_members(ctx, p, user, &ids), i, live = 0, m = 0;
    long ended = 0;

    if (n < 0 || rd_each_id(ctx, p, "EXISTS", ids, n, 0, &exists) != 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        live += rd_integer_of(exists[i], 0) == 1;
    }
    cmds = apr_pcalloc(p, sizeof(*cmds) * (apr_size_t)(2 * n + 1));
    r = apr_pcalloc(p, sizeof(*r) * (apr_size_t)(2 * n + 1));
    for (i = 0; i < n; i++) {
        int alive = rd_integer_of(exists[i], 0) == 1;
        if (alive && live > (int)max && strcmp(ids[i], fresh) != 0) {
            rd_cmd(&cmds[m++], "DEL", rd_key(p, ctx, ids[i]), NULL);
            live--;
            ended++;
        }
        else if (alive) {
            continue;
        }
        rd_cmd(&cmds[m++], "ZREM", idx, ids[i], NULL);
    }
    rd_free(n, exists);
    if (m && rd_run(ctx, m, cmds, r) != 0) {
        return -1;
    }
    rd_free(m, r);
    return ended;
}

st_status_t rd_create(ss_store_t *st, const st_session_t *sess,
                      apr_time_t now,
                      const ss_create_policy_t *policy,
                      st_create_info_t *info)
{
    rd_ctx_t *ctx = st->inst;
    char json[SJ_ENCODED_MAX];
    sj_session_t s;
    apr_pool_t *p;
    rd_cmd_t cmds[6];
    redisReply *r[6];
    apr_int64_t ttl_ms;
    st_status_t result = ST_OK;
    int n = 1;
    long ended;

    if (!sc_sid_valid(sess->id, strlen(sess->id))) {
        return ST_INVALID;
    }
    memset(&s, 0, sizeof(s));
    s.own = 1;
    s.created = sess->created;
    s.idle_timeout = sess->idle_timeout;
    s.max_age = sess->max_age;
    if ((ttl_ms = sj_ttl_ms(&s, 0, now)) < 0
        || sj_encode(sess, &ctx->user_path, &ctx->cookie, now, ttl_ms, json,
                     sizeof(json)) == 0) {
        return ST_INVALID;
    }
    p = rd_op_pool();
    /* NX: an id already taken is never overwritten (ST_EXISTS). */
    if (ttl_ms > 0) {
        rd_cmd(&cmds[0], "SET", rd_key(p, ctx, sess->id), json, "NX", "PX",
               apr_psprintf(p, "%" APR_INT64_T_FMT, ttl_ms), NULL);
    }
    else {
        rd_cmd(&cmds[0], "SET", rd_key(p, ctx, sess->id), json, "NX", NULL);
    }
    index_cmds(p, ctx, sess->id, sess->user, ttl_ms, now, cmds, &n);
    if (rd_run(ctx, n, cmds, r) != 0) {
        apr_pool_destroy(p);
        return ST_ERROR;
    }
    if (r[0]->type == REDIS_REPLY_NIL) {
        result = ST_EXISTS;
    }
    else if (r[0]->type != REDIS_REPLY_STATUS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, ctx->s, "Redis refused to "
                     "store a session: %s", r[0]->type == REDIS_REPLY_ERROR
                     ? r[0]->str : "unexpected reply");
        result = ST_ERROR;
    }
    rd_free(n, r);
    if (result == ST_OK) {
        RD_COUNT(ctx, creates);
        if (policy && policy->max_per_user) {
            ended = enforce_cap(ctx, p, sess->user, sess->id,
                                policy->max_per_user);
            if (ended > 0) {
                /* The user's own sessions, not a full store: reported as
                 * the shm engine reports its cap. */
                RD_ADD(ctx, evictions, (apr_uint64_t)ended);
                if (info) {
                    info->capped = (int)ended;
                }
            }
        }
    }
    apr_pool_destroy(p);
    return result;
}

st_status_t rd_destroy(ss_store_t *st, const char *id)
{
    return rd_destroy_as(st, id, NULL);
}

st_status_t rd_destroy_as(ss_store_t *st, const char *id,
                          char user[ST_USER_MAX])
{
    rd_ctx_t *ctx = st->inst;
    apr_pool_t *p;
    rd_cmd_t cmds[2];
    redisReply *r[2];
    sj_session_t s;
    st_status_t result = ST_NOT_FOUND;

    if (!id || !sc_sid_valid(id, strlen(id))) {
        return ST_INVALID;
    }
    p = rd_op_pool();
    /* GETDEL (Redis 6.2): the value tells whose index to clean. */
    rd_cmd(&cmds[0], "GETDEL", rd_key(p, ctx, id), NULL);
    rd_cmd(&cmds[1], "DEL", rd_handle_key(p, ctx, id), NULL);
    if (rd_run(ctx, 2, cmds, r) != 0) {
        apr_pool_destroy(p);
        return ST_ERROR;
    }
    if (rd_is_string(r[0])) {
        result = ST_OK;
        RD_COUNT(ctx, destroys);
        if (sj_decode(r[0]->str, r[0]->len, &ctx->user_path, &s, NULL)
            == SJ_OK) {
            if (user) {
                apr_cpystrn(user, s.user, ST_USER_MAX);
            }
            rd_free(2, r);
            rd_cmd(&cmds[0], "ZREM", rd_user_index(p, ctx, s.user), id, NULL);
            /* The session is gone: a failure here only leaves a stale
             * index entry, which the next listing drops. */
            rd_run(ctx, 1, cmds, r);
        }
    }
    else if (r[0]->type == REDIS_REPLY_ERROR) {
        result = ST_ERROR;
    }
    rd_free(2, r);
    apr_pool_destroy(p);
    return result;
}


/* ---- counters, checks, set-up ---- */

static void rd_note_login_failure(ss_store_t *st)
{
    RD_COUNT((rd_ctx_t *)st->inst, login_failures);
}

#define LOAD(f) __atomic_load_n(&ctx->shared->f, __ATOMIC_RELAXED)

/* This server's counters; the status page answers only while Redis does
 * (PING).  Redis keeps no count of sessions: "capacity" and "sessions"
 * are 0 (the README says so). */
static int rd_stats(ss_store_t *st, st_stats_t *out)
{
    rd_ctx_t *ctx = st->inst;
    rd_cmd_t cmd;
    redisReply *r;

    rd_cmd(&cmd, "PING", NULL);
    if (rd_run(ctx, 1, &cmd, &r) != 0) {
        return -1;
    }
    freeReplyObject(r);
    memset(out, 0, sizeof(*out));
    out->creates = LOAD(creates);
    out->lookups = LOAD(lookups);
    out->hits = LOAD(hits);
    out->misses = LOAD(misses);
    out->expired = LOAD(expired);
    out->evictions = LOAD(evictions);
    out->destroys = LOAD(destroys);
    out->login_failures = LOAD(login_failures);
    return 0;
}

/* The Redis server can do what we ask: it answers, and is 6.2 or later
 * (GETDEL). */
static int rd_check(ss_store_t *st, char *err, apr_size_t errlen)
{
    rd_ctx_t *ctx = st->inst;
    rd_cmd_t cmd;
    redisReply *r;
    const char *v;
    int major = 0, minor = 0, rv = 0;

    rd_cmd(&cmd, "INFO", "server", NULL);
    if (rd_run(ctx, 1, &cmd, &r) != 0) {
        apr_snprintf(err, errlen, "Redis at %s does not answer", ctx->where);
        return -1;
    }
    if (!rd_is_string(r) || !(v = strstr(r->str, "redis_version:"))
        || sscanf(v + 14, "%d.%d", &major, &minor) != 2) {
        apr_snprintf(err, errlen, "Redis at %s did not say its version",
                     ctx->where);
        rv = -1;
    }
    else if (major < 6 || (major == 6 && minor < 2)) {
        apr_snprintf(err, errlen, "Redis at %s is %d.%d; 6.2 or later is "
                     "needed (GETDEL)", ctx->where, major, minor);
        rv = -1;
    }
    freeReplyObject(r);
    return rv;
}

/* In the parent: the counters' shared memory (kept across restarts, as
 * the shm store's), and what the main server's settings give. */
static apr_status_t rd_init(ss_store_t *st, apr_pool_t *pconf, server_rec *s)
{
    rd_ctx_t *ctx = st->inst;
    ss_server_conf *conf = ss_server_conf_of(s);
    apr_shm_t *shm = shm_segment_find(s, SHM_KEY);
    apr_status_t rv;
    const char *err;

    ctx->s = s;
    if (!shm) {
        if ((rv = shm_segment_create(s, SHM_KEY, sizeof(rd_shared_t),
                                     &shm)) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "no shared memory "
                         "for the Redis store's counters");
            return rv;
        }
        memset(apr_shm_baseaddr_get(shm), 0, sizeof(rd_shared_t));
    }
    ctx->shared = apr_shm_baseaddr_get(shm);
    if ((err = rd_parse_server(ctx, pconf)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s", err);
        return APR_EINVAL;
    }
    sj_cookie_from_attributes(ss_cookie_attrs(conf), &ctx->cookie);
    ctx->default_idle = ss_idle_timeout(conf);
    if (conf->mc->persist_file) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "SessionStorePersistFile "
                     "is ignored with SessionStoreBackend redis: Redis keeps "
                     "the sessions (its own RDB or AOF persistence)");
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, "sessions in Redis at %s, "
                 "prefix %s", ctx->where, ctx->prefix);
    return APR_SUCCESS;
}

static apr_status_t close_idle(void *data)
{
    rd_ctx_t *ctx = data;

    while (ctx->nidle > 0) {
        redisFree(ctx->idle[--ctx->nidle]);
    }
    return APR_SUCCESS;
}

static void rd_child_init_op(ss_store_t *st, apr_pool_t *pchild,
                             server_rec *s)
{
    (void)s;
    rd_child_init(st->inst, pchild);
    apr_pool_cleanup_register(pchild, st->inst, close_idle,
                              apr_pool_cleanup_null);
}

static const char *rd_instance(void **inst, const ss_module_conf *mc,
                               apr_pool_t *pconf)
{
    rd_ctx_t *ctx = apr_pcalloc(pconf, sizeof(*ctx));
    int ms = mc->redis.timeout_ms ? mc->redis.timeout_ms
                                  : SS_DEFAULT_REDIS_TIMEOUT_MS;

    ctx->conf = &mc->redis;
    ctx->timeout.tv_sec = ms / 1000;
    ctx->timeout.tv_usec = (ms % 1000) * 1000;
    ctx->prefix = mc->redis.prefix ? mc->redis.prefix
                                   : SS_DEFAULT_REDIS_PREFIX;
    ctx->index_prefix = apr_pstrcat(pconf, SS_REDIS_INDEX_PREFIX, ctx->prefix,
                                    NULL);
    if (sj_user_path_parse(mc->redis.user_path ? mc->redis.user_path
                           : SS_DEFAULT_REDIS_USER_PATH,
                           &ctx->user_path) != 0) {
        return "SessionStoreRedisUserPath is not a path";
    }
    *inst = ctx;
    return NULL;
}

const ss_backend_t ss_backend_redis = {
    "redis",
    rd_instance,
    rd_init,
    rd_child_init_op,
    rd_create,
    NULL,                 /* prefetch: no Redis traffic before the
                             signature is checked */
    rd_lookup,
    rd_destroy,
    rd_destroy_user,
    rd_destroy_handle,
    rd_list_user,
    rd_list_users,
    rd_note_login_failure,
    rd_stats,
    rd_check,
    NULL                  /* maintain: the parent never talks to Redis;
                             Redis expires the sessions */
};
