/*
 * fuzz_device.c: the login throttle's device cookie (device_cookie.c),
 * whose value comes from the client.
 *
 * Input: byte 0 picks the user name; the rest is a cookie value.  Checked:
 * dc_check never accepts a value that dc_make did not write for that user
 * (the input is accepted only if it is one of the values made here, which
 * it never is by chance), a made value is accepted for its user only, and
 * the device id copied out is the value's first DC_ID_LEN characters.
 */
#include "device_cookie.h"
#include "fuzz_check.h"

#include <string.h>

static sc_key_t key;
static char made[DC_VALUE_MAX + 1];
static size_t made_len;
static const char *const users[4] = { "alice", "bob", "", "carol@example.com" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sc_key_init(&key, "fuzz device secret", 18);
    made_len = dc_make(&key, "alice", 4000000000LL, made, sizeof(made));
    FUZZ_ASSERT(made_len > 0, "dc_make failed");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char id[DC_ID_LEN + 1];
    const char *user;
    int ok;

    if (size < 1) {
        return 0;
    }
    user = users[data[0] % 4];
    ok = dc_check(&key, 1, (const char *)data + 1, size - 1, user, 1000, id);
    if (ok) {
        FUZZ_ASSERT(size - 1 == made_len
                    && memcmp(data + 1, made, made_len) == 0
                    && strcmp(user, "alice") == 0,
                    "dc_check accepted a value dc_make did not write");
        FUZZ_ASSERT(memcmp(id, made, DC_ID_LEN) == 0 && id[DC_ID_LEN] == '\0',
                    "the device id is not the value's first part");
    }
    /* The made value: for alice only. */
    FUZZ_ASSERT(dc_check(&key, 1, made, made_len, "alice", 1000, id),
                "the made value is refused");
    FUZZ_ASSERT(!dc_check(&key, 1, made, made_len, user, 1000, id)
                || strcmp(user, "alice") == 0, "the made value is accepted "
                "for %s", user);
    return 0;
}
