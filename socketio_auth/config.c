/*
 * socketio_auth/config.c: directives and configuration records.
 */
#include "internal.h"
#include "syntax.h"

#include "http_core.h"
#include "http_log.h"
#include "apr_strings.h"

APLOG_USE_MODULE(socketio_auth);

/* ---- records ---- */

void *sa_create_server_conf(apr_pool_t *p, server_rec *s)
{
    sa_server_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->headers = apr_array_make(p, 1, sizeof(const char *));
    /* The main server's record is created first and is the base of every
     * virtual host's merge: it carries the one global record. */
    if (!s->is_virtual) {
        conf->mc = apr_pcalloc(p, sizeof(*conf->mc));
        conf->mc->bind_capacity = SA_DEFAULT_BIND_CAPACITY;
    }
    return conf;
}

void *sa_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    sa_server_conf *base = basev, *add = addv;
    sa_server_conf *conf = apr_pcalloc(p, sizeof(*conf));

    conf->mc = base->mc;
    /* A server's own names only: sa_config_post gathers them all. */
    conf->headers = add->headers;
    return conf;
}

void *sa_create_dir_conf(apr_pool_t *p, char *dir)
{
    sa_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->fail_status = SA_UNSET;
    conf->strip_cookie = SA_UNSET;
    conf->bind_sid = SA_UNSET;
    return conf;
}

void *sa_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    sa_dir_conf *base = basev, *add = addv;
    sa_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    if (add->header) {
        conf->header = add->header;
        conf->header_listed = add->header_listed;
    }
    else {
        conf->header = base->header;
        conf->header_listed = base->header_listed;
    }
    conf->fail_status = add->fail_status != SA_UNSET ? add->fail_status
                                                     : base->fail_status;
    conf->login_url = add->login_url ? add->login_url : base->login_url;
    conf->strip_cookie = add->strip_cookie != SA_UNSET ? add->strip_cookie
                                                       : base->strip_cookie;
    conf->bind_sid = add->bind_sid != SA_UNSET ? add->bind_sid
                                               : base->bind_sid;
    return conf;
}

sa_server_conf *sa_server_conf_of(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &socketio_auth_module);
}

sa_dir_conf *sa_dir_conf_of(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &socketio_auth_module);
}

const char *sa_header_of(const sa_dir_conf *conf)
{
    return conf->header ? conf->header : SA_DEFAULT_HEADER;
}

int sa_fail_status_of(const sa_dir_conf *conf)
{
    return conf->fail_status != SA_UNSET ? conf->fail_status
                                         : HTTP_UNAUTHORIZED;
}

int sa_bind_sid_of(const sa_dir_conf *conf)
{
    return conf->bind_sid != 0;
}

/* ---- directives ---- */

static int same_name_listed(const apr_array_header_t *list, const char *name)
{
    int i;

    for (i = 0; i < list->nelts; i++) {
        if (sx_same_header_name(APR_ARRAY_IDX(list, i, const char *), name)) {
            return 1;
        }
    }
    return 0;
}

/* A name set in the server configuration joins the list every request of
 * every virtual host is scrubbed of.  One set in a .htaccess file is only
 * known once a request reads that file: it is scrubbed in its scope. */
static const char *set_header(cmd_parms *cmd, void *config, const char *arg)
{
    sa_dir_conf *conf = config;

    if (!sx_is_token(arg)) {
        return apr_psprintf(cmd->pool, "SocketIOAuthHeader: '%s' is not "
                            "a valid header name (an HTTP token)", arg);
    }
    conf->header = arg;
    conf->header_listed = ap_check_cmd_context(cmd, NOT_IN_HTACCESS) == NULL;
    if (conf->header_listed) {
        apr_array_header_t *list = sa_server_conf_of(cmd->server)->headers;
        if (!same_name_listed(list, arg)) {
            *(const char **)apr_array_push(list) = arg;
        }
    }
    return NULL;
}

static const char *set_fail_status(cmd_parms *cmd, void *config,
                                   const char *arg)
{
    sa_dir_conf *conf = config;
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

static const char *set_bind_capacity(cmd_parms *cmd, void *dummy,
                                     const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long v;

    (void)dummy;
    if (err) {
        return err;
    }
    v = strtol(arg, &end, 10);
    if (*end || end == arg || v < 64 || v > SB_MAX_ENTRIES) {
        return apr_psprintf(cmd->pool, "SocketIOAuthBindSidCapacity: '%s' "
                            "is not a number of sockets from 64 to %d",
                            arg, SB_MAX_ENTRIES);
    }
    sa_server_conf_of(cmd->server)->mc->bind_capacity = (apr_uint32_t)v;
    return NULL;
}

#define DIR_FIELD(f) ((void *)APR_OFFSETOF(sa_dir_conf, f))

const command_rec sa_cmds[] = {
    AP_INIT_TAKE1("SocketIOAuthHeader", set_header, NULL, OR_AUTHCFG,
        "Request header that carries the user to the backend (default "
        SA_DEFAULT_HEADER ")"),
    AP_INIT_TAKE1("SocketIOAuthFailStatus", set_fail_status, NULL, OR_AUTHCFG,
        "Status of a refused request (default 401)"),
    AP_INIT_TAKE1("SocketIOAuthLoginURL", set_login_url,
        DIR_FIELD(login_url), OR_AUTHCFG,
        "Local path a navigating browser without a session is sent to"),
    AP_INIT_FLAG("SocketIOAuthStripCookie", ap_set_flag_slot,
        DIR_FIELD(strip_cookie), OR_AUTHCFG, "Remove the session cookie "
        "before the request goes on (default Off)"),
    AP_INIT_FLAG("SocketIOAuthBindSid", ap_set_flag_slot,
        DIR_FIELD(bind_sid), OR_AUTHCFG, "Accept an Engine.IO sid only from "
        "the session whose polling handshake opened it (default On)"),
    AP_INIT_TAKE1("SocketIOAuthBindSidCapacity", set_bind_capacity, NULL,
        RSRC_CONF, "Engine.IO sockets whose binding is kept (default 16384)"),
    { NULL }
};

/* ---- after the configuration is read ---- */

void sa_config_post(apr_pool_t *pconf, server_rec *s)
{
    sa_identity_names *all = apr_pcalloc(pconf, sizeof(*all));
    server_rec *v;
    int i;

    all->names = apr_array_make(pconf, 2, sizeof(const char *));
    *(const char **)apr_array_push(all->names) = SA_DEFAULT_HEADER;
    for (v = s; v; v = v->next) {
        const apr_array_header_t *own = sa_server_conf_of(v)->headers;
        for (i = 0; i < own->nelts; i++) {
            const char *name = APR_ARRAY_IDX(own, i, const char *);
            if (!same_name_listed(all->names, name)) {
                *(const char **)apr_array_push(all->names) = name;
            }
        }
    }
    for (i = 0; i < all->names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(all->names, i, const char *);
        all->lead[sx_header_fold((unsigned char)name[0])] = 1;
    }
    for (v = s; v; v = v->next) {
        sa_server_conf_of(v)->scrub = all;
    }
}

/* ---- scope ---- */

int sa_in_scope(const request_rec *r)
{
    const char *type = ap_auth_type((request_rec *)r);
    return type && !strcasecmp(type, SA_AUTH_TYPE);
}

int sa_authorized_here(const request_rec *r)
{
    return r->user && r->ap_auth_type
           && !strcasecmp(r->ap_auth_type, SA_AUTH_TYPE);
}
