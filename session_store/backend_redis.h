/*
 * session_store/backend_redis.h: what the Redis store's two files share.
 *
 * backend_redis_conn.c owns the connections: a pool in each child (never
 * in the parent: a socket opened before the fork would be shared by every
 * child and their replies would interleave), the timeouts, a circuit
 * breaker shared by the children of a server, and the one log line per
 * outage.  backend_redis.c is the store's operations (backend.h) in Redis
 * commands, on the JSON of core/session_json.c.
 */
#ifndef SESSION_STORE_BACKEND_REDIS_H
#define SESSION_STORE_BACKEND_REDIS_H

#include "internal.h"
#include "session_json.h"

#include "apr_thread_mutex.h"

#include <hiredis/hiredis.h>

/* Most arguments of one command we send. */
#define RD_ARGS_MAX 8
/* While Redis fails, every operation fails at once for this long before
 * one request tries again (the circuit breaker's open time). */
#define RD_RETRY apr_time_from_sec(1)

typedef struct rd_cmd {
    int argc;
    const char *argv[RD_ARGS_MAX];
    size_t argvlen[RD_ARGS_MAX];
} rd_cmd_t;

/* The counters of one server, in shared memory (all children add to
 * them), with the breaker's state.  Updated with atomic builtins. */
typedef struct rd_shared {
    apr_uint64_t creates, lookups, hits, misses, expired, evictions,
                 destroys, login_failures;
    apr_int64_t down_until;           /* breaker open until (0: closed) */
    apr_uint32_t outage;              /* 1 from the first failure logged
                                         to the first success after it */
} rd_shared_t;

typedef struct rd_ctx {
    /* from the configuration */
    const ss_redis_conf *conf;
    const char *where;                /* SessionStoreRedisServer, for logs */
    const char *host;                 /* NULL with a unix socket */
    int port;
    const char *socket_path;          /* NULL over TCP */
    struct timeval timeout;
    const char *prefix;
    const char *index_prefix;         /* SS_REDIS_INDEX_PREFIX + prefix */
    sj_user_path_t user_path;
    sj_cookie_t cookie;               /* the main server's attributes */
    apr_uint32_t default_idle;        /* the main server's, for foreign
                                         sessions without originalMaxAge */
    server_rec *s;
    rd_shared_t *shared;
    /* per child, from child_init */
    apr_thread_mutex_t *lock;
    redisContext **idle;
    int nidle;
    int max_idle;
    /* sessions of other applications this child has put in the indexes */
    apr_uint64_t indexed[256];
} rd_ctx_t;

/* Fill cmd with the NUL-terminated arguments after it (up to
 * RD_ARGS_MAX, then NULL). */
void rd_cmd(rd_cmd_t *cmd, ...);

/* Send n commands in one round trip and read their n replies (each then
 * the caller's, freed with rd_free).  0, or -1 when Redis cannot answer:
 * not connected, timed out, the password refused, or an error that is not
 * the command's own (those, e.g. WRONGTYPE, are left in the reply).
 * Fails at once while the breaker is open. */
int rd_run(rd_ctx_t *ctx, int n, rd_cmd_t *cmds, redisReply **replies);
void rd_free(int n, redisReply **replies);

/* Parse conf->server into ctx (host/port or socket path). */
const char *rd_parse_server(rd_ctx_t *ctx, apr_pool_t *p);
/* The child's pool of connections (none opened yet). */
void rd_child_init(rd_ctx_t *ctx, apr_pool_t *pchild);

/* ---- backend_redis.c: keys and sessions ---- */

static inline int rd_is_string(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING;
}

static inline long long rd_integer_of(const redisReply *r,
                                      long long otherwise)
{
    return r && r->type == REDIS_REPLY_INTEGER ? r->integer : otherwise;
}

/* A pool for one operation's keys, commands and replies. */
apr_pool_t *rd_op_pool(void);
/* The keys (the file's header lists them). */
const char *rd_key(apr_pool_t *p, rd_ctx_t *ctx, const char *id);
const char *rd_user_index(apr_pool_t *p, rd_ctx_t *ctx, const char *user);
const char *rd_users_key(apr_pool_t *p, rd_ctx_t *ctx);
const char *rd_handle_key(apr_pool_t *p, rd_ctx_t *ctx, const char *id);
/* A user's index, least recently used first: the valid ids, how many, or
 * -1 when Redis failed. */
int rd_index_members(rd_ctx_t *ctx, apr_pool_t *p, const char *user,
                     const char ***ids);
/* verb on the session key of each of ids in one round trip (with_range:
 * GETRANGE's bounds added); *replies from p, the caller frees them. */
int rd_each_id(rd_ctx_t *ctx, apr_pool_t *p, const char *verb,
               const char **ids, int n, int with_range,
               redisReply ***replies);
/* A stored value read (unusable ones logged by handle). */
sj_status_t rd_read_value(rd_ctx_t *ctx, const char *id,
                          const redisReply *value, sj_session_t *s);
/* A session as callers see it, with its TTL (ttl_ms) and what is left of
 * it (pttl), realm the one asked for (foreign sessions get it). */
void rd_fill(const char *id, const sj_session_t *s, apr_int64_t ttl_ms,
             apr_int64_t pttl, const unsigned char *realm, apr_time_t now,
             st_session_t *out);
st_status_t rd_destroy(ss_store_t *st, const char *id);
/* The same, the ended session's user copied to user (unless NULL). */
st_status_t rd_destroy_as(ss_store_t *st, const char *id,
                          char user[ST_USER_MAX]);

/* ---- backend_redis_admin.c: what the admin handler asks ---- */
long rd_destroy_user(ss_store_t *st, const char *user);
st_status_t rd_destroy_handle(ss_store_t *st, const char *handle,
                              char user[ST_USER_MAX]);
long rd_list_user(ss_store_t *st, const char *user, apr_time_t now,
                  ss_session_fn fn, void *fctx);
long rd_list_users(ss_store_t *st, apr_time_t now, const char *cursor,
                   int limit, apr_pool_t *p, ss_user_fn fn, void *fctx,
                   const char **next);

/* A counter of ctx's shared block. */
#define RD_COUNT(ctx, field) \
    __atomic_add_fetch(&(ctx)->shared->field, 1, __ATOMIC_RELAXED)
#define RD_ADD(ctx, field, n) \
    __atomic_add_fetch(&(ctx)->shared->field, (n), __ATOMIC_RELAXED)

#endif
