# SocketIOAuthFailStatus 403 (/fail403/ in t/conf/extra.conf.in): every
# refusal gets that status, with the same JSON reason, never proxied.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

my $P = '/fail403/';
my $alice = login_cookie('alice', 'wonderland');
my ($id) = $alice =~ /s%3A([^.]+)\./;

for my $case (['no cookie', undef, 'No session cookie'],
              ['a cookie that is not signed', 'express.sid=abc', 'Malformed session cookie'],
              ['a bad signature', cookie_header('not our secret', $id), 'Bad signature'],
              ['a session not in the store', cookie_header(SECRET_OLD, random_sid()),
               'No session found']) {
    my ($name, $cookie, $reason) = @$case;
    my $m = marker();
    my $res = sio_get($cookie, $m, path => $P);
    refused_ok($res, 403, $reason, $m, "SocketIOAuthFailStatus 403, polling, $name");
    like header_value($res, 'Content-Type') // '', qr{^application/json},
        "SocketIOAuthFailStatus 403, $name: JSON";
    my $wm = marker('ws');
    refused_ok(ws_connect(cookie => $cookie, marker => $wm, path => $P), 403, $reason, $wm,
               "SocketIOAuthFailStatus 403, upgrade, $name");
}
{
    my $m = marker('log');
    sio_get(undef, $m, path => $P);
    like access_log_line($m) // '', qr{ 403 \d+ "No session cookie"},
        'the access log has the 403 and the reason';
}
{
    my $m = marker();
    is sio_get($alice, $m, path => $P)->{status}, 200, 'a valid session still passes';
    my ($rec) = backend_requests($m);
    is_deeply [backend_headers($rec || { headers => [] }, 'X-Socketio-User')], ['alice'],
        'as alice';
    my $wm = marker('ws');
    my $ws = ws_connect(cookie => $alice, marker => $wm, path => $P);
    is $ws->{status}, 101, 'and its upgrade: 101';
    close $ws->{sock} if $ws->{sock};
}
{
    my $m = marker();
    refused_ok(sio_get(undef, $m), 401, 'No session cookie', $m,
               'the default scope still answers 401');
}

done_testing;
