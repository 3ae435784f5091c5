/*
 * session_store/login.c: the session-store-login handler.
 *
 * A form POST (username, password, optional redirect) is read and parsed
 * strictly (core/session_form.c), the throttle is asked (throttle.c), the
 * password is checked by httpd's authn providers in order, as
 * mod_auth_basic does, and a fresh session answers a success.
 */
#include "internal.h"
#include "session_form.h"
#include "syntax.h"

#include "http_protocol.h"
#include "http_request.h"
#include "ap_provider.h"
#include "apr_strings.h"

#include <pthread.h>

APLOG_USE_MODULE(session_store);

#define FORM_CONTENT_TYPE     "application/x-www-form-urlencoded"
#define FORM_CONTENT_TYPE_LEN (sizeof(FORM_CONTENT_TYPE) - 1)

/* What the form gave. */
typedef struct login_form {
    char user[ST_USER_MAX];
    char password[SS_PASSWORD_MAX];
    char redirect[SX_LOCAL_PATH_MAX + 1];
    int has_redirect;
} login_form;

enum { FIELD_USER, FIELD_PASSWORD, FIELD_REDIRECT, FIELD_COUNT };

int ss_read_body(request_rec *r, apr_size_t max, char **body,
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

int ss_is_form(const char *ctype)
{
    return ctype && strncasecmp(ctype, FORM_CONTENT_TYPE,
                                FORM_CONTENT_TYPE_LEN) == 0
           && (ctype[FORM_CONTENT_TYPE_LEN] == '\0'
               || ctype[FORM_CONTENT_TYPE_LEN] == ';'
               || ctype[FORM_CONTENT_TYPE_LEN] == ' ');
}

/* The login steps return GO_ON, or what the handler returns (with the
 * answer written, or a status for httpd to answer). */
#define GO_ON DECLINED

/* Read the form into f. */
static int login_read_fields(request_rec *r, const ss_dir_conf *dconf,
                             login_form *f)
{
    const char *ctype = apr_table_get(r->headers_in, "Content-Type");
    const char *bad_field, *missing;
    sf_field_t fields[FIELD_COUNT];
    apr_size_t len;
    char *body;
    sf_status_t fst;
    int rv;

    if (!ss_is_form(ctype)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "login with "
                      "Content-Type %s refused",
                      ctype ? SS_LOG_STR(r, ctype) : "(none)");
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    if ((rv = ss_read_body(r, ss_max_body(dconf), &body, &len)) != OK) {
        if (rv == HTTP_REQUEST_ENTITY_TOO_LARGE) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "login form larger "
                          "than SessionStoreLoginMaxBody %" APR_SIZE_T_FMT,
                          ss_max_body(dconf));
        }
        return rv;
    }
    memset(fields, 0, sizeof(fields));
    fields[FIELD_USER].name = dconf->user_field ? dconf->user_field
                                                : "username";
    fields[FIELD_USER].value = f->user;
    fields[FIELD_USER].size = sizeof(f->user);
    fields[FIELD_PASSWORD].name = dconf->password_field
                                  ? dconf->password_field : "password";
    fields[FIELD_PASSWORD].value = f->password;
    fields[FIELD_PASSWORD].size = sizeof(f->password);
    fields[FIELD_PASSWORD].allow_tab = 1;
    fields[FIELD_REDIRECT].name = dconf->redirect_field
                                  ? dconf->redirect_field : "redirect";
    fields[FIELD_REDIRECT].value = f->redirect;
    fields[FIELD_REDIRECT].size = sizeof(f->redirect);
    fst = sf_parse(body, len, fields, FIELD_COUNT, &bad_field);
    if (fst != SF_OK) {
        const char *why = apr_pstrcat(r->pool, sf_status_reason(fst),
                                      bad_field ? " " : "",
                                      bad_field ? bad_field : "", NULL);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "login form refused: %s",
                      why);
        return ss_send_message(r, HTTP_BAD_REQUEST,
                               apr_pstrcat(r->pool, "Bad login form: ", why,
                                           NULL));
    }
    missing = !fields[FIELD_USER].found || !*f->user
              ? fields[FIELD_USER].name
              : !fields[FIELD_PASSWORD].found || !*f->password
              ? fields[FIELD_PASSWORD].name : NULL;
    if (missing) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "login form without %s",
                      missing);
        return ss_send_message(r, HTTP_BAD_REQUEST,
                               apr_pstrcat(r->pool, "Missing credentials: ",
                                           missing, NULL));
    }
    f->has_redirect = fields[FIELD_REDIRECT].found && *f->redirect;
    /* A provider that ignores case (LDAP, SQL with NOCASE) takes "Carol"
     * for "carol": one account, so one user name everywhere after it (the
     * session, Require user, the logs). */
    if (ss_fold_case(dconf)) {
        ap_str_tolower(f->user);
    }
    return GO_ON;
}

/* As mod_auth_basic: the next provider only when this one does not know
 * the user; AUTHN_PROVIDER_NAME_NOTE set around each call, so that
 * AuthnProviderAlias works. */
static authn_status check_password(request_rec *r, const ss_dir_conf *dconf,
                                   const char *user, const char *password,
                                   const char **provider_name)
{
    authn_status st = AUTH_USER_NOT_FOUND;
    ss_login_provider default_provider;
    const ss_login_provider *list;
    int i, n;

    if (dconf->providers && dconf->providers->nelts) {
        list = (const ss_login_provider *)dconf->providers->elts;
        n = dconf->providers->nelts;
    }
    else {
        default_provider.name = AUTHN_DEFAULT_PROVIDER;
        default_provider.provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP,
                                                       AUTHN_DEFAULT_PROVIDER,
                                                       AUTHN_PROVIDER_VERSION);
        if (!default_provider.provider) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "no "
                          "SessionStoreLoginProvider set and the default "
                          "provider 'file' (mod_authn_file) is not loaded");
            return AUTH_GENERAL_ERROR;
        }
        list = &default_provider;
        n = 1;
    }
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

/* ---- user enumeration by timing ----
 * A known user costs a password hash (bcrypt: milliseconds), an unknown
 * one only a lookup, so the time of a failed login tells whether a name
 * exists.  When no provider knows the user, the password is checked once
 * more, against a user they do know: the same providers, lookup, hash
 * kind and cost as a real user's, whatever the configuration, so that
 * nothing has to be told what kind of hash the users have.  That user is
 * SessionStoreLoginDummyUser (an account that exists for this, with a
 * password nobody knows), or by default the last user the providers knew
 * in this process.  Not by default with an "ldap" provider: a failed
 * bind counts against a real account there (Active Directory locks it). */

#define KNOWN_SLOTS 16

static pthread_mutex_t known_lock = PTHREAD_MUTEX_INITIALIZER;
static struct known_user {
    const void *chain;                /* dconf->providers: which chain */
    char user[ST_USER_MAX];
} known[KNOWN_SLOTS];

static const void *chain_of(const ss_dir_conf *dconf)
{
    static const char default_chain = 0;
    return dconf->providers ? (const void *)dconf->providers
                            : (const void *)&default_chain;
}

static void remember_known(const ss_dir_conf *dconf, const char *user)
{
    const void *chain = chain_of(dconf);
    int i, slot = -1;

    pthread_mutex_lock(&known_lock);
    for (i = 0; i < KNOWN_SLOTS && slot < 0; i++) {
        if (known[i].chain == chain || !known[i].chain) {
            slot = i;
        }
    }
    if (slot >= 0) {
        known[slot].chain = chain;
        apr_cpystrn(known[slot].user, user, sizeof(known[slot].user));
    }
    pthread_mutex_unlock(&known_lock);
}

static const char *known_user(request_rec *r, const ss_dir_conf *dconf)
{
    const void *chain = chain_of(dconf);
    const char *user = NULL;
    int i;

    pthread_mutex_lock(&known_lock);
    for (i = 0; i < KNOWN_SLOTS && !user; i++) {
        if (known[i].chain == chain) {
            user = apr_pstrdup(r->pool, known[i].user);
        }
    }
    pthread_mutex_unlock(&known_lock);
    return user;
}

static int has_ldap_provider(const ss_dir_conf *dconf)
{
    int i;

    for (i = 0; dconf->providers && i < dconf->providers->nelts; i++) {
        if (!strcasecmp(APR_ARRAY_IDX(dconf->providers, i,
                                      ss_login_provider).name, "ldap")) {
            return 1;
        }
    }
    return 0;
}

static authn_status check_password(request_rec *r, const ss_dir_conf *dconf,
                                   const char *user, const char *password,
                                   const char **provider_name);

/* The user was not found: spend what a known user costs. */
static void spend_like_a_known_user(request_rec *r, const ss_dir_conf *dconf,
                                    const char *password)
{
    const char *provider_name, *stand_in = dconf->dummy_user;

    if (stand_in && !*stand_in) {
        return;                       /* SessionStoreLoginDummyUser Off */
    }
    if (!stand_in && !has_ldap_provider(dconf)) {
        stand_in = known_user(r, dconf);
    }
    if (!stand_in) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "user not found, and "
                      "no user known to check the password against instead "
                      "(SessionStoreLoginDummyUser)");
        return;
    }
    (void)check_password(r, dconf, stand_in, password, &provider_name);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "user not found; the "
                  "password was checked against user %s as well, through "
                  "provider %s, to take as long as for a known user",
                  SS_LOG_STR(r, stand_in), provider_name);
}

static int login_failed(request_rec *r, const ss_dir_conf *dconf)
{
    ss_server_conf *conf = ss_server_conf_of(r->server);
    ss_store_t *store = conf->mc->store;

    if (store) {
        store->be->note_login_failure(store);
    }
    if (dconf->fail_redirect && !ss_asks_json(r)) {
        return ss_send_see_other(r, apr_pstrcat(r->pool, dconf->fail_redirect,
                                 strchr(dconf->fail_redirect, '?') ? "&" : "?",
                                 "error=1", NULL));
    }
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   apr_pstrcat(r->pool, "Cookie name=\"",
                               ss_cookie_name(conf), "\"", NULL));
    return ss_send_message(r, HTTP_UNAUTHORIZED,
                           "Invalid user name or password");
}

/* The throttle, then the providers: GO_ON once the password is right
 * (the attempt stays counted until the session exists). */
static int login_authenticate(request_rec *r, const ss_dir_conf *dconf,
                              login_form *f, ss_throttle_t *throttle,
                              const char **provider_name)
{
    authn_status ast;
    int rv;

    ss_throttle_prepare(r, dconf, f->user, throttle);
    if (ss_throttle_refused(r, throttle, &rv)) {
        return rv;
    }
    ast = check_password(r, dconf, f->user, f->password, provider_name);
    if (ast == AUTH_USER_NOT_FOUND) {
        spend_like_a_known_user(r, dconf, f->password);
    }
    else if (ast == AUTH_GRANTED || ast == AUTH_DENIED) {
        remember_known(dconf, f->user);
    }
    memset(f->password, 0, sizeof(f->password));
    switch (ast) {
    case AUTH_GRANTED:
        return GO_ON;
    case AUTH_GENERAL_ERROR:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "authn provider %s failed "
                      "checking user %s", *provider_name,
                      SS_LOG_STR(r, f->user));
        ss_throttle_give_back(r, throttle, 0);
        return HTTP_INTERNAL_SERVER_ERROR;
    default:
        /* Counted by ss_throttle_refused, where throttling is on. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "login failed for "
                      "user %s: %s", SS_LOG_STR(r, f->user),
                      ast == AUTH_USER_NOT_FOUND ? "user not found"
                                                 : "password mismatch");
        return login_failed(r, dconf);
    }
}

/* The signed-in client: JSON for a script, else 303 to the local
 * redirect it asked for or SessionStoreLoginRedirect.  The adoption of
 * another module's user (adopt.c) answers the same way. */
int ss_respond_signed_in(request_rec *r, const ss_dir_conf *dconf,
                         const char *user, const char *redirect)
{
    const char *target = dconf->login_redirect ? dconf->login_redirect : "/";

    if (ss_asks_json(r)) {
        apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
        ap_set_content_type(r, "application/json");
        ap_rvputs(r, "{\"user\":", ss_json_string(r->pool, user), "}\n",
                  NULL);
        return OK;
    }
    if (redirect) {
        if (sx_is_plain_local_path(redirect)) {
            target = apr_pstrdup(r->pool, redirect);
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "login of %s "
                          "asked to go to '%s', which is not a local path "
                          "without dot segments; going to %s",
                          SS_LOG_STR(r, user), SS_LOG_STR(r, redirect),
                          target);
        }
    }
    return ss_send_see_other(r, target);
}

/* Handle a login: method, Origin, the form, throttle and password, then a
 * new session with a fresh id (any session the client had ends: no
 * fixation) and the answer. */
int ss_login_handler(request_rec *r)
{
    ss_dir_conf *dconf = ss_dir_conf_of(r);
    const char *provider_name = "";
    session_store_session_t *old, *session;
    session_store_status_t sst;
    ss_throttle_t throttle;
    login_form form;
    int rv;

    /* httpd builds Allow from allowed_methods, not from r->allowed. */
    ap_allow_standard_methods(r, REPLACE_ALLOW, M_POST, -1);
    if (r->method_number != M_POST) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (ss_check_origin(dconf) && ss_cross_site(r, "login posted")) {
        return ss_send_message(r, HTTP_FORBIDDEN, "Cross-site login refused");
    }
    memset(&form, 0, sizeof(form));
    if ((rv = login_read_fields(r, dconf, &form)) != GO_ON
        || (rv = login_authenticate(r, dconf, &form, &throttle,
                                    &provider_name)) != GO_ON) {
        memset(form.password, 0, sizeof(form.password));
        return rv;
    }
    if (session_store_lookup(r, &old) == SESSION_STORE_OK) {
        session_store_destroy(r, old->id);
    }
    ss_throttle_give_back(r, &throttle, 1);
    sst = session_store_create(r, form.user, &session);
    if (sst != SESSION_STORE_OK) {
        return ss_send_message(r, HTTP_SERVICE_UNAVAILABLE,
                               apr_pstrcat(r->pool, "Cannot create a "
                                           "session: ",
                                           session_store_reason(sst), NULL));
    }
    ss_device_cookie_issue(r, &throttle, form.user);
    r->user = apr_pstrdup(r->pool, form.user);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "user %s logged in through "
                  "provider %s", SS_LOG_STR(r, form.user), provider_name);
    return ss_respond_signed_in(r, dconf, form.user,
                                form.has_redirect ? form.redirect : NULL);
}
