/*
 * socketio_auth/internal.h: what the parts of mod_socketio_auth share.
 *
 * mod_socketio_auth.c holds the hooks and the module record; the rest is
 * here, one concern a file:
 *   config.c       directives, records, the server-wide list of identity
 *                  header names (post_config)
 *   identity.c     the identity header: scrubbed from every request of
 *                  every virtual host, set on the authorized ones
 *   authn.c        AuthType SocketIO: the cookie check and the refusals
 *   sid_binding.c  Engine.IO sids bound to the session that opened them:
 *                  the handshake filter, the check, the shared table
 * Per-connection state (a tunnel's filters, later) belongs in a file of
 * its own, kept in c->conn_config under socketio_auth_module.
 */
#ifndef SOCKETIO_AUTH_INTERNAL_H
#define SOCKETIO_AUTH_INTERNAL_H

#include "httpd.h"
#include "http_config.h"
#include "apr_optional.h"
#include "apr_tables.h"

#include "mod_session_store.h"
#include "socket_binding.h"

extern module AP_MODULE_DECLARE_DATA socketio_auth_module;

#define SA_AUTH_TYPE        "SocketIO"
#define SA_DEFAULT_HEADER   "X-Socketio-User"
#define SA_NOTE_USER        "SOCKETIO_USER"
#define SA_NOTE_ERROR       "SOCKETIO_AUTH_ERROR"
#define SA_NOTE_AUTHORIZED  "socketio-auth-authorized"

#define SA_DEFAULT_BIND_CAPACITY 16384

/* An unset number or flag, as in mod_authz_core: a merge takes the more
 * specific value unless it is SA_UNSET.  NULL strings are unset too. */
#define SA_UNSET (-1)

/* Settings that are global by nature: one record, the main server's,
 * shared by every virtual host. */
typedef struct sa_module_conf {
    apr_uint32_t bind_capacity;       /* SocketIOAuthBindSidCapacity */
    sb_table_t *bindings;             /* set in post_config */
} sa_module_conf;

/* The identity header names every request is cleared of. */
typedef struct sa_identity_names {
    apr_array_header_t *names;        /* const char *, one per spelling */
    unsigned char lead[256];          /* 1 at the folded first byte of a
                                         name (sx_header_fold): most
                                         headers are passed over on it */
} sa_identity_names;

typedef struct sa_server_conf {
    sa_module_conf *mc;               /* the main server's, shared */
    /* SocketIOAuthHeader names set in this server's sections (const char
     * *), .htaccess files excepted. */
    apr_array_header_t *headers;
    /* From post_config on: the names of every server and the default;
     * the same record in every server. */
    const sa_identity_names *scrub;
} sa_server_conf;

typedef struct sa_dir_conf {
    const char *header;               /* NULL: SA_DEFAULT_HEADER */
    int header_listed;                /* header is in the servers' scrub list
                                         (not set in .htaccess) */
    int fail_status;                  /* SA_UNSET: 401 */
    const char *login_url;            /* NULL: none */
    int strip_cookie;                 /* SA_UNSET: Off */
    int bind_sid;                     /* SA_UNSET: On */
} sa_dir_conf;

extern const command_rec sa_cmds[];

/* config.c */
void *sa_create_server_conf(apr_pool_t *p, server_rec *s);
void *sa_merge_server_conf(apr_pool_t *p, void *basev, void *addv);
void *sa_create_dir_conf(apr_pool_t *p, char *dir);
void *sa_merge_dir_conf(apr_pool_t *p, void *basev, void *addv);
sa_server_conf *sa_server_conf_of(const server_rec *s);
sa_dir_conf *sa_dir_conf_of(const request_rec *r);
const char *sa_header_of(const sa_dir_conf *conf);
int sa_fail_status_of(const sa_dir_conf *conf);
int sa_bind_sid_of(const sa_dir_conf *conf);
/* Gathers every server's identity header names into one list. */
void sa_config_post(apr_pool_t *pconf, server_rec *s);

/* 1 if r is in an AuthType SocketIO scope. */
int sa_in_scope(const request_rec *r);
/* 1 if r was authenticated by this module (itself, or the request it
 * inherited the user from) and has passed authorization. */
int sa_authorized_here(const request_rec *r);

/* identity.c */
/* Remove every identity header the client may have sent: the names of
 * every server in every spelling, and conf's own when it is not among
 * them (conf may be NULL). */
void sa_scrub_identity(request_rec *r, const sa_dir_conf *conf);
/* The identity header of an authorized request says user, and only it. */
void sa_set_identity(request_rec *r, const sa_dir_conf *conf,
                     const char *user);

/* authn.c */
extern APR_OPTIONAL_FN_TYPE(session_store_lookup) *sa_store_lookup;
extern APR_OPTIONAL_FN_TYPE(session_store_cookie_name) *sa_store_cookie_name;
extern APR_OPTIONAL_FN_TYPE(session_store_reason) *sa_store_reason;
void sa_retrieve_store(void);
int sa_check_authn(request_rec *r);
/* Count a refusal in mod_session_store's counters, by why (SESSION_STORE_OK:
 * a valid session that was not allowed) and the status answered. */
void sa_count_refusal(session_store_status_t why, int status);
/* Refuse r with status: the note, a log line, and a JSON body (or the
 * ErrorDocument, or a redirect to SocketIOAuthLoginURL for a navigating
 * browser when login may be offered), counted by why.  reason is what the
 * client and the log are told; NULL: the store's words for why.  Returns
 * what the hook returns. */
int sa_refuse(request_rec *r, const sa_dir_conf *conf, int status,
              session_store_status_t why, const char *reason,
              int offer_login);

/* sid_binding.c */
void sa_bind_register(apr_pool_t *p);
int sa_bind_post_config(apr_pool_t *pconf, server_rec *s);
/* For an authorized request in scope: refuse a sid bound to another
 * session, or unknown; watch the answer of a handshake.  DECLINED or what
 * the fixups hook returns for a refusal. */
int sa_bind_check(request_rec *r, const sa_dir_conf *conf);

#endif
