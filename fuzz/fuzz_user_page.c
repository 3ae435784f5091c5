/*
 * fuzz_user_page.c: core/user_page.c, the admin handler's page of users
 * from the shared-memory store's sessions in any order, against a model
 * that keeps every name: the page holds the first names after the cursor,
 * in byte order, each with all of its sessions, and the next cursor is
 * the page's last name exactly when more names follow.
 *
 * Input: byte 0 the page size (1 to 16), then names separated by 0xff
 * (the first is the cursor when byte 1 is odd), cut to 15 bytes, from a
 * small alphabet so that names repeat.
 */
#include "user_page.h"
#include "fuzz_check.h"

#define NAMES 512

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char names[NAMES][16];
    const char *sorted[NAMES];
    up_entry_t buf[17];
    up_page_t pg;
    fz_input_t in = { data, size };
    int limit = fz_byte(&in) % 16 + 1, has_cursor = fz_byte(&in) & 1;
    int n = 0, i, k, distinct = 0, first = -1;
    const char *cursor = NULL;

    while (in.n && n < NAMES) {
        size_t len = 0;
        uint8_t c;
        while (in.n && (c = fz_byte(&in)) != 0xff) {
            if (len < 15) {
                names[n][len++] = (char)('a' + c % 4);
            }
        }
        names[n][len] = '\0';
        n++;
    }
    if (has_cursor && n) {
        cursor = names[0];
    }
    up_init(&pg, buf, limit, cursor);
    for (i = cursor ? 1 : 0; i < n; i++) {
        up_add(&pg, names[i]);
    }

    /* The model: the names after the cursor, sorted, counted. */
    k = 0;
    for (i = cursor ? 1 : 0; i < n; i++) {
        if (!cursor || strcmp(names[i], cursor) > 0) {
            sorted[k++] = names[i];
        }
    }
    qsort(sorted, (size_t)k, sizeof(sorted[0]), by_name);
    for (i = 0; i < k; ) {
        int j = i;
        while (j < k && !strcmp(sorted[j], sorted[i])) {
            j++;
        }
        if (distinct < limit) {
            FUZZ_ASSERT(distinct < up_count(&pg), "entry %d missing", distinct);
            FUZZ_ASSERT(!strcmp(pg.entries[distinct].user, sorted[i]),
                        "entry %d: '%s', want '%s'", distinct,
                        pg.entries[distinct].user, sorted[i]);
            FUZZ_ASSERT(pg.entries[distinct].sessions == j - i,
                        "'%s': %ld sessions, want %d", sorted[i],
                        pg.entries[distinct].sessions, j - i);
        }
        else if (first < 0) {
            first = distinct;   /* a name beyond the page exists */
        }
        distinct++;
        i = j;
    }
    FUZZ_ASSERT(up_count(&pg) == (distinct < limit ? distinct : limit),
                "%d entries, want %d", up_count(&pg),
                distinct < limit ? distinct : limit);
    if (first >= 0) {
        FUZZ_ASSERT(up_next(&pg) && !strcmp(up_next(&pg),
                                            pg.entries[limit - 1].user),
                    "next should be the page's last name");
    }
    else {
        FUZZ_ASSERT(up_next(&pg) == NULL, "no next page expected");
    }
    return 0;
}
