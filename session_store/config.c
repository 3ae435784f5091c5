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
#include "ap_listen.h"
#include "ap_provider.h"
#include "apr_strings.h"
#include "apr_lib.h"

#include <errno.h>
#include <openssl/evp.h>

APLOG_USE_MODULE(session_store);

/* ---- records ---- */

void *ss_create_server_conf(apr_pool_t *p, server_rec *s)
{
    ss_server_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->idle_timeout = SS_UNSET;
    conf->max_age = SS_UNSET;
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

apr_size_t ss_max_body(const ss_dir_conf *conf)
{
    return conf->max_body != SS_UNSET ? (apr_size_t)conf->max_body
                                      : SS_DEFAULT_MAX_BODY;
}

int ss_check_origin(const ss_dir_conf *conf)
{
    return conf->check_origin != 0;   /* SS_UNSET: the default, On */
}

void ss_realm_hash(const char *kind, const char *name,
                   unsigned char out[ST_REALM_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    memset(md, 0, sizeof(md));
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)
        && EVP_DigestUpdate(ctx, kind, strlen(kind))
        && EVP_DigestUpdate(ctx, ":", 1)
        && EVP_DigestUpdate(ctx, name, strlen(name))) {
        EVP_DigestFinal_ex(ctx, md, &len);
    }
    EVP_MD_CTX_free(ctx);
    /* A digest that failed leaves zeros: a realm no session is made in by
     * a working server, never a shared one. */
    memcpy(out, md, ST_REALM_LEN);
}

/* ---- cookie and lifetimes ---- */

static const char *set_cookie_name(cmd_parms *cmd, void *dummy,
                                   const char *arg)
{
    (void)dummy;
    if (!sx_is_token(arg)) {
        return apr_psprintf(cmd->pool, "SessionStoreCookieName: '%s' is not "
                            "a valid cookie name (an HTTP token)", arg);
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
    if (err || (err = parse_uint(cmd, arg, 1, SS_MAX_CAPACITY, &v))) {
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
    if (!sx_is_local_path(arg)) {
        return apr_psprintf(cmd->pool, "%s: '%s' must be a local path "
                            "starting with a single '/', without spaces, "
                            "backslashes or control characters",
                            cmd->cmd->name, arg);
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
        DIR_FIELD(check_origin), OR_AUTHCFG, "Refuse a login whose Origin "
        "header names another site (default On)"),
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

/* ---- checks once the configuration is read ---- */

/* Where a directive in the configuration tree takes effect: the
 * <VirtualHost> around it (matched to its server_rec by the file and line
 * httpd records), or the main server. */
static server_rec *server_of(server_rec *main_server, const ap_directive_t *d)
{
    server_rec *vs;

    for (; d; d = d->parent) {
        if (!strcasecmp(d->directive, "<VirtualHost")) {
            for (vs = main_server->next; vs; vs = vs->next) {
                if (vs->defn_line_number == (unsigned)d->line_num
                    && vs->defn_name && !strcmp(vs->defn_name, d->filename)) {
                    return vs;
                }
            }
            return NULL;
        }
    }
    return main_server;
}

/* A directive that makes this module (or mod_socketio_auth, which needs
 * the same secret) do something: a handler of ours, or AuthType SocketIO. */
static const char *needs_secret(const ap_directive_t *d)
{
    const char *args = d->args ? d->args : "";

    if (!strcasecmp(d->directive, "SetHandler")
        || !strcasecmp(d->directive, "AddHandler")) {
        if (ap_strcasestr(args, "session-store-")) {
            return d->directive;
        }
    }
    else if (!strcasecmp(d->directive, "AuthType")
             && ap_strcasestr(args, "SocketIO")) {
        return "AuthType SocketIO";
    }
    return NULL;
}

static int check_tree(server_rec *s, const ap_directive_t *d)
{
    for (; d; d = d->next) {
        const char *what = needs_secret(d);
        if (what) {
            server_rec *vs = server_of(s, d);
            ss_server_conf *conf = vs ? ss_server_conf_of(vs) : NULL;
            if (conf && (!conf->keys || conf->keys->nelts == 0)) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, "%s on line %d "
                             "of %s needs a secret, and server %s%s has "
                             "none: set SessionStoreSecret or "
                             "SessionStoreSecretFile (sessions cannot be "
                             "signed without one)", what, d->line_num,
                             d->filename, vs->server_hostname
                             ? vs->server_hostname : "", vs->port
                             ? apr_psprintf(vs->process->pconf, ":%u",
                                            (unsigned)vs->port) : "");
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        if (d->first_child && check_tree(s, d->first_child) != OK) {
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

int ss_config_check(apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;

    (void)ptemp;
    /* Loaded but unused (a packaged module enabled with no site using it)
     * needs no secret; used without one, the configuration is refused.
     * .htaccess files are not read here: a request there without a secret
     * is refused with 503 and logged. */
    if (check_tree(s, ap_conftree) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (vs = s; vs; vs = vs->next) {
        ss_server_conf *conf = ss_server_conf_of(vs);
        apr_uint32_t idle = ss_idle_timeout(conf), max = ss_max_age(conf);

        if (max && idle > max) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs,
                         "SessionStoreIdleTimeout %u is longer than "
                         "SessionStoreMaxAge %u; sessions end at the latter",
                         idle, max);
        }
    }
    return OK;
}

static void vhost_realm(apr_pool_t *p, server_rec *vs, apr_port_t port,
                        unsigned char out[ST_REALM_LEN])
{
    ss_realm_hash("vhost", apr_psprintf(p, "%s:%u", vs->server_hostname
                                        ? vs->server_hostname : "",
                                        (unsigned)port), out);
}

/* The default realm of each server: its name and its port, so that two
 * virtual hosts of one name on two ports never accept each other's
 * sessions.  Where httpd knows no port (ServerName without one, and a
 * <VirtualHost *> or the main server), one realm per port it listens on. */
void ss_config_finish(apr_pool_t *pconf, server_rec *s)
{
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        ss_server_conf *conf = ss_server_conf_of(vs);
        apr_port_t port = vs->port;
        ap_listen_rec *l;

        if (!port && vs->is_virtual && vs->addrs) {
            port = vs->addrs->host_port;
        }
        conf->realm_port_known = port != 0;
        if (port) {
            vhost_realm(pconf, vs, port, conf->realm);
            continue;
        }
        conf->realm_by_port = apr_array_make(pconf, 2, sizeof(ss_port_realm));
        for (l = ap_listeners; l; l = l->next) {
            ss_port_realm *pr = apr_array_push(conf->realm_by_port);
            pr->port = l->bind_addr->port;
            vhost_realm(pconf, vs, pr->port, pr->realm);
        }
    }
}

const unsigned char *ss_realm_of(request_rec *r)
{
    ss_dir_conf *dconf = ss_dir_conf_of(r);
    ss_server_conf *conf;
    apr_port_t port;
    unsigned char *realm;
    int i;

    if (dconf->realm_name) {
        return dconf->realm;
    }
    conf = ss_server_conf_of(r->server);
    if (conf->realm_port_known) {
        return conf->realm;
    }
    port = r->connection->local_addr->port;
    for (i = 0; conf->realm_by_port && i < conf->realm_by_port->nelts; i++) {
        ss_port_realm *pr = &APR_ARRAY_IDX(conf->realm_by_port, i,
                                           ss_port_realm);
        if (pr->port == port) {
            return pr->realm;
        }
    }
    /* A port that was not listened on at start-up: not cached. */
    realm = apr_palloc(r->pool, ST_REALM_LEN);
    vhost_realm(r->pool, r->server, port, realm);
    return realm;
}
