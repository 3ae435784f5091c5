# httpd's own authorization on top of AuthType SocketIO, the login
# redirect for navigating browsers, SocketIOAuthStripCookie.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

my $alice = login_cookie('alice', 'wonderland');
my $bob = login_cookie('bob', 'builder');

sub user_seen {
    my $m = shift;
    my ($rec) = backend_requests($m);
    return $rec ? [backend_headers($rec, 'X-Socketio-User')] : undef;
}

# ---- Require user bob ----
{
    my $m = marker();
    my $res = sio_get($alice, $m, path => '/only-bob/');
    is $res->{status}, 403, 'Require user bob: alice gets 403';
    ok !backend_requests($m), 'Require user bob: alice never reaches the backend';
    my $wm = marker('ws');
    my $ws = ws_connect(cookie => $alice, marker => $wm, path => '/only-bob/');
    is $ws->{status}, 403, 'Require user bob: alice\'s upgrade gets 403';
    ok !backend_requests($wm), 'Require user bob: nor does her upgrade';

    my $bm = marker();
    is sio_get($bob, $bm, path => '/only-bob/')->{status}, 200, 'Require user bob: bob passes';
    is_deeply user_seen($bm), ['bob'], 'Require user bob: as bob';

    my $nm = marker();
    refused_ok(sio_get(undef, $nm, path => '/only-bob/'), 401, 'No session cookie', $nm,
               'Require user bob: no session');

    # The session was good: the access log names alice and says why she
    # was refused, as the README promises for AuthzSendForbiddenOnFailure
    # On (httpd calls note_auth_failure only on its 401 path).
    my $line = access_log_line($m) // '';
    like $line, qr{^127\.0\.0\.1 - alice \[.* 403 \d+ },
        'Require user bob: the access log has alice and 403';
    like $line, qr{ 403 \d+ "Not authorized"},
        'Require user bob: the access log says "Not authorized"';

    # A 403 of the application itself, to a user httpd let through, is
    # not an authorization failure of ours.
    my $am = marker();
    my $app = http(path => "/only-bob/?EIO=4&transport=polling&t=$am&respond=403",
                   headers => [['Cookie', $bob]]);
    is $app->{status}, 403, 'the backend refuses bob itself: 403';
    ok scalar(backend_requests($am)), 'that request did reach the backend';
    like access_log_line($am) // '', qr{ - bob \[.* 403 \d+ "-" "bob"$},
        'the access log has no SOCKETIO_AUTH_ERROR for the backend\'s own 403';
}

# ---- the same without AuthzSendForbiddenOnFailure: refused all the same ----
{
    my $m = marker();
    my $res = sio_get($alice, $m, path => '/bob-default/');
    ok $res->{status} == 401 || $res->{status} == 403,
        "Require user bob, httpd's default: alice gets 401 or 403 (got $res->{status})";
    ok !backend_requests($m), "Require user bob, httpd's default: not proxied";
    like access_log_line($m) // '', qr{ $res->{status} \d+ "Not authorized"},
        "Require user bob, httpd's default: the access log says \"Not authorized\"";
    unlike error_log(), qr/AH01796|configured without corresponding module/,
        "Require user bob, httpd's default: no 'configured without module' error";
    my $bm = marker();
    is sio_get($bob, $bm, path => '/bob-default/')->{status}, 200,
        "Require user bob, httpd's default: bob passes";
}

# ---- Require group wizards (AuthGroupFile: alice is a wizard) ----
{
    my $am = marker();
    is sio_get($alice, $am, path => '/wizards/')->{status}, 200,
        'Require group wizards: alice passes';
    is_deeply user_seen($am), ['alice'], 'Require group wizards: as alice';
    my $bm = marker();
    is sio_get($bob, $bm, path => '/wizards/')->{status}, 403,
        'Require group wizards: bob gets 403';
    ok !backend_requests($bm), 'Require group wizards: bob never reaches the backend';
}

# ---- SocketIOAuthLoginURL: a redirect for pages, a status for the rest ----
{
    my @nav = (
        ['Sec-Fetch-Mode: navigate', [['Sec-Fetch-Mode', 'navigate'], ['Accept', 'text/html']]],
        ['Accept text/html, no Sec-Fetch-Mode', [['Accept', 'text/html,application/xhtml+xml,*/*;q=0.8']]],
    );
    for my $n (@nav) {
        my ($name, $h) = @$n;
        my $m = marker();
        my $res = sio_get(undef, $m, path => '/app/', headers => $h);
        is $res->{status}, 302, "login URL, $name: 302";
        is header_value($res, 'Location'), '/login.html', "login URL, $name: to /login.html";
        ok !backend_requests($m), "login URL, $name: not proxied";
    }
    my @api = (
        ['XHR (Sec-Fetch-Mode: cors, Accept text/html)',
         [['Sec-Fetch-Mode', 'cors'], ['Accept', 'text/html']]],
        ['fetch with Accept */*', [['Accept', '*/*']]],
        ['no Accept at all', []],
        ['POST from a page', [['Sec-Fetch-Mode', 'navigate'], ['Accept', 'text/html']], 'POST'],
    );
    for my $a (@api) {
        my ($name, $h, $method) = @$a;
        my $m = marker();
        refused_ok(sio_get(undef, $m, path => '/app/', headers => $h,
                           method => $method, body => $method ? '1:6' : undef),
                   401, 'No session cookie', $m, "login URL, $name");
    }
    my $wm = marker('ws');
    my $ws = ws_connect(marker => $wm, path => '/app/',
                        headers => [['Sec-Fetch-Mode', 'navigate'], ['Accept', 'text/html']]);
    refused_ok($ws, 401, 'No session cookie', $wm, 'login URL, WebSocket upgrade');

    my $bad = marker();
    my $res = sio_get('express.sid=s%3Ax.y', $bad, path => '/app/',
                      headers => [['Sec-Fetch-Mode', 'navigate']]);
    is $res->{status}, 302, 'login URL, navigation with a broken cookie: 302 too';

    my $ok = marker();
    is sio_get($alice, $ok, path => '/app/',
               headers => [['Sec-Fetch-Mode', 'navigate']])->{status}, 200,
        'login URL, navigation with a session: 200';

    my $plain = marker();
    refused_ok(sio_get(undef, $plain, headers => [['Sec-Fetch-Mode', 'navigate']]),
               401, 'No session cookie', $plain,
               'no SocketIOAuthLoginURL: navigation gets the 401');
}

# ---- SocketIOAuthStripCookie On ----
{
    my $m = marker();
    my $res = sio_get("lang=en; $alice; theme=dark", $m, path => '/strip/');
    is $res->{status}, 200, 'StripCookie: the session still authenticates';
    my ($rec) = backend_requests($m);
    $rec ||= { headers => [] };
    is_deeply [backend_headers($rec, 'Cookie')], ['lang=en; theme=dark'],
        'StripCookie: the backend gets the other cookies, not express.sid';
    is_deeply [backend_headers($rec, 'X-Socketio-User')], ['alice'], 'StripCookie: as alice';

    my $only = marker();
    sio_get($alice, $only, path => '/strip/');
    my ($rec2) = backend_requests($only);
    is_deeply [backend_headers($rec2 || { headers => [] }, 'Cookie')], [],
        'StripCookie: no Cookie header left when express.sid was the only one';

    my $keep = marker();
    sio_get("lang=en; $alice", $keep);
    my ($rec3) = backend_requests($keep);
    like join(';', backend_headers($rec3 || { headers => [] }, 'Cookie')), qr/express\.sid=/,
        'StripCookie Off (the default): the backend gets express.sid';
}

done_testing;
