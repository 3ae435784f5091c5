/*
 * user_page.h: one page of a listing of users by name, with their session
 * counts, gathered from a walk over sessions in any order.
 *
 * Plain C, no httpd.  The shared-memory store has no index by name, so
 * listing its users walks every session; with a million of them the
 * listing must not hold every name at once.  This keeps only the first
 * limit + 1 names after the cursor, sorted: a name that falls off the end
 * can never come back into the page (names only get smaller), so the
 * counts of the names kept are complete.
 */
#ifndef USER_PAGE_H
#define USER_PAGE_H

#include "session_table.h"

typedef struct up_entry {
    char user[ST_USER_MAX];
    long sessions;
} up_entry_t;

typedef struct up_page {
    up_entry_t *entries;      /* sorted by name (byte order) */
    int n;                    /* in use */
    int cap;                  /* limit + 1: one more tells a next page */
    const char *after;        /* only names after this; NULL: all */
} up_page_t;

/* buf holds limit + 1 entries (limit >= 1). */
void up_init(up_page_t *pg, up_entry_t *buf, int limit, const char *after);

/* Count one session of user (NUL-terminated, shorter than ST_USER_MAX). */
void up_add(up_page_t *pg, const char *user);

/* How many entries belong to the page (at most limit), and the cursor of
 * the next page: the page's last name, or NULL after the last page. */
int up_count(const up_page_t *pg);
const char *up_next(const up_page_t *pg);

#endif
