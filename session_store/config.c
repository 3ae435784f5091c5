/*
 * session_store/config.c: mod_session_store's configuration: the records,
 * their merges, every directive and the command table.
 *
 * Every setter checks its value and names its directive and the fix in the
 * error; settings that are global by nature live once, in ss_module_conf.
 */
#include "internal.h"
#include "syntax.h"
#include "session_form.h"

#include "http_core.h"
#include "ap_provider.h"
#include "apr_strings.h"
#include "apr_lib.h"

#include <errno.h>

APLOG_USE_MODULE(session_store);

/* ---- records ---- */

void *ss_create_server_conf(apr_pool_t *p, server_rec *s)
{
    ss_server_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->idle_timeout = SS_UNSET;
    conf->max_age = SS_UNSET;
    conf->max_per_user = SS_UNSET;
    /* The main server's record is created first and is the base of every
     * virtual host's merge: it carries the one global record. */
    if (!s->is_virtual) {
        conf->mc = apr_pcalloc(p, sizeof(*conf->mc));
        conf->mc->capacity = SS_DEFAULT_CAPACITY;
        conf->mc->persist_interval = SS_DEFAULT_PERSIST_INTERVAL;
    }
    return conf;
}

void *ss_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    ss_server_conf *base = basev, *add = addv;
    ss_server_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->mc = base->mc;
    conf->keys = add->keys ? add->keys : base->keys;
    conf->secret_source = add->keys ? add->secret_source
                                    : base->secret_source;
    conf->cookie_name = add->cookie_name ? add->cookie_name
                                         : base->cookie_name;
    conf->cookie_attrs = add->cookie_attrs ? add->cookie_attrs
                                           : base->cookie_attrs;
    conf->idle_timeout = add->idle_timeout != SS_UNSET ? add->idle_timeout
                                                       : base->idle_timeout;
    conf->max_age = add->max_age != SS_UNSET ? add->max_age : base->max_age;
    conf->max_per_user = add->max_per_user != SS_UNSET ? add->max_per_user
                                                       : base->max_per_user;
    return conf;
}

void *ss_create_dir_conf(apr_pool_t *p, char *dir)
{
    ss_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->max_body = SS_UNSET;
    conf->throttle_user = SS_UNSET;
    conf->throttle_addr = SS_UNSET;
    conf->throttle_window = SS_UNSET;
    conf->check_origin = SS_UNSET;
    conf->device_cookie = SS_UNSET;
    conf->fold_case = SS_UNSET;
    return conf;
}

void *ss_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    ss_dir_conf *base = basev, *add = addv;
    ss_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));
    const ss_dir_conf *fields = add->user_field ? add : base;
    const ss_dir_conf *throttle = add->throttle_user != SS_UNSET ? add : base;
    const ss_dir_conf *realm = add->realm_name ? add : base;

    conf->providers = add->providers ? add->providers : base->providers;
    conf->login_redirect = add->login_redirect ? add->login_redirect
                                               : base->login_redirect;
    conf->fail_redirect = add->fail_redirect ? add->fail_redirect
                                             : base->fail_redirect;
    conf->logout_redirect = add->logout_redirect ? add->logout_redirect
                                                 : base->logout_redirect;
    conf->user_field = fields->user_field;
    conf->password_field = fields->password_field;
    conf->redirect_field = fields->redirect_field;
    conf->max_body = add->max_body != SS_UNSET ? add->max_body
                                               : base->max_body;
    conf->throttle_user = throttle->throttle_user;
    conf->throttle_addr = throttle->throttle_addr;
    conf->throttle_window = throttle->throttle_window;
    conf->check_origin = add->check_origin != SS_UNSET ? add->check_origin
                                                       : base->check_origin;
    conf->device_cookie = add->device_cookie != SS_UNSET ? add->device_cookie
                                                         : base->device_cookie;
    conf->fold_case = add->fold_case != SS_UNSET ? add->fold_case
                                                 : base->fold_case;
    conf->dummy_user = add->dummy_user_set ? add->dummy_user
                                           : base->dummy_user;
    conf->dummy_user_set = add->dummy_user_set || base->dummy_user_set;
    conf->realm_name = realm->realm_name;
    memcpy(conf->realm, realm->realm, ST_REALM_LEN);
    return conf;
}

ss_server_conf *ss_server_conf_of(server_rec *s)
{
    return ap_get_module_config(s->module_config, &session_store_module);
}

ss_dir_conf *ss_dir_conf_of(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &session_store_module);
}

const char *ss_cookie_name(const ss_server_conf *conf)
{
    return conf->cookie_name ? conf->cookie_name : SS_DEFAULT_COOKIE_NAME;
}

const char *ss_cookie_attrs(const ss_server_conf *conf)
{
    return conf->cookie_attrs ? conf->cookie_attrs : SS_DEFAULT_COOKIE_ATTRS;
}

apr_uint32_t ss_idle_timeout(const ss_server_conf *conf)
{
    return conf->idle_timeout != SS_UNSET ? (apr_uint32_t)conf->idle_timeout
                                          : SS_DEFAULT_IDLE_TIMEOUT;
}

apr_uint32_t ss_max_age(const ss_server_conf *conf)
{
    return conf->max_age != SS_UNSET ? (apr_uint32_t)conf->max_age
                                     : SS_DEFAULT_MAX_AGE;
}

apr_uint32_t ss_max_per_user(const ss_server_conf *conf)
{
    return conf->max_per_user != SS_UNSET ? (apr_uint32_t)conf->max_per_user
                                          : SS_DEFAULT_MAX_PER_USER;
}

apr_size_t ss_max_body(const ss_dir_conf *conf)
{
    return conf->max_body != SS_UNSET ? (apr_size_t)conf->max_body
                                      : SS_DEFAULT_MAX_BODY;
}

int ss_check_origin(const ss_dir_conf *conf)
{
    return conf->check_origin != 0;   /* SS_UNSET: the default, On */
}

int ss_device_cookie(const ss_dir_conf *conf)
{
    return conf->device_cookie != 0;   /* SS_UNSET: the default, On */
}

int ss_fold_case(const ss_dir_conf *conf)
{
    return conf->fold_case == 1;       /* SS_UNSET: the default, Off */
}

/* ---- cookie and lifetimes ---- */

static const char *set_cookie_name(cmd_parms *cmd, void *dummy,
                                   const char *arg)
{
    (void)dummy;
    if (!sx_is_token(arg) || strlen(arg) > SC_COOKIE_NAME_MAX) {
        return apr_psprintf(cmd->pool, "SessionStoreCookieName: '%s' is not "
                            "a valid cookie name (an HTTP token of at most "
                            "%d characters)", arg, SC_COOKIE_NAME_MAX);
    }
    ss_server_conf_of(cmd->server)->cookie_name = arg;
    return NULL;
}

static const char *set_cookie_attrs(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    const char *c;

    (void)dummy;
    for (c = arg; *c; c++) {
        if (apr_iscntrl(*c)) {
            return "SessionStoreCookieAttributes: control characters are "
                   "not allowed";
        }
    }
    ss_server_conf_of(cmd->server)->cookie_attrs = arg;
    return NULL;
}

/* A whole number from min to max, or an error naming the directive. */
static const char *parse_uint(cmd_parms *cmd, const char *arg,
                              apr_uint64_t min, apr_uint64_t max,
                              apr_uint64_t *out)
{
    char *end;
    apr_int64_t v;

    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (errno || *end || end == arg || v < (apr_int64_t)min
        || (apr_uint64_t)v > max) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number from "
                            "%" APR_UINT64_T_FMT " to %" APR_UINT64_T_FMT,
                            cmd->cmd->name, arg, min, max);
    }
    *out = (apr_uint64_t)v;
    return NULL;
}

/* SessionStoreIdleTimeout and SessionStoreMaxAge: cmd->info is the offset
 * of their int in ss_server_conf. */
static const char *set_lifetime(cmd_parms *cmd, void *dummy, const char *arg)
{
    ss_server_conf *conf = ss_server_conf_of(cmd->server);
    apr_uint64_t v;
    const char *err = parse_uint(cmd, arg, 0, SS_MAX_LIFETIME, &v);

    (void)dummy;
    if (err) {
        return err;
    }
    *(int *)((char *)conf + (apr_size_t)cmd->info) = (int)v;
    return NULL;
}

static const char *set_max_per_user(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    apr_uint64_t v;
    const char *err = parse_uint(cmd, arg, 0, ST_CAPACITY_MAX, &v);

    (void)dummy;
    if (err) {
        return err;
    }
    ss_server_conf_of(cmd->server)->max_per_user = (int)v;
    return NULL;
}

/* ---- global settings ---- */

static ss_module_conf *global_conf(cmd_parms *cmd, const char **err)
{
    *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    return *err ? NULL : ss_server_conf_of(cmd->server)->mc;
}

/* For the directives of config_redis.c. */
const char *ss_parse_uint(cmd_parms *cmd, const char *arg, apr_uint64_t min,
                          apr_uint64_t max, apr_uint64_t *out)
{
    return parse_uint(cmd, arg, min, max, out);
}

ss_module_conf *ss_global_conf(cmd_parms *cmd, const char **err)
{
    return global_conf(cmd, err);
}

static const char *set_capacity(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    ss_module_conf *mc = global_conf(cmd, &err);
    apr_uint64_t v;

    (void)dummy;
    if (err || (err = parse_uint(cmd, arg, 1, st_max_capacity(), &v))) {
        return err;
    }
    mc->capacity = (apr_uint32_t)v;
    return NULL;
}

static const char *set_when_full(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    ss_module_conf *mc = global_conf(cmd, &err);

    (void)dummy;
    if (err) {
        return err;
    }
    if (!strcasecmp(arg, "evict")) {
        mc->refuse_when_full = 0;
    }
    else if (!strcasecmp(arg, "refuse")) {
        mc->refuse_when_full = 1;
    }
    else {
        return "SessionStoreWhenFull: use 'evict' (drop the least recently "
               "used session) or 'refuse' (answer 503)";
    }
    return NULL;
}

static const char *set_persist_file(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    const char *err;
    ss_module_conf *mc = global_conf(cmd, &err);

    (void)dummy;
    if (err) {
        return err;
    }
    mc->persist_file = ap_server_root_relative(cmd->pool, arg);
    if (!mc->persist_file) {
        return apr_psprintf(cmd->pool, "SessionStorePersistFile: invalid "
                            "path %s", arg);
    }
    return NULL;
}

static const char *set_persist_interval(cmd_parms *cmd, void *dummy,
                                        const char *arg)
{
    const char *err;
    ss_module_conf *mc = global_conf(cmd, &err);
    apr_uint64_t v;

    (void)dummy;
    if (err || (err = parse_uint(cmd, arg, 0, 86400, &v))) {
        return err;
    }
    mc->persist_interval = (apr_uint32_t)v;
    return NULL;
}

/* ---- the login ---- */

static const char *set_login_throttle(cmd_parms *cmd, void *config,
                                      int argc, char *const argv[])
{
    ss_dir_conf *conf = config;
    apr_uint64_t user, addr, window;
    const char *err;

    if (argc == 1 && !strcasecmp(argv[0], "off")) {
        conf->throttle_user = conf->throttle_addr = 0;
        conf->throttle_window = SS_DEFAULT_THROTTLE_WINDOW;
        return NULL;
    }
    if (argc != 3) {
        return "SessionStoreLoginThrottle takes Off, or three numbers: "
               "failures per user name, failures per client address, "
               "window in seconds (default 10 30 300)";
    }
    if ((err = parse_uint(cmd, argv[0], 0, 1000000, &user)) != NULL
        || (err = parse_uint(cmd, argv[1], 0, 1000000, &addr)) != NULL
        || (err = parse_uint(cmd, argv[2], 1, 86400, &window)) != NULL) {
        return err;
    }
    conf->throttle_user = (int)user;
    conf->throttle_addr = (int)addr;
    conf->throttle_window = (int)window;
    return NULL;
}

static const char *set_dummy_user(cmd_parms *cmd, void *config,
                                  const char *arg)
{
    ss_dir_conf *conf = config;

    (void)cmd;
    conf->dummy_user_set = 1;
    conf->dummy_user = !strcasecmp(arg, "auto") ? NULL
                     : !strcasecmp(arg, "off") ? "" : arg;
    return NULL;
}

static const char *set_realm(cmd_parms *cmd, void *config, const char *arg)
{
    ss_dir_conf *conf = config;

    (void)cmd;
    if (!*arg) {
        return "SessionStoreRealm: the realm name may not be empty";
    }
    conf->realm_name = arg;
    ss_realm_hash("realm", arg, conf->realm);
    return NULL;
}

static const char *add_login_provider(cmd_parms *cmd, void *config,
                                      const char *arg)
{
    ss_dir_conf *conf = config;
    ss_login_provider *lp;

    if (!conf->providers) {
        conf->providers = apr_array_make(cmd->pool, 2, sizeof(*lp));
    }
    lp = apr_array_push(conf->providers);
    lp->name = arg;
    lp->provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP, arg,
                                      AUTHN_PROVIDER_VERSION);
    if (!lp->provider) {
        return apr_psprintf(cmd->pool, "SessionStoreLoginProvider: unknown "
                            "authn provider '%s' (is mod_authn_%s loaded?)",
                            arg, arg);
    }
    if (!lp->provider->check_password) {
        return apr_psprintf(cmd->pool, "SessionStoreLoginProvider: authn "
                            "provider '%s' cannot check passwords", arg);
    }
    return NULL;
}

/* The redirect directives: cmd->info is the offset of their field in
 * ss_dir_conf. */
static const char *set_local_path(cmd_parms *cmd, void *config,
                                  const char *arg)
{
    if (!sx_is_plain_local_path(arg)) {
        return apr_psprintf(cmd->pool, "%s: '%s' must be a local path "
                            "starting with a single '/', without spaces, "
                            "backslashes, control characters or '.' and "
                            "'..' segments", cmd->cmd->name, arg);
    }
    return ap_set_string_slot(cmd, config, arg);
}

static const char *set_login_fields(cmd_parms *cmd, void *config, int argc,
                                    char *const argv[])
{
    ss_dir_conf *conf = config;
    int i;

    if (argc < 2 || argc > 3) {
        return "SessionStoreLoginFields takes the user name field, the "
               "password field and optionally the redirect field";
    }
    for (i = 0; i < argc; i++) {
        if (!sx_is_token(argv[i]) || strlen(argv[i]) > SF_NAME_MAX) {
            return apr_psprintf(cmd->pool, "SessionStoreLoginFields: '%s' "
                                "is not a usable field name (an HTTP token "
                                "of at most %d characters)", argv[i],
                                SF_NAME_MAX);
        }
    }
    conf->user_field = argv[0];
    conf->password_field = argv[1];
    conf->redirect_field = argc == 3 ? argv[2] : "redirect";
    return NULL;
}

static const char *set_max_body(cmd_parms *cmd, void *config, const char *arg)
{
    ss_dir_conf *conf = config;
    apr_uint64_t v;
    const char *err = parse_uint(cmd, arg, 64, 1024 * 1024, &v);

    if (err) {
        return err;
    }
    conf->max_body = (int)v;
    return NULL;
}

#define SERVER_INT(f) ((void *)APR_OFFSETOF(ss_server_conf, f))
#define DIR_FIELD(f)  ((void *)APR_OFFSETOF(ss_dir_conf, f))

const command_rec ss_cmds[] = {
    AP_INIT_TAKE_ARGV("SessionStoreSecret", ss_set_secret, NULL, RSRC_CONF,
        "Secrets for the session cookie's signature: the first signs, "
        "all verify"),
    AP_INIT_TAKE1("SessionStoreSecretFile", ss_set_secret_file, NULL, RSRC_CONF,
        "A file of secrets, one a line, not readable by others"),
    AP_INIT_TAKE1("SessionStoreCookieName", set_cookie_name, NULL, RSRC_CONF,
        "Name of the session cookie (default " SS_DEFAULT_COOKIE_NAME ")"),
    AP_INIT_TAKE1("SessionStoreCookieAttributes", set_cookie_attrs, NULL,
        RSRC_CONF, "Attributes of the session cookie (default "
        "'" SS_DEFAULT_COOKIE_ATTRS "', plus Secure on https)"),
    AP_INIT_TAKE1("SessionStoreCapacity", set_capacity, NULL, RSRC_CONF,
        "How many sessions the store holds (global, default 10000)"),
    AP_INIT_TAKE1("SessionStoreWhenFull", set_when_full, NULL, RSRC_CONF,
        "evict (default) or refuse a login when the store is full"),
    AP_INIT_TAKE1("SessionStoreIdleTimeout", set_lifetime,
        SERVER_INT(idle_timeout), RSRC_CONF, "Seconds a session lives "
        "unused (default 1800, 0: no limit)"),
    AP_INIT_TAKE1("SessionStoreMaxAge", set_lifetime, SERVER_INT(max_age),
        RSRC_CONF, "Seconds a session lives at most (default 86400, 0: no "
        "limit)"),
    AP_INIT_TAKE1("SessionStoreMaxPerUser", set_max_per_user, NULL, RSRC_CONF,
        "Sessions one user may hold; a login beyond it ends that user's "
        "least recently used session (default 32, 0: no cap)"),
    AP_INIT_TAKE1("SessionStorePersistFile", set_persist_file, NULL,
        RSRC_CONF, "File the sessions are saved to and loaded from, so "
        "they survive a full stop and start (global)"),
    AP_INIT_TAKE1("SessionStorePersistInterval", set_persist_interval, NULL,
        RSRC_CONF, "Seconds between saves to SessionStorePersistFile "
        "(default 300; 0: only at shutdown)"),
    AP_INIT_TAKE1("SessionStoreBackend", ss_set_backend, NULL, RSRC_CONF,
        "Where sessions live: shm (default, this server's shared memory) "
        "or redis (shared by every server using the same Redis; global)"),
    AP_INIT_TAKE1("SessionStoreRedisServer", ss_set_redis_server, NULL,
        RSRC_CONF, "The Redis server: host:port or unix:/path (global, "
        "default " SS_DEFAULT_REDIS_SERVER ")"),
    AP_INIT_TAKE1("SessionStoreRedisAuthFile", ss_set_redis_auth_file, NULL,
        RSRC_CONF, "A file of one line, the Redis password or 'user "
        "password', not readable by others (global)"),
    AP_INIT_TAKE1("SessionStoreRedisDatabase", ss_set_redis_database, NULL,
        RSRC_CONF, "The Redis database number (global, default 0)"),
    AP_INIT_TAKE1("SessionStoreRedisPrefix", ss_set_redis_prefix, NULL,
        RSRC_CONF, "Key prefix of sessions, connect-redis's (global, "
        "default " SS_DEFAULT_REDIS_PREFIX ")"),
    AP_INIT_TAKE1("SessionStoreRedisUserPath", ss_set_redis_user_path, NULL,
        RSRC_CONF, "Where the user name is in a session's JSON (global, "
        "default " SS_DEFAULT_REDIS_USER_PATH ")"),
    AP_INIT_TAKE1("SessionStoreRedisTimeout", ss_set_redis_timeout, NULL,
        RSRC_CONF, "Milliseconds to connect to, write to or read from Redis "
        "(global, default 250)"),
    AP_INIT_TAKE1("SessionStoreRedisForeign", ss_set_redis_foreign, NULL,
        RSRC_CONF, "accept (default) or refuse sessions another application "
        "wrote (global)"),
    AP_INIT_TAKE_ARGV("SessionStoreLoginThrottle", set_login_throttle, NULL,
        OR_AUTHCFG, "Failed logins allowed per user name and per client "
        "address within a window of seconds (default 10 30 300), or Off"),
    AP_INIT_TAKE1("SessionStoreRealm", set_realm, NULL, RSRC_CONF | OR_AUTHCFG,
        "Who shares sessions: a login counts only where the realm is the "
        "same (default: the virtual host)"),
    AP_INIT_FLAG("SessionStoreLoginCheckOrigin", ap_set_flag_slot,
        DIR_FIELD(check_origin), OR_AUTHCFG, "Refuse a login or logout "
        "whose Origin names another site, or whose Sec-Fetch-Site is "
        "cross-site (default On)"),
    AP_INIT_FLAG("SessionStoreLoginDeviceCookie", ap_set_flag_slot,
        DIR_FIELD(device_cookie), OR_AUTHCFG, "Give a browser that signs "
        "in a signed device cookie, and count its later failed logins "
        "against it, not against the user name (default On)"),
    AP_INIT_FLAG("SessionStoreLoginFoldCase", ap_set_flag_slot,
        DIR_FIELD(fold_case), OR_AUTHCFG, "Fold the user name to lower "
        "case at login, for providers that ignore case (default Off)"),
    AP_INIT_TAKE1("SessionStoreLoginDummyUser", set_dummy_user, NULL,
        OR_AUTHCFG, "A user the providers know whose password is checked "
        "when the one logging in is unknown, so that both take as long: "
        "a name, auto (the last known user; default) or Off"),
    AP_INIT_ITERATE("SessionStoreLoginProvider", add_login_provider, NULL,
        OR_AUTHCFG, "authn providers that check the login's password, in "
        "order (default file)"),
    AP_INIT_TAKE1("SessionStoreLoginRedirect", set_local_path,
        DIR_FIELD(login_redirect), OR_AUTHCFG,
        "Local path a successful form login goes to (default /)"),
    AP_INIT_TAKE1("SessionStoreLoginFailRedirect", set_local_path,
        DIR_FIELD(fail_redirect), OR_AUTHCFG, "Local path a failed form "
        "login goes to, with ?error=1 (default: answer 401)"),
    AP_INIT_TAKE1("SessionStoreLogoutRedirect", set_local_path,
        DIR_FIELD(logout_redirect), OR_AUTHCFG,
        "Local path a logout goes to (default: answer 200)"),
    AP_INIT_TAKE_ARGV("SessionStoreLoginFields", set_login_fields, NULL,
        OR_AUTHCFG, "Form field names: user, password [, redirect]"),
    AP_INIT_TAKE1("SessionStoreLoginMaxBody", set_max_body, NULL, OR_AUTHCFG,
        "Largest login form body in bytes (default 8192)"),
    { NULL }
};
