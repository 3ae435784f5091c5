/*
 * session_store/backend_redis_conn.c: connections to Redis, and failing
 * closed fast when it is down, hung or refuses us.
 *
 * - Each child keeps a few idle connections (hiredis contexts), made on
 *   demand; a request takes one for its commands, so no context is ever
 *   used by two threads at once.  Any I/O error throws it away.
 * - One timeout (SessionStoreRedisTimeout) bounds the connect and each
 *   read and write: a hung Redis (SIGSTOP, a black hole) costs a request
 *   that long, never more.
 * - A circuit breaker, in the server's shared memory so that every child
 *   sees it: after a failure every operation fails at once for RD_RETRY;
 *   then one request tries (the others still fail fast), and its success
 *   closes it.  Without it a hung Redis would cost every request the whole
 *   timeout and pile the workers up.
 * - One error-log line when Redis starts failing and one when it answers
 *   again, whatever the number of requests and children in between.
 */
#include "backend_redis.h"

#include "http_log.h"
#include "apr_strings.h"

#include <stdarg.h>

APLOG_USE_MODULE(session_store);

/* Idle connections a child keeps (more are made under load, then
 * closed). */
#define RD_IDLE_MAX 8

void rd_cmd(rd_cmd_t *cmd, ...)
{
    va_list ap;
    const char *arg;

    cmd->argc = 0;
    va_start(ap, cmd);
    while (cmd->argc < RD_ARGS_MAX && (arg = va_arg(ap, const char *))) {
        cmd->argv[cmd->argc] = arg;
        cmd->argvlen[cmd->argc] = strlen(arg);
        cmd->argc++;
    }
    va_end(ap);
}

void rd_free(int n, redisReply **replies)
{
    int i;

    for (i = 0; i < n; i++) {
        if (replies[i]) {
            freeReplyObject(replies[i]);
            replies[i] = NULL;
        }
    }
}

const char *rd_parse_server(rd_ctx_t *ctx, apr_pool_t *p)
{
    const char *server = ctx->conf->server ? ctx->conf->server
                                           : SS_DEFAULT_REDIS_SERVER;
    const char *colon;

    ctx->where = server;
    if (!strncmp(server, "unix:", 5)) {
        ctx->socket_path = server + 5;
        return NULL;
    }
    ctx->port = 6379;
    if (*server == '[') {
        const char *end = strchr(server, ']');
        if (!end) {
            return "SessionStoreRedisServer: no ']'";
        }
        ctx->host = apr_pstrmemdup(p, server + 1, (apr_size_t)(end - server - 1));
        colon = end[1] == ':' ? end + 1 : NULL;
    }
    else {
        colon = strrchr(server, ':');
        ctx->host = colon ? apr_pstrmemdup(p, server,
                                           (apr_size_t)(colon - server))
                          : server;
    }
    if (colon) {
        ctx->port = atoi(colon + 1);
    }
    return NULL;
}

void rd_child_init(rd_ctx_t *ctx, apr_pool_t *pchild)
{
    ctx->max_idle = RD_IDLE_MAX;
    ctx->idle = apr_pcalloc(pchild, sizeof(*ctx->idle) * RD_IDLE_MAX);
    ctx->nidle = 0;
    memset(ctx->indexed, 0, sizeof(ctx->indexed));
    if (apr_thread_mutex_create(&ctx->lock, APR_THREAD_MUTEX_DEFAULT,
                                pchild) != APR_SUCCESS) {
        ctx->lock = NULL;   /* then no pooling: a connection per request */
    }
}

/* ---- the breaker and the outage log ---- */

/* May this call go to Redis?  While the breaker is open, no; once its
 * time is up, exactly one caller (who moves the time on) may try. */
static int breaker_allows(rd_ctx_t *ctx, apr_time_t now)
{
    apr_int64_t until = __atomic_load_n(&ctx->shared->down_until,
                                        __ATOMIC_ACQUIRE);

    if (until == 0) {
        return 1;
    }
    if (now < until) {
        return 0;
    }
    return __atomic_compare_exchange_n(&ctx->shared->down_until, &until,
                                       (apr_int64_t)(now + RD_RETRY), 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void went_wrong(rd_ctx_t *ctx, const char *why)
{
    apr_uint32_t was = 0;

    __atomic_store_n(&ctx->shared->down_until,
                     (apr_int64_t)(apr_time_now() + RD_RETRY),
                     __ATOMIC_RELEASE);
    if (__atomic_compare_exchange_n(&ctx->shared->outage, &was, 1, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, ctx->s, "Redis at %s cannot "
                     "be used (%s): sessions cannot be created, found or "
                     "ended, and are refused with 503 until it answers "
                     "again (logged once)", ctx->where, why);
    }
}

static void went_right(rd_ctx_t *ctx)
{
    apr_uint32_t was = 1;

    if (__atomic_load_n(&ctx->shared->down_until, __ATOMIC_ACQUIRE) != 0) {
        __atomic_store_n(&ctx->shared->down_until, 0, __ATOMIC_RELEASE);
    }
    if (__atomic_load_n(&ctx->shared->outage, __ATOMIC_ACQUIRE)
        && __atomic_compare_exchange_n(&ctx->shared->outage, &was, 0, 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, ctx->s, "Redis at %s "
                     "answers again; sessions are served", ctx->where);
    }
}

/* Errors Redis answers when the connection, not the command, is at fault
 * (not authenticated, loading, a replica, no permission): an outage. */
static int connection_error(const redisReply *r)
{
    static const char *const kinds[] = {
        "NOAUTH", "WRONGPASS", "LOADING", "MASTERDOWN", "READONLY",
        "NOPERM", "ERR invalid password", "ERR AUTH", "ERR DB index",
        "MISCONF"
    };
    size_t i;

    if (r->type != REDIS_REPLY_ERROR) {
        return 0;
    }
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (!strncmp(r->str, kinds[i], strlen(kinds[i]))) {
            return 1;
        }
    }
    return 0;
}

/* ---- connections ---- */

/* One command on a fresh connection (AUTH, SELECT): NULL, or why not. */
static const char *setup_command(apr_pool_t *p, redisContext *c,
                                 const char *what, int argc,
                                 const char **argv)
{
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    const char *why = NULL;

    if (!r) {
        why = apr_psprintf(p, "%s: %s", what, c->errstr);
    }
    else if (r->type == REDIS_REPLY_ERROR) {
        why = apr_psprintf(p, "%s refused: %s", what, r->str);
    }
    if (r) {
        freeReplyObject(r);
    }
    return why;
}

static redisContext *connect_to(rd_ctx_t *ctx, apr_pool_t *p,
                                const char **why)
{
    const ss_redis_conf *conf = ctx->conf;
    redisContext *c;

    c = ctx->socket_path
        ? redisConnectUnixWithTimeout(ctx->socket_path, ctx->timeout)
        : redisConnectWithTimeout(ctx->host, ctx->port, ctx->timeout);
    if (!c || c->err) {
        *why = apr_psprintf(p, "connect: %s", c ? c->errstr : "out of memory");
        goto fail;
    }
    if (redisSetTimeout(c, ctx->timeout) != REDIS_OK
        || (!ctx->socket_path && redisEnableKeepAlive(c) != REDIS_OK)) {
        *why = apr_psprintf(p, "socket options: %s", c->errstr);
        goto fail;
    }
    if (conf->auth_password) {
        /* AUTH [user] password: Redis 6 ACLs, or requirepass. */
        const char *argv[3] = { "AUTH", NULL, NULL };
        int argc = 1;
        if (conf->auth_user) {
            argv[argc++] = conf->auth_user;
        }
        argv[argc++] = conf->auth_password;
        if ((*why = setup_command(p, c, apr_psprintf(p, "AUTH with %s",
                                                     conf->auth_file),
                                  argc, argv)) != NULL) {
            goto fail;
        }
    }
    if (conf->database) {
        const char *argv[2] = { "SELECT",
                                apr_itoa(p, conf->database) };
        if ((*why = setup_command(p, c, "SELECT (SessionStoreRedisDatabase)",
                                  2, argv)) != NULL) {
            goto fail;
        }
    }
    return c;
fail:
    if (c) {
        redisFree(c);
    }
    return NULL;
}

static redisContext *take_idle(rd_ctx_t *ctx)
{
    redisContext *c = NULL;

    if (ctx->lock && apr_thread_mutex_lock(ctx->lock) == APR_SUCCESS) {
        if (ctx->nidle > 0) {
            c = ctx->idle[--ctx->nidle];
        }
        apr_thread_mutex_unlock(ctx->lock);
    }
    return c;
}

static void give_back(rd_ctx_t *ctx, redisContext *c)
{
    if (ctx->lock && apr_thread_mutex_lock(ctx->lock) == APR_SUCCESS) {
        if (ctx->nidle < ctx->max_idle) {
            ctx->idle[ctx->nidle++] = c;
            c = NULL;
        }
        apr_thread_mutex_unlock(ctx->lock);
    }
    if (c) {
        redisFree(c);
    }
}

/* An error an idle connection gets when Redis closed it meanwhile (a
 * restart): worth one more try on a new connection.  A timeout is not. */
static int stale(const redisContext *c)
{
    return c->err == REDIS_ERR_EOF
           || (c->err == REDIS_ERR_IO
               && (strstr(c->errstr, "reset") || strstr(c->errstr, "pipe")));
}

/* Send and read on c: 0, or -1 with c->err set. */
static int exchange(redisContext *c, int n, rd_cmd_t *cmds,
                    redisReply **replies)
{
    int i;

    for (i = 0; i < n; i++) {
        if (redisAppendCommandArgv(c, cmds[i].argc, cmds[i].argv,
                                   cmds[i].argvlen) != REDIS_OK) {
            return -1;
        }
    }
    for (i = 0; i < n; i++) {
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK || !r) {
            rd_free(i, replies);
            return -1;
        }
        replies[i] = r;
    }
    return 0;
}

int rd_run(rd_ctx_t *ctx, int n, rd_cmd_t *cmds, redisReply **replies)
{
    char why_buf[256];
    const char *why = NULL;
    apr_time_t sent;
    int attempt, failed, i;

    memset(replies, 0, sizeof(*replies) * (apr_size_t)n);
    if (!breaker_allows(ctx, apr_time_now())) {
        return -1;
    }
    for (attempt = 0; attempt < 2; attempt++) {
        redisContext *c = attempt == 0 ? take_idle(ctx) : NULL;
        int reused = c != NULL;

        if (!c) {
            apr_pool_t *tmp;
            /* The reason is copied out: pconf must not grow per request. */
            apr_pool_create(&tmp, NULL);
            c = connect_to(ctx, tmp, &why);
            if (why) {
                apr_cpystrn(why_buf, why, sizeof(why_buf));
                why = why_buf;
            }
            apr_pool_destroy(tmp);
            if (!c) {
                break;
            }
        }
        sent = apr_time_now();
        failed = exchange(c, n, cmds, replies) != 0;
        ss_metrics_redis_roundtrip(apr_time_now() - sent);
        if (failed) {
            int retry = reused && stale(c);
            apr_snprintf(why_buf, sizeof(why_buf), "%s", c->err
                         ? c->errstr : "no reply");
            why = why_buf;
            redisFree(c);
            if (retry) {
                continue;
            }
            break;
        }
        for (i = 0; i < n; i++) {
            if (connection_error(replies[i])) {
                apr_snprintf(why_buf, sizeof(why_buf), "%s",
                             replies[i]->str);
                why = why_buf;
                rd_free(n, replies);
                redisFree(c);
                went_wrong(ctx, why);
                return -1;
            }
        }
        give_back(ctx, c);
        went_right(ctx);
        return 0;
    }
    went_wrong(ctx, why ? why : "no connection");
    return -1;
}
