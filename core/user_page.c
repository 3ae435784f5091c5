/*
 * user_page.c: one page of users by name, in memory bounded by the page.
 */
#include "user_page.h"

#include <string.h>

void up_init(up_page_t *pg, up_entry_t *buf, int limit, const char *after)
{
    pg->entries = buf;
    pg->n = 0;
    pg->cap = limit + 1;
    pg->after = after;
}

/* The first entry whose name is >= user. */
static int lower_bound(const up_page_t *pg, const char *user, int *equal)
{
    int lo = 0, hi = pg->n;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(pg->entries[mid].user, user) < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    *equal = lo < pg->n && strcmp(pg->entries[lo].user, user) == 0;
    return lo;
}

void up_add(up_page_t *pg, const char *user)
{
    int equal, at;
    size_t len = strlen(user);

    if ((pg->after && strcmp(user, pg->after) <= 0) || len >= ST_USER_MAX) {
        return;
    }
    at = lower_bound(pg, user, &equal);
    if (equal) {
        pg->entries[at].sessions++;
        return;
    }
    if (at == pg->cap) {
        return;   /* after every name kept, and the page is full */
    }
    if (pg->n == pg->cap) {
        pg->n--;  /* the last name falls off for good */
    }
    memmove(&pg->entries[at + 1], &pg->entries[at],
            (size_t)(pg->n - at) * sizeof(pg->entries[0]));
    memcpy(pg->entries[at].user, user, len + 1);
    pg->entries[at].sessions = 1;
    pg->n++;
}

int up_count(const up_page_t *pg)
{
    return pg->n < pg->cap ? pg->n : pg->cap - 1;
}

const char *up_next(const up_page_t *pg)
{
    return pg->n == pg->cap ? pg->entries[pg->cap - 2].user : NULL;
}
