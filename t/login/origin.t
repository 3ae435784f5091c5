# Login CSRF (SessionStoreLoginCheckOrigin, default On): a login form
# posted from another site would sign the victim in as the attacker.  The
# Origin's host[:port] must be the Host's (the scheme's default port does
# not count); "null" and anything unparsable are refused; no Origin passes
# (older clients, scripts).  /login-any-origin has the check Off.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use SIOTest;

my $port = test_var('port');

sub origin_login {
    my ($origin, %a) = @_;
    return login($a{user} // 'alice', $a{pass} // 'wonderland', host => $a{host},
                 path => $a{path}, accept => $a{accept},
                 extra => [['Origin', $origin]]);
}

# [Origin, Host (undef: 127.0.0.1:port), why it is the same site]
my @same = (
    ["http://127.0.0.1:$port", undef, 'the same host and port'],
    ['http://Rotated.TEST', 'rotated.test', 'host names compared without case'],
    ['http://rotated.test', 'ROTATED.test', 'the Host in another case'],
    ['http://rotated.test:80', 'rotated.test', 'http\'s default port in the Origin'],
    ['http://rotated.test', 'rotated.test:80', 'http\'s default port in the Host'],
    ['https://rotated.test:443', 'rotated.test', 'https\'s default port in the Origin'],
);
for my $case (@same) {
    my ($origin, $host, $why) = @$case;
    my $res = origin_login($origin, host => $host);
    is $res->{status}, 303, "Origin $origin, Host " . ($host // 'ours') . " ($why): 303";
    is scalar(set_cookies($res)), 1, "Origin $origin ($why): a session";
}

my $before = status_json();
my $warnings = count_lines(error_log(), qr/login posted from another site refused/);
# [Origin, Host, why it is another site]
my @cross = (
    ['http://evil.example', undef, 'another host'],
    ['http://127.0.0.1:' . ($port == 65535 ? 1 : $port + 1), undef, 'another port'],
    ['http://127.0.0.1', undef, 'no port where the Host has one'],
    ["http://127.0.0.1:$port.evil.example", undef, 'our host:port as a prefix'],
    ["http://evil.example/127.0.0.1:$port", undef, 'our host:port in a path'],
    ['http://rotated.test:443', 'rotated.test', '443 is not http\'s default port'],
    ['https://rotated.test', 'rotated.test:8443', 'a port only the Host has'],
    ['null', undef, 'Origin: null (sandboxed frames, file: pages)'],
    ["127.0.0.1:$port", undef, 'no scheme'],
);
for my $case (@cross) {
    my ($origin, $host, $why) = @$case;
    my $name = "Origin $origin ($why)";
    my $res = origin_login($origin, host => $host, accept => 'application/json');
    is $res->{status}, 403, "$name: 403";
    is_deeply decode_json($res->{body}), { message => 'Cross-site login refused' },
        "$name: {\"message\":\"Cross-site login refused\"}";
    is scalar(set_cookies($res)), 0, "$name: no session";
}
{
    my $res = origin_login('http://evil.example', pass => 'not-the-password',
                           accept => 'application/json');
    is $res->{status}, 403, 'a cross-site login with a wrong password: 403 too (refused before the password)';
    my $html = origin_login('http://evil.example', accept => 'text/html');
    is $html->{status}, 403, 'a cross-site login asking for HTML: 403';
}
my $after = status_json();
is $after->{logins}, $before->{logins}, 'no cross-site login made a session';
is $after->{login_failures}, $before->{login_failures},
    'nor counted as a failed password';
ok wait_until(sub { count_lines(error_log(), qr/login posted from another site refused \(Origin http:\/\/evil\.example, Host 127\.0\.0\.1:$port; SessionStoreLoginCheckOrigin\)/) >= 1 }, 5),
    'the error log names the Origin, the Host and the directive';
cmp_ok count_lines(error_log(), qr/login posted from another site refused/) - $warnings,
    '==', @cross + 2, 'one warning per refused login';

# ---- Fetch Metadata: a login with no Origin but Sec-Fetch-Site cross-site ----
{
    my $res = login('alice', 'wonderland', accept => 'application/json',
                    extra => [['Sec-Fetch-Site', 'cross-site']]);
    is $res->{status}, 403, 'no Origin, Sec-Fetch-Site: cross-site: 403';
    is scalar(set_cookies($res)), 0, 'no Origin, Sec-Fetch-Site: cross-site: no session';
    for my $site ('same-origin', 'none') {
        my $ok = login('alice', 'wonderland', extra => [['Sec-Fetch-Site', $site]]);
        is $ok->{status}, 303, "Sec-Fetch-Site: $site: 303";
    }
    ok wait_until(sub { count_lines(error_log(), qr/login posted from another site refused \(Origin \(none\), Host 127\.0\.0\.1:$port, Sec-Fetch-Site cross-site; SessionStoreLoginCheckOrigin\)/) >= 1 }, 5),
        'the error log names the Sec-Fetch-Site header';
}

# ---- logout CSRF: another site must not sign our users out ----
{
    my $cookie = login_cookie('alice', 'wonderland', accept => 'application/json');
    for my $case (['Origin', 'http://evil.example'], ['Origin', 'null'],
                  ['Sec-Fetch-Site', 'cross-site']) {
        my $res = http(path => '/logout',
                       headers => [['Cookie', $cookie], ['Accept', 'application/json'], $case]);
        is $res->{status}, 403, "logout with $case->[0]: $case->[1]: 403";
        is_deeply decode_json($res->{body}), { message => 'Cross-site logout refused' },
            "logout with $case->[0]: $case->[1]: {\"message\":\"Cross-site logout refused\"}";
        is scalar(set_cookies($res)), 0, "logout with $case->[0]: $case->[1]: the cookie is not expired";
        is sio_get($cookie, marker())->{status}, 200, "logout with $case->[0]: $case->[1]: the session lives on";
    }
    my $post = http(method => 'POST', path => '/logout', body => '',
                    headers => [['Cookie', $cookie], ['Origin', 'http://evil.example'],
                                ['Content-Type', 'application/x-www-form-urlencoded']]);
    is $post->{status}, 403, 'a cross-site POST logout: 403';
    ok wait_until(sub { count_lines(error_log(), qr/logout requested from another site refused \(Origin http:\/\/evil\.example, Host 127\.0\.0\.1:$port; SessionStoreLoginCheckOrigin\)/) >= 1 }, 5),
        'the error log names the refused logout';
    my $same = http(path => '/logout', headers => [['Cookie', $cookie], ['Origin', "http://127.0.0.1:$port"],
                                                   ['Sec-Fetch-Site', 'same-origin']]);
    is $same->{status}, 200, 'a same-origin logout: 200';
    is sio_get($cookie, marker())->{status}, 401, 'and the session is gone';
}

# ---- SessionStoreLoginCheckOrigin Off ----
for my $origin ('http://evil.example', 'null') {
    my $res = origin_login($origin, path => '/login-any-origin');
    is $res->{status}, 303, "SessionStoreLoginCheckOrigin Off, Origin $origin: 303";
    is scalar(set_cookies($res)), 1, "SessionStoreLoginCheckOrigin Off, Origin $origin: a session";
}

done_testing;
