# session-store-whoami: who the request's session belongs to and when it
# ends, or 401 {"message": reason}; asking never refreshes the session
# (a page polling it must not keep an idle session alive).  The shapes are
# the ones socketio-auth-edge's client helper reads (node/client.js).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep time);
use SIOTest;

sub whoami {
    my ($cookie, %a) = @_;
    my $res = http(path => '/whoami', host => $a{host},
                   headers => [['Accept', $a{accept} || 'application/json'],
                               defined $cookie ? (['Cookie', $cookie]) : ()]);
    $res->{json} = decode_json($res->{body});
    return $res;
}

# ---- no session: 401 and the reason, always as JSON
{
    my $res = whoami(undef);
    is $res->{status}, 401, 'no cookie: 401';
    is_deeply $res->{json}, { message => 'No session cookie' }, '{"message": reason}';
    like header_value($res, 'WWW-Authenticate'), qr/^Cookie name="express\.sid"$/,
        'a 401 names its scheme';
    is header_value($res, 'Cache-Control'), 'no-store', 'never cached';
    $res = whoami(undef, accept => 'text/html');
    like header_value($res, 'Content-Type'), qr{^application/json},
        'JSON for a browser too: scripts read it';
    $res = whoami(cookie_header('not the secret', random_sid()));
    is_deeply $res->{json}, { message => 'Bad signature' }, 'a forged cookie';
    $res = whoami(cookie_header(SECRET_OLD, random_sid()));
    is_deeply $res->{json}, { message => 'No session found' }, 'no such session';
    $res = whoami(COOKIE_NAME . '=s%3A%ZZ');
    is_deeply $res->{json}, { message => 'Malformed session cookie' }, 'a broken cookie';
}

# ---- a session: the user and its two deadlines, in seconds since the epoch
{
    my $t0 = time;
    my $alice = login_cookie('alice', 'wonderland');
    my $res = whoami($alice);
    is $res->{status}, 200, 'signed in: 200';
    like header_value($res, 'Content-Type'), qr{^application/json}, 'JSON';
    is $res->{json}{user}, 'alice', 'the user';
    is_deeply [sort keys %{ $res->{json} }], [qw(expires idle_expires user)],
        'user, expires, idle_expires: nothing else';
    my ($exp, $idle) = @{ $res->{json} }{qw(expires idle_expires)};
    ok abs($exp - ($t0 + 86400)) <= 2, 'expires: login + SessionStoreMaxAge';
    ok abs($idle - ($t0 + 1800)) <= 2, 'idle_expires: last use + SessionStoreIdleTimeout';
    is http(path => '/whoami', method => 'POST', body => '',
            headers => [['Cookie', $alice]])->{status}, 405, 'POST: 405';
}

# ---- asking does not touch: the idle deadline stays, and the session ends
# idle however often it is asked about (short.test: 2 s idle timeout)
{
    my $c = login_cookie('bob', 'builder', host => 'short.test');
    my $first = whoami($c, host => 'short.test')->{json};
    is $first->{user}, 'bob', 'bob on short.test';
    sleep 1.1;
    my $second = whoami($c, host => 'short.test')->{json};
    is $second->{idle_expires}, $first->{idle_expires},
        'a second later the idle deadline has not moved';
    my $gone = wait_until(sub {
        my $r = whoami($c, host => 'short.test');
        return $r->{status} == 401 ? $r : undef;
    }, 15);
    ok $gone, 'asked every 0.1 s, the session still ends idle';
    like $gone && $gone->{json}{message}, qr/^(Session expired|No session found)$/,
        'and says so';
    # The same session used by a request that does touch it would live on:
    # a lookup of AuthType SocketIO slides it.
    my $d = login_cookie('bob', 'builder', host => 'short.test');
    my $before = whoami($d, host => 'short.test')->{json}{idle_expires};
    sleep 1.1;
    is sio_get($d, marker('touch'), host => 'short.test')->{status}, 200,
        'a socket request on the session';
    cmp_ok whoami($d, host => 'short.test')->{json}{idle_expires}, '>', $before,
        'moves the idle deadline (so the test above would see one)';
}

# ---- a session of another realm is not this one's (realm.test)
{
    my $alice = login_cookie('alice', 'wonderland');
    my $res = whoami($alice, host => 'realm.test');
    is $res->{status}, 401, 'another realm: 401';
    is $res->{json}{message}, 'No session found', 'as no session';
}

ok server_alive(), 'the server is still fine';
done_testing;
