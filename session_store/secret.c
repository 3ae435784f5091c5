/*
 * session_store/secret.c: SessionStoreSecret and SessionStoreSecretFile,
 * the keys that sign and verify session cookies.
 *
 * A key is kept as its HMAC pads (core/session_cookie.c), wiped when the
 * configuration that read it goes; a secret file must be a regular file
 * that other users cannot read.
 */
#include "internal.h"

#include "http_core.h"
#include "apr_strings.h"
#include "apr_file_io.h"
#include "apr_file_info.h"
#include "apr_lib.h"

APLOG_USE_MODULE(session_store);

/* The keys hold the secret's HMAC pads: wiped when the configuration that
 * read them goes. */
static apr_status_t wipe_keys(void *data)
{
    apr_array_header_t *keys = data;
    int i;

    for (i = 0; i < keys->nelts; i++) {
        sc_key_wipe(&APR_ARRAY_IDX(keys, i, sc_key_t));
    }
    return APR_SUCCESS;
}

static const char *add_secret(cmd_parms *cmd, ss_server_conf *conf,
                              const char *secret, size_t len)
{
    if (len == 0) {
        return apr_psprintf(cmd->pool, "%s: a secret may not be empty",
                            cmd->cmd->name);
    }
    if (!conf->keys) {
        conf->keys = apr_array_make(cmd->pool, 2, sizeof(sc_key_t));
        apr_pool_cleanup_register(cmd->pool, conf->keys, wipe_keys,
                                  apr_pool_cleanup_null);
    }
    sc_key_init(apr_array_push(conf->keys), secret, len);
    if (len < 16) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "%s on line %d of %s: a secret of %" APR_SIZE_T_FMT
                     " characters is easy to guess; use 32 or more random "
                     "characters", cmd->cmd->name,
                     cmd->directive->line_num, cmd->directive->filename, len);
    }
    return NULL;
}

static const char *claim_secret_source(cmd_parms *cmd, ss_server_conf *conf)
{
    if (conf->keys) {
        return apr_psprintf(cmd->pool, "%s: secrets were already set by %s "
                            "for this server; list every secret in one "
                            "directive (the first signs, all verify)",
                            cmd->cmd->name, conf->secret_source);
    }
    conf->secret_source = cmd->cmd->name;
    return NULL;
}

const char *ss_set_secret(cmd_parms *cmd, void *dummy, int argc,
                          char *const argv[])
{
    ss_server_conf *conf = ss_server_conf_of(cmd->server);
    const char *err;
    int i;

    (void)dummy;
    if (argc < 1) {
        return "SessionStoreSecret takes one or more secrets";
    }
    if ((err = claim_secret_source(cmd, conf)) != NULL) {
        return err;
    }
    for (i = 0; i < argc; i++) {
        if ((err = add_secret(cmd, conf, argv[i], strlen(argv[i]))) != NULL) {
            return err;
        }
    }
    return NULL;
}

/* The file must be a regular file that no one but its owner can read:
 * not other users, and not its group either (a group such as www-data or
 * adm may hold the web server's or a log reader's account).  For the
 * secret files: SessionStoreSecretFile, SessionStoreRedisAuthFile. */
const char *ss_open_private_file(cmd_parms *cmd, const char *path,
                                 apr_file_t **f)
{
    const char *name = cmd->cmd->name;
    apr_finfo_t finfo;
    apr_status_t rv;

    rv = apr_stat(&finfo, path, APR_FINFO_PROT | APR_FINFO_TYPE, cmd->pool);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read %s: %pm", name, path,
                            &rv);
    }
    if (finfo.filetype != APR_REG) {
        return apr_psprintf(cmd->pool, "%s: %s is not a regular file", name,
                            path);
    }
    if (finfo.protection & (APR_FPROT_WREAD | APR_FPROT_GREAD)) {
        return apr_psprintf(cmd->pool, "%s: %s is readable by %s; run chmod "
                            "600 %s (owned by the user httpd starts as, root "
                            "for a system service)", name, path,
                            (finfo.protection & APR_FPROT_WREAD)
                            ? "every user" : "its group", path);
    }
    rv = apr_file_open(f, path, APR_FOPEN_READ, APR_OS_DEFAULT, cmd->pool);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot open %s: %pm", name, path,
                            &rv);
    }
    return NULL;
}

const char *ss_set_secret_file(cmd_parms *cmd, void *dummy,
                               const char *arg)
{
    ss_server_conf *conf = ss_server_conf_of(cmd->server);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    const char *err;
    apr_file_t *f;
    char line[4096];
    int n = 0;

    (void)dummy;
    if (!path) {
        return apr_psprintf(cmd->pool, "SessionStoreSecretFile: invalid "
                            "path %s", arg);
    }
    if ((err = claim_secret_source(cmd, conf)) != NULL
        || (err = ss_open_private_file(cmd, path, &f)) != NULL) {
        return err;
    }
    while (!err && apr_file_gets(line, sizeof(line), f) == APR_SUCCESS) {
        apr_size_t len = strlen(line);

        if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
            err = apr_psprintf(cmd->pool, "SessionStoreSecretFile: %s has "
                               "a line longer than %d bytes", path,
                               (int)sizeof(line) - 2);
            break;
        }
        while (len > 0 && apr_isspace(line[len - 1])) {
            line[--len] = '\0';
        }
        if (len > 0 && line[0] != '#') {
            err = add_secret(cmd, conf, line, len);
            n++;
        }
    }
    memset(line, 0, sizeof(line));
    apr_file_close(f);
    if (!err && n == 0) {
        err = apr_psprintf(cmd->pool, "SessionStoreSecretFile: %s holds no "
                           "secret (one a line; the first signs)", path);
    }
    return err;
}
