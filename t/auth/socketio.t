# AuthType SocketIO in front of the proxied Socket.IO backend: what passes
# reaches it as the real user, what is refused never reaches it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

my $alice = login_cookie('alice', 'wonderland');

# ---- WebSocket upgrade through the proxy ----
{
    my $m = marker('ws');
    my $ws = ws_connect(cookie => $alice, marker => $m);
    is $ws->{status}, 101, 'WebSocket upgrade with a valid cookie: 101 through the proxy';
    is header_value($ws, 'Sec-WebSocket-Accept'), $ws->{expected_accept},
        'the backend\'s Sec-WebSocket-Accept arrives intact';
    is header_value($ws, 'X-Echo-Socketio-User'), 'alice',
        'the backend saw X-Socketio-User: alice';
    is header_value($ws, 'X-Echo-Socketio-User-Count'), '1', 'exactly once';
    SKIP: {
        skip 'no tunnel without a 101', 3 unless $ws->{sock};
        ws_send($ws->{sock}, '2probe');
        my ($op, $payload) = ws_recv($ws->{sock});
        is $op, 1, 'a text frame comes back through the tunnel';
        is $payload, '2probe', 'with what was sent';
        ws_send($ws->{sock}, '', 8);
        my ($close_op) = ws_recv($ws->{sock});
        is $close_op, 8, 'the close handshake goes through';
        close $ws->{sock};
    }
    my @seen = backend_requests($m);
    is scalar(@seen), 1, 'the backend got the upgrade once';
}

# ---- Engine.IO polling ----
{
    my $m = marker('poll');
    my $get = sio_get($alice, $m);
    is $get->{status}, 200, 'polling GET with a valid cookie: 200';
    my $echo = decode_json($get->{body});
    is_deeply [backend_headers($echo || { headers => [] }, 'X-Socketio-User')], ['alice'],
        'polling GET: the backend saw X-Socketio-User: alice, once';

    my $pm = marker('post');
    my $post = sio_get($alice, $pm, method => 'POST', body => '40',
                       headers => [['Content-Type', 'text/plain;charset=UTF-8']]);
    is $post->{status}, 200, 'polling POST with a valid cookie: 200';
    my ($rec) = backend_requests($pm);
    is $rec && $rec->{body}, '40', 'polling POST: the body reached the backend';
    is_deeply [backend_headers($rec || { headers => [] }, 'X-Socketio-User')], ['alice'],
        'polling POST: as alice';
}

# ---- refusals: right status, reason, and never proxied ----
{
    my ($id) = $alice =~ /s%3A([^.]+)\./;
    my $tampered = $alice;
    $tampered =~ s/(.)$/$1 eq 'A' ? 'B' : 'A'/e;
    my @cases = (
        ['no cookie', undef, 'No session cookie'],
        ['only other cookies', 'lang=en; theme=dark', 'No session cookie'],
        ['a cookie that is not signed', 'express.sid=abc', 'Malformed session cookie'],
        ['a bad signature', $tampered, 'Bad signature'],
        ['the id signed with another secret',
         cookie_header('a secret this server never had', $id), 'Bad signature'],
        ['a valid signature over an id not in the store',
         cookie_header(SECRET_OLD, random_sid()), 'No session found'],
    );
    for my $case (@cases) {
        my ($name, $cookie, $reason) = @$case;
        my $m = marker();
        my $res = sio_get($cookie, $m);
        refused_ok($res, 401, $reason, $m, "polling, $name");
        like header_value($res, 'Content-Type') // '', qr{^application/json},
            "polling, $name: JSON";
        ok defined header_value($res, 'WWW-Authenticate'),
            "polling, $name: WWW-Authenticate";
        my $wm = marker('ws');
        my $ws = ws_connect(cookie => $cookie, marker => $wm);
        refused_ok($ws, 401, $reason, $wm, "upgrade, $name");
    }
}

# ---- the access log and the error log ----
{
    my $m = marker('log');
    sio_get(undef, $m);
    my $line = access_log_line($m) // '';
    like $line, qr{^127\.0\.0\.1 - - \[}, 'access log of a refusal: no user (%u is -)';
    like $line, qr{ 401 \d+ "No session cookie"}, 'access log of a refusal: 401 and the reason';

    my $ok = marker('log');
    sio_get($alice, $ok);
    my $good = access_log_line($ok) // '';
    like $good, qr{^127\.0\.0\.1 - alice \[}, 'access log of a pass: %u is alice';
    like $good, qr{ 200 \d+ "-" "alice"$}, 'access log of a pass: no reason, SOCKETIO_USER alice';

    # the error log names the path and the reason at info
    my $pm = marker('path');
    http(path => "/socket.io/$pm/", headers => [['Cookie', 'express.sid=s%3Ax']]);
    ok wait_until(sub { error_log() =~ m{socketio_auth:info.*refused GET /socket\.io/\Q$pm\E/ from 127\.0\.0\.1: Malformed session cookie} }, 5),
        'the error log has the refusal and its reason at info';
}

ok server_alive(), 'the server is alive and no child died';

done_testing;
