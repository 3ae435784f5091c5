# The login, logout and status handlers of mod_session_store.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Digest::SHA qw(hmac_sha256_base64);
use SIOTest;

my $COOKIE_RE = qr{^express\.sid=s%3A([A-Za-z0-9_-]{32})\.([A-Za-z0-9%]+); Path=/; HttpOnly; SameSite=Lax$};

# ---- a good form login ----
{
    my $res = login('alice', 'wonderland');
    is $res->{status}, 303, 'form login: 303 See Other';
    is header_value($res, 'Location'), '/home.html',
        'form login: Location is SessionStoreLoginRedirect';
    my @cookies = set_cookies($res);
    is scalar(@cookies), 1, 'form login: one Set-Cookie';
    like $cookies[0] // '', $COOKIE_RE,
        'form login: express.sid=s%3A<32-char id>.<sig>; Path=/; HttpOnly; SameSite=Lax';
    my ($id, $sig) = ($cookies[0] // '') =~ $COOKIE_RE;
    (my $sig_decoded = $sig // '') =~ s/%([0-9A-F]{2})/chr hex $1/ge;
    is $sig_decoded, hmac_sha256_base64($id // '', SECRET_OLD),
        'form login: the signature is HMAC-SHA256 of the id with the secret, base64, no padding';
    like header_value($res, 'Cache-Control') // '', qr/no-store/,
        'form login: Cache-Control no-store';

    my ($pair) = ($cookies[0] // '') =~ /^([^;]+)/;
    my $m = marker();
    my $poll = sio_get($pair, $m);
    is $poll->{status}, 200, 'the cookie of the login opens /socket.io/';
    my ($rec) = backend_requests($m);
    is_deeply [backend_headers($rec || { headers => [] }, 'X-Socketio-User')],
        ['alice'], 'and the backend is told it is alice';
}

# ---- the redirect field ----
{
    my $res = login(undef, undef, fields => [username => 'alice',
        password => 'wonderland', redirect => '/chat/room?x=1']);
    is $res->{status}, 303, 'login with a local redirect: 303';
    is header_value($res, 'Location'), '/chat/room?x=1',
        'login with a local redirect: Location is that path';
}

# ---- JSON ----
{
    my $res = login('alice', 'wonderland', accept => 'application/json');
    is $res->{status}, 200, 'JSON login: 200';
    like header_value($res, 'Content-Type') // '', qr{^application/json},
        'JSON login: application/json';
    is_deeply decode_json($res->{body}), { user => 'alice' },
        'JSON login: {"user":"alice"}';
    like((set_cookies($res))[0] // '', $COOKIE_RE, 'JSON login: the cookie is set');
}

# ---- failures ----
{
    my $before = status_json();
    my %answers;
    for my $case (['alice', 'not-the-password', 'wrong password'],
                  ['mallory', 'wonderland', 'unknown user']) {
        my ($user, $pass, $name) = @$case;
        my $res = login($user, $pass, accept => 'application/json');
        is $res->{status}, 401, "$name: 401";
        is_deeply decode_json($res->{body}),
            { message => 'Invalid user name or password' },
            "$name: {\"message\":\"Invalid user name or password\"}";
        is scalar(set_cookies($res)), 0, "$name: no Set-Cookie";
        $answers{$name} = $res->{body};
    }
    is $answers{'wrong password'}, $answers{'unknown user'},
        'a wrong password and an unknown user get the same answer';
    my $html = login('alice', 'nope', accept => 'text/html');
    is $html->{status}, 401, 'wrong password, HTML: 401';
    like header_value($html, 'Content-Type') // '', qr{^text/html},
        'wrong password, HTML: text/html';
    like $html->{body}, qr/Invalid user name or password/,
        'wrong password, HTML: the message';
    my $after = status_json();
    is $after->{login_failures} - $before->{login_failures}, 3,
        'the status counts the 3 failed logins';
    is $after->{logins}, $before->{logins}, 'and no login';
}

# ---- malformed requests ----
for my $case ([[username => 'alice'], 'no password'],
              [[password => 'wonderland'], 'no username'],
              [[username => 'alice', password => ''], 'empty password'],
              [[username => '', password => 'wonderland'], 'empty username'],
              [[], 'empty form']) {
    my ($fields, $name) = @$case;
    my $res = login(undef, undef, fields => $fields,
                    accept => 'application/json');
    is $res->{status}, 400, "$name: 400";
    is scalar(set_cookies($res)), 0, "$name: no Set-Cookie";
}
{
    my $res = http(path => '/login');
    is $res->{status}, 405, 'GET on the login: 405';
    like header_value($res, 'Allow') // '', qr/\bPOST\b/,
        'GET on the login: Allow names POST';
}
for my $type ('application/json', 'text/plain', 'multipart/form-data; boundary=x',
              'application/x-www-form-urlencodedx', undef) {
    my @h = defined $type ? (['Content-Type', $type]) : ();
    my $res = http(method => 'POST', path => '/login', headers => \@h,
                   body => 'username=alice&password=wonderland');
    is $res->{status}, 415, 'Content-Type ' . ($type // '(none)') . ': 415';
    is scalar(set_cookies($res)), 0, 'Content-Type ' . ($type // '(none)') . ': no Set-Cookie';
}
{
    my $res = http(method => 'POST', path => '/login',
                   headers => [['Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8']],
                   body => 'username=alice&password=wonderland');
    is $res->{status}, 303, 'Content-Type with a charset parameter is a form: 303';
}

# ---- logout ----
{
    my $cookie = login_cookie('alice', 'wonderland');
    my $before = status_json();
    my $res = http(path => '/logout', headers => [['Cookie', $cookie]]);
    is $res->{status}, 200, 'logout: 200';
    is_deeply decode_json($res->{body}), { message => 'Logged out' },
        'logout: {"message":"Logged out"}';
    my ($expire) = set_cookies($res);
    like $expire // '', qr/^express\.sid=;/, 'logout: the cookie is emptied';
    like $expire // '', qr/Max-Age=0/, 'logout: Max-Age=0';
    like $expire // '', qr/Expires=Thu, 01 Jan 1970 00:00:00 GMT/,
        'logout: Expires in 1970';
    like $expire // '', qr/Path=\//, 'logout: on the same Path';
    is status_json()->{logouts} - $before->{logouts}, 1,
        'the status counts the logout';

    my $m = marker();
    refused_ok(sio_get($cookie, $m), 401, 'No session found', $m,
               'the handshake with the cookie after logout');
    my $ws_m = marker();
    my $ws = ws_connect(cookie => $cookie, marker => $ws_m);
    refused_ok($ws, 401, 'No session found', $ws_m,
               'the WebSocket upgrade with the cookie after logout');

    my $post = http(method => 'POST', path => '/logout', body => '');
    is $post->{status}, 200, 'POST logout without a session: 200';
    my $put = http(method => 'PUT', path => '/logout', body => 'x');
    is $put->{status}, 405, 'PUT logout: 405';
    my %allow = map { $_ => 1 } split /,\s*/, header_value($put, 'Allow') // '';
    ok $allow{GET} && $allow{POST}, 'PUT logout: Allow names GET and POST';

    my $cookie2 = login_cookie('alice', 'wonderland');
    my $redir = http(path => '/logout-to-page', headers => [['Cookie', $cookie2]]);
    is $redir->{status}, 303, 'SessionStoreLogoutRedirect: 303';
    is header_value($redir, 'Location'), '/bye.html',
        'SessionStoreLogoutRedirect: Location';
    my $m2 = marker();
    refused_ok(sio_get($cookie2, $m2), 401, 'No session found', $m2,
               'that session is gone too');
}

# ---- no session fixation ----
{
    my $first = login_cookie('alice', 'wonderland');
    my $res = login('alice', 'wonderland', cookie => $first);
    is $res->{status}, 303, 'login while holding a session: 303';
    my ($second) = map { /^([^;]+)/ } set_cookies($res);
    ok $second && $second ne $first, 'login while holding a session: a new cookie';
    my ($id1) = $first =~ /s%3A([^.]+)\./;
    my ($id2) = ($second // '') =~ /s%3A([^.]+)\./;
    isnt $id2, $id1, 'login while holding a session: a new id';
    my $m = marker();
    refused_ok(sio_get($first, $m), 401, 'No session found', $m,
               'the old session stopped working');
    is sio_get($second, marker())->{status}, 200, 'the new one works';

    # and a fixed id planted before the login is never adopted
    my $planted = cookie_header(SECRET_OLD, random_sid());
    my $res2 = login('alice', 'wonderland', cookie => $planted);
    my ($got) = map { /^([^;]+)/ } set_cookies($res2);
    ok $got && $got ne $planted, 'a planted, validly signed id is not adopted';
}

# ---- SessionStoreLoginFailRedirect ----
{
    my $res = login('alice', 'bad', path => '/failing-login');
    is $res->{status}, 303, 'failed login with SessionStoreLoginFailRedirect: 303';
    is header_value($res, 'Location'), '/login.html?error=1',
        'failed login: Location /login.html?error=1';
    is scalar(set_cookies($res)), 0, 'failed login: no Set-Cookie';
    my $json = login('alice', 'bad', path => '/failing-login',
                     accept => 'application/json');
    is $json->{status}, 401, 'failed login asking for JSON: 401, no redirect';
    my $ok = login('alice', 'wonderland', path => '/failing-login');
    is $ok->{status}, 303, 'good login there: 303';
    is header_value($ok, 'Location'), '/', 'good login there: to / (no SessionStoreLoginRedirect)';
}

# ---- the login throttle (SessionStoreLoginThrottle 3 1000 60) ----
{
    my @status = map { login('carol', "guess$_", path => '/throttled-login',
                             accept => 'application/json')->{status} } 1 .. 4;
    is_deeply \@status, [401, 401, 401, 429],
        'three failures for one name, then 429';
    my $res = login('carol', 'guess5', path => '/throttled-login',
                    accept => 'application/json');
    like header_value($res, 'Retry-After') // '', qr/^\d+$/, '429 has Retry-After';
    is login('alice', 'wonderland', path => '/throttled-login',
             accept => 'application/json')->{status}, 200,
        'another user from the same address still logs in';
}

# ---- status ----
{
    my $res = http(path => '/session-status', headers => [['Accept', 'application/json']]);
    is $res->{status}, 200, 'status: 200';
    like header_value($res, 'Content-Type') // '', qr{^application/json}, 'status: JSON';
    my $st = decode_json($res->{body});
    is ref $st, 'HASH', 'status: a JSON object';
    is $st->{backend}, 'shm', 'status: backend shm';
    is $st->{capacity}, 50, 'status: capacity is SessionStoreCapacity';
    for my $k (qw(sessions logins login_failures lookups hits misses expired
                  evictions logouts repairs)) {
        like $st->{$k} // '', qr/^\d+$/, "status: $k is a count";
    }
    cmp_ok $st->{sessions}, '>=', 1, 'status: sessions are there';
    cmp_ok $st->{logins}, '>=', 8, 'status: the logins of this test are counted';
    cmp_ok $st->{hits}, '>=', 3, 'status: lookups that found a session';
    cmp_ok $st->{lookups}, '>=', $st->{hits}, 'status: lookups >= hits';
    ok !exists $st->{consistent}, 'status without ?check: no "consistent" (the walk is on request only)';
    my $checked = http(path => '/session-status?check',
                       headers => [['Accept', 'application/json']]);
    is $checked->{status}, 200, 'status?check: 200';
    is((decode_json($checked->{body}) || {})->{consistent}, JSON::PP::true(),
       'status?check: "consistent":true');

    my $html = http(path => '/session-status', headers => [['Accept', 'text/html']]);
    is $html->{status}, 200, 'status as HTML: 200';
    like header_value($html, 'Content-Type') // '', qr{^text/html}, 'status as HTML: text/html';
    like $html->{body}, qr{<table>.*<th>capacity</th><td>50</td>}s,
        'status as HTML: a table with the capacity';
    like $html->{body}, qr{<th>sessions</th><td>\d+</td>}, 'status as HTML: sessions';
    my $post = http(method => 'POST', path => '/session-status', body => '');
    is $post->{status}, 405, 'POST on status: 405';
    like header_value($post, 'Allow') // '', qr/\bGET\b/, 'POST on status: Allow names GET';
}

ok server_alive(), 'the server is alive and no child died';

done_testing;
