/*
 * session_store/admin.c: the session-store-admin handler: who is signed
 * in, and throwing someone out.
 *
 *   GET  ?user=NAME                      that user's sessions
 *   GET  [?after=NAME][&limit=N]         users and their session counts,
 *                                        a page at a time, by name
 *   POST action=revoke&user=NAME         end all of a user's sessions
 *   POST action=revoke&handle=H[&user=]  end one
 *
 * JSON, or HTML tables (with a revoke button per session) for a browser.
 * A session is named by its handle (sc_session_handle), a one-way
 * function of its id: nothing here ever shows an id, nor anything a
 * cookie could be made from.  What the store answers is what every server
 * sharing it sees (the Redis store): a revocation ends the session there
 * too, and anything that checks a session again (a live socket's
 * re-check) finds it gone.
 *
 * It is as powerful as its Require lets it be: protect it as the status
 * page, and never let the users it lists reach it.
 */
#include "internal.h"
#include "session_form.h"
#include "syntax.h"

#include "http_protocol.h"
#include "http_request.h"
#include "apr_escape.h"
#include "apr_strings.h"

#include <stdarg.h>
#include <stdlib.h>

APLOG_USE_MODULE(session_store);

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000

/* What a query or a form may hold. */
typedef struct admin_args {
    char user[ST_USER_MAX];
    char after[ST_USER_MAX];
    char limit[8];
    char action[16];
    char handle[SC_HANDLE_LEN + 1];
} admin_args;

enum { ARG_USER, ARG_AFTER, ARG_LIMIT, ARG_ACTION, ARG_HANDLE, ARG_COUNT };

/* Parse s into a (every field optional); found[i] says which were there.
 * DECLINED, or the 400 answer. */
static int parse_args(request_rec *r, const char *s, apr_size_t len,
                      admin_args *a, int found[ARG_COUNT])
{
    sf_field_t f[ARG_COUNT];
    const char *bad;
    sf_status_t st;
    int i;

    memset(a, 0, sizeof(*a));
    memset(f, 0, sizeof(f));
    f[ARG_USER].name = "user";
    f[ARG_USER].value = a->user;
    f[ARG_USER].size = sizeof(a->user);
    f[ARG_AFTER].name = "after";
    f[ARG_AFTER].value = a->after;
    f[ARG_AFTER].size = sizeof(a->after);
    f[ARG_LIMIT].name = "limit";
    f[ARG_LIMIT].value = a->limit;
    f[ARG_LIMIT].size = sizeof(a->limit);
    f[ARG_ACTION].name = "action";
    f[ARG_ACTION].value = a->action;
    f[ARG_ACTION].size = sizeof(a->action);
    f[ARG_HANDLE].name = "handle";
    f[ARG_HANDLE].value = a->handle;
    f[ARG_HANDLE].size = sizeof(a->handle);
    st = sf_parse(s ? s : "", s ? len : 0, f, ARG_COUNT, &bad);
    if (st != SF_OK) {
        return ss_send_message(r, HTTP_BAD_REQUEST,
                               apr_pstrcat(r->pool, sf_status_reason(st),
                                           bad ? " " : "", bad ? bad : "",
                                           NULL));
    }
    for (i = 0; i < ARG_COUNT; i++) {
        found[i] = f[i].found;
    }
    return DECLINED;
}

static int store_failed(request_rec *r)
{
    ss_metrics_count(MX_STORE_ERRORS, 1);
    return ss_send_message(r, HTTP_SERVICE_UNAVAILABLE,
                           "Session store unavailable");
}

/* For a browser: HTML unless it asked for JSON (ss_asks_json). */
static int wants_html(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");

    return !ss_asks_json(r) && accept && ap_strcasestr(accept, "text/html");
}

static const char *html(request_rec *r, const char *s)
{
    return ap_escape_html(r->pool, s);
}

/* This handler's URL with a query of one name=value, for an href. */
static const char *self_link(request_rec *r, const char *name,
                             const char *value)
{
    return html(r, apr_pstrcat(r->pool, r->uri, "?", name, "=",
                               apr_pescape_urlencoded(r->pool, value), NULL));
}

/* A realm as hex: what a session holds of it (a SHA-256 prefix). */
static const char *realm_hex(request_rec *r, const st_session_t *s)
{
    char *hex = apr_palloc(r->pool, 2 * ST_REALM_LEN + 1);

    ap_bin2hex(s->realm, ST_REALM_LEN, hex);
    return hex;
}

static const char *html_time(request_rec *r, apr_time_t t)
{
    apr_time_exp_t tm;
    apr_size_t n;
    char buf[32];

    if (apr_time_exp_gmt(&tm, t) != APR_SUCCESS
        || apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm)
           != APR_SUCCESS) {
        return "?";
    }
    return apr_pstrcat(r->pool, buf, " UTC", NULL);
}

static const char *html_deadline(request_rec *r, apr_time_t from,
                                 apr_uint32_t seconds)
{
    return seconds ? html_time(r, from + apr_time_from_sec(seconds))
                   : "never";
}

/* The head of an answer: never cached (it lists who is signed in). */
static void json_start(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    ap_set_content_type(r, "application/json");
}

static void page_start(request_rec *r, const char *title)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rvputs(r, "<!DOCTYPE html>\n<meta charset=\"utf-8\">\n<title>", title,
              "</title>\n<h1>", title, "</h1>\n", NULL);
}

/* A form posting action=revoke with the fields given as name, value
 * pairs (NULL-terminated), and its button. */
static void revoke_form(request_rec *r, const char *button, ...)
{
    const char *name, *value;
    va_list ap;

    ap_rvputs(r, "<form method=\"post\" action=\"", html(r, r->uri),
              "\"><input type=\"hidden\" name=\"action\" value=\"revoke\">",
              NULL);
    va_start(ap, button);
    while ((name = va_arg(ap, const char *)) != NULL) {
        value = va_arg(ap, const char *);
        ap_rvputs(r, "<input type=\"hidden\" name=\"", name, "\" value=\"",
                  html(r, value), "\">", NULL);
    }
    va_end(ap);
    ap_rvputs(r, "<button>", html(r, button), "</button></form>", NULL);
}

/* ---- GET ?user=NAME ---- */

static int collect_session(void *ctx, const st_session_t *s)
{
    *(st_session_t *)apr_array_push(ctx) = *s;
    return 0;
}

static int most_recent_first(const void *a, const void *b)
{
    const st_session_t *x = a, *y = b;

    return x->last_access < y->last_access ? 1
         : x->last_access > y->last_access ? -1 : 0;
}

static void session_json(request_rec *r, const st_session_t *s)
{
    char handle[SC_HANDLE_LEN + 1];

    sc_session_handle(s->id, ST_ID_LEN, handle);
    ap_rprintf(r, "{\"handle\":\"%s\",\"created\":%" APR_INT64_T_FMT
               ",\"last_used\":%" APR_INT64_T_FMT ",%s,\"realm\":\"%s\","
               "\"remote\":%s}", handle, (apr_int64_t)apr_time_sec(s->created),
               (apr_int64_t)apr_time_sec(s->last_access),
               ss_json_expiry(r->pool, s),
               realm_hex(r, s),
               ss_json_string(r->pool, s->remote));
}

static void session_row(request_rec *r, const st_session_t *s)
{
    char handle[SC_HANDLE_LEN + 1];

    sc_session_handle(s->id, ST_ID_LEN, handle);
    ap_rvputs(r, "<tr><td><code>", handle, "</code></td><td>",
              html_time(r, s->created), "</td><td>",
              html_time(r, s->last_access), "</td><td>",
              html_deadline(r, s->created, s->max_age), "</td><td>",
              html_deadline(r, s->last_access, s->idle_timeout),
              "</td><td><code>",
              realm_hex(r, s),
              "</code></td><td>", html(r, s->remote), "</td><td>", NULL);
    revoke_form(r, "End", "user", s->user, "handle", handle, NULL);
    ap_rputs("</td></tr>\n", r);
}

static int list_sessions(request_rec *r, ss_store_t *store, const char *user)
{
    apr_array_header_t *all = apr_array_make(r->pool, 8,
                                             sizeof(st_session_t));
    const st_session_t *s;
    int i;

    if (store->be->list_user(store, user, apr_time_now(), collect_session,
                             all) < 0) {
        return store_failed(r);
    }
    s = (const st_session_t *)all->elts;
    qsort(all->elts, (size_t)all->nelts, sizeof(*s), most_recent_first);
    if (!wants_html(r)) {
        json_start(r);
        ap_rvputs(r, "{\"user\":", ss_json_string(r->pool, user),
                  ",\"sessions\":[", NULL);
        for (i = 0; i < all->nelts; i++) {
            ap_rputs(i ? "," : "", r);
            session_json(r, &s[i]);
        }
        ap_rputs("]}\n", r);
        return OK;
    }
    page_start(r, apr_psprintf(r->pool, "Sessions of %s", html(r, user)));
    ap_rputs("<table>\n<tr><th>handle</th><th>created</th><th>last used</th>"
             "<th>expires</th><th>expires if idle</th><th>realm</th>"
             "<th>address at login</th><th></th></tr>\n", r);
    for (i = 0; i < all->nelts; i++) {
        session_row(r, &s[i]);
    }
    ap_rputs("</table>\n", r);
    if (all->nelts) {
        revoke_form(r, apr_psprintf(r->pool, "End all %d sessions of %s",
                                    all->nelts, user), "user", user, NULL);
    }
    ap_rvputs(r, "<p><a href=\"", html(r, r->uri), "\">All users</a></p>\n",
              NULL);
    return OK;
}

/* ---- GET [?after=NAME][&limit=N] ---- */

typedef struct user_count {
    const char *user;
    long sessions;
} user_count;

static void collect_user(void *ctx, const char *user, long sessions)
{
    apr_array_header_t *all = ctx;
    user_count *u = apr_array_push(all);

    u->user = apr_pstrdup(all->pool, user);
    u->sessions = sessions;
}

static int list_users(request_rec *r, ss_store_t *store, const char *after,
                      int limit)
{
    apr_array_header_t *all = apr_array_make(r->pool, 16,
                                             sizeof(user_count));
    const user_count *u;
    const char *next = NULL;
    int i;

    if (store->be->list_users(store, apr_time_now(), after, limit, r->pool,
                              collect_user, all, &next) < 0) {
        return store_failed(r);
    }
    u = (const user_count *)all->elts;
    if (!wants_html(r)) {
        json_start(r);
        ap_rputs("{\"users\":[", r);
        for (i = 0; i < all->nelts; i++) {
            ap_rprintf(r, "%s{\"user\":%s,\"sessions\":%ld}", i ? "," : "",
                       ss_json_string(r->pool, u[i].user), u[i].sessions);
        }
        ap_rvputs(r, "],\"next\":",
                  next ? ss_json_string(r->pool, next) : "null", "}\n", NULL);
        return OK;
    }
    page_start(r, "Signed-in users");
    ap_rputs("<table>\n<tr><th>user</th><th>sessions</th></tr>\n", r);
    for (i = 0; i < all->nelts; i++) {
        ap_rprintf(r, "<tr><td><a href=\"%s\">%s</a></td><td>%ld</td></tr>\n",
                   self_link(r, "user", u[i].user), html(r, u[i].user),
                   u[i].sessions);
    }
    ap_rputs("</table>\n", r);
    if (next) {
        ap_rvputs(r, "<p><a href=\"", self_link(r, "after", next),
                  html(r, apr_psprintf(r->pool, "&limit=%d", limit)),
                  "\">Next page</a></p>\n", NULL);
    }
    return OK;
}

static int admin_get(request_rec *r, ss_store_t *store)
{
    admin_args a;
    int found[ARG_COUNT], limit = PAGE_DEFAULT, rv;
    char *end;

    rv = parse_args(r, r->args, r->args ? strlen(r->args) : 0, &a, found);
    if (rv != DECLINED) {
        return rv;
    }
    if (found[ARG_USER]) {
        return list_sessions(r, store, a.user);
    }
    if (found[ARG_LIMIT]) {
        long v = strtol(a.limit, &end, 10);
        if (!*a.limit || *end || v < 1 || v > PAGE_MAX) {
            return ss_send_message(r, HTTP_BAD_REQUEST, apr_psprintf(r->pool,
                                   "limit must be 1 to %d", PAGE_MAX));
        }
        limit = (int)v;
    }
    return list_users(r, store, found[ARG_AFTER] ? a.after : NULL, limit);
}

/* ---- POST action=revoke ---- */

static const char *admin_name(request_rec *r)
{
    return r->user ? SS_LOG_STR(r, r->user) : "-";
}

/* One session by handle: through the user's own sessions when the form
 * names the user (a short list), else through the store's own search
 * (the shm store walks its table for it). */
static st_status_t revoke_handle(request_rec *r, ss_store_t *store,
                                 const admin_args *a, int has_user,
                                 char user[ST_USER_MAX])
{
    apr_array_header_t *all;
    const st_session_t *s;
    char h[SC_HANDLE_LEN + 1];
    int i;

    if (!has_user) {
        return store->be->destroy_handle(store, a->handle, user);
    }
    all = apr_array_make(r->pool, 8, sizeof(st_session_t));
    if (store->be->list_user(store, a->user, apr_time_now(), collect_session,
                             all) < 0) {
        return ST_ERROR;
    }
    s = (const st_session_t *)all->elts;
    for (i = 0; i < all->nelts; i++) {
        sc_session_handle(s[i].id, ST_ID_LEN, h);
        if (!strcmp(h, a->handle)) {
            apr_cpystrn(user, s[i].user, ST_USER_MAX);
            return store->be->destroy(store, s[i].id);
        }
    }
    return ST_NOT_FOUND;
}

static int revoked(request_rec *r, long n, const char *user)
{
    if (!wants_html(r)) {
        json_start(r);
        ap_rprintf(r, "{\"revoked\":%ld}\n", n);
        return OK;
    }
    page_start(r, "Sessions ended");
    ap_rprintf(r, "<p>%ld session%s ended.</p>\n", n, n == 1 ? "" : "s");
    if (*user) {
        ap_rvputs(r, "<p><a href=\"", self_link(r, "user", user),
                  "\">Sessions of ", html(r, user), "</a></p>\n", NULL);
    }
    ap_rvputs(r, "<p><a href=\"", html(r, r->uri), "\">All users</a></p>\n",
              NULL);
    return OK;
}

static int admin_post(request_rec *r, ss_store_t *store)
{
    const char *ctype = apr_table_get(r->headers_in, "Content-Type");
    char user[ST_USER_MAX] = "";
    int found[ARG_COUNT], rv;
    admin_args a;
    apr_size_t len;
    char *body;
    long n;

    if (ss_cross_site(r, "revocation posted")) {
        return ss_send_message(r, HTTP_FORBIDDEN,
                               "Cross-site revocation refused");
    }
    if (!ss_is_form(ctype)) {
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    if ((rv = ss_read_body(r, SS_DEFAULT_MAX_BODY, &body, &len)) != OK) {
        return rv;
    }
    if ((rv = parse_args(r, body, len, &a, found)) != DECLINED) {
        return rv;
    }
    if (!found[ARG_ACTION] || strcmp(a.action, "revoke") != 0) {
        return ss_send_message(r, HTTP_BAD_REQUEST, "action must be revoke");
    }
    if (found[ARG_HANDLE]) {
        st_status_t st;

        if (strlen(a.handle) != SC_HANDLE_LEN
            || !sx_is_base64url(a.handle, SC_HANDLE_LEN)) {
            return ss_send_message(r, HTTP_BAD_REQUEST, "Not a handle");
        }
        st = revoke_handle(r, store, &a, found[ARG_USER], user);
        if (st == ST_ERROR) {
            return store_failed(r);
        }
        n = st == ST_OK;
        if (n) {
            ss_metrics_count(MX_REVOKED, 1);
            ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "revoked session "
                          "%s of user %s (session-store-admin, by %s)",
                          a.handle, SS_LOG_STR(r, user), admin_name(r));
        }
        return revoked(r, n, found[ARG_USER] ? a.user : user);
    }
    if (!found[ARG_USER]) {
        return ss_send_message(r, HTTP_BAD_REQUEST,
                               "revoke needs a user or a handle");
    }
    if ((n = store->be->destroy_user(store, a.user)) < 0) {
        return store_failed(r);
    }
    ss_metrics_count(MX_REVOKED, (apr_uint64_t)n);
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "revoked %ld sessions of "
                  "user %s (session-store-admin, by %s)", n,
                  SS_LOG_STR(r, a.user), admin_name(r));
    return revoked(r, n, a.user);
}

int ss_admin_handler(request_rec *r)
{
    ss_store_t *store = ss_server_conf_of(r->server)->mc->store;

    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, M_POST, -1);
    if (r->method_number != M_GET && r->method_number != M_POST) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!store) {
        return ss_send_message(r, HTTP_SERVICE_UNAVAILABLE,
                               "Session store unavailable");
    }
    return r->method_number == M_GET ? admin_get(r, store)
                                     : admin_post(r, store);
}
