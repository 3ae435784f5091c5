/*
 * session_store/config_check.c: what mod_session_store checks and derives
 * once the whole configuration is read: the refusals of check_config
 * (no secret where one is needed, a cookie prefix its attributes do not
 * fit) and each server's realm.
 */
#include "internal.h"
#include "syntax.h"

#include "http_core.h"
#include "ap_listen.h"
#include "apr_strings.h"

#include <openssl/evp.h>

APLOG_USE_MODULE(session_store);

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
        const char *prefix = sx_cookie_prefix_error(ss_cookie_name(conf),
                                                    ss_cookie_attrs(conf));

        /* Browsers drop a prefixed cookie whose attributes do not fit:
         * every login would seem to work and no session would stick. */
        if (prefix) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, "SessionStoreCookieName "
                         "%s with SessionStoreCookieAttributes \"%s\" in "
                         "server %s: %s (e.g. SessionStoreCookieAttributes "
                         "\"Secure; Path=/; HttpOnly; SameSite=Lax\", no "
                         "Domain)", ss_cookie_name(conf),
                         ss_cookie_attrs(conf), vs->server_hostname
                         ? vs->server_hostname : "", prefix);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
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
