/*
 * socketio_auth/identity.c: the identity header.
 *
 * A backend believes the identity header, so a client must never be able
 * to send it: every name any scope configures (and the default) is removed
 * in every spelling from every request of every virtual host as soon as
 * it is read (post_read_request, which also runs for internal redirects),
 * not only in AuthType SocketIO scopes: another ProxyPass, a catch-all
 * proxy or a path that falls outside the scope reach the same backend.
 * Only a request authorized in scope gets the header again, set here.
 */
#include "internal.h"
#include "identity_header.h"
#include "syntax.h"

#include "http_log.h"

APLOG_USE_MODULE(socketio_auth);

/* names may be NULL (before post_config), extra too. */
static int is_identity(const char *key, const sa_identity_names *names,
                       const char *extra)
{
    int i;

    if (names && names->lead[sx_header_fold((unsigned char)key[0])]) {
        for (i = 0; i < names->names->nelts; i++) {
            if (sx_same_header_name(key, APR_ARRAY_IDX(names->names, i,
                                                       const char *))) {
                return 1;
            }
        }
    }
    return extra && sx_same_header_name(key, extra);
}

/* One pass over the headers, and nothing allocated when none is to go
 * (this runs for every request of the server). */
static void scrub(request_rec *r, const sa_identity_names *names,
                  const char *extra)
{
    /* The table's own array: apr_table_unset closes the gap in place. */
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    int i = 0;

    while (i < arr->nelts) {
        const char *key = APR_ARRAY_IDX(arr, i, apr_table_entry_t).key;

        if (key && is_identity(key, names, extra)) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "removed request "
                          "header %s sent by the client for %s",
                          ap_escape_logitem(r->pool, key),
                          ap_escape_logitem(r->pool, r->uri));
            /* Removes every entry of that exact name, this one first; the
             * entries before it matched none, so i is the next one now. */
            apr_table_unset(r->headers_in, key);
            continue;
        }
        i++;
    }
}

void sa_scrub_identity(request_rec *r, const sa_dir_conf *conf)
{
    const sa_identity_names *names = sa_server_conf_of(r->server)->scrub;
    const char *extra = NULL;

    if (!names) {
        extra = SA_DEFAULT_HEADER;
    }
    else if (conf && conf->header && !conf->header_listed) {
        extra = conf->header;
    }
    scrub(r, names, extra);
}

void sa_set_identity(request_rec *r, const sa_dir_conf *conf,
                     const char *user)
{
    const char *value = user;

    /* A subrequest carries a copy of its parent's headers, with whatever
     * identity the parent was given in its own scope. */
    if (r->main) {
        sa_scrub_identity(r, conf);
    }
    /* Any name arrives intact: plain ASCII names as they are, the others
     * as an RFC 8187 ext-value (identity_header.h). */
    if (!ih_is_plain(user)) {
        value = ih_encode(user, apr_palloc(r->pool, ih_encoded_size(user)));
    }
    apr_table_setn(r->headers_in, sa_header_of(conf), value);
}
