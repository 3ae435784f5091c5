/*
 * fuzz_table_common.h: ids, users and clocks for the session table
 * targets.
 */
#ifndef FUZZ_TABLE_COMMON_H
#define FUZZ_TABLE_COMMON_H

#include "session_table.h"
#include "fuzz_check.h"

#define SEC          1000000LL
#define FZ_NIDS      24
#define FZ_NUSERS    5
#define FZ_MAX_CAP   16
#define FZ_MAX_OPS   2000
#define FZ_EPOCH     (1700000000LL * SEC)

static const char fz_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Id number n of the pool.  Each 4-character group encodes n and its own
 * position, so no two ids share a group at the same place: an id pieced
 * together from two others (a torn write) is never a third one. */
static inline void fz_make_id(int n, char id[ST_ID_LEN + 1])
{
    int g, c;
    for (g = 0; g < ST_ID_LEN / 4; g++) {
        uint32_t v = (uint32_t)n * 8 + (uint32_t)g + 0x5a5a00u;
        for (c = 0; c < 4; c++) {
            id[g * 4 + c] = fz_b64url[(v >> (6 * (3 - c))) & 63];
        }
    }
    id[ST_ID_LEN] = '\0';
}

/* The id pool of a table target, ids[], and the LLVMFuzzerInitialize
 * that makes it once. */
#define FZ_TABLE_IDS_INIT                                    \
    static char ids[FZ_NIDS][ST_ID_LEN + 1];                 \
    int LLVMFuzzerInitialize(int *argc, char ***argv)        \
    {                                                        \
        int i;                                               \
        (void)argc;                                          \
        (void)argv;                                          \
        for (i = 0; i < FZ_NIDS; i++) {                      \
            fz_make_id(i, ids[i]);                           \
        }                                                    \
        return 0;                                            \
    }

/* Ids the table must refuse: a character outside base64url, one short,
 * one long. */
static inline void fz_make_bad_id(int kind, char id[ST_ID_LEN + 2])
{
    fz_make_id(kind, id);
    switch (kind % 3) {
    case 0: id[kind % ST_ID_LEN] = '='; break;
    case 1: id[ST_ID_LEN - 1] = '\0'; break;
    default: id[ST_ID_LEN] = 'A'; id[ST_ID_LEN + 1] = '\0'; break;
    }
}

/* The last user fills ST_USER_MAX exactly, NUL included. */
static const char *const fz_users[FZ_NUSERS] = {
    "alice", "bob", "", "carol@example.com",
    "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu",
};

static const char *const fz_remotes[2] = {
    "127.0.0.1", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
};

static const uint32_t fz_idle_choices[8] = {
    0, 1, 2, 5, 30, 60, 1800, UINT32_MAX
};
static const uint32_t fz_max_age_choices[8] = {
    0, 1, 3, 10, 60, 3600, 86400, UINT32_MAX
};

/* A table of capacity sessions in its own heap block. */
static inline void *fz_table_new(st_table_t *t, uint32_t capacity,
                                 uint64_t seed, size_t *size)
{
    void *mem;
    *size = st_table_size(capacity);
    mem = aligned_alloc(64, (*size + 63) & ~(size_t)63);
    FUZZ_ASSERT(mem != NULL, "out of memory");
    FUZZ_ASSERT(st_table_init(t, mem, *size, capacity, seed) == 0,
                "st_table_init failed");
    return mem;
}

static inline void fz_table_check(st_table_t *t, const char *after)
{
    char err[256];
    FUZZ_ASSERT(st_check(t, err, sizeof(err)) == 0,
                "st_check after %s: %s", after, err);
}

/* Moves the fake clock: forwards by tenths of seconds, seconds or
 * minutes, or back by tenths (wall clocks are stepped). */
static inline int64_t fz_clock_step(int64_t now, uint8_t b)
{
    int64_t amount = b >> 2;
    switch (b & 3) {
    case 0: return now + amount * (SEC / 10);
    case 1: return now + amount * SEC;
    case 2: return now + amount * 60 * SEC;
    default: return now - amount * (SEC / 10);
    }
}

#endif
