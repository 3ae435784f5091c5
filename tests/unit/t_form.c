/*
 * t_form.c: the login form parser.
 */
#include "../../core/session_form.h"
#include "tap.h"

static char user[16], pass[16], redir[32];
static sf_field_t fields[3];

static sf_status_t parse(const char *body, const char **bad)
{
    fields[0] = (sf_field_t){ "username", user, sizeof(user), 0, 0 };
    fields[1] = (sf_field_t){ "password", pass, sizeof(pass), 0, 1 };
    fields[2] = (sf_field_t){ "redirect", redir, sizeof(redir), 0, 0 };
    return sf_parse(body, strlen(body), fields, 3, bad);
}

int main(void)
{
    const char *bad;

    is_int(parse("username=alice&password=s3cret", &bad), SF_OK, "plain");
    is_str(user, "alice", "user");
    is_str(pass, "s3cret", "password");
    ok(!fields[2].found, "no redirect");

    is_int(parse("password=a+b%20c%26d&username=bob&x=1&redirect=%2Fchat",
                 &bad), SF_OK, "escapes, any order, unknown fields");
    is_str(pass, "a b c&d", "'+' and %%XX decoded");
    is_str(redir, "/chat", "redirect decoded");

    is_int(parse("user%6Eame=carol&password=x", &bad), SF_OK,
           "escaped field name");
    is_str(user, "carol", "found through its escaped name");

    is_int(parse("username=&password=", &bad), SF_OK, "empty values");
    ok(fields[0].found && !*user, "empty user is found, empty");

    is_int(parse("username=a&username=b&password=x", &bad), SF_DUPLICATE,
           "repeated user");
    is_str(bad, "username", "names the field");
    is_int(parse("username=a&password=x&password=y", &bad), SF_DUPLICATE,
           "repeated password");

    is_int(parse("username=aaaaaaaaaaaaaaaa&password=x", &bad), SF_TOO_LONG,
           "16 bytes do not fit in 16 with the NUL");
    is_int(parse("username=aaaaaaaaaaaaaaa&password=x", &bad), SF_OK,
           "15 do");

    is_int(parse("username=a%00b&password=x", &bad), SF_BAD_ENCODING,
           "escaped NUL");
    is_int(parse("username=a%0d%0aSet-Cookie&password=x", &bad),
           SF_BAD_ENCODING, "CR LF");
    is_int(parse("username=a%zz&password=x", &bad), SF_BAD_ENCODING,
           "bad escape");
    is_int(parse("username=a%4&password=x", &bad), SF_BAD_ENCODING,
           "half escape");
    is_int(parse("username=a&password=x%", &bad), SF_BAD_ENCODING,
           "dangling %%");
    is_int(parse("username=%C0%AFx&password=p%09q", &bad), SF_OK,
           "overlong UTF-8 bytes pass as bytes, tab allowed in a password");
    is_int(parse("username=a%09b&password=x", &bad), SF_BAD_ENCODING,
           "but not in a user name");
    {
        const char body[] = "username=a\0b&password=x";
        is_int(sf_parse(body, sizeof(body) - 1, fields, 3, &bad),
               SF_BAD_ENCODING, "raw NUL in the body");
    }
    is_int(parse("&&&=&username&password=x", &bad), SF_OK,
           "empty pairs, a name without '='");
    ok(fields[0].found && !*user, "a bare name counts as empty");
    is_int(parse("", &bad), SF_OK, "empty body");
    ok(!fields[0].found && !fields[1].found, "nothing found");
    return done_testing();
}
