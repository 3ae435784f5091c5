# SessionStoreCookieName and SessionStoreCookieAttributes, set for the
# name-based virtual host cookies.test of t/conf/extra.conf.in (they are
# server-scope): the login sets that cookie with exactly those attributes,
# the host reads only that name, the logout expires it on the same path.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

my $HOST = 'cookies.test';
my $RE = qr{^app\.sid=s%3A([A-Za-z0-9_-]{32})\.([A-Za-z0-9%]+); Path=/socket\.io/; Secure; SameSite=Strict$};

my $res = login('alice', 'wonderland', host => $HOST);
is $res->{status}, 303, "login on $HOST: 303";
my @cookies = set_cookies($res);
is scalar(@cookies), 1, "login on $HOST: one Set-Cookie";
like $cookies[0] // '', $RE,
    "login on $HOST: app.sid=s%3A<id>.<sig>; Path=/socket.io/; Secure; SameSite=Strict";
unlike $cookies[0] // '', qr/HttpOnly|express\.sid/i,
    "login on $HOST: the default attributes are replaced, not added to";
my ($pair) = ($cookies[0] // '') =~ /^([^;]+)/;
$pair //= 'app.sid=none';
(my $as_express = $pair) =~ s/^app\.sid=/express.sid=/;

{
    my $m = marker();
    is sio_get($pair, $m, host => $HOST)->{status}, 200, "app.sid opens /socket.io/ on $HOST";
    my ($rec) = backend_requests($m);
    is_deeply [backend_headers($rec || { headers => [] }, 'X-Socketio-User')], ['alice'],
        "on $HOST: as alice";
}
{
    my $m = marker();
    refused_ok(sio_get($as_express, $m, host => $HOST), 401, 'No session cookie', $m,
               "the same value as express.sid on $HOST");
    my $both = marker();
    is sio_get("express.sid=junk; $pair", $both, host => $HOST)->{status}, 200,
        "on $HOST an express.sid next to app.sid is just another cookie";
    my $main = marker();
    refused_ok(sio_get($pair, $main), 401, 'No session cookie', $main,
               'app.sid on the main host, which reads express.sid');
    my $main_ok = marker();
    is sio_get($as_express, $main_ok)->{status}, 200,
        'the same session as express.sid on the main host (one store, one secret)';
}
{
    my $out = http(path => '/logout', host => $HOST, headers => [['Cookie', $pair]]);
    is $out->{status}, 200, "logout on $HOST: 200";
    my ($expire) = set_cookies($out);
    like $expire // '', qr{^app\.sid=; Path=/socket\.io/; Secure; SameSite=Strict; Max-Age=0},
        "logout on $HOST: app.sid emptied with the same attributes, Max-Age=0";
    my $m = marker();
    refused_ok(sio_get($pair, $m, host => $HOST), 401, 'No session found', $m,
               "after the logout on $HOST");
}

done_testing;
