/*
 * mod_socketio_auth.c: AuthType SocketIO.
 *
 * Authenticates every request in its scope (the Engine.IO polling requests
 * and the WebSocket upgrade of Socket.IO, or anything else) by the session
 * cookie that mod_session_store signed, and hands the user to the backend
 * as r->user, the note and environment variable SOCKETIO_USER and a request
 * header (SocketIOAuthHeader) that the client can never set itself.
 * Authorization is left to httpd: Require valid-user, Require user,
 * Require group and <RequireAll> all work on top.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"
#include "mod_core.h"

#include "apr_strings.h"
#include "apr_lib.h"

#include "mod_session_store.h"
#include "identity_header.h"
#include "session_cookie.h"
#include "syntax.h"

module AP_MODULE_DECLARE_DATA socketio_auth_module;

#define AUTH_TYPE           "SocketIO"
#define DEFAULT_HEADER      "X-Socketio-User"
#define NOTE_USER           "SOCKETIO_USER"
#define NOTE_ERROR          "SOCKETIO_AUTH_ERROR"
#define NOTE_AUTHORIZED     "socketio-auth-authorized"

/* An unset number or flag, as in mod_authz_core: a merge takes the more
 * specific value unless it is UNSET.  NULL strings are unset too. */
#define UNSET (-1)

typedef struct {
    const char *header;               /* NULL: DEFAULT_HEADER */
    int fail_status;                  /* UNSET: 401 */
    const char *login_url;            /* NULL: none */
    int strip_cookie;                 /* UNSET: Off */
} auth_dir_conf;

static APR_OPTIONAL_FN_TYPE(session_store_lookup) *store_lookup;
static APR_OPTIONAL_FN_TYPE(session_store_cookie_name) *store_cookie_name;
static APR_OPTIONAL_FN_TYPE(session_store_reason) *store_reason;
static APR_OPTIONAL_FN_TYPE(session_store_count_refusal) *count_refusal;

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    auth_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->fail_status = UNSET;
    conf->strip_cookie = UNSET;
    return conf;
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    auth_dir_conf *base = basev, *add = addv;
    auth_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->header = add->header ? add->header : base->header;
    conf->fail_status = add->fail_status != UNSET ? add->fail_status
                                                  : base->fail_status;
    conf->login_url = add->login_url ? add->login_url : base->login_url;
    conf->strip_cookie = add->strip_cookie != UNSET ? add->strip_cookie
                                                    : base->strip_cookie;
    return conf;
}

static const char *header_of(const auth_dir_conf *conf)
{
    return conf->header ? conf->header : DEFAULT_HEADER;
}

static int fail_status_of(const auth_dir_conf *conf)
{
    return conf->fail_status != UNSET ? conf->fail_status
                                      : HTTP_UNAUTHORIZED;
}

static const char *set_header(cmd_parms *cmd, void *config, const char *arg)
{
    if (!sx_is_token(arg)) {
        return apr_psprintf(cmd->pool, "SocketIOAuthHeader: '%s' is not "
                            "a valid header name (an HTTP token)", arg);
    }
    return ap_set_string_slot(cmd, config, arg);
}

static const char *set_fail_status(cmd_parms *cmd, void *config,
                                   const char *arg)
{
    auth_dir_conf *conf = config;
    char *end;
    long v = strtol(arg, &end, 10);

    if (*end || end == arg || v < 400 || v > 499) {
        return apr_psprintf(cmd->pool, "SocketIOAuthFailStatus: '%s' is not "
                            "a 4xx status code (401 or 403 are usual)", arg);
    }
    conf->fail_status = (int)v;
    return NULL;
}

static const char *set_login_url(cmd_parms *cmd, void *config,
                                 const char *arg)
{
    if (!sx_is_local_path(arg)) {
        return apr_psprintf(cmd->pool, "SocketIOAuthLoginURL: '%s' must be "
                            "a local path starting with a single '/', "
                            "without spaces, backslashes or control "
                            "characters", arg);
    }
    return ap_set_string_slot(cmd, config, arg);
}

#define DIR_FIELD(f) ((void *)APR_OFFSETOF(auth_dir_conf, f))

static const command_rec auth_cmds[] = {
    AP_INIT_TAKE1("SocketIOAuthHeader", set_header, DIR_FIELD(header),
        OR_AUTHCFG,
        "Request header that carries the user to the backend (default "
        DEFAULT_HEADER ")"),
    AP_INIT_TAKE1("SocketIOAuthFailStatus", set_fail_status, NULL, OR_AUTHCFG,
        "Status of a refused request (default 401)"),
    AP_INIT_TAKE1("SocketIOAuthLoginURL", set_login_url,
        DIR_FIELD(login_url), OR_AUTHCFG,
        "Local path a navigating browser without a session is sent to"),
    AP_INIT_FLAG("SocketIOAuthStripCookie", ap_set_flag_slot,
        DIR_FIELD(strip_cookie), OR_AUTHCFG, "Remove the session cookie before the request goes on "
        "(default Off)"),
    { NULL }
};

static int in_scope(request_rec *r)
{
    const char *type = ap_auth_type(r);
    return type && !strcasecmp(type, AUTH_TYPE);
}

typedef struct {
    const char *name;
    apr_array_header_t *found;
} scrub_ctx;

static int collect_spoofed(void *c, const char *key, const char *value)
{
    scrub_ctx *ctx = c;
    (void)value;
    if (sx_same_header_name(key, ctx->name)) {
        *(const char **)apr_array_push(ctx->found) = key;
    }
    return 1;
}

static void scrub_one(request_rec *r, const char *name)
{
    scrub_ctx ctx;
    int i;

    ctx.name = name;
    ctx.found = NULL;
    if (apr_is_empty_table(r->headers_in)) {
        return;
    }
    ctx.found = apr_array_make(r->pool, 1, sizeof(const char *));
    apr_table_do(collect_spoofed, &ctx, r->headers_in, NULL);
    for (i = 0; i < ctx.found->nelts; i++) {
        const char *key = APR_ARRAY_IDX(ctx.found, i, const char *);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "removed request "
                      "header %s sent by the client",
                      ap_escape_logitem(r->pool, key));
        apr_table_unset(r->headers_in, apr_pstrdup(r->pool, key));
    }
}

/* Remove every header this module sets, in every spelling, and the
 * default one too, which a backend may still read after a rename. */
static void scrub_identity(request_rec *r, const auth_dir_conf *conf)
{
    scrub_one(r, header_of(conf));
    if (!sx_same_header_name(header_of(conf), DEFAULT_HEADER)) {
        scrub_one(r, DEFAULT_HEADER);
    }
}

/* Scrub as early as the directory configuration is known, so that no
 * later module (or a Require all granted that skips authentication) can
 * see a header the client made up. */
static int auth_header_parser(request_rec *r)
{
    if (in_scope(r)) {
        scrub_identity(r, ap_get_module_config(r->per_dir_config,
                                               &socketio_auth_module));
    }
    return DECLINED;
}

static void strip_session_cookie(request_rec *r)
{
    const char *header = apr_table_get(r->headers_in, "Cookie");
    apr_size_t size;
    char *rest;

    if (!header || !store_cookie_name) {
        return;
    }
    size = sc_cookie_strip_size(header);
    rest = apr_palloc(r->pool, size);
    if (sc_cookie_strip(header, store_cookie_name(r), rest, size)) {
        apr_table_setn(r->headers_in, "Cookie", rest);
    }
    else {
        apr_table_unset(r->headers_in, "Cookie");
    }
}

/* A browser loading a page (not a script, not a socket). */
static int is_navigation(request_rec *r)
{
    const char *mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    const char *accept = apr_table_get(r->headers_in, "Accept");

    if (r->method_number != M_GET
        || apr_table_get(r->headers_in, "Upgrade")) {
        return 0;
    }
    if (mode) {
        return !strcasecmp(mode, "navigate");
    }
    return accept && ap_strstr_c(accept, "text/html") != NULL;
}

/* Counted by reason and status in mod_session_store's counters (absent
 * only with mod_session_store, where nothing is counted). */
static void counted(session_store_status_t why, int status)
{
    if (count_refusal) {
        count_refusal(why, status);
    }
}

static int refuse(request_rec *r, const auth_dir_conf *conf, int status,
                  session_store_status_t why)
{
    const char *reason = store_reason ? store_reason(why)
                                      : "Session store unavailable";

    apr_table_setn(r->notes, NOTE_ERROR, reason);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "refused %s %s from %s: %s",
                  r->method,
                  ap_escape_logitem(r->pool, r->uri), r->useragent_ip, reason);

    if (status != HTTP_SERVICE_UNAVAILABLE && conf->login_url
        && is_navigation(r)) {
        /* headers_out too: httpd's canned 302 page links to it. */
        apr_table_setn(r->headers_out, "Location", conf->login_url);
        apr_table_setn(r->err_headers_out, "Location", conf->login_url);
        counted(why, HTTP_MOVED_TEMPORARILY);
        return HTTP_MOVED_TEMPORARILY;
    }
    counted(why, status);
    /* An ErrorDocument set for this status, or a subrequest, gets the
     * usual error path; otherwise the client gets a reason it can read,
     * as JSON (socket.io-client reports it as connect_error). */
    if (r->main || ap_response_code_string(r, ap_index_of_response(status))) {
        return status;
    }
    if (ap_discard_request_body(r) != OK) {
        return status;
    }
    r->status = status;
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (status == HTTP_UNAUTHORIZED) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       "Cookie realm=\"socket.io\"");
    }
    ap_set_content_type(r, "application/json");
    ap_rvputs(r, "{\"message\":\"", reason, "\"}\n", NULL);
    return DONE;
}

static int auth_check_authn(request_rec *r)
{
    auth_dir_conf *conf;
    session_store_session_t *session;
    session_store_status_t st;

    if (!in_scope(r)) {
        return DECLINED;
    }
    conf = ap_get_module_config(r->per_dir_config, &socketio_auth_module);
    scrub_identity(r, conf);

    if (!store_lookup) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_session_store is "
                      "not loaded; refusing %s",
                      ap_escape_logitem(r->pool, r->uri));
        return refuse(r, conf, HTTP_SERVICE_UNAVAILABLE,
                      SESSION_STORE_UNAVAILABLE);
    }
    st = store_lookup(r, &session);
    if (conf->strip_cookie == 1) {
        strip_session_cookie(r);
    }
    if (st == SESSION_STORE_UNAVAILABLE) {
        /* Fail closed: no store, no entry. */
        return refuse(r, conf, HTTP_SERVICE_UNAVAILABLE, st);
    }
    if (st != SESSION_STORE_OK) {
        return refuse(r, conf, fail_status_of(conf), st);
    }

    r->user = apr_pstrdup(r->pool, session->user);
    r->ap_auth_type = AUTH_TYPE;
    apr_table_setn(r->notes, NOTE_USER, r->user);
    apr_table_setn(r->subprocess_env, NOTE_USER, r->user);
    apr_table_setn(r->headers_in, header_of(conf), ih_encode(r->user,
                   apr_palloc(r->pool, ih_encoded_size(r->user))));
    return OK;
}

/* Called by httpd when authorization refuses a request of our scope (a
 * Require that the user does not meet).  Without it httpd logs that
 * AuthType SocketIO has no module. */
static int auth_note_failure(request_rec *r, const char *auth_type)
{
    if (strcasecmp(auth_type, AUTH_TYPE) != 0) {
        return DECLINED;
    }
    if (r->user && !apr_table_get(r->notes, NOTE_ERROR)) {
        apr_table_setn(r->notes, NOTE_ERROR, "Not authorized");
        counted(SESSION_STORE_OK, HTTP_UNAUTHORIZED);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "user %s is not "
                      "authorized for %s (Require)",
                      ap_escape_logitem(r->pool, r->user),
                      ap_escape_logitem(r->pool, r->uri));
    }
    return OK;
}

/* Fixups run only once authorization has passed, for subrequests and
 * internal redirects too (which skip header_parser, and may skip
 * check_authn when they inherit the user): the identity header is made
 * to say exactly who we authenticated, or nothing.  A 403 after this
 * point is the backend's or the file system's, not a Require refusal. */
static int auth_fixups(request_rec *r)
{
    auth_dir_conf *conf;

    if (!in_scope(r)) {
        return DECLINED;
    }
    conf = ap_get_module_config(r->per_dir_config, &socketio_auth_module);
    if (r->user && r->ap_auth_type
        && !strcasecmp(r->ap_auth_type, AUTH_TYPE)) {
        apr_table_setn(r->headers_in, header_of(conf), ih_encode(r->user,
                       apr_palloc(r->pool, ih_encoded_size(r->user))));
        apr_table_setn(r->notes, NOTE_AUTHORIZED, "1");
    }
    else {
        scrub_identity(r, conf);
    }
    return DECLINED;
}

/* With AuthzSendForbiddenOnFailure On, httpd answers 403 without calling
 * note_auth_failure: name the reason before the access log is written. */
static int auth_log_transaction(request_rec *r)
{
    if (r->status == HTTP_FORBIDDEN && r->user && in_scope(r)
        && !apr_table_get(r->notes, NOTE_AUTHORIZED)
        && !apr_table_get(r->notes, NOTE_ERROR)) {
        apr_table_setn(r->notes, NOTE_ERROR, "Not authorized");
        counted(SESSION_STORE_OK, HTTP_FORBIDDEN);
    }
    return DECLINED;
}

static void auth_optional_fn_retrieve(void)
{
    store_lookup = APR_RETRIEVE_OPTIONAL_FN(session_store_lookup);
    store_cookie_name = APR_RETRIEVE_OPTIONAL_FN(session_store_cookie_name);
    store_reason = APR_RETRIEVE_OPTIONAL_FN(session_store_reason);
    count_refusal = APR_RETRIEVE_OPTIONAL_FN(session_store_count_refusal);
}

static int auth_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    /* optional_fn_retrieve runs only after the first post_config, and this
     * check must fail "apachectl configtest" too. */
    auth_optional_fn_retrieve();
    if (!store_lookup || !store_cookie_name || !store_reason) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "mod_socketio_auth needs "
                     "mod_session_store: add 'LoadModule session_store_module "
                     "modules/mod_session_store.so' before it");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_optional_fn_retrieve(auth_optional_fn_retrieve, NULL, NULL,
                                 APR_HOOK_MIDDLE);
    ap_hook_check_config(auth_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_header_parser(auth_header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_note_auth_failure(auth_note_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(auth_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(auth_log_transaction, NULL, NULL,
                            APR_HOOK_REALLY_FIRST);
    ap_hook_check_authn(auth_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
}

AP_DECLARE_MODULE(socketio_auth) = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,         /* per-directory configuration */
    merge_dir_conf,          /* merge per-directory configurations */
    NULL,                    /* per-server configuration */
    NULL,                    /* merge per-server configurations */
    auth_cmds,               /* directives */
    register_hooks,          /* hooks */
#ifdef AP_MODULE_FLAG_NONE
    AP_MODULE_FLAG_NONE
#endif
};
