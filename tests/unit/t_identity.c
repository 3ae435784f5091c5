/*
 * t_identity.c: the identity header's encoding (core/identity_header.c).
 */
#include "../../core/identity_header.h"
#include "tap.h"

#include <stdlib.h>

/* The value as mod_socketio_auth makes it: a block of exactly
 * ih_encoded_size bytes, so that valgrind sees a byte written past it. */
static char *encode(const char *name)
{
    size_t size = ih_encoded_size(name);
    char *out = malloc(size);

    if (!out || ih_encode(name, out) != out) {
        abort();
    }
    if (strlen(out) + 1 != size) {
        printf("# ih_encoded_size says %zu for a value of %zu bytes\n",
               size, strlen(out));
        abort();
    }
    return out;
}

static void check(const char *name, const char *want, const char *what)
{
    char *got = encode(name);
    is_str(got, want, "%s", what);
    is_int(ih_is_plain(name), strcmp(name, want) == 0, "%s: ih_is_plain",
           what);
    free(got);
}

static void test_plain(void)
{
    check("alice", "alice", "a plain name goes as it is");
    check("Carol O'Brien", "Carol O'Brien", "inner spaces and quotes");
    check("a%2B+b", "a%2B+b", "'%' and '+' in a plain name stay as they are");
    check("utf-8", "utf-8", "the flag's first word alone is a plain name");
    check("x UTF-8''y", "x UTF-8''y", "the flag inside a name is harmless");
    check("", "", "empty");
    check("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
          "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "every ASCII symbol");
}

static void test_encoded(void)
{
    check("jos\xc3\xa9", "UTF-8''jos%C3%A9", "josé");
    check("\xe5\x90\x8d\xe5\x89\x8d", "UTF-8''%E5%90%8D%E5%89%8D", "名前");
    check("Ren\xc3\xa9 100% +1", "UTF-8''Ren%C3%A9%20100%25%20+1",
          "'%' and space escaped, '+' an attr-char, once encoded");
    check(" alice", "UTF-8''%20alice", "a leading space");
    check("alice ", "UTF-8''alice%20", "a trailing space");
    check(" ", "UTF-8''%20", "a space alone");
    check("UTF-8''alice", "UTF-8''UTF-8%27%27alice",
          "a name that looks encoded is encoded");
    check("utf-8'en'x", "UTF-8''utf-8%27en%27x",
          "so is one with the flag in another case, or a language field");
    check("a\tb", "UTF-8''a%09b", "TAB");
    check("\x7f", "UTF-8''%7F", "DEL");
    check("\xc4", "UTF-8''%C4", "a Latin-1 byte is carried, not changed");
    check("a!#$&+-.^_`|~z", "a!#$&+-.^_`|~z", "attr-chars, plain");
    check("\xc3\xa9!#$&+-.^_`|~:;\"'()*,/<=>?@[\\]{}",
          "UTF-8''%C3%A9!#$&+-.^_`|~%3A%3B%22%27%28%29%2A%2C%2F%3C%3D%3E%3F"
          "%40%5B%5C%5D%7B%7D", "attr-chars kept, every other symbol escaped");
}

static void test_size(void)
{
    char name[96];
    char *value;

    memset(name, 0xff, sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    is_int(ih_encoded_size(name), 7 + 95 * 3 + 1,
           "95 bytes to escape: flag, 3 bytes each, NUL");
    value = encode(name);
    ok(strncmp(value, IH_FLAG, 7) == 0 && strspn(value + 7, "%F") == 285,
       "all of them escaped");
    free(value);
}

int main(void)
{
    test_plain();
    test_encoded();
    test_size();
    return done_testing();
}
