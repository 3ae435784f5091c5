/*
 * session_store/internal.h: what the files of mod_session_store share.
 *
 * mod_session_store.c holds the hooks and the module record; the rest of
 * the httpd glue is here, one concern a file:
 *   config.c      configuration records, directives, the command table
 *   config_check.c checks once the configuration is read; realms
 *   secret.c      the signing secrets (two of those directives)
 *   session.c     the optional functions of mod_session_store.h
 *   login.c       the session-store-login handler
 *   throttle.c    the failed-login throttle around it
 *   handlers.c    handler dispatch, logout, status, response helpers
 *   metrics.c     the shared counters and their Prometheus answer
 *   admin.c       session-store-admin: see and end sessions
 *   adopt.c       session-store-adopt: a session for another module's user
 *   whoami.c      session-store-whoami: the request's session, untouched
 *   backend*.{c,h} the store's operations and its engines
 * Names shared between files start with ss_; the plain C units of core/
 * keep their own prefixes (sc_, sf_, st_, sp_, lt_, sx_, mx_, up_...).
 */
#ifndef SESSION_STORE_INTERNAL_H
#define SESSION_STORE_INTERNAL_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "mod_auth.h"

#include "apr_tables.h"
#include "apr_file_io.h"

#include "mod_session_store.h"
#include "backend.h"
#include "login_throttle.h"
#include "metrics.h"
#include "session_cookie.h"

extern module AP_MODULE_DECLARE_DATA session_store_module;

/* Unset numbers and flags in a configuration record, as mod_authz_core
 * does: a merge takes the more specific value unless it is UNSET. */
#define SS_UNSET (-1)

#define SS_DEFAULT_COOKIE_NAME      "express.sid"
#define SS_DEFAULT_COOKIE_ATTRS     "Path=/; HttpOnly; SameSite=Lax"
#define SS_DEFAULT_CAPACITY         10000
#define SS_DEFAULT_IDLE_TIMEOUT     1800
#define SS_DEFAULT_MAX_AGE          86400
#define SS_DEFAULT_MAX_PER_USER     32
#define SS_DEFAULT_MAX_BODY         8192
#define SS_DEFAULT_PERSIST_INTERVAL 300
#define SS_DEFAULT_THROTTLE_USER    10
#define SS_DEFAULT_THROTTLE_ADDR    30
#define SS_DEFAULT_THROTTLE_WINDOW  300
#define SS_MAX_LIFETIME             (10 * 365 * 86400)
#define SS_PASSWORD_MAX             1024
#define SS_THROTTLE_ENTRIES         8192   /* each table, at least */
#define SS_THROTTLE_ENTRIES_MAX     (1u << 17)
/* ss_module_conf.throttle[]: the tables of user names (and device
 * cookies) and of client addresses. */
#define SS_THROTTLE_USERS           0
#define SS_THROTTLE_ADDRS           1

#define SS_HANDLER_LOGIN  "session-store-login"
#define SS_HANDLER_LOGOUT "session-store-logout"
#define SS_HANDLER_STATUS "session-store-status"

/* The Redis store's settings (SessionStoreRedis*: global).  Zero, NULL:
 * the default. */
#define SS_DEFAULT_REDIS_SERVER     "127.0.0.1:6379"
#define SS_DEFAULT_REDIS_PREFIX     "sess:"
#define SS_DEFAULT_REDIS_USER_PATH  "passport.user"
#define SS_DEFAULT_REDIS_TIMEOUT_MS 250
/* httpd's own keys (per-user indexes) start with this and then the
 * session prefix: never under the session prefix, which connect-redis
 * SCANs as its own. */
#define SS_REDIS_INDEX_PREFIX       "sessidx:"

typedef struct ss_redis_conf {
    const char *server;               /* host:port, [v6]:port, unix:/path */
    const char *auth_file;            /* where the next two came from */
    const char *auth_user;            /* NULL: AUTH with the password only */
    const char *auth_password;        /* NULL: no AUTH */
    int database;
    const char *prefix;
    const char *user_path;
    int timeout_ms;
    int refuse_foreign;               /* SessionStoreRedisForeign refuse */
} ss_redis_conf;

/* Settings that are global by nature (GLOBAL_ONLY directives) and the
 * run-time objects made from them: one record for the whole server,
 * reached from every virtual host's configuration. */
typedef struct ss_module_conf {
    apr_uint32_t capacity;
    int refuse_when_full;             /* SessionStoreWhenFull refuse */
    const char *persist_file;         /* NULL: none */
    apr_uint32_t persist_interval;    /* seconds, 0: only at exit */
    ss_store_t *store;                /* set in post_config */
    lt_table_t *throttle;             /* set in post_config: two tables,
                                         SS_THROTTLE_USERS and _ADDRS */
    int use_redis;                    /* SessionStoreBackend redis */
    ss_redis_conf redis;
} ss_module_conf;

/* Per server (virtual host).  NULL and SS_UNSET mean "not set here". */
typedef struct ss_server_conf {
    ss_module_conf *mc;               /* the main server's, shared */
    apr_array_header_t *keys;         /* sc_key_t, the first signs */
    const char *secret_source;        /* the directive that set keys */
    const char *cookie_name;
    const char *cookie_attrs;
    int idle_timeout;                 /* seconds, 0: none */
    int max_age;                      /* seconds, 0: none */
    int max_per_user;                 /* sessions a user holds, 0: no cap */
    /* This virtual host's own realm, from its name and port (post_config).
     * A server whose port httpd does not know (no port in ServerName, a
     * <VirtualHost *>) has one realm per listening port instead. */
    int realm_port_known;
    unsigned char realm[ST_REALM_LEN];
    apr_array_header_t *realm_by_port; /* ss_port_realm */
} ss_server_conf;

typedef struct ss_port_realm {
    apr_port_t port;
    unsigned char realm[ST_REALM_LEN];
} ss_port_realm;

typedef struct ss_login_provider {
    const authn_provider *provider;
    const char *name;
} ss_login_provider;

/* Per directory.  NULL and SS_UNSET mean "not set here"; the field names
 * are set together (user_field says whether), so are the three throttle
 * numbers (throttle_user says whether). */
typedef struct ss_dir_conf {
    apr_array_header_t *providers;    /* ss_login_provider */
    const char *login_redirect;
    const char *fail_redirect;
    const char *logout_redirect;
    const char *user_field;
    const char *password_field;
    const char *redirect_field;
    int max_body;
    int throttle_user;                /* failures per user name, 0: off */
    int throttle_addr;                /* failures per client address */
    int throttle_window;              /* seconds */
    int check_origin;
    int device_cookie;                /* SessionStoreLoginDeviceCookie */
    int fold_case;                    /* SessionStoreLoginFoldCase */
    const char *dummy_user;           /* SessionStoreLoginDummyUser: NULL
                                         auto, "" Off */
    int dummy_user_set;
    const char *realm_name;           /* NULL: the virtual host's realm */
    unsigned char realm[ST_REALM_LEN]; /* realm_name's, set with it */
} ss_dir_conf;

/* config.c */
void *ss_create_server_conf(apr_pool_t *p, server_rec *s);
void *ss_merge_server_conf(apr_pool_t *p, void *basev, void *addv);
void *ss_create_dir_conf(apr_pool_t *p, char *dir);
void *ss_merge_dir_conf(apr_pool_t *p, void *basev, void *addv);
extern const command_rec ss_cmds[];
/* The directive helpers of config.c, for config_redis.c: a whole number
 * from min to max (or an error naming the directive), and the global
 * record (or an error when not in the main server). */
const char *ss_parse_uint(cmd_parms *cmd, const char *arg, apr_uint64_t min,
                          apr_uint64_t max, apr_uint64_t *out);
ss_module_conf *ss_global_conf(cmd_parms *cmd, const char **err);
/* config_redis.c: SessionStoreBackend and SessionStoreRedis*. */
const char *ss_set_backend(cmd_parms *cmd, void *dummy, const char *arg);
const char *ss_set_redis_server(cmd_parms *cmd, void *dummy, const char *arg);
const char *ss_set_redis_auth_file(cmd_parms *cmd, void *dummy,
                                   const char *arg);
const char *ss_set_redis_database(cmd_parms *cmd, void *dummy,
                                  const char *arg);
const char *ss_set_redis_prefix(cmd_parms *cmd, void *dummy, const char *arg);
const char *ss_set_redis_user_path(cmd_parms *cmd, void *dummy,
                                   const char *arg);
const char *ss_set_redis_timeout(cmd_parms *cmd, void *dummy,
                                 const char *arg);
const char *ss_set_redis_foreign(cmd_parms *cmd, void *dummy,
                                 const char *arg);
/* secret.c: the setters of SessionStoreSecret and SessionStoreSecretFile. */
const char *ss_set_secret(cmd_parms *cmd, void *dummy, int argc,
                          char *const argv[]);
const char *ss_set_secret_file(cmd_parms *cmd, void *dummy, const char *arg);
/* Open path for the directive of cmd if it is a regular file that other
 * users cannot read: NULL, or the error naming the directive. */
const char *ss_open_private_file(cmd_parms *cmd, const char *path,
                                 apr_file_t **f);
ss_server_conf *ss_server_conf_of(server_rec *s);
ss_dir_conf *ss_dir_conf_of(request_rec *r);
/* The configured value, or the default where none is set. */
const char *ss_cookie_name(const ss_server_conf *conf);
const char *ss_cookie_attrs(const ss_server_conf *conf);
apr_uint32_t ss_idle_timeout(const ss_server_conf *conf);
apr_uint32_t ss_max_age(const ss_server_conf *conf);
apr_uint32_t ss_max_per_user(const ss_server_conf *conf);
apr_size_t ss_max_body(const ss_dir_conf *conf);
int ss_check_origin(const ss_dir_conf *conf);
int ss_device_cookie(const ss_dir_conf *conf);
int ss_fold_case(const ss_dir_conf *conf);
/* config_check.c */
/* The realm a name stands for: the first ST_REALM_LEN bytes of SHA-256
 * of kind ":" name.  Stored with every session (and in the persist file):
 * it must not change between releases without a new persist version. */
void ss_realm_hash(const char *kind, const char *name,
                   unsigned char out[ST_REALM_LEN]);
/* The realm a session of r must have, and a new one gets. */
const unsigned char *ss_realm_of(request_rec *r);
/* check_config: refuse a configuration that cannot work, naming where. */
int ss_config_check(apr_pool_t *ptemp, server_rec *s);
/* post_config: per-server values known only once all is read. */
void ss_config_finish(apr_pool_t *pconf, server_rec *s);

/* session.c: the optional functions (mod_session_store.h says what
 * each does), called by name inside this module too. */
void ss_register_api(void);
session_store_status_t session_store_lookup(request_rec *r,
                                        session_store_session_t **session);
session_store_status_t session_store_create(request_rec *r, const char *user,
                                        session_store_session_t **session);
session_store_status_t session_store_destroy(request_rec *r, const char *id);
long session_store_destroy_user(request_rec *r, const char *user);
const char *session_store_cookie_name(request_rec *r);
const char *session_store_reason(session_store_status_t status);
/* Add Set-Cookie for value with the configured attributes and extra. */
void ss_set_cookie(request_rec *r, const ss_server_conf *conf,
                   const char *value, const char *extra);
/* A Set-Cookie value: name=value, the configured attributes (Secure on
 * https), then extra. */
const char *ss_cookie_header(request_rec *r, const ss_server_conf *conf,
                             const char *name, const char *value,
                             const char *extra);

/* login.c */
int ss_login_handler(request_rec *r);
/* 1 if a Content-Type is application/x-www-form-urlencoded. */
int ss_is_form(const char *ctype);
/* Read a request body of at most max bytes into *body (NUL-terminated,
 * from r->pool): OK, or the status to answer (413 when larger). */
int ss_read_body(request_rec *r, apr_size_t max, char **body,
                 apr_size_t *len);
/* A signed-in client's answer: {"user":..} for a script, else 303 to
 * redirect (may be NULL) if it is a local path, or to
 * SessionStoreLoginRedirect. */
int ss_respond_signed_in(request_rec *r, const ss_dir_conf *dconf,
                         const char *user, const char *redirect);

/* throttle.c */
/* One login's throttle: its keys and the limits of its directory. */
typedef struct ss_throttle {
    char user[LT_KEY_MAX];            /* "u:" + user name, case folded, or
                                         "d:" + a trusted device's id */
    char addr[LT_KEY_MAX];            /* "a:" + address (IPv6: its /64) */
    char addr_coarse[LT_KEY_MAX];     /* its /48 (IPv6) or /24 (IPv4) */
    int device;                       /* user is a device cookie's key */
    const char *user_name;            /* as the form gave it */
    const char *counted_user;         /* the keys the attempt was counted
                                         under (or LT_LANE, or NULL) */
    const char *counted_addr[2];      /* block, address */
    const char *refused_user;         /* the keys that refused (429) */
    const char *refused_addr;
    apr_uint32_t max_user;            /* failures per user name, 0: off */
    apr_uint32_t max_addr;            /* failures per address, 0: off */
    apr_uint32_t window;              /* seconds */
} ss_throttle_t;
lt_table_t *ss_throttle_init(apr_pool_t *pconf, server_rec *s);
void ss_throttle_prepare(request_rec *r, const ss_dir_conf *dconf,
                         const char *user, ss_throttle_t *keys);
/* 1 when the login is refused before its password is checked (the
 * answer is sent and *rv is what the handler returns); 0 to go on, the
 * attempt counted as a failure until ss_throttle_give_back. */
int ss_throttle_refused(request_rec *r, ss_throttle_t *keys, int *rv);
void ss_throttle_give_back(request_rec *r, const ss_throttle_t *keys,
                           int succeeded);
/* After a successful login: a new device cookie for user (where
 * SessionStoreLoginDeviceCookie is on and failures per user name are
 * counted). */
void ss_device_cookie_issue(request_rec *r, const ss_throttle_t *keys,
                            const char *user);

/* handlers.c */
int ss_handler(request_rec *r);
/* A JSON string literal for s (quotes included). */
const char *ss_json_string(apr_pool_t *p, const char *s);
/* 1 (and logged, naming what) when a browser says r comes from another
 * site: an Origin of another site, or Sec-Fetch-Site: cross-site (sent
 * without Origin too).  Requests that say neither pass (scripts, older
 * clients). */
int ss_cross_site(request_rec *r, const char *what);
/* The client asked for JSON: a script, not a page. */
int ss_asks_json(request_rec *r);
/* A short answer the handler writes itself (JSON or a small page) with
 * status; returns OK for the handler to return. */
int ss_send_message(request_rec *r, int status, const char *message);
/* The same, always as JSON {"message":...}. */
int ss_send_json_message(request_rec *r, int status, const char *message);
int ss_send_see_other(request_rec *r, const char *location);

/* ---- operating it: the handlers of admin.c, adopt.c, whoami.c and the
 * counters of metrics.c ---- */
#define SS_HANDLER_ADMIN  "session-store-admin"
#define SS_HANDLER_ADOPT  "session-store-adopt"
#define SS_HANDLER_WHOAMI "session-store-whoami"

int ss_admin_handler(request_rec *r);
int ss_adopt_handler(request_rec *r);
int ss_whoami_handler(request_rec *r);
/* session.c: the session of r's cookie as session_store_lookup finds it,
 * but neither touched (its idle time runs on) nor kept for the request. */
session_store_status_t ss_session_peek(request_rec *r, st_session_t *found);
/* whoami.c: "expires":..,"idle_expires":.. of s (seconds since the epoch
 * at which it ends however used, and if unused; null for no limit). */
const char *ss_json_expiry(apr_pool_t *p, const st_session_t *s);

/* metrics.c.  Each count is one atomic add into shared memory; before
 * post_config (a configuration test) it does nothing. */
apr_status_t ss_metrics_init(server_rec *s);
void ss_metrics_register(void);
void ss_metrics_count(mx_counter_t c, apr_uint64_t n);
/* A lookup's answer (other_realm: the store said ST_OTHER_REALM). */
void ss_metrics_lookup(session_store_status_t status, int other_realm);
void ss_metrics_redis_roundtrip(apr_interval_time_t elapsed);
/* The status handler: asked for Prometheus's text (?format=prometheus,
 * or Accept: text/plain; version=0.0.4), and the answer. */
int ss_metrics_asked(request_rec *r);
int ss_metrics_send(request_rec *r, ss_store_t *store);

/* Client-supplied text for a log line. */
#define SS_LOG_STR(r, s) ap_escape_logitem((r)->pool, (s))

#endif
