/*
 * session_form.h: the login form, application/x-www-form-urlencoded.
 *
 * Plain C, no httpd: the form arrives from the client as it is, so this is
 * fuzzed on its own.  Only the fields asked for are decoded; a field that
 * is repeated, too long, badly escaped or holds a NUL or control byte makes
 * the whole form invalid, since guessing which copy the user meant is how
 * parser differentials start.  TAB is accepted only in fields that ask for
 * it (a password), so that no user name can forge columns in a log.
 */
#ifndef SESSION_FORM_H
#define SESSION_FORM_H

#include <stddef.h>

/* Longest field name a form may ask for (SessionStoreLoginFields). */
#define SF_NAME_MAX 63

typedef enum {
    SF_OK = 0,
    SF_BAD_ENCODING,   /* bad %XX escape, NUL or control byte */
    SF_DUPLICATE,      /* a wanted field given twice */
    SF_TOO_LONG        /* a wanted field longer than its buffer */
} sf_status_t;

typedef struct sf_field {
    const char *name;   /* in: field name */
    char       *value;  /* in: buffer; out: decoded, NUL-terminated */
    size_t      size;   /* in: buffer size, NUL included */
    int         found;  /* out: 1 if present (possibly empty) */
    int         allow_tab; /* in: 1 to accept TAB (a password may hold one) */
} sf_field_t;

/* Parse body (len bytes, need not be NUL-terminated).  On anything but
 * SF_OK, *bad_field names the field at fault (or NULL). */
sf_status_t sf_parse(const char *body, size_t len, sf_field_t *fields,
                     int nfields, const char **bad_field);

const char *sf_status_reason(sf_status_t st);

#endif
