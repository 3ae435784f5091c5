/*
 * t_user_page.c: one page of users by name from sessions in any order
 * (core/user_page.c), against a reference that sorts everything: every
 * page size, paged through to the end, with names repeated, shuffled, and
 * a cursor that is itself no user.
 */
#include "../../core/user_page.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>

#define USERS 300
#define SESSIONS 3000

static char names[USERS][16];
static long counts[USERS];          /* the reference, names sorted */
static const char *walk[SESSIONS];  /* the sessions, shuffled */

static int by_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void make_sessions(void)
{
    int i, k = 0;

    for (i = 0; i < USERS; i++) {
        /* Byte order, not number order: "u10" sorts before "u2". */
        snprintf(names[i], sizeof(names[i]), "u%d", i * 7 % 1000);
    }
    qsort(names, USERS, sizeof(names[0]), by_name);
    for (i = 0; i < USERS; i++) {
        counts[i] = 1 + i % 17;
    }
    for (i = 0; i < USERS && k < SESSIONS; i++) {
        long c;
        for (c = 0; c < counts[i] && k < SESSIONS; c++) {
            walk[k++] = names[i];
        }
        counts[i] = c;
    }
    for (; i < USERS; i++) {
        counts[i] = 0;
    }
    srand(7);
    for (i = k - 1; i > 0; i--) {
        int j = rand() % (i + 1);
        const char *t = walk[i];
        walk[i] = walk[j];
        walk[j] = t;
    }
    for (i = k; i < SESSIONS; i++) {
        walk[i] = NULL;
    }
}

/* Page through everything with pages of limit; 1 if it matches. */
static int pages_match(int limit)
{
    up_entry_t *buf = malloc(sizeof(*buf) * (size_t)(limit + 1));
    char after[ST_USER_MAX];
    int have_after = 0, ref = 0, pages = 0, i;

    while (1) {
        up_page_t pg;
        const char *next;

        up_init(&pg, buf, limit, have_after ? after : NULL);
        for (i = 0; i < SESSIONS && walk[i]; i++) {
            up_add(&pg, walk[i]);
        }
        pages++;
        for (i = 0; i < up_count(&pg); i++) {
            while (ref < USERS && counts[ref] == 0) {
                ref++;
            }
            if (ref == USERS || strcmp(pg.entries[i].user, names[ref])
                || pg.entries[i].sessions != counts[ref]) {
                printf("# limit %d page %d entry %d: %s %ld\n", limit, pages,
                       i, pg.entries[i].user, pg.entries[i].sessions);
                free(buf);
                return 0;
            }
            ref++;
        }
        next = up_next(&pg);
        if (!next) {
            break;
        }
        strcpy(after, next);
        have_after = 1;
    }
    while (ref < USERS && counts[ref] == 0) {
        ref++;
    }
    free(buf);
    return ref == USERS;
}

int main(void)
{
    up_entry_t buf[4];
    up_page_t pg;

    make_sessions();
    ok(pages_match(1), "pages of 1");
    ok(pages_match(2), "pages of 2");
    ok(pages_match(7), "pages of 7");
    ok(pages_match(100), "pages of 100");
    ok(pages_match(USERS - 1), "one less than all");
    ok(pages_match(USERS), "all on one page");
    ok(pages_match(USERS * 2), "a page larger than all");

    up_init(&pg, buf, 3, "bob");
    up_add(&pg, "alice");
    up_add(&pg, "bob");
    up_add(&pg, "carol");
    up_add(&pg, "bobby");
    up_add(&pg, "carol");
    is_int(up_count(&pg), 2, "only names after the cursor");
    is_str(pg.entries[0].user, "bobby", "a cursor is no prefix match");
    is_int(pg.entries[1].sessions, 2, "carol twice");
    ok(up_next(&pg) == NULL, "no next page");

    up_init(&pg, buf, 1, NULL);
    up_add(&pg, "");
    is_int(up_count(&pg), 1, "an empty name is a name");
    return done_testing();
}
