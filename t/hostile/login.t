# Hostile login forms: repeated, overlong, binary and badly escaped
# fields, oversized and chunked bodies.  Each is a 4xx without a session,
# never a 5xx, and the server keeps running.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

sub form_post {
    my ($body, %a) = @_;
    return http(method => 'POST', path => '/login',
                headers => [['Content-Type', 'application/x-www-form-urlencoded'],
                            ['Accept', 'application/json'], @{ $a{headers} || [] }],
                body => $body, no_length => $a{no_length});
}

# [name, body, expected status]
my @cases = (
    ['a repeated username',         'username=alice&username=bob&password=wonderland', 400],
    ['a repeated username, same value', 'username=alice&username=alice&password=wonderland', 400],
    ['a repeated password',         'username=alice&password=x&password=wonderland', 400],
    ['a repeated redirect',         'username=alice&password=wonderland&redirect=/a&redirect=/b', 400],
    ['a repeat through an escaped name', 'username=bob&user%6Eame=alice&password=wonderland', 400],
    ['a 96-byte username',          'username=' . ('a' x 96) . '&password=wonderland', 400],
    ['a 5000-byte username',        'username=' . ('a' x 5000) . '&password=wonderland', 400],
    ['a 2000-byte password',        'username=alice&password=' . ('p' x 2000), 400],
    ['a NUL in the username',       'username=ali%00ce&password=wonderland', 400],
    ['a raw NUL in the body',       "username=alice\0&password=wonderland", 400],
    ['a raw control byte',          "username=alice\x01&password=wonderland", 400],
    ['an escaped newline',          'username=alice%0A&password=wonderland', 400],
    ['an escaped DEL',              'username=alice%7F&password=wonderland', 400],
    ['an invalid escape',           'username=%ZZalice&password=wonderland', 400],
    ['a truncated escape',          'username=alice&password=wonderland%4', 400],
    ['a lone percent',              'username=alice&password=%', 400],
    ['8-bit bytes (not a user)',    "username=\xff\xfe\xc0\xae&password=wonderland", 401],
    ['overlong UTF-8 in the name',  'username=%C0%AEalice&password=wonderland', 401],
    ['a password with the user\'s prefix', 'username=alice&password=wonderland%00x', 400],
    ['only separators',             '&&&&===&&', 400],
    ['no "=" at all',               'username&password', 400],
);

for my $case (@cases) {
    my ($name, $body, $want) = @$case;
    my $res = form_post($body);
    is $res->{status}, $want, "$name: $want";
    is scalar(set_cookies($res)), 0, "$name: no session";
}

# The field name is decoded like the value, so an escaped name is the
# same field (and a correct login); unknown fields are ignored.
is form_post('user%6Eame=alice&password=wonderland')->{status}, 200,
    'an escaped field name is that field';
is form_post('x=1&username=alice&y=%ZZ&password=wonderland&z')->{status}, 200,
    'other fields are ignored, even badly escaped';
is form_post('username=alice&password=wonderland&password2=x&username_=y')->{status}, 200,
    'names that only start like a field are other fields';

# ---- body sizes (SessionStoreLoginMaxBody 8192, the default) ----
{
    my $pad = 'pad=' . ('x' x 9000);
    my $res = form_post("username=alice&password=wonderland&$pad");
    is $res->{status}, 413, 'a 9 kB form: 413';
    is scalar(set_cookies($res)), 0, 'a 9 kB form: no session';

    my $big = http(method => 'POST', path => '/login',
                   headers => [['Content-Type', 'application/x-www-form-urlencoded'],
                               ['Content-Length', '100000000']],
                   body => 'username=alice&password=wonderland', no_length => 1,
                   timeout => 10);
    is $big->{status}, 413, 'Content-Length 100 MB with a small body: 413 at once';

    my $fits = 'username=alice&password=wonderland&pad=' . ('x' x (8192 - 39));
    is length($fits), 8192, '(a form of exactly 8192 bytes)';
    is form_post($fits)->{status}, 200, 'a form of exactly SessionStoreLoginMaxBody bytes: accepted';
}

# ---- chunked bodies ----
sub chunked { join('', map { sprintf("%x\r\n%s\r\n", length $_, $_) } @_) . "0\r\n\r\n" }
{
    my $res = form_post(chunked('username=al', 'ice&pass', 'word=wonderland'),
                        headers => [['Transfer-Encoding', 'chunked']], no_length => 1);
    is $res->{status}, 200, 'a chunked login form: 200';
    is scalar(set_cookies($res)), 1, 'a chunked login form: a session';

    my $big = form_post(chunked('username=alice&password=wonderland&pad=', ('x' x 1000) x 10),
                        headers => [['Transfer-Encoding', 'chunked']], no_length => 1);
    is $big->{status}, 413, 'a chunked form over 8192 bytes: 413';
    is scalar(set_cookies($big)), 0, 'a chunked form over 8192 bytes: no session';

    my $bad = form_post("zz\r\nusername=alice\r\n0\r\n\r\n",
                        headers => [['Transfer-Encoding', 'chunked']], no_length => 1);
    ok $bad->{status} >= 400 && $bad->{status} < 500,
        "a broken chunk size: a 4xx (got $bad->{status})";
}

ok server_alive(), 'the server is alive and no child died';

done_testing;
