/*
 * fuzz_check.h: what every fuzz target shares.
 *
 * A property that does not hold aborts: libFuzzer then saves the input as
 * a crash, exactly as it does for a sanitizer report, so one mechanism
 * catches memory errors and wrong answers alike.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond, ...) do { \
    if (!(cond)) { \
        fprintf(stderr, "\nFUZZ_ASSERT failed at %s:%d: %s\n  ", \
                __FILE__, __LINE__, #cond); \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); \
        abort(); \
    } \
} while (0)

/* The fuzz input consumed front to back; once it runs dry every read
 * gives 0, so any prefix of an input is itself a valid input. */
typedef struct fz_input {
    const uint8_t *p;
    size_t n;
} fz_input_t;

static inline uint8_t fz_byte(fz_input_t *in)
{
    if (in->n == 0) {
        return 0;
    }
    in->n--;
    return *in->p++;
}

static inline uint32_t fz_u16(fz_input_t *in)
{
    uint32_t hi = fz_byte(in);
    return hi << 8 | fz_byte(in);
}

/* ASan gives malloc(0) a usable byte; the end of a global does trap. */
static char fz_empty[1];

/* A heap copy of exactly n bytes (plus a NUL when nul != 0), so that
 * AddressSanitizer sees a read or write one byte past what the callee was
 * given; an empty copy without NUL points just past fz_empty for the same
 * reason.  Release with fz_free. */
static inline char *fz_dup(const void *p, size_t n, int nul)
{
    char *c;

    if (n == 0 && !nul) {
        return fz_empty + 1;
    }
    c = malloc(n + (nul ? 1 : 0));
    if (c == NULL) {
        abort();
    }
    if (n) {
        memcpy(c, p, n);
    }
    if (nul) {
        c[n] = '\0';
    }
    return c;
}

static inline void fz_free(void *p)
{
    if (p != fz_empty + 1) {
        free(p);
    }
}

static inline int fz_hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

#endif
