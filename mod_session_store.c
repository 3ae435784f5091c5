/*
 * mod_session_store.c: sessions for mod_socketio_auth, in shared memory.
 *
 * A login form posts to the session-store-login handler; the password is
 * checked with httpd's own authn providers (SessionStoreLoginProvider, as
 * AuthBasicProvider does), a session is created in the store and a signed
 * cookie is set in express-session's format.  Other modules find the
 * session of a request through the optional functions of
 * mod_session_store.h.
 *
 * The cookie and form parsing and the table itself are plain C units
 * (session_cookie.c, session_form.c, session_table.c); the store is reached
 * through the operations of store_backend.h.  This file is the httpd glue.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_provider.h"
#include "mod_auth.h"
#include "mpm_common.h"

#include "apr_strings.h"
#include "apr_file_io.h"
#include "apr_file_info.h"
#include "apr_lib.h"

#include <arpa/inet.h>

#include "mod_session_store.h"
#include "store_backend.h"
#include "session_cookie.h"
#include "session_form.h"
#include "login_throttle.h"
#include "shm_segment.h"

#include <stdlib.h>

module AP_MODULE_DECLARE_DATA session_store_module;

#define DEFAULT_COOKIE_NAME   "express.sid"
#define DEFAULT_COOKIE_ATTRS  "Path=/; HttpOnly; SameSite=Lax"
#define DEFAULT_CAPACITY      10000
#define DEFAULT_IDLE_TIMEOUT  1800
#define DEFAULT_MAX_AGE       86400
#define DEFAULT_MAX_BODY      8192
#define MAX_CAPACITY          (64u * 1024 * 1024)
#define MAX_REDIRECT_LEN      2048
#define PASSWORD_MAX          1024
#define DEFAULT_PERSIST_INTERVAL 300
#define DEFAULT_THROTTLE_USER    10
#define DEFAULT_THROTTLE_ADDR    30
#define DEFAULT_THROTTLE_WINDOW  300
#define THROTTLE_ENTRIES         8192
#define THROTTLE_SHM_KEY         "mod_session_store:throttle"

#define HANDLER_LOGIN  "session-store-login"
#define HANDLER_LOGOUT "session-store-logout"
#define HANDLER_STATUS "session-store-status"

/* ---- configuration ---- */

/* Per server (virtual host). */
typedef struct {
    apr_array_header_t *keys;          /* sc_key_t, the first signs */
    const char *secret_source;         /* directive that set them, for logs */
    int secrets_set;
    const char *cookie_name;
    int cookie_name_set;
    const char *cookie_attrs;
    int cookie_attrs_set;
    apr_uint32_t idle_timeout;
    int idle_timeout_set;
    apr_uint32_t max_age;
    int max_age_set;
    /* Global, read from the main server only. */
    apr_uint32_t capacity;
    int capacity_set;
    int refuse_when_full;
    int when_full_set;
    const char *persist_file;
    apr_uint32_t persist_interval;
    int persist_interval_set;
    store_backend_t *store;            /* set in post_config */
    lt_table_t *throttle;              /* set in post_config */
} store_server_conf;

typedef struct {
    const authn_provider *provider;
    const char *name;
} login_provider;

/* Per directory. */
typedef struct {
    apr_array_header_t *providers;     /* login_provider */
    int providers_set;
    const char *login_redirect;
    int login_redirect_set;
    const char *fail_redirect;
    int fail_redirect_set;
    const char *logout_redirect;
    int logout_redirect_set;
    const char *user_field;
    const char *password_field;
    const char *redirect_field;
    int fields_set;
    apr_size_t max_body;
    int max_body_set;
    apr_uint32_t throttle_user;        /* failures per user name, 0: off */
    apr_uint32_t throttle_addr;        /* failures per client address */
    apr_uint32_t throttle_window;      /* seconds */
    int throttle_set;
    int check_origin;
    int check_origin_set;
    const char *realm;                 /* NULL: the virtual host */
    int realm_set;
} store_dir_conf;

static void *create_server_conf(apr_pool_t *p, server_rec *s)
{
    store_server_conf *conf = apr_pcalloc(p, sizeof(*conf));
    (void)s;
    conf->cookie_name = DEFAULT_COOKIE_NAME;
    conf->cookie_attrs = DEFAULT_COOKIE_ATTRS;
    conf->idle_timeout = DEFAULT_IDLE_TIMEOUT;
    conf->max_age = DEFAULT_MAX_AGE;
    conf->capacity = DEFAULT_CAPACITY;
    conf->persist_interval = DEFAULT_PERSIST_INTERVAL;
    return conf;
}

static void *merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    store_server_conf *base = basev, *add = addv;
    store_server_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->keys = add->secrets_set ? add->keys : base->keys;
    conf->secret_source = add->secrets_set ? add->secret_source
                                           : base->secret_source;
    conf->secrets_set = add->secrets_set || base->secrets_set;
    conf->cookie_name = add->cookie_name_set ? add->cookie_name
                                             : base->cookie_name;
    conf->cookie_name_set = add->cookie_name_set || base->cookie_name_set;
    conf->cookie_attrs = add->cookie_attrs_set ? add->cookie_attrs
                                               : base->cookie_attrs;
    conf->cookie_attrs_set = add->cookie_attrs_set || base->cookie_attrs_set;
    conf->idle_timeout = add->idle_timeout_set ? add->idle_timeout
                                               : base->idle_timeout;
    conf->idle_timeout_set = add->idle_timeout_set || base->idle_timeout_set;
    conf->max_age = add->max_age_set ? add->max_age : base->max_age;
    conf->max_age_set = add->max_age_set || base->max_age_set;
    /* Global settings: a virtual host cannot set them (GLOBAL_ONLY). */
    conf->capacity = base->capacity;
    conf->capacity_set = base->capacity_set;
    conf->refuse_when_full = base->refuse_when_full;
    conf->when_full_set = base->when_full_set;
    conf->persist_file = base->persist_file;
    conf->persist_interval = base->persist_interval;
    conf->persist_interval_set = base->persist_interval_set;
    return conf;
}

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    store_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));
    (void)dir;
    conf->user_field = "username";
    conf->password_field = "password";
    conf->redirect_field = "redirect";
    conf->max_body = DEFAULT_MAX_BODY;
    conf->throttle_user = DEFAULT_THROTTLE_USER;
    conf->throttle_addr = DEFAULT_THROTTLE_ADDR;
    conf->throttle_window = DEFAULT_THROTTLE_WINDOW;
    conf->check_origin = 1;
    return conf;
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    store_dir_conf *base = basev, *add = addv;
    store_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->providers = add->providers_set ? add->providers : base->providers;
    conf->providers_set = add->providers_set || base->providers_set;
    conf->login_redirect = add->login_redirect_set ? add->login_redirect
                                                   : base->login_redirect;
    conf->login_redirect_set = add->login_redirect_set
                               || base->login_redirect_set;
    conf->fail_redirect = add->fail_redirect_set ? add->fail_redirect
                                                 : base->fail_redirect;
    conf->fail_redirect_set = add->fail_redirect_set
                              || base->fail_redirect_set;
    conf->logout_redirect = add->logout_redirect_set ? add->logout_redirect
                                                     : base->logout_redirect;
    conf->logout_redirect_set = add->logout_redirect_set
                                || base->logout_redirect_set;
    if (add->fields_set) {
        conf->user_field = add->user_field;
        conf->password_field = add->password_field;
        conf->redirect_field = add->redirect_field;
    }
    else {
        conf->user_field = base->user_field;
        conf->password_field = base->password_field;
        conf->redirect_field = base->redirect_field;
    }
    conf->fields_set = add->fields_set || base->fields_set;
    conf->max_body = add->max_body_set ? add->max_body : base->max_body;
    conf->max_body_set = add->max_body_set || base->max_body_set;
    if (add->throttle_set) {
        conf->throttle_user = add->throttle_user;
        conf->throttle_addr = add->throttle_addr;
        conf->throttle_window = add->throttle_window;
    }
    else {
        conf->throttle_user = base->throttle_user;
        conf->throttle_addr = base->throttle_addr;
        conf->throttle_window = base->throttle_window;
    }
    conf->throttle_set = add->throttle_set || base->throttle_set;
    conf->check_origin = add->check_origin_set ? add->check_origin
                                               : base->check_origin;
    conf->check_origin_set = add->check_origin_set || base->check_origin_set;
    conf->realm = add->realm_set ? add->realm : base->realm;
    conf->realm_set = add->realm_set || base->realm_set;
    return conf;
}

/* ---- directive handlers ---- */

static store_server_conf *server_conf(server_rec *s)
{
    return ap_get_module_config(s->module_config, &session_store_module);
}

static const char *add_secret(cmd_parms *cmd, store_server_conf *conf,
                              const char *secret, size_t len)
{
    sc_key_t *key;

    if (len == 0) {
        return apr_psprintf(cmd->pool, "%s: a secret may not be empty",
                            cmd->cmd->name);
    }
    if (!conf->keys) {
        conf->keys = apr_array_make(cmd->pool, 2, sizeof(sc_key_t));
    }
    key = apr_array_push(conf->keys);
    sc_key_init(key, secret, len);
    if (len < 16) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "%s on line %d of %s: a secret of %" APR_SIZE_T_FMT
                     " characters is easy to guess; use 32 or more random "
                     "characters", cmd->cmd->name,
                     cmd->directive->line_num, cmd->directive->filename, len);
    }
    return NULL;
}

static const char *check_one_secret_source(cmd_parms *cmd,
                                           store_server_conf *conf)
{
    if (conf->secrets_set) {
        return apr_psprintf(cmd->pool, "%s: secrets were already set by %s "
                            "for this server; list every secret in one "
                            "directive (the first signs, all verify)",
                            cmd->cmd->name, conf->secret_source);
    }
    conf->secrets_set = 1;
    conf->secret_source = cmd->cmd->name;
    return NULL;
}

static const char *set_secret(cmd_parms *cmd, void *dummy, int argc,
                              char *const argv[])
{
    store_server_conf *conf = server_conf(cmd->server);
    const char *err;
    int i;

    (void)dummy;
    if (argc < 1) {
        return "SessionStoreSecret takes one or more secrets";
    }
    if ((err = check_one_secret_source(cmd, conf)) != NULL) {
        return err;
    }
    for (i = 0; i < argc; i++) {
        if ((err = add_secret(cmd, conf, argv[i], strlen(argv[i]))) != NULL) {
            return err;
        }
    }
    return NULL;
}

static const char *set_secret_file(cmd_parms *cmd, void *dummy,
                                   const char *arg)
{
    store_server_conf *conf = server_conf(cmd->server);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t finfo;
    apr_file_t *f;
    apr_status_t rv;
    char line[4096];
    const char *err;
    int n = 0;

    (void)dummy;
    if (!path) {
        return apr_psprintf(cmd->pool, "SessionStoreSecretFile: invalid "
                            "path %s", arg);
    }
    if ((err = check_one_secret_source(cmd, conf)) != NULL) {
        return err;
    }
    rv = apr_stat(&finfo, path, APR_FINFO_PROT | APR_FINFO_TYPE, cmd->pool);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "SessionStoreSecretFile: cannot "
                            "read %s: %pm", path, &rv);
    }
    if (finfo.filetype != APR_REG) {
        return apr_psprintf(cmd->pool, "SessionStoreSecretFile: %s is not "
                            "a regular file", path);
    }
    if (finfo.protection & APR_FPROT_WREAD) {
        return apr_psprintf(cmd->pool, "SessionStoreSecretFile: %s is "
                            "readable by every user; run chmod o-rwx on it",
                            path);
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, cmd->pool);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "SessionStoreSecretFile: cannot "
                            "open %s: %pm", path, &rv);
    }
    while (apr_file_gets(line, sizeof(line), f) == APR_SUCCESS) {
        apr_size_t len = strlen(line);
        if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
            apr_file_close(f);
            return apr_psprintf(cmd->pool, "SessionStoreSecretFile: %s has "
                                "a line longer than %d bytes", path,
                                (int)sizeof(line) - 2);
        }
        while (len > 0 && apr_isspace(line[len - 1])) {
            line[--len] = '\0';
        }
        if (len == 0 || line[0] == '#') {
            continue;
        }
        err = add_secret(cmd, conf, line, len);
        memset(line, 0, sizeof(line));
        if (err) {
            apr_file_close(f);
            return err;
        }
        n++;
    }
    apr_file_close(f);
    if (n == 0) {
        return apr_psprintf(cmd->pool, "SessionStoreSecretFile: %s holds no "
                            "secret (one a line; the first signs)", path);
    }
    return NULL;
}

static int is_token(const char *s)
{
    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!apr_isalnum(*s) && !strchr("!#$%&'*+-.^_`|~", *s)) {
            return 0;
        }
    }
    return 1;
}

static const char *set_cookie_name(cmd_parms *cmd, void *dummy,
                                   const char *arg)
{
    store_server_conf *conf = server_conf(cmd->server);
    (void)dummy;
    if (!is_token(arg)) {
        return apr_psprintf(cmd->pool, "SessionStoreCookieName: '%s' is not "
                            "a valid cookie name (an HTTP token)", arg);
    }
    conf->cookie_name = arg;
    conf->cookie_name_set = 1;
    return NULL;
}

static const char *set_cookie_attrs(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    store_server_conf *conf = server_conf(cmd->server);
    const char *c;
    (void)dummy;
    for (c = arg; *c; c++) {
        if (apr_iscntrl(*c)) {
            return "SessionStoreCookieAttributes: control characters are "
                   "not allowed";
        }
    }
    conf->cookie_attrs = arg;
    conf->cookie_attrs_set = 1;
    return NULL;
}

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

/* SessionStoreIdleTimeout and SessionStoreMaxAge. */
static const char *set_lifetime(cmd_parms *cmd, void *dummy, const char *arg)
{
    store_server_conf *conf = server_conf(cmd->server);
    int idle = !strcmp(cmd->cmd->name, "SessionStoreIdleTimeout");
    apr_uint64_t v;
    const char *err = parse_uint(cmd, arg, 0, 10u * 365 * 86400, &v);

    (void)dummy;
    if (err) {
        return err;
    }
    if (idle) {
        conf->idle_timeout = (apr_uint32_t)v;
        conf->idle_timeout_set = 1;
    }
    else {
        conf->max_age = (apr_uint32_t)v;
        conf->max_age_set = 1;
    }
    return NULL;
}

static const char *set_capacity(cmd_parms *cmd, void *dummy, const char *arg)
{
    store_server_conf *conf = server_conf(cmd->server);
    apr_uint64_t v;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dummy;
    if (err) return err;
    if ((err = parse_uint(cmd, arg, 1, MAX_CAPACITY, &v)) != NULL) {
        return err;
    }
    conf->capacity = (apr_uint32_t)v;
    conf->capacity_set = 1;
    return NULL;
}

static const char *set_when_full(cmd_parms *cmd, void *dummy, const char *arg)
{
    store_server_conf *conf = server_conf(cmd->server);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dummy;
    if (err) return err;
    if (!strcasecmp(arg, "evict")) {
        conf->refuse_when_full = 0;
    }
    else if (!strcasecmp(arg, "refuse")) {
        conf->refuse_when_full = 1;
    }
    else {
        return "SessionStoreWhenFull: use 'evict' (drop the least recently "
               "used session) or 'refuse' (answer 503)";
    }
    conf->when_full_set = 1;
    return NULL;
}

static const char *set_persist_file(cmd_parms *cmd, void *dummy,
                                    const char *arg)
{
    store_server_conf *conf = server_conf(cmd->server);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dummy;
    if (err) return err;
    conf->persist_file = ap_server_root_relative(cmd->pool, arg);
    if (!conf->persist_file) {
        return apr_psprintf(cmd->pool, "SessionStorePersistFile: invalid "
                            "path %s", arg);
    }
    return NULL;
}

static const char *set_persist_interval(cmd_parms *cmd, void *dummy,
                                        const char *arg)
{
    store_server_conf *conf = server_conf(cmd->server);
    apr_uint64_t v;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)dummy;
    if (err) return err;
    if ((err = parse_uint(cmd, arg, 0, 86400, &v)) != NULL) {
        return err;
    }
    conf->persist_interval = (apr_uint32_t)v;
    conf->persist_interval_set = 1;
    return NULL;
}

static const char *set_login_throttle(cmd_parms *cmd, void *config,
                                      int argc, char *const argv[])
{
    store_dir_conf *conf = config;
    apr_uint64_t user, addr, window;
    const char *err;

    if (argc == 1 && !strcasecmp(argv[0], "off")) {
        conf->throttle_user = conf->throttle_addr = 0;
        conf->throttle_window = DEFAULT_THROTTLE_WINDOW;
        conf->throttle_set = 1;
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
    conf->throttle_user = (apr_uint32_t)user;
    conf->throttle_addr = (apr_uint32_t)addr;
    conf->throttle_window = (apr_uint32_t)window;
    conf->throttle_set = 1;
    return NULL;
}

static const char *set_realm(cmd_parms *cmd, void *config, const char *arg)
{
    store_dir_conf *conf = config;
    (void)cmd;
    if (!*arg) {
        return "SessionStoreRealm: the realm name may not be empty";
    }
    conf->realm = arg;
    conf->realm_set = 1;
    return NULL;
}

static const char *set_check_origin(cmd_parms *cmd, void *config, int flag)
{
    store_dir_conf *conf = config;
    (void)cmd;
    conf->check_origin = flag;
    conf->check_origin_set = 1;
    return NULL;
}

static const char *add_login_provider(cmd_parms *cmd, void *config,
                                      const char *arg)
{
    store_dir_conf *conf = config;
    login_provider *lp;

    if (!conf->providers_set || !conf->providers) {
        conf->providers = apr_array_make(cmd->pool, 2, sizeof(login_provider));
        conf->providers_set = 1;
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

/* A redirect target must stay on this site: a path, not "//host" (a
 * network-path reference) nor anything a browser may read as one. */
static int is_local_path(const char *p)
{
    const char *c;

    if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\'
        || strlen(p) > MAX_REDIRECT_LEN) {
        return 0;
    }
    for (c = p; *c; c++) {
        if (*c == '\\' || apr_iscntrl(*c) || *c == ' ') {
            return 0;
        }
    }
    return 1;
}

static const char *set_local_path(cmd_parms *cmd, const char *arg,
                                  const char **field, int *set)
{
    if (!is_local_path(arg)) {
        return apr_psprintf(cmd->pool, "%s: '%s' must be a local path "
                            "starting with a single '/'", cmd->cmd->name, arg);
    }
    *field = arg;
    *set = 1;
    return NULL;
}

static const char *set_login_redirect(cmd_parms *cmd, void *config,
                                      const char *arg)
{
    store_dir_conf *conf = config;
    return set_local_path(cmd, arg, &conf->login_redirect,
                          &conf->login_redirect_set);
}

static const char *set_fail_redirect(cmd_parms *cmd, void *config,
                                     const char *arg)
{
    store_dir_conf *conf = config;
    return set_local_path(cmd, arg, &conf->fail_redirect,
                          &conf->fail_redirect_set);
}

static const char *set_logout_redirect(cmd_parms *cmd, void *config,
                                       const char *arg)
{
    store_dir_conf *conf = config;
    return set_local_path(cmd, arg, &conf->logout_redirect,
                          &conf->logout_redirect_set);
}

static const char *set_login_fields(cmd_parms *cmd, void *config, int argc,
                                    char *const argv[])
{
    store_dir_conf *conf = config;
    int i;

    if (argc < 2 || argc > 3) {
        return "SessionStoreLoginFields takes the user name field, the "
               "password field and optionally the redirect field";
    }
    for (i = 0; i < argc; i++) {
        if (!is_token(argv[i]) || strlen(argv[i]) > 60) {
            return apr_psprintf(cmd->pool, "SessionStoreLoginFields: '%s' "
                                "is not a usable field name", argv[i]);
        }
    }
    conf->user_field = argv[0];
    conf->password_field = argv[1];
    conf->redirect_field = argc == 3 ? argv[2] : "redirect";
    conf->fields_set = 1;
    return NULL;
}

static const char *set_max_body(cmd_parms *cmd, void *config, const char *arg)
{
    store_dir_conf *conf = config;
    apr_uint64_t v;
    const char *err = parse_uint(cmd, arg, 64, 1024 * 1024, &v);
    if (err) return err;
    conf->max_body = (apr_size_t)v;
    conf->max_body_set = 1;
    return NULL;
}

static const command_rec store_cmds[] = {
    AP_INIT_TAKE_ARGV("SessionStoreSecret", set_secret, NULL, RSRC_CONF,
        "Secrets for the session cookie's signature: the first signs, "
        "all verify"),
    AP_INIT_TAKE1("SessionStoreSecretFile", set_secret_file, NULL, RSRC_CONF,
        "A file of secrets, one a line, not readable by others"),
    AP_INIT_TAKE1("SessionStoreCookieName", set_cookie_name, NULL, RSRC_CONF,
        "Name of the session cookie (default express.sid)"),
    AP_INIT_TAKE1("SessionStoreCookieAttributes", set_cookie_attrs, NULL,
        RSRC_CONF, "Attributes of the session cookie (default "
        "'" DEFAULT_COOKIE_ATTRS "', plus Secure on https)"),
    AP_INIT_TAKE1("SessionStoreCapacity", set_capacity, NULL, RSRC_CONF,
        "How many sessions the store holds (global, default 10000)"),
    AP_INIT_TAKE1("SessionStoreWhenFull", set_when_full, NULL, RSRC_CONF,
        "evict (default) or refuse a login when the store is full"),
    AP_INIT_TAKE1("SessionStoreIdleTimeout", set_lifetime, NULL,
        RSRC_CONF, "Seconds a session lives unused (default 1800, 0: no "
        "limit)"),
    AP_INIT_TAKE1("SessionStoreMaxAge", set_lifetime, NULL, RSRC_CONF,
        "Seconds a session lives at most (default 86400, 0: no limit)"),
    AP_INIT_TAKE1("SessionStorePersistFile", set_persist_file, NULL,
        RSRC_CONF, "File the sessions are saved to and loaded from, so "
        "they survive a full stop and start (global)"),
    AP_INIT_TAKE1("SessionStorePersistInterval", set_persist_interval, NULL,
        RSRC_CONF, "Seconds between saves to SessionStorePersistFile "
        "(default 300; 0: only at shutdown)"),
    AP_INIT_TAKE_ARGV("SessionStoreLoginThrottle", set_login_throttle, NULL,
        OR_AUTHCFG, "Failed logins allowed per user name and per client "
        "address within a window of seconds (default 10 30 300), or Off"),
    AP_INIT_TAKE1("SessionStoreRealm", set_realm, NULL, RSRC_CONF | OR_AUTHCFG,
        "Who shares sessions: a login counts only where the realm is the "
        "same (default: the virtual host)"),
    AP_INIT_FLAG("SessionStoreLoginCheckOrigin", set_check_origin, NULL,
        OR_AUTHCFG, "Refuse a login whose Origin header names another site "
        "(default On)"),
    AP_INIT_ITERATE("SessionStoreLoginProvider", add_login_provider, NULL,
        OR_AUTHCFG, "authn providers that check the login's password, in "
        "order (default file)"),
    AP_INIT_TAKE1("SessionStoreLoginRedirect", set_login_redirect, NULL,
        OR_AUTHCFG, "Local path a successful form login goes to"),
    AP_INIT_TAKE1("SessionStoreLoginFailRedirect", set_fail_redirect, NULL,
        OR_AUTHCFG, "Local path a failed form login goes to, with "
        "?error=1 (default: answer 401)"),
    AP_INIT_TAKE1("SessionStoreLogoutRedirect", set_logout_redirect, NULL,
        OR_AUTHCFG, "Local path a logout goes to (default: answer 200)"),
    AP_INIT_TAKE_ARGV("SessionStoreLoginFields", set_login_fields, NULL,
        OR_AUTHCFG, "Form field names: user, password [, redirect]"),
    AP_INIT_TAKE1("SessionStoreLoginMaxBody", set_max_body, NULL, OR_AUTHCFG,
        "Largest login form body in bytes (default 8192)"),
    { NULL }
};

/* ---- responses ---- */

static const char *json_string(apr_pool_t *p, const char *s)
{
    apr_size_t n = 2;
    const unsigned char *c;
    char *out, *o;

    for (c = (const unsigned char *)s; *c; c++) {
        n += (*c < 0x20) ? 6 : (*c == '"' || *c == '\\') ? 2 : 1;
    }
    o = out = apr_palloc(p, n + 1);
    *o++ = '"';
    for (c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20) {
            o += apr_snprintf(o, 7, "\\u%04x", *c);
        }
        else {
            if (*c == '"' || *c == '\\') {
                *o++ = '\\';
            }
            *o++ = (char)*c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* The client asked for JSON: a script, not a page. */
static int asks_json(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");
    const char *xrw = apr_table_get(r->headers_in, "X-Requested-With");

    return (accept && ap_strcasestr(accept, "application/json"))
           || (xrw && !strcasecmp(xrw, "XMLHttpRequest"));
}

/* JSON unless the client asked for HTML and not for JSON. */
static int wants_json(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");

    return asks_json(r) || !(accept && ap_strcasestr(accept, "text/html"));
}

/* A short answer the handler writes itself, so it keeps its type. */
static int send_message(request_rec *r, int status, const char *message)
{
    r->status = status;
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (wants_json(r)) {
        ap_set_content_type(r, "application/json");
        ap_rvputs(r, "{\"message\":", json_string(r->pool, message), "}\n",
                  NULL);
    }
    else {
        ap_set_content_type(r, "text/html; charset=utf-8");
        ap_rvputs(r, "<!DOCTYPE html>\n<title>", ap_escape_html(r->pool,
                  message), "</title>\n<p>", ap_escape_html(r->pool, message),
                  "</p>\n", NULL);
    }
    return OK;
}

static int send_see_other(request_rec *r, const char *location)
{
    apr_table_setn(r->headers_out, "Location", location);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_SEE_OTHER;
}

/* ---- sessions ---- */

typedef struct {
    int done;
    session_store_status_t status;
    session_store_session_t *session;
} lookup_cache;

static session_store_status_t from_table(st_status_t st)
{
    switch (st) {
    case ST_OK:        return SESSION_STORE_OK;
    case ST_NOT_FOUND: return SESSION_STORE_NOT_FOUND;
    case ST_INVALID:   return SESSION_STORE_NOT_FOUND;
    case ST_EXPIRED:   return SESSION_STORE_EXPIRED;
    case ST_FULL:      return SESSION_STORE_FULL;
    case ST_EXISTS:
    case ST_ERROR:     break;
    }
    return SESSION_STORE_UNAVAILABLE;
}

/* The realm of r as stored with a session: a hash of SessionStoreRealm,
 * or of the virtual host's name and port, so that a session made through
 * one virtual host (or login) is no pass for another that does not share
 * its realm.  Stable across restarts, for the persist file. */
static apr_uint32_t realm_of(request_rec *r)
{
    store_dir_conf *dconf = ap_get_module_config(r->per_dir_config,
                                                 &session_store_module);
    const char *name = dconf->realm;
    apr_uint32_t h = 2166136261u;

    if (!name) {
        name = apr_psprintf(r->pool, "vhost:%s:%u",
                            r->server->server_hostname
                            ? r->server->server_hostname : "",
                            (unsigned)r->server->port);
    }
    else {
        name = apr_pstrcat(r->pool, "realm:", name, NULL);
    }
    for (; *name; name++) {
        h ^= (unsigned char)*name;
        h *= 16777619u;
    }
    return h;
}

static session_store_session_t *session_from(apr_pool_t *p,
                                             const st_session_t *s)
{
    session_store_session_t *out = apr_pcalloc(p, sizeof(*out));
    out->id = apr_pstrdup(p, s->id);
    out->user = apr_pstrdup(p, s->user);
    out->remote = apr_pstrdup(p, s->remote);
    out->created = s->created;
    out->last_access = s->last_access;
    return out;
}

static const char *session_store_reason(session_store_status_t status)
{
    switch (status) {
    case SESSION_STORE_OK:            return "OK";
    case SESSION_STORE_NO_COOKIE:     return "No session cookie";
    case SESSION_STORE_MALFORMED:     return "Malformed session cookie";
    case SESSION_STORE_BAD_SIGNATURE: return "Bad signature";
    case SESSION_STORE_NOT_FOUND:     return "No session found";
    case SESSION_STORE_EXPIRED:       return "Session expired";
    case SESSION_STORE_FULL:          return "Session store full";
    case SESSION_STORE_UNAVAILABLE:   return "Session store unavailable";
    }
    return "Unknown";
}

/* Verify the cookie: the part of a lookup that needs no store. */
static session_store_status_t cookie_session_id(request_rec *r,
                                                store_server_conf *conf,
                                                char id[SC_SID_LEN + 1])
{
    const char *header = apr_table_get(r->headers_in, "Cookie");
    const char *val;
    apr_size_t len;
    sc_signed_t sv;

    if (!conf->keys || conf->keys->nelts == 0) {
        return SESSION_STORE_UNAVAILABLE;
    }
    if (!sc_cookie_find(header, conf->cookie_name, &val, &len)) {
        return SESSION_STORE_NO_COOKIE;
    }
    if (sc_parse(val, len, &sv) != SC_OK) {
        return SESSION_STORE_MALFORMED;
    }
    if (conf->store && conf->store->prefetch && sv.id_len == SC_SID_LEN) {
        conf->store->prefetch(conf->store, sv.id);
    }
    if (sc_verify((const sc_key_t *)conf->keys->elts, conf->keys->nelts, &sv,
                  NULL) != SC_OK) {
        return SESSION_STORE_BAD_SIGNATURE;
    }
    /* Signed, but not an id we issue (another app's session). */
    if (!sc_sid_valid(sv.id, sv.id_len)) {
        return SESSION_STORE_NOT_FOUND;
    }
    memcpy(id, sv.id, SC_SID_LEN);
    id[SC_SID_LEN] = '\0';
    return SESSION_STORE_OK;
}

static session_store_status_t session_store_lookup(request_rec *r,
                                        session_store_session_t **session)
{
    store_server_conf *conf = server_conf(r->server);
    lookup_cache *cache = ap_get_module_config(r->request_config,
                                               &session_store_module);
    char sid[SC_SID_LEN + 1];
    st_session_t found;
    session_store_status_t status;

    if (cache && cache->done) {
        *session = cache->session;
        return cache->status;
    }
    *session = NULL;
    status = cookie_session_id(r, conf, sid);
    if (status == SESSION_STORE_OK) {
        if (!conf->store) {
            status = SESSION_STORE_UNAVAILABLE;
        }
        else {
            status = from_table(conf->store->lookup(conf->store, sid,
                                                    apr_time_now(), 1,
                                                    &found));
            if (status == SESSION_STORE_OK && found.realm != realm_of(r)) {
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "session store: "
                              "session of user %s belongs to another realm "
                              "(SessionStoreRealm); not accepted here",
                              ap_escape_logitem(r->pool, found.user));
                status = SESSION_STORE_NOT_FOUND;
            }
            if (status == SESSION_STORE_OK) {
                *session = session_from(r->pool, &found);
            }
        }
    }
    if (!cache) {
        cache = apr_pcalloc(r->pool, sizeof(*cache));
        ap_set_module_config(r->request_config, &session_store_module, cache);
    }
    cache->done = 1;
    cache->status = status;
    cache->session = *session;
    return status;
}

static void forget_lookup(request_rec *r)
{
    lookup_cache *cache = ap_get_module_config(r->request_config,
                                               &session_store_module);
    if (cache) {
        cache->done = 0;
    }
}

static int is_https(request_rec *r)
{
    return !strcmp(ap_http_scheme(r), "https");
}

static void set_cookie(request_rec *r, store_server_conf *conf,
                       const char *value, const char *extra)
{
    const char *secure = "";

    if (is_https(r) && !ap_strcasestr(conf->cookie_attrs, "secure")) {
        secure = "; Secure";
    }
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   apr_pstrcat(r->pool, conf->cookie_name, "=", value,
                               *conf->cookie_attrs ? "; " : "",
                               conf->cookie_attrs, secure, extra, NULL));
    /* A response that sets a session must never be cached for others. */
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
}

static session_store_status_t session_store_create(request_rec *r, const char *user,
                                        session_store_session_t **session)
{
    store_server_conf *conf = server_conf(r->server);
    st_session_t rec;
    st_create_info_t info;
    char signed_value[SC_SIGNED_LEN + 1];
    char wire[3 * SC_SIGNED_LEN + 1];
    apr_time_t now = apr_time_now();
    st_status_t st;
    int tries;

    *session = NULL;
    if (!conf->store || !conf->keys || conf->keys->nelts == 0) {
        return SESSION_STORE_UNAVAILABLE;
    }
    if (strlen(user) >= ST_USER_MAX) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "session store: user "
                      "name of %" APR_SIZE_T_FMT " bytes is longer than the "
                      "%d a session holds", strlen(user), ST_USER_MAX - 1);
        return SESSION_STORE_UNAVAILABLE;
    }
    memset(&rec, 0, sizeof(rec));
    apr_cpystrn(rec.user, user, sizeof(rec.user));
    apr_cpystrn(rec.remote, r->useragent_ip ? r->useragent_ip : "",
                sizeof(rec.remote));
    rec.created = rec.last_access = now;
    rec.idle_timeout = conf->idle_timeout;
    rec.max_age = conf->max_age;
    rec.realm = realm_of(r);

    /* 192 random bits do not collide; the loop is for a broken RNG. */
    for (tries = 0; tries < 3; tries++) {
        if (sc_sid_new(rec.id) != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "session store: the "
                          "random number generator failed; no session "
                          "created");
            return SESSION_STORE_UNAVAILABLE;
        }
        st = conf->store->create(conf->store, &rec, now,
                                 conf->refuse_when_full, &info);
        if (st != ST_EXISTS) {
            break;
        }
    }
    if (info.evicted) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "session store: full "
                      "(%u sessions); evicted the least recently used session "
                      "(user %s) to make room. Raise SessionStoreCapacity.",
                      conf->capacity, info.evicted_user);
    }
    if (st != ST_OK) {
        if (st == ST_FULL) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "session store: "
                          "full (%u sessions), login of %s refused "
                          "(SessionStoreWhenFull refuse). Raise "
                          "SessionStoreCapacity.", conf->capacity, user);
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "session store: "
                          "cannot create a session for %s: %s", user,
                          st_status_reason(st));
        }
        return from_table(st);
    }

    sc_sign((const sc_key_t *)conf->keys->elts, rec.id, SC_SID_LEN,
            signed_value, sizeof(signed_value));
    sc_uri_encode(signed_value, strlen(signed_value), wire, sizeof(wire));
    set_cookie(r, conf, apr_pstrdup(r->pool, wire), "");
    *session = session_from(r->pool, &rec);
    forget_lookup(r);
    return SESSION_STORE_OK;
}

static session_store_status_t session_store_destroy(request_rec *r, const char *id)
{
    store_server_conf *conf = server_conf(r->server);

    if (!conf->store) {
        return SESSION_STORE_UNAVAILABLE;
    }
    forget_lookup(r);
    return from_table(conf->store->destroy(conf->store, id));
}

static long session_store_destroy_user(request_rec *r, const char *user)
{
    store_server_conf *conf = server_conf(r->server);

    if (!conf->store) {
        return -1;
    }
    forget_lookup(r);
    return conf->store->destroy_user(conf->store, user);
}

static const char *session_store_cookie_name(request_rec *r)
{
    return server_conf(r->server)->cookie_name;
}

/* ---- handlers ---- */

static int read_form(request_rec *r, apr_size_t max, char **body,
                     apr_size_t *len)
{
    char *buf;
    apr_size_t got = 0;
    long n;
    int rv;

    *len = 0;
    if ((rv = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK) {
        return rv;
    }
    if (!ap_should_client_block(r)) {
        *body = "";
        return OK;
    }
    if (r->remaining > (apr_off_t)max) {
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    }
    buf = apr_palloc(r->pool, max + 1);
    while ((n = ap_get_client_block(r, buf + got, max + 1 - got)) > 0) {
        got += (apr_size_t)n;
        if (got > max) {
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        }
    }
    if (n < 0) {
        return HTTP_BAD_REQUEST;
    }
    buf[got] = '\0';
    *body = buf;
    *len = got;
    return OK;
}

static authn_status check_password(request_rec *r, store_dir_conf *dconf,
                                   const char *user, const char *password,
                                   const char **provider_name)
{
    authn_status st = AUTH_USER_NOT_FOUND;
    login_provider default_provider;
    const login_provider *list;
    int i, n;

    if (dconf->providers && dconf->providers->nelts) {
        list = (const login_provider *)dconf->providers->elts;
        n = dconf->providers->nelts;
    }
    else {
        default_provider.name = AUTHN_DEFAULT_PROVIDER;
        default_provider.provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP,
                                                       AUTHN_DEFAULT_PROVIDER,
                                                       AUTHN_PROVIDER_VERSION);
        if (!default_provider.provider) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "session store: no "
                          "SessionStoreLoginProvider set and the default "
                          "provider 'file' (mod_authn_file) is not loaded");
            return AUTH_GENERAL_ERROR;
        }
        list = &default_provider;
        n = 1;
    }
    /* As mod_auth_basic: the next provider only when this one does not
     * know the user. */
    for (i = 0; i < n; i++) {
        *provider_name = list[i].name;
        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, list[i].name);
        st = list[i].provider->check_password(r, user, password);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
        if (st != AUTH_USER_NOT_FOUND) {
            break;
        }
    }
    return st;
}

/* The host[:port] of an Origin or Host value, without the scheme's
 * default port, lower case. */
static const char *authority(apr_pool_t *p, const char *scheme,
                             const char *hostport)
{
    char *a = apr_pstrdup(p, hostport);
    apr_size_t n = strlen(a);

    ap_str_tolower(a);
    if (!strcmp(scheme, "http") && n > 3 && !strcmp(a + n - 3, ":80")) {
        a[n - 3] = '\0';
    }
    else if (!strcmp(scheme, "https") && n > 4
             && !strcmp(a + n - 4, ":443")) {
        a[n - 4] = '\0';
    }
    return a;
}

/* A browser names the page that posted the form in Origin.  A login
 * posted from another site is login CSRF: the victim would be signed in
 * as the attacker.  No Origin (older clients, scripts) is let through. */
static int cross_site_login(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *sep;
    char *scheme;

    if (!origin) {
        return 0;
    }
    if (!host || !(sep = ap_strstr_c(origin, "://"))) {
        return 1;   /* "null" and anything unparsable */
    }
    scheme = apr_pstrmemdup(r->pool, origin, (apr_size_t)(sep - origin));
    ap_str_tolower(scheme);
    return strcmp(authority(r->pool, scheme, sep + 3),
                  authority(r->pool, ap_http_scheme(r), host)) != 0;
}

/* Throttle keys: the user name, and the client address (for IPv6 its /64,
 * since one client usually holds a whole /64). */
static void throttle_keys(request_rec *r, const char *user,
                          char ukey[LT_KEY_MAX], char akey[LT_KEY_MAX])
{
    const char *ip = r->useragent_ip ? r->useragent_ip : "";
    struct in6_addr a6;

    apr_snprintf(ukey, LT_KEY_MAX, "u:%s", user);
    if (strchr(ip, ':') && inet_pton(AF_INET6, ip, &a6) == 1
        && !IN6_IS_ADDR_V4MAPPED(&a6)) {
        char buf[INET6_ADDRSTRLEN];
        memset(a6.s6_addr + 8, 0, 8);
        inet_ntop(AF_INET6, &a6, buf, sizeof(buf));
        apr_snprintf(akey, LT_KEY_MAX, "a:%s/64", buf);
    }
    else {
        apr_snprintf(akey, LT_KEY_MAX, "a:%s", ip);
    }
}

/* Count this login attempt against the user name and the address, in one
 * locked step each (parallel attempts cannot all slip through before one
 * is counted).  1 when the login is refused before its password is
 * checked: 429 while either is over its limit (503 when the counters
 * cannot be kept); the answer is sent and *rv is what the handler
 * returns.  0 to go on: the attempt stays counted as a failure unless
 * throttle_give_back is called. */
static int throttle_refused(request_rec *r, store_server_conf *conf,
                            store_dir_conf *dconf, const char *ukey,
                            const char *akey, int *rv)
{
    apr_time_t now = apr_time_now();
    lt_verdict_t vu, va;
    apr_int64_t retry;

    if (!conf->throttle || (!dconf->throttle_user && !dconf->throttle_addr)) {
        return 0;
    }
    memset(&va, 0, sizeof(va));
    if (lt_attempt(conf->throttle, ukey, dconf->throttle_user,
                   dconf->throttle_window, now, &vu) != 0) {
        goto unavailable;
    }
    if (!vu.throttled) {
        if (lt_attempt(conf->throttle, akey, dconf->throttle_addr,
                       dconf->throttle_window, now, &va) != 0) {
            if (dconf->throttle_user) {
                lt_release(conf->throttle, ukey);
            }
            goto unavailable;
        }
        if (!va.throttled) {
            return 0;
        }
        /* Refused for the address: the user's attempt did not happen. */
        if (dconf->throttle_user) {
            lt_release(conf->throttle, ukey);
        }
    }
    retry = vu.retry_after > va.retry_after ? vu.retry_after : va.retry_after;
    if ((vu.throttled && vu.first_notice) || (va.throttled && va.first_notice)) {
        const char *who = vu.throttled && va.throttled
            ? apr_pstrcat(r->pool, "user ", ukey + 2, " and address ",
                          akey + 2, NULL)
            : vu.throttled ? apr_pstrcat(r->pool, "user ", ukey + 2, NULL)
                           : apr_pstrcat(r->pool, "address ", akey + 2, NULL);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "session store: too "
                      "many failed logins for %s (SessionStoreLoginThrottle "
                      "%u %u %u); refusing their logins for %" APR_INT64_T_FMT
                      " s without checking passwords", who,
                      dconf->throttle_user, dconf->throttle_addr,
                      dconf->throttle_window, retry);
    }
    if (conf->store) {
        conf->store->note_login_failure(conf->store);
    }
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT, retry));
    *rv = send_message(r, HTTP_TOO_MANY_REQUESTS,
                       "Too many failed logins; try again later");
    return 1;

unavailable:
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "session store: the login "
                  "throttle cannot count this attempt (lock failed, or its "
                  "table is full of throttled keys); refusing the login");
    *rv = send_message(r, HTTP_SERVICE_UNAVAILABLE,
                       "Login temporarily unavailable");
    return 1;
}

/* The attempt counted by throttle_refused was not a failure. */
static void throttle_give_back(store_server_conf *conf, store_dir_conf *dconf,
                               const char *ukey, const char *akey,
                               int login_succeeded)
{
    if (!conf->throttle) {
        return;
    }
    if (dconf->throttle_user) {
        if (login_succeeded) {
            lt_reset(conf->throttle, ukey);
        }
        else {
            lt_release(conf->throttle, ukey);
        }
    }
    if (dconf->throttle_addr) {
        lt_release(conf->throttle, akey);
    }
}

static int login_failed(request_rec *r, store_dir_conf *dconf,
                        store_server_conf *conf, int status,
                        const char *message)
{
    if (conf->store) {
        conf->store->note_login_failure(conf->store);
    }
    if (dconf->fail_redirect && !asks_json(r)) {
        return send_see_other(r, apr_pstrcat(r->pool, dconf->fail_redirect,
                              strchr(dconf->fail_redirect, '?') ? "&" : "?",
                              "error=1", NULL));
    }
    if (status == HTTP_UNAUTHORIZED) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       apr_pstrcat(r->pool, "Cookie name=\"",
                                   conf->cookie_name, "\"", NULL));
    }
    return send_message(r, status, message);
}

static int login_handler(request_rec *r)
{
    store_server_conf *conf = server_conf(r->server);
    store_dir_conf *dconf = ap_get_module_config(r->per_dir_config,
                                                 &session_store_module);
    char user[ST_USER_MAX], password[PASSWORD_MAX], redirect[MAX_REDIRECT_LEN
                                                             + 1];
    sf_field_t fields[3];
    char ukey[LT_KEY_MAX], akey[LT_KEY_MAX];
    const char *bad_field, *provider_name = "", *ctype, *target;
    session_store_session_t *old, *session;
    session_store_status_t sst;
    apr_size_t len;
    char *body;
    authn_status ast;
    sf_status_t fst;
    int rv;

    /* httpd builds Allow from allowed_methods, not from r->allowed. */
    ap_allow_standard_methods(r, REPLACE_ALLOW, M_POST, -1);
    if (r->method_number != M_POST) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (dconf->check_origin && cross_site_login(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "session store: login "
                      "posted from another site refused (Origin %s, Host "
                      "%s; SessionStoreLoginCheckOrigin)",
                      ap_escape_logitem(r->pool,
                          apr_table_get(r->headers_in, "Origin")),
                      ap_escape_logitem(r->pool,
                          apr_table_get(r->headers_in, "Host")));
        return send_message(r, HTTP_FORBIDDEN, "Cross-site login refused");
    }
    ctype = apr_table_get(r->headers_in, "Content-Type");
    if (!ctype || strncasecmp(ctype, "application/x-www-form-urlencoded",
                              33) != 0
        || (ctype[33] != '\0' && ctype[33] != ';' && ctype[33] != ' ')) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "session store: login "
                      "with Content-Type %s refused", ctype ? ctype : "(none)");
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    if ((rv = read_form(r, dconf->max_body, &body, &len)) != OK) {
        if (rv == HTTP_REQUEST_ENTITY_TOO_LARGE) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "session store: login "
                          "form larger than SessionStoreLoginMaxBody %"
                          APR_SIZE_T_FMT, dconf->max_body);
        }
        return rv;
    }

    memset(fields, 0, sizeof(fields));
    fields[0].name = dconf->user_field;
    fields[0].value = user;
    fields[0].size = sizeof(user);
    fields[1].name = dconf->password_field;
    fields[1].value = password;
    fields[1].size = sizeof(password);
    fields[1].allow_tab = 1;
    fields[2].name = dconf->redirect_field;
    fields[2].value = redirect;
    fields[2].size = sizeof(redirect);
    fst = sf_parse(body, len, fields, 3, &bad_field);
    if (fst != SF_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "session store: login "
                      "form refused: %s%s%s", sf_status_reason(fst),
                      bad_field ? " " : "", bad_field ? bad_field : "");
        return send_message(r, HTTP_BAD_REQUEST, apr_pstrcat(r->pool,
                            "Bad login form: ", sf_status_reason(fst),
                            bad_field ? " " : "", bad_field ? bad_field : "",
                            NULL));
    }
    if (!fields[0].found || !fields[1].found || !*user || !*password) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "session store: login "
                      "form without %s", !fields[0].found || !*user
                      ? dconf->user_field : dconf->password_field);
        return send_message(r, HTTP_BAD_REQUEST, apr_pstrcat(r->pool,
                            "Missing credentials: ", !fields[0].found || !*user
                            ? dconf->user_field : dconf->password_field,
                            NULL));
    }

    throttle_keys(r, user, ukey, akey);
    if (throttle_refused(r, conf, dconf, ukey, akey, &rv)) {
        return rv;
    }
    ast = check_password(r, dconf, user, password, &provider_name);
    memset(password, 0, sizeof(password));
    switch (ast) {
    case AUTH_GRANTED:
        break;
    case AUTH_GENERAL_ERROR:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "session store: authn "
                      "provider %s failed checking user %s", provider_name,
                      ap_escape_logitem(r->pool, user));
        throttle_give_back(conf, dconf, ukey, akey, 0);
        return HTTP_INTERNAL_SERVER_ERROR;
    default:
        /* Already counted by throttle_refused, and only where throttling
         * is on. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "session store: login "
                      "failed for user %s: %s",
                      ap_escape_logitem(r->pool, user),
                      ast == AUTH_USER_NOT_FOUND ? "user not found"
                                                 : "password mismatch");
        return login_failed(r, dconf, conf, HTTP_UNAUTHORIZED,
                            "Invalid user name or password");
    }

    /* Never carry an id over a login: the old session goes, and the new
     * one gets a fresh id (no session fixation). */
    if (session_store_lookup(r, &old) == SESSION_STORE_OK) {
        session_store_destroy(r, old->id);
    }
    throttle_give_back(conf, dconf, ukey, akey, 1);
    sst = session_store_create(r, user, &session);
    if (sst != SESSION_STORE_OK) {
        return send_message(r, HTTP_SERVICE_UNAVAILABLE, apr_pstrcat(r->pool,
                            "Cannot create a session: ", session_store_reason(sst),
                            NULL));
    }
    r->user = apr_pstrdup(r->pool, user);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "session store: user %s "
                  "logged in through provider %s", user, provider_name);

    if (asks_json(r)) {
        apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
        ap_set_content_type(r, "application/json");
        ap_rvputs(r, "{\"user\":", json_string(r->pool, user), "}\n", NULL);
        return OK;
    }
    target = dconf->login_redirect ? dconf->login_redirect : "/";
    if (fields[2].found && *redirect) {
        if (is_local_path(redirect)) {
            target = apr_pstrdup(r->pool, redirect);
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "session store: "
                          "login of %s asked to go to '%s', which is not a "
                          "local path; going to %s", user,
                          ap_escape_logitem(r->pool, redirect), target);
        }
    }
    return send_see_other(r, target);
}

static int logout_handler(request_rec *r)
{
    store_server_conf *conf = server_conf(r->server);
    store_dir_conf *dconf = ap_get_module_config(r->per_dir_config,
                                                 &session_store_module);
    session_store_session_t *session;
    int rv;

    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, M_POST, -1);
    if (r->method_number != M_GET && r->method_number != M_POST) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if ((rv = ap_discard_request_body(r)) != OK) {
        return rv;
    }
    if (session_store_lookup(r, &session) == SESSION_STORE_OK) {
        session_store_destroy(r, session->id);
        r->user = apr_pstrdup(r->pool, session->user);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "session store: user %s "
                      "logged out", session->user);
    }
    set_cookie(r, conf, "", "; Max-Age=0; Expires=Thu, 01 Jan 1970 "
               "00:00:00 GMT");
    if (dconf->logout_redirect) {
        return send_see_other(r, dconf->logout_redirect);
    }
    return send_message(r, HTTP_OK, "Logged out");
}

static int status_handler(request_rec *r)
{
    store_server_conf *conf = server_conf(r->server);
    st_stats_t st;
    const char *accept = apr_table_get(r->headers_in, "Accept");

    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!conf->store || conf->store->stats(conf->store, &st) != 0) {
        return send_message(r, HTTP_SERVICE_UNAVAILABLE,
                            "Session store unavailable");
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (accept && ap_strcasestr(accept, "text/html")) {
        ap_set_content_type(r, "text/html; charset=utf-8");
        ap_rprintf(r, "<!DOCTYPE html>\n<title>Session store</title>\n"
                   "<h1>Session store (%s)</h1>\n<table>\n"
                   "<tr><th>capacity</th><td>%u</td></tr>\n"
                   "<tr><th>sessions</th><td>%u</td></tr>\n"
                   "<tr><th>logins</th><td>%" APR_UINT64_T_FMT "</td></tr>\n"
                   "<tr><th>failed logins</th><td>%" APR_UINT64_T_FMT
                   "</td></tr>\n"
                   "<tr><th>lookups</th><td>%" APR_UINT64_T_FMT "</td></tr>\n"
                   "<tr><th>hits</th><td>%" APR_UINT64_T_FMT "</td></tr>\n"
                   "<tr><th>misses</th><td>%" APR_UINT64_T_FMT "</td></tr>\n"
                   "<tr><th>expired</th><td>%" APR_UINT64_T_FMT "</td></tr>\n"
                   "<tr><th>evictions</th><td>%" APR_UINT64_T_FMT
                   "</td></tr>\n"
                   "<tr><th>logouts</th><td>%" APR_UINT64_T_FMT "</td></tr>\n"
                   "<tr><th>lock repairs</th><td>%" APR_UINT64_T_FMT
                   "</td></tr>\n</table>\n", conf->store->name,
                   st.capacity, st.used, st.creates, st.login_failures,
                   st.lookups, st.hits, st.misses, st.expired, st.evictions,
                   st.destroys, st.repairs);
        return OK;
    }
    ap_set_content_type(r, "application/json");
    ap_rprintf(r, "{\"backend\":\"%s\",\"capacity\":%u,\"sessions\":%u,"
               "\"logins\":%" APR_UINT64_T_FMT ","
               "\"login_failures\":%" APR_UINT64_T_FMT ","
               "\"lookups\":%" APR_UINT64_T_FMT ","
               "\"hits\":%" APR_UINT64_T_FMT ","
               "\"misses\":%" APR_UINT64_T_FMT ","
               "\"expired\":%" APR_UINT64_T_FMT ","
               "\"evictions\":%" APR_UINT64_T_FMT ","
               "\"logouts\":%" APR_UINT64_T_FMT ","
               "\"repairs\":%" APR_UINT64_T_FMT,
               conf->store->name, st.capacity, st.used, st.creates,
               st.login_failures, st.lookups, st.hits, st.misses, st.expired,
               st.evictions, st.destroys, st.repairs);
    /* ?check walks the whole store under its lock: for tests and for an
     * operator who suspects trouble, not for a monitoring loop. */
    if (r->args && ap_strstr_c(r->args, "check") && conf->store->check) {
        char err[256];
        int rv = conf->store->check(conf->store, err, sizeof(err));
        ap_rprintf(r, ",\"consistent\":%s", rv == 0 ? "true" : "false");
        if (rv != 0) {
            ap_rvputs(r, ",\"check_error\":", json_string(r->pool, err),
                      NULL);
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "session store: "
                          "consistency check failed: %s", err);
        }
    }
    ap_rputs("}\n", r);
    return OK;
}

static int store_handler(request_rec *r)
{
    if (!r->handler) {
        return DECLINED;
    }
    if (!strcmp(r->handler, HANDLER_LOGIN)) {
        return login_handler(r);
    }
    if (!strcmp(r->handler, HANDLER_LOGOUT)) {
        return logout_handler(r);
    }
    if (!strcmp(r->handler, HANDLER_STATUS)) {
        return status_handler(r);
    }
    return DECLINED;
}

/* ---- start-up ---- */

/* The failed-login counters, kept across restarts like the sessions. */
static lt_table_t *throttle_table(apr_pool_t *pconf, server_rec *s)
{
    lt_table_t *t = apr_pcalloc(pconf, sizeof(*t));
    apr_size_t size = lt_table_size(THROTTLE_ENTRIES);
    apr_shm_t *shm = shm_segment_find(s, THROTTLE_SHM_KEY);
    apr_uint64_t seed;
    apr_status_t rv;

    if (shm && lt_table_attach(t, apr_shm_baseaddr_get(shm),
                               apr_shm_size_get(shm)) == 0) {
        return t;
    }
    if ((rv = shm_segment_create(s, THROTTLE_SHM_KEY, size, &shm))
        != APR_SUCCESS
        || (rv = apr_generate_random_bytes((unsigned char *)&seed,
                                           sizeof(seed))) != APR_SUCCESS
        || (rv = lt_table_init(t, apr_shm_baseaddr_get(shm), size,
                               THROTTLE_ENTRIES, seed)) != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "mod_session_store: "
                     "cannot set up the login throttle in shared memory");
        return NULL;
    }
    return t;
}

static int store_monitor(apr_pool_t *p, server_rec *s)
{
    store_server_conf *conf = server_conf(s);

    (void)p;
    if (conf->store && conf->store->maintain) {
        conf->store->maintain(conf->store, apr_time_now());
    }
    return DECLINED;
}

/* Runs for "apachectl configtest" too, so that a configuration that
 * cannot work never passes the test. */
static int store_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    for (vs = s; vs; vs = vs->next) {
        store_server_conf *conf = server_conf(vs);
        if (!conf->keys || conf->keys->nelts == 0) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, "mod_session_store: "
                         "no secret for server %s:%u; set SessionStoreSecret "
                         "or SessionStoreSecretFile (sessions cannot be "
                         "signed without one)", vs->server_hostname,
                         (unsigned)vs->port);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (conf->max_age && conf->idle_timeout > conf->max_age) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, "mod_session_store:"
                         " SessionStoreIdleTimeout %u is longer than "
                         "SessionStoreMaxAge %u; sessions end at the latter",
                         conf->idle_timeout, conf->max_age);
        }
    }

    return OK;
}

static int store_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    store_server_conf *main_conf = server_conf(s);
    store_backend_t *store;
    lt_table_t *throttle;
    server_rec *vs;
    apr_status_t rv;

    (void)plog;
    (void)ptemp;
    store = store_shm_backend(pconf, main_conf->capacity,
                              main_conf->persist_file,
                              main_conf->persist_interval);
    if ((rv = store->init(store, pconf, s)) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((throttle = throttle_table(pconf, s)) == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    for (vs = s; vs; vs = vs->next) {
        store_server_conf *conf = server_conf(vs);
        conf->store = store;
        conf->throttle = throttle;
        conf->capacity = main_conf->capacity;
        conf->refuse_when_full = main_conf->refuse_when_full;
    }
    return OK;
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    APR_REGISTER_OPTIONAL_FN(session_store_lookup);
    APR_REGISTER_OPTIONAL_FN(session_store_create);
    APR_REGISTER_OPTIONAL_FN(session_store_destroy);
    APR_REGISTER_OPTIONAL_FN(session_store_destroy_user);
    APR_REGISTER_OPTIONAL_FN(session_store_cookie_name);
    APR_REGISTER_OPTIONAL_FN(session_store_reason);
    ap_hook_check_config(store_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(store_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(store_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(store_monitor, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(session_store) = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    create_server_conf,
    merge_server_conf,
    store_cmds,
    register_hooks,
#ifdef AP_MODULE_FLAG_NONE
    AP_MODULE_FLAG_NONE
#endif
};
