/*
 * session_store/config_redis.c: the directives of the Redis store
 * (SessionStoreBackend redis and SessionStoreRedis*), all global; the
 * command table in config.c lists them.  backend_redis.c uses them.
 */
#include "internal.h"
#ifdef SS_HAVE_REDIS
#include "session_json.h"
#endif

#include "http_core.h"
#include "apr_strings.h"
#include "apr_lib.h"

/* ---- the Redis store (SessionStoreBackend redis): global settings ---- */

const char *ss_set_backend(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    ss_module_conf *mc = ss_global_conf(cmd, &err);

    (void)dummy;
    if (err) {
        return err;
    }
    if (!strcasecmp(arg, "shm")) {
        mc->use_redis = 0;
        return NULL;
    }
    if (strcasecmp(arg, "redis")) {
        return "SessionStoreBackend: use 'shm' (shared memory, one server) "
               "or 'redis' (sessions shared by several servers)";
    }
#ifdef SS_HAVE_REDIS
    mc->use_redis = 1;
    return NULL;
#else
    return "SessionStoreBackend redis: this build has no Redis support "
           "(it was configured --without-redis; build it with "
           "libhiredis-dev and libjansson-dev)";
#endif
}

/* host:port, [v6]:port, host (port 6379), or unix:/absolute/path. */
const char *ss_set_redis_server(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    const char *err, *port = NULL, *c;
    ss_module_conf *mc = ss_global_conf(cmd, &err);
    apr_uint64_t v;

    (void)dummy;
    if (err) {
        return err;
    }
    if (!strncmp(arg, "unix:", 5)) {
        if (arg[5] != '/') {
            return "SessionStoreRedisServer: unix: takes an absolute path, "
                   "e.g. unix:/run/redis/redis-server.sock";
        }
        mc->redis.server = arg;
        return NULL;
    }
    if (*arg == '[') {
        c = strchr(arg, ']');
        port = c && c[1] == ':' ? c + 2 : NULL;
        if (!c || c == arg + 1 || (c[1] && !port)) {
            c = NULL;
        }
    }
    else {
        for (c = arg; *c && (apr_isalnum(*c) || *c == '.' || *c == '-'); c++) {
        }
        port = *c == ':' ? c + 1 : NULL;
        if (c == arg || (*c && !port)) {
            c = NULL;
        }
    }
    if (port && (!*port || port[strspn(port, "0123456789")])) {
        c = NULL;
    }
    if (!c) {
        return apr_psprintf(cmd->pool, "SessionStoreRedisServer: '%s' is not "
                            "host:port, [IPv6]:port or unix:/path", arg);
    }
    if (port && (err = ss_parse_uint(cmd, port, 1, 65535, &v)) != NULL) {
        return err;
    }
    mc->redis.server = arg;
    return NULL;
}

/* One line: "password", or "user password" for a Redis 6 ACL user. */
const char *ss_set_redis_auth_file(cmd_parms *cmd, void *dummy,
                                       const char *arg)
{
    const char *err, *path = ap_server_root_relative(cmd->pool, arg);
    ss_module_conf *mc = ss_global_conf(cmd, &err);
    char line[1024], *words[3], *last;
    apr_file_t *f;
    int n = 0;

    (void)dummy;
    if (err) {
        return err;
    }
    if (!path) {
        return apr_psprintf(cmd->pool, "SessionStoreRedisAuthFile: invalid "
                            "path %s", arg);
    }
    if ((err = ss_open_private_file(cmd, path, &f)) != NULL) {
        return err;
    }
    memset(line, 0, sizeof(line));
    while (apr_file_gets(line, sizeof(line), f) == APR_SUCCESS
           && (line[strspn(line, " \t\r\n")] == '\0' || line[0] == '#')) {
    }
    apr_file_close(f);
    words[0] = apr_strtok(line, " \t\r\n", &last);
    while (words[n] && n < 2) {
        words[++n] = apr_strtok(NULL, " \t\r\n", &last);
    }
    if (n == 0 || words[n]) {
        memset(line, 0, sizeof(line));
        return apr_psprintf(cmd->pool, "SessionStoreRedisAuthFile: %s must "
                            "hold one line: the password, or an ACL user "
                            "name and its password", path);
    }
    mc->redis.auth_file = path;
    mc->redis.auth_user = n == 2 ? apr_pstrdup(cmd->pool, words[0]) : NULL;
    mc->redis.auth_password = apr_pstrdup(cmd->pool, words[n - 1]);
    memset(line, 0, sizeof(line));
    return NULL;
}

const char *ss_set_redis_database(cmd_parms *cmd, void *dummy,
                                      const char *arg)
{
    const char *err;
    ss_module_conf *mc = ss_global_conf(cmd, &err);
    apr_uint64_t v;

    (void)dummy;
    if (err || (err = ss_parse_uint(cmd, arg, 0, 65535, &v))) {
        return err;
    }
    mc->redis.database = (int)v;
    return NULL;
}

const char *ss_set_redis_prefix(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    const char *err, *c;
    ss_module_conf *mc = ss_global_conf(cmd, &err);

    (void)dummy;
    if (err) {
        return err;
    }
    for (c = arg; *c; c++) {
        if (!apr_isgraph(*c) || *c == '*' || *c == '?' || *c == '[') {
            break;
        }
    }
    if (!*arg || *c || strlen(arg) > 64) {
        return "SessionStoreRedisPrefix: 1 to 64 printable characters, "
               "without spaces or the SCAN patterns * ? [ (connect-redis's "
               "prefix, default " SS_DEFAULT_REDIS_PREFIX ")";
    }
    if (!strncmp(SS_REDIS_INDEX_PREFIX, arg, strlen(arg))) {
        return apr_psprintf(cmd->pool, "SessionStoreRedisPrefix: '%s' would "
                            "make connect-redis read httpd's own keys ("
                            SS_REDIS_INDEX_PREFIX "...) as sessions; end it "
                            "with ':' (e.g. '%s:')", arg, arg);
    }
    mc->redis.prefix = arg;
    return NULL;
}

const char *ss_set_redis_user_path(cmd_parms *cmd, void *dummy,
                                       const char *arg)
{
    const char *err;
    ss_module_conf *mc = ss_global_conf(cmd, &err);

    (void)dummy;
    if (err) {
        return err;
    }
#ifdef SS_HAVE_REDIS
    {
        sj_user_path_t path;
        if (sj_user_path_parse(arg, &path) != 0) {
            return apr_psprintf(cmd->pool, "SessionStoreRedisUserPath: '%s' "
                                "is not a path of 1 to %d object keys of "
                                "letters, digits, _, $ and -, joined by "
                                "'.', outside 'cookie' and 'httpd' (e.g. "
                                "passport.user)", arg, SJ_PATH_DEPTH_MAX);
        }
    }
#endif
    mc->redis.user_path = arg;
    return NULL;
}

const char *ss_set_redis_timeout(cmd_parms *cmd, void *dummy,
                                     const char *arg)
{
    const char *err;
    ss_module_conf *mc = ss_global_conf(cmd, &err);
    apr_uint64_t v;

    (void)dummy;
    if (err || (err = ss_parse_uint(cmd, arg, 10, 60000, &v))) {
        return err;
    }
    mc->redis.timeout_ms = (int)v;
    return NULL;
}

const char *ss_set_redis_foreign(cmd_parms *cmd, void *dummy,
                                     const char *arg)
{
    const char *err;
    ss_module_conf *mc = ss_global_conf(cmd, &err);

    (void)dummy;
    if (err) {
        return err;
    }
    if (!strcasecmp(arg, "accept") || !strcasecmp(arg, "refuse")) {
        mc->redis.refuse_foreign = !strcasecmp(arg, "refuse");
        return NULL;
    }
    return "SessionStoreRedisForeign: use 'accept' (sessions another "
           "application wrote under the prefix count) or 'refuse' (only "
           "sessions httpd made)";
}
